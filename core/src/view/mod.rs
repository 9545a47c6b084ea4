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

mod command;
mod params;
mod path;

pub use command::Command;
pub use params::{Flash, Params, Session, Url, UrlError};
pub use path::{PathPattern, RouteError};

use crate::template::Rendered;
use serde::de::DeserializeOwned;
use serde::Serialize;
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

    /// Renders the state.
    fn render(&self) -> Rendered;

    /// The pure update function: dispatches a [`Msg`] to the handlers.
    fn update(self, msg: Msg<Self::Event, Self::Info>) -> Update<Self> {
        match msg {
            Msg::Params(params, url) => self.handle_params(&params, &url),
            Msg::Event(e) => self.handle_event(e),
            Msg::Info(i) => self.handle_info(i),
        }
    }
}
