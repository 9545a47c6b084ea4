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

use super::live_session::LiveSession;
use crate::runtime::{AnyView, JoinInput, Joined, Navigation, ViewDriver};
use crate::time::Time;
use crate::view::{LiveView, Params};
pub use crate::view::{PathPattern, RouteError};
use std::fmt;

/// Mounts a view: what a route runs on a dead render (`connected: false`) and on join.
pub type JoinFn = fn(Time, JoinInput) -> Result<(Box<dyn AnyView>, Joined), Navigation>;

/// One route: a pattern and the view it mounts.
pub struct Route {
    id: usize,
    /// The index of its live session in the router (0: the default one).
    session: usize,
    pattern: PathPattern,
    view_name: &'static str,
    join: JoinFn,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("pattern", &self.pattern.as_str())
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
        self.pattern.as_str()
    }

    /// The parsed pattern (views keep it to read path params on live patches).
    pub fn path_pattern(&self) -> &PathPattern {
        &self.pattern
    }

    /// The name of the view type.
    pub fn view_name(&self) -> &'static str {
        self.view_name
    }

    /// Mounts the view (see [`ViewDriver::join`]). The input gets this
    /// route's pattern (unless it has one), so that live patches read path
    /// params from the new URL.
    pub fn join(
        &self,
        now: Time,
        mut input: JoinInput,
    ) -> Result<(Box<dyn AnyView>, Joined), Navigation> {
        if input.pattern.is_none() {
            input.pattern = Some(self.pattern.clone());
        }
        (self.join)(now, input)
    }
}

/// Mounts the view `V` as a type-erased view: the join of a route to `V`,
/// and of a child view of type `V` ([`crate::nested`]).
pub(crate) fn join_view<V: LiveView>(
    now: Time,
    input: JoinInput,
) -> Result<(Box<dyn AnyView>, Joined), Navigation> {
    ViewDriver::<V>::join(now, input)
        .map(|(driver, joined)| (Box::new(driver) as Box<dyn AnyView>, joined))
}

/// Maps path patterns (`/counter`, `/users/:id`) to views, grouped into
/// live sessions ([`Router::live_session`]).
#[derive(Debug)]
pub struct Router {
    routes: Vec<Route>,
    /// Index 0 is the default live session (routes added outside any group).
    sessions: Vec<LiveSession>,
    /// The live session routes are being added to.
    current: usize,
}

impl Default for Router {
    fn default() -> Router {
        Router {
            routes: Vec::new(),
            sessions: vec![LiveSession::new("")],
            current: 0,
        }
    }
}

impl Router {
    /// An empty router.
    pub fn new() -> Router {
        Router::default()
    }

    /// Adds the routes that `routes` adds as the live session `session`
    /// (see [`live_session`](super::live_session)).
    ///
    /// # Panics
    /// When a live session of that name exists already, or when called
    /// inside another `live_session` (they do not nest, as in Phoenix).
    pub fn live_session(
        mut self,
        session: LiveSession,
        routes: impl FnOnce(Router) -> Router,
    ) -> Router {
        assert_eq!(self.current, 0, "live sessions do not nest");
        assert!(
            !session.name().is_empty() && self.sessions.iter().all(|s| s.name() != session.name()),
            "live session names must be unique and not empty: {:?}",
            session.name()
        );
        self.sessions.push(session);
        self.current = self.sessions.len() - 1;
        let mut router = routes(self);
        router.current = 0;
        router
    }

    /// The live session `route` belongs to.
    pub fn live_session_of(&self, route: &Route) -> &LiveSession {
        &self.sessions[route.session]
    }

    /// The route with this [`id`](Route::id).
    pub fn get(&self, id: usize) -> Option<&Route> {
        self.routes.get(id)
    }

    /// **The rule for live patches**: a client's `live_patch` from the view
    /// mounted through route `from` to `path` stays on that view when `path`
    /// routes to the same view type in the same live session; otherwise
    /// (`None`) the client must navigate (`link_redirect`).
    pub fn live_patch(&self, from: usize, path: &str) -> Option<(&Route, Params)> {
        let from = self.get(from)?;
        self.route(path)
            .filter(|(to, _)| to.view_name == from.view_name && to.session == from.session)
    }

    /// Mounts `route` for `input`: the live session's `on_mount` hooks, then
    /// the view (see [`Route::join`]) with the live session's live layout.
    /// The one way the dead render and a socket's join mount a view.
    pub fn mount(
        &self,
        route: &Route,
        now: Time,
        mut input: JoinInput,
    ) -> Result<(Box<dyn AnyView>, Joined), Navigation> {
        let session = self.live_session_of(route);
        session.check_mount(&input, now)?;
        input.layout = session.own_live_layout().cloned();
        input.patch_patterns = self
            .routes
            .iter()
            .filter(|r| {
                r.id() != route.id() && r.view_name == route.view_name && r.session == route.session
            })
            .map(|r| r.pattern.clone())
            .collect();
        route.join(now, input)
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
        let pattern = PathPattern::parse(pattern)?;
        self.routes.push(Route {
            id: self.routes.len(),
            session: self.current,
            pattern,
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
            .find_map(|r| r.pattern.matches(path).map(|p| (r, p)))
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
    fn route_joins() {
        let r = router();
        let (route, _) = r.route("/counter").unwrap();
        assert!(matches!(
            route.join(Time::ZERO, JoinInput::default()),
            Err(Navigation::Redirect { .. })
        ));
    }
}
