//! The warp filter in-process (warp's test client): pages, assets, upgrade
//! checks, and sockets driving the core machine (replies, timers, pub/sub
//! through the `PubSub` trait, a panicking view).

use liveview_core::protocol::{App, Config, Router};
use liveview_core::tasks::Tasks;
use liveview_core::{html, AsyncError, Command, LiveView, Mount, Rendered, Update};
use liveview_warp::pubsub::{InProcess, Mailbox, PubSub, SubscriberId};
use liveview_warp::{routes, ClientOptions, Options};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use warp::test::WsClient;
use warp::Filter;

#[derive(Debug, Default)]
struct Counter {
    n: i64,
}
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CounterEvent {
    Inc,
    Boom,
}
impl LiveView for Counter {
    type Event = CounterEvent;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Counter::default(), vec![])
    }
    fn handle_event(self, e: CounterEvent) -> Update<Self> {
        match e {
            CounterEvent::Inc => (Counter { n: self.n + 1 }, vec![]),
            CounterEvent::Boom => panic!("boom (a deliberate panic in a test view)"),
        }
    }
    fn render(&self) -> Rendered {
        html!(r#"<span id="n">{self.n}</span>"#)
    }
}

#[derive(Debug, Default)]
struct Ticker {
    ticks: u64,
}
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Tick {
    Tick,
}
#[derive(Debug, Deserialize)]
enum NoEvent {}
impl LiveView for Ticker {
    type Event = NoEvent;
    type Info = Tick;
    fn mount(m: &Mount) -> Update<Self> {
        let cmds = if m.connected {
            vec![Command::repeat("t", Duration::from_millis(20), Tick::Tick)]
        } else {
            vec![]
        };
        (Ticker::default(), cmds)
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
        html!(r#"<b id="ticks">{self.ticks}</b>"#)
    }
}

#[derive(Debug, Default)]
struct Room {
    said: Vec<String>,
}
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RoomEvent {
    Say { text: String },
}
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Said {
    text: String,
}
impl LiveView for Room {
    type Event = RoomEvent;
    type Info = Said;
    fn mount(m: &Mount) -> Update<Self> {
        let cmds = if m.connected {
            vec![Command::Subscribe("room".into())]
        } else {
            vec![]
        };
        (Room::default(), cmds)
    }
    fn handle_event(self, e: RoomEvent) -> Update<Self> {
        match e {
            RoomEvent::Say { text } => (self, vec![Command::broadcast("room", Said { text })]),
        }
    }
    fn handle_info(mut self, s: Said) -> Update<Self> {
        self.said.push(s.text);
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<ul>{#for s in &self.said}<li>{s}</li>{/for}</ul>"#)
    }
}

/// A view with async work: `work` starts a task that sleeps, `inc` counts.
#[derive(Debug, Default)]
struct Slow {
    n: i64,
    outcome: String,
}
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SlowEvent {
    Work {
        ms: u64,
    },
    /// Work whose reply waits for it (`hold_reply`): a handler that takes `ms`.
    HeldWork {
        ms: u64,
    },
    Explode,
    Fail,
    Inc,
}
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Job {
    Sleep(u64),
    Explode,
    Fail,
    Slept(u64),
}
impl LiveView for Slow {
    type Event = SlowEvent;
    type Info = Job;
    fn mount(_: &Mount) -> Update<Self> {
        (Slow::default(), vec![])
    }
    fn handle_event(self, e: SlowEvent) -> Update<Self> {
        let job = match e {
            SlowEvent::Inc => {
                return (
                    Slow {
                        n: self.n + 1,
                        ..self
                    },
                    vec![],
                )
            }
            SlowEvent::Work { ms } => Job::Sleep(ms),
            SlowEvent::HeldWork { ms } => {
                let cmds = vec![
                    Command::start_async("job", Job::Sleep(ms)),
                    Command::hold_reply("job"),
                ];
                return (self, cmds);
            }
            SlowEvent::Explode => Job::Explode,
            SlowEvent::Fail => Job::Fail,
        };
        (self, vec![Command::start_async("job", job)])
    }
    fn handle_async(self, key: String, result: Result<Job, AsyncError>) -> Update<Self> {
        let outcome = match result {
            Ok(job) => format!("{key}: {job:?}"),
            Err(e) => format!("{key}: {e}"),
        };
        (Slow { outcome, ..self }, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<b id="n">{self.n}</b><i id="outcome">{self.outcome}</i>"#)
    }
}

/// A page whose child view is a [`Slow`]: its own counter beside it.
#[derive(Debug, Default)]
struct Family {
    n: i64,
}
impl LiveView for Family {
    type Event = CounterEvent;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Family::default(), vec![])
    }
    fn handle_event(self, _: CounterEvent) -> Update<Self> {
        (Family { n: self.n + 1 }, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<b id="family">{self.n}</b>{liveview_core::nested::live_render::<Slow>("slow")}"#)
    }
}

/// The runner of [`Slow`]'s jobs, on tokio's clock.
fn slow_tasks() -> Tasks {
    Tasks::new().view::<Slow, _, _, _>(|job| async move {
        match job {
            Job::Sleep(ms) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(Job::Slept(ms))
            }
            Job::Explode => panic!("the runner exploded"),
            Job::Fail => Err("no such rows".to_string()),
            other => Ok(other),
        }
    })
}

/// Counts what goes through the trait, then delegates to the in-process backend.
#[derive(Default)]
struct Counting {
    inner: InProcess,
    subscribes: AtomicUsize,
    publishes: AtomicUsize,
}
impl PubSub for Counting {
    fn subscribe(&self, topic: &str, id: SubscriberId, mailbox: Arc<dyn Mailbox>) {
        self.subscribes.fetch_add(1, Ordering::SeqCst);
        self.inner.subscribe(topic, id, mailbox)
    }
    fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        self.inner.unsubscribe(topic, id)
    }
    fn publish(&self, topic: &str, payload: &Value) {
        self.publishes.fetch_add(1, Ordering::SeqCst);
        self.inner.publish(topic, payload)
    }
}

fn app() -> Arc<App> {
    let router = Router::new()
        .live::<Counter>("/counter")
        .live::<Ticker>("/ticker")
        .live::<Room>("/room")
        .live::<Slow>("/slow")
        .live::<Family>("/family");
    Arc::new(App::new(router, Config::new(vec![9u8; 32]).unwrap()))
}

fn filter(
    pubsub: Arc<dyn PubSub>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    routes(
        app(),
        Options {
            pubsub,
            tasks: slow_tasks(),
            ..Options::default()
        },
    )
}

struct Page {
    id: String,
    session: String,
    csrf: String,
    cookie: String,
}

fn attr(html: &str, marker: &str, name: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"));
    let start = html[..at].rfind('<').unwrap();
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    let key = format!(" {name}=\"");
    let i = tag.find(&key).unwrap_or_else(|| panic!("{name} in {tag}")) + key.len();
    tag[i..i + tag[i..].find('"').unwrap()].to_string()
}

async fn page<F>(f: &F, path: &str) -> Page
where
    F: Filter + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply + Send,
{
    let r = warp::test::request().path(path).reply(f).await;
    assert_eq!(r.status(), 200);
    let body = String::from_utf8(r.body().to_vec()).unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ");
    Page {
        id: attr(&body, "data-phx-main", "id"),
        session: attr(&body, "data-phx-main", "data-phx-session"),
        csrf: attr(&body, "name=\"csrf-token\"", "content"),
        cookie,
    }
}

async fn socket<F>(f: F, p: &Page) -> WsClient
where
    F: Filter + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply + Send,
{
    warp::test::ws()
        .path(&format!("/live/websocket?_csrf_token={}&vsn=2.0.0", p.csrf))
        .header("cookie", p.cookie.as_str())
        .handshake(f)
        .await
        .expect("handshake")
}

async fn next_json(ws: &mut WsClient) -> Value {
    let msg = tokio::time::timeout(Duration::from_secs(5), ws.recv())
        .await
        .expect("a frame within 5 s")
        .expect("a frame");
    serde_json::from_str(msg.to_str().expect("a text frame")).expect("JSON")
}

async fn reply(ws: &mut WsClient, reference: &str) -> Value {
    loop {
        let f = next_json(ws).await;
        if f[3] == "phx_reply" && f[1] == reference {
            return f;
        }
    }
}

async fn join(ws: &mut WsClient, p: &Page, path: &str) -> Value {
    let payload = json!({"url": format!("http://localhost{path}"), "params": {"_csrf_token": p.csrf, "_mounts": 0},
                         "session": p.session, "static": null});
    ws.send_text(json!(["1", "1", format!("lv:{}", p.id), "phx_join", payload]).to_string())
        .await;
    reply(ws, "1").await
}

#[tokio::test]
async fn assets_are_served_with_type_cache_and_etag() {
    let f = filter(Arc::new(InProcess::new()));
    let r = warp::test::request().path("/assets/app.js").reply(&f).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let r = warp::test::request()
        .path("/assets/app.js")
        .header("if-none-match", &etag)
        .reply(&f)
        .await;
    assert_eq!(r.status(), 304);
    assert!(r.body().is_empty());
    for path in [
        "/assets/phoenix_live_view-1.2.12.esm.js",
        "/assets/phoenix-1.8.16.mjs",
    ] {
        let r = warp::test::request().path(path).reply(&f).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"));
        assert!(r.body().len() > 10_000);
    }
    let head = warp::test::request()
        .method("HEAD")
        .path("/assets/app.js")
        .reply(&f)
        .await;
    assert_eq!(head.status(), 200);
}

#[tokio::test]
async fn app_js_imports_the_configured_module_and_still_boots_the_official_client() {
    let default = filter(Arc::new(InProcess::new()));
    let r = warp::test::request()
        .path("/assets/app.js")
        .reply(&default)
        .await;
    let embedded = liveview_warp::assets::find("/assets/app.js").unwrap();
    assert_eq!(
        r.body().as_ref(),
        embedded.body,
        "no module: app.js as embedded"
    );
    let default_etag = r.headers()["etag"].clone();

    let opts = Options {
        client: ClientOptions {
            hooks_module: Some("/static/hooks.js".into()),
        },
        ..Options::default()
    };
    let f = routes(app(), opts);
    let r = warp::test::request().path("/assets/app.js").reply(&f).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let etag = r.headers()["etag"].clone();
    assert_ne!(etag, default_etag, "its own validator");
    let js = String::from_utf8(r.body().to_vec()).unwrap();
    assert!(
        js.contains(r#"import * as ext from "/static/hooks.js";"#),
        "{js}"
    );
    for import in [
        r#"import { Socket } from "/assets/phoenix-1.8.16.mjs";"#,
        r#"import { LiveSocket } from "/assets/phoenix_live_view-1.2.12.esm.js";"#,
        r#"new LiveSocket("/live", Socket, {"#,
        "hooks: { ...ext.liveSocketOptions?.hooks, ...ext.hooks },",
        "_csrf_token: csrfToken,",
        "liveSocket.connect();",
    ] {
        assert!(js.contains(import), "{import} in {js}");
    }
    let r = warp::test::request()
        .path("/assets/app.js")
        .header("if-none-match", etag.to_str().unwrap())
        .reply(&f)
        .await;
    assert_eq!(r.status(), 304);
    let lv = warp::test::request()
        .path("/assets/phoenix_live_view-1.2.12.esm.js")
        .reply(&f)
        .await;
    assert_eq!(lv.status(), 200, "the official client is still served");
}

#[tokio::test]
async fn pages_render_and_unknown_paths_are_rejected_for_composition() {
    let f = filter(Arc::new(InProcess::new()));
    let r = warp::test::request().path("/counter?x=1").reply(&f).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.headers().get("set-cookie").is_some());
    let body = String::from_utf8(r.body().to_vec()).unwrap();
    assert!(body.contains(r#"<span id="n">0</span>"#));
    assert!(body.contains(r#"src="/assets/app.js""#));

    let rejected = warp::test::request().path("/elsewhere").filter(&f).await;
    assert!(
        rejected.is_err(),
        "an unrouted path is left to other filters"
    );
    let composed = warp::path("elsewhere").map(|| "mine").or(f.clone());
    let r = warp::test::request()
        .path("/elsewhere")
        .reply(&composed)
        .await;
    assert_eq!(r.body().as_ref(), b"mine");
    let post = warp::test::request()
        .method("POST")
        .path("/counter")
        .filter(&f)
        .await;
    assert!(post.is_err());
}

#[tokio::test]
async fn upgrade_checks_vsn_and_origin() {
    let f = filter(Arc::new(InProcess::new()));
    assert!(
        warp::test::ws()
            .path("/live/websocket")
            .handshake(f.clone())
            .await
            .is_err(),
        "no vsn"
    );
    assert!(
        warp::test::ws()
            .path("/live/websocket?vsn=1.0.0")
            .handshake(f.clone())
            .await
            .is_err(),
        "vsn 1"
    );
    let foreign = warp::test::ws()
        .path("/live/websocket?vsn=2.0.0")
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://evil.example")
        .handshake(f.clone())
        .await;
    assert!(foreign.is_err(), "foreign origin");
    let same = warp::test::ws()
        .path("/live/websocket?vsn=2.0.0")
        .header("host", "127.0.0.1:3000")
        .header("origin", "http://127.0.0.1:3000")
        .handshake(f.clone())
        .await;
    assert!(same.is_ok(), "same origin");
    assert!(
        warp::test::ws()
            .path("/live/websocket?vsn=2.0.0")
            .handshake(f)
            .await
            .is_ok(),
        "no origin header"
    );
}

#[tokio::test]
async fn heartbeat_join_event_and_a_panicking_view() {
    let f = filter(Arc::new(InProcess::new()));
    let p = page(&f, "/counter").await;
    let mut ws = socket(f.clone(), &p).await;
    ws.send_text(r#"[null,"9","phoenix","heartbeat",{}]"#).await;
    assert_eq!(
        next_json(&mut ws).await,
        json!([null, "9", "phoenix", "phx_reply", {"status": "ok", "response": {}}])
    );

    let r = join(&mut ws, &p, "/counter").await;
    assert_eq!(r[4]["status"], "ok", "{r}");
    let topic = format!("lv:{}", p.id);
    let click = |r: &str, e: &str| {
        json!(["1", r, topic, "event", {"type": "click", "event": e, "value": {}}]).to_string()
    };
    ws.send_text(click("2", "inc")).await;
    let r = reply(&mut ws, "2").await;
    assert_eq!(r[4]["status"], "ok");
    assert_eq!(r[4]["response"]["diff"]["0"], "1", "{r}");

    // A view that panics: the channel errors, the socket and the server stay up.
    ws.send_text(click("3", "boom")).await;
    let mut saw_error = false;
    for _ in 0..3 {
        let f = next_json(&mut ws).await;
        if f[3] == "phx_error" || (f[3] == "phx_reply" && f[4]["status"] == "error") {
            saw_error = true;
            break;
        }
    }
    assert!(saw_error, "the crash is reported to the client");
    ws.send_text(r#"[null,"10","phoenix","heartbeat",{}]"#)
        .await;
    assert_eq!(
        reply(&mut ws, "10").await[4]["status"],
        "ok",
        "the socket still answers"
    );
    let p2 = page(&f, "/counter").await;
    let mut ws2 = socket(f, &p2).await;
    assert_eq!(
        join(&mut ws2, &p2, "/counter").await[4]["status"],
        "ok",
        "the server still serves"
    );
}

#[tokio::test]
async fn timers_push_diffs() {
    let f = filter(Arc::new(InProcess::new()));
    let p = page(&f, "/ticker").await;
    let mut ws = socket(f, &p).await;
    assert_eq!(join(&mut ws, &p, "/ticker").await[4]["status"], "ok");
    let mut last = 0;
    for _ in 0..3 {
        let push = next_json(&mut ws).await;
        assert_eq!(push[3], "diff", "{push}");
        let n: u64 = push[4]["0"].as_str().unwrap().parse().unwrap();
        assert!(n > last, "ticks increase: {n} after {last}");
        last = n;
    }
}

#[tokio::test]
async fn broadcasts_go_through_the_pubsub_trait_to_every_subscriber() {
    let ps = Arc::new(Counting::default());
    let f = filter(ps.clone());
    let (pa, pb) = (page(&f, "/room").await, page(&f, "/room").await);
    let mut a = socket(f.clone(), &pa).await;
    let mut b = socket(f, &pb).await;
    assert_eq!(join(&mut a, &pa, "/room").await[4]["status"], "ok");
    assert_eq!(join(&mut b, &pb, "/room").await[4]["status"], "ok");
    assert_eq!(ps.subscribes.load(Ordering::SeqCst), 2);
    let say = json!(["1", "2", format!("lv:{}", pa.id), "event", {"type": "form", "event": "say", "value": "text=hi%20there"}]);
    a.send_text(say.to_string()).await;
    for ws in [&mut a, &mut b] {
        let mut seen = false;
        for _ in 0..3 {
            let f = next_json(ws).await;
            if f.to_string().contains("hi there") {
                seen = true;
                break;
            }
        }
        assert!(seen, "the message reaches the subscriber");
    }
    assert_eq!(ps.publishes.load(Ordering::SeqCst), 1);
    drop(a);
    drop(b);
    // both sockets unsubscribe when they end
    for _ in 0..100 {
        if ps.inner.subscriber_count("room") == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "subscriptions outlived their sockets: {}",
        ps.inner.subscriber_count("room")
    );
}

#[tokio::test]
async fn a_silent_client_is_closed_after_the_heartbeat_timeout() {
    let router = Router::new().live::<Counter>("/counter");
    let mut config = Config::new(vec![9u8; 32]).unwrap();
    config.heartbeat_timeout = Duration::from_millis(200);
    let f = routes(Arc::new(App::new(router, config)), Options::default());
    let p = page(&f, "/counter").await;
    let mut ws = socket(f, &p).await;
    let started = std::time::Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.recv().await {
                Ok(m) if m.is_close() => return true,
                Ok(_) => continue,
                Err(_) => return true,
            }
        }
    })
    .await;
    assert_eq!(
        closed,
        Ok(true),
        "the server closes a socket that sends nothing"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "not before the timeout: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn metrics_count_live_sockets_and_are_served_as_json_when_asked() {
    let opts = Options {
        metrics_path: Some("/_lv/metrics".into()),
        ..Options::default()
    };
    let metrics = opts.metrics.clone();
    let f = routes(app(), opts);
    let get = |f| async move {
        let r = warp::test::request().path("/_lv/metrics").reply(f).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
        serde_json::from_slice::<Value>(r.body()).unwrap()
    };
    let (pt, pr) = (page(&f, "/ticker").await, page(&f, "/room").await);
    let mut t = socket(f.clone(), &pt).await;
    let mut r = socket(f.clone(), &pr).await;
    assert_eq!(join(&mut t, &pt, "/ticker").await[4]["status"], "ok");
    assert_eq!(join(&mut r, &pr, "/room").await[4]["status"], "ok");
    let live = json!({"sockets": 2, "views": 2, "timers": 1, "subscriptions": 1, "tasks": 0,
                      "uploads": 0, "pubsub_subscribers": 1, "sockets_opened": 2, "sockets_closed": 0});
    assert_eq!(get(&f).await, live);
    assert_eq!(metrics.snapshot().views, 2);
    // One socket leaves its view, the other just goes away.
    t.send_text(json!(["1", "5", format!("lv:{}", pt.id), "phx_leave", {}]).to_string())
        .await;
    assert_eq!(reply(&mut t, "5").await[4]["status"], "ok");
    drop(r);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let want = json!({"sockets": 1, "views": 0, "timers": 0, "subscriptions": 0, "tasks": 0,
                      "uploads": 0, "pubsub_subscribers": 0, "sockets_opened": 2, "sockets_closed": 1});
    loop {
        let now = get(&f).await;
        if now == want {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "metrics stuck at {now}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(t);
    // Without `metrics_path` there is no such route.
    let plain = filter(Arc::new(InProcess::new()));
    let r = warp::test::request()
        .path("/_lv/metrics")
        .filter(&plain)
        .await;
    assert!(r.is_err(), "no metrics route unless configured");
}

#[tokio::test]
async fn a_socket_whose_pubsub_queue_fills_up_is_closed() {
    let ps = Arc::new(InProcess::new());
    let f = routes(
        app(),
        Options {
            pubsub: ps.clone(),
            max_input_queue: 8,
            ..Options::default()
        },
    );
    let p = page(&f, "/room").await;
    let mut ws = socket(f, &p).await;
    assert_eq!(join(&mut ws, &p, "/room").await[4]["status"], "ok");
    // Below the limit: delivered.
    for i in 0..4 {
        ps.publish("room", &json!({"text": format!("below{i}")}));
    }
    let mut seen = String::new();
    while !seen.contains("below3") {
        seen.push_str(&next_json(&mut ws).await.to_string());
    }
    // On this single-threaded runtime the socket's task cannot run while
    // these are published: its queue of 8 fills up (the rest is dropped),
    // so the socket is closed (1008 "input queue limit exceeded"; warp's
    // test client reports the end of the socket, not the close frame).
    for i in 0..100 {
        ps.publish("room", &json!({"text": format!("m{i}")}));
    }
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.recv().await {
                Ok(m) if m.is_close() => return m.close_frame().map(|(c, _)| c),
                Ok(_) => continue,
                Err(_) => return Some(1008),
            }
        }
    })
    .await;
    assert_eq!(ended, Ok(Some(1008)), "the socket is closed");
    for _ in 0..100 {
        if ps.subscriber_count("room") == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the closed socket is still subscribed");
}

/// Shows the user its live session's function found in the request.
struct Inbox {
    user: String,
}
impl LiveView for Inbox {
    type Event = ();
    type Info = ();
    fn mount(m: &Mount) -> Update<Self> {
        let user = m.session.get("user").and_then(Value::as_str).unwrap_or("?");
        let agent = m
            .session
            .get("agent")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let user = format!("{user} ({agent})");
        (Inbox { user }, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<p id="user">{self.user}</p>"#)
    }
}

#[tokio::test]
async fn a_login_gated_live_session_reads_the_request_and_signing_out_closes_the_socket() {
    use liveview_core::protocol::live_session::{disconnect_payload, LIVE_SOCKET_ID};
    use liveview_core::{LiveSession, OnMount, Session};
    let gated = LiveSession::new("signed_in")
        .session(|req| {
            let mut s = Session::default();
            if let Some(user) = req.cookie("user") {
                s.insert("user", json!(user));
                s.insert(LIVE_SOCKET_ID, json!(format!("users_socket:{user}")));
            }
            if let Some(agent) = req.header("user-agent") {
                s.insert("agent", json!(agent));
            }
            s
        })
        .on_mount(|m| match m.session.get("user") {
            Some(_) => OnMount::Continue,
            None => OnMount::redirect("/login"),
        });
    let router = Router::new().live_session(gated, |r| r.live::<Inbox>("/inbox"));
    let app = Arc::new(App::new(router, Config::new(vec![9u8; 32]).unwrap()));
    let pubsub = Arc::new(InProcess::new());
    let f = routes(
        app,
        Options {
            pubsub: pubsub.clone(),
            ..Options::default()
        },
    );
    // Signed out: the dead render redirects.
    let r = warp::test::request().path("/inbox").reply(&f).await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/login");
    // Signed in: the session function read the cookie and a header.
    let r = warp::test::request()
        .path("/inbox")
        .header("cookie", "user=ada")
        .header("user-agent", "probe/1")
        .reply(&f)
        .await;
    assert_eq!(r.status(), 200);
    let body = String::from_utf8(r.body().to_vec()).unwrap();
    assert!(body.contains(r#"<p id="user">ada (probe/1)</p>"#), "{body}");
    let csrf_cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    let p = Page {
        id: attr(&body, "data-phx-main", "id"),
        session: attr(&body, "data-phx-main", "data-phx-session"),
        csrf: attr(&body, "name=\"csrf-token\"", "content"),
        cookie: format!("user=ada; {csrf_cookie}"),
    };
    let mut ws = socket(f.clone(), &p).await;
    let joined = join(&mut ws, &p, "/inbox").await;
    assert_eq!(joined[4]["response"]["rendered"]["0"], "ada (probe/1)");
    // Signing ada out everywhere: her socket is closed.
    for _ in 0..100 {
        if pubsub.subscriber_count("users_socket:ada") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(pubsub.subscriber_count("users_socket:ada"), 1);
    pubsub.publish("users_socket:ada", &disconnect_payload());
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.recv().await {
                Ok(m) if m.is_close() => break Some(m),
                Ok(_) => continue,
                Err(_) => break None,
            }
        }
    })
    .await
    .expect("closed within 5 s");
    if let Some(m) = closed {
        assert_eq!(m.close_frame().map(|(code, _)| code), Some(1000));
    }
    for _ in 0..100 {
        if pubsub.subscriber_count("users_socket:ada") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(pubsub.subscriber_count("users_socket:ada"), 0);
}

/// Waits for a pushed diff whose `"1"` (the outcome) is set; returns it and
/// when it came.
async fn outcome(ws: &mut WsClient) -> (String, std::time::Instant) {
    loop {
        let f = next_json(ws).await;
        if let (Some("diff"), Some(text)) = (f[3].as_str(), f[4]["1"].as_str()) {
            return (text.to_owned(), std::time::Instant::now());
        }
    }
}

#[tokio::test]
async fn a_view_answers_events_while_its_task_runs_and_other_views_are_not_delayed() {
    let f = filter(Arc::new(InProcess::new()));
    let p = page(&f, "/slow").await;
    let mut ws = socket(f.clone(), &p).await;
    assert_eq!(join(&mut ws, &p, "/slow").await[4]["status"], "ok");
    let topic = format!("lv:{}", p.id);
    let ev = |r: &str, e: &str, v: Value| {
        json!(["1", r, topic, "event", {"type": "click", "event": e, "value": v}]).to_string()
    };
    let started = std::time::Instant::now();
    ws.send_text(ev("2", "work", json!({"ms": 300}))).await;
    assert_eq!(reply(&mut ws, "2").await[4]["status"], "ok");

    // The same view answers a click while its 300 ms task is pending.
    let clicked = std::time::Instant::now();
    ws.send_text(ev("3", "inc", json!({}))).await;
    let r = reply(&mut ws, "3").await;
    let answered = clicked.elapsed();
    assert_eq!(r[4]["response"]["diff"]["0"], "1", "{r}");
    assert!(
        answered < Duration::from_millis(50),
        "answered in {answered:?}"
    );

    // Another view on another socket is not delayed either.
    let p2 = page(&f, "/slow").await;
    let mut ws2 = socket(f.clone(), &p2).await;
    assert_eq!(join(&mut ws2, &p2, "/slow").await[4]["status"], "ok");
    let clicked = std::time::Instant::now();
    ws2.send_text(
        json!(["1", "2", format!("lv:{}", p2.id), "event", {"type": "click", "event": "inc", "value": {}}])
            .to_string(),
    )
    .await;
    reply(&mut ws2, "2").await;
    let other = clicked.elapsed();
    assert!(
        other < Duration::from_millis(50),
        "the other view answered in {other:?}"
    );

    // The result arrives once the task is done, as a pushed diff.
    let (text, at) = outcome(&mut ws).await;
    assert_eq!(text, "job: Slept(300)");
    assert!(
        at - started >= Duration::from_millis(300),
        "{:?}",
        at - started
    );
}

#[tokio::test]
async fn a_failing_or_panicking_runner_reaches_the_view_as_an_error_and_the_socket_goes_on() {
    let f = filter(Arc::new(InProcess::new()));
    let p = page(&f, "/slow").await;
    let mut ws = socket(f.clone(), &p).await;
    assert_eq!(join(&mut ws, &p, "/slow").await[4]["status"], "ok");
    let topic = format!("lv:{}", p.id);
    let ev = |r: &str, e: &str| {
        json!(["1", r, topic, "event", {"type": "click", "event": e, "value": {}}]).to_string()
    };
    ws.send_text(ev("2", "fail")).await;
    assert_eq!(outcome(&mut ws).await.0, "job: failed: no such rows");
    ws.send_text(ev("3", "explode")).await;
    assert_eq!(
        outcome(&mut ws).await.0,
        "job: panicked: the runner exploded"
    );
    ws.send_text(ev("4", "inc")).await;
    assert_eq!(reply(&mut ws, "4").await[4]["response"]["diff"]["0"], "1");
}

#[tokio::test]
async fn a_view_without_a_runner_gets_a_clear_failure() {
    let f = routes(app(), Options::default());
    let p = page(&f, "/slow").await;
    let mut ws = socket(f.clone(), &p).await;
    assert_eq!(join(&mut ws, &p, "/slow").await[4]["status"], "ok");
    let click = json!(["1", "2", format!("lv:{}", p.id), "event", {"type": "click", "event": "work", "value": {"ms": 1}}]);
    ws.send_text(click.to_string()).await;
    let (text, _) = outcome(&mut ws).await;
    assert!(
        text.starts_with("job: failed: no task runner is registered for") && text.contains("Slow"),
        "{text}"
    );
}

#[tokio::test]
async fn a_frame_gate_holds_a_frame_and_every_later_one_until_it_opens() {
    let open = Arc::new(tokio::sync::Notify::new());
    let held = Arc::new(AtomicUsize::new(0));
    let gate: liveview_warp::FrameGate = {
        let (open, held) = (open.clone(), held.clone());
        Arc::new(move |frame: &str| {
            // Hold the first click only.
            if !frame.contains(r#""event":"inc""#) || held.fetch_add(1, Ordering::SeqCst) > 0 {
                return None;
            }
            let open = open.clone();
            Some(Box::pin(async move { open.notified().await }) as liveview_warp::HeldFrame)
        })
    };
    let f = routes(
        app(),
        Options {
            frame_gate: Some(gate),
            ..Options::default()
        },
    );
    let p = page(&f, "/counter").await;
    let mut ws = socket(f, &p).await;
    assert_eq!(join(&mut ws, &p, "/counter").await[4]["status"], "ok");
    let topic = format!("lv:{}", p.id);
    let click = |r: &str| {
        json!(["1", r, topic, "event", {"type": "click", "event": "inc", "value": {}}]).to_string()
    };
    ws.send_text(click("2")).await;
    ws.send_text(r#"[null,"3","phoenix","heartbeat",{}]"#).await;
    // Neither the held click nor the heartbeat after it is answered.
    let waited = tokio::time::timeout(Duration::from_millis(200), ws.recv()).await;
    assert!(waited.is_err(), "nothing passes a closed gate: {waited:?}");
    open.notify_one();
    let r = next_json(&mut ws).await;
    assert_eq!(
        (r[1].as_str(), r[3].as_str()),
        (Some("2"), Some("phx_reply")),
        "{r}"
    );
    assert_eq!(r[4]["response"]["diff"]["0"], "1", "{r}");
    assert_eq!(
        next_json(&mut ws).await[1],
        "3",
        "then the frames after it, in order"
    );
    ws.send_text(click("4")).await;
    assert_eq!(reply(&mut ws, "4").await[4]["response"]["diff"]["0"], "2");
}

/// Views of one socket do not wait for each other: a child view's handler
/// that takes 800 ms (its work a task, its reply held until the task ends,
/// as the client sees a Phoenix handler that works 800 ms) does not delay
/// its parent, which answers clicks at once meanwhile.
#[tokio::test]
async fn a_parent_answers_clicks_while_its_child_views_handler_works_800_ms() {
    let f = filter(Arc::new(InProcess::new()));
    let p = page(&f, "/family").await;
    let mut ws = socket(f.clone(), &p).await;
    let joined = join(&mut ws, &p, "/family").await;
    assert_eq!(joined[4]["status"], "ok");
    // The child's container in the parent's render carries its token.
    let rendered = joined[4]["response"]["rendered"]
        .to_string()
        .replace("\\\"", "\"");
    let token = attr(&rendered, "id=\"slow\"", "data-phx-session");
    let child =
        json!({"params": {"_csrf_token": p.csrf, "_mounts": 0}, "session": token, "static": ""});
    ws.send_text(json!(["2", "2", "lv:slow", "phx_join", child]).to_string())
        .await;
    assert_eq!(reply(&mut ws, "2").await[4]["status"], "ok");

    let parent = format!("lv:{}", p.id);
    let ev = |jr: &str, r: &str, topic: &str, e: &str, v: Value| {
        json!([jr, r, topic, "event", {"type": "click", "event": e, "value": v}]).to_string()
    };
    let started = std::time::Instant::now();
    ws.send_text(ev("2", "3", "lv:slow", "held_work", json!({"ms": 800})))
        .await;
    let mut answered = Vec::new();
    for i in 0..5 {
        let r = (10 + i).to_string();
        let clicked = std::time::Instant::now();
        ws.send_text(ev("1", &r, &parent, "inc", json!({}))).await;
        let reply = reply(&mut ws, &r).await;
        answered.push(clicked.elapsed());
        assert_eq!(
            reply[4]["response"]["diff"]["0"],
            (i + 1).to_string(),
            "{reply}"
        );
    }
    // All five answered before the child's handler was done, each at once.
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "{answered:?}"
    );
    answered.sort();
    assert!(answered[2] < Duration::from_millis(50), "{answered:?}");
    // The child's reply comes when its work is done, then the work's outcome.
    let held = reply(&mut ws, "3").await;
    assert_eq!(held[4]["status"], "ok");
    assert!(started.elapsed() >= Duration::from_millis(800));
    loop {
        let f = next_json(&mut ws).await;
        if f[2] == "lv:slow" && f[3] == "diff" {
            assert!(f[4].to_string().contains("Slept(800)"), "{f}");
            break;
        }
    }
}
