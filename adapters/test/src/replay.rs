//! Replaying recorded traces against the current code.

use liveview_core::nested::{ChildToken, NestedCx, NestedHost};
use liveview_core::protocol::Router;
use liveview_core::runtime::{AnyView, JoinInput, Joined, Navigation, ViewDriver};
use liveview_core::trace::{parse_trace, NumberedLine, TraceInput, TraceLine, TraceOutput};
use liveview_core::view::Url;
use liveview_core::{LiveView, Time};
use std::fmt;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

/// The result of a join: the view and its join reply, or where it navigated instead.
pub type JoinResult = Result<(Box<dyn AnyView>, Joined), Navigation>;

/// A successful replay.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayReport {
    /// The view's type name as recorded.
    pub view: Option<String>,
    /// The route as recorded.
    pub route: String,
    /// How many inputs were fed.
    pub inputs: usize,
    /// Every output the replayed view produced, in order (all equal to the recorded ones).
    pub outputs: Vec<TraceOutput>,
    /// The view's HTML at the end (empty when the join was refused).
    pub final_html: String,
}

/// Where a replay went differently from the recording (or why it could not run).
#[derive(Clone, PartialEq)]
pub struct Divergence {
    /// The 1-based line number of the trace line that did not match.
    pub line: usize,
    /// The last input before it (its line number and text), for context.
    pub after_input: Option<(usize, String)>,
    /// The recorded line (or what the trace needed).
    pub expected: String,
    /// What the replay produced instead.
    pub actual: String,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trace diverges at line {}", self.line)?;
        if let Some((n, text)) = &self.after_input {
            write!(f, " (after the input on line {n}: {text})")?;
        }
        write!(
            f,
            "\n  expected: {}\n  actual:   {}",
            self.expected, self.actual
        )
    }
}

impl fmt::Debug for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Divergence {}

/// Replays a trace: recreates the view by the join URL's route in `router`
/// (its live session's `on_mount` hooks, then the view, as a socket's join
/// does), feeds every recorded input at its recorded time and compares every
/// output with the recorded one. The first difference is the error.
///
/// A child view's trace ([`liveview_core::nested`]) has no route: replay it
/// with [`replay_with`] and [`join_typed`] of its view.
pub fn replay(router: &Router, trace_text: &str) -> Result<ReplayReport, Divergence> {
    if let Ok(trace) = parse_trace(trace_text) {
        // Route patterns start with '/'; a child's trace names its view instead.
        if !trace.header.route.starts_with('/') {
            return Err(Divergence {
                line: 1,
                after_input: None,
                expected: "the trace of a routed view".into(),
                actual: format!(
                    "the trace of the child view {}: replay it with replay_with(trace, join_typed::<{}>)",
                    trace.header.route,
                    trace.header.route.rsplit("::").next().unwrap_or_default()
                ),
            });
        }
    }
    replay_with(trace_text, |now, mut input| {
        let (route, params) = router.route(input.url.path())?;
        input.path_params = params;
        Some(router.mount(route, now, input))
    })
}

/// Mounts a view of type `V`: the join to give [`replay_with`] for traces of
/// views mounted by type ([`TestApp::mount_view`](crate::TestApp::mount_view)).
pub fn join_typed<V: LiveView>(now: Time, input: JoinInput) -> Option<JoinResult> {
    Some(ViewDriver::<V>::join(now, input).map(|(d, j)| (Box::new(d) as Box<dyn AnyView>, j)))
}

/// [`replay`] with a custom join: `join` gets the recorded time and join input
/// and returns `None` when it cannot serve the URL.
pub fn replay_with<F>(trace_text: &str, join: F) -> Result<ReplayReport, Divergence>
where
    F: FnOnce(Time, JoinInput) -> Option<JoinResult>,
{
    let trace = parse_trace(trace_text).map_err(|e| Divergence {
        line: e.line,
        after_input: None,
        expected: "a valid liveview trace".into(),
        actual: e.message,
    })?;
    let mut lines = trace.lines.into_iter().peekable();
    let mut report = ReplayReport {
        view: trace.header.view.clone(),
        route: trace.header.route.clone(),
        inputs: 0,
        outputs: Vec::new(),
        final_html: String::new(),
    };

    // The join.
    let first = lines.next().ok_or(Divergence {
        line: 2,
        after_input: None,
        expected: "a join line".into(),
        actual: "end of trace".into(),
    })?;
    let (at, input) = match &first.line {
        TraceLine::Input(i @ TraceInput::Join { at, .. }) => match i.join_input() {
            Some(Ok(mut input)) => {
                // A view that renders children gets the tokens it signed back
                // from the trace: they are signatures made with the app's
                // secret, inputs to the view as time is.
                if let Some(id) = i.dom_id() {
                    input.nested = Some(NestedCx {
                        host: Arc::new(RecordedTokens::from_trace(trace_text)),
                        id: id.to_owned(),
                    });
                }
                (*at, input)
            }
            Some(Err(e)) => return Err(div(&first, None, "a valid join URL", &e)),
            None => return Err(div(&first, None, "a join line", &first.line.to_json())),
        },
        other => return Err(div(&first, None, "a join line first", &other.to_json())),
    };
    let context = Some((first.number, first.line.to_json()));
    report.inputs += 1;
    let path = input.url.path().to_owned();
    let result = join(at, input).ok_or_else(|| {
        div(
            &first,
            None,
            "a route for the join URL",
            &format!("no live route for {path:?} in this router"),
        )
    })?;
    let (mut view, actual): (Option<Box<dyn AnyView>>, TraceOutput) = match result {
        Ok((view, joined)) => (Some(view), TraceOutput::joined(&joined)),
        Err(nav) => (None, TraceOutput::Refused { navigation: nav }),
    };
    expect_result(&mut lines, &context, actual, &mut report)?;

    let mut context = context;
    while let Some(line) = lines.next() {
        let Some(v) = view.as_mut() else {
            return Err(div(
                &line,
                context,
                "nothing after a refused join",
                &line.line.to_json(),
            ));
        };
        match &line.line {
            TraceLine::Input(input) => {
                report.inputs += 1;
                context = Some((line.number, line.line.to_json()));
                let actual = match input.clone() {
                    TraceInput::Join { .. } => {
                        return Err(div(
                            &line,
                            context,
                            "one join per trace",
                            &line.line.to_json(),
                        ));
                    }
                    TraceInput::RenderFull => Some(TraceOutput::rendered(&v.render_full())),
                    TraceInput::Event { at, event } => {
                        Some(TraceOutput::reply_result(&v.handle_event(at, event)))
                    }
                    TraceInput::Params { at, url } => {
                        let url = Url::parse(&url)
                            .map_err(|e| div(&line, None, "a valid URL", &e.to_string()))?;
                        Some(TraceOutput::reply_result(&v.handle_params(at, url)))
                    }
                    TraceInput::Pubsub { at, topic, payload } => {
                        Some(match v.handle_pubsub(at, &topic, &payload) {
                            Ok(()) => TraceOutput::Ok,
                            Err(e) => TraceOutput::error(&e),
                        })
                    }
                    TraceInput::Info { at, payload } => {
                        Some(match v.handle_info_value(at, &payload) {
                            Ok(()) => TraceOutput::Ok,
                            Err(e) => TraceOutput::error(&e),
                        })
                    }
                    TraceInput::Timeout { at } => {
                        v.handle_timeout(at);
                        None
                    }
                    TraceInput::Async { at, id, result } => {
                        Some(match v.handle_async(at, id, result) {
                            Ok(()) => TraceOutput::Ok,
                            Err(e) => TraceOutput::error(&e),
                        })
                    }
                    TraceInput::CidsWillDestroy { at, cids } => {
                        Some(TraceOutput::unit_result(&v.cids_will_destroy(at, &cids)))
                    }
                    TraceInput::CidsDestroyed { at, cids } => {
                        Some(match v.cids_destroyed(at, &cids) {
                            Ok(cids) => TraceOutput::Destroyed { cids },
                            Err(e) => TraceOutput::error(&e),
                        })
                    }
                    TraceInput::SendUpdate { at, to, update } => {
                        Some(TraceOutput::unit_result(&v.send_update(at, to, update)))
                    }
                    // What the socket told the view about its uploads
                    // (the writer's reports included): its answer is
                    // compared, so a changed preflight, token set or
                    // progress reply diverges.
                    TraceInput::Upload { at, upload } => {
                        Some(TraceOutput::upload_result(&v.upload(at, upload)))
                    }
                    TraceInput::Stop => {
                        v.stop();
                        None
                    }
                    other => {
                        return Err(div(
                            &line,
                            context,
                            "an input this replayer knows",
                            &format!("{other:?}"),
                        ));
                    }
                };
                if let Some(actual) = actual {
                    expect_result(&mut lines, &context, actual, &mut report)?;
                }
            }
            TraceLine::Output(expected) => {
                if expected.as_polled().is_none() {
                    return Err(div(
                        &line,
                        context,
                        "a polled output (push, navigate, subscribe, unsubscribe, broadcast, idle)",
                        &line.line.to_json(),
                    ));
                }
                let actual = TraceOutput::polled(v.poll_output().as_ref());
                if &actual != expected {
                    return Err(div(
                        &line,
                        context,
                        &line.line.to_json(),
                        &TraceLine::Output(actual).to_json(),
                    ));
                }
                report.outputs.push(actual);
            }
        }
    }
    if let Some(v) = view.as_ref() {
        report.final_html = v.render_html();
    }
    Ok(report)
}

fn div(
    line: &NumberedLine,
    after: Option<(usize, String)>,
    expected: &str,
    actual: &str,
) -> Divergence {
    Divergence {
        line: line.number,
        after_input: after,
        expected: expected.to_owned(),
        actual: actual.to_owned(),
    }
}

/// Checks that the next line is the recorded direct result of the last input.
fn expect_result<I: Iterator<Item = NumberedLine>>(
    lines: &mut std::iter::Peekable<I>,
    context: &Option<(usize, String)>,
    actual: TraceOutput,
    report: &mut ReplayReport,
) -> Result<(), Divergence> {
    let actual_text = TraceLine::Output(actual.clone()).to_json();
    let Some(next) = lines.next() else {
        let line = context.as_ref().map(|(n, _)| n + 1).unwrap_or(2);
        return Err(Divergence {
            line,
            after_input: context.clone(),
            expected: "the recorded result of the input (the trace ends here)".into(),
            actual: actual_text,
        });
    };
    match &next.line {
        TraceLine::Output(expected) if *expected == actual => {
            report.outputs.push(actual);
            Ok(())
        }
        other => Err(div(&next, context.clone(), &other.to_json(), &actual_text)),
    }
}

/// The body of a `lv-replay` binary: replays every trace file named on the
/// command line against `router`, prints one line per file, and on the first
/// divergence prints it (line, expected and actual) and exits with status 1
/// (2 for usage or IO errors).
///
/// A project's own binary is five lines:
///
/// ```no_run
/// # use liveview_core::protocol::Router;
/// # fn my_router() -> Router { todo!() }
/// fn main() -> std::process::ExitCode {
///     liveview_test::replay_main(my_router())
/// }
/// ```
pub fn replay_main(router: Router) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = replay_cli(
        &router,
        &args,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    ExitCode::from(code)
}

/// What [`replay_main`] does, with the arguments and output streams given:
/// returns the exit status (0 all traces match, 1 a divergence, 2 usage or IO error).
pub fn replay_cli(
    router: &Router,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    // Write errors on the report streams are ignored: the exit status carries the result.
    if args.is_empty() || args.iter().any(|f| f == "-h" || f == "--help") {
        let _ = writeln!(err, "usage: lv-replay TRACE_FILE...\nReplays liveview traces and reports the first divergence.");
        return 2;
    }
    for file in args {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(err, "{file}: cannot read: {e}");
                return 2;
            }
        };
        match replay(router, &text) {
            Ok(r) => {
                let _ = writeln!(
                    out,
                    "{file}: ok: {} ({}), {} inputs, {} outputs match",
                    r.view.as_deref().unwrap_or("join refused"),
                    r.route,
                    r.inputs,
                    r.outputs.len()
                );
            }
            Err(d) => {
                let _ = writeln!(err, "{file}: {d}");
                return 1;
            }
        }
    }
    0
}

/// The child tokens a recorded view signed, read back from its trace's
/// outputs (`id="…" data-phx-session="…"` of each child container), given
/// out per child in the order they were recorded.
struct RecordedTokens {
    by_child:
        std::sync::Mutex<std::collections::HashMap<String, std::collections::VecDeque<String>>>,
}

impl RecordedTokens {
    fn from_trace(text: &str) -> RecordedTokens {
        // In the JSON lines the HTML's quotes are escaped.
        const SESSION: &str = "data-phx-session=\\\"";
        const ID: &str = "id=\\\"";
        const QUOTE: &str = "\\\"";
        let mut by_child: std::collections::HashMap<String, std::collections::VecDeque<String>> =
            Default::default();
        let mut rest = text;
        while let Some(at) = rest.find(SESSION) {
            let token_start = at + SESSION.len();
            let token_end = rest[token_start..].find(QUOTE).map(|e| token_start + e);
            let tag_start = rest[..at].rfind('<');
            if let (Some(end), Some(tag)) = (token_end, tag_start) {
                let tag_text = &rest[tag..at];
                if let Some(i) = tag_text.find(ID) {
                    let id_start = i + ID.len();
                    if let Some(len) = tag_text[id_start..].find(QUOTE) {
                        let id = tag_text[id_start..id_start + len].to_owned();
                        let token = rest[token_start..end].to_owned();
                        let queue = by_child.entry(id).or_default();
                        if !token.is_empty() && queue.back() != Some(&token) {
                            queue.push_back(token);
                        }
                    }
                }
            }
            rest = &rest[token_start..];
        }
        RecordedTokens {
            by_child: std::sync::Mutex::new(by_child),
        }
    }
}

impl NestedHost for RecordedTokens {
    fn sign_child(&self, _: Time, token: &ChildToken) -> String {
        let mut by_child = self.by_child.lock().unwrap_or_else(|p| p.into_inner());
        match by_child.get_mut(&token.id) {
            Some(queue) if queue.len() > 1 => queue.pop_front().unwrap_or_default(),
            Some(queue) => queue.front().cloned().unwrap_or_default(),
            None => format!("(no token for child {:?} in the trace)", token.id),
        }
    }

    fn register_child(&self, _: &'static str, _: liveview_core::protocol::router::JoinFn) {}
}
