//! Traces: a versioned JSON-lines record of everything one view was given and
//! everything it produced, so that a session can be replayed exactly.
//!
//! Views are pure and the driver never reads a clock, so a view's outputs are a
//! function of its inputs and their times. A trace stores exactly those: the
//! [`Recorder`] wraps any [`AnyView`] (it implements [`AnyView`] itself, so an
//! adapter can record any view transparently) and writes one line per input
//! and one line per output to a [`TraceSink`]. The test harness
//! (`liveview-test`) replays a trace against the current code and reports the
//! first output that differs.
//!
//! This module does no IO: the sink decides where lines go (a file in the warp
//! adapter, memory in tests: [`MemorySink`]).
//!
//! ## Recording in an adapter
//!
//! An adapter (or the socket machine) joins views through [`join_recorded`]
//! instead of calling the route's join itself; a [`TraceFactory`] decides which
//! joins are recorded and gives each its sink. The view it gets back is a
//! [`Recorder`] when recorded, and is used like any other [`AnyView`].
//!
//! # Format, version 1
//!
//! UTF-8 text, one JSON object per line (`\n`-separated; blank lines are
//! ignored when reading). All times (`at`) are [`Time`]s in **microseconds**
//! since the adapter's epoch (the test harness starts at 0).
//!
//! ## Line 1: the header
//!
//! ```json
//! {"trace":"liveview","version":1,"view":"app::Counter","route":"/counter"}
//! ```
//!
//! | field | meaning |
//! | --- | --- |
//! | `trace` | always `"liveview"` |
//! | `version` | the format version, [`TRACE_VERSION`]; readers refuse other versions |
//! | `view` | the view's type name ([`AnyView::type_name`]), `null` if the join was refused |
//! | `route` | the route the view was found by (informational; replay looks the view up by the join URL's path) |
//!
//! ## Input lines (`"in"`)
//!
//! One per call into the view, in call order:
//!
//! | `in` | other fields | the call |
//! | --- | --- | --- |
//! | `join` | `at`, `url` (path and query), `params` (path params, object of strings), `session` (object), `flash` (object of strings), `connected` (bool) | `ViewDriver::join` |
//! | `render_full` | — | [`AnyView::render_full`] (a rejoin) |
//! | `event` | `at`, `event`: a [`ClientEvent`] as JSON: `{"kind","name","value":{"json":…}` or `{"form":"a=1"}`, `"meta"?`, `"cid"?}` | [`AnyView::handle_event`] |
//! | `params` | `at`, `url` | [`AnyView::handle_params`] (a live patch) |
//! | `pubsub` | `at`, `topic`, `payload` (the info as JSON) | [`AnyView::handle_pubsub`] (a pub/sub message) |
//! | `info` | `at`, `payload` (the info as JSON) | [`AnyView::handle_info_value`] (an info for this view alone, e.g. a test's `send_info`) |
//! | `timeout` | `at` | [`AnyView::handle_timeout`] |
//! | `async` | `at`, `id` (the task's id in the view), `result`: `{"Ok": …}` (the runner's result as JSON) or `{"Err": {"kind": "failed"\|"panicked"\|"timed_out"\|"cancelled", "detail"?}}` | [`AnyView::handle_async`] (a task's outcome) |
//! | `stop` | — | [`AnyView::stop`] |
//!
//! ## Output lines (`"out"`)
//!
//! Written in the order the view produced them: the direct result of an input
//! right after its input line, then one line per [`AnyView::poll_output`] call.
//!
//! | `out` | other fields | produced by |
//! | --- | --- | --- |
//! | `joined` | `rendered` (the full rendered JSON), `live_patch` ([`Navigation`] or `null`) | a successful join |
//! | `refused` | `navigation` | a join that redirected instead of mounting |
//! | `rendered` | `rendered` | `render_full` |
//! | `reply` | `diff` (diff JSON or `null`), `navigation` ([`Navigation`] or `null`) | `event`, `params` |
//! | `ok` | — | `pubsub`, `info` or `async` that was accepted |
//! | `error` | `error` (`"decode"` or `"ended"`), `message` | an input the view refused ([`InputError`]) |
//! | `push` | `diff` | [`Output::Push`] |
//! | `navigate` | `navigation` | [`Output::Navigate`] |
//! | `subscribe` / `unsubscribe` | `topic` | [`Output::Subscribe`] / [`Output::Unsubscribe`] |
//! | `broadcast` | `topic`, `payload` | [`Output::Broadcast`] |
//! | `start_task` | `id`, `key`, `task` | [`Output::StartTask`] |
//! | `cancel_task` | `id` | [`Output::CancelTask`] |
//! | `idle` | — | a `poll_output` that returned `None` (consecutive ones are written once) |
//!
//! A [`Navigation`] is `{"kind":"patch","to","replace"}`,
//! `{"kind":"navigate","to","replace","flash"}` or `{"kind":"redirect","to","flash"}`.
//!
//! Calls that only read ([`AnyView::render_html`], [`AnyView::poll_timeout`],
//! [`AnyView::timer_count`], [`AnyView::subscriptions`]) are not recorded.
//!
//! ```
//! use liveview_core::trace::{parse_trace, TraceInput, TraceLine};
//! let text = r#"{"trace":"liveview","version":1,"view":"Counter","route":"/counter"}
//! {"in":"join","at":0,"url":"/counter","params":{},"session":{},"flash":{},"connected":true}
//! {"out":"joined","rendered":{"0":"0","s":["<span>","</span>"]},"live_patch":null}
//! {"in":"timeout","at":1000000}
//! {"out":"idle"}
//! "#;
//! let trace = parse_trace(text).unwrap();
//! assert_eq!(trace.header.route, "/counter");
//! assert_eq!(trace.lines.len(), 4);
//! assert!(matches!(trace.lines[2].line, TraceLine::Input(TraceInput::Timeout { .. })));
//! assert_eq!(trace.lines[2].number, 4);
//! ```

use crate::event::ClientEvent;
use crate::runtime::{AnyView, InputError, JoinInput, Joined, Navigation, Output, Reply};
use crate::time::Time;
use crate::view::{AsyncError, Flash, Params, Session, Url};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::fmt;
use std::sync::{Arc, Mutex};

/// The trace format version written by this crate and the only one it reads.
pub const TRACE_VERSION: u32 = 1;

/// Where a [`Recorder`] writes its lines. Each call gets one complete line
/// without the trailing newline.
pub trait TraceSink: Send + Sync {
    /// Writes one line.
    fn write_line(&self, line: &str);
}

impl<T: TraceSink + ?Sized> TraceSink for Arc<T> {
    fn write_line(&self, line: &str) {
        (**self).write_line(line)
    }
}

/// A sink that keeps lines in memory; clones share the same buffer.
///
/// ```
/// use liveview_core::trace::{MemorySink, TraceSink};
/// let sink = MemorySink::new();
/// sink.clone().write_line("{}");
/// assert_eq!(sink.text(), "{}\n");
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemorySink(Arc<Mutex<Vec<String>>>);

impl MemorySink {
    /// An empty sink.
    pub fn new() -> MemorySink {
        MemorySink::default()
    }

    /// The lines written so far.
    pub fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|l| l.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The lines written so far as trace text (each line ends with `\n`).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for l in self.lines() {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }
}

impl TraceSink for MemorySink {
    fn write_line(&self, line: &str) {
        let mut lines = self.0.lock().unwrap_or_else(|p| p.into_inner());
        lines.push(line.to_owned());
    }
}

/// The first line of a trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always `"liveview"`.
    pub trace: String,
    /// The format version.
    pub version: u32,
    /// The view's type name, `None` when the join was refused.
    pub view: Option<String>,
    /// The route the view was found by.
    pub route: String,
}

/// An input line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "in", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TraceInput {
    /// The join (or dead render).
    Join {
        /// When.
        at: Time,
        /// Path and query.
        url: String,
        /// Path parameters.
        params: Params,
        /// The verified session.
        session: Session,
        /// Flash carried by navigation.
        flash: Flash,
        /// Whether this is a socket join (`false`: dead render).
        connected: bool,
        /// The client's connect params, when it sent any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        connect_params: Option<serde_json::Map<String, Value>>,
        /// The view's DOM id, when it renders child views ([`crate::nested`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dom_id: Option<String>,
        /// A sticky child view.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        sticky: bool,
        /// A child view with a parent (its patches are the page's).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        child: bool,
        /// The entropy the join gave the view's upload ids.
        #[serde(default, skip_serializing_if = "is_zero")]
        entropy: u64,
    },
    /// A full re-render for a rejoin.
    RenderFull,
    /// A client event.
    Event {
        /// When.
        at: Time,
        /// The event as received.
        event: ClientEvent,
    },
    /// A live patch.
    Params {
        /// When.
        at: Time,
        /// Path and query.
        url: String,
    },
    /// A pub/sub message or an info.
    Pubsub {
        /// When.
        at: Time,
        /// The topic.
        topic: String,
        /// The info as JSON.
        payload: Value,
    },
    /// An info sent to this view alone (not through a topic).
    Info {
        /// When.
        at: Time,
        /// The info as JSON.
        payload: Value,
    },
    /// Timers due.
    Timeout {
        /// When.
        at: Time,
    },
    /// The outcome of a task ([`AnyView::handle_async`]).
    Async {
        /// When.
        at: Time,
        /// The task's id within the view.
        id: u64,
        /// The runner's result as JSON, or why there is none.
        result: Result<Value, AsyncError>,
    },
    /// `cids_will_destroy` from the client.
    CidsWillDestroy {
        /// When.
        at: Time,
        /// The cids.
        cids: Vec<u32>,
    },
    /// `cids_destroyed` from the client.
    CidsDestroyed {
        /// When.
        at: Time,
        /// The cids.
        cids: Vec<u32>,
    },
    /// A `send_update` from outside the view ([`AnyView::send_update`]).
    SendUpdate {
        /// When.
        at: Time,
        /// The component.
        to: crate::view::ComponentRef,
        /// The message as JSON.
        update: Value,
    },
    /// An upload input from the socket ([`AnyView::upload`]).
    Upload {
        /// When.
        at: Time,
        /// The input.
        upload: crate::upload::UploadInput,
    },
    /// The view was stopped.
    Stop,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl TraceInput {
    /// The DOM id a join line recorded (views that render children).
    pub fn dom_id(&self) -> Option<&str> {
        match self {
            TraceInput::Join { dom_id, .. } => dom_id.as_deref(),
            _ => None,
        }
    }

    /// The input's join parameters, for a `join` line.
    pub fn join_input(&self) -> Option<Result<JoinInput, String>> {
        match self {
            TraceInput::Join {
                url,
                params,
                session,
                flash,
                connected,
                connect_params,
                sticky,
                child,
                entropy,
                ..
            } => Some(
                Url::parse(url)
                    .map(|url| JoinInput {
                        connected: *connected,
                        url,
                        path_params: params.clone(),
                        pattern: None,
                        session: session.clone(),
                        flash: flash.clone(),
                        connect_params: connect_params.clone(),
                        layout: None,
                        keep_stream_items: false,
                        patch_patterns: Vec::new(),
                        nested: None,
                        sticky: *sticky,
                        child: *child,
                        entropy: *entropy,
                    })
                    .map_err(|e| e.to_string()),
            ),
            _ => None,
        }
    }
}

/// An output line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "out", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TraceOutput {
    /// A successful join.
    Joined {
        /// The full rendered JSON.
        rendered: Value,
        /// A patch asked for during mount.
        live_patch: Option<Navigation>,
    },
    /// A join that navigated away instead of mounting.
    Refused {
        /// Where to.
        navigation: Navigation,
    },
    /// The result of `render_full`.
    Rendered {
        /// The full rendered JSON.
        rendered: Value,
    },
    /// The reply to an event or a live patch.
    Reply {
        /// The diff JSON, `None` when nothing changed.
        diff: Option<Value>,
        /// A navigation the handler asked for.
        navigation: Option<Navigation>,
        /// The task the reply waits for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hold: Option<u64>,
    },
    /// A pub/sub message was accepted.
    Ok,
    /// The components `cids_destroyed` deleted.
    Destroyed {
        /// Their cids.
        cids: Vec<u32>,
    },
    /// An input was refused.
    Error {
        /// `decode` or `ended`.
        error: String,
        /// The error's message.
        message: String,
    },
    /// [`Output::Push`].
    Push {
        /// The diff JSON.
        diff: Value,
    },
    /// [`Output::Navigate`].
    Navigate {
        /// Where to.
        navigation: Navigation,
    },
    /// [`Output::Subscribe`].
    Subscribe {
        /// The topic.
        topic: String,
    },
    /// [`Output::Unsubscribe`].
    Unsubscribe {
        /// The topic.
        topic: String,
    },
    /// [`Output::Broadcast`].
    Broadcast {
        /// The topic.
        topic: String,
        /// The message.
        payload: Value,
    },
    /// [`Output::StartTask`].
    StartTask {
        /// The task's id within the view.
        id: u64,
        /// Its key.
        key: String,
        /// What to do, as JSON.
        task: Value,
    },
    /// [`Output::CancelTask`].
    CancelTask {
        /// The task's id within the view.
        id: u64,
    },
    /// [`Output::SendParent`].
    SendParent {
        /// The info.
        info: Value,
    },
    /// [`Output::SendChild`].
    SendChild {
        /// The child's DOM id.
        id: String,
        /// The info.
        info: Value,
    },
    /// [`Output::UploadEnded`].
    UploadEnded {
        /// The upload's ref.
        upload_ref: String,
        /// The entry's ref.
        entry_ref: String,
        /// Consumed rather than cancelled.
        consumed: bool,
    },
    /// [`Output::PreflightReady`].
    PreflightReady {
        /// The preflight's id.
        id: u64,
        /// The reply's body.
        response: Value,
    },
    /// The answer to an upload input ([`crate::upload::UploadAnswer`]).
    Upload {
        /// The answer as JSON: `{"reply": …}`, `{"preflight": {"response", "sign", "reply"}}`,
        /// `{"registered": entry ref}`, `{"refused": reason}` or `"done"`.
        answer: Value,
    },
    /// `poll_output` returned `None`.
    Idle,
}

/// Parses a rendered/diff JSON string into a value; text that is not JSON is kept as a string.
fn json_value(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_owned()))
}

/// Turns a value written by `json_value` (a parsed JSON text) back into the JSON text.
pub fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl TraceOutput {
    /// The line for a successful join.
    pub fn joined(joined: &Joined) -> TraceOutput {
        TraceOutput::Joined {
            rendered: json_value(&joined.rendered),
            live_patch: joined.live_patch.clone(),
        }
    }

    /// The line for a `render_full` result.
    pub fn rendered(rendered: &str) -> TraceOutput {
        TraceOutput::Rendered {
            rendered: json_value(rendered),
        }
    }

    /// The line for a reply.
    pub fn reply(reply: &Reply) -> TraceOutput {
        TraceOutput::Reply {
            diff: reply.diff.as_deref().map(json_value),
            navigation: reply.navigation.clone(),
            hold: reply.hold,
        }
    }

    /// The line for a refused input.
    pub fn error(e: &InputError) -> TraceOutput {
        let error = match e {
            InputError::Decode(_) => "decode",
            InputError::Ended => "ended",
            InputError::NoComponent(_) => "no_component",
            InputError::Upload(_) => "upload",
        };
        TraceOutput::Error {
            error: error.to_owned(),
            message: e.to_string(),
        }
    }

    /// The line for an input that gives nothing back: `ok` or the error.
    pub fn unit_result(r: &Result<(), InputError>) -> TraceOutput {
        match r {
            Ok(()) => TraceOutput::Ok,
            Err(e) => TraceOutput::error(e),
        }
    }

    /// The line for a reply-or-error result.
    pub fn reply_result(r: &Result<Reply, InputError>) -> TraceOutput {
        match r {
            Ok(reply) => TraceOutput::reply(reply),
            Err(e) => TraceOutput::error(e),
        }
    }

    /// The line for a polled output (`None` → `idle`).
    pub fn polled(o: Option<&Output>) -> TraceOutput {
        match o {
            None => TraceOutput::Idle,
            Some(Output::Push(d)) => TraceOutput::Push {
                diff: json_value(d),
            },
            Some(Output::Navigate(n)) => TraceOutput::Navigate {
                navigation: n.clone(),
            },
            Some(Output::Subscribe(t)) => TraceOutput::Subscribe { topic: t.clone() },
            Some(Output::Unsubscribe(t)) => TraceOutput::Unsubscribe { topic: t.clone() },
            Some(Output::Broadcast { topic, payload }) => TraceOutput::Broadcast {
                topic: topic.clone(),
                payload: payload.clone(),
            },
            Some(Output::StartTask { id, key, task, .. }) => TraceOutput::StartTask {
                id: *id,
                key: key.clone(),
                task: task.clone(),
            },
            Some(Output::CancelTask { id }) => TraceOutput::CancelTask { id: *id },
            Some(Output::SendParent(info)) => TraceOutput::SendParent { info: info.clone() },
            Some(Output::SendChild { id, info }) => TraceOutput::SendChild {
                id: id.clone(),
                info: info.clone(),
            },
            Some(Output::PreflightReady { id, response }) => TraceOutput::PreflightReady {
                id: *id,
                response: response.clone(),
            },
            Some(Output::UploadEnded {
                upload_ref,
                entry_ref,
                consumed,
            }) => TraceOutput::UploadEnded {
                upload_ref: upload_ref.clone(),
                entry_ref: entry_ref.clone(),
                consumed: *consumed,
            },
        }
    }

    /// The line for an upload input's result.
    pub fn upload_result(r: &Result<crate::upload::UploadAnswer, InputError>) -> TraceOutput {
        use crate::upload::UploadAnswer;
        let reply = |r: &Reply| json!({"diff": r.diff.as_deref().map(json_value), "navigation": r.navigation, "hold": r.hold});
        let answer = match r {
            Err(e) => return TraceOutput::error(e),
            Ok(UploadAnswer::Reply(r)) => json!({ "reply": reply(r) }),
            Ok(UploadAnswer::Preflight {
                response,
                sign,
                reply: r,
            }) => json!({"preflight": {"response": response, "sign": sign, "reply": reply(r)}}),
            Ok(UploadAnswer::Pending { id, reply: r }) => {
                json!({"pending": {"id": id, "reply": reply(r)}})
            }
            Ok(UploadAnswer::Registered(r)) => json!({ "registered": r.entry.entry_ref }),
            Ok(UploadAnswer::Refused(why)) => json!({ "refused": why }),
            Ok(UploadAnswer::Done) => json!("done"),
        };
        TraceOutput::Upload { answer }
    }

    /// This line as a polled [`Output`], if it is one (`idle` gives `Some(None)`).
    pub fn as_polled(&self) -> Option<Option<Output>> {
        Some(Some(match self {
            TraceOutput::Idle => return Some(None),
            TraceOutput::Push { diff } => Output::Push(json_text(diff)),
            TraceOutput::Navigate { navigation } => Output::Navigate(navigation.clone()),
            TraceOutput::Subscribe { topic } => Output::Subscribe(topic.clone()),
            TraceOutput::Unsubscribe { topic } => Output::Unsubscribe(topic.clone()),
            TraceOutput::Broadcast { topic, payload } => Output::Broadcast {
                topic: topic.clone(),
                payload: payload.clone(),
            },
            // A replay runs no task: which runner would is not recorded.
            TraceOutput::StartTask { id, key, task } => Output::StartTask {
                id: *id,
                key: key.clone(),
                task: task.clone(),
                runner: None,
            },
            TraceOutput::CancelTask { id } => Output::CancelTask { id: *id },
            TraceOutput::SendParent { info } => Output::SendParent(info.clone()),
            TraceOutput::SendChild { id, info } => Output::SendChild {
                id: id.clone(),
                info: info.clone(),
            },
            TraceOutput::PreflightReady { id, response } => Output::PreflightReady {
                id: *id,
                response: response.clone(),
            },
            TraceOutput::UploadEnded {
                upload_ref,
                entry_ref,
                consumed,
            } => Output::UploadEnded {
                upload_ref: upload_ref.clone(),
                entry_ref: entry_ref.clone(),
                consumed: *consumed,
            },
            _ => return None,
        }))
    }
}

/// One line of a trace after the header.
#[derive(Clone, Debug, PartialEq)]
pub enum TraceLine {
    /// A call into the view.
    Input(TraceInput),
    /// Something the view produced.
    Output(TraceOutput),
}

impl TraceLine {
    /// The line as JSON text (without newline).
    pub fn to_json(&self) -> String {
        let r = match self {
            TraceLine::Input(i) => serde_json::to_string(i),
            TraceLine::Output(o) => serde_json::to_string(o),
        };
        // The types hold only string-keyed maps, so serialization cannot fail.
        r.unwrap_or_else(|e| format!("{{\"trace_error\":{:?}}}", e.to_string()))
    }

    /// Parses one line (not the header).
    pub fn parse(text: &str) -> Result<TraceLine, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let obj = v.as_object().ok_or("not a JSON object")?;
        if obj.contains_key("in") {
            serde_json::from_value(v)
                .map(TraceLine::Input)
                .map_err(|e| format!("bad input line: {e}"))
        } else if obj.contains_key("out") {
            serde_json::from_value(v)
                .map(TraceLine::Output)
                .map_err(|e| format!("bad output line: {e}"))
        } else {
            Err("a line must have an \"in\" or an \"out\" field".to_owned())
        }
    }
}

/// A trace line with its 1-based line number in the text.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberedLine {
    /// The 1-based line number.
    pub number: usize,
    /// The line.
    pub line: TraceLine,
}

/// A parsed trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The header (line 1).
    pub header: Header,
    /// The following lines, in order.
    pub lines: Vec<NumberedLine>,
}

/// Why a trace could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trace line {}: {}", self.line, self.message)
    }
}
impl std::error::Error for TraceError {}

/// Parses trace text: checks the header and version and every line.
pub fn parse_trace(text: &str) -> Result<Trace, TraceError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (i, first) = lines.next().ok_or(TraceError {
        line: 1,
        message: "empty trace".into(),
    })?;
    let header: Header = serde_json::from_str(first).map_err(|e| TraceError {
        line: i + 1,
        message: format!("bad header: {e}"),
    })?;
    if header.trace != "liveview" {
        return Err(TraceError {
            line: i + 1,
            message: format!("not a liveview trace: {:?}", header.trace),
        });
    }
    if header.version != TRACE_VERSION {
        return Err(TraceError {
            line: i + 1,
            message: format!(
                "unsupported trace version {} (this build reads {TRACE_VERSION})",
                header.version
            ),
        });
    }
    let mut out = Vec::new();
    for (i, l) in lines {
        let line = TraceLine::parse(l.trim()).map_err(|message| TraceError {
            line: i + 1,
            message,
        })?;
        out.push(NumberedLine {
            number: i + 1,
            line,
        });
    }
    Ok(Trace { header, lines: out })
}

/// Decides, for each view about to be joined, whether to record it and where.
///
/// An adapter keeps one (e.g. "write every join to `traces/<n>.jsonl`") and
/// joins views through [`join_recorded`].
pub trait TraceFactory: Send + Sync {
    /// A sink for the view about to be joined at `url` through `route`, or
    /// `None` to not record it.
    fn sink(&self, route: &str, url: &Url) -> Option<Box<dyn TraceSink>>;
}

/// Joins a view through `join`, recording it when `factory` gives a sink.
///
/// This is the one call a socket machine makes in place of `route.join(now, input)`:
///
/// ```ignore
/// let joined = trace::join_recorded(config.trace.as_deref(), route.pattern(), now, input,
///     |now, input| route.join(now, input));
/// ```
pub fn join_recorded<F>(
    factory: Option<&dyn TraceFactory>,
    route: &str,
    now: Time,
    input: JoinInput,
    join: F,
) -> Result<(Box<dyn AnyView>, Joined), Navigation>
where
    F: FnOnce(Time, JoinInput) -> Result<(Box<dyn AnyView>, Joined), Navigation>,
{
    match factory.and_then(|f| f.sink(route, &input.url)) {
        Some(sink) => Recorder::join(sink, route, now, input, join)
            .map(|(rec, joined)| (Box::new(rec) as Box<dyn AnyView>, joined)),
        None => join(now, input),
    }
}

fn join_line(now: Time, input: &JoinInput) -> TraceInput {
    TraceInput::Join {
        at: now,
        url: input.url.to_string(),
        params: input.path_params.clone(),
        session: input.session.clone(),
        flash: input.flash.clone(),
        connected: input.connected,
        connect_params: input.connect_params.clone(),
        dom_id: input.nested.as_ref().map(|n| n.id.clone()),
        sticky: input.sticky,
        child: input.child,
        entropy: input.entropy,
    }
}

fn begin(sink: &dyn TraceSink, route: &str, view: Option<&str>, join: TraceInput) {
    let header = Header {
        trace: "liveview".into(),
        version: TRACE_VERSION,
        view: view.map(str::to_owned),
        route: route.to_owned(),
    };
    sink.write_line(&serde_json::to_string(&header).unwrap_or_default());
    sink.write_line(&TraceLine::Input(join).to_json());
}

/// Wraps a view and records every input and output to a [`TraceSink`].
///
/// It implements [`AnyView`], so an adapter uses it in place of the view:
///
/// ```ignore
/// let joined = Recorder::join(Box::new(file_sink), "/counter", now, input,
///     |now, input| route.join(now, input))?;   // any join returning Box<dyn AnyView>
/// let (view, joined): (Recorder, Joined) = joined;
/// let view: Box<dyn AnyView> = Box::new(view);
/// ```
pub struct Recorder {
    inner: Box<dyn AnyView>,
    sink: Box<dyn TraceSink>,
    idle: bool,
}

impl Recorder {
    /// Joins a view through `join` and records the header, the join input and
    /// its result. On success, the returned recorder records everything after.
    pub fn join<F>(
        sink: Box<dyn TraceSink>,
        route: &str,
        now: Time,
        input: JoinInput,
        join: F,
    ) -> Result<(Recorder, Joined), Navigation>
    where
        F: FnOnce(Time, JoinInput) -> Result<(Box<dyn AnyView>, Joined), Navigation>,
    {
        let line = join_line(now, &input);
        let result = join(now, input);
        let view = result.as_ref().ok().map(|(v, _)| v.type_name());
        begin(sink.as_ref(), route, view, line);
        match result {
            Ok((inner, joined)) => {
                sink.write_line(&TraceLine::Output(TraceOutput::joined(&joined)).to_json());
                Ok((
                    Recorder {
                        inner,
                        sink,
                        idle: false,
                    },
                    joined,
                ))
            }
            Err(nav) => {
                sink.write_line(
                    &TraceLine::Output(TraceOutput::Refused {
                        navigation: nav.clone(),
                    })
                    .to_json(),
                );
                Err(nav)
            }
        }
    }

    /// Starts recording an already joined view: writes the header and the
    /// given join input and result, as [`Recorder::join`] would have.
    pub fn wrap(
        sink: Box<dyn TraceSink>,
        route: &str,
        now: Time,
        input: &JoinInput,
        view: Box<dyn AnyView>,
        joined: &Joined,
    ) -> Recorder {
        begin(
            sink.as_ref(),
            route,
            Some(view.type_name()),
            join_line(now, input),
        );
        sink.write_line(&TraceLine::Output(TraceOutput::joined(joined)).to_json());
        Recorder {
            inner: view,
            sink,
            idle: false,
        }
    }

    /// The wrapped view.
    pub fn into_inner(self) -> Box<dyn AnyView> {
        self.inner
    }

    fn input(&mut self, i: TraceInput) {
        self.idle = false;
        self.sink.write_line(&TraceLine::Input(i).to_json());
    }

    fn output(&self, o: TraceOutput) {
        self.sink.write_line(&TraceLine::Output(o).to_json());
    }
}

impl AnyView for Recorder {
    fn type_name(&self) -> &'static str {
        self.inner.type_name()
    }

    fn render_html(&self) -> String {
        self.inner.render_html()
    }

    fn render_full(&mut self) -> String {
        self.input(TraceInput::RenderFull);
        let r = self.inner.render_full();
        self.output(TraceOutput::rendered(&r));
        r
    }

    fn handle_event(&mut self, now: Time, event: ClientEvent) -> Result<Reply, InputError> {
        self.input(TraceInput::Event {
            at: now,
            event: event.clone(),
        });
        let r = self.inner.handle_event(now, event);
        self.output(TraceOutput::reply_result(&r));
        r
    }

    fn handle_params(&mut self, now: Time, url: Url) -> Result<Reply, InputError> {
        self.input(TraceInput::Params {
            at: now,
            url: url.to_string(),
        });
        let r = self.inner.handle_params(now, url);
        self.output(TraceOutput::reply_result(&r));
        r
    }

    fn handle_pubsub(&mut self, now: Time, topic: &str, payload: &Value) -> Result<(), InputError> {
        self.input(TraceInput::Pubsub {
            at: now,
            topic: topic.to_owned(),
            payload: payload.clone(),
        });
        let r = self.inner.handle_pubsub(now, topic, payload);
        self.output(match &r {
            Ok(()) => TraceOutput::Ok,
            Err(e) => TraceOutput::error(e),
        });
        r
    }

    fn handle_info_value(&mut self, now: Time, payload: &Value) -> Result<(), InputError> {
        self.input(TraceInput::Info {
            at: now,
            payload: payload.clone(),
        });
        let r = self.inner.handle_info_value(now, payload);
        self.output(match &r {
            Ok(()) => TraceOutput::Ok,
            Err(e) => TraceOutput::error(e),
        });
        r
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self.inner.as_any()
    }

    fn poll_timeout(&self) -> Option<Time> {
        self.inner.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Time) {
        self.input(TraceInput::Timeout { at: now });
        self.inner.handle_timeout(now)
    }

    fn poll_output(&mut self) -> Option<Output> {
        let o = self.inner.poll_output();
        if o.is_some() || !self.idle {
            self.output(TraceOutput::polled(o.as_ref()));
        }
        self.idle = o.is_none();
        o
    }

    fn stop(&mut self) {
        self.input(TraceInput::Stop);
        self.inner.stop()
    }

    fn timer_count(&self) -> usize {
        self.inner.timer_count()
    }

    fn subscriptions(&self) -> Vec<String> {
        self.inner.subscriptions()
    }

    fn handle_async(
        &mut self,
        now: Time,
        id: u64,
        result: Result<Value, AsyncError>,
    ) -> Result<(), InputError> {
        self.input(TraceInput::Async {
            at: now,
            id,
            result: result.clone(),
        });
        let r = self.inner.handle_async(now, id, result);
        self.output(match &r {
            Ok(()) => TraceOutput::Ok,
            Err(e) => TraceOutput::error(e),
        });
        r
    }

    fn pending_tasks(&self) -> Vec<crate::runtime::PendingTask> {
        self.inner.pending_tasks()
    }

    fn cids_will_destroy(&mut self, now: Time, cids: &[u32]) -> Result<(), InputError> {
        self.input(TraceInput::CidsWillDestroy {
            at: now,
            cids: cids.to_vec(),
        });
        let r = self.inner.cids_will_destroy(now, cids);
        self.output(TraceOutput::unit_result(&r));
        r
    }

    fn cids_destroyed(&mut self, now: Time, cids: &[u32]) -> Result<Vec<u32>, InputError> {
        self.input(TraceInput::CidsDestroyed {
            at: now,
            cids: cids.to_vec(),
        });
        let r = self.inner.cids_destroyed(now, cids);
        self.output(match &r {
            Ok(cids) => TraceOutput::Destroyed { cids: cids.clone() },
            Err(e) => TraceOutput::error(e),
        });
        r
    }

    fn send_update(
        &mut self,
        now: Time,
        to: crate::view::ComponentRef,
        update: Value,
    ) -> Result<(), InputError> {
        self.input(TraceInput::SendUpdate {
            at: now,
            to: to.clone(),
            update: update.clone(),
        });
        let r = self.inner.send_update(now, to, update);
        self.output(TraceOutput::unit_result(&r));
        r
    }

    fn upload(
        &mut self,
        now: Time,
        input: crate::upload::UploadInput,
    ) -> Result<crate::upload::UploadAnswer, InputError> {
        self.input(TraceInput::Upload {
            at: now,
            upload: input.clone(),
        });
        let r = self.inner.upload(now, input);
        self.output(TraceOutput::upload_result(&r));
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventValue;
    use serde_json::json;

    /// A hand-written view (no driver) to exercise the recorder.
    struct Echo {
        n: u64,
        out: Vec<Output>,
    }

    impl AnyView for Echo {
        fn handle_async(
            &mut self,
            _: Time,
            _: u64,
            _: Result<serde_json::Value, AsyncError>,
        ) -> Result<(), InputError> {
            Ok(())
        }
        fn pending_tasks(&self) -> Vec<crate::runtime::PendingTask> {
            Vec::new()
        }
        fn handle_info_value(&mut self, _: Time, _: &serde_json::Value) -> Result<(), InputError> {
            Ok(())
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn type_name(&self) -> &'static str {
            "Echo"
        }
        fn render_html(&self) -> String {
            format!("<b>{}</b>", self.n)
        }
        fn render_full(&mut self) -> String {
            json!({"0": self.n.to_string(), "s": ["<b>", "</b>"]}).to_string()
        }
        fn handle_event(&mut self, _now: Time, event: ClientEvent) -> Result<Reply, InputError> {
            if event.name != "inc" {
                return Err(InputError::Decode(crate::event::DecodeError {
                    event: event.name,
                    reason: "unknown event".into(),
                }));
            }
            self.n += 1;
            self.out.push(Output::Broadcast {
                topic: "t".into(),
                payload: json!(self.n),
            });
            Ok(Reply {
                diff: Some(json!({"0": self.n.to_string()}).to_string()),
                navigation: None,
                hold: None,
            })
        }
        fn handle_params(&mut self, _now: Time, url: Url) -> Result<Reply, InputError> {
            Ok(Reply {
                diff: None,
                navigation: Some(Navigation::Patch {
                    to: url.to_string(),
                    replace: true,
                }),
                hold: None,
            })
        }
        fn handle_pubsub(
            &mut self,
            _now: Time,
            _topic: &str,
            _payload: &Value,
        ) -> Result<(), InputError> {
            Err(InputError::Ended)
        }
        fn poll_timeout(&self) -> Option<Time> {
            None
        }
        fn handle_timeout(&mut self, _now: Time) {}
        fn poll_output(&mut self) -> Option<Output> {
            if self.out.is_empty() {
                None
            } else {
                Some(self.out.remove(0))
            }
        }
        fn stop(&mut self) {
            self.out.push(Output::Unsubscribe("t".into()));
        }
        fn timer_count(&self) -> usize {
            0
        }
        fn subscriptions(&self) -> Vec<String> {
            vec![]
        }
    }

    fn click(name: &str) -> ClientEvent {
        ClientEvent {
            kind: "click".into(),
            name: name.into(),
            value: EventValue::Json(json!({"value": ""})),
            meta: Default::default(),
            cid: None,
            uploads: None,
        }
    }

    fn record() -> (MemorySink, Recorder) {
        let sink = MemorySink::new();
        let input = JoinInput {
            connected: true,
            url: Url::parse("/echo?x=1").unwrap(),
            ..Default::default()
        };
        let joined = Joined {
            rendered: r#"{"0":"0","s":["<b>","</b>"]}"#.into(),
            live_patch: None,
        };
        let rec = Recorder::wrap(
            Box::new(sink.clone()),
            "/echo",
            Time::ZERO,
            &input,
            Box::new(Echo { n: 0, out: vec![] }),
            &joined,
        );
        (sink, rec)
    }

    #[test]
    fn records_every_input_and_output_in_order() {
        let (sink, mut rec) = record();
        let t = Time::from_millis(5);
        assert!(rec.handle_event(t, click("inc")).is_ok());
        while rec.poll_output().is_some() {}
        assert!(rec.poll_output().is_none()); // a second idle poll is not written again
        assert!(rec.handle_event(t, click("nope")).is_err());
        assert!(rec
            .handle_params(t, Url::parse("/echo?x=2").unwrap())
            .is_ok());
        assert_eq!(rec.handle_pubsub(t, "t", &json!(1)), Err(InputError::Ended));
        rec.handle_timeout(Time::from_millis(9));
        assert_eq!(rec.render_full(), r#"{"0":"1","s":["<b>","</b>"]}"#);
        rec.stop();
        assert_eq!(rec.poll_output(), Some(Output::Unsubscribe("t".into())));
        let lines = sink.lines();
        let expected = [
            r#"{"trace":"liveview","version":1,"view":"Echo","route":"/echo"}"#,
            r#"{"in":"join","at":0,"url":"/echo?x=1","params":{},"session":{},"flash":{},"connected":true}"#,
            r#"{"out":"joined","rendered":{"0":"0","s":["<b>","</b>"]},"live_patch":null}"#,
            r#"{"in":"event","at":5000,"event":{"kind":"click","name":"inc","value":{"json":{"value":""}}}}"#,
            r#"{"out":"reply","diff":{"0":"1"},"navigation":null}"#,
            r#"{"out":"broadcast","topic":"t","payload":1}"#,
            r#"{"out":"idle"}"#,
            r#"{"in":"event","at":5000,"event":{"kind":"click","name":"nope","value":{"json":{"value":""}}}}"#,
            r#"{"out":"error","error":"decode","message":"cannot decode event \"nope\": unknown event"}"#,
            r#"{"in":"params","at":5000,"url":"/echo?x=2"}"#,
            r#"{"out":"reply","diff":null,"navigation":{"kind":"patch","to":"/echo?x=2","replace":true}}"#,
            r#"{"in":"pubsub","at":5000,"topic":"t","payload":1}"#,
            r#"{"out":"error","error":"ended","message":"the view has ended"}"#,
            r#"{"in":"timeout","at":9000}"#,
            r#"{"in":"render_full"}"#,
            r#"{"out":"rendered","rendered":{"0":"1","s":["<b>","</b>"]}}"#,
            r#"{"in":"stop"}"#,
            r#"{"out":"unsubscribe","topic":"t"}"#,
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn recorded_text_parses_back_to_the_same_lines() {
        let (sink, mut rec) = record();
        rec.handle_event(Time::from_millis(1), click("inc"))
            .unwrap();
        while rec.poll_output().is_some() {}
        let trace = parse_trace(&sink.text()).unwrap();
        assert_eq!(trace.header.view.as_deref(), Some("Echo"));
        let again: Vec<String> = trace.lines.iter().map(|l| l.line.to_json()).collect();
        assert_eq!(again, sink.lines()[1..]);
        let join = trace.lines[0].line.clone();
        match join {
            TraceLine::Input(i) => {
                let ji = i.join_input().unwrap().unwrap();
                assert_eq!(ji.url.to_string(), "/echo?x=1");
                assert!(ji.connected);
            }
            other => panic!("expected the join line, got {other:?}"),
        }
        assert_eq!(
            TraceOutput::polled(Some(&Output::Push("{\"0\":\"2\"}".into()))).as_polled(),
            Some(Some(Output::Push("{\"0\":\"2\"}".into())))
        );
    }

    #[test]
    fn refused_join_is_recorded() {
        let sink = MemorySink::new();
        let nav = Navigation::Redirect {
            to: "/login".into(),
            flash: Flash::default(),
        };
        let nav2 = nav.clone();
        let r = Recorder::join(
            Box::new(sink.clone()),
            "/secret",
            Time::ZERO,
            JoinInput::default(),
            move |_, _| Err(nav2),
        );
        assert_eq!(r.err(), Some(nav));
        let trace = parse_trace(&sink.text()).unwrap();
        assert_eq!(trace.header.view, None);
        assert!(matches!(
            trace.lines[1].line,
            TraceLine::Output(TraceOutput::Refused { .. })
        ));
    }

    /// Records only `/echo` joins, into one shared memory sink.
    struct OnlyEcho(MemorySink);
    impl TraceFactory for OnlyEcho {
        fn sink(&self, route: &str, _url: &Url) -> Option<Box<dyn TraceSink>> {
            (route == "/echo").then(|| Box::new(self.0.clone()) as Box<dyn TraceSink>)
        }
    }

    fn join_echo(_: Time, _: JoinInput) -> Result<(Box<dyn AnyView>, Joined), Navigation> {
        let joined = Joined {
            rendered: r#"{"0":"0","s":["<b>","</b>"]}"#.into(),
            live_patch: None,
        };
        Ok((Box::new(Echo { n: 0, out: vec![] }), joined))
    }

    #[test]
    fn join_recorded_records_what_the_factory_asks_for() {
        let sink = MemorySink::new();
        let factory = OnlyEcho(sink.clone());
        let input = JoinInput {
            connected: true,
            url: Url::parse("/echo").unwrap(),
            ..Default::default()
        };
        let (mut view, _) = join_recorded(
            Some(&factory),
            "/echo",
            Time::ZERO,
            input.clone(),
            join_echo,
        )
        .ok()
        .unwrap();
        view.handle_event(Time::from_millis(3), click("inc"))
            .unwrap();
        assert_eq!(sink.lines().len(), 5, "{:?}", sink.lines());
        let (mut other, _) = join_recorded(
            Some(&factory),
            "/other",
            Time::ZERO,
            input.clone(),
            join_echo,
        )
        .ok()
        .unwrap();
        other.handle_event(Time::ZERO, click("inc")).unwrap();
        let (mut plain, _) = join_recorded(None, "/echo", Time::ZERO, input, join_echo)
            .ok()
            .unwrap();
        plain.handle_event(Time::ZERO, click("inc")).unwrap();
        assert_eq!(sink.lines().len(), 5, "only the first view was recorded");
        assert!(parse_trace(&sink.text()).is_ok());
    }

    #[test]
    fn bad_traces_are_errors_with_line_numbers() {
        assert_eq!(parse_trace("").unwrap_err().line, 1);
        let v2 = r#"{"trace":"liveview","version":2,"view":null,"route":"/"}"#;
        assert!(parse_trace(v2)
            .unwrap_err()
            .message
            .contains("unsupported trace version 2"));
        let other = r#"{"trace":"other","version":1,"view":null,"route":"/"}"#;
        assert!(parse_trace(other)
            .unwrap_err()
            .message
            .contains("not a liveview trace"));
        let head = r#"{"trace":"liveview","version":1,"view":null,"route":"/"}"#;
        let e = parse_trace(&format!("{head}\n\n{{\"in\":\"warp\"}}\n")).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("bad input line"), "{}", e.message);
        let e = parse_trace(&format!("{head}\n[1]\n")).unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (2, "not a JSON object"));
        let e = parse_trace(&format!("{head}\n{{\"x\":1}}\n")).unwrap_err();
        assert!(e.message.contains("\"in\" or an \"out\""));
    }
}
