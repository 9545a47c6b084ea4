//! LiveComponents: parts of a view with their own state, events and render
//! (Phoenix's `Phoenix.LiveComponent`).
//!
//! A component is typed like a view: its state is a value, its handlers are
//! pure and return [`Command`]s. The parent renders it with an id and the
//! props it passes ([`live_component`]); the driver of the parent view owns
//! every component it rendered, gives each a cid, and
//!
//! * mounts a component the first time its id is rendered, and calls
//!   [`update`](LiveComponent::update) whenever the parent renders it with
//!   props that differ from the last ones. (Phoenix's change tracking
//!   skips `update/2` when a component's call did not change, but calls it
//!   with unchanged assigns when it re-renders a whole `for` around the
//!   component; here equal props never reach `update`, so keep side
//!   effects that must run on every parent render out of it);
//! * routes a client event carrying the component's cid (from
//!   `phx-target={myself}`, or a selector the client resolves to an element
//!   inside the component) to [`handle_event`](LiveComponent::handle_event),
//!   and then renders **that component alone**: the diff is only
//!   `{"c": {cid: …}}`;
//! * delivers [`Command::send_update`] messages (from the parent, another
//!   component, an info, a test; [`Command::send_update_after`] after a
//!   delay) to [`handle_info`](LiveComponent::handle_info), and the
//!   outcomes of the component's own `start_async` tasks to
//!   [`handle_async`](LiveComponent::handle_async);
//! * sends its components in the diff's `"c"` map as the 1.2 client reads it:
//!   one root element each (`"r": 1`), and a new component whose template
//!   another component of the same type already sent shares its statics
//!   (`"s": -cid` for one the client has, `"s": cid` for one in the same
//!   diff);
//! * keeps a component the page no longer shows until the client says it is
//!   gone (`cids_will_destroy`, then `cids_destroyed`), and revives it with
//!   a full render if the parent renders it again in between.
//!
//! A component's commands act as in a view, on the view that renders it:
//! `SendInfo`, `SendAfter` and `Repeat` reach the component's own
//! `handle_info`; `StartAsync` results its `handle_async`;
//! [`Command::send_parent`] reaches the parent's `handle_info`;
//! `PushEvent`, `Reply`, flash, title, navigation, subscriptions and
//! broadcasts are the view's.
//!
//! ```
//! use liveview_core::component::{live_component, Cid, ComponentUpdate, LiveComponent};
//! use liveview_core::{html, Context, Rendered};
//! use serde::Deserialize;
//!
//! /// A row that counts its own clicks.
//! struct Row { label: String, clicks: u32 }
//!
//! #[derive(Debug, Deserialize)]
//! #[serde(rename_all = "snake_case")]
//! enum RowEvent { Click }
//!
//! impl LiveComponent for Row {
//!     type Props = String;
//!     type Event = RowEvent;
//!     type Info = ();
//!     fn mount(label: String, _: &Context) -> ComponentUpdate<Self> {
//!         (Row { label, clicks: 0 }, vec![])
//!     }
//!     fn update(self, label: String, _: &Context) -> ComponentUpdate<Self> {
//!         (Row { label, ..self }, vec![])
//!     }
//!     fn handle_event(self, RowEvent::Click: RowEvent, _: &Context) -> ComponentUpdate<Self> {
//!         (Row { clicks: self.clicks + 1, ..self }, vec![])
//!     }
//!     fn render(&self, myself: Cid) -> Rendered {
//!         html!(r#"<button phx-click="click" phx-target={myself}>{self.label}: {self.clicks}</button>"#)
//!     }
//! }
//!
//! // In the parent's render:
//! let page = html!(r#"<div>{live_component::<Row>("a", "Apples".to_string())}</div>"#);
//! # let _ = page;
//! ```

mod call;
mod erased;
mod html;
mod table;
#[cfg(test)]
mod tests;

pub(crate) use call::call_count;
pub use call::{live_component, ComponentCall};
pub(crate) use html::{
    expand_placeholders, mark_root, placeholder, starts_with_element, write_tree, ComponentTrees,
    NoComponents, Placeholders,
};
pub use table::ComponentInfo;
pub(crate) use table::{Components, Page};

use crate::template::{Dynamic, Html, Rendered, ToDynamic};
use crate::view::{AsyncError, Command, Context};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::{self, Debug};

/// A component's id on the wire (Phoenix's `@myself`): a number the driver
/// gives each component of a view. Rendered in a template it is the cid, so
/// `phx-target={myself}` sends the element's events to the component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cid(pub(crate) u32);

impl Cid {
    /// The number the client knows the component by.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Cid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl ToDynamic for Cid {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Text(Html::from_escaped_str(&self.0.to_string()))
    }
}

/// What a component's `mount` and handlers return: its next state and the
/// effects to run.
pub type ComponentUpdate<C> = (C, Vec<Command<<C as LiveComponent>::Info>>);

/// A LiveComponent: state plus pure handlers, rendered by a parent view
/// with [`live_component`].
///
/// * `Props` is what the parent passes (Phoenix's assigns given to
///   `live_component`). The driver compares them with the last ones and
///   calls [`update`](Self::update) only when they differ.
/// * `Event` is decoded from the client events sent to the component.
/// * `Info` is the component's own message type: what
///   [`Command::send_update`] carries, what its `SendInfo`/timers send
///   itself, and what its tasks take and return.
///
/// Every handler gets the input's [`Context`], whose
/// [`myself`](Context::myself) is the component's [`Cid`].
pub trait LiveComponent: Sized + Send + 'static {
    /// What the parent passes.
    type Props: Clone
        + PartialEq
        + Debug
        + Send
        + Sync
        + std::panic::RefUnwindSafe
        + std::panic::UnwindSafe
        + 'static;
    /// Client events sent to this component.
    type Event: DeserializeOwned + Debug;
    /// Messages to this component (`send_update`, its own infos and tasks).
    type Info: Clone + Debug + PartialEq + Serialize + DeserializeOwned + Send + 'static;

    /// Makes the state the first time the parent renders this id.
    fn mount(props: Self::Props, cx: &Context) -> ComponentUpdate<Self>;

    /// The parent rendered the component again with other props.
    fn update(self, props: Self::Props, cx: &Context) -> ComponentUpdate<Self>;

    /// A client event sent to this component.
    fn handle_event(self, _event: Self::Event, _cx: &Context) -> ComponentUpdate<Self> {
        (self, Vec::new())
    }

    /// A message for this component: a `send_update`, or an info or timer
    /// tick it sent itself.
    fn handle_info(self, _info: Self::Info, _cx: &Context) -> ComponentUpdate<Self> {
        (self, Vec::new())
    }

    /// The outcome of a task this component started (as
    /// [`LiveView::handle_async`](crate::LiveView::handle_async)).
    fn handle_async(
        self,
        _key: String,
        _result: Result<Self::Info, AsyncError>,
        _cx: &Context,
    ) -> ComponentUpdate<Self> {
        (self, Vec::new())
    }

    /// Renders the state. The template must be exactly one HTML element
    /// (the client marks it with the cid); `myself` is the component's cid,
    /// for `phx-target={myself}`.
    fn render(&self, myself: Cid) -> Rendered;

    /// The component's uploads ([`crate::upload`]), if it has any: the
    /// driver adds the client's entries and progress to them. `None` by
    /// default.
    fn uploads(&mut self) -> Option<&mut crate::upload::Uploads> {
        None
    }

    /// An entry of the upload `name` progressed (Phoenix's `progress:`
    /// callback), or failed; `entry.done` once it is uploaded.
    fn handle_progress(
        self,
        _name: &str,
        _entry: &crate::upload::UploadEntry,
        _cx: &Context,
    ) -> ComponentUpdate<Self> {
        (self, Vec::new())
    }

    /// The metadata the client's external uploader gets for `entry` of the
    /// [external](crate::upload::UploadConfig::external) upload `name`
    /// (an object with an `"uploader"` key), or why the entry is refused.
    fn external_upload(
        &self,
        _name: &str,
        _entry: &crate::upload::UploadEntry,
        _cx: &Context,
    ) -> Result<serde_json::Value, serde_json::Value> {
        Err(serde_json::json!({"reason": "this component has no external uploader"}))
    }

    /// The task that makes an external entry's metadata (see
    /// [`LiveView::presign_upload`](crate::LiveView::presign_upload)); run
    /// with the component's runner.
    fn presign_upload(
        &self,
        _name: &str,
        _entry: &crate::upload::UploadEntry,
        _cx: &Context,
    ) -> Option<Self::Info> {
        None
    }

    /// The outcome of a [`presign_upload`](Self::presign_upload) task (see
    /// [`LiveView::presigned_upload`](crate::LiveView::presigned_upload)).
    fn presigned_upload(
        &self,
        _name: &str,
        _entry: &crate::upload::UploadEntry,
        result: Result<Self::Info, crate::view::AsyncError>,
        _cx: &Context,
    ) -> Result<serde_json::Value, serde_json::Value> {
        Err(match result {
            Ok(_) => serde_json::json!({"reason": "presigned_upload is not implemented"}),
            Err(e) => serde_json::json!({"reason": e.to_string()}),
        })
    }
}

/// `phx-target={myself}`: the attribute with the cid as its value.
impl crate::template::AttrValue for Cid {
    fn write_attr(&self, name: &str, out: &mut String) {
        crate::template::AttrValue::write_attr(&self.0, name, out);
    }
}
