//! The browser client, embedded at build time and served under `/assets/`.
//!
//! | path | what | caching |
//! | --- | --- | --- |
//! | `/assets/app.js` | the boot module (`new LiveSocket("/live", Socket, {params: {_csrf_token}})`), extensible with the app's own module ([`app_js`], [`ClientOptions`](crate::ClientOptions)) | `no-cache` + `ETag` |
//! | `/assets/phoenix-1.8.16.mjs` | npm `phoenix` 1.8.16, ESM bundle | one year, `immutable` (versioned path) |
//! | `/assets/phoenix_live_view-1.2.12.esm.js` | npm `phoenix_live_view` 1.2.12, ESM bundle | one year, `immutable` |
//! | `/assets/*.map` | their source maps | one day |

/// The boot module's path, for layouts: `<script type="module" src="…">`.
pub const APP_JS_PATH: &str = "/assets/app.js";

/// The line of `app.js` that [`app_js`] replaces with the import of the app's module.
const EXT_PLACEHOLDER: &str = "const ext = {};";

/// The body of `/assets/app.js` that imports the app's own module
/// `hooks_module` (see [`ClientOptions`](crate::ClientOptions)); `None`
/// gives the embedded `app.js` as it is.
///
/// ```
/// use liveview_warp::assets::{app_js, find, APP_JS_PATH};
/// assert_eq!(&*app_js(None), find(APP_JS_PATH).unwrap().body);
/// let js = String::from_utf8(app_js(Some("/static/hooks.js")).into_owned()).unwrap();
/// assert!(js.contains(r#"import * as ext from "/static/hooks.js";"#));
/// ```
pub fn app_js(hooks_module: Option<&str>) -> std::borrow::Cow<'static, [u8]> {
    let Some(module) = hooks_module else {
        return APP_JS.as_bytes().into();
    };
    // A JSON string is a JavaScript string literal.
    let specifier = serde_json::to_string(module).expect("a string serializes");
    APP_JS
        .replacen(
            EXT_PLACEHOLDER,
            &format!("import * as ext from {specifier};"),
            1,
        )
        .into_bytes()
        .into()
}

/// The embedded `app.js`.
const APP_JS: &str = include_str!("../assets/app.js");

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The path it is served at.
    pub path: &'static str,
    /// The body.
    pub body: &'static [u8],
    /// The `content-type`.
    pub content_type: &'static str,
    /// The `cache-control`.
    pub cache_control: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";
const MAP: &str = "application/json";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Every embedded file.
pub static ASSETS: &[Asset] = &[
    Asset {
        path: APP_JS_PATH,
        body: APP_JS.as_bytes(),
        content_type: JS,
        cache_control: "no-cache",
    },
    Asset {
        path: "/assets/phoenix-1.8.16.mjs",
        body: include_bytes!(concat!(env!("OUT_DIR"), "/phoenix.mjs")),
        content_type: JS,
        cache_control: IMMUTABLE,
    },
    Asset {
        path: "/assets/phoenix_live_view-1.2.12.esm.js",
        body: include_bytes!(concat!(env!("OUT_DIR"), "/phoenix_live_view.esm.js")),
        content_type: JS,
        cache_control: IMMUTABLE,
    },
    Asset {
        path: "/assets/phoenix.mjs.map",
        body: include_bytes!(concat!(env!("OUT_DIR"), "/phoenix.mjs.map")),
        content_type: MAP,
        cache_control: "public, max-age=86400",
    },
    Asset {
        path: "/assets/phoenix_live_view.esm.js.map",
        body: include_bytes!(concat!(env!("OUT_DIR"), "/phoenix_live_view.esm.js.map")),
        content_type: MAP,
        cache_control: "public, max-age=86400",
    },
];

/// The asset served at `path`, if any.
///
/// ```
/// let a = liveview_warp::assets::find("/assets/app.js").unwrap();
/// assert!(a.content_type.starts_with("text/javascript"));
/// assert!(liveview_warp::assets::find("/assets/nope.js").is_none());
/// ```
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// A strong validator for an asset body (FNV-1a 64 over the bytes, quoted).
pub fn etag(body: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in body {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{h:016x}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_are_the_pinned_versions() {
        let lv = std::str::from_utf8(
            find("/assets/phoenix_live_view-1.2.12.esm.js")
                .unwrap()
                .body,
        )
        .unwrap();
        assert!(lv.contains("1.2.12"), "LV bundle must carry its version");
        assert!(lv.contains("LiveSocket"));
        let px = std::str::from_utf8(find("/assets/phoenix-1.8.16.mjs").unwrap().body).unwrap();
        assert!(px.contains("export"));
        assert!(px.contains("Socket"));
    }

    #[test]
    fn app_js_imports_what_is_served() {
        let app = std::str::from_utf8(find(APP_JS_PATH).unwrap().body).unwrap();
        for line in app.lines().filter(|l| l.starts_with("import")) {
            let path = line.split('"').nth(1).unwrap();
            assert!(
                find(path).is_some(),
                "app.js imports {path}, which is not served"
            );
        }
        assert!(app.contains("new LiveSocket(\"/live\""));
        assert!(!app.contains("longPollFallbackMs"));
        assert_eq!(
            app.lines().filter(|l| *l == EXT_PLACEHOLDER).count(),
            1,
            "app.js has one line for app_js to replace"
        );
    }

    #[test]
    fn app_js_with_a_module_imports_it_and_still_boots_the_client() {
        let js = app_js(Some("/static/hooks.js?v=\"1\""));
        let js = std::str::from_utf8(&js).unwrap();
        assert!(js.contains(r#"import * as ext from "/static/hooks.js?v=\"1\"";"#));
        assert!(!js.contains(EXT_PLACEHOLDER));
        let base = std::str::from_utf8(find(APP_JS_PATH).unwrap().body).unwrap();
        for line in base.lines().filter(|l| *l != EXT_PLACEHOLDER) {
            assert!(js.contains(line), "{line:?} kept");
        }
    }

    #[test]
    fn etag_is_stable_and_quoted() {
        assert_eq!(etag(b"abc"), etag(b"abc"));
        assert_ne!(etag(b"abc"), etag(b"abd"));
        assert!(etag(b"").starts_with('"') && etag(b"").ends_with('"'));
    }
}
