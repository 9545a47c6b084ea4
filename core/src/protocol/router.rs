//! Routing: path patterns to views.
//!
//! A pattern is a path whose segments are literals, `:name` parameters (one
//! segment) or a final `*name` (the rest of the path, possibly empty).
//! Parameters are percent-decoded. Empty segments are ignored, so `/a/` matches
//! `/a`. Routes are tried in the order they were added; the first match wins.
//!
//! ```
//! use liveview_core::protocol::Router;
//! use liveview_core::{html, LiveView, Mount, Rendered, Update};
//!
//! struct User { id: String }
//! impl LiveView for User {
//!     type Event = ();
//!     type Info = ();
//!     fn mount(m: &Mount) -> Update<Self> {
//!         (User { id: m.params.get("id").unwrap_or("").to_owned() }, vec![])
//!     }
//!     fn render(&self) -> Rendered {
//!         html!(r#"<p id="user">{self.id}</p>"#)
//!     }
//! }
//!
//! let router = Router::new().live::<User>("/users/:id");
//! let (route, params) = router.route("/users/42").unwrap();
//! assert_eq!(route.pattern(), "/users/:id");
//! assert_eq!(params.get("id"), Some("42"));
//! assert!(router.route("/users").is_none());
//! ```

use crate::runtime::{AnyView, JoinInput, Joined, Navigation, ViewDriver};
use crate::time::Time;
use crate::view::{LiveView, Params};
use std::fmt;

/// Mounts a view: what a route runs on a dead render (`connected: false`) and on join.
pub type JoinFn = fn(Time, JoinInput) -> Result<(Box<dyn AnyView>, Joined), Navigation>;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Rest(String),
}

/// One route: a pattern and the view it mounts.
pub struct Route {
    id: usize,
    pattern: String,
    segments: Vec<Segment>,
    view_name: &'static str,
    join: JoinFn,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("pattern", &self.pattern)
            .field("view", &self.view_name)
            .finish()
    }
}

impl Route {
    /// The position of this route in its router (identifies the view across joins).
    pub fn id(&self) -> usize {
        self.id
    }

    /// The pattern, as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The name of the view type.
    pub fn view_name(&self) -> &'static str {
        self.view_name
    }

    /// Mounts the view (see [`ViewDriver::join`]).
    pub fn join(
        &self,
        now: Time,
        input: JoinInput,
    ) -> Result<(Box<dyn AnyView>, Joined), Navigation> {
        (self.join)(now, input)
    }

    fn matches(&self, path: &str) -> Option<Params> {
        let mut params = Params::default();
        let mut parts = path.split('/').filter(|s| !s.is_empty());
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Literal(lit) => {
                    if percent_decode(parts.next()?) != *lit {
                        return None;
                    }
                }
                Segment::Param(name) => params.insert(name.clone(), percent_decode(parts.next()?)),
                Segment::Rest(name) => {
                    debug_assert_eq!(i, self.segments.len() - 1);
                    let rest: Vec<String> = parts.by_ref().map(percent_decode).collect();
                    params.insert(name.clone(), rest.join("/"));
                }
            }
        }
        if parts.next().is_some() {
            return None;
        }
        Some(params)
    }
}

/// Why a pattern was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteError(pub String);

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid route pattern: {}", self.0)
    }
}
impl std::error::Error for RouteError {}

fn parse_pattern(pattern: &str) -> Result<Vec<Segment>, RouteError> {
    if !pattern.starts_with('/') {
        return Err(RouteError(format!("{pattern:?} must start with '/'")));
    }
    if pattern.contains(['?', '#']) {
        return Err(RouteError(format!(
            "{pattern:?} must be a path without query or fragment"
        )));
    }
    let raw: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let mut segments = Vec::with_capacity(raw.len());
    for (i, s) in raw.iter().enumerate() {
        let seg = if let Some(name) = s.strip_prefix(':') {
            Segment::Param(name.to_owned())
        } else if let Some(name) = s.strip_prefix('*') {
            if i + 1 != raw.len() {
                return Err(RouteError(format!(
                    "{pattern:?}: '*{name}' must be the last segment"
                )));
            }
            Segment::Rest(name.to_owned())
        } else {
            Segment::Literal(percent_decode(s))
        };
        if let Segment::Param(n) | Segment::Rest(n) = &seg {
            if n.is_empty() {
                return Err(RouteError(format!("{pattern:?}: a parameter needs a name")));
            }
            if segments
                .iter()
                .any(|o| matches!(o, Segment::Param(m) | Segment::Rest(m) if m == n))
            {
                return Err(RouteError(format!(
                    "{pattern:?}: parameter {n:?} appears twice"
                )));
            }
        }
        segments.push(seg);
    }
    Ok(segments)
}

/// Decodes `%XX` escapes; invalid escapes and invalid UTF-8 are kept as they are.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

fn join_view<V: LiveView>(
    now: Time,
    input: JoinInput,
) -> Result<(Box<dyn AnyView>, Joined), Navigation> {
    ViewDriver::<V>::join(now, input)
        .map(|(driver, joined)| (Box::new(driver) as Box<dyn AnyView>, joined))
}

/// Maps path patterns (`/counter`, `/users/:id`) to views.
#[derive(Default, Debug)]
pub struct Router {
    routes: Vec<Route>,
}

impl Router {
    /// An empty router.
    pub fn new() -> Router {
        Router::default()
    }

    /// Routes `pattern` to the LiveView `V`.
    ///
    /// # Panics
    /// When the pattern is invalid (see [`Router::try_add`]): routes are
    /// program constants, checked once at startup.
    pub fn live<V: LiveView>(self, pattern: &str) -> Router {
        self.live_with(pattern, std::any::type_name::<V>(), join_view::<V>)
    }

    /// Routes `pattern` to a view mounted by `join` (any [`AnyView`], e.g. a
    /// hand-written one).
    ///
    /// # Panics
    /// When the pattern is invalid (see [`Router::try_add`]).
    pub fn live_with(mut self, pattern: &str, view_name: &'static str, join: JoinFn) -> Router {
        if let Err(e) = self.try_add(pattern, view_name, join) {
            panic!("{e}");
        }
        self
    }

    /// Adds a route, or says why the pattern is invalid (no leading `/`,
    /// query/fragment, unnamed or repeated parameter, `*rest` not last).
    pub fn try_add(
        &mut self,
        pattern: &str,
        view_name: &'static str,
        join: JoinFn,
    ) -> Result<(), RouteError> {
        let segments = parse_pattern(pattern)?;
        self.routes.push(Route {
            id: self.routes.len(),
            pattern: pattern.to_owned(),
            segments,
            view_name,
            join,
        });
        Ok(())
    }

    /// The route for `path` (a path without query) and its path parameters.
    pub fn route(&self, path: &str) -> Option<(&Route, Params)> {
        let path = path.split(['?', '#']).next().unwrap_or("");
        self.routes
            .iter()
            .find_map(|r| r.matches(path).map(|p| (r, p)))
    }

    /// Every route, in order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_join(_: Time, _: JoinInput) -> Result<(Box<dyn AnyView>, Joined), Navigation> {
        Err(Navigation::Redirect {
            to: "/".into(),
            flash: Default::default(),
        })
    }

    fn router() -> Router {
        Router::new()
            .live_with("/counter", "Counter", no_join)
            .live_with("/users/:id", "User", no_join)
            .live_with("/users/:id/posts/:post", "Post", no_join)
            .live_with("/files/*path", "Files", no_join)
            .live_with("/", "Home", no_join)
    }

    #[test]
    fn literal_routes() {
        let r = router();
        let (route, params) = r.route("/counter").unwrap();
        assert_eq!(
            (route.pattern(), route.view_name(), route.id()),
            ("/counter", "Counter", 0)
        );
        assert!(params.is_empty());
        assert_eq!(r.route("/counter/").unwrap().0.view_name(), "Counter");
        assert_eq!(r.route("/counter?x=1").unwrap().0.view_name(), "Counter");
        assert_eq!(r.route("/").unwrap().0.view_name(), "Home");
        assert!(r.route("/count").is_none());
        assert!(r.route("/counter/1").is_none());
        assert!(r.route("/nope").is_none());
    }

    #[test]
    fn params() {
        let r = router();
        let (route, params) = r.route("/users/42").unwrap();
        assert_eq!(route.view_name(), "User");
        assert_eq!(params.get("id"), Some("42"));
        let (route, params) = r.route("/users/a%20b/posts/7").unwrap();
        assert_eq!(route.view_name(), "Post");
        assert_eq!(
            (params.get("id"), params.get("post")),
            (Some("a b"), Some("7"))
        );
        assert!(r.route("/users").is_none());
        assert!(r.route("/users/1/posts").is_none());
    }

    #[test]
    fn rest_param() {
        let r = router();
        assert_eq!(
            r.route("/files/a/b/c.txt").unwrap().1.get("path"),
            Some("a/b/c.txt")
        );
        assert_eq!(r.route("/files").unwrap().1.get("path"), Some(""));
    }

    #[test]
    fn first_match_wins() {
        let r = Router::new()
            .live_with("/users/new", "New", no_join)
            .live_with("/users/:id", "User", no_join);
        assert_eq!(r.route("/users/new").unwrap().0.view_name(), "New");
        assert_eq!(r.route("/users/7").unwrap().0.view_name(), "User");
    }

    #[test]
    fn invalid_patterns() {
        let mut r = Router::new();
        for bad in ["counter", "/a/:", "/a/*rest/b", "/a/:x/:x", "/a?b=1"] {
            assert!(r.try_add(bad, "X", no_join).is_err(), "{bad}");
        }
        assert!(r.routes().is_empty());
        assert!(r.try_add("/ok/:x", "X", no_join).is_ok());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb"), "a/b");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%ff"), "%ff");
    }

    #[test]
    fn route_joins() {
        let r = router();
        let (route, _) = r.route("/counter").unwrap();
        assert!(matches!(
            route.join(Time::ZERO, JoinInput::default()),
            Err(Navigation::Redirect { .. })
        ));
    }
}
