//! The driver of one view.

use super::tasks::{PendingTask, TaskTable};
use super::{InputError, JoinInput, Joined, Navigation, Output, Reply};
use crate::component::{self, Components, Page};
use crate::diff::{self, Extras};
use crate::event::{self, ClientEvent, DecodeError};
use crate::small_map::{SmallMap, SmallSet};
use crate::stream::{self, StreamDom};
use crate::template::Rendered;
use crate::time::Time;
use crate::view::{
    AsyncError, ComponentRef, Context, Flash, LayoutContext, LiveLayout, LiveView, Mount, Msg,
    OnMount, Params, PathPattern, Url, ViewLayout,
};
use serde_json::Value;
use std::collections::VecDeque;
use std::time::Duration;

mod commands;
mod components;
mod erased;
mod uploads;

pub use commands::REPEAT_CATCH_UP;
use commands::{next_deadline, split_key};

/// The shortest period of a [`Command::Repeat`](crate::Command::Repeat); shorter periods are raised to it.
pub const MIN_PERIOD: Duration = Duration::from_millis(1);

/// How many queued infos [`ViewDriver::poll_output`] handles per round (a
/// round starts with every input, `handle_timeout` included). When a round's
/// budget is spent with infos still queued, `poll_output` returns `None` and
/// [`ViewDriver::poll_timeout`] returns "now", so a view that keeps sending
/// itself infos cannot keep the adapter from reading its socket.
pub const INFO_BUDGET: usize = 64;

/// How many `PushPatch`es one input may chain (a patch whose `handle_params`
/// patches again, ...). Asking for one more is a patch loop: the view
/// crashes with "too many redirects" (a panic, so the client gets
/// `phx_error` and rejoins), as Phoenix raises at its 20th redirect.
pub const MAX_PATCH_HOPS: usize = 20;

/// Drives one view: a sans-IO state machine in the style of quinn-proto and str0m.
///
/// The driver owns the view's state, its last rendered tree, its timers, its
/// subscriptions, its flash and its queue of infos. It never reads a clock:
/// every input carries `now`, and the driver tells the adapter when it next
/// needs calling ([`poll_timeout`](Self::poll_timeout)).
///
/// # Methods
///
/// * Start: [`join`](Self::join) (mount, `handle_params`, full render).
/// * Inputs: [`handle_event`](Self::handle_event) (a client `event` push),
///   [`handle_params`](Self::handle_params) (a client `live_patch`),
///   [`handle_info`](Self::handle_info), [`handle_pubsub`](Self::handle_pubsub),
///   [`handle_async`](Self::handle_async) (a task's outcome),
///   [`handle_timeout`](Self::handle_timeout);
///   [`handle_typed_event`](Self::handle_typed_event) for tests.
/// * Outputs: [`poll_output`](Self::poll_output) and [`poll_timeout`](Self::poll_timeout).
/// * Components ([`crate::component`]): an event with a `cid` goes to that
///   component ([`handle_event`](Self::handle_event)); [`send_update`](Self::send_update),
///   [`cids_will_destroy`](Self::cids_will_destroy), [`cids_destroyed`](Self::cids_destroyed);
///   [`components`](Self::components), [`component_state`](Self::component_state).
/// * End: [`stop`](Self::stop).
/// * Inspection: [`state`](Self::state), [`flash`](Self::flash),
///   [`title`](Self::title), [`url`](Self::url), [`timer_count`](Self::timer_count),
///   [`subscriptions`](Self::subscriptions), [`pending_tasks`](Self::pending_tasks),
///   [`render_html`](Self::render_html),
///   [`render_full`](Self::render_full).
///
/// # The run loop
///
/// ```text
/// join ──► loop {
///     feed ONE input: handle_event / handle_params (→ Reply, send it)
///                     handle_info / handle_pubsub / handle_timeout(now)
///     while let Some(out) = poll_output() { carry it out }   // drain after EVERY input
///     sleep until poll_timeout() (or the next frame / pub/sub message),
///     then handle_timeout(now)
/// }
/// ```
///
/// Infos are handled lazily, inside `poll_output`: when no output is
/// pending, `poll_output` takes the next queued info, runs it (update, render,
/// diff) and returns what it produced. Draining after every input therefore
/// handles infos in order, after the reply of the input that sent them. At
/// most [`INFO_BUDGET`] infos run per round; when the budget is spent,
/// `poll_output` returns `None` and `poll_timeout` returns the last `now`, so
/// the adapter calls `handle_timeout` again (after looking at its socket).
///
/// # What one input does
///
/// Each input runs `update` once (plus `handle_params` when the handler asked
/// for a `PushPatch`), renders once and diffs against the last render
/// ([`crate::diff::diff`]). An event's or a live patch's diff is returned in
/// the [`Reply`]; an info's, a timer tick's or a pub/sub message's diff is
/// queued as [`Output::Push`]. Commands:
///
/// | command | effect |
/// | --- | --- |
/// | `SendInfo` | queued (FIFO), handled after this input's render |
/// | `SendAfter`, `Repeat`, `CancelRepeat` | the timer table (keys replace; period ≥ [`MIN_PERIOD`]) |
/// | `Subscribe`, `Unsubscribe` | [`Output::Subscribe`]/[`Output::Unsubscribe`] when the subscription set changes |
/// | `Broadcast` | [`Output::Broadcast`] with `serde_json::to_value(info)` (dropped if the info does not serialize) |
/// | `PageTitle`, `PushEvent` | `"t"`, `"e"` in the next diff |
/// | `Reply` | `"r"` in the reply's diff (events only; ignored elsewhere) |
/// | `PutFlash`, `ClearFlash` | the driver's [`flash`](Self::flash), carried by `Navigate`/`Redirect` |
/// | `PushPatch` | `handle_params` runs with the new URL before the render; [`Reply::navigation`] for events and live patches, [`Output::Navigate`] (before the `Push`) otherwise; more than [`MAX_PATCH_HOPS`] chained patches crash the view |
/// | `PushNavigate`, `Redirect` | no render; the navigation (with the flash) is the reply's navigation or an [`Output::Navigate`]; the view ends ([`stop`](Self::stop)) and pending push events are dropped |
/// | `StartAsync` | [`Output::StartTask`] (after the input's reply or push), preceded by [`Output::CancelTask`] for a task running under the same key, which is superseded; its deadline joins [`poll_timeout`](Self::poll_timeout) |
/// | `CancelAsync` | [`Output::CancelTask`], and `handle_async` gets [`AsyncError::Cancelled`] (queued like an info) |
/// | `SendUpdate` | queued like an info (or a timer with `after`); delivered to the component named then (by id or cid), dropped if there is none |
/// | `SendParent` | from a component: queued like an info for the view (decoded into `V::Info`); from the view: [`Output::SendParent`] |
/// | `SendChild` | [`Output::SendChild`] |
/// | `HoldReply` | in an event handler: [`Reply::hold`] names the task the reply waits for |
///
/// A component's commands do the same on the view that renders it, except
/// that `SendInfo`, `SendAfter`, `Repeat`, `CancelRepeat`, `StartAsync` and
/// `CancelAsync` act on the component's own timers and tasks (their keys
/// live in its namespace) and reach its `handle_info`/`handle_async`.
///
/// # Components
///
/// A render of the view finds the components it names, mounts new ones,
/// calls `update` on those whose props changed and revives marked ones; then
/// every component that handled something in this input renders, and the
/// diff carries them in `"c"`. An input of a component alone (its event, a
/// `send_update`, its timer or task) renders that component and not the
/// view, unless its commands ran the view's handlers (`PushPatch`, an info
/// handled later is its own input). Invariant 1 holds per input: one render
/// of the view at most, one of each component at most.
///
/// The built-in event `lv:clear-flash` (value `{"key": kind}`, no key = all)
/// clears the driver's flash without reaching the view.
///
/// # Timers
///
/// `Repeat { every }` first fires at `now + every`; later deadlines are computed
/// from the scheduled time, not from when the tick was handled, so ticks do
/// not drift. [`handle_timeout`](Self::handle_timeout) fires every timer due
/// at `now`, in due order (ties in creation order), each as its own input.
/// A repeat fires **at most once per `handle_timeout` call**. If the adapter
/// was late by a few periods, the missed ticks are not lost: the next deadline
/// stays on the grid (already due), so each following call delivers one more
/// until the repeat has caught up, interleaved with other inputs — as an
/// Erlang interval timer's messages would wait in a mailbox. Only a tick more
/// than [`REPEAT_CATCH_UP`] late skips the missed ticks (the next deadline is
/// the first grid point after `now`, like tokio's `MissedTickBehavior::Skip`),
/// so a stalled process never replays a backlog. Timers created while
/// `handle_timeout` runs (even if already due) wait for the next call.
///
/// # Invariants (DESIGN.md)
///
/// 1. **One render per input.** Every input produces at most one render, and
///    its reply or push leaves before any output of an info that input sent
///    (infos only run inside `poll_output`, when no output is pending).
/// 2. **Order.** Infos are handled in the order they were sent (one FIFO for
///    `SendInfo`, `handle_info` and pub/sub messages); timer ticks in due order,
///    never before they are due.
/// 3. **No forged infos.** A [`ClientEvent`] is only ever decoded into
///    `V::Event` ([`crate::event::decode`]); nothing from the wire reaches
///    `handle_info`.
/// 4. **Effects are bounded by the connection.** When not connected (the
///    dead render) `SendInfo`, `SendAfter`, `Repeat`, `Subscribe`,
///    `Broadcast` and `StartAsync` are dropped: no timers, no subscriptions,
///    no infos, no tasks. After [`stop`](Self::stop) (or a navigation away)
///    no timer remains, an `Unsubscribe` is emitted for every subscription,
///    a `CancelTask` for every running task, and inputs return
///    [`InputError::Ended`].
/// 5. **Diffs compose.** Each diff is computed against the tree the client
///    last received, so applying successive diffs with the client's merge
///    gives the full render of the latest state.
///
///    Streams replace this for their items: the server forgets them once
///    sent, so the rule is **5′. Stream items compose.** Outside streams'
///    lists, the client's merged tree renders as the server's last render;
///    inside, the items the client shows are those obtained by applying, in
///    order, each sent render's stream operations to its entries with the
///    client's DOM rules ([`StreamDom`]). The harness checks both after every
///    step: it joins with [`JoinInput::keep_stream_items`], so the driver
///    applies its own renders (before encoding them) to a [`StreamDom`],
///    while the client model applies the JSON it merged to another; the two
///    pages must be equal.
///
///    Components keep this rule: **5″. Components compose.** A component's
///    entry in `"c"` is computed against the tree the client has for it
///    (or, for a new or revived one, against nothing or the tree of the
///    component whose statics it shares), so the client's components,
///    merged as `cachedFindComponent` does, render as the server's; the
///    client model checks it after every step, and the official client
///    replays random component sessions (`tests/tests/oracle.rs`).
/// 6. **Tasks end once.** While the view lives, every task started gets
///    exactly one outcome in `handle_async` — its result ([`handle_async`](Self::handle_async)), a
///    cancel, or a timeout at its deadline, whichever comes first — except a
///    superseded one, which gets none; every task that ends without a result
///    (superseded, cancelled, timed out, the view stopped) gets an
///    [`Output::CancelTask`]. Outcomes are queued with the infos, so they run
///    after the render of the input that started the task. (Property-tested
///    in `runtime/tests/tasks.rs`.)
///
/// # Example
///
/// ```
/// use liveview_core::event::ClientEvent;
/// use liveview_core::runtime::{JoinInput, Output, ViewDriver};
/// use liveview_core::{html, Command, LiveView, Mount, Rendered, Time, Update, Url};
/// use serde::{Deserialize, Serialize};
/// use serde_json::json;
/// use std::time::Duration;
///
/// struct Counter { count: i64 }
///
/// #[derive(Debug, Deserialize)]
/// #[serde(rename_all = "snake_case")]
/// enum Event { Inc }
///
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// enum Info { Tick, Doubled }
///
/// impl LiveView for Counter {
///     type Event = Event;
///     type Info = Info;
///     fn mount(m: &Mount) -> Update<Self> {
///         let timers = if m.connected {
///             vec![Command::repeat("tick", Duration::from_secs(1), Info::Tick)]
///         } else {
///             vec![] // dropped anyway: no effects in the dead render
///         };
///         (Counter { count: 0 }, timers)
///     }
///     fn handle_event(self, Event::Inc: Event) -> Update<Self> {
///         (Counter { count: self.count + 1 }, vec![Command::SendInfo(Info::Doubled)])
///     }
///     fn handle_info(self, info: Info) -> Update<Self> {
///         match info {
///             Info::Tick => (Counter { count: self.count + 10 }, vec![]),
///             Info::Doubled => (Counter { count: self.count * 2 }, vec![]),
///         }
///     }
///     fn render(&self) -> Rendered {
///         html!(r#"<span id="count">{self.count}</span>"#)
///     }
/// }
///
/// let input = JoinInput { connected: true, url: Url::parse("/counter").unwrap(), ..Default::default() };
/// let (mut view, joined) = ViewDriver::<Counter>::join(Time::ZERO, input).unwrap();
/// assert!(joined.rendered.starts_with('{'));
/// assert_eq!(view.poll_output(), None);
///
/// // A click: the reply carries the diff; the info it sent runs when the adapter drains.
/// let click = ClientEvent::json("click", "inc", json!({"value": ""}));
/// let reply = view.handle_event(Time::from_millis(10), click).unwrap();
/// assert!(reply.diff.is_some());
/// assert_eq!(view.state().unwrap().count, 1);
/// assert!(matches!(view.poll_output(), Some(Output::Push(_))));
/// assert_eq!(view.state().unwrap().count, 2);
/// assert_eq!(view.poll_output(), None);
///
/// // The repeat timer, one second after the join.
/// assert_eq!(view.poll_timeout(), Some(Time::from_millis(1_000)));
/// view.handle_timeout(Time::from_millis(1_000));
/// assert!(matches!(view.poll_output(), Some(Output::Push(_))));
/// assert_eq!(view.state().unwrap().count, 12);
/// assert_eq!(view.render_html(), "<span id=\"count\">12</span>");
///
/// view.stop();
/// assert_eq!(view.timer_count(), 0);
/// assert_eq!(view.poll_timeout(), None);
/// ```
pub struct ViewDriver<V: LiveView> {
    /// Always `Some` outside of `update` (taken while a handler runs).
    state: Option<V>,
    connected: bool,
    ended: bool,
    /// The latest `now` any input carried.
    now: Time,
    url: Url,
    path_params: Params,
    /// The route pattern, to read path params from patched URLs.
    pattern: Option<PathPattern>,
    /// The patterns of the view's other routes ([`JoinInput::patch_patterns`]).
    patch_patterns: Vec<PathPattern>,
    flash: Flash,
    title: Option<String>,
    /// The live session's live layout (used unless the view picks another).
    layout: Option<LiveLayout>,
    extras: PendingExtras,
    /// The tree the client has (the last full render or diff sent), with
    /// the stream items it carried forgotten.
    last: Option<Rendered>,
    /// The stream items the client shows, when the join asked to keep them
    /// ([`JoinInput::keep_stream_items`], for test harnesses).
    streams: Option<StreamDom>,
    /// Infos and task outcomes, in arrival order.
    infos: VecDeque<Queued<V::Info>>,
    outputs: VecDeque<Output>,
    tasks: TaskTable,
    timers: SmallMap<String, Timer<Mail<V::Info>>>,
    /// (due, creation sequence) → key: the timers in firing order.
    queue: SmallMap<(Time, u64), String>,
    next_seq: u64,
    subscriptions: SmallSet<String>,
    /// Infos `poll_output` may still handle in this round.
    budget: usize,
    /// The view's components ([`crate::component`]).
    components: Components,
    /// Outputs of the commands components ran while a render mounted or
    /// updated them; they follow the input's own outputs.
    render_outputs: Vec<Output>,
    /// How it renders child views, and the containers it rendered.
    nested: Option<std::sync::Arc<crate::nested::NestedCx>>,
    children: crate::nested::ChildCache,
    /// A sticky child: its live navigations do not end it.
    sticky: bool,
    /// A child with a parent: its patches are the page's.
    child: bool,
    /// Where its uploads' refs and entry UUIDs come from.
    upload_ids: crate::upload::Ids,
    /// External entries whose metadata a task is making, and the
    /// preflights waiting for them.
    presigns: Vec<uploads::Presign>,
    preflights: Vec<uploads::PendingPreflight>,
    next_preflight: u64,
}

/// A message for the view or one of its components.
#[derive(Clone)]
pub(super) enum Mail<I> {
    /// An info for the view.
    View(I),
    /// An info a component sent itself (its own `SendInfo`, a timer tick).
    Component { cid: u32, info: Value },
    /// A `send_update`, found by id or cid when it is delivered.
    Update { to: ComponentRef, update: Value },
}

/// A queued server-side input.
pub(super) enum Queued<I> {
    Mail(Mail<I>),
    /// The outcome of one of the view's tasks (a component's is a
    /// `ComponentAsync`: `queue_async_error` sorts failures by owner).
    Async {
        key: String,
        result: Result<I, AsyncError>,
    },
    /// The outcome of a component's task, as JSON.
    ComponentAsync {
        cid: u32,
        key: String,
        result: Result<Value, AsyncError>,
    },
    /// An info a component sent its parent, as JSON.
    Parent(Value),
}

struct Timer<I> {
    due: Time,
    seq: u64,
    every: Option<Duration>,
    info: I,
}

/// Top-level diff extras collected while handling one input.
#[derive(Default)]
struct PendingExtras {
    title: bool,
    events: Vec<(String, Value)>,
    reply: Option<Value>,
}

enum Exit {
    Navigate { to: String, replace: bool },
    Redirect { to: String },
}

/// What handling one input's commands produced besides state.
#[derive(Default)]
struct Effects {
    /// The view's own handler ran (its render may have changed).
    parent: bool,
    /// The flash changed (a live layout may show it).
    flash: bool,
    /// A `PushPatch` not yet followed by `handle_params`.
    patch: Option<(String, bool)>,
    /// The last patch followed (what the client is told).
    patched: Option<Navigation>,
    exit: Option<Exit>,
    outputs: Vec<Output>,
    /// A `HoldReply`: the task the event's reply waits for.
    hold: Option<u64>,
}

/// The result of one input, before it is turned into a reply or outputs.
struct Step {
    diff: Option<String>,
    navigation: Option<Navigation>,
    hold: Option<u64>,
    ends: bool,
    outputs: Vec<Output>,
}

impl<V: LiveView> ViewDriver<V> {
    /// Mounts the view: `mount` (told whether it is connected, with the URL's
    /// query params merged under `path_params`, the session, the URL and the
    /// flash), then `handle_params`, then a full render ([`crate::diff::full`]).
    ///
    /// A `PushPatch` during mount or params becomes [`Joined::live_patch`] and
    /// `handle_params` runs again with the patched URL. A `PushNavigate` or
    /// `Redirect` fails the join with that navigation (the driver is dropped,
    /// so nothing it started survives).
    ///
    /// For the dead render pass `connected: false` and use
    /// [`render_html`](Self::render_html); effects are dropped (Invariant 4).
    pub fn join(now: Time, input: JoinInput) -> Result<(ViewDriver<V>, Joined), Navigation> {
        let JoinInput {
            connected,
            url,
            path_params,
            pattern,
            session,
            flash,
            connect_params,
            layout,
            keep_stream_items,
            patch_patterns,
            nested,
            sticky,
            child,
            entropy,
        } = input;
        let params = merge_params(&url, &path_params);
        let mount = Mount {
            connected,
            params: params.clone(),
            session,
            url: url.clone(),
            flash: flash.clone(),
            now,
            connect_params,
        };
        if let OnMount::Halt(nav) = V::on_mount(&mount) {
            return Err(nav);
        }
        let (state, commands) = V::mount(&mount);
        let mut driver = ViewDriver {
            state: Some(state),
            connected,
            ended: false,
            now,
            url: url.clone(),
            path_params,
            pattern,
            patch_patterns,
            flash,
            title: None,
            layout,
            extras: PendingExtras::default(),
            last: None,
            streams: (keep_stream_items && connected).then(StreamDom::new),
            infos: VecDeque::new(),
            outputs: VecDeque::new(),
            tasks: TaskTable::default(),
            timers: SmallMap::new(),
            queue: SmallMap::new(),
            next_seq: 0,
            subscriptions: SmallSet::new(),
            budget: INFO_BUDGET,
            components: Components::default(),
            render_outputs: Vec::new(),
            nested: nested.map(std::sync::Arc::new),
            children: Default::default(),
            sticky,
            child,
            upload_ids: crate::upload::Ids::new(entropy, std::any::type_name::<V>()),
            presigns: Vec::new(),
            preflights: Vec::new(),
            next_preflight: 0,
        };
        let mut fx = Effects::default();
        driver.apply(commands, &mut fx, false);
        if fx.exit.is_none() {
            driver.update(Msg::Params(params, url), &mut fx, false);
            driver.follow_patches(&mut fx);
        }
        if let Some(exit) = fx.exit.take() {
            return Err(driver.exit_navigation(exit));
        }
        driver.outputs.extend(fx.outputs);
        let rendered = driver.render_full();
        let outputs = std::mem::take(&mut driver.render_outputs);
        driver.outputs.extend(outputs);
        Ok((
            driver,
            Joined {
                rendered,
                live_patch: fx.patched,
            },
        ))
    }

    /// A client event: decodes it into `V::Event` (or handles the built-in
    /// `lv:clear-flash`), runs the handler, renders and returns the diff.
    ///
    /// A payload that does not decode is an [`InputError::Decode`]; the view
    /// is not touched and nothing is rendered.
    pub fn handle_event(&mut self, now: Time, event: ClientEvent) -> Result<Reply, InputError> {
        self.begin(now)?;
        if let Some(cid) = event.cid {
            return self.handle_component_event(cid, event);
        }
        if event.name == event::CLEAR_FLASH {
            let value = event::event_value(&event).map_err(InputError::Decode)?;
            self.flash.clear(value.get("key").and_then(Value::as_str));
            // A live layout may show the flash: render it again (the view
            // itself does not see the flash, so without one nothing changed).
            let diff = if self.wraps_in_layout() {
                self.render_diff(true)
            } else {
                None
            };
            return Ok(Reply {
                diff,
                navigation: None,
                hold: None,
            });
        }
        self.put_event_uploads(None, &event)?;
        let decoded: V::Event = event::decode(&event).map_err(InputError::Decode)?;
        Ok(self.run_reply(Msg::Event(decoded), true))
    }

    /// An already decoded event (for test harnesses): like
    /// [`handle_event`](Self::handle_event) without the decoding.
    pub fn handle_typed_event(&mut self, now: Time, event: V::Event) -> Result<Reply, InputError> {
        self.begin(now)?;
        Ok(self.run_reply(Msg::Event(event), true))
    }

    /// A live patch from the client (`live_patch {url}`): `handle_params` with
    /// the new URL's params. Path params are read from the new path with the
    /// route's pattern (kept from the join when there is no pattern, or when
    /// the path does not match it — routing such a URL is the protocol's job).
    pub fn handle_params(&mut self, now: Time, url: Url) -> Result<Reply, InputError> {
        self.begin(now)?;
        self.read_path_params(&url);
        let params = merge_params(&url, &self.path_params);
        self.url = url.clone();
        Ok(self.run_reply(Msg::Params(params, url), false))
    }

    /// Queues an info for the view; it runs inside [`poll_output`](Self::poll_output),
    /// after everything queued before it. Dropped when the view is not
    /// connected or has ended.
    pub fn handle_info(&mut self, now: Time, info: V::Info) {
        if self.ended || !self.connected {
            return;
        }
        self.advance(now);
        self.infos.push_back(Queued::Mail(Mail::View(info)));
    }

    /// A pub/sub message on `topic`: decoded into `V::Info` and queued like
    /// [`handle_info`](Self::handle_info). A message on a topic the view is
    /// not subscribed to (a race with `Unsubscribe`) is ignored. A payload
    /// that does not decode is an [`InputError::Decode`] naming the topic.
    pub fn handle_pubsub(
        &mut self,
        now: Time,
        topic: &str,
        payload: &Value,
    ) -> Result<(), InputError> {
        self.begin(now)?;
        if !self.subscriptions.contains(topic) {
            return Ok(());
        }
        let info = <V::Info as serde::Deserialize>::deserialize(payload).map_err(|e| {
            InputError::Decode(DecodeError {
                event: format!("pubsub:{topic}"),
                reason: format!("the message does not decode into the view's Info type: {e}"),
            })
        })?;
        self.infos.push_back(Queued::Mail(Mail::View(info)));
        Ok(())
    }

    /// An info for this view alone, as JSON: decoded into `V::Info` and
    /// queued like [`handle_info`](Self::handle_info) (whatever the view's
    /// subscriptions). How a test or another part of the server sends a view
    /// an info without a topic. A payload that does not decode is an
    /// [`InputError::Decode`].
    pub fn handle_info_value(&mut self, now: Time, payload: &Value) -> Result<(), InputError> {
        self.begin(now)?;
        let info = <V::Info as serde::Deserialize>::deserialize(payload).map_err(|e| {
            InputError::Decode(DecodeError {
                event: "info".into(),
                reason: format!("the info does not decode into the view's Info type: {e}"),
            })
        })?;
        if self.connected {
            self.infos.push_back(Queued::Mail(Mail::View(info)));
        }
        Ok(())
    }

    /// When [`handle_timeout`](Self::handle_timeout) next needs calling: the
    /// earliest timer, or the last `now` seen when infos are still queued
    /// (the info budget of the round is spent). `None` when there is nothing
    /// to wait for.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Time> {
        if self.ended {
            return None;
        }
        if !self.infos.is_empty() {
            return Some(self.now);
        }
        let timer = self.queue.keys().next().map(|(due, _)| *due);
        match (timer, self.tasks.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires every timer due at `now`, in due order (ties in creation order),
    /// each as its own input: update, render, [`Output::Push`]. Also starts a
    /// new round of the info budget.
    pub fn handle_timeout(&mut self, now: Time) {
        if self.begin(now).is_err() {
            return;
        }
        let due: Vec<(Time, u64)> = self
            .queue
            .keys()
            .take_while(|slot| **slot <= (now, u64::MAX))
            .copied()
            .collect();
        for slot in due {
            if self.ended {
                break;
            }
            // Gone if an earlier tick of this batch cancelled or replaced it.
            let Some(key) = self.queue.remove(&slot) else {
                continue;
            };
            let info = match self.timers.get_mut(&key) {
                Some(timer) => match timer.every {
                    Some(every) => {
                        let next = next_deadline(slot.0, every, now);
                        timer.due = next;
                        self.queue.insert((next, timer.seq), key);
                        timer.info.clone()
                    }
                    None => match self.timers.remove(&key) {
                        Some(timer) => timer.info,
                        None => continue,
                    },
                },
                None => continue,
            };
            self.run_mail(info);
        }
        if self.ended {
            return;
        }
        // Tasks past their deadline: aborted, and the view told (in order,
        // with the other queued inputs).
        for task in self.tasks.take_due(now) {
            self.outputs.push_back(Output::CancelTask { id: task.id });
            self.queue_async_error(task.key, AsyncError::TimedOut(task.timeout));
        }
    }

    /// The outcome of the task `id` ([`Output::StartTask`]) as the adapter's
    /// runner gave it: the result as JSON (decoded into `V::Info`; one that
    /// does not decode becomes [`AsyncError::Failed`]), or why there is none.
    /// Queued like an info, for [`LiveView::handle_async`] under the task's
    /// key. The outcome of a task that is no longer running (superseded,
    /// cancelled, timed out) is ignored.
    pub fn handle_async(
        &mut self,
        now: Time,
        id: u64,
        result: Result<Value, AsyncError>,
    ) -> Result<(), InputError> {
        self.begin(now)?;
        let Some(task) = self.tasks.remove_id(id) else {
            return Ok(());
        };
        if self.presign_done(&task.key, result.clone()) {
            return Ok(());
        }
        if let (Some(cid), own) = split_key(&task.key) {
            self.infos.push_back(Queued::ComponentAsync {
                cid,
                key: own.to_owned(),
                result,
            });
            return Ok(());
        }
        let result = crate::view::decode_task_result::<V::Info>(result, "view");
        self.infos.push_back(Queued::Async {
            key: task.key,
            result,
        });
        Ok(())
    }

    /// The tasks running now, by key.
    pub fn pending_tasks(&self) -> Vec<PendingTask> {
        self.tasks.pending().cloned().collect()
    }

    /// The next output. When none is pending, handles the next queued info
    /// (within the round's [`INFO_BUDGET`]) and returns its first output.
    /// `None` means: nothing more until the next input or `poll_timeout`.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        loop {
            if let Some(out) = self.outputs.pop_front() {
                return Some(out);
            }
            if self.ended || self.budget == 0 {
                return None;
            }
            let queued = self.infos.pop_front()?;
            self.budget -= 1;
            self.run_queued(queued);
        }
    }

    /// A full render as rendered JSON (for a join or a rejoin), with the
    /// current title and any pending push events; later diffs are computed
    /// against it.
    pub fn render_full(&mut self) -> String {
        self.with_children(Self::render_full_now)
    }

    /// Runs a render (the view's, its components') with its children
    /// rendered for it ([`crate::nested`]).
    fn with_children<R>(&mut self, render: impl FnOnce(&mut Self) -> R) -> R {
        let Some(cx) = self.nested.clone() else {
            return render(self);
        };
        let mut cache = std::mem::take(&mut self.children);
        cache.set_url(&self.url);
        let (out, cache) =
            crate::nested::rendering(cx, self.connected, self.now, cache, || render(self));
        self.children = cache;
        out
    }

    fn render_full_now(&mut self) -> String {
        let Some(state) = self.state.as_ref() else {
            return "{}".to_owned();
        };
        let streams_before = stream::render_count();
        let calls_before = component::call_count();
        let rendered = self.render_state(state);
        // The client's tree (and components) are replaced.
        self.components.client_forgot();
        let root = (component::call_count() != calls_before).then_some(&rendered);
        let components = self.render_components(root);
        let extras = std::mem::take(&mut self.extras);
        let json = diff::full(
            &rendered,
            &Extras {
                components: &components,
                title: self.title.as_deref(),
                events: &extras.events,
                reply: extras.reply.as_ref(),
            },
        );
        self.keep(Some(rendered), streams_before);
        json
    }

    /// Keeps a sent render as the tree the client has. Once connected, the
    /// items of the streams it rendered are forgotten (after updating the
    /// model of the client's stream items, when kept); the dead render's
    /// tree keeps them, for its HTML.
    ///
    /// `rendered` is the view's new render, if it rendered; the components
    /// rendered in the pass are already in the component table.
    fn keep(&mut self, rendered: Option<Rendered>, streams_before: u64) {
        if let Some(r) = rendered {
            self.last = Some(r);
        }
        if let (Some(dom), Some(last)) = (&mut self.streams, &self.last) {
            // Also when no stream was rendered: the streams gone from the
            // page lose their items.
            let page = Page {
                components: &self.components,
                connected: self.connected,
            };
            dom.apply_page_in(std::iter::once(last).chain(self.components.trees()), &page);
        }
        if self.connected && stream::render_count() != streams_before {
            if let Some(last) = &mut self.last {
                last.forget_stream_items();
            }
            self.components.forget_stream_items();
        }
    }

    /// The last render as HTML: the dead render's content; once connected,
    /// the page the client shows, stream items included when the join asked
    /// to keep them ([`JoinInput::keep_stream_items`]; without, streams show
    /// no item, as the server holds none).
    pub fn render_html(&self) -> String {
        let page = Page {
            components: &self.components,
            connected: self.connected,
        };
        match (&self.last, &self.streams) {
            (Some(last), Some(dom)) => dom.html_in(last, &page),
            (Some(last), None) => {
                let mut out = String::new();
                last.write_html_in(&mut out, &page);
                out
            }
            (None, _) => String::new(),
        }
    }

    /// The view's state (`None` only if a handler panicked).
    pub fn state(&self) -> Option<&V> {
        self.state.as_ref()
    }

    /// The flash, as changed by `PutFlash`/`ClearFlash`/`lv:clear-flash`.
    pub fn flash(&self) -> &Flash {
        &self.flash
    }

    /// The page title set by the last `PageTitle`, if any.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The view's current URL (after live patches).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Whether the view runs over a socket (not the dead render).
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// Whether the view has ended (stopped or navigated away).
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Ends the view: drops timers and queued infos, queues an
    /// [`Output::Unsubscribe`] for every subscription. Later inputs return
    /// [`InputError::Ended`]; pending outputs can still be polled.
    pub fn stop(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.timers.clear();
        self.queue.clear();
        self.infos.clear();
        self.extras = PendingExtras::default();
        for topic in std::mem::take(&mut self.subscriptions) {
            self.outputs.push_back(Output::Unsubscribe(topic));
        }
        for id in self.tasks.clear() {
            self.outputs.push_back(Output::CancelTask { id });
        }
    }

    /// The number of live timers.
    pub fn timer_count(&self) -> usize {
        self.timers.len()
    }

    /// The current subscriptions, sorted.
    pub fn subscriptions(&self) -> Vec<String> {
        self.subscriptions.iter().cloned().collect()
    }

    // ---- internals ----

    /// Refuses inputs after the end; records `now` and starts a new round.
    fn begin(&mut self, now: Time) -> Result<(), InputError> {
        if self.ended {
            return Err(InputError::Ended);
        }
        self.advance(now);
        Ok(())
    }

    fn advance(&mut self, now: Time) {
        self.now = self.now.max(now);
        self.budget = INFO_BUDGET;
    }

    /// Runs an input of the view whose result is a [`Reply`] (events, live patches).
    fn run_reply(&mut self, msg: Msg<V::Event, V::Info>, is_event: bool) -> Reply {
        self.reply_with(|d, fx| d.update(msg, fx, is_event))
    }

    /// Runs an input (`run` calls the handler) whose result is a [`Reply`].
    fn reply_with(&mut self, run: impl FnOnce(&mut Self, &mut Effects)) -> Reply {
        let step = self.step(run);
        self.outputs.extend(step.outputs);
        if step.ends {
            self.stop();
        }
        Reply {
            diff: step.diff,
            navigation: step.navigation,
            hold: step.hold,
        }
    }

    /// Runs a queued input or timer tick of the view.
    fn run_push(&mut self, msg: Msg<V::Event, V::Info>) {
        self.push_with(|d, fx| d.update(msg, fx, false));
    }

    /// Runs an input (`run` calls the handler) whose result is pushed
    /// (infos, ticks, pub/sub messages, task outcomes).
    fn push_with(&mut self, run: impl FnOnce(&mut Self, &mut Effects)) {
        let step = self.step(run);
        if let Some(nav) = step.navigation {
            self.outputs.push_back(Output::Navigate(nav));
        }
        if let Some(diff) = step.diff {
            self.outputs.push_back(Output::Push(diff));
        }
        self.outputs.extend(step.outputs);
        if step.ends {
            self.stop();
        }
    }

    /// The handler (`run`), then `handle_params` for patches, then one
    /// render: of the view if its handler ran (or the flash its layout
    /// shows changed), and of the components that handled something.
    fn step(&mut self, run: impl FnOnce(&mut Self, &mut Effects)) -> Step {
        let mut fx = Effects::default();
        run(self, &mut fx);
        self.follow_patches(&mut fx);
        if let Some(exit) = fx.exit.take() {
            let nav = self.exit_navigation(exit);
            if self.sticky && matches!(nav, Navigation::Navigate { .. }) {
                // A sticky view stays on the page it sends the client to.
                let diff = self.render_diff(true);
                let mut outputs = fx.outputs;
                outputs.append(&mut self.render_outputs);
                return Step {
                    diff,
                    navigation: Some(nav),
                    hold: None,
                    ends: false,
                    outputs,
                };
            }
            self.extras = PendingExtras::default();
            return Step {
                diff: None,
                navigation: Some(nav),
                hold: None,
                ends: true,
                outputs: fx.outputs,
            };
        }
        let parent = fx.parent || (fx.flash && self.wraps_in_layout());
        let diff = self.render_diff(parent);
        let mut outputs = fx.outputs;
        outputs.append(&mut self.render_outputs);
        Step {
            diff,
            navigation: fx.patched,
            hold: fx.hold,
            ends: false,
            outputs,
        }
    }

    fn update(&mut self, msg: Msg<V::Event, V::Info>, fx: &mut Effects, is_event: bool) {
        let Some(state) = self.state.take() else {
            return;
        };
        let cx = Context::new(self.now, self.connected);
        let (next, commands) = state.update(msg, &cx);
        self.state = Some(next);
        fx.parent = true;
        self.apply(commands, fx, is_event);
    }

    /// Reads the path params of `url` with the route pattern, or else the
    /// first of the view's other routes' patterns that matches. `false` when
    /// none matches (the params are left as they were).
    fn read_path_params(&mut self, url: &Url) -> bool {
        let Some(pattern) = &self.pattern else {
            return true;
        };
        let found = std::iter::once(pattern)
            .chain(&self.patch_patterns)
            .find_map(|p| p.matches(url.path()));
        match found {
            Some(params) => {
                self.path_params = params;
                true
            }
            None => false,
        }
    }

    /// Runs `handle_params` for each `PushPatch`.
    ///
    /// # Panics
    /// On a patch beyond [`MAX_PATCH_HOPS`] in one chain (a patch loop).
    fn follow_patches(&mut self, fx: &mut Effects) {
        let mut hops = 0;
        while let Some((to, replace)) = fx.patch.take() {
            if fx.exit.is_some() {
                break;
            }
            assert!(
                hops < MAX_PATCH_HOPS,
                "too many redirects for {} (a patch loop: {MAX_PATCH_HOPS} chained push_patch, the last to {to:?})",
                std::any::type_name::<V>()
            );
            // A patch target that is not a path (a view bug) is dropped.
            let Ok(url) = Url::parse(&to) else { continue };
            hops += 1;
            if self.child {
                // The page's view handles it (the socket hands it over).
                fx.patched = Some(Navigation::Patch {
                    to: url.to_string(),
                    replace,
                });
                continue;
            }
            if !self.read_path_params(&url) {
                // Phoenix refuses a patch to another LiveView; navigate there instead.
                fx.exit.get_or_insert(Exit::Navigate { to, replace });
                break;
            }
            let params = merge_params(&url, &self.path_params);
            self.url = url.clone();
            fx.patched = Some(Navigation::Patch {
                to: url.to_string(),
                replace,
            });
            self.update(Msg::Params(params, url), fx, false);
        }
    }

    fn exit_navigation(&self, exit: Exit) -> Navigation {
        let flash = self.flash.clone();
        match exit {
            Exit::Navigate { to, replace } => Navigation::Navigate { to, replace, flash },
            Exit::Redirect { to } => Navigation::Redirect { to, flash },
        }
    }

    /// Whether the view's render is wrapped in a live layout (which, unlike
    /// the view, sees the flash).
    fn wraps_in_layout(&self) -> bool {
        self.state.as_ref().is_some_and(|s| match s.layout() {
            ViewLayout::Session => self.layout.is_some(),
            ViewLayout::None => false,
            ViewLayout::Own(_) => true,
        })
    }

    /// The view's render inside its live layout.
    fn render_state(&self, state: &V) -> Rendered {
        let cx = LayoutContext::new(&self.flash, &self.url);
        state.layout().wrap(state, self.layout.as_ref(), &cx)
    }

    /// Renders (the view if `parent`, and the components queued) and diffs
    /// against the tree the client has, with the pending extras.
    fn render_diff(&mut self, parent: bool) -> Option<String> {
        self.with_children(|d| d.render_diff_now(parent))
    }

    fn render_diff_now(&mut self, parent: bool) -> Option<String> {
        let state = self.state.as_ref()?;
        let streams_before = stream::render_count();
        let calls_before = component::call_count();
        // Lists share their unchanged entries with the last render, which
        // the diff then skips without comparing them.
        let next = match (&self.last, parent) {
            (_, false) => None,
            (Some(prev), true) => Some(crate::template::render_reusing(prev, || {
                self.render_state(state)
            })),
            (None, true) => Some(self.render_state(state)),
        };
        let replaced = match (&self.last, &next) {
            (Some(prev), Some(next)) => prev.statics() != next.statics(),
            (None, _) => true,
            (_, None) => false,
        };
        if replaced {
            // The client replaces its whole tree, components included.
            self.components.client_forgot();
        }
        let root = next
            .as_ref()
            .filter(|_| component::call_count() != calls_before);
        let components = self.render_components(root);
        let extras = std::mem::take(&mut self.extras);
        let title = if extras.title {
            self.title.as_deref()
        } else {
            None
        };
        let ex = Extras {
            components: &components,
            title,
            events: &extras.events,
            reply: extras.reply.as_ref(),
        };
        let out = match (&self.last, &next) {
            (Some(prev), Some(next)) => diff::diff(prev, next, &ex),
            (None, Some(next)) => Some(diff::full(next, &ex)),
            (_, None) => diff::extras_only(&ex),
        };
        self.keep(next, streams_before);
        out
    }
}

/// The URL's query params with the path params over them.
pub(super) fn merge_params(url: &Url, path_params: &Params) -> Params {
    let mut params = url.query_params();
    for (k, v) in path_params.iter() {
        params.insert(k, v);
    }
    params
}
