//! The HTTP side of the simulated browser: the cookie jar shared by every
//! page of a test (like one browser's), and reading a dead-rendered page
//! (container id, session token, CSRF token, the view's HTML).

use liveview_core::protocol::HttpResponse;
use std::collections::BTreeMap;

/// The browser's cookies: name → value, set by `Set-Cookie` headers.
#[derive(Clone, Debug, Default)]
pub(crate) struct CookieJar(BTreeMap<String, String>);

impl CookieJar {
    /// The `Cookie` header for a request, if there is any cookie.
    pub(crate) fn header(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            self.0
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// The value of the cookie `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Stores (or, when emptied or expired, removes) every cookie the response sets.
    pub(crate) fn store(&mut self, response: &HttpResponse) {
        let set = response
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"));
        for (_, header) in set {
            let mut parts = header.split(';').map(str::trim);
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let expired = parts.any(|a| a.eq_ignore_ascii_case("max-age=0"));
            if expired || value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }
}

/// What the client reads from a dead-rendered page to join its view.
#[derive(Clone, Debug)]
pub(crate) struct LoadedPage {
    /// The container id (the view's topic is `lv:<id>`).
    pub(crate) id: String,
    /// `data-phx-session`.
    pub(crate) session: String,
    /// `data-phx-static`.
    pub(crate) statics: String,
    /// `<meta name="csrf-token" content>`.
    pub(crate) csrf: String,
    /// The container's content: the view's dead render.
    pub(crate) html: String,
    /// The `<title>`'s text, unless it is the layout's default.
    pub(crate) title: Option<String>,
}

/// Reads a dead-rendered page.
pub(crate) fn read_page(body: &str) -> Result<LoadedPage, String> {
    let at = body
        .find(" data-phx-main")
        .ok_or("the page has no LiveView container (data-phx-main)")?;
    let start = body[..at].rfind('<').ok_or("malformed container tag")?;
    let end = at + body[at..].find('>').ok_or("malformed container tag")?;
    let tag = &body[start..end];
    let id = attr(tag, "id").ok_or("the container has no id")?;
    let session = attr(tag, "data-phx-session").ok_or("the container has no data-phx-session")?;
    let statics = attr(tag, "data-phx-static").unwrap_or_default();
    let csrf = body
        .find("name=\"csrf-token\"")
        .and_then(|i| {
            let s = body[..i].rfind('<')?;
            let e = i + body[i..].find('>')?;
            attr(&body[s..e], "content")
        })
        .ok_or("the page has no <meta name=\"csrf-token\">")?;
    let inner = &body[end + 1..];
    let html = inner[..closing_div(inner).ok_or("the container is not closed")?].to_owned();
    let title = body.find("<title").and_then(|i| {
        let tag_end = i + body[i..].find('>')?;
        let text_end = tag_end + body[tag_end..].find("</title>")?;
        let text = unescape(&body[tag_end + 1..text_end]);
        let default = attr(&body[i..tag_end], "data-default");
        (default.as_deref() != Some(text.as_str())).then_some(text)
    });
    Ok(LoadedPage {
        id,
        session,
        statics,
        csrf,
        html,
        title,
    })
}

/// The value of ` name="…"` in a start tag, unescaped.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(unescape(&tag[i..i + tag[i..].find('"')?]))
}

/// Where the `</div>` closing an already opened `<div>` starts in `html`.
fn closing_div(html: &str) -> Option<usize> {
    let lower = html.to_ascii_lowercase();
    let mut depth = 1usize;
    let mut i = 0;
    while let Some(off) = lower[i..].find("<") {
        let at = i + off;
        let rest = &lower[at..];
        if rest.starts_with("</div") {
            depth -= 1;
            if depth == 0 {
                return Some(at);
            }
        } else if rest.starts_with("<div")
            && rest[4..].starts_with(|c: char| c == '>' || c == '/' || c.is_ascii_whitespace())
        {
            depth += 1;
        }
        i = at + 1;
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_container_and_nested_divs() {
        let body = "<html><head><meta name=\"csrf-token\" content=\"C&amp;1\">\
            <title data-default=\"d\">d</title></head><body>\
            <div id=\"phx-1\" data-phx-main data-phx-session=\"S\" data-phx-static=\"\">\
            <div>a<div>x</div></div><p>b</p></div><div>layout</div></body></html>";
        let p = read_page(body).unwrap();
        assert_eq!((p.id.as_str(), p.session.as_str()), ("phx-1", "S"));
        assert_eq!(p.csrf, "C&1");
        assert_eq!(p.html, "<div>a<div>x</div></div><p>b</p>");
        assert_eq!(p.title, None);
    }

    #[test]
    fn the_jar_keeps_and_clears_cookies() {
        let mut jar = CookieJar::default();
        let resp = |v: &str| HttpResponse {
            status: 200,
            headers: vec![("set-cookie".into(), v.into())],
            body: String::new(),
        };
        jar.store(&resp("_lv_csrf=abc; Path=/; HttpOnly"));
        jar.store(&resp("__phoenix_flash__=tok; Path=/; Max-Age=60"));
        assert_eq!(
            jar.header().as_deref(),
            Some("__phoenix_flash__=tok; _lv_csrf=abc")
        );
        jar.store(&resp("__phoenix_flash__=; Path=/; Max-Age=0"));
        assert_eq!(jar.header().as_deref(), Some("_lv_csrf=abc"));
    }
}
