//! The socket machine's hot paths, without any I/O: what one WebSocket frame
//! costs the server in `liveview-core` for the conformance app's `/counter`
//! (APP.md) — decoding the frame, running the view, rendering and diffing,
//! encoding the reply — plus a heartbeat, a join, and the frame codec alone.
//!
//! Run: `cargo bench -p liveview-core --bench socket -- --quick`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use liveview_core::protocol::frame::{self, Status};
use liveview_core::protocol::{
    App, Config, ConnectInfo, PageRequest, Router, SocketMachine, SocketOutput,
};
use liveview_core::{html, LiveView, Mount, Rendered, Time, Update};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// The conformance app's counter (APP.md `/counter`).
struct Counter {
    count: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Inc,
    Dec,
}

impl LiveView for Counter {
    type Event = Event;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Counter { count: 0 }, vec![])
    }
    fn handle_event(self, event: Event) -> Update<Self> {
        let count = match event {
            Event::Inc => self.count + 1,
            Event::Dec => self.count - 1,
        };
        (Counter { count }, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<h1>Counter</h1><span id="count">{self.count}</span>
<button id="dec" phx-click="dec">-</button><button id="inc" phx-click="inc">+</button>"#
        )
    }
}

const NOW: Time = Time::from_millis(1_700_000_000_000);

/// What the client learns from the page: topic, session token, CSRF token, cookie.
struct Page {
    topic: String,
    session: String,
    csrf: String,
    cookie: String,
}

fn attr(html: &str, tag_marker: &str, name: &str) -> String {
    let at = html.find(tag_marker).expect("marker in page");
    let rest = &html[at..];
    let key = format!("{name}=\"");
    let start = rest.find(&key).expect("attribute in page") + key.len();
    let end = rest[start..].find('"').expect("closing quote");
    rest[start..start + end].to_owned()
}

fn setup() -> (Arc<App>, Page) {
    let app = Arc::new(App::new(
        Router::new().live::<Counter>("/counter"),
        Config::new(vec![42u8; 32]).unwrap(),
    ));
    let req = PageRequest {
        url: "/counter",
        cookie: None,
        ..Default::default()
    };
    let resp = app.render_request(NOW, &req, [7; 16]);
    assert_eq!(resp.status, 200);
    let cookie = resp
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a CSRF cookie")
        .to_owned();
    let page = Page {
        topic: format!("lv:{}", attr(&resp.body, "data-phx-main", "id")),
        session: attr(&resp.body, "data-phx-main", "data-phx-session"),
        csrf: attr(&resp.body, "<meta name=\"csrf-token\"", "content"),
        cookie,
    };
    (app, page)
}

fn connect(app: &Arc<App>, p: &Page) -> SocketMachine {
    SocketMachine::new(
        app.clone(),
        NOW,
        ConnectInfo {
            query: format!("_csrf_token={}&_mounts=0&vsn=2.0.0", p.csrf),
            cookie: Some(p.cookie.clone()),
            origin: Some("http://127.0.0.1".into()),
        },
    )
}

fn join_frame(p: &Page) -> String {
    serde_json::json!(["4", "4", p.topic, "phx_join", {
        "url": "http://127.0.0.1:4000/counter",
        "params": {"_csrf_token": p.csrf, "_mounts": 0, "_mount_attempts": 0},
        "session": p.session, "static": null, "sticky": false}])
    .to_string()
}

/// Drains the outputs; the number of bytes sent (kept alive for black_box).
fn drain(m: &mut SocketMachine) -> usize {
    let mut bytes = 0;
    while let Some(out) = m.poll_output() {
        if let SocketOutput::Send(text) = out {
            bytes += text.len();
        }
    }
    bytes
}

fn bench(c: &mut Criterion) {
    let (app, page) = setup();
    let join = join_frame(&page);
    let click = format!(
        r#"["4","7","{}","event",{{"type":"click","event":"inc","value":{{"value":""}}}}]"#,
        page.topic
    );

    let mut g = c.benchmark_group("socket");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));

    // one joined counter; every iteration is one click and its reply
    let mut m = connect(&app, &page);
    m.handle_text(NOW, &join);
    assert!(drain(&mut m) > 0);
    g.bench_function("counter click + reply", |b| {
        b.iter(|| {
            m.handle_text(NOW, black_box(&click));
            black_box(drain(&mut m))
        })
    });
    g.bench_function("heartbeat", |b| {
        b.iter(|| {
            m.handle_text(NOW, black_box(r#"[null,"9","phoenix","heartbeat",{}]"#));
            black_box(drain(&mut m))
        })
    });
    g.bench_function("poll_timeout", |b| b.iter(|| black_box(m.poll_timeout())));
    // a new socket: CSRF check, join (session token, mount, full render, reply)
    g.bench_function("connect + join", |b| {
        b.iter(|| {
            let mut m = connect(&app, &page);
            m.handle_text(NOW, black_box(&join));
            black_box(drain(&mut m))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("frame");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    g.bench_function("decode click", |b| {
        b.iter(|| frame::decode(black_box(&click), 1 << 20).map(|f| f.payload.len()))
    });
    g.bench_function("encode reply", |b| {
        b.iter(|| {
            frame::encode_reply(
                Some("4"),
                black_box(Some("7")),
                &page.topic,
                Status::Ok,
                r#"{"diff":{"0":"12"}}"#,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
