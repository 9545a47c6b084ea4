//! The view model: a LiveView is a pure `update(state, Msg) -> (state, Vec<Command>)`.
//!
//! A view is a value (its state). [`LiveView::mount`] makes it; every later
//! input — URL params, a client event, an info — goes through
//! [`LiveView::update`], which by default dispatches to `handle_params`,
//! `handle_event` and `handle_info`. Effects are returned as [`Command`]s, plain
//! data that tests can compare; the [`runtime`](crate::runtime) driver carries
//! them out (or, for effects that need IO, hands them to the adapter).
//!
//! ```
//! use liveview_core::{html, Command, LiveView, Mount, Rendered, Update};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Debug, Default)]
//! struct Counter { count: i64 }
//!
//! #[derive(Debug, Deserialize)]
//! #[serde(rename_all = "snake_case")]
//! enum Event { Inc, Dec }
//!
//! impl LiveView for Counter {
//!     type Event = Event;
//!     type Info = ();
//!     fn mount(_: &Mount) -> Update<Self> { (Counter::default(), vec![]) }
//!     fn handle_event(self, event: Event) -> Update<Self> {
//!         match event {
//!             Event::Inc => (Counter { count: self.count + 1 }, vec![]),
//!             Event::Dec => (Counter { count: self.count - 1 }, vec![]),
//!         }
//!     }
//!     fn render(&self) -> Rendered {
//!         html!(r#"<span id="count">{self.count}</span>"#)
//!     }
//! }
//! let (view, _) = Counter::mount(&Mount::default());
//! let (view, cmds) = view.handle_event(Event::Inc);
//! assert_eq!(view.count, 1);
//! assert!(cmds.is_empty());
//! ```

mod async_work;
mod command;
mod layout;
mod params;
mod path;

pub(crate) use async_work::decode_task_result;
pub use async_work::{panic_message, AsyncError, AsyncValue, DEFAULT_ASYNC_TIMEOUT};
pub use command::{Command, ComponentRef};
pub use layout::{LayoutContext, LiveLayout, ViewLayout};
pub use params::{Flash, Params, Session, Url, UrlError};
pub use path::{PathPattern, RouteError};

use crate::runtime::Navigation;
use crate::template::Rendered;
use crate::time::Time;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt::Debug;

/// What `mount` and every handler return: the next state and the effects to run.
pub type Update<V> = (V, Vec<Command<<V as LiveView>::Info>>);

/// The inputs of [`LiveView::update`].
///
/// Only the `Event` arm can come from the wire: the protocol layer decodes
/// client payloads into `V::Event` and nothing else, so a browser can never
/// forge an `Info`.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg<E, I> {
    /// The URL changed (after mount, or on a live patch).
    Params(Params, Url),
    /// A decoded client event.
    Event(E),
    /// A server-side message: `SendInfo`, a timer tick, a pub/sub broadcast.
    Info(I),
    /// The outcome of the task started under `key` ([`Command::StartAsync`]).
    Async {
        /// The task's name.
        key: String,
        /// Its result, or why there is none.
        result: Result<I, AsyncError>,
    },
}

/// What `mount` is told.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mount {
    /// `false` for the dead (HTTP) render, `true` once joined over the socket.
    /// Effects (timers, subscriptions, infos) only run when connected.
    pub connected: bool,
    /// Query and path parameters of the URL the view is mounted at.
    pub params: Params,
    /// The signed session the page was rendered with.
    pub session: Session,
    /// The URL the view is mounted at.
    pub url: Url,
    /// Flash carried over from a navigation or redirect.
    pub flash: Flash,
    /// The time of this mount, as the adapter gives it (the server's clock,
    /// the harness's virtual clock, a trace's recorded time).
    pub now: Time,
    /// The client's connect params (Phoenix's `get_connect_params`): the
    /// `params` the page's `LiveSocket` sends with the join, `_csrf_token`
    /// included. `None` on the dead render.
    pub connect_params: Option<Map<String, Value>>,
}

/// What every handler may read besides its input.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Context {
    /// The time of this input, as the adapter gives it (virtual in tests,
    /// recorded in traces): use it instead of reading a clock, so the view
    /// stays deterministic.
    pub now: Time,
    /// `false` while rendering the dead (HTTP) page.
    pub connected: bool,
    /// In a component's handlers, the component's cid (Phoenix's
    /// `@myself`); `None` in a view's.
    pub myself: Option<crate::component::Cid>,
}

impl Context {
    /// A context at `now`.
    pub fn new(now: Time, connected: bool) -> Context {
        Context {
            now,
            connected,
            myself: None,
        }
    }

    /// This context for the component `myself`.
    pub fn for_component(self, myself: crate::component::Cid) -> Context {
        Context {
            myself: Some(myself),
            ..self
        }
    }
}

/// What an `on_mount` check decides ([`LiveView::on_mount`], and a live
/// session's hooks in [`LiveSession::on_mount`](crate::protocol::LiveSession::on_mount)).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum OnMount {
    /// Go on mounting.
    Continue,
    /// Do not mount: navigate instead (usually a [`Navigation::Redirect`]).
    Halt(Navigation),
}

impl OnMount {
    /// Halts with a full-page redirect to `to`.
    pub fn redirect(to: impl Into<String>) -> OnMount {
        OnMount::Halt(Navigation::Redirect {
            to: to.into(),
            flash: Flash::default(),
        })
    }

    /// Halts with a full-page redirect to `to` carrying a flash message.
    pub fn redirect_with_flash(
        to: impl Into<String>,
        kind: impl Into<String>,
        message: impl Into<String>,
    ) -> OnMount {
        let mut flash = Flash::default();
        flash.put(kind, message);
        OnMount::Halt(Navigation::Redirect {
            to: to.into(),
            flash,
        })
    }
}

/// A LiveView: state plus pure handlers.
///
/// * `Event` is decoded from client payloads (see [`event`](crate::event) for
///   the shapes: clicks, keys, forms with nested names, hook payloads). Use an
///   enum whose variant names are the event names.
/// * `Info` is the view's own server-side message type. It is serializable so
///   that pub/sub can carry it between views and traces can record it, but it
///   is never decoded from a client payload.
pub trait LiveView: Sized + Send + 'static {
    /// Client events, decoded with serde from the client's payload.
    type Event: DeserializeOwned + Debug;
    /// Server-side messages.
    type Info: Clone + Debug + PartialEq + Serialize + DeserializeOwned + Send + 'static;

    /// Decides whether to mount at all, before any state exists: a view
    /// that needs a signed-in user halts with a redirect here instead of
    /// building a placeholder state in `mount`. Runs after the live
    /// session's hooks, on the dead render and on join. Continues by default.
    fn on_mount(_mount: &Mount) -> OnMount {
        OnMount::Continue
    }

    /// Makes the initial state. Called for the dead render (`connected: false`)
    /// and again on join (`connected: true`).
    fn mount(mount: &Mount) -> Update<Self>;

    /// The URL's params, after mount and on every live patch.
    fn handle_params(self, _params: &Params, _url: &Url) -> Update<Self> {
        (self, Vec::new())
    }

    /// A client event.
    fn handle_event(self, _event: Self::Event) -> Update<Self> {
        (self, Vec::new())
    }

    /// A server-side message.
    fn handle_info(self, _info: Self::Info) -> Update<Self> {
        (self, Vec::new())
    }

    /// The outcome of the task started under `key` ([`Command::StartAsync`]):
    /// the runner's result, or why there is none (it failed, panicked, timed
    /// out or was cancelled). Phoenix's `handle_async`. Ignored by default.
    fn handle_async(self, _key: String, _result: Result<Self::Info, AsyncError>) -> Update<Self> {
        (self, Vec::new())
    }

    /// Renders the state.
    fn render(&self) -> Rendered;

    /// The live layout around [`render`](Self::render): the live session's
    /// by default, none, or the view's own (see [`ViewLayout`]). Asked on
    /// every render, so a view may choose from its state.
    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Session
    }

    /// `handle_params` with the input's [`Context`] (its time). Override this
    /// instead of `handle_params` to read it.
    fn handle_params_with(self, params: &Params, url: &Url, _cx: &Context) -> Update<Self> {
        self.handle_params(params, url)
    }

    /// `handle_event` with the input's [`Context`] (its time). Override this
    /// instead of `handle_event` to read it.
    fn handle_event_with(self, event: Self::Event, _cx: &Context) -> Update<Self> {
        self.handle_event(event)
    }

    /// `handle_info` with the input's [`Context`] (its time). Override this
    /// instead of `handle_info` to read it.
    fn handle_info_with(self, info: Self::Info, _cx: &Context) -> Update<Self> {
        self.handle_info(info)
    }

    /// `handle_async` with the input's [`Context`] (its time). Override this
    /// instead of `handle_async` to read it.
    fn handle_async_with(
        self,
        key: String,
        result: Result<Self::Info, AsyncError>,
        _cx: &Context,
    ) -> Update<Self> {
        self.handle_async(key, result)
    }

    /// The view's uploads ([`crate::upload`]), if it has any: the driver
    /// adds the client's entries and progress to them. `None` by default.
    fn uploads(&mut self) -> Option<&mut crate::upload::Uploads> {
        None
    }

    /// An entry of the upload `name` progressed (Phoenix's `progress:`
    /// callback), or its writer failed; `entry.done` once it is uploaded,
    /// when it may be consumed. The view renders after it either way.
    fn handle_progress(
        self,
        _name: &str,
        _entry: &crate::upload::UploadEntry,
        _cx: &Context,
    ) -> Update<Self> {
        (self, Vec::new())
    }

    /// The metadata the client's external uploader gets for `entry` of the
    /// [external](crate::upload::UploadConfig::external) upload `name`
    /// (Phoenix's `external:` function): an object with an `"uploader"`
    /// key naming the client's uploader, or `Err` with why the entry is
    /// refused (the client sees it as the entry's error).
    fn external_upload(
        &self,
        _name: &str,
        _entry: &crate::upload::UploadEntry,
        _cx: &Context,
    ) -> Result<Value, Value> {
        Err(serde_json::json!({"reason": "this view has no external uploader"}))
    }

    /// For an [external](crate::upload::UploadConfig::external) upload whose
    /// metadata takes IO to make (presigning with a storage service): the
    /// task to run with the view's runner ([`crate::tasks`]) instead of
    /// calling [`external_upload`](Self::external_upload). The preflight's
    /// reply waits for it; its outcome goes to
    /// [`presigned_upload`](Self::presigned_upload). `None` (the default):
    /// `external_upload` answers at once.
    fn presign_upload(
        &self,
        _name: &str,
        _entry: &crate::upload::UploadEntry,
        _cx: &Context,
    ) -> Option<Self::Info> {
        None
    }

    /// The outcome of a [`presign_upload`](Self::presign_upload) task: the
    /// metadata the client's uploader gets (an object with an
    /// `"uploader"` key), or why the entry is refused. By default a failed
    /// task refuses the entry, and a result is refused too (override this
    /// to turn your `Info` into the metadata).
    fn presigned_upload(
        &self,
        _name: &str,
        _entry: &crate::upload::UploadEntry,
        result: Result<Self::Info, AsyncError>,
        _cx: &Context,
    ) -> Result<Value, Value> {
        Err(match result {
            Ok(_) => serde_json::json!({"reason": "presigned_upload is not implemented"}),
            Err(e) => serde_json::json!({"reason": e.to_string()}),
        })
    }

    /// The pure update function the driver calls for every input:
    /// dispatches a [`Msg`] to the `*_with` handlers, which call the plain
    /// ones unless overridden. Override it to take every input in one place.
    fn update(self, msg: Msg<Self::Event, Self::Info>, cx: &Context) -> Update<Self> {
        match msg {
            Msg::Params(params, url) => self.handle_params_with(&params, &url, cx),
            Msg::Event(e) => self.handle_event_with(e, cx),
            Msg::Info(i) => self.handle_info_with(i, cx),
            Msg::Async { key, result } => self.handle_async_with(key, result, cx),
        }
    }
}
