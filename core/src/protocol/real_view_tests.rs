//! The protocol layer with real views (`ViewDriver<V>` through the router's
//! `live::<V>`), end to end: dead render → socket → join → events → pub/sub.

use super::socket::{SocketMachine, SocketOutput};
use super::testing::{connect, frames, join_outputs, load_page, send, Page, T0};
use super::{App, Config, Router};
use crate::template::{Rendered, Statics, ToDynamic};
use crate::view::{Command, LiveView, Mount, Params, Update, Url};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

static COUNTER: Statics = Statics::new(
    &["<span id=\"count\">", "</span><span id=\"p\">", "</span>"],
    0xC0,
);
static TICKS: Statics = Statics::new(&["<span id=\"ticks\">", "</span>"], 0xC2);
static CHAT: Statics = Statics::new(&["<ul id=\"messages\" data-n=\"", "\">", "</ul>"], 0xC1);

#[derive(Debug)]
struct Counter {
    count: i64,
    page: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CounterEvent {
    Inc,
    Dec,
    Go,
    Away,
    Boom,
}

impl LiveView for Counter {
    type Event = CounterEvent;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (
            Counter {
                count: 0,
                page: String::new(),
            },
            vec![],
        )
    }
    fn handle_params(self, params: &Params, _url: &Url) -> Update<Self> {
        let page = params.get("page").unwrap_or("1").to_owned();
        (Counter { page, ..self }, vec![])
    }
    fn handle_event(self, event: CounterEvent) -> Update<Self> {
        match event {
            CounterEvent::Inc => (
                Counter {
                    count: self.count + 1,
                    ..self
                },
                vec![],
            ),
            CounterEvent::Dec => (
                Counter {
                    count: self.count - 1,
                    ..self
                },
                vec![],
            ),
            CounterEvent::Go => (
                self,
                vec![Command::PushPatch {
                    to: "/counter?page=2".into(),
                    replace: false,
                }],
            ),
            CounterEvent::Away => (
                self,
                vec![Command::PushNavigate {
                    to: "/chat".into(),
                    replace: true,
                }],
            ),
            CounterEvent::Boom => panic!("boom"),
        }
    }
    fn render(&self) -> Rendered {
        Rendered::new(
            &COUNTER,
            vec![self.count.to_dynamic(), self.page.to_dynamic()],
        )
    }
}

#[derive(Debug)]
struct Chat {
    messages: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChatEvent {
    Send { body: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum ChatInfo {
    Said(String),
}

impl LiveView for Chat {
    type Event = ChatEvent;
    type Info = ChatInfo;
    fn mount(m: &Mount) -> Update<Self> {
        let cmds = if m.connected {
            vec![Command::Subscribe("chat".into())]
        } else {
            vec![]
        };
        (Chat { messages: vec![] }, cmds)
    }
    fn handle_event(self, ChatEvent::Send { body }: ChatEvent) -> Update<Self> {
        (
            self,
            vec![Command::Broadcast {
                topic: "chat".into(),
                info: ChatInfo::Said(body),
            }],
        )
    }
    fn handle_info(mut self, ChatInfo::Said(body): ChatInfo) -> Update<Self> {
        self.messages.push(body);
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        Rendered::new(
            &CHAT,
            vec![
                self.messages.len().to_dynamic(),
                self.messages.join(",").to_dynamic(),
            ],
        )
    }
}

#[derive(Debug)]
struct Ticker {
    ticks: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Tick;

impl LiveView for Ticker {
    type Event = ();
    type Info = Tick;
    fn mount(m: &Mount) -> Update<Self> {
        let cmds = if m.connected {
            vec![Command::Repeat {
                key: "t".into(),
                every: Duration::from_millis(250),
                info: Tick,
            }]
        } else {
            vec![]
        };
        (Ticker { ticks: 0 }, cmds)
    }
    fn handle_info(self, _: Tick) -> Update<Self> {
        (
            Ticker {
                ticks: self.ticks + 1,
            },
            vec![],
        )
    }
    fn render(&self) -> Rendered {
        Rendered::new(&TICKS, vec![self.ticks.to_dynamic()])
    }
}

fn app() -> Arc<App> {
    let router = Router::new()
        .live::<Counter>("/counter")
        .live::<Chat>("/chat")
        .live::<Ticker>("/ticker");
    Arc::new(App::new(router, Config::new(vec![9; 32]).unwrap()))
}

fn page(app: &App, url: &str, e: u8, cookie: Option<&str>) -> (Page, String) {
    load_page(app, url, e, cookie)
}

fn run(m: &mut SocketMachine, frame: Value) -> Vec<SocketOutput> {
    send(m, T0, frame)
}

fn join(m: &mut SocketMachine, p: &Page, jr: &str, url: &str) -> Vec<SocketOutput> {
    join_outputs(m, p, jr, url)
}

#[test]
fn dead_render_join_and_events() {
    let app = app();
    let (p, body) = page(&app, "/counter?page=3", 1, None);
    assert!(
        body.contains(r#"data-phx-static=""><span id="count">0</span><span id="p">3</span></div>"#),
        "{body}"
    );
    let mut m = connect(&app, &p);
    let out = frames(&join(&mut m, &p, "4", "/counter?page=3"));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0][4]["status"], "ok");
    let rendered = &out[0][4]["response"]["rendered"];
    assert_eq!(rendered["0"], "0");
    assert_eq!(rendered["1"], "3");
    assert_eq!(
        rendered["s"],
        json!(["<span id=\"count\">", "</span><span id=\"p\">", "</span>"])
    );
    // Click: only the changed slot comes back.
    let out = frames(&run(
        &mut m,
        json!(["4", "5", p.topic, "event", {"type": "click", "event": "inc", "value": {"value": ""}}]),
    ));
    assert_eq!(
        out,
        vec![
            json!(["4", "5", p.topic, "phx_reply", {"status": "ok", "response": {"diff": {"0": "1"}}}])
        ]
    );
    // No change: {}.
    let out = frames(&run(
        &mut m,
        json!(["4", "6", p.topic, "live_patch", {"url": "http://localhost/counter?page=3"}]),
    ));
    assert_eq!(out[0][4]["response"], json!({}));
    // An event the view does not know: an error reply, and the view lives on.
    let out = frames(&run(
        &mut m,
        json!(["4", "7", p.topic, "event", {"type": "click", "event": "nope", "value": {}}]),
    ));
    assert_eq!(out[0][4]["status"], "error");
    let out = frames(&run(
        &mut m,
        json!(["4", "8", p.topic, "event", {"type": "click", "event": "dec", "value": {}}]),
    ));
    assert_eq!(out[0][4]["response"], json!({"diff": {"0": "0"}}));
}

#[test]
fn push_patch_precedes_the_reply() {
    let app = app();
    let (p, _) = page(&app, "/counter", 1, None);
    let mut m = connect(&app, &p);
    join(&mut m, &p, "4", "/counter");
    let out = frames(&run(
        &mut m,
        json!(["4", "5", p.topic, "event", {"type": "click", "event": "go", "value": {}}]),
    ));
    assert_eq!(
        out[0],
        json!(["4", null, p.topic, "live_patch", {"to": "/counter?page=2", "kind": "push"}])
    );
    assert_eq!(out[1][1], "5");
    assert_eq!(out[1][4]["response"], json!({"diff": {"1": "2"}}));
    assert_eq!(out.len(), 2);
}

#[test]
fn push_navigate_then_rejoin_on_the_same_topic() {
    let app = app();
    let (p, _) = page(&app, "/counter", 1, None);
    let mut m = connect(&app, &p);
    join(&mut m, &p, "4", "/counter");
    let out = frames(&run(
        &mut m,
        json!(["4", "5", p.topic, "event", {"type": "click", "event": "away", "value": {}}]),
    ));
    assert_eq!(
        out[0][4]["response"]["live_redirect"],
        json!({"to": "/chat", "kind": "replace"})
    );
    assert_eq!(out[1], json!(["4", "4", p.topic, "phx_close", {}]));
    assert_eq!(out.len(), 2);
    run(&mut m, json!(["4", "6", p.topic, "phx_leave", {}]));
    let payload = json!({"redirect": "http://localhost/chat", "params": {"_csrf_token": p.csrf, "_mounts": 0},
                         "session": p.session, "static": null});
    let outs = run(&mut m, json!(["7", "7", p.topic, "phx_join", payload]));
    assert!(outs.contains(&SocketOutput::Subscribe("chat".into())));
    let out = frames(&outs);
    assert_eq!(
        out[0][4]["response"]["rendered"]["s"][0],
        "<ul id=\"messages\" data-n=\""
    );
}

#[test]
fn a_panicking_view_is_dropped_and_the_socket_carries_on() {
    let app = app();
    let (a, _) = page(&app, "/counter", 1, None);
    let (b, _) = page(&app, "/chat", 2, Some(&a.cookie));
    let mut m = connect(&app, &a);
    join(&mut m, &a, "4", "/counter");
    join(&mut m, &b, "5", "/chat");
    let out = frames(&run(
        &mut m,
        json!(["4", "6", a.topic, "event", {"type": "click", "event": "boom", "value": {}}]),
    ));
    assert_eq!(
        out,
        vec![json!(["4", "4", a.topic, "phx_error", {"reason": "channel_crash"}])],
        "no reply to the push that crashed the view"
    );
    let form =
        json!(["5", "7", b.topic, "event", {"type": "form", "event": "send", "value": "body=hi"}]);
    let outs = run(&mut m, form);
    assert_eq!(frames(&outs)[0][4]["response"], json!({}));
    assert!(outs
        .iter()
        .any(|o| matches!(o, SocketOutput::Broadcast { topic, .. } if topic == "chat")));
}

#[test]
fn chat_pubsub_across_views_and_close() {
    let app = app();
    let (a, _) = page(&app, "/chat", 1, None);
    let (b, _) = page(&app, "/chat", 2, Some(&a.cookie));
    let mut m = connect(&app, &a);
    let subs = |outs: &[SocketOutput]| {
        outs.iter()
            .filter(|o| matches!(o, SocketOutput::Subscribe(_)))
            .count()
    };
    assert_eq!(subs(&join(&mut m, &a, "4", "/chat")), 1);
    assert_eq!(subs(&join(&mut m, &b, "5", "/chat")), 0);
    let outs = run(
        &mut m,
        json!(["4", "6", a.topic, "event", {"type": "form", "event": "send", "value": "body=hello"}]),
    );
    let payload = outs
        .iter()
        .find_map(|o| match o {
            SocketOutput::Broadcast { topic, payload } if topic == "chat" => Some(payload.clone()),
            _ => None,
        })
        .expect("a broadcast");
    // The adapter's pub/sub delivers it back to this socket.
    m.handle_pubsub(T0, "chat", &payload);
    let out = frames(&std::iter::from_fn(|| m.poll_output()).collect::<Vec<_>>());
    assert_eq!(out.len(), 2);
    for f in &out {
        assert_eq!(f[3], "diff");
        assert_eq!(f[4], json!({"0": "1", "1": "hello"}));
    }
    // Timers and subscriptions end with the socket.
    assert!(m.poll_timeout().is_some());
    m.close(T0 + Duration::from_secs(1));
    let outs: Vec<_> = std::iter::from_fn(|| m.poll_output()).collect();
    assert_eq!(outs, vec![SocketOutput::Unsubscribe("chat".into())]);
}

#[test]
fn client_live_patch_runs_handle_params() {
    let app = app();
    let (p, _) = page(&app, "/counter?page=1", 1, None);
    let mut m = connect(&app, &p);
    join(&mut m, &p, "4", "/counter?page=1");
    let out = frames(&run(
        &mut m,
        json!(["4", "5", p.topic, "live_patch", {"url": "http://localhost/counter?page=4"}]),
    ));
    assert_eq!(
        out,
        vec![
            json!(["4", "5", p.topic, "phx_reply", {"status": "ok", "response": {"diff": {"1": "4"}}}])
        ]
    );
    let out = frames(&run(
        &mut m,
        json!(["4", "6", p.topic, "live_patch", {"url": "http://localhost/chat"}]),
    ));
    assert_eq!(out[0][4]["response"], json!({"link_redirect": true}));
}

#[test]
fn timers_tick_through_the_socket_and_end_with_it() {
    let app = app();
    let (p, body) = page(&app, "/ticker", 1, None);
    assert!(body.contains(r#"<span id="ticks">0</span>"#));
    let mut m = connect(&app, &p);
    join(&mut m, &p, "4", "/ticker");
    let due = T0 + Duration::from_millis(250);
    assert_eq!(m.poll_timeout(), Some(due));
    m.handle_timeout(due);
    let out = frames(&std::iter::from_fn(|| m.poll_output()).collect::<Vec<_>>());
    assert_eq!(out, vec![json!(["4", null, p.topic, "diff", {"0": "1"}])]);
    assert_eq!(m.poll_timeout(), Some(due + Duration::from_millis(250)));
    assert_eq!(m.view(&p.topic).unwrap().timer_count(), 1);
    // Leaving ends the timer: only the heartbeat deadline remains.
    run(&mut m, json!(["4", "5", p.topic, "phx_leave", {}]));
    assert_eq!(m.poll_timeout(), Some(T0 + app.config.heartbeat_timeout));
}

#[test]
fn stats_follow_real_views_and_return_to_zero() {
    use super::SocketStats;
    let app = app();
    let (t, _) = page(&app, "/ticker", 1, None);
    let (a, _) = page(&app, "/chat", 2, Some(&t.cookie));
    let (b, _) = page(&app, "/chat", 3, Some(&t.cookie));
    let mut m = connect(&app, &t);
    join(&mut m, &t, "1", "/ticker");
    join(&mut m, &a, "2", "/chat");
    join(&mut m, &b, "3", "/chat");
    let live = SocketStats {
        views: 3,
        timers: 1,
        subscriptions: 2,
        topics: 1,
        tasks: 0,
        uploads: 0,
    };
    assert_eq!(m.stats(), live);
    m.handle_timeout(T0 + Duration::from_millis(250));
    std::iter::from_fn(|| m.poll_output()).for_each(drop);
    assert_eq!(m.stats(), live, "a repeat timer stays one timer");
    run(&mut m, json!(["1", "4", t.topic, "phx_leave", {}]));
    assert_eq!(
        m.stats(),
        SocketStats {
            views: 2,
            timers: 0,
            ..live
        }
    );
    m.close(T0 + Duration::from_secs(1));
    assert_eq!(m.stats(), SocketStats::default());
}
