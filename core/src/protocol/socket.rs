//! The per-socket channel machine.
//!
//! One [`SocketMachine`] serves one WebSocket: it decodes frames, runs the
//! Phoenix channel lifecycle (`phx_join`/`phx_leave`/heartbeat), drives the
//! joined views through [`AnyView`] and turns everything they produce into
//! frames and pub/sub requests. It is sans-IO: every input carries `now`, and
//! every effect is an output the adapter polls.
//!
//! ```text
//! SocketMachine::new(app: Arc<App>, now: Time, connect: ConnectInfo) -> SocketMachine
//! handle_text(&mut self, now, &str)         // one text frame
//! handle_binary(&mut self, now, &[u8])      // one binary frame (upload chunks)
//! handle_pubsub(&mut self, now, topic: &str, payload: &Value)
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
//! let app = Arc::new(App::new(Router::new().live::<Hello>("/"), Config::new(vec![7; 32])));
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
//! the URL the page was rendered at (nested/sticky joins carry neither). The
//! whole app is one live session: a valid session token may mount any route
//! (as loading that page would); an unroutable URL is refused as `stale`, so
//! the client reloads and gets the 404 page.
//!
//! # Pub/sub
//!
//! `Subscribe`/`Unsubscribe` are counted per socket (asked once per topic,
//! however many views subscribe). `Broadcast` is for the adapter's pub/sub,
//! which must deliver it to every subscribed socket — this one included —
//! through [`SocketMachine::handle_pubsub`].
//!
//! # Failures
//!
//! A view that panics (in any call) is dropped — its subscriptions are
//! released — and the client gets `phx_error` (`channel_crash`) on its topic,
//! after an error reply if a push was being handled. Other views and the
//! socket carry on. Malformed frames get an error reply when their ref and
//! topic can be read; otherwise (or when a frame exceeds
//! [`Config::max_frame_bytes`](super::Config)) the socket is closed with 1007
//! (1009 when too large).

use super::auth::{self, CSRF_COOKIE};
use super::frame::{self, Decoded, Payload, Status};
use super::token::TokenError;
use super::App;
use crate::event::{ClientEvent, EventValue};
use crate::runtime::{AnyView, InputError, JoinInput, Joined, Navigation, Output, Reply};
use crate::small_map::{SmallMap, SmallSet};
use crate::time::Time;
use crate::view::{Flash, Url};
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// The most channels (joined views) one socket may hold.
pub const MAX_CHANNELS: usize = 64;

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
    /// adapter's pub/sub for with [`SocketOutput::Subscribe`]; at most
    /// `subscriptions`).
    pub topics: usize,
}

/// One joined `lv:<id>` topic.
struct Channel {
    join_ref: Option<String>,
    /// The view type mounted (a live patch must route to the same one).
    view_name: &'static str,
    view: Box<dyn AnyView>,
    /// The pub/sub topics this view is subscribed to.
    subs: SmallSet<String>,
}

/// How a channel ends.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Retire {
    /// Graceful: `phx_close`.
    Close,
    /// Crash: `phx_error` `channel_crash`.
    Crash,
    /// No frame (the socket is going away).
    Silent,
}

/// What a view's outputs did to its channel.
enum Fate {
    Alive,
    Ended,
    Crashed,
}

/// The outbound side: frames and pub/sub requests, and the per-topic
/// subscription counts.
#[derive(Default)]
struct Outbox {
    out: VecDeque<SocketOutput>,
    subscriptions: SmallMap<String, usize>,
}

impl Outbox {
    fn send(&mut self, text: String) {
        self.out.push_back(SocketOutput::Send(text));
    }

    fn reply(&mut self, f: &Ref<'_>, status: Status, response: &str) {
        self.send(frame::encode_reply(
            f.join_ref,
            f.reference,
            f.topic,
            status,
            response,
        ));
    }

    /// The reply to an event or a live patch: `{"diff": …}`, or `{}` without a diff.
    fn reply_diff(&mut self, f: &Ref<'_>, diff: Option<&str>) {
        self.send(match diff {
            Some(d) => frame::encode_ok_reply_parts(
                f.join_ref,
                f.reference,
                f.topic,
                &["{\"diff\":", d, "}"],
            ),
            None => frame::encode_reply(f.join_ref, f.reference, f.topic, Status::Ok, "{}"),
        });
    }

    fn error(&mut self, f: &Ref<'_>, reason: &str) {
        self.send(frame::encode_error_reply(
            f.join_ref,
            f.reference,
            f.topic,
            reason,
        ));
    }

    fn subscribe(&mut self, ch: &mut Channel, topic: String) {
        if ch.subs.insert(topic.clone()) {
            let n = self.subscriptions.get_or_insert_with(topic.clone(), || 0);
            *n += 1;
            if *n == 1 {
                self.out.push_back(SocketOutput::Subscribe(topic));
            }
        }
    }

    fn unsubscribe(&mut self, ch: &mut Channel, topic: &str) {
        if ch.subs.remove(topic) {
            self.release(topic);
        }
    }

    fn release(&mut self, topic: &str) {
        if let Some(n) = self.subscriptions.get_mut(topic) {
            *n -= 1;
            if *n == 0 {
                self.subscriptions.remove(topic);
                self.out
                    .push_back(SocketOutput::Unsubscribe(topic.to_owned()));
            }
        }
    }
}

/// The address of a push, for its reply.
#[derive(Clone, Copy)]
struct Ref<'a> {
    join_ref: Option<&'a str>,
    reference: Option<&'a str>,
    topic: &'a str,
}

fn kind(replace: bool) -> &'static str {
    if replace {
        "replace"
    } else {
        "push"
    }
}

/// `{"to":…,"kind":…}` (+ `"flash"` when `flash` is given).
fn nav_object(to: &str, kind: Option<&str>, flash: Option<&str>) -> String {
    let mut s = String::with_capacity(to.len() + 64);
    s.push_str("{\"to\":");
    frame::write_json_str(&mut s, to);
    if let Some(k) = kind {
        s.push_str(",\"kind\":");
        frame::write_json_str(&mut s, k);
    }
    if let Some(f) = flash {
        s.push_str(",\"flash\":");
        frame::write_json_str(&mut s, f);
    }
    s.push('}');
    s
}

/// A navigation as the event name and object the client expects
/// (`live_patch`, `live_redirect`, `redirect`).
fn nav_payload(app: &App, now: Time, nav: &Navigation) -> (&'static str, String) {
    let flash_token = |f: &Flash| (!f.is_empty()).then(|| auth::sign_flash(&app.config, now, f));
    match nav {
        Navigation::Patch { to, replace } => {
            ("live_patch", nav_object(to, Some(kind(*replace)), None))
        }
        Navigation::Navigate { to, replace, flash } => (
            "live_redirect",
            nav_object(to, Some(kind(*replace)), flash_token(flash).as_deref()),
        ),
        Navigation::Redirect { to, flash } => (
            "redirect",
            nav_object(to, None, flash_token(flash).as_deref()),
        ),
    }
}

/// Decodes an `event` payload (PROTOCOL §5.1) into a [`ClientEvent`].
pub fn decode_client_event(payload: &Map<String, Value>) -> Result<ClientEvent, String> {
    let kind = match payload.get("type") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("event payload needs a string \"type\"".into()),
    };
    let name = match payload.get("event") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("event payload needs a string \"event\"".into()),
    };
    client_event(
        kind,
        name,
        payload.get("value").cloned(),
        payload.get("meta").cloned(),
        payload.get("cid"),
    )
}

/// The [`ClientEvent`] of an `event` push's payload, moved out of its parts
/// (same result as [`decode_client_event`] on the payload object).
fn event_of(payload: Payload) -> Result<ClientEvent, String> {
    match payload {
        Payload::Event(p) => client_event(
            p.kind,
            p.event,
            p.value,
            p.meta.map(Value::Object),
            p.cid.as_ref(),
        ),
        Payload::Object(m) => decode_client_event(&m),
    }
}

/// A [`ClientEvent`] from the parts of an `event` payload (`None` = absent),
/// checked as [`decode_client_event`] documents.
fn client_event(
    kind: String,
    name: String,
    value: Option<Value>,
    meta: Option<Value>,
    cid: Option<&Value>,
) -> Result<ClientEvent, String> {
    let value = if kind == "form" {
        match value {
            Some(Value::String(s)) => EventValue::Form(s),
            None | Some(Value::Null) => EventValue::Form(String::new()),
            Some(_) => return Err("the value of a form event must be a urlencoded string".into()),
        }
    } else {
        EventValue::Json(value.unwrap_or_else(|| Value::Object(Map::new())))
    };
    let meta = match meta {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err("event \"meta\" must be an object".into()),
    };
    // The client drops non-numeric cids; accept integers (and integer strings).
    let cid = match cid {
        Some(Value::Number(n)) => Some(
            n.as_u64()
                .ok_or("event \"cid\" must be a non-negative integer")?,
        ),
        Some(Value::String(s)) => Some(s.parse().map_err(|_| "event \"cid\" must be an integer")?),
        _ => None,
    };
    Ok(ClientEvent {
        kind,
        name,
        value,
        meta,
        cid,
    })
}

/// One WebSocket's channels and views. See the [module docs](self).
pub struct SocketMachine {
    app: Arc<App>,
    /// The outcome of the socket-level CSRF check.
    csrf: Result<(), TokenError>,
    csrf_cookie: Option<String>,
    last_seen: Time,
    channels: SmallMap<String, Channel>,
    outbox: Outbox,
    closed: bool,
}

impl SocketMachine {
    /// A machine for a WebSocket opened at `now`. The query's `_csrf_token` is
    /// checked here (against the `_lv_csrf` cookie when present); if it fails,
    /// the socket stays open but every join is answered `unauthorized`, as the
    /// reference server does. A `vsn` other than `2.x` closes the socket.
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
            closed: false,
        };
        if let Some(vsn) = auth::query_value(&connect.query, "vsn") {
            if !vsn.starts_with("2.") {
                m.shut(
                    1002,
                    format!("unsupported serializer vsn {vsn:?}; this server speaks 2.0.0"),
                );
            }
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

    /// One binary frame from the client. Uploads are not supported yet: a
    /// well-formed push gets an error reply; a malformed one closes the socket.
    pub fn handle_binary(&mut self, now: Time, bytes: &[u8]) {
        if self.closed {
            return;
        }
        self.last_seen = now;
        match frame::decode_binary(bytes, self.app.config.max_frame_bytes) {
            Ok(p) => {
                let r = Ref {
                    join_ref: p.join_ref.as_deref(),
                    reference: p.reference.as_deref(),
                    topic: &p.topic,
                };
                self.outbox
                    .error(&r, "binary frames (uploads) are not supported");
            }
            Err(e) if matches!(e.kind, frame::FrameErrorKind::TooLarge { .. }) => {
                self.shut(1009, e.to_string())
            }
            Err(e) => self.shut(1007, format!("malformed binary frame: {e}")),
        }
    }

    /// A pub/sub message on `topic`: delivered to every view of this socket
    /// subscribed to it.
    pub fn handle_pubsub(&mut self, now: Time, topic: &str, payload: &Value) {
        if self.closed {
            return;
        }
        let targets: Vec<String> = self
            .channels
            .iter()
            .filter(|(_, ch)| ch.subs.contains(topic))
            .map(|(t, _)| t.clone())
            .collect();
        for t in targets {
            let Some(ch) = self.channels.get_mut(&t) else {
                continue;
            };
            let r = catch_unwind(AssertUnwindSafe(|| {
                ch.view.handle_pubsub(now, topic, payload)
            }));
            match r {
                Err(_) => self.retire(now, &t, Retire::Crash),
                Ok(Err(InputError::Ended)) => self.retire(now, &t, Retire::Close),
                // A message the view cannot decode is dropped; the view carries on.
                Ok(Err(InputError::Decode(_))) | Ok(Ok(())) => self.drain(now, &t),
            }
        }
    }

    /// When [`SocketMachine::handle_timeout`] must next be called: the
    /// heartbeat deadline or the earliest view timer. `None` once closed.
    pub fn poll_timeout(&self) -> Option<Time> {
        if self.closed {
            return None;
        }
        let mut next = self.last_seen + self.app.config.heartbeat_timeout;
        for ch in self.channels.values() {
            if let Ok(Some(t)) = catch_unwind(AssertUnwindSafe(|| ch.view.poll_timeout())) {
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
                matches!(catch_unwind(AssertUnwindSafe(|| ch.view.poll_timeout())), Ok(Some(t)) if t <= now)
            })
            .map(|(t, _)| t.clone())
            .collect();
        for t in due {
            let Some(ch) = self.channels.get_mut(&t) else {
                continue;
            };
            match catch_unwind(AssertUnwindSafe(|| ch.view.handle_timeout(now))) {
                Err(_) => self.retire(now, &t, Retire::Crash),
                Ok(()) => self.drain(now, &t),
            }
        }
    }

    /// The next output, if any. Drain after every input.
    pub fn poll_output(&mut self) -> Option<SocketOutput> {
        let next = self.outbox.out.pop_front();
        if next.is_none() && self.outbox.out.capacity() > 0 {
            // Drained: an idle socket keeps no queue storage.
            self.outbox.out = VecDeque::new();
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
    /// let app = Arc::new(App::new(Router::new(), Config::new(vec![7; 32])));
    /// let m = SocketMachine::new(app, Time::from_millis(0), ConnectInfo::default());
    /// assert_eq!(m.stats(), SocketStats::default());
    /// ```
    pub fn stats(&self) -> SocketStats {
        let mut s = SocketStats {
            views: self.channels.len(),
            topics: self.outbox.subscriptions.len(),
            ..SocketStats::default()
        };
        for ch in self.channels.values() {
            // A view whose bookkeeping panics counts as holding no timer.
            s.timers += catch_unwind(AssertUnwindSafe(|| ch.view.timer_count())).unwrap_or(0);
            s.subscriptions += ch.subs.len();
        }
        s
    }

    /// The view joined on `topic` (for metrics and tests).
    pub fn view(&self, topic: &str) -> Option<&dyn AnyView> {
        self.channels.get(topic).map(|ch| &*ch.view)
    }

    // ---- internals ----

    fn stop_all(&mut self, now: Time) {
        let topics: Vec<String> = self.channels.keys().cloned().collect();
        for t in topics {
            self.retire(now, &t, Retire::Silent);
        }
    }

    fn shut(&mut self, code: u16, reason: String) {
        self.stop_all(self.last_seen);
        self.outbox
            .out
            .push_back(SocketOutput::Close { code, reason });
        self.closed = true;
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

    fn join(&mut self, now: Time, r: &Ref<'_>, p: &Map<String, Value>) {
        let r = *r;
        let Some(id) = r.topic.strip_prefix("lv:").filter(|id| !id.is_empty()) else {
            self.outbox.error(&r, "unmatched topic");
            return;
        };
        // A duplicate join closes the channel already on this topic (live navigation re-joins).
        if self.channels.contains_key(r.topic) {
            self.retire(now, r.topic, Retire::Close);
        }
        if self.channels.len() >= MAX_CHANNELS {
            self.outbox.error(
                &r,
                &format!("too many channels on one socket (at most {MAX_CHANNELS})"),
            );
            return;
        }
        let config = &self.app.config;
        // CSRF: the socket's token and the join's token.
        let join_csrf = match p.get("params").and_then(|v| v.get("_csrf_token")) {
            Some(Value::String(t)) => auth::check_csrf(config, now, t, self.csrf_cookie.as_deref()),
            _ => Err(TokenError::Invalid),
        };
        if self.csrf.is_err() || join_csrf.is_err() {
            self.outbox.error(&r, "unauthorized");
            return;
        }
        // Session: authentic, fresh, for this container.
        let data = match p.get("session") {
            Some(Value::String(t)) => auth::verify_session(config, now, t).ok(),
            _ => None,
        };
        let Some(data) = data.filter(|d| d.id == id) else {
            self.outbox.error(&r, "stale");
            return;
        };
        // The URL: `redirect` (live navigation), `url`, else where the page was rendered.
        let url_str = match (p.get("redirect"), p.get("url")) {
            (Some(Value::String(u)), _) | (_, Some(Value::String(u))) => u.as_str(),
            _ => data.url.as_str(),
        };
        let Ok(url) = Url::parse(url_str) else {
            self.outbox.error(&r, "stale");
            return;
        };
        let Some((route, path_params)) = self.app.router.route(url.path()) else {
            self.outbox.error(&r, "stale");
            return;
        };
        let view_name = route.view_name();
        let flash = match p.get("flash") {
            Some(Value::String(t)) => auth::verify_flash(config, now, t).unwrap_or_default(),
            _ => data.flash,
        };
        let input = JoinInput {
            connected: true,
            url,
            path_params,
            pattern: None,
            session: data.session,
            flash,
        };
        let app = Arc::clone(&self.app);
        let joined = catch_unwind(AssertUnwindSafe(|| {
            crate::trace::join_recorded(
                app.config.trace.as_deref(),
                route.pattern(),
                now,
                input,
                |now, input| route.join(now, input),
            )
        }));
        match joined {
            Err(_) => self.outbox.error(&r, "join crashed"),
            Ok(Err(nav)) => {
                let (event, obj) = nav_payload(&app, now, &nav);
                let key = if event == "live_patch" {
                    "live_redirect"
                } else {
                    event
                };
                self.outbox
                    .reply(&r, Status::Error, &format!("{{\"{key}\":{obj}}}"));
            }
            Ok(Ok((
                mut view,
                Joined {
                    rendered,
                    live_patch,
                },
            ))) => {
                let mut response = String::with_capacity(rendered.len() + 96);
                response.push_str("{\"rendered\":");
                response.push_str(&rendered);
                response.push_str(",\"liveview_version\":");
                frame::write_json_str(&mut response, crate::CLIENT_VERSION);
                match &live_patch {
                    None => {}
                    Some(nav @ Navigation::Patch { .. }) => {
                        response.push_str(",\"live_patch\":");
                        response.push_str(&nav_payload(&app, now, nav).1);
                    }
                    Some(nav) => {
                        // Not a patch: the view navigated away while mounting.
                        let _ = catch_unwind(AssertUnwindSafe(|| view.stop()));
                        let (event, obj) = nav_payload(&app, now, nav);
                        self.outbox
                            .reply(&r, Status::Error, &format!("{{\"{event}\":{obj}}}"));
                        return;
                    }
                }
                response.push('}');
                self.outbox.reply(&r, Status::Ok, &response);
                let ch = Channel {
                    join_ref: r.join_ref.map(str::to_owned),
                    view_name,
                    view,
                    subs: SmallSet::new(),
                };
                self.channels.insert(r.topic.to_owned(), ch);
                self.drain(now, r.topic);
            }
        }
    }

    fn channel_event(&mut self, now: Time, r: &Ref<'_>, event: &str, payload: Payload) {
        let r = *r;
        let Some(ch) = self.channels.get_mut(r.topic) else {
            return;
        };
        let result = match event {
            "event" => match event_of(payload) {
                Ok(ev) => catch_unwind(AssertUnwindSafe(|| ch.view.handle_event(now, ev))),
                Err(reason) => {
                    self.outbox.error(&r, &reason);
                    return;
                }
            },
            "live_patch" => {
                let url = match payload.into_object().get("url") {
                    Some(Value::String(u)) => Url::parse(u),
                    _ => {
                        self.outbox.error(&r, "live_patch needs a string \"url\"");
                        return;
                    }
                };
                let Ok(url) = url else {
                    self.outbox
                        .error(&r, "live_patch \"url\" is not a valid URL");
                    return;
                };
                // A URL of another view type: the client live-navigates instead.
                if self
                    .app
                    .router
                    .route(url.path())
                    .map(|(route, _)| route.view_name())
                    != Some(ch.view_name)
                {
                    self.outbox
                        .reply(&r, Status::Ok, "{\"link_redirect\":true}");
                    return;
                }
                catch_unwind(AssertUnwindSafe(|| ch.view.handle_params(now, url)))
            }
            "cids_will_destroy" => {
                self.outbox.reply(&r, Status::Ok, "{}");
                return;
            }
            "cids_destroyed" => {
                match payload.into_object().get("cids").and_then(Value::as_array) {
                    Some(cids) if cids.iter().all(|c| c.as_u64().is_some()) => {
                        let list: Vec<String> = cids.iter().map(|c| c.to_string()).collect();
                        self.outbox.reply(
                            &r,
                            Status::Ok,
                            &format!("{{\"cids\":[{}]}}", list.join(",")),
                        );
                    }
                    _ => self
                        .outbox
                        .error(&r, "cids_destroyed needs \"cids\": an array of integers"),
                }
                return;
            }
            "allow_upload" | "progress" => {
                self.outbox.error(&r, "uploads are not supported");
                return;
            }
            other => {
                self.outbox
                    .error(&r, &format!("unknown event {}", frame::json_str(other)));
                return;
            }
        };
        self.finish_push(now, &r, result);
    }

    /// Answers a push from the view's result, then drains the view.
    fn finish_push(
        &mut self,
        now: Time,
        r: &Ref<'_>,
        result: std::thread::Result<Result<Reply, InputError>>,
    ) {
        let topic = r.topic;
        let reply = match result {
            Err(_) => {
                self.outbox.error(r, "channel_crash");
                self.retire(now, topic, Retire::Crash);
                return;
            }
            Ok(Err(InputError::Ended)) => {
                self.outbox.error(r, &InputError::Ended.to_string());
                self.retire(now, topic, Retire::Close);
                return;
            }
            Ok(Err(e @ InputError::Decode(_))) => {
                self.outbox.error(r, &e.to_string());
                self.drain(now, topic);
                return;
            }
            Ok(Ok(reply)) => reply,
        };
        let jr = r.join_ref;
        match &reply.navigation {
            None => {
                self.outbox.reply_diff(r, reply.diff.as_deref());
                self.drain(now, topic);
            }
            Some(nav @ Navigation::Patch { .. }) => {
                let (event, obj) = nav_payload(&self.app, now, nav);
                self.outbox
                    .send(frame::encode_push(jr, None, topic, event, &obj));
                self.outbox.reply_diff(r, reply.diff.as_deref());
                self.drain(now, topic);
            }
            Some(nav) => {
                // Events of the last render still reach the client before it leaves.
                if let Some(d) = &reply.diff {
                    self.outbox
                        .send(frame::encode_push(jr, None, topic, "diff", d));
                }
                let (event, obj) = nav_payload(&self.app, now, nav);
                self.outbox
                    .reply(r, Status::Ok, &format!("{{\"{event}\":{obj}}}"));
                self.retire(now, topic, Retire::Close);
            }
        }
    }

    /// Turns the outputs of the view on `topic` into frames and pub/sub requests.
    fn drain(&mut self, now: Time, topic: &str) {
        let Some(ch) = self.channels.get_mut(topic) else {
            return;
        };
        let fate = loop {
            let out = match catch_unwind(AssertUnwindSafe(|| ch.view.poll_output())) {
                Err(_) => break Fate::Crashed,
                Ok(None) => break Fate::Alive,
                Ok(Some(out)) => out,
            };
            let jr = ch.join_ref.as_deref();
            match out {
                Output::Push(diff) => self
                    .outbox
                    .send(frame::encode_push(jr, None, topic, "diff", &diff)),
                Output::Navigate(nav) => {
                    let (event, obj) = nav_payload(&self.app, now, &nav);
                    self.outbox
                        .send(frame::encode_push(jr, None, topic, event, &obj));
                    if !matches!(nav, Navigation::Patch { .. }) {
                        break Fate::Ended;
                    }
                }
                Output::Subscribe(t) => self.outbox.subscribe(ch, t),
                Output::Unsubscribe(t) => self.outbox.unsubscribe(ch, &t),
                Output::Broadcast { topic, payload } => self
                    .outbox
                    .out
                    .push_back(SocketOutput::Broadcast { topic, payload }),
            }
        };
        match fate {
            Fate::Alive => {}
            Fate::Ended => self.retire(now, topic, Retire::Close),
            Fate::Crashed => self.retire(now, topic, Retire::Crash),
        }
    }

    /// Removes the channel on `topic`: stops its view, releases its
    /// subscriptions and tells the client (`phx_close` / `phx_error`).
    fn retire(&mut self, _now: Time, topic: &str, how: Retire) {
        let Some(mut ch) = self.channels.remove(topic) else {
            return;
        };
        let stopped = catch_unwind(AssertUnwindSafe(|| ch.view.stop())).is_ok();
        if stopped {
            // Last outputs: keep the pub/sub bookkeeping (and broadcasts of a
            // view that ended normally); frames for the client are dropped.
            loop {
                match catch_unwind(AssertUnwindSafe(|| ch.view.poll_output())) {
                    Ok(Some(Output::Unsubscribe(t))) => self.outbox.unsubscribe(&mut ch, &t),
                    Ok(Some(Output::Broadcast { topic, payload })) if how != Retire::Crash => self
                        .outbox
                        .out
                        .push_back(SocketOutput::Broadcast { topic, payload }),
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
        }
        for t in std::mem::take(&mut ch.subs) {
            self.outbox.release(&t);
        }
        let jr = ch.join_ref.as_deref();
        match how {
            Retire::Close => self
                .outbox
                .send(frame::encode_push(jr, jr, topic, "phx_close", "{}")),
            Retire::Crash => self.outbox.send(frame::encode_push(
                jr,
                jr,
                topic,
                "phx_error",
                r#"{"reason":"channel_crash"}"#,
            )),
            Retire::Silent => {}
        }
        // Dropping a view's state could panic too (a user `Drop`); contain it.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(ch)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::auth::SessionData;
    use super::super::testing::{
        attr, connect, drain, fake_app, frames, join_outputs, join_payload, load_page, send, Page,
        T0,
    };
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;
    use std::time::Duration;

    fn page(app: &App, url: &str, e: u8) -> Page {
        load_page(app, url, e, None).0
    }

    fn join(m: &mut SocketMachine, p: &Page, jr: &str, url: &str) -> Vec<Value> {
        frames(&join_outputs(m, p, jr, url))
    }

    fn event(
        m: &mut SocketMachine,
        p: &Page,
        jr: &str,
        rf: &str,
        name: &str,
        value: Value,
    ) -> Vec<Value> {
        frames(&send(
            m,
            T0,
            json!([jr, rf, p.topic, "event", {"type": "click", "event": name, "value": value}]),
        ))
    }

    fn ok(jr: &str, rf: &str, topic: &str, response: Value) -> Value {
        json!([jr, rf, topic, "phx_reply", {"status": "ok", "response": response}])
    }

    fn err(jr: Option<&str>, rf: &str, topic: &str, reason: &str) -> Value {
        json!([jr, rf, topic, "phx_reply", {"status": "error", "response": {"reason": reason}}])
    }

    fn setup(url: &str) -> (Arc<App>, Page, SocketMachine) {
        let app = Arc::new(fake_app());
        let p = page(&app, url, 1);
        let m = connect(&app, &p);
        (app, p, m)
    }

    /// Joins `/ticker` (a timer), two `/chat` views (one topic) and
    /// `/counter` on one socket.
    fn busy_socket() -> (Arc<App>, Vec<Page>, SocketMachine) {
        let app = Arc::new(fake_app());
        let (first, _) = load_page(&app, "/ticker", 1, None);
        let mut m = connect(&app, &first);
        join(&mut m, &first, "1", "/ticker");
        let mut pages = vec![first];
        for (i, url) in [(2, "/chat"), (3, "/chat"), (4, "/counter")] {
            let (p, _) = load_page(&app, url, i, Some(&pages[0].cookie));
            let out = join(&mut m, &p, &i.to_string(), url);
            assert_eq!(out[0][4]["status"], "ok", "{out:?}");
            pages.push(p);
        }
        (app, pages, m)
    }

    #[test]
    fn stats_count_views_timers_and_subscriptions() {
        let (_, pages, mut m) = busy_socket();
        let live = SocketStats {
            views: 4,
            timers: 1,
            subscriptions: 2,
            topics: 1,
        };
        assert_eq!(m.stats(), live);
        // A timer tick keeps the one timer.
        m.handle_timeout(T0 + Duration::from_secs(1));
        drain(&mut m);
        assert_eq!(m.stats(), live);
        // Leaving a chat view drops its subscription, not the shared topic.
        send(
            &mut m,
            T0,
            json!(["2", "9", pages[1].topic, "phx_leave", {}]),
        );
        assert_eq!(
            m.stats(),
            SocketStats {
                views: 3,
                subscriptions: 1,
                ..live
            }
        );
        // Leaving the ticker drops its timer.
        send(
            &mut m,
            T0,
            json!(["1", "10", pages[0].topic, "phx_leave", {}]),
        );
        assert_eq!(
            m.stats(),
            SocketStats {
                views: 2,
                timers: 0,
                subscriptions: 1,
                topics: 1,
            }
        );
        m.close(T0);
        assert_eq!(
            drain(&mut m),
            vec![SocketOutput::Unsubscribe("chat".into())]
        );
        assert_eq!(m.stats(), SocketStats::default());
    }

    #[test]
    fn stats_are_zero_after_close_heartbeat_timeout_or_crash() {
        let (_, _, mut m) = busy_socket();
        m.close(T0);
        drain(&mut m);
        assert_eq!(m.stats(), SocketStats::default());

        let (app, _, mut m) = busy_socket();
        m.handle_timeout(T0 + app.config.heartbeat_timeout);
        assert!(m.is_closed());
        assert_eq!(m.stats(), SocketStats::default());

        // A crashing view is dropped with its subscription.
        let (_, _, mut m) = busy_socket();
        m.handle_pubsub(T0, "chat", &json!("panic"));
        drain(&mut m);
        assert_eq!(
            m.stats(),
            SocketStats {
                views: 2,
                timers: 1,
                subscriptions: 0,
                topics: 0,
            }
        );
        // A fatal frame closes the socket and stops every view.
        m.handle_text(T0, "not json");
        assert!(m.is_closed());
        assert_eq!(m.stats(), SocketStats::default());
    }

    #[test]
    fn heartbeat() {
        let (_, _, mut m) = setup("/counter");
        let out = send(&mut m, T0, json!([null, "13", "phoenix", "heartbeat", {}]));
        assert_eq!(
            out,
            vec![SocketOutput::Send(
                r#"[null,"13","phoenix","phx_reply",{"status":"ok","response":{}}]"#.into()
            )]
        );
        let out = frames(&send(
            &mut m,
            T0,
            json!([null, "14", "phoenix", "nope", {}]),
        ));
        assert_eq!(out, vec![err(None, "14", "phoenix", "unmatched topic")]);
    }

    #[test]
    fn join_ok() {
        let (_, p, mut m) = setup("/users/7?x=1");
        let out = join(&mut m, &p, "4", "/users/7?x=1");
        assert_eq!(out.len(), 1);
        let reply = &out[0];
        assert_eq!(reply[0], "4");
        assert_eq!(reply[1], "4");
        assert_eq!(reply[2], p.topic.as_str());
        assert_eq!(reply[4]["status"], "ok");
        let resp = &reply[4]["response"];
        assert_eq!(resp["liveview_version"], "1.2.12");
        assert_eq!(resp["rendered"]["connected"], true);
        assert_eq!(resp["rendered"]["url"], "/users/7?x=1");
        assert_eq!(resp["rendered"]["params"], json!({"id": "7"}));
        assert!(resp.get("live_patch").is_none());
        assert_eq!(m.topics().collect::<Vec<_>>(), vec![p.topic.as_str()]);
    }

    #[test]
    fn join_reply_embeds_the_rendered_json_verbatim() {
        let (_, p, mut m) = setup("/counter");
        m.handle_text(
            T0,
            &json!(["4", "4", p.topic, "phx_join", join_payload(&p, "/counter")]).to_string(),
        );
        let Some(SocketOutput::Send(s)) = m.poll_output() else {
            panic!("no reply")
        };
        assert!(s.starts_with(&format!(
            r#"["4","4","{}","phx_reply",{{"status":"ok","response":{{"rendered":{{"#,
            p.topic
        )));
        assert!(s.ends_with(r#","liveview_version":"1.2.12"}}]"#), "{s}");
    }

    #[test]
    fn join_with_live_patch() {
        let (_, p, mut m) = setup("/counter");
        // The page was rendered at /counter; the client is at /patched now (same session is fine).
        let out = join(&mut m, &p, "4", "/patched");
        assert_eq!(
            out[0][4]["response"]["live_patch"],
            json!({"to": "/patched?p=1", "kind": "replace"})
        );
    }

    #[test]
    fn join_that_navigates_is_an_error_reply_with_the_target() {
        let (app, p, mut m) = setup("/counter");
        let out = join(&mut m, &p, "4", "/redirect");
        assert_eq!(out[0][4]["status"], "error");
        let redirect = &out[0][4]["response"]["redirect"];
        assert_eq!(redirect["to"], "/elsewhere");
        let flash =
            auth::verify_flash(&app.config, T0, redirect["flash"].as_str().unwrap()).unwrap();
        assert_eq!(flash.get("info"), Some("moved"));
        let out = join(&mut m, &p, "5", "/navigate");
        assert_eq!(
            out[0][4]["response"],
            json!({"live_redirect": {"to": "/counter", "kind": "replace"}})
        );
        assert_eq!(m.topics().count(), 0);
    }

    #[test]
    fn join_stale_sessions() {
        let (app, p, mut m) = setup("/counter");
        // Tampered token.
        let mut tampered = p.session.clone().into_bytes();
        tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
        let mut payload = join_payload(&p, "/counter");
        payload["session"] = json!(String::from_utf8(tampered).unwrap());
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "4", p.topic, "phx_join", payload]),
        ));
        assert_eq!(out, vec![err(Some("4"), "4", &p.topic, "stale")]);
        // A valid session of another container.
        let other = page(&app, "/counter", 2);
        let mut payload = join_payload(&p, "/counter");
        payload["session"] = json!(other.session);
        let out = frames(&send(
            &mut m,
            T0,
            json!(["5", "5", p.topic, "phx_join", payload]),
        ));
        assert_eq!(out, vec![err(Some("5"), "5", &p.topic, "stale")]);
        // Expired.
        let late = T0 + app.config.session_max_age + Duration::from_secs(10);
        let mut m2 = connect(&app, &p);
        let out = frames(&send(
            &mut m2,
            late,
            json!(["6", "6", p.topic, "phx_join", join_payload(&p, "/counter")]),
        ));
        // The CSRF token expired too: that is reported first.
        assert_eq!(out[0][4]["status"], "error");
        // Session expired but a fresh CSRF token: stale.
        let fresh_csrf =
            auth::sign_csrf(&app.config, late, p.cookie.trim_start_matches("_lv_csrf="));
        let p2 = Page {
            csrf: fresh_csrf,
            ..page(&app, "/counter", 1)
        };
        let mut m3 = connect(&app, &p2);
        m3.csrf = Ok(());
        let out = frames(&send(
            &mut m3,
            late,
            json!(["7", "7", p.topic, "phx_join", join_payload(&p2, "/counter")]),
        ));
        assert_eq!(out, vec![err(Some("7"), "7", &p.topic, "stale")]);
        // Missing session, unroutable URL.
        let mut payload = join_payload(&p, "/counter");
        payload.as_object_mut().unwrap().remove("session");
        let out = frames(&send(
            &mut m,
            T0,
            json!(["8", "8", p.topic, "phx_join", payload]),
        ));
        assert_eq!(out, vec![err(Some("8"), "8", &p.topic, "stale")]);
        let out = join(&mut m, &p, "9", "/nowhere");
        assert_eq!(out, vec![err(Some("9"), "9", &p.topic, "stale")]);
        assert_eq!(m.topics().count(), 0);
    }

    #[test]
    fn join_unauthorized_csrf() {
        let (app, p, mut m) = setup("/counter");
        // A join token from another browser (bound to another cookie).
        let other = page(&app, "/counter", 9);
        let mut payload = join_payload(&p, "/counter");
        payload["params"]["_csrf_token"] = json!(other.csrf);
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "4", p.topic, "phx_join", payload]),
        ));
        assert_eq!(out, vec![err(Some("4"), "4", &p.topic, "unauthorized")]);
        // Missing join token.
        let mut payload = join_payload(&p, "/counter");
        payload["params"] = json!({});
        let out = frames(&send(
            &mut m,
            T0,
            json!(["5", "5", p.topic, "phx_join", payload]),
        ));
        assert_eq!(out, vec![err(Some("5"), "5", &p.topic, "unauthorized")]);
        // The socket's query token does not match the cookie: every join refused.
        let query = format!("_csrf_token={}&vsn=2.0.0", other.csrf);
        let mut bad = SocketMachine::new(
            app.clone(),
            T0,
            ConnectInfo {
                query,
                cookie: Some(p.cookie.clone()),
                ..Default::default()
            },
        );
        assert_eq!(
            join(&mut bad, &p, "4", "/counter"),
            vec![err(Some("4"), "4", &p.topic, "unauthorized")]
        );
        // No query token at all.
        let mut none = SocketMachine::new(
            app.clone(),
            T0,
            ConnectInfo {
                query: "vsn=2.0.0".into(),
                ..Default::default()
            },
        );
        assert_eq!(
            join(&mut none, &p, "4", "/counter"),
            vec![err(Some("4"), "4", &p.topic, "unauthorized")]
        );
        // Without a cookie, authentic tokens are enough.
        let query = format!("_csrf_token={}&vsn=2.0.0", p.csrf);
        let mut cookieless = SocketMachine::new(
            app.clone(),
            T0,
            ConnectInfo {
                query,
                ..Default::default()
            },
        );
        assert_eq!(
            join(&mut cookieless, &p, "4", "/counter")[0][4]["status"],
            "ok"
        );
        // A forged token is refused even without a cookie.
        let forged = crate::protocol::token::sign(b"not the secret", T0, r#"{"k":"csrf","v":"x"}"#);
        let mut payload = join_payload(&p, "/counter");
        payload["params"]["_csrf_token"] = json!(forged);
        let out = frames(&send(
            &mut cookieless,
            T0,
            json!(["5", "5", "lv:x", "phx_join", payload]),
        ));
        assert_eq!(out, vec![err(Some("5"), "5", "lv:x", "unauthorized")]);
    }

    #[test]
    fn unsupported_vsn_closes() {
        let app = Arc::new(fake_app());
        let mut m = SocketMachine::new(
            app,
            T0,
            ConnectInfo {
                query: "vsn=1.0.0".into(),
                ..Default::default()
            },
        );
        assert!(matches!(
            drain(&mut m).as_slice(),
            [SocketOutput::Close { code: 1002, .. }]
        ));
        assert!(m.is_closed());
    }

    #[test]
    fn unmatched_topics() {
        let (_, p, mut m) = setup("/counter");
        // Event before join.
        assert_eq!(
            event(&mut m, &p, "4", "5", "inc", json!({})),
            vec![err(Some("4"), "5", &p.topic, "unmatched topic")]
        );
        // Join on a topic that is not lv:*.
        let out = frames(&send(
            &mut m,
            T0,
            json!(["6", "6", "room:1", "phx_join", {}]),
        ));
        assert_eq!(out, vec![err(Some("6"), "6", "room:1", "unmatched topic")]);
        let out = frames(&send(&mut m, T0, json!(["7", "7", "lv:", "phx_join", {}])));
        assert_eq!(out, vec![err(Some("7"), "7", "lv:", "unmatched topic")]);
    }

    #[test]
    fn events_and_replies() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        assert_eq!(
            event(&mut m, &p, "4", "5", "inc", json!({"value": ""})),
            vec![ok("4", "5", &p.topic, json!({"diff": {"0": "1"}}))]
        );
        assert_eq!(
            event(&mut m, &p, "4", "6", "noop", json!({})),
            vec![ok("4", "6", &p.topic, json!({}))]
        );
        // An event that also pushes: the reply first, then the push.
        let out = event(&mut m, &p, "4", "7", "info", json!({}));
        assert_eq!(
            out,
            vec![
                ok("4", "7", &p.topic, json!({"diff": {"0": "a"}})),
                json!(["4", null, p.topic, "diff", {"0": "b"}])
            ]
        );
    }

    #[test]
    fn event_payload_decoding() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        let form = json!(["4", "10", p.topic, "event", {"type": "form", "event": "echo", "value": "user%5Bname%5D=Grace",
                          "meta": {"_target": "user[name]"}, "uploads": {}}]);
        let out = frames(&send(&mut m, T0, form));
        assert_eq!(
            out[0][4]["response"]["diff"],
            json!({"kind": "form", "name": "echo", "value": {"form": "user%5Bname%5D=Grace"}, "meta": {"_target": "user[name]"}})
        );
        let click = json!(["4", "11", p.topic, "event", {"type": "click", "event": "echo", "value": {"id": "7", "value": 0}, "cid": 1}]);
        let out = frames(&send(&mut m, T0, click));
        assert_eq!(
            out[0][4]["response"]["diff"],
            json!({"kind": "click", "name": "echo", "value": {"json": {"id": "7", "value": 0}}, "cid": 1})
        );
        // Bad payloads: an error reply, the view lives on.
        for (rf, payload) in [
            ("12", json!({"event": "inc"})),
            ("13", json!({"type": "click"})),
            (
                "14",
                json!({"type": "form", "event": "inc", "value": {"a": 1}}),
            ),
            ("15", json!({"type": "click", "event": "inc", "meta": 3})),
            ("16", json!({"type": "click", "event": "inc", "cid": -1})),
        ] {
            let out = frames(&send(
                &mut m,
                T0,
                json!(["4", rf, p.topic, "event", payload]),
            ));
            assert_eq!(out.len(), 1);
            assert_eq!(out[0][1], rf);
            assert_eq!(out[0][4]["status"], "error", "{payload}");
        }
        // The view's own decode error: an error reply naming the problem, the view lives on.
        let out = event(&mut m, &p, "4", "17", "bad", json!({}));
        assert_eq!(out[0][4]["status"], "error");
        assert!(out[0][4]["response"]["reason"]
            .as_str()
            .unwrap()
            .contains("unknown variant"));
        assert_eq!(
            event(&mut m, &p, "4", "18", "inc", json!({}))[0][4]["response"],
            json!({"diff": {"0": "1"}})
        );
    }

    #[test]
    fn unknown_channel_events_get_error_replies() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "5", p.topic, "frobnicate", {}]),
        ));
        assert_eq!(
            out,
            vec![err(
                Some("4"),
                "5",
                &p.topic,
                "unknown event \"frobnicate\""
            )]
        );
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "6", p.topic, "allow_upload", {"ref": "x", "entries": []}]),
        ));
        assert_eq!(
            out,
            vec![err(Some("4"), "6", &p.topic, "uploads are not supported")]
        );
    }

    #[test]
    fn stale_join_refs_are_ignored() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        assert!(event(&mut m, &p, "2", "5", "inc", json!({})).is_empty());
        assert!(frames(&send(
            &mut m,
            T0,
            json!([null, "6", p.topic, "event", {"type": "click", "event": "inc"}])
        ))
        .is_empty());
        assert_eq!(
            event(&mut m, &p, "4", "7", "inc", json!({}))[0][4]["response"],
            json!({"diff": {"0": "1"}})
        );
    }

    #[test]
    fn leave() {
        let (_, p, mut m) = setup("/chat");
        let outs = send(
            &mut m,
            T0,
            json!(["4", "4", p.topic, "phx_join", join_payload(&p, "/chat")]),
        );
        assert!(outs.contains(&SocketOutput::Subscribe("chat".into())));
        let outs = send(&mut m, T0, json!(["4", "5", p.topic, "phx_leave", {}]));
        assert_eq!(
            outs,
            vec![
                SocketOutput::Send(frame::encode_reply(
                    Some("4"),
                    Some("5"),
                    &p.topic,
                    Status::Ok,
                    "{}"
                )),
                SocketOutput::Unsubscribe("chat".into()),
                SocketOutput::Send(frame::encode_push(
                    Some("4"),
                    Some("4"),
                    &p.topic,
                    "phx_close",
                    "{}"
                )),
            ]
        );
        // Leaving again (the client sometimes does): ok {}, nothing else.
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "6", p.topic, "phx_leave", {}]),
        ));
        assert_eq!(out, vec![ok("4", "6", &p.topic, json!({}))]);
        assert_eq!(
            event(&mut m, &p, "4", "7", "inc", json!({})),
            vec![err(Some("4"), "7", &p.topic, "unmatched topic")]
        );
        assert_eq!(m.subscriptions().count(), 0);
    }

    #[test]
    fn duplicate_join_closes_the_old_channel() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        event(&mut m, &p, "4", "5", "inc", json!({}));
        let out = join(&mut m, &p, "9", "/counter");
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], json!(["4", "4", p.topic, "phx_close", {}]));
        assert_eq!(out[1][4]["status"], "ok");
        assert_eq!(out[1][4]["response"]["rendered"]["0"], "0", "a fresh mount");
        // Pushes for the old join are ignored; the new join serves.
        assert!(event(&mut m, &p, "4", "10", "inc", json!({})).is_empty());
        assert_eq!(
            event(&mut m, &p, "9", "11", "inc", json!({}))[0][4]["response"],
            json!({"diff": {"0": "1"}})
        );
        assert_eq!(m.topics().count(), 1);
    }

    #[test]
    fn live_navigation_rejoins_the_same_topic() {
        let (app, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        let out = event(&mut m, &p, "4", "5", "navigate", json!({}));
        assert_eq!(out.len(), 3, "{out:?}");
        assert_eq!(
            out[0],
            json!(["4", null, p.topic, "diff", {"e": [["bye", {}]]}])
        );
        assert_eq!(out[1][1], "5");
        let lr = &out[1][4]["response"]["live_redirect"];
        assert_eq!((&lr["to"], &lr["kind"]), (&json!("/other"), &json!("push")));
        assert_eq!(out[2], json!(["4", "4", p.topic, "phx_close", {}]));
        // The client leaves (ok), then joins the same topic with `redirect` and the flash.
        assert_eq!(
            frames(&send(
                &mut m,
                T0,
                json!(["4", "6", p.topic, "phx_leave", {}])
            )),
            vec![ok("4", "6", &p.topic, json!({}))]
        );
        let mut payload = join_payload(&p, "/other");
        let payload_obj = payload.as_object_mut().unwrap();
        payload_obj.remove("url");
        payload_obj.insert("redirect".into(), json!("http://localhost:4000/other"));
        payload_obj.insert("flash".into(), lr["flash"].clone());
        let out = frames(&send(
            &mut m,
            T0,
            json!(["7", "7", p.topic, "phx_join", payload]),
        ));
        assert_eq!(out.len(), 1);
        let rendered = &out[0][4]["response"]["rendered"];
        assert_eq!(rendered["url"], "/other");
        assert_eq!(rendered["flash"], json!({"info": "bye"}));
        let _ = app;
    }

    #[test]
    fn patch_is_pushed_before_the_reply() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        let out = event(&mut m, &p, "4", "5", "patch", json!({}));
        assert_eq!(
            out,
            vec![
                json!(["4", null, p.topic, "live_patch", {"to": "/counter?page=2", "kind": "push"}]),
                ok("4", "5", &p.topic, json!({"diff": {"0": "1"}})),
            ]
        );
        assert_eq!(m.topics().count(), 1);
    }

    #[test]
    fn redirect_reply_then_close() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        let out = event(&mut m, &p, "4", "5", "redirect", json!({}));
        assert_eq!(
            out,
            vec![
                ok(
                    "4",
                    "5",
                    &p.topic,
                    json!({"redirect": {"to": "/elsewhere"}})
                ),
                json!(["4", "4", p.topic, "phx_close", {}])
            ]
        );
        assert_eq!(m.topics().count(), 0);
    }

    #[test]
    fn view_initiated_navigation() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        let out = event(&mut m, &p, "4", "5", "later_patch", json!({}));
        assert_eq!(
            out[1],
            json!(["4", null, p.topic, "live_patch", {"to": "/counter?later=1", "kind": "replace"}])
        );
        let out = event(&mut m, &p, "4", "6", "later_navigate", json!({}));
        assert_eq!(
            out,
            vec![
                ok("4", "6", &p.topic, json!({})),
                json!(["4", null, p.topic, "redirect", {"to": "/later"}]),
                json!(["4", "4", p.topic, "phx_close", {}]),
            ]
        );
        assert_eq!(m.topics().count(), 0);
    }

    #[test]
    fn client_live_patch() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "12", p.topic, "live_patch", {"url": "http://localhost:4000/counter?page=2"}]),
        ));
        assert_eq!(
            out,
            vec![ok(
                "4",
                "12",
                &p.topic,
                json!({"diff": {"url": "/counter?page=2"}})
            )]
        );
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "13", p.topic, "live_patch", {"url": "http://localhost:4000/other"}]),
        ));
        assert_eq!(
            out,
            vec![ok("4", "13", &p.topic, json!({"link_redirect": true}))]
        );
        // Another route of the same view type is still a patch.
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "15", p.topic, "live_patch", {"url": "http://localhost:4000/users/5"}]),
        ));
        assert_eq!(
            out,
            vec![ok(
                "4",
                "15",
                &p.topic,
                json!({"diff": {"url": "/users/5"}})
            )]
        );
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "14", p.topic, "live_patch", {}]),
        ));
        assert_eq!(out[0][4]["status"], "error");
    }

    #[test]
    fn component_cleanup() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "8", p.topic, "cids_will_destroy", {"cids": [2]}]),
        ));
        assert_eq!(out, vec![ok("4", "8", &p.topic, json!({}))]);
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "9", p.topic, "cids_destroyed", {"cids": [2, 5]}]),
        ));
        assert_eq!(out, vec![ok("4", "9", &p.topic, json!({"cids": [2, 5]}))]);
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "10", p.topic, "cids_destroyed", {"cids": ["x"]}]),
        ));
        assert_eq!(out[0][4]["status"], "error");
    }

    fn two_chats() -> (Arc<App>, Page, Page, SocketMachine) {
        let app = Arc::new(fake_app());
        let a = page(&app, "/chat", 1);
        // Same browser: the second page reuses the CSRF cookie.
        let req = super::super::PageRequest {
            url: "/chat",
            cookie: Some(&a.cookie),
            ..Default::default()
        };
        let resp = app.render_request(T0, &req, [2; 16]);
        let b = Page {
            id: attr(&resp.body, "data-phx-main", "id"),
            topic: format!("lv:{}", attr(&resp.body, "data-phx-main", "id")),
            session: attr(&resp.body, "data-phx-main", "data-phx-session"),
            csrf: attr(&resp.body, "<meta name=\"csrf-token\"", "content"),
            cookie: a.cookie.clone(),
        };
        let m = connect(&app, &a);
        (app, a, b, m)
    }

    #[test]
    fn pubsub_is_reference_counted_and_delivered() {
        let (_, a, b, mut m) = two_chats();
        let outs = send(
            &mut m,
            T0,
            json!(["4", "4", a.topic, "phx_join", join_payload(&a, "/chat")]),
        );
        assert_eq!(
            outs.iter()
                .filter(|o| matches!(o, SocketOutput::Subscribe(_)))
                .count(),
            1
        );
        let outs = send(
            &mut m,
            T0,
            json!(["5", "5", b.topic, "phx_join", join_payload(&b, "/chat")]),
        );
        assert_eq!(
            outs.iter()
                .filter(|o| matches!(o, SocketOutput::Subscribe(_)))
                .count(),
            0,
            "subscribed once per socket"
        );
        assert_eq!(m.subscriptions().collect::<Vec<_>>(), vec![("chat", 2)]);
        // A broadcast goes to the adapter.
        let outs = send(
            &mut m,
            T0,
            json!(["4", "6", a.topic, "event", {"type": "click", "event": "send", "value": {"body": "hi"}}]),
        );
        assert!(outs.contains(&SocketOutput::Broadcast {
            topic: "chat".into(),
            payload: json!({"body": "hi"})
        }));
        // Delivery to both views.
        m.handle_pubsub(T0, "chat", &json!({"body": "hi"}));
        let out = frames(&drain(&mut m));
        assert_eq!(out.len(), 2);
        let mut topics: Vec<&str> = out.iter().map(|f| f[2].as_str().unwrap()).collect();
        topics.sort();
        let mut expected = vec![a.topic.as_str(), b.topic.as_str()];
        expected.sort();
        assert_eq!(topics, expected);
        assert!(out
            .iter()
            .all(|f| f[3] == "diff" && f[4]["msg"]["body"] == "hi" && f[1].is_null()));
        // Other topics reach nobody.
        m.handle_pubsub(T0, "elsewhere", &json!(1));
        assert!(drain(&mut m).is_empty());
        // Leaving one keeps the socket subscribed; leaving both unsubscribes.
        let outs = send(&mut m, T0, json!(["4", "7", a.topic, "phx_leave", {}]));
        assert!(!outs
            .iter()
            .any(|o| matches!(o, SocketOutput::Unsubscribe(_))));
        let outs = send(&mut m, T0, json!(["5", "8", b.topic, "phx_leave", {}]));
        assert_eq!(
            outs.iter()
                .filter(|o| matches!(o, SocketOutput::Unsubscribe(_)))
                .count(),
            1
        );
    }

    #[test]
    fn view_unsubscribe_is_counted() {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        let outs = send(
            &mut m,
            T0,
            json!(["4", "5", p.topic, "event", {"type": "hook", "event": "sub", "value": {"topic": "t1"}}]),
        );
        assert!(outs.contains(&SocketOutput::Subscribe("t1".into())));
        let outs = send(
            &mut m,
            T0,
            json!(["4", "6", p.topic, "event", {"type": "hook", "event": "unsub", "value": {"topic": "t1"}}]),
        );
        assert!(outs.contains(&SocketOutput::Unsubscribe("t1".into())));
        // Unsubscribing again does nothing.
        let outs = send(
            &mut m,
            T0,
            json!(["4", "7", p.topic, "event", {"type": "hook", "event": "unsub", "value": {"topic": "t1"}}]),
        );
        assert!(!outs
            .iter()
            .any(|o| matches!(o, SocketOutput::Unsubscribe(_))));
    }

    #[test]
    fn panics_are_contained() {
        let (_, a, b, mut m) = two_chats();
        join(&mut m, &a, "4", "/chat");
        join(&mut m, &b, "5", "/chat");
        // A panic while handling a push: error reply, then phx_error.
        let outs = send(
            &mut m,
            T0,
            json!(["4", "6", a.topic, "event", {"type": "click", "event": "panic"}]),
        );
        let out = frames(&outs);
        assert_eq!(
            out,
            vec![
                err(Some("4"), "6", &a.topic, "channel_crash"),
                json!(["4", "4", a.topic, "phx_error", {"reason": "channel_crash"}])
            ]
        );
        // Its subscription is released, the socket stays subscribed for the other view.
        assert_eq!(m.subscriptions().collect::<Vec<_>>(), vec![("chat", 1)]);
        assert!(!m.is_closed());
        // The other view still works; the crashed topic is gone.
        assert_eq!(
            event(&mut m, &b, "5", "7", "inc", json!({}))[0][4]["response"],
            json!({"diff": {"0": "1"}})
        );
        assert_eq!(
            event(&mut m, &a, "4", "8", "inc", json!({})),
            vec![err(Some("4"), "8", &a.topic, "unmatched topic")]
        );
        // A panic in pub/sub delivery: phx_error, and the last subscriber unsubscribes.
        m.handle_pubsub(T0, "chat", &json!("panic"));
        let outs = drain(&mut m);
        assert!(outs.contains(&SocketOutput::Unsubscribe("chat".into())));
        assert_eq!(
            frames(&outs),
            vec![json!(["5", "5", b.topic, "phx_error", {"reason": "channel_crash"}])]
        );
        // The client rejoins after a crash: a fresh mount.
        assert_eq!(join(&mut m, &a, "9", "/chat")[0][4]["status"], "ok");
        // The socket still answers heartbeats.
        assert_eq!(
            frames(&send(
                &mut m,
                T0,
                json!([null, "10", "phoenix", "heartbeat", {}])
            ))[0][4]["status"],
            "ok"
        );
    }

    #[test]
    fn join_panic_is_an_error_reply() {
        let (_, p, mut m) = setup("/counter");
        assert_eq!(
            join(&mut m, &p, "4", "/boom"),
            vec![err(Some("4"), "4", &p.topic, "join crashed")]
        );
        assert_eq!(join(&mut m, &p, "5", "/counter")[0][4]["status"], "ok");
    }

    #[test]
    fn heartbeat_timeout_closes() {
        let (app, p, mut m) = setup("/chat");
        join(&mut m, &p, "4", "/chat");
        let hb = app.config.heartbeat_timeout;
        assert_eq!(m.poll_timeout(), Some(T0 + hb));
        // Any frame counts as life.
        let t1 = T0 + Duration::from_secs(30);
        send(&mut m, t1, json!([null, "5", "phoenix", "heartbeat", {}]));
        assert_eq!(m.poll_timeout(), Some(t1 + hb));
        m.handle_timeout(t1 + (hb - Duration::from_millis(1)));
        assert!(drain(&mut m).is_empty());
        m.handle_timeout(t1 + hb);
        let outs = drain(&mut m);
        assert_eq!(
            outs,
            vec![
                SocketOutput::Unsubscribe("chat".into()),
                SocketOutput::Close {
                    code: 1001,
                    reason: "heartbeat timeout".into()
                }
            ]
        );
        assert!(m.is_closed());
        assert_eq!(m.poll_timeout(), None);
        m.handle_text(t1 + hb, r#"[null,"6","phoenix","heartbeat",{}]"#);
        assert!(drain(&mut m).is_empty(), "nothing after close");
    }

    #[test]
    fn view_timers_drive_poll_timeout() {
        let (_, p, mut m) = setup("/ticker");
        join(&mut m, &p, "4", "/ticker");
        let tick = T0 + Duration::from_secs(1);
        assert_eq!(m.poll_timeout(), Some(tick));
        m.handle_timeout(tick);
        assert_eq!(
            frames(&drain(&mut m)),
            vec![json!(["4", null, p.topic, "diff", {"tick": 1}])]
        );
        assert_eq!(m.poll_timeout(), Some(tick + Duration::from_secs(1)));
    }

    #[test]
    fn close_unsubscribes_everything() {
        let (_, a, b, mut m) = two_chats();
        join(&mut m, &a, "4", "/chat");
        join(&mut m, &b, "5", "/chat");
        send(
            &mut m,
            T0,
            json!(["4", "6", a.topic, "event", {"type": "hook", "event": "sub", "value": {"topic": "extra"}}]),
        );
        m.close(T0);
        let mut outs = drain(&mut m);
        outs.sort_by_key(|o| format!("{o:?}"));
        assert_eq!(
            outs,
            vec![
                SocketOutput::Unsubscribe("chat".into()),
                SocketOutput::Unsubscribe("extra".into())
            ]
        );
        assert_eq!(m.topics().count(), 0);
        assert_eq!(m.subscriptions().count(), 0);
        assert!(m.is_closed());
    }

    #[test]
    fn binary_frames_get_an_error_reply() {
        let (_, _, mut m) = setup("/counter");
        let mut b = vec![0, 2, 2, 5, 5];
        b.extend_from_slice(b"1314lvu:0chunkhello");
        m.handle_binary(T0, &b);
        assert_eq!(
            frames(&drain(&mut m)),
            vec![err(
                Some("13"),
                "14",
                "lvu:0",
                "binary frames (uploads) are not supported"
            )]
        );
        m.handle_binary(T0, &[7, 7]);
        assert!(matches!(
            drain(&mut m).as_slice(),
            [SocketOutput::Close { code: 1007, .. }]
        ));
    }

    #[test]
    fn malformed_text_frames() {
        let (app, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        // Addressable: an error reply, the socket lives.
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", "5", p.topic, "event", "not an object"]),
        ));
        assert_eq!(out[0][1], "5");
        assert_eq!(out[0][4]["status"], "error");
        assert!(out[0][4]["response"]["reason"]
            .as_str()
            .unwrap()
            .contains("object"));
        assert!(!m.is_closed());
        // Too large: 1009.
        m.handle_text(T0, &" ".repeat(app.config.max_frame_bytes + 1));
        assert!(matches!(
            drain(&mut m).as_slice(),
            [.., SocketOutput::Close { code: 1009, .. }]
        ));
        // Garbage: 1007.
        let (_, _, mut m) = setup("/counter");
        m.handle_text(T0, "{not json");
        assert!(matches!(
            drain(&mut m).as_slice(),
            [SocketOutput::Close { code: 1007, .. }]
        ));
    }

    #[test]
    fn channel_limit() {
        let app = Arc::new(fake_app());
        let first = page(&app, "/counter", 0);
        let mut m = connect(&app, &first);
        for i in 0..=MAX_CHANNELS {
            // Pages rendered for the same browser (same cookie), each with its own id.
            let id = format!("phx-{i}");
            let session = auth::sign_session(
                &app.config,
                T0,
                &SessionData {
                    id: id.clone(),
                    url: "/counter".into(),
                    ..Default::default()
                },
            );
            let p = Page {
                topic: format!("lv:{id}"),
                id,
                session,
                csrf: first.csrf.clone(),
                cookie: first.cookie.clone(),
            };
            let jr = (i + 1).to_string();
            let out = join(&mut m, &p, &jr, "/counter");
            if i < MAX_CHANNELS {
                assert_eq!(out[0][4]["status"], "ok", "{i}");
            } else {
                assert_eq!(out[0][4]["status"], "error");
                assert!(out[0][4]["response"]["reason"]
                    .as_str()
                    .unwrap()
                    .contains("too many channels"));
            }
        }
        assert_eq!(m.topics().count(), MAX_CHANNELS);
        let _ = first.id;
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// Arbitrary frames never panic the machine, and every addressable push on a
        /// joined topic gets exactly one reply.
        #[test]
        fn arbitrary_frames_never_panic(event in "[a-z_]{0,12}", value in ".{0,12}", rf in 10u32..1000) {
            let (_, p, mut m) = setup("/counter");
            join(&mut m, &p, "4", "/counter");
            let out = frames(&send(&mut m, T0, json!(["4", rf.to_string(), p.topic, event, {"type": "click", "event": value}])));
            let replies = out.iter().filter(|f| f[3] == "phx_reply" && f[1] == rf.to_string().as_str()).count();
            proptest::prop_assert_eq!(replies, 1);
        }

        /// Random sessions of joins, events, leaves, crashes, pub/sub and timers:
        /// every push gets exactly one reply (none for a stale join_ref), replies
        /// answer only the push at hand, and pub/sub requests stay balanced
        /// (subscribe once, unsubscribe once, nothing left after `close`).
        #[test]
        fn random_sessions_keep_the_protocol_invariants(
            ops in proptest::collection::vec((0u8..8, 0usize..3, 0usize..14), 1..40)
        ) {
            const URLS: [&str; 6] = ["/counter", "/chat", "/ticker", "/redirect", "/boom", "/patched"];
            const EVENTS: [&str; 14] = ["inc", "noop", "patch", "navigate", "redirect", "panic", "bad", "send",
                                        "info", "sub", "unsub", "later_navigate", "later_patch", "zzz"];
            let app = Arc::new(fake_app());
            let first = page(&app, "/counter", 0);
            let pages: Vec<Page> = (0..3u8)
                .map(|i| {
                    let id = format!("phx-p{i}");
                    let session = auth::sign_session(&app.config, T0,
                        &SessionData { id: id.clone(), url: "/counter".into(), ..Default::default() });
                    Page { topic: format!("lv:{id}"), id, session, csrf: first.csrf.clone(), cookie: first.cookie.clone() }
                })
                .collect();
            let mut m = connect(&app, &first);
            let mut current: Vec<Option<String>> = vec![None; 3];
            let mut balance: BTreeMap<String, i32> = BTreeMap::new();
            let mut now = T0;
            for (n, (kind, pi, arg)) in ops.into_iter().enumerate() {
                let rf = (n + 10).to_string();
                let p = &pages[pi];
                let jr = current[pi].clone().unwrap_or_else(|| "999".into());
                let (frame, expected) = match kind {
                    0 => (Some(json!([rf, rf, p.topic, "phx_join", join_payload(p, URLS[arg % URLS.len()])])), 1),
                    1 | 2 => {
                        let value = json!({"topic": "chat"});
                        (Some(json!([jr, rf, p.topic, "event", {"type": "click", "event": EVENTS[arg], "value": value}])), 1)
                    }
                    3 => (Some(json!([jr, rf, p.topic, "phx_leave", {}])), 1),
                    4 => {
                        let expected = if current[pi].is_some() { 0 } else { 1 };
                        (Some(json!(["0", rf, p.topic, "event", {"type": "click", "event": "inc"}])), expected)
                    }
                    5 => (Some(json!([null, rf, "phoenix", "heartbeat", {}])), 1),
                    6 => {
                        m.handle_pubsub(now, "chat", &if arg == 0 { json!("panic") } else { json!({"n": arg}) });
                        (None, 0)
                    }
                    _ => {
                        now = now + Duration::from_millis(300 * arg as u64);
                        m.handle_timeout(now);
                        (None, 0)
                    }
                };
                if let Some(f) = &frame {
                    m.handle_text(now, &f.to_string());
                }
                let outs = drain(&mut m);
                if m.is_closed() {
                    break;
                }
                let mut replies = 0;
                for o in &outs {
                    match o {
                        SocketOutput::Subscribe(t) => *balance.entry(t.clone()).or_default() += 1,
                        SocketOutput::Unsubscribe(t) => *balance.entry(t.clone()).or_default() -= 1,
                        SocketOutput::Send(text) => {
                            let v: Value = serde_json::from_str(text).unwrap();
                            proptest::prop_assert_eq!(v.as_array().map(Vec::len), Some(5));
                            let topic = v[2].as_str().unwrap().to_owned();
                            let idx = pages.iter().position(|p| p.topic == topic);
                            match v[3].as_str().unwrap() {
                                "phx_reply" => {
                                    proptest::prop_assert_eq!(v[1].as_str(), Some(rf.as_str()), "{}", text);
                                    replies += 1;
                                    if kind == 0 && v[4]["status"] == "ok" {
                                        current[idx.unwrap()] = Some(rf.clone());
                                    }
                                }
                                "phx_close" | "phx_error" => {
                                    let i = idx.unwrap();
                                    proptest::prop_assert_eq!(v[0].as_str(), v[1].as_str());
                                    if current[i].as_deref() == v[0].as_str() {
                                        current[i] = None;
                                    }
                                }
                                "diff" | "live_patch" | "live_redirect" | "redirect" => {
                                    proptest::prop_assert!(v[1].is_null());
                                    proptest::prop_assert!(current[idx.unwrap()].is_some());
                                }
                                other => proptest::prop_assert!(false, "unexpected event {}", other),
                            }
                        }
                        SocketOutput::Broadcast { .. } => {}
                        SocketOutput::Close { .. } => proptest::prop_assert!(false, "closed"),
                    }
                }
                proptest::prop_assert_eq!(replies, expected, "op {:?}", (kind, pi, arg));
                for (t, b) in &balance {
                    proptest::prop_assert!((0..=1).contains(b), "{} subscribed {} times", t, b);
                }
                let counted: usize = m.subscriptions().map(|(_, n)| n).sum();
                let per_view: usize = m.topics().map(|t| m.view(t).unwrap().subscriptions().len()).sum();
                proptest::prop_assert_eq!(counted, per_view);
                let stats = m.stats();
                proptest::prop_assert_eq!(stats.subscriptions, counted);
                proptest::prop_assert_eq!(stats.topics, m.subscriptions().count());
                proptest::prop_assert_eq!(stats.views, m.topics().count());
            }
            m.close(now);
            for o in drain(&mut m) {
                if let SocketOutput::Unsubscribe(t) = o {
                    *balance.entry(t).or_default() -= 1;
                }
            }
            proptest::prop_assert!(balance.values().all(|b| *b == 0), "{:?}", balance);
            proptest::prop_assert_eq!(m.stats(), SocketStats::default());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// The socket's one-pass event decoding gives what `decode_client_event`
        /// gives on the payload object: the same event or the same error.
        #[test]
        fn event_of_agrees_with_decode_client_event(
            fields in proptest::collection::vec((0usize..6, frame::tests::arb_value()), 0..6),
            kind in proptest::sample::select(vec!["click", "form", "keyup"]),
        ) {
            const KEYS: [&str; 6] = ["type", "event", "value", "meta", "cid", "uploads"];
            let mut payload = format!(r#"{{"type":"{kind}","event":"go""#);
            for (k, v) in &fields {
                payload.push_str(&format!(",{}:{}", frame::json_str(KEYS[*k]), v));
            }
            payload.push('}');
            let text = frame::encode_push(Some("4"), Some("5"), "lv:x", "event", &payload);
            let general = frame::decode(&text, 1 << 20).map(|f| decode_client_event(&f.payload));
            let fast = frame::decode_borrowed(&text, 1 << 20).map(|d| event_of(d.payload));
            proptest::prop_assert_eq!(general, fast, "{}", text);
        }
    }
}
