//! Phoenix channels: framing, the per-socket channel machine, tokens, routing and the dead render.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`frame`] | the V2 JSON array codec and the binary push codec |
//! | [`token`] | HMAC-signed, expiring tokens |
//! | [`auth`] | the session, CSRF and flash tokens and the CSRF cookie |
//! | [`router`] | path patterns → views, path params, grouped into live sessions |
//! | [`live_session`] | live sessions: session from the HTTP request, `on_mount` hooks, layout |
//! | [`page`] | the dead (HTTP) render and the replaceable layout |
//! | [`socket`] | [`SocketMachine`]: one per WebSocket, sans-IO |
//!
//! [`App`] bundles the router and the configuration; adapters hold one
//! `Arc<App>` and make one [`SocketMachine`] per connection.
//!
//! An adapter needs two entry points:
//!
//! * `GET <any routed path>` → [`App::render_request`] (or [`App::render_page`]
//!   without cookies) with 16 fresh random bytes → an [`HttpResponse`] to write out;
//! * `GET <live_path>/websocket` (upgrade) → [`SocketMachine::new`] with the
//!   query, `Cookie` and `Origin` ([`ConnectInfo`]), then feed it frames, pub/sub
//!   messages and timeouts and carry out its [`SocketOutput`]s.

pub mod auth;
pub mod frame;
pub mod live_session;
pub mod page;
pub mod router;
pub mod socket;
pub mod token;

#[cfg(test)]
mod live_layout_tests;
#[cfg(test)]
mod live_session_tests;
#[cfg(test)]
mod real_view_tests;
#[cfg(test)]
mod task_tests;
#[cfg(test)]
pub(crate) mod testing;

pub use live_session::{LiveSession, OnMount, SessionRequest};
pub use page::{DefaultLayout, HttpResponse, Layout, PageRequest};
pub use router::Router;
pub use socket::{
    ConnectInfo, SocketMachine, SocketOutput, SocketStats, TaskStart, UploadIo, UploadStart,
    MAX_UPLOAD_CHANNELS,
};

use crate::nested::{ChildToken, NestedCx, NestedHost};
use crate::time::Time;
use crate::trace::TraceFactory;
use router::JoinFn;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Server configuration (the part the sans-IO core needs).
#[derive(Clone)]
pub struct Config {
    /// The secret that signs session, CSRF and flash tokens: at least
    /// [`MIN_SECRET_BYTES`], checked by [`Config::new`] (hence not public).
    pub(crate) secret: Vec<u8>,
    /// How long a rendered page's session token stays valid for joins.
    pub session_max_age: Duration,
    /// A socket that sends nothing (not even a heartbeat) for this long is closed.
    pub heartbeat_timeout: Duration,
    /// The path the client's `LiveSocket` connects to (`/live`).
    pub live_path: String,
    /// The page layout around the LiveView container.
    pub layout: Arc<dyn Layout>,
    /// Largest accepted text or binary frame, in bytes.
    pub max_frame_bytes: usize,
    /// Records joined views as traces (see [`crate::trace`]) when set; `None` by default.
    pub trace: Option<Arc<dyn TraceFactory>>,
    /// Joined views keep a model of the stream items their client shows, so
    /// their HTML includes them (see [`JoinInput::keep_stream_items`]): for
    /// test harnesses; `false` by default, as it costs the memory streams
    /// save.
    ///
    /// [`JoinInput::keep_stream_items`]: crate::runtime::JoinInput::keep_stream_items
    pub keep_stream_items: bool,
}

/// The router plus configuration: everything a socket or a dead render needs.
pub struct App {
    /// Routes to views.
    pub router: Router,
    /// Configuration.
    pub config: Config,
    /// Signs child views' tokens and knows their views ([`crate::nested`]).
    children: Arc<ChildViews>,
}

/// The app's side of nested views: it signs child tokens (with the
/// secret the app was made with) and remembers every child view type a
/// render named, so that its join can mount it.
struct ChildViews {
    config: Config,
    views: RwLock<HashMap<&'static str, JoinFn>>,
}

impl NestedHost for ChildViews {
    fn sign_child(&self, now: Time, token: &ChildToken) -> String {
        auth::sign_child(&self.config, now, token)
    }

    fn register_child(&self, view: &'static str, join: JoinFn) {
        let known = self
            .views
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(view);
        if !known {
            self.views
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(view, join);
        }
    }
}

impl Config {
    /// A configuration with the defaults: sessions valid for 14 days, a 60 s
    /// heartbeat timeout, the socket at `/live`, the [`DefaultLayout`] and
    /// frames of at most 1 MiB.
    ///
    /// The secret signs every token; it must hold at least
    /// [`MIN_SECRET_BYTES`] bytes (make one with `openssl rand -base64 48`).
    /// The library never makes one up.
    ///
    /// ```
    /// use liveview_core::protocol::Config;
    /// let config = Config::new(vec![42; 32]).unwrap();
    /// assert_eq!(config.live_path, "/live");
    /// let err = Config::new("hunter2").unwrap_err();
    /// assert_eq!(err.to_string(), "the signing secret has 7 bytes; it needs at least 32");
    /// ```
    pub fn new(secret: impl Into<Vec<u8>>) -> Result<Config, ConfigError> {
        let secret = secret.into();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::SecretTooShort { len: secret.len() });
        }
        Ok(Config {
            secret,
            session_max_age: Duration::from_secs(14 * 24 * 3600),
            heartbeat_timeout: Duration::from_secs(60),
            live_path: "/live".to_owned(),
            layout: Arc::new(DefaultLayout::default()),
            max_frame_bytes: 1 << 20,
            trace: None,
            keep_stream_items: false,
        })
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("secret", &format_args!("<{} bytes>", self.secret.len()))
            .field("session_max_age", &self.session_max_age)
            .field("heartbeat_timeout", &self.heartbeat_timeout)
            .field("live_path", &self.live_path)
            .field("max_frame_bytes", &self.max_frame_bytes)
            .field("trace", &self.trace.is_some())
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The signing secret's length in bytes (the secret itself stays inside).
    pub fn secret_len(&self) -> usize {
        self.secret.len()
    }
}

/// The shortest signing secret [`Config::new`] accepts, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// Why a [`Config`] cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The signing secret is shorter than [`MIN_SECRET_BYTES`].
    SecretTooShort {
        /// Its length in bytes.
        len: usize,
    },
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::SecretTooShort { len } => write!(
                f,
                "the signing secret has {len} bytes; it needs at least {MIN_SECRET_BYTES}"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl App {
    /// Bundles a router and a configuration.
    pub fn new(router: Router, config: Config) -> App {
        let children = Arc::new(ChildViews {
            config: config.clone(),
            views: RwLock::new(HashMap::new()),
        });
        App {
            router,
            config,
            children,
        }
    }

    /// How views mounted by this app render children: `id` is the view's DOM id.
    pub fn nested_cx(&self, id: &str) -> NestedCx {
        NestedCx {
            host: Arc::clone(&self.children) as Arc<dyn NestedHost>,
            id: id.to_owned(),
        }
    }

    /// Registers the child view `V` ahead of any render naming it (a render
    /// registers the child views it names). A sticky view's client may
    /// rejoin it after a server restart before anything rendered it.
    pub fn child_view<V: crate::LiveView>(self) -> App {
        self.children
            .register_child(std::any::type_name::<V>(), router::join_view::<V>);
        self
    }

    /// How to mount the child view type `view`, if a render named it.
    pub(crate) fn child_join(&self, view: &str) -> Option<JoinFn> {
        self.children
            .views
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(view)
            .copied()
    }
}
