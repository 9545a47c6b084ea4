//! # liveview-core
//!
//! The sans-IO heart of liveview, a Rust implementation of Phoenix LiveView that
//! speaks to the official `phoenix_live_view` JavaScript client.
//!
//! Nothing in this crate reads a clock, draws a random number or touches a
//! socket: time ([`Time`]) and entropy are passed in by an adapter, and every
//! effect a view wants is returned as plain data ([`Command`]).
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`template`] | the template model: compile-time [`Statics`], [`Rendered`] trees, escaping |
//! | [`view`] | the [`LiveView`] trait, [`Command`]s, mount/params/session types |
//! | [`event`] | client events as received, and their typed decoding (clicks, keys, forms) |
//! | [`diff`] | the Phoenix LiveView 1.x rendered/diff JSON encoder |
//! | [`runtime`] | the per-view sans-IO driver ([`ViewDriver`](runtime::ViewDriver)) and its timer table |
//! | [`protocol`] | Phoenix channels framing, the per-socket channel machine, tokens, routing, dead render |
//! | [`pubsub`] | the transport-neutral pub/sub trait, its delivery rule and the in-process backend |
//! | [`tasks`] | the registry of async task runners ([`Command::StartAsync`]) that adapters run |
//! | [`nested`] | child LiveViews rendered by a view ([`live_render`](nested::live_render)), sticky views |
//! | [`js`] | JS commands ([`JS`](js::JS)) rendered into `phx-*` attributes |
//! | [`trace`] | recording a view's inputs and outputs, for replay |
//! | [`upload`] | file uploads: configs, entries, the file input |
#![warn(missing_docs)]

// Lets `html!`'s expansion (`::liveview_core::…`) resolve inside this crate too.
extern crate self as liveview_core;

pub mod component;
pub mod diff;
pub mod event;
pub mod js;
pub mod nested;
pub mod protocol;
pub mod pubsub;
pub mod runtime;
mod small_map;
pub mod stream;
pub mod tasks;
pub mod template;
pub mod time;
pub mod trace;
pub mod upload;
pub mod view;

/// Persistent collections for view state (the `im` crate): cloning a state
/// that holds an `im::Vector` or `im::HashMap` is O(1), so snapshots, traces
/// and the harness stay cheap. Views may of course use std collections too.
pub use im;
pub use liveview_macros::html;
pub use protocol::{App, Config, LiveSession, Router};
pub use runtime::Navigation;
pub use template::{
    Comprehension, Dynamic, Entry, EntryKey, EntryRef, Html, Raw, Rendered, Statics, ToDynamic,
};
pub use time::Time;
pub use view::{
    AsyncError, AsyncValue, Command, Context, LiveView, Mount, Msg, OnMount, Params, Session,
    Update, Url,
};

/// What most views and apps need, in one import: `use liveview_core::prelude::*;`.
pub mod prelude {
    pub use crate::component::{live_component, Cid, ComponentUpdate, LiveComponent};
    pub use crate::js::JS;
    pub use crate::nested::live_render;
    pub use crate::protocol::{App, Config, LiveSession, Router};
    pub use crate::view::{
        AsyncError, AsyncValue, Command, Context, Flash, LiveView, Mount, OnMount, Params, Session,
        Update, Url,
    };
    pub use crate::{html, Html, Rendered, Time};
}

/// The version of the official client this crate speaks to; sent as `liveview_version` in join replies.
pub const CLIENT_VERSION: &str = "1.2.12";

#[doc(hidden)]
pub mod __private {
    //! Items used by code that `html!` expands to. Not a public API.
    pub use crate::template::{
        attr, Comprehension, Dynamic, Entry, EntryKey, ListSource, Rendered, Statics, ToDynamic,
    };
}
