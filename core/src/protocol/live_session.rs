//! Live sessions: named groups of routes that share how a page's session is
//! computed from the HTTP request, checks that run before every mount
//! (`on_mount`), and a layout — Phoenix's `live_session`.
//!
//! * **Session.** The host app computes a view's [`Session`] from the HTTP
//!   request of the dead render ([`LiveSession::session`]: cookies, headers).
//!   It is signed into the page's session token and is what `mount` sees on
//!   the dead render and again on join; a client cannot change it.
//! * **`on_mount`.** Each hook sees the [`Mount`] the view is about to get,
//!   on the dead render and on join, and either lets the mount go on or
//!   halts it with a navigation (say, no user → redirect to `/login`). A
//!   halted dead render answers `302`; a halted join answers the client's
//!   join with that redirect. The view's `mount` does not run.
//! * **Boundaries.** Live navigation stays inside one live session: a join
//!   (or a live patch) whose URL routes into another live session is refused
//!   with `unauthorized`, so the official client loads that page over HTTP,
//!   where the other session's function and hooks run.
//! * **Disconnecting a user.** When a session holds
//!   [`LIVE_SOCKET_ID`] (a string such as `"users_socket:42"`), every socket
//!   with a view joined under it subscribes to that topic; publishing
//!   [`disconnect_payload`] there closes those sockets (Phoenix's
//!   `live_socket_id`), e.g. after the user signs out.
//!
//! Routes outside any [`Router::live_session`](super::Router::live_session)
//! belong to the router's default live session: no session function, no
//! hooks, the [`Config`](super::Config)'s layout.
//!
//! ```
//! use liveview_core::protocol::{LiveSession, OnMount, Router};
//! use liveview_core::{html, LiveView, Mount, Rendered, Session, Update};
//!
//! struct Admin { user: String }
//! impl LiveView for Admin {
//!     type Event = ();
//!     type Info = ();
//!     fn mount(m: &Mount) -> Update<Self> {
//!         // on_mount guarantees a user here.
//!         let user = m.session.get("user").and_then(|u| u.as_str()).unwrap_or_default();
//!         (Admin { user: user.to_owned() }, vec![])
//!     }
//!     fn render(&self) -> Rendered { html!(r#"<p id="user">{self.user}</p>"#) }
//! }
//!
//! let admin = LiveSession::new("admin")
//!     .session(|req| {
//!         let mut s = Session::default();
//!         if let Some(user) = req.cookie("user") {
//!             s.insert("user", user.into());
//!         }
//!         s
//!     })
//!     .on_mount(|m| match m.session.get("user") {
//!         Some(_) => OnMount::Continue,
//!         None => OnMount::redirect("/login"),
//!     });
//! let router = Router::new().live_session(admin, |r| r.live::<Admin>("/admin"));
//! assert_eq!(router.live_session_of(router.route("/admin").unwrap().0).name(), "admin");
//! ```

use super::auth;
use super::page::Layout;
use crate::runtime::{JoinInput, Navigation};
use crate::time::Time;
pub use crate::view::OnMount;
use crate::view::{LiveLayout, Mount, Session, Url};
use std::fmt;
use std::sync::Arc;

/// The session key whose string value names the topic that disconnects a
/// user's sockets (see the [module docs](self)).
pub const LIVE_SOCKET_ID: &str = "live_socket_id";

/// The pub/sub message that, published on a session's [`LIVE_SOCKET_ID`]
/// topic, closes every socket with a view joined under that session.
pub fn disconnect_payload() -> serde_json::Value {
    serde_json::json!({ "event": "disconnect" })
}

/// What a session function sees of the HTTP request of a dead render.
#[derive(Clone, Copy, Debug)]
pub struct SessionRequest<'a> {
    /// The URL being rendered.
    pub url: &'a Url,
    /// The `Cookie` header, if any.
    pub cookie_header: Option<&'a str>,
    /// Every request header (name, value), as the adapter passed them.
    pub headers: &'a [(String, String)],
}

impl<'a> SessionRequest<'a> {
    /// The value of the cookie `name`, if the request carries it.
    pub fn cookie(&self, name: &str) -> Option<&'a str> {
        self.cookie_header.and_then(|c| auth::cookie_value(c, name))
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type SessionFn = dyn Fn(&SessionRequest<'_>) -> Session + Send + Sync;
type OnMountFn = dyn Fn(&Mount) -> OnMount + Send + Sync;

/// A named group of routes: session function, `on_mount` hooks, root and
/// live layouts.
/// See the [module docs](self).
#[derive(Clone)]
pub struct LiveSession {
    name: String,
    session: Option<Arc<SessionFn>>,
    on_mount: Vec<Arc<OnMountFn>>,
    layout: Option<Arc<dyn Layout>>,
    live_layout: Option<LiveLayout>,
}

impl fmt::Debug for LiveSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveSession")
            .field("name", &self.name)
            .field("session", &self.session.is_some())
            .field("on_mount", &self.on_mount.len())
            .field("layout", &self.layout.is_some())
            .field("live_layout", &self.live_layout.is_some())
            .finish()
    }
}

impl LiveSession {
    /// A live session called `name` (unique within a router), with no
    /// session function, no hooks and the configuration's layout.
    pub fn new(name: impl Into<String>) -> LiveSession {
        LiveSession {
            name: name.into(),
            session: None,
            on_mount: Vec::new(),
            layout: None,
            live_layout: None,
        }
    }

    /// Computes each page's session from its HTTP request. Its entries are
    /// laid over the session the adapter passed in
    /// [`PageRequest::session`](super::PageRequest::session).
    pub fn session(
        mut self,
        f: impl Fn(&SessionRequest<'_>) -> Session + Send + Sync + 'static,
    ) -> LiveSession {
        self.session = Some(Arc::new(f));
        self
    }

    /// Adds a hook run before every mount of this session's views, dead
    /// render and join alike, in the order added.
    pub fn on_mount(
        mut self,
        f: impl Fn(&Mount) -> OnMount + Send + Sync + 'static,
    ) -> LiveSession {
        self.on_mount.push(Arc::new(f));
        self
    }

    /// The layout of this session's pages (instead of the configuration's).
    pub fn layout(mut self, layout: impl Layout + 'static) -> LiveSession {
        self.layout = Some(Arc::new(layout));
        self
    }

    /// The live layout of this session's views: rendered inside the
    /// container around each view's render and sent again on every join
    /// (a view may keep it, drop it or use its own: [`LiveView::layout`]).
    ///
    /// [`LiveView::layout`]: crate::LiveView::layout
    pub fn live_layout(mut self, layout: LiveLayout) -> LiveSession {
        self.live_layout = Some(layout);
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This session's live layout, if any.
    pub fn own_live_layout(&self) -> Option<&LiveLayout> {
        self.live_layout.as_ref()
    }

    /// This session's layout, if it has its own.
    pub fn own_layout(&self) -> Option<&Arc<dyn Layout>> {
        self.layout.as_ref()
    }

    /// The session of a dead render: `base` with the session function's
    /// entries laid over it.
    pub fn session_for(&self, request: &SessionRequest<'_>, base: &Session) -> Session {
        let mut session = base.clone();
        if let Some(f) = &self.session {
            for (k, v) in f(request).iter() {
                session.insert(k, v.clone());
            }
        }
        session
    }

    /// Runs the `on_mount` hooks in order for the mount `input` describes
    /// at `now`: the first halt wins. Without hooks nothing is built.
    pub fn check_mount(&self, input: &JoinInput, now: Time) -> Result<(), Navigation> {
        if self.on_mount.is_empty() {
            return Ok(());
        }
        let mount = input.mount(now);
        for hook in &self.on_mount {
            if let OnMount::Halt(nav) = hook(&mount) {
                return Err(nav);
            }
        }
        Ok(())
    }
}
