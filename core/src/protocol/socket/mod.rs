//! The per-socket channel machine.
//!
//! One [`SocketMachine`] serves one WebSocket: it decodes frames, runs the
//! Phoenix channel lifecycle (`phx_join`/`phx_leave`/heartbeat), drives the
//! joined views through [`AnyView`] and turns
//! everything they produce into frames and pub/sub requests. It is sans-IO:
//! every input carries `now`, and every effect is an output the adapter polls.
//! The warp server and the test harness both run this machine, so what the
//! harness tests is what the server ships.
//!
//! | module | what it holds |
//! | --- | --- |
//! | `mod.rs` | [`SocketMachine`]: its inputs, outputs and the dispatch of frames |
//! | `join.rs` | `phx_join`: authorize → route → mount → encode |
//! | `channel.rs` | the channel kinds; a view channel's pushes, outputs and end |
//! | `family.rs` | parent and child views: their messages, a child's patches |
//! | `held.rs` | a view's held reply and the pushes that wait for it |
//! | `upload.rs` | upload channels (`lvu:`): the entry's token, chunks, the writer's reports, the chunk timeout |
//! | `outbox.rs` | the output queue, replies, navigation frames, subscription counts |
//! | `guard.rs` | the one panic guard around the views |
//!
//! # Protocol rules and their owners
//!
//! | rule | owner |
//! | --- | --- |
//! | serializer `vsn` ~> 2.0 | [`frame::check_vsn`] (the machine and the warp upgrade) |
//! | a live patch stays on its view, else `link_redirect` | [`Router::live_patch`](crate::protocol::Router::live_patch) |
//! | live navigation stays in one live session, else `unauthorized` | `join.rs` (route step) |
//! | a pub/sub payload a view cannot decode is dropped, the view goes on | [`SocketMachine::handle_pubsub`] ([`SocketOutput::Dropped`]) |
//! | a child view's join ([`crate::nested`]) mounts the view its token names; its parent must be joined on this socket, else `stale` (`parent_redirect` when the parent just navigated away: the client retries the child) | `join.rs` (`join_child`) |
//! | a child ends with its parent (`phx_close`); a linked child's crash crashes its parent; a sticky child's live navigation does not end it | `channel.rs` (`retire`, `drain`) |
//! | infos between a parent and its children are delivered after the sender's input, in order, at most [`MAIL_BUDGET`] per input | `channel.rs` (`deliver_mail`) |
//! | an upload channel joins only with its entry's token, for a view joined by the same join on this socket; its chunks go to the adapter one at a time, within the chunk size and the announced size | `upload.rs` |
//! | a preflight (`allow_upload`) answers with a token per valid entry, or waits for the view's presign tasks | `channel.rs` (`allow_upload`), [`ViewDriver::upload`](crate::runtime::ViewDriver::upload) |
//! | an event for a component (`cid`) reaches that component; a cid the view does not have (never rendered, destroyed) gets an error reply and changes nothing | [`ViewDriver::handle_event`](crate::runtime::ViewDriver::handle_event) |
//!
//! ```text
//! SocketMachine::new(app: Arc<App>, now: Time, connect: ConnectInfo) -> SocketMachine
//! handle_text(&mut self, now, &str)         // one text frame
//! handle_binary(&mut self, now, &[u8])      // one binary frame (upload chunks)
//! handle_pubsub(&mut self, now, topic: &str, payload: &Value)
//! send_info(&mut self, now, topic: &str, info: &Value) -> Result<(), String>  // one view's info
//! handle_async(&mut self, now, id: u64, result)  // a task's outcome (after StartTask)
//! handle_upload(&mut self, now, id: u64, UploadIo) // what an upload's writer did (after UploadOpen/Write/Close)
//! poll_timeout(&self) -> Option<Time>       // heartbeat deadline, view timers
//! handle_timeout(&mut self, now)
//! poll_output(&mut self) -> Option<SocketOutput>
//! close(&mut self, now)                     // the socket went away: stop every view
//! stats(&self) -> SocketStats               // live views, timers, subscriptions (metrics)
//! ```
//!
//! # Run loop
//!
//! After **every** `handle_*` call (and `close`), drain [`SocketMachine::poll_output`]
//! until it returns `None`, then sleep until [`SocketMachine::poll_timeout`]
//! (or the next frame / pub/sub message) and call
//! [`SocketMachine::handle_timeout`]. Outputs come in the order they must be
//! acted on: a reply always precedes the `phx_close` that follows it, a
//! `live_patch` push precedes the reply of the event that caused it.
//!
//! # Time
//!
//! The machine reads no clock: every input carries `now`, which must never
//! go backwards between calls (an adapter's monotonic clock, the harness's
//! virtual one, or a trace's recorded times). Deadlines it reports through
//! `poll_timeout` are in the same time base.
//!
//! ```
//! use liveview_core::protocol::{App, Config, ConnectInfo, Router, SocketMachine, SocketOutput};
//! use liveview_core::{html, LiveView, Mount, Rendered, Time, Update};
//! use std::sync::Arc;
//!
//! struct Hello;
//! impl LiveView for Hello {
//!     type Event = ();
//!     type Info = ();
//!     fn mount(_: &Mount) -> Update<Self> { (Hello, vec![]) }
//!     fn render(&self) -> Rendered { html!("<p>hello</p>") }
//! }
//! let app = Arc::new(App::new(Router::new().live::<Hello>("/"), Config::new(vec![7; 32]).unwrap()));
//! let now = Time::from_millis(1_700_000_000_000);
//! let connect = ConnectInfo { query: "_csrf_token=x&vsn=2.0.0".into(), ..Default::default() };
//! let mut m = SocketMachine::new(app, now, connect);
//! m.handle_text(now, r#"[null,"1","phoenix","heartbeat",{}]"#);
//! while let Some(out) = m.poll_output() {
//!     match out {
//!         SocketOutput::Send(text) => {
//!             assert_eq!(text, r#"[null,"1","phoenix","phx_reply",{"status":"ok","response":{}}]"#)
//!         }
//!         SocketOutput::Subscribe(_topic) => { /* pubsub.subscribe(topic) */ }
//!         SocketOutput::Unsubscribe(_topic) => { /* pubsub.unsubscribe(topic) */ }
//!         SocketOutput::Broadcast { .. } => { /* pubsub.publish(topic, payload) */ }
//!         SocketOutput::Close { .. } => { /* ws.close(code, reason) */ }
//!         SocketOutput::Dropped { .. } => { /* log it */ }
//!         SocketOutput::StartTask(_task) => { /* spawn the view's runner; then m.handle_async(now, id, result) */ }
//!         SocketOutput::CancelTask { .. } => { /* abort that task */ }
//!         SocketOutput::UploadOpen(_) | SocketOutput::UploadWrite { .. } => { /* the upload's writer; then m.handle_upload */ }
//!         _ => { /* outputs added later: log them */ }
//!     }
//! }
//! assert!(m.poll_timeout().is_some()); // sleep until then, then m.handle_timeout(now)
//! ```
//!
//! # Security
//!
//! The socket's `_csrf_token` query parameter and every join's
//! `params._csrf_token` must be CSRF tokens of this app, bound to the
//! `_lv_csrf` cookie when the WebSocket request carried it (see
//! [`auth`]); otherwise joins are refused with
//! `{"reason":"unauthorized"}`. A session token that is forged, expired or
//! made for another container id is refused with `{"reason":"stale"}`. Either
//! way the view is never mounted, and the official client reloads the page.
//!
//! A join routes its `redirect` URL (live navigation), else its `url`, else
//! the URL the page was rendered at (nested/sticky joins carry neither). A
//! valid session token may mount any route of the live session the page was
//! rendered in (as loading that page would), after that live session's
//! `on_mount` hooks; a route of another live session is refused as
//! `unauthorized` and an unroutable URL as `stale`, so the client loads the
//! page over HTTP (and gets the other session's checks, or the 404 page).
//!
//! # Pub/sub
//!
//! `Subscribe`/`Unsubscribe` are counted per socket (asked once per topic,
//! however many views subscribe). `Broadcast` is for the adapter's pub/sub
//! ([`crate::pubsub`], whose delivery rule applies), which must deliver it to
//! every subscribed socket — this one included — through
//! [`SocketMachine::handle_pubsub`].
//!
//! # Failures
//!
//! A view that panics (in any call) is dropped — its subscriptions are
//! released — and the client gets `phx_error` (`channel_crash`) on its topic.
//! A push being handled gets no reply, as when a Phoenix channel process
//! dies: the official client then treats it as the view's error (a pending
//! live patch, for one, reloads the page at its target). Other views and the
//! socket carry on. Malformed frames get an error reply when their ref and
//! topic can be read; otherwise (or when a frame exceeds
//! [`Config::max_frame_bytes`](super::Config)) the socket is closed with 1007
//! (1009 when too large).

use super::auth::{self, CSRF_COOKIE};
use super::frame::{self, Decoded, Status};
use super::live_session;
use super::token::TokenError;
use super::App;
use crate::runtime::AnyView;
use crate::small_map::SmallMap;
use crate::time::Time;
use crate::view::AsyncError;
use serde_json::Value;
use std::sync::Arc;

mod channel;
mod family;
mod guard;
mod held;
mod join;
mod outbox;
mod upload;

use channel::{Channel, InfoRefused, Retire};
use guard::Crashed;
use outbox::{Outbox, Ref};
pub use upload::{UploadIo, UploadStart, MAX_UPLOAD_CHANNELS};

/// The most channels (joined views) one socket may hold.
pub const MAX_CHANNELS: usize = 64;

/// How many client pushes may wait for a view's held reply
/// ([`Command::HoldReply`](crate::Command::HoldReply)); more get an error reply.
pub const MAX_WAITING: usize = 64;

/// How many infos between parent and child views ([`crate::nested`]) one
/// input delivers; the rest wait for the next `handle_timeout`, which
/// [`SocketMachine::poll_timeout`] then asks for at once.
pub const MAIL_BUDGET: usize = 256;

/// What the adapter learned when the WebSocket was opened.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnectInfo {
    /// The query string of the WebSocket URL (carries `_csrf_token` and `vsn`).
    pub query: String,
    /// The `Cookie` header, if any.
    pub cookie: Option<String>,
    /// The `Origin` header, if any.
    pub origin: Option<String>,
}

/// Something the adapter must do for a socket.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SocketOutput {
    /// Send this text frame.
    Send(String),
    /// Subscribe this socket to a pub/sub topic (the machine counts per-view subscriptions;
    /// it asks once per topic).
    Subscribe(String),
    /// Unsubscribe this socket from a pub/sub topic.
    Unsubscribe(String),
    /// Publish on a pub/sub topic.
    Broadcast {
        /// The topic.
        topic: String,
        /// The message.
        payload: Value,
    },
    /// Close the WebSocket with this code and reason; nothing follows.
    Close {
        /// The WebSocket close code.
        code: u16,
        /// The reason.
        reason: String,
    },
    /// A pub/sub message a view could not decode was dropped (the view goes
    /// on). For the adapter's log and for tests; nothing to send.
    Dropped {
        /// The pub/sub topic.
        topic: String,
        /// Why it did not decode.
        reason: String,
    },
    /// Run a view's task with the runner the app registered for its view
    /// type ([`Tasks`](crate::tasks::Tasks)), off the socket, and report its
    /// outcome with [`SocketMachine::handle_async`] under its id.
    StartTask(TaskStart),
    /// Abort the task with this id (superseded, cancelled, timed out, or its
    /// view ended): its outcome is no longer wanted.
    CancelTask {
        /// The id of its [`SocketOutput::StartTask`].
        id: u64,
    },
    /// Open a writer for an entry's upload ([`crate::upload`]), then report
    /// [`UploadIo::Opened`] with [`SocketMachine::handle_upload`].
    UploadOpen(Box<UploadStart>),
    /// Write this chunk of the upload `id`, then report [`UploadIo::Written`].
    UploadWrite {
        /// The upload's id ([`UploadStart::id`]).
        id: u64,
        /// The chunk (at most the upload's chunk size).
        bytes: Vec<u8>,
    },
    /// Close the upload's writer. `done`: every byte was written; report
    /// [`UploadIo::Closed`] with what the writer says about the file.
    /// Otherwise the upload was abandoned (cancelled, timed out, refused,
    /// its view ended): remove what was written; report nothing.
    UploadClose {
        /// The upload's id.
        id: u64,
        /// Complete rather than abandoned.
        done: bool,
    },
    /// A complete upload's file is no longer wanted (the entry was
    /// cancelled, or consumed and its view has ended): remove whatever is
    /// still where the writer put it.
    UploadDiscard {
        /// The upload's id.
        id: u64,
    },
}

/// A task to run ([`SocketOutput::StartTask`]).
#[derive(Clone, Debug, PartialEq)]
pub struct TaskStart {
    /// Its id on this socket (unique for the socket's life).
    pub id: u64,
    /// The topic of the view that started it.
    pub topic: String,
    /// The name the view started it under.
    pub key: String,
    /// The view's type name (for logs).
    pub view: &'static str,
    /// Identifies the view type to find its runner
    /// ([`Tasks::runner`](crate::tasks::Tasks::runner)).
    pub view_type: std::any::TypeId,
    /// What to do: the view's `Info` value, as JSON.
    pub task: Value,
}

/// What a socket holds right now, for metrics and leak tests
/// ([`SocketMachine::stats`]).
///
/// Every count is zero once the socket is closed (by
/// [`SocketMachine::close`] or a `Close` output): that is what an adapter's
/// leak check relies on.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct SocketStats {
    /// Joined views (channels).
    pub views: usize,
    /// Pending view timers (`SendAfter` not yet fired, `Repeat` not cancelled),
    /// summed over the views. The socket's own heartbeat deadline is **not**
    /// counted: it exists exactly as long as the socket is open.
    pub timers: usize,
    /// View subscriptions: (view, pub/sub topic) pairs, summed over the views.
    pub subscriptions: usize,
    /// Distinct pub/sub topics this socket is subscribed to (what it asked the
    /// adapter's pub/sub for with [`SocketOutput::Subscribe`]): its views'
    /// topics, and the `live_socket_id` topics of their sessions.
    pub topics: usize,
    /// Running tasks ([`SocketOutput::StartTask`] not yet answered or cancelled).
    pub tasks: usize,
    /// Open upload channels (entries being uploaded, or uploaded and not yet consumed).
    pub uploads: usize,
}

/// One WebSocket's channels and views. See the [module docs](self).
///
/// # Methods, in call order
///
/// * Start: [`new`](Self::new) when the WebSocket opens (checks `vsn` and
///   the socket's CSRF token).
/// * Inputs: [`handle_text`](Self::handle_text) and
///   [`handle_binary`](Self::handle_binary) (client frames),
///   [`handle_pubsub`](Self::handle_pubsub) (what the socket's mailbox
///   received), [`handle_async`](Self::handle_async) (a task's outcome),
///   [`handle_upload`](Self::handle_upload) (an upload writer's report), [`send_info`](Self::send_info) (an info for one view, from
///   the server or a test), [`handle_timeout`](Self::handle_timeout).
/// * Outputs, drained after every input: [`poll_output`](Self::poll_output)
///   until `None`, then [`poll_timeout`](Self::poll_timeout) for when to
///   call `handle_timeout`.
/// * End: [`close`](Self::close) when the WebSocket went away, or a
///   [`SocketOutput::Close`] the machine asked for.
/// * Inspection: [`stats`](Self::stats), [`topics`](Self::topics),
///   [`subscriptions`](Self::subscriptions), [`view`](Self::view).
///
/// Within one drain, outputs come in the order they must be carried out (see
/// the [run loop](self#run-loop)); views' own ordering rules (one render per
/// input, infos after the reply of the input that sent them) are
/// [`ViewDriver`](crate::runtime::ViewDriver)'s.
pub struct SocketMachine {
    app: Arc<App>,
    /// The outcome of the socket-level CSRF check.
    csrf: Result<(), TokenError>,
    csrf_cookie: Option<String>,
    last_seen: Time,
    channels: SmallMap<String, Channel>,
    outbox: Outbox,
    /// The topics that disconnect this socket (the `live_socket_id`s of its
    /// views' sessions).
    live_socket_ids: Vec<String>,
    closed: bool,
    /// Running tasks: socket task id → (topic, the task's id in its view).
    tasks: SmallMap<u64, (String, u64)>,
    next_task: u64,
    /// Infos between parent and child views, in the order sent.
    mail: std::collections::VecDeque<family::Mail>,
    /// `deliver_mail` is running.
    delivering: bool,
    /// Topics whose view ended by navigating away, most recent last (a few).
    navigated: Vec<String>,
    /// Children's patches for the page's view: (child topic, patch).
    patches: std::collections::VecDeque<(String, crate::runtime::Navigation)>,
    /// Upload channels, by topic (`lvu:<entry ref>`).
    upload_channels: SmallMap<String, upload::UploadChannel>,
    next_upload: u64,
    /// Consumed uploads whose files are discarded when their view ends: (view topic, id).
    consumed_uploads: Vec<(String, u64)>,
    /// Preflights whose reply waits for presign tasks: (topic, id in the
    /// view, join ref, ref).
    pending_preflights: Vec<(String, u64, Option<String>, Option<String>)>,
}

impl SocketMachine {
    /// A machine for a WebSocket opened at `now`. The query's `_csrf_token` is
    /// checked here (against the `_lv_csrf` cookie when present); if it fails,
    /// the socket stays open but every join is answered `unauthorized`, as the
    /// reference server does. A `vsn` other than `2.x` (or none) closes the
    /// socket with 1002 ([`frame::check_vsn`]).
    pub fn new(app: Arc<App>, now: Time, connect: ConnectInfo) -> SocketMachine {
        let csrf_cookie = connect
            .cookie
            .as_deref()
            .and_then(|c| auth::cookie_value(c, CSRF_COOKIE))
            .map(str::to_owned);
        let csrf = match auth::query_value(&connect.query, "_csrf_token") {
            Some(t) => auth::check_csrf(&app.config, now, &t, csrf_cookie.as_deref()),
            None => Err(TokenError::Invalid),
        };
        let mut m = SocketMachine {
            app,
            csrf,
            csrf_cookie,
            last_seen: now,
            channels: SmallMap::new(),
            outbox: Outbox::default(),
            live_socket_ids: Vec::new(),
            closed: false,
            tasks: SmallMap::new(),
            next_task: 0,
            mail: Default::default(),
            delivering: false,
            navigated: Vec::new(),
            patches: Default::default(),
            upload_channels: SmallMap::new(),
            next_upload: 0,
            consumed_uploads: Vec::new(),
            pending_preflights: Vec::new(),
        };
        if let Err(why) = frame::check_vsn(&connect.query) {
            m.shut(1002, why);
        }
        m
    }

    /// One text frame from the client.
    pub fn handle_text(&mut self, now: Time, text: &str) {
        if self.closed {
            return;
        }
        self.last_seen = now;
        match frame::decode_borrowed(text, self.app.config.max_frame_bytes) {
            // A view whose reply is held takes its pushes in order, after it.
            Ok(f) if !matches!(&*f.event, "phx_join" | "phx_leave") && self.holds(&f.topic) => {
                let Some(ch) = self.channels.get_mut(&*f.topic) else {
                    return;
                };
                let waiting = &mut ch.view_mut().waiting;
                if waiting.len() < MAX_WAITING {
                    waiting.push_back(text.to_owned());
                } else {
                    let r = Ref {
                        join_ref: f.join_ref.as_deref(),
                        reference: f.reference.as_deref(),
                        topic: &f.topic,
                    };
                    self.outbox.error(
                        &r,
                        &format!("the view is busy (a held reply) and {MAX_WAITING} pushes already wait for it"),
                    );
                }
            }
            Ok(f) => self.dispatch(now, f),
            Err(e) => match (&e.kind, &e.topic) {
                (frame::FrameErrorKind::TooLarge { .. }, _) => self.shut(1009, e.to_string()),
                (_, Some(topic)) if e.reference.is_some() => {
                    let r = Ref {
                        join_ref: e.join_ref.as_deref(),
                        reference: e.reference.as_deref(),
                        topic,
                    };
                    self.outbox.error(&r, &format!("malformed frame: {e}"));
                }
                _ => self.shut(1007, format!("malformed frame: {e}")),
            },
        }
    }

    /// One binary frame from the client: an upload chunk on an `lvu:`
    /// channel ([`crate::upload`]). A binary push on any other topic gets
    /// an error reply; a malformed frame closes the socket.
    pub fn handle_binary(&mut self, now: Time, bytes: &[u8]) {
        if self.closed {
            return;
        }
        self.last_seen = now;
        match frame::decode_binary(bytes, self.app.config.max_frame_bytes) {
            Ok(p) if p.topic.starts_with("lvu:") => self.upload_chunk(now, &p),
            Ok(p) => {
                let r = Ref {
                    join_ref: p.join_ref.as_deref(),
                    reference: p.reference.as_deref(),
                    topic: &p.topic,
                };
                self.outbox
                    .error(&r, "binary pushes go to upload channels (lvu:)");
            }
            Err(e) if matches!(e.kind, frame::FrameErrorKind::TooLarge { .. }) => {
                self.shut(1009, e.to_string())
            }
            Err(e) => self.shut(1007, format!("malformed binary frame: {e}")),
        }
    }

    /// A pub/sub message on `topic`: delivered to every view of this socket
    /// subscribed to it. A view that cannot decode it drops it and goes on
    /// ([`SocketOutput::Dropped`]). [`disconnect_payload`](live_session::disconnect_payload)
    /// on one of its views' `live_socket_id` topics closes the socket
    /// (1000, `disconnected`).
    pub fn handle_pubsub(&mut self, now: Time, topic: &str, payload: &Value) {
        if self.closed {
            return;
        }
        if self.live_socket_ids.iter().any(|t| t == topic)
            && *payload == live_session::disconnect_payload()
        {
            self.shut(1000, "disconnected".into());
            return;
        }
        let targets: Vec<String> = self
            .channels
            .iter()
            .filter(|(_, ch)| ch.view().subs.contains(topic))
            .map(|(t, _)| t.clone())
            .collect();
        for t in targets {
            let Some(ch) = self.channels.get_mut(&t) else {
                continue;
            };
            let result = ch
                .view_mut()
                .view
                .call(|v| v.handle_pubsub(now, topic, payload));
            if let Err(InfoRefused::Undecodable(reason)) = self.finish_info(now, &t, result) {
                self.outbox.out.push_back(SocketOutput::Dropped {
                    topic: topic.to_owned(),
                    reason,
                });
            }
        }
    }

    /// The outcome of the task `id` ([`SocketOutput::StartTask`]): the
    /// runner's result as JSON (decoded into the view's `Info` type), or
    /// why there is none (it failed, panicked). Handled like an info, by the
    /// view's `handle_async`. The outcome of a task that is no longer
    /// running (cancelled, superseded, timed out, its view gone) is ignored.
    pub fn handle_async(&mut self, now: Time, id: u64, result: Result<Value, AsyncError>) {
        if self.closed {
            return;
        }
        let Some((topic, in_view)) = self.tasks.remove(&id) else {
            return;
        };
        // A reply held for this task goes first: the handler is done; then
        // the outcome; then the client's pushes that waited for the reply.
        let waiting = self.send_held_reply(&topic, in_view);
        if let Some(ch) = self.channels.get_mut(&topic) {
            let result = ch
                .view_mut()
                .view
                .call(|v| v.handle_async(now, in_view, result));
            let _ = self.finish_info(now, &topic, result);
        }
        for text in waiting {
            self.handle_text(now, &text);
        }
    }

    /// An info for the view joined on `topic` alone, as JSON decoded into
    /// its `Info` type (how the server or a test talks to one view without a
    /// pub/sub topic). Handled like any info: after what is already queued,
    /// its render pushed as a diff. `Err` says why it was not delivered (no
    /// such view, or the info does not decode); the view goes on either way.
    pub fn send_info(&mut self, now: Time, topic: &str, info: &Value) -> Result<(), String> {
        if self.closed {
            return Err("the socket is closed".into());
        }
        let Some(ch) = self.channels.get_mut(topic) else {
            return Err(format!("no view is joined on {}", frame::json_str(topic)));
        };
        let result = ch.view_mut().view.call(|v| v.handle_info_value(now, info));
        self.finish_info(now, topic, result)
            .map_err(|refused| refused.to_string())
    }

    /// A `send_update` to a component of the view on `topic`, from the
    /// server side (a test, another part of the app): queued like an info
    /// ([`ViewDriver::send_update`](crate::runtime::ViewDriver::send_update)).
    /// `Err` says why it was refused (no such component, or view).
    pub fn send_update(
        &mut self,
        now: Time,
        topic: &str,
        to: crate::view::ComponentRef,
        update: Value,
    ) -> Result<(), String> {
        if self.closed {
            return Err("the socket is closed".into());
        }
        let Some(ch) = self.channels.get_mut(topic) else {
            return Err(format!("no view is joined on {}", frame::json_str(topic)));
        };
        let result = ch.view_mut().view.call(|v| v.send_update(now, to, update));
        self.finish_info(now, topic, result)
            .map_err(|refused| refused.to_string())
    }

    /// When [`SocketMachine::handle_timeout`] must next be called: the
    /// heartbeat deadline or the earliest view timer. `None` once closed.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Time> {
        if self.closed {
            return None;
        }
        if !self.mail.is_empty() || !self.patches.is_empty() {
            return Some(self.last_seen);
        }
        let mut next = self.last_seen + self.app.config.heartbeat_timeout;
        if let Some(t) = self.upload_deadline() {
            next = next.min(t);
        }
        for ch in self.channels.values() {
            if let Ok(Some(t)) = ch.view().view.peek(|v| v.poll_timeout()) {
                next = next.min(t);
            }
        }
        Some(next)
    }

    /// Runs what is due at `now`: closes the socket (code 1001, "heartbeat
    /// timeout") when the client has been silent for `heartbeat_timeout`,
    /// otherwise fires the due view timers.
    pub fn handle_timeout(&mut self, now: Time) {
        if self.closed {
            return;
        }
        if now >= self.last_seen + self.app.config.heartbeat_timeout {
            self.shut(1001, "heartbeat timeout".into());
            return;
        }
        let due: Vec<String> = self
            .channels
            .iter()
            .filter(|(_, ch)| {
                matches!(ch.view().view.peek(|v| v.poll_timeout()), Ok(Some(t)) if t <= now)
            })
            .map(|(t, _)| t.clone())
            .collect();
        for t in due {
            let Some(ch) = self.channels.get_mut(&t) else {
                continue;
            };
            match ch.view_mut().view.call(|v| v.handle_timeout(now)) {
                Err(Crashed) => self.retire(now, &t, Retire::Crash),
                Ok(()) => self.drain(now, &t),
            }
        }
        self.upload_timeouts(now);
        self.deliver_mail(now);
    }

    /// The next output, if any. Drain after every input.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<SocketOutput> {
        let next = self.outbox.out.pop_front();
        if next.is_none() && self.outbox.out.capacity() > 0 {
            // Drained: an idle socket keeps no queue storage.
            self.outbox.out = Default::default();
        }
        next
    }

    /// The socket went away: every view is stopped and `Unsubscribe` is
    /// emitted for every subscribed topic. No frame is produced.
    pub fn close(&mut self, now: Time) {
        if self.closed {
            return;
        }
        self.stop_all(now);
        self.closed = true;
    }

    /// Whether the socket is closed (by [`SocketMachine::close`] or a `Close` output).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The joined topics (`lv:<id>`), in order.
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        self.channels.keys().map(String::as_str)
    }

    /// The pub/sub topics this socket is subscribed to, with the number of
    /// views subscribed to each.
    pub fn subscriptions(&self) -> impl Iterator<Item = (&str, usize)> {
        self.outbox
            .subscriptions
            .iter()
            .map(|(t, n)| (t.as_str(), *n))
    }

    /// Counts of the live views, their pending timers and their
    /// subscriptions (see [`SocketStats`]); all zero once closed. Cheap: no
    /// allocation, one pass over the channels.
    ///
    /// An adapter can keep process-wide gauges by adding the difference
    /// between two calls after each drain, and subtracting the last stats when
    /// the socket ends.
    ///
    /// ```
    /// # use liveview_core::protocol::{App, Config, ConnectInfo, Router, SocketMachine, SocketStats};
    /// # use liveview_core::Time;
    /// # use std::sync::Arc;
    /// let app = Arc::new(App::new(Router::new(), Config::new(vec![7; 32]).unwrap()));
    /// let m = SocketMachine::new(app, Time::from_millis(0), ConnectInfo::default());
    /// assert_eq!(m.stats(), SocketStats::default());
    /// ```
    pub fn stats(&self) -> SocketStats {
        let mut s = SocketStats {
            views: self.channels.len(),
            topics: self.outbox.subscriptions.len(),
            tasks: self.tasks.len(),
            uploads: self.upload_channels.len(),
            ..SocketStats::default()
        };
        for ch in self.channels.values() {
            let v = ch.view();
            // A view whose bookkeeping panics counts as holding no timer.
            s.timers += v.view.peek(|v| v.timer_count()).unwrap_or(0);
            s.subscriptions += v.subs.len();
        }
        s
    }

    /// The view joined on `topic`, for metrics and typed access in tests
    /// ([`AnyView::as_any`]).
    pub fn view(&self, topic: &str) -> Option<&dyn AnyView> {
        self.channels.get(topic).map(|ch| ch.view().view.get())
    }

    // ---- internals ----

    fn stop_all(&mut self, now: Time) {
        let topics: Vec<String> = self.channels.keys().cloned().collect();
        for t in topics {
            self.retire(now, &t, Retire::Silent);
        }
        for t in std::mem::take(&mut self.live_socket_ids) {
            self.outbox.release(&t);
        }
    }

    fn shut(&mut self, code: u16, reason: String) {
        self.stop_all(self.last_seen);
        self.outbox
            .out
            .push_back(SocketOutput::Close { code, reason });
        self.closed = true;
    }

    /// Subscribes the socket to a session's `live_socket_id` topic (once).
    fn watch_live_socket_id(&mut self, topic: String) {
        if !self.live_socket_ids.contains(&topic) {
            self.outbox.acquire(topic.clone());
            self.live_socket_ids.push(topic);
        }
    }

    fn dispatch(&mut self, now: Time, f: Decoded<'_>) {
        let Decoded {
            join_ref,
            reference,
            topic,
            event,
            payload,
        } = f;
        let r = Ref {
            join_ref: join_ref.as_deref(),
            reference: reference.as_deref(),
            topic: &topic,
        };
        if topic == "phoenix" {
            if event == "heartbeat" {
                self.outbox.reply(&r, Status::Ok, "{}");
            } else {
                self.outbox.error(&r, "unmatched topic");
            }
            return;
        }
        if topic.starts_with("lvu:") {
            match &*event {
                "phx_join" => self.upload_join(now, &r, &payload.into_object()),
                "phx_leave" => self.upload_leave(now, &r),
                _ if !self.upload_channels.contains_key(&*topic) => {
                    self.outbox.error(&r, "unmatched topic")
                }
                _ => self
                    .outbox
                    .error(&r, "an upload channel takes binary \"chunk\" pushes"),
            }
            return;
        }
        match &*event {
            "phx_join" => self.join(now, &r, &payload.into_object()),
            "phx_leave" => {
                self.outbox.reply(&r, Status::Ok, "{}");
                if self
                    .channels
                    .get(r.topic)
                    .is_some_and(|ch| ch.join_ref.as_deref() == r.join_ref)
                {
                    self.retire(now, r.topic, Retire::Close);
                }
            }
            event => match self.channels.get(r.topic) {
                None => self.outbox.error(&r, "unmatched topic"),
                // A push for an earlier join of this topic: ignored, as Phoenix does.
                Some(ch) if ch.join_ref.as_deref() != r.join_ref => {}
                Some(_) => self.channel_event(now, &r, event, payload),
            },
        }
    }
}

#[cfg(test)]
mod tests;
