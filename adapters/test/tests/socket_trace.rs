//! A session recorded through the real socket machine (dead render, join,
//! events, a live patch) replays against the same views without divergence;
//! a changed view is caught.

mod common;

use common::Counter;
use liveview_core::protocol::{
    App, Config, ConnectInfo, PageRequest, Router, SocketMachine, SocketOutput,
};
use liveview_core::trace::{MemorySink, TraceFactory, TraceSink};
use liveview_core::{html, LiveView, Mount, Rendered, Time, Update, Url};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// Records every joined view into one shared list of sinks.
#[derive(Default)]
struct Collect(Mutex<Vec<MemorySink>>);

impl TraceFactory for Collect {
    fn sink(&self, _route: &str, _url: &Url) -> Option<Box<dyn TraceSink>> {
        let sink = MemorySink::new();
        self.0.lock().unwrap().push(sink.clone());
        Some(Box::new(sink))
    }
}

fn router() -> Router {
    Router::new().live::<Counter>("/counter")
}

/// The value of `name="…"` in the first tag that has it.
fn attr(html: &str, name: &str) -> String {
    let key = format!("{name}=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

fn frames(machine: &mut SocketMachine) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(o) = machine.poll_output() {
        if let SocketOutput::Send(text) = o {
            out.push(serde_json::from_str(&text).unwrap());
        }
    }
    out
}

/// Runs a session through a socket machine and returns the recorded trace.
fn record_session() -> String {
    let factory = Arc::new(Collect::default());
    let mut config = Config::new(vec![7u8; 32]).unwrap();
    config.trace = Some(factory.clone());
    let app = Arc::new(App::new(router(), config));
    let now = Time::from_millis(1_700_000_000_000);

    let page = app.render_request(
        now,
        &PageRequest {
            url: "/counter",
            ..Default::default()
        },
        [1; 16],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let cookie = page
        .header("set-cookie")
        .expect("csrf cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let at = page.body.find("id=\"phx-").expect("container id") + 4;
    let id = page.body[at..at + page.body[at..].find('"').unwrap()].to_owned();
    let session = attr(&page.body, "data-phx-session");
    let meta = &page.body[page.body.find("name=\"csrf-token\"").expect("csrf meta")..];
    let csrf = attr(meta, "content");

    let mut m = SocketMachine::new(
        app.clone(),
        now,
        ConnectInfo {
            query: format!("_csrf_token={csrf}&vsn=2.0.0"),
            cookie: Some(cookie),
            origin: None,
        },
    );
    let topic = format!("lv:{id}");
    let join = json!(["4", "4", topic, "phx_join", {
        "url": "http://localhost/counter", "params": {"_csrf_token": csrf, "_mounts": 0},
        "session": session, "static": null}]);
    m.handle_text(now, &join.to_string());
    let replies = frames(&mut m);
    assert_eq!(replies[0][4]["status"], "ok", "{replies:?}");

    for (r, (event, value)) in [
        ("inc", json!({"value": ""})),
        ("inc", json!({})),
        ("add", json!({"by": "5"})),
        ("nope", json!({})),
    ]
    .into_iter()
    .enumerate()
    {
        let push = json!(["4", (10 + r).to_string(), topic, "event", {"type": "click", "event": event, "value": value}]);
        m.handle_text(now, &push.to_string());
        let out = frames(&mut m);
        assert_eq!(out.len(), 1, "{out:?}");
    }
    m.close(now);
    let sinks = factory.0.lock().unwrap();
    assert_eq!(sinks.len(), 1, "one joined view, one trace");
    sinks[0].text()
}

#[test]
fn a_socket_session_replays_without_divergence() {
    let trace = record_session();
    assert!(trace.lines().count() >= 8, "{trace}");
    assert!(trace.contains("\"route\":\"/counter\""), "{trace}");
    let report = liveview_test::replay(&router(), &trace).unwrap_or_else(|d| panic!("{d}"));
    assert!(report.inputs >= 5, "{report:?}");
}

/// The same route, rendering one character differently.
#[derive(Debug, Default)]
struct ChangedCounter(Counter);

impl LiveView for ChangedCounter {
    type Event = <Counter as LiveView>::Event;
    type Info = ();
    fn mount(m: &Mount) -> Update<Self> {
        let (c, cmds) = Counter::mount(m);
        (ChangedCounter(c), cmds)
    }
    fn handle_event(self, e: Self::Event) -> Update<Self> {
        let (c, cmds) = self.0.handle_event(e);
        (ChangedCounter(c), cmds)
    }
    fn render(&self) -> Rendered {
        html!(r#"<span id="count">{self.0.count}!</span>"#)
    }
}

#[test]
fn a_changed_view_diverges_at_its_first_different_output() {
    let trace = record_session();
    let changed = Router::new().live::<ChangedCounter>("/counter");
    let divergence = liveview_test::replay(&changed, &trace).expect_err("the render changed");
    let shown = divergence.to_string();
    assert!(
        shown.contains("expected") || shown.contains("recorded"),
        "{shown}"
    );
}
