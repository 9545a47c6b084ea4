//! The dead render: the first HTTP GET of a LiveView page.
//!
//! [`App::render_page`] (and [`App::render_request`], which also sees the
//! request's cookies and session) routes the URL, mounts the view with
//! `connected: false`, renders it to HTML and wraps it in the [`Layout`]:
//!
//! ```html
//! <meta name="csrf-token" content="CSRF_TOKEN">
//! <div id="phx-…" data-phx-main data-phx-session="SESSION_TOKEN" data-phx-static="">…view HTML…</div>
//! ```
//!
//! * the container id is `"phx-"` + base64url of the 16 entropy bytes;
//! * the response sets the HttpOnly cookie `_lv_csrf` (SameSite=Lax, Path=/)
//!   that the CSRF token is bound to — unless the request already carries one,
//!   which is then reused so that several tabs share one value (see
//!   [`auth`]);
//! * an unknown path is a 404 page, a URL that does not parse a 400;
//! * a mount that redirects or navigates (or patches) answers `302` with
//!   `location` (and its flash in the `__phoenix_flash__` cookie);
//! * a view that panics while mounting or rendering is a 500 page.
//!
//! ```
//! use liveview_core::protocol::{App, Config, Router};
//! use liveview_core::{html, LiveView, Mount, Rendered, Time, Update};
//!
//! struct Counter { count: i64 }
//! impl LiveView for Counter {
//!     type Event = ();
//!     type Info = ();
//!     fn mount(_: &Mount) -> Update<Self> { (Counter { count: 0 }, vec![]) }
//!     fn render(&self) -> Rendered { html!(r#"<span id="count">{self.count}</span>"#) }
//! }
//!
//! let app = App::new(Router::new().live::<Counter>("/counter"), Config::new(vec![7; 32]).unwrap());
//! let entropy = [42u8; 16]; // fresh random bytes per request, from the adapter
//! let resp = app.render_page(Time::from_millis(1_700_000_000_000), "/counter", entropy);
//! assert_eq!(resp.status, 200);
//! assert!(resp.body.contains(r#"data-phx-static=""><span id="count">0</span></div>"#));
//! assert!(resp.body.contains(r#"<meta name="csrf-token" content=""#));
//! assert!(resp.header("set-cookie").unwrap().starts_with("_lv_csrf="));
//! assert_eq!(app.render_page(Time::ZERO, "/nope", entropy).status, 404);
//! ```

use super::auth::{self, SessionData, CSRF_COOKIE, FLASH_COOKIE};
use super::live_session::SessionRequest;
use super::App;
use crate::runtime::{JoinInput, Navigation};
use crate::template::escape_html;
use crate::time::Time;
use crate::view::{Flash, Session, Url};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// An HTTP response produced by the core, written out by the adapter.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers (name, value), e.g. `content-type`, `set-cookie`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl HttpResponse {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn html(status: u16, body: String) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![
                ("content-type".into(), "text/html; charset=utf-8".into()),
                ("cache-control".into(), "no-store".into()),
            ],
            body,
        }
    }

    fn error_page(status: u16, title: &str) -> HttpResponse {
        HttpResponse::html(
            status,
            format!(
                "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status} {title}</title></head>\
                 <body><h1>{status} {title}</h1></body></html>\n"
            ),
        )
    }

    fn redirect(to: &str) -> HttpResponse {
        HttpResponse {
            status: 302,
            headers: vec![
                ("location".into(), to.into()),
                ("cache-control".into(), "no-store".into()),
            ],
            body: String::new(),
        }
    }
}

/// The page around the LiveView container: replaceable by the user.
pub trait Layout: Send + Sync {
    /// Wraps the container `inner` (the root element with its attributes and
    /// content) in a full HTML document. `csrf_token` goes into
    /// `<meta name="csrf-token">`; `title` is the view's page title, if any.
    fn render(&self, title: Option<&str>, csrf_token: &str, inner: &str) -> String;
}

/// The default page: `<title>` (the view's title, else [`DefaultLayout::title`]),
/// the CSRF meta tag, then [`DefaultLayout::head`] — by default the module
/// script `/assets/app.js` that boots the official client.
///
/// ```
/// use liveview_core::protocol::{DefaultLayout, Layout};
/// let layout = DefaultLayout::new("Demo").head(r#"<script type="module" src="/js/app.js"></script>"#);
/// let page = layout.render(None, "TOKEN", "<div id=\"phx-1\"></div>");
/// assert!(page.contains(r#"<meta name="csrf-token" content="TOKEN">"#));
/// assert!(page.contains("<title data-default=\"Demo\">Demo</title>"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultLayout {
    /// The title when the view sets none (also the `data-default` of `<title>`).
    pub title: String,
    /// Raw HTML appended to `<head>`: scripts, stylesheets.
    pub head: String,
}

impl Default for DefaultLayout {
    fn default() -> Self {
        DefaultLayout::new("liveview")
    }
}

impl DefaultLayout {
    /// The script tag that loads the client bundle served by the adapter.
    pub const CLIENT_SCRIPT: &'static str =
        r#"<script type="module" src="/assets/app.js"></script>"#;

    /// A layout with this default title and the client script in `<head>`.
    pub fn new(title: impl Into<String>) -> DefaultLayout {
        DefaultLayout {
            title: title.into(),
            head: Self::CLIENT_SCRIPT.to_owned(),
        }
    }

    /// Replaces the extra `<head>` HTML (keep a script that boots the client).
    pub fn head(mut self, html: impl Into<String>) -> DefaultLayout {
        self.head = html.into();
        self
    }
}

impl Layout for DefaultLayout {
    fn render(&self, title: Option<&str>, csrf_token: &str, inner: &str) -> String {
        let default = escape_html(&self.title);
        let title = title.map(escape_html).unwrap_or_else(|| default.clone());
        let csrf = escape_html(csrf_token);
        let mut out = String::with_capacity(512 + inner.len() + self.head.len());
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str(&format!("<meta name=\"csrf-token\" content=\"{csrf}\">\n"));
        out.push_str(&format!(
            "<title data-default=\"{default}\">{title}</title>\n"
        ));
        out.push_str(&self.head);
        out.push_str("\n</head>\n<body>\n");
        out.push_str(inner);
        out.push_str("\n</body>\n</html>\n");
        out
    }
}

/// What the dead render needs to know about an HTTP request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageRequest<'a> {
    /// The request target: a path with query (`/counter?x=1`) or an absolute URL.
    pub url: &'a str,
    /// The `Cookie` header, if any (carries `_lv_csrf` and `__phoenix_flash__`).
    pub cookie: Option<&'a str>,
    /// Session data to sign into the page (e.g. from the application's own auth);
    /// the view receives it in `Mount::session` on the dead render and on join.
    /// The route's live session function lays its entries over it.
    pub session: Session,
    /// The request's headers (name, value), for live sessions' session functions.
    pub headers: &'a [(String, String)],
}

/// The container id for 16 bytes of entropy: `phx-` + base64url (22 characters, no `"`).
pub fn container_id(entropy: &[u8; 16]) -> String {
    let mut id = String::from("phx-");
    URL_SAFE_NO_PAD.encode_string(entropy, &mut id);
    id
}

/// The upload-id entropy of a dead render ([`JoinInput::entropy`]), from its fresh bytes.
fn entropy_seed(entropy: &[u8; 16]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&entropy[..8]);
    u64::from_le_bytes(b)
}

/// The `title` (`"t"`) of a rendered JSON tree, if any.
fn rendered_title(rendered: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct T {
        t: Option<String>,
    }
    serde_json::from_str::<T>(rendered).ok().and_then(|t| t.t)
}

fn flash_cookie(token: &str) -> String {
    format!("{FLASH_COOKIE}={token}; Path=/; Max-Age=60; SameSite=Lax")
}

impl App {
    /// The dead render of `url` for a request without cookies or session data;
    /// see [`App::render_request`].
    pub fn render_page(&self, now: Time, url: &str, entropy: [u8; 16]) -> HttpResponse {
        self.render_request(
            now,
            &PageRequest {
                url,
                ..Default::default()
            },
            entropy,
        )
    }

    /// The dead render (see the [module docs](self)). `entropy` must be fresh
    /// random bytes for every request: it makes the container id and, when the
    /// request has no CSRF cookie yet, the cookie's value.
    pub fn render_request(
        &self,
        now: Time,
        request: &PageRequest<'_>,
        entropy: [u8; 16],
    ) -> HttpResponse {
        let config = &self.config;
        let Ok(url) = Url::parse(request.url) else {
            return HttpResponse::error_page(400, "Bad Request");
        };
        let Some((route, path_params)) = self.router.route(url.path()) else {
            return HttpResponse::error_page(404, "Not Found");
        };
        let live_session = self.router.live_session_of(route);
        let session = live_session.session_for(
            &SessionRequest {
                url: &url,
                cookie_header: request.cookie,
                headers: request.headers,
            },
            &request.session,
        );
        let cookie = request.cookie.unwrap_or("");
        let mut extra_headers = Vec::new();
        let flash = match auth::cookie_value(cookie, FLASH_COOKIE).filter(|v| !v.is_empty()) {
            Some(token) => {
                extra_headers.push((
                    "set-cookie".to_owned(),
                    format!("{FLASH_COOKIE}=; Path=/; Max-Age=0"),
                ));
                auth::verify_flash(config, now, token).unwrap_or_default()
            }
            None => Flash::default(),
        };
        // The container id is known before the mount: child views name it.
        let id = container_id(&entropy);
        let input = JoinInput {
            connected: false,
            url: url.clone(),
            path_params,
            pattern: None,
            session: session.clone(),
            flash: flash.clone(),
            connect_params: None,
            layout: None,
            keep_stream_items: false,
            patch_patterns: Vec::new(),
            nested: Some(self.nested_cx(&id)),
            sticky: false,
            child: false,
            entropy: entropy_seed(&entropy),
        };
        let mounted = catch_unwind(AssertUnwindSafe(|| {
            self.router
                .mount(route, now, input)
                .map(|(mut view, joined)| {
                    let html = view.render_html();
                    view.stop();
                    (html, joined)
                })
        }));
        let (html, joined) = match mounted {
            Err(_) => return HttpResponse::error_page(500, "Internal Server Error"),
            Ok(Err(nav)) => {
                let (to, flash) = match nav {
                    Navigation::Patch { to, .. } => (to, Flash::default()),
                    Navigation::Navigate { to, flash, .. } | Navigation::Redirect { to, flash } => {
                        (to, flash)
                    }
                };
                let mut resp = HttpResponse::redirect(&to);
                resp.headers.extend(extra_headers);
                if !flash.is_empty() {
                    resp.headers.push((
                        "set-cookie".into(),
                        flash_cookie(&auth::sign_flash(config, now, &flash)),
                    ));
                }
                return resp;
            }
            Ok(Ok(ok)) => ok,
        };
        if let Some(Navigation::Patch { to, .. }) = &joined.live_patch {
            let mut resp = HttpResponse::redirect(to);
            resp.headers.extend(extra_headers);
            return resp;
        }

        let csrf_value = match auth::cookie_value(cookie, CSRF_COOKIE)
            .filter(|v| auth::plausible_csrf_value(v))
        {
            Some(existing) => existing.to_owned(),
            None => {
                let v = auth::csrf_value(config, &entropy);
                extra_headers.push((
                    "set-cookie".into(),
                    format!("{CSRF_COOKIE}={v}; Path=/; HttpOnly; SameSite=Lax"),
                ));
                v
            }
        };
        let csrf_token = auth::sign_csrf(config, now, &csrf_value);
        let session_token = auth::sign_session(
            config,
            now,
            &SessionData {
                id: id.clone(),
                url: url.to_string(),
                session,
                flash,
                live_session: live_session.name().to_owned(),
            },
        );
        let mut inner = String::with_capacity(html.len() + session_token.len() + 96);
        inner.push_str("<div id=\"");
        inner.push_str(&id);
        inner.push_str("\" data-phx-main data-phx-session=\"");
        inner.push_str(&escape_html(&session_token));
        inner.push_str("\" data-phx-static=\"\">");
        inner.push_str(&html);
        inner.push_str("</div>");
        let title = rendered_title(&joined.rendered);
        let layout = live_session.own_layout().unwrap_or(&config.layout);
        let body = layout.render(title.as_deref(), &csrf_token, &inner);
        let mut resp = HttpResponse::html(200, body);
        resp.headers.extend(extra_headers);
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fake_app, FAKE_SECRET};
    use super::*;
    use crate::protocol::token::TokenError;

    const NOW: Time = Time::from_millis(1_700_000_000_000);

    fn attr<'a>(html: &'a str, tag_start: &str, name: &str) -> Option<&'a str> {
        let start = html.find(tag_start)?;
        let tag = &html[start..start + html[start..].find('>')?];
        let key = format!(" {name}=\"");
        let i = tag.find(&key)? + key.len();
        Some(&tag[i..i + tag[i..].find('"')?])
    }

    #[test]
    fn renders_the_container_meta_and_cookie() {
        let app = fake_app();
        let resp = app.render_page(NOW, "/counter?x=1", [7; 16]);
        assert_eq!(resp.status, 200);
        assert_eq!(
            resp.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let body = &resp.body;
        assert!(body.starts_with("<!DOCTYPE html>"));
        // Container attributes.
        let id = container_id(&[7; 16]);
        assert_eq!(id.len(), 4 + 22);
        assert!(!id.contains('"'));
        let div = format!("<div id=\"{id}\" data-phx-main data-phx-session=\"");
        assert!(body.contains(&div), "{body}");
        assert_eq!(attr(body, "<div id=", "data-phx-static"), Some(""));
        // The view's dead render is inside, with connected=false.
        assert!(
            body.contains(r#"<span id="count">0</span><i>dead</i></div>"#),
            "{body}"
        );
        // Title from the rendered tree, script from the default layout.
        assert!(body.contains(">Fake</title>"));
        assert!(body.contains(r#"<script type="module" src="/assets/app.js"></script>"#));
        // Session token: authentic, bound to the id and URL.
        let session = attr(body, "<div id=", "data-phx-session").unwrap();
        let data = auth::verify_session(&app.config, NOW, session).unwrap();
        assert_eq!(data.id, id);
        assert_eq!(data.url, "/counter?x=1");
        // CSRF: cookie set, meta token bound to it.
        let set_cookie = resp.header("set-cookie").unwrap();
        assert!(set_cookie.starts_with("_lv_csrf="));
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(set_cookie.contains(flag), "{set_cookie}");
        }
        let cookie_value = set_cookie
            .trim_start_matches("_lv_csrf=")
            .split(';')
            .next()
            .unwrap();
        let meta = attr(body, "<meta name=\"csrf-token\"", "content").unwrap();
        assert_eq!(
            auth::check_csrf(&app.config, NOW, meta, Some(cookie_value)),
            Ok(())
        );
        assert_eq!(
            auth::check_csrf(&app.config, NOW, meta, Some("somebody-elses-value")),
            Err(TokenError::Invalid)
        );
        // The secret never leaks, and the cookie is not the id.
        assert!(!body.contains(FAKE_SECRET));
        assert!(!id.contains(cookie_value));
    }

    #[test]
    fn reuses_an_existing_csrf_cookie() {
        let app = fake_app();
        let req = PageRequest {
            url: "/counter",
            cookie: Some("a=b; _lv_csrf=existing-value-123"),
            ..Default::default()
        };
        let resp = app.render_request(NOW, &req, [1; 16]);
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("set-cookie"), None);
        let meta = attr(&resp.body, "<meta name=\"csrf-token\"", "content").unwrap();
        assert_eq!(
            auth::check_csrf(&app.config, NOW, meta, Some("existing-value-123")),
            Ok(())
        );
    }

    #[test]
    fn ids_differ_per_entropy() {
        let app = fake_app();
        let a = app.render_page(NOW, "/counter", [1; 16]);
        let b = app.render_page(NOW, "/counter", [2; 16]);
        assert_ne!(
            attr(&a.body, "<div id=", "id"),
            attr(&b.body, "<div id=", "id")
        );
    }

    #[test]
    fn not_found_bad_request_and_crash() {
        let app = fake_app();
        assert_eq!(app.render_page(NOW, "/nope", [0; 16]).status, 404);
        assert_eq!(app.render_page(NOW, "no-slash", [0; 16]).status, 400);
        let resp = app.render_page(NOW, "/boom", [0; 16]);
        assert_eq!(resp.status, 500);
        assert!(resp.body.contains("500"));
    }

    #[test]
    fn redirects_with_flash() {
        let app = fake_app();
        let resp = app.render_page(NOW, "/redirect", [0; 16]);
        assert_eq!(resp.status, 302);
        assert_eq!(resp.header("location"), Some("/elsewhere"));
        let cookie = resp.header("set-cookie").unwrap();
        let token = cookie
            .trim_start_matches("__phoenix_flash__=")
            .split(';')
            .next()
            .unwrap();
        assert_eq!(
            auth::verify_flash(&app.config, NOW, token)
                .unwrap()
                .get("info"),
            Some("moved")
        );
        // The next page reads the flash from the cookie, hands it to mount and clears the cookie.
        let cookie_header = format!("{FLASH_COOKIE}={token}");
        let req = PageRequest {
            url: "/counter",
            cookie: Some(&cookie_header),
            ..Default::default()
        };
        let next = app.render_request(NOW, &req, [0; 16]);
        assert!(next.body.contains("<b>moved</b>"), "{}", next.body);
        assert!(next
            .headers
            .iter()
            .any(|(k, v)| k == "set-cookie" && v.starts_with("__phoenix_flash__=;")));
        let navigate = app.render_page(NOW, "/navigate", [0; 16]);
        assert_eq!(
            (navigate.status, navigate.header("location")),
            (302, Some("/counter"))
        );
        let patched = app.render_page(NOW, "/patched", [0; 16]);
        assert_eq!(
            (patched.status, patched.header("location")),
            (302, Some("/patched?p=1"))
        );
    }

    #[test]
    fn session_data_is_signed_into_the_page() {
        let app = fake_app();
        let mut session = Session::default();
        session.insert("user_id", serde_json::json!(42));
        let req = PageRequest {
            url: "/counter",
            session,
            ..Default::default()
        };
        let resp = app.render_request(NOW, &req, [3; 16]);
        let token = attr(&resp.body, "<div id=", "data-phx-session").unwrap();
        let data = auth::verify_session(&app.config, NOW, token).unwrap();
        assert_eq!(data.session.get("user_id"), Some(&serde_json::json!(42)));
    }

    #[test]
    fn layout_escapes_title() {
        let page = DefaultLayout::new("A&B").render(Some("<x>"), "t\"", "");
        assert!(page.contains("<title data-default=\"A&amp;B\">&lt;x&gt;</title>"));
        assert!(page.contains("content=\"t&quot;\""));
    }
}
