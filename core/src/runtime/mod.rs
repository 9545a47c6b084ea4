//! The per-view sans-IO driver.
//!
//! One [`ViewDriver`] runs one joined (or dead-rendered) view. Adapters feed it
//! inputs that carry `now` and drain its outputs; it never blocks, sleeps or
//! reads a clock. See [`ViewDriver`] for the run loop and its invariants.

mod driver;
mod tasks;

pub use driver::{ViewDriver, INFO_BUDGET, MAX_PATCH_HOPS, MIN_PERIOD, REPEAT_CATCH_UP};
pub use tasks::PendingTask;

use crate::event::{ClientEvent, DecodeError};
use crate::time::Time;
use crate::view::{Flash, LiveLayout, Mount, Params, PathPattern, Session, Url};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Everything needed to mount a view (dead render or join).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JoinInput {
    /// `false` for the dead render.
    pub connected: bool,
    /// The URL the view is mounted at.
    pub url: Url,
    /// Path parameters from routing (merged over the query parameters; they win).
    pub path_params: Params,
    /// The route's pattern: on a live patch the path params are read from the
    /// new URL with it. Without one, the join's path params are kept.
    pub pattern: Option<PathPattern>,
    /// The verified session.
    pub session: Session,
    /// Flash carried by navigation.
    pub flash: Flash,
    /// The client's connect params (the join's `params`); `None` on the dead render.
    pub connect_params: Option<serde_json::Map<String, Value>>,
    /// The live session's live layout, if any ([`Router::mount`] sets it
    /// from the route's live session).
    ///
    /// [`Router::mount`]: crate::protocol::Router::mount
    pub layout: Option<LiveLayout>,
    /// Keep a model of the stream items the client shows
    /// ([`StreamDom`](crate::stream::StreamDom)), so that
    /// [`ViewDriver::render_html`] shows them: for test harnesses, as it
    /// costs the memory streams save. Set from
    /// [`Config::keep_stream_items`](crate::protocol::Config::keep_stream_items).
    pub keep_stream_items: bool,
    /// The patterns of the view's other routes in its live session
    /// ([`Router::mount`] sets them): a live patch to one of their paths,
    /// from the client or a `PushPatch`, stays in this view and reads the
    /// path params with it (`live "/b"` and `live "/b/:id"` of one view).
    ///
    /// [`Router::mount`]: crate::protocol::Router::mount
    pub patch_patterns: Vec<PathPattern>,
    /// How the view renders child views ([`crate::nested`]): the app's
    /// signer and this view's DOM id. `None` where no app mounts the view
    /// (a driver made by hand); rendering a child then panics.
    pub nested: Option<crate::nested::NestedCx>,
    /// A sticky child view ([`crate::nested`]): a live navigation it asks
    /// for (`PushNavigate`) is sent, and the view goes on, as it stays on
    /// the page the client navigates to.
    pub sticky: bool,
    /// A child view with a parent ([`crate::nested`]): its `PushPatch`
    /// patches the page, as Phoenix sends it to the root view. The driver
    /// reports it ([`Reply::navigation`], [`Output::Navigate`]) without
    /// running its own `handle_params`; the socket hands it to the page's view.
    pub child: bool,
    /// Entropy for the ids the view's uploads need (upload refs, entry
    /// UUIDs, [`crate::upload`]): the socket derives it from its secret and
    /// the join, so a replayed join makes the same ids.
    pub entropy: u64,
}

impl JoinInput {
    /// What the view's `mount` will be told for this input at `now` (the
    /// URL's query params with the path params laid over them).
    pub fn mount(&self, now: Time) -> Mount {
        Mount {
            connected: self.connected,
            params: driver::merge_params(&self.url, &self.path_params),
            session: self.session.clone(),
            url: self.url.clone(),
            flash: self.flash.clone(),
            now,
            connect_params: self.connect_params.clone(),
        }
    }
}

/// A navigation a view asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Navigation {
    /// Same view, new URL: `live_patch {to, kind}`.
    Patch {
        /// Path and query.
        to: String,
        /// `replace` rather than `push` the history entry.
        replace: bool,
    },
    /// Another LiveView over the same socket: `live_redirect {to, kind, flash?}`.
    Navigate {
        /// Path and query.
        to: String,
        /// `replace` rather than `push` the history entry.
        replace: bool,
        /// Flash to carry to the next view.
        flash: Flash,
    },
    /// A full page load: `redirect {to, flash?}`.
    Redirect {
        /// Target URL.
        to: String,
        /// Flash to carry to the next page.
        flash: Flash,
    },
}

/// The answer to one input that needs a reply (a client event, a live patch).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reply {
    /// The diff JSON (an object, may carry `t`, `e`, `r`), or `None` when nothing changed.
    pub diff: Option<String>,
    /// A navigation the handler asked for. A `Patch` is sent (as a
    /// `live_patch` push) before the reply; `Navigate`/`Redirect` replace the
    /// reply's diff and end the view.
    pub navigation: Option<Navigation>,
    /// The view's task this reply waits for ([`Command::HoldReply`](crate::Command::HoldReply)):
    /// send it once that task ends (its outcome is handed in, or it is
    /// cancelled), before anything that outcome causes.
    pub hold: Option<u64>,
}

/// The answer to a successful join.
#[derive(Clone, Debug, PartialEq)]
pub struct Joined {
    /// The full rendered tree (JSON object, may carry `t` and `e`).
    pub rendered: String,
    /// A patch asked for during mount/handle_params (sent as `live_patch` in the join reply).
    pub live_patch: Option<Navigation>,
}

/// Something the driver wants the adapter to do, polled with [`ViewDriver::poll_output`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Output {
    /// Push this diff to the client (`diff` event): the render of an info or a timer tick.
    Push(String),
    /// Send the client this navigation (`live_patch` / `live_redirect` / `redirect` push).
    /// After `Navigate` or `Redirect` the view has ended.
    Navigate(Navigation),
    /// Subscribe this view to a pub/sub topic.
    Subscribe(String),
    /// Unsubscribe this view from a pub/sub topic.
    Unsubscribe(String),
    /// Publish a message on a topic (to every subscriber, this view included).
    Broadcast {
        /// The topic.
        topic: String,
        /// The serialized info.
        payload: Value,
    },
    /// Run this task ([`Command::StartAsync`](crate::Command::StartAsync))
    /// with the view's runner, and report its outcome with
    /// [`ViewDriver::handle_async`] under `id`.
    StartTask {
        /// The task's id within this view.
        id: u64,
        /// The name the view started it under.
        key: String,
        /// What to do: the view's `Info` value, as JSON.
        task: Value,
        /// The component that started it (its type and name), whose runner
        /// runs it; `None` for the view's own tasks.
        runner: Option<(std::any::TypeId, &'static str)>,
    },
    /// Abort the task `id` (superseded, cancelled, timed out, or the view
    /// ended); its outcome is no longer wanted.
    CancelTask {
        /// The task's id within this view.
        id: u64,
    },
    /// Deliver this info to the view's parent view ([`crate::nested`]).
    SendParent(Value),
    /// Deliver this info to the view's child view `id`.
    SendChild {
        /// The child's DOM id.
        id: String,
        /// The info, as JSON.
        info: Value,
    },
    /// A handler took this entry out of its upload ([`crate::upload`]):
    /// cancelled, or consumed. Its upload channel ends; a cancelled entry's
    /// bytes are removed.
    UploadEnded {
        /// The upload's ref.
        upload_ref: String,
        /// The entry's ref.
        entry_ref: String,
        /// Consumed (the written file is the app's) rather than cancelled.
        consumed: bool,
    },
    /// The reply of a preflight that waited for presign tasks
    /// ([`UploadAnswer::Pending`](crate::upload::UploadAnswer::Pending)).
    PreflightReady {
        /// The preflight's id.
        id: u64,
        /// The reply's body (external uploads: no tokens to sign).
        response: Value,
    },
}

/// Why an input was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputError {
    /// The client event does not decode into the view's `Event` type.
    Decode(DecodeError),
    /// The view has ended (navigated away or stopped).
    Ended,
    /// The input names a component this view does not have (never
    /// rendered, or destroyed); the message says which.
    NoComponent(String),
    /// An upload push (`allow_upload`, `progress`) the view cannot take:
    /// malformed, or naming an upload it has not allowed.
    Upload(String),
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Decode(e) => e.fmt(f),
            InputError::Ended => f.write_str("the view has ended"),
            InputError::NoComponent(why) => f.write_str(why),
            InputError::Upload(why) => f.write_str(why),
        }
    }
}
impl std::error::Error for InputError {}

/// A [`ViewDriver`] with its view type erased, so that one socket can hold
/// views of different types. Implemented by every `ViewDriver<V>`.
pub trait AnyView: Send {
    /// The name of the view type (for logs and traces).
    fn type_name(&self) -> &'static str;
    /// The current render as HTML (the dead render's content).
    fn render_html(&self) -> String;
    /// A full render as rendered JSON, for a (re)join; later diffs are computed against it.
    fn render_full(&mut self) -> String;
    /// A client event. See [`ViewDriver::handle_event`].
    fn handle_event(&mut self, now: Time, event: ClientEvent) -> Result<Reply, InputError>;
    /// A live patch to `url`. See [`ViewDriver::handle_params`].
    fn handle_params(&mut self, now: Time, url: Url) -> Result<Reply, InputError>;
    /// A pub/sub message on `topic`. See [`ViewDriver::handle_pubsub`].
    fn handle_pubsub(&mut self, now: Time, topic: &str, payload: &Value) -> Result<(), InputError>;
    /// An info for this view alone, as JSON (decoded into the view's `Info`
    /// type). See [`ViewDriver::handle_info_value`].
    fn handle_info_value(&mut self, now: Time, payload: &Value) -> Result<(), InputError>;
    /// When [`AnyView::handle_timeout`] next needs calling.
    #[must_use]
    fn poll_timeout(&self) -> Option<Time>;
    /// Runs the timers due at `now`.
    fn handle_timeout(&mut self, now: Time);
    /// The next output, if any.
    #[must_use]
    fn poll_output(&mut self) -> Option<Output>;
    /// Ends the view: timers are dropped and `Unsubscribe` outputs are queued for every subscription.
    fn stop(&mut self);
    /// The number of live timers (for metrics and leak tests).
    fn timer_count(&self) -> usize;
    /// The current subscriptions (for metrics and leak tests).
    fn subscriptions(&self) -> Vec<String>;
    /// The outcome of a task. See [`ViewDriver::handle_async`].
    fn handle_async(
        &mut self,
        now: Time,
        id: u64,
        result: Result<Value, crate::view::AsyncError>,
    ) -> Result<(), InputError>;
    /// The tasks running now. See [`ViewDriver::pending_tasks`].
    fn pending_tasks(&self) -> Vec<PendingTask>;
    /// `cids_will_destroy`. See [`ViewDriver::cids_will_destroy`].
    fn cids_will_destroy(&mut self, _now: Time, _cids: &[u32]) -> Result<(), InputError> {
        Ok(())
    }
    /// `cids_destroyed`. See [`ViewDriver::cids_destroyed`].
    fn cids_destroyed(&mut self, _now: Time, _cids: &[u32]) -> Result<Vec<u32>, InputError> {
        Ok(Vec::new())
    }
    /// A `send_update` from outside the view. See [`ViewDriver::send_update`].
    fn send_update(
        &mut self,
        _now: Time,
        _to: crate::view::ComponentRef,
        _update: Value,
    ) -> Result<(), InputError> {
        Err(InputError::NoComponent(
            "this view has no components".into(),
        ))
    }
    /// An upload input from the socket. See [`ViewDriver::upload`].
    fn upload(
        &mut self,
        _now: Time,
        _input: crate::upload::UploadInput,
    ) -> Result<crate::upload::UploadAnswer, InputError> {
        Err(InputError::Upload("this view has no uploads".into()))
    }
    /// The driver behind this view, for typed access (tests downcast it to
    /// `ViewDriver<V>`); wrappers such as a trace recorder return the view
    /// they wrap.
    fn as_any(&self) -> &dyn std::any::Any;
}

#[cfg(test)]
mod tests;
