//! `serve_listener_with`: the app's own warp filter around the routes, on the
//! server of `serve` (real TCP connections): the app's route, a routed page,
//! and a WebSocket join answered by the server's own upgrade path.

use liveview_core::protocol::{App, Config, Router};
use liveview_core::{html, LiveView, Mount, Rendered, Update};
use serde::Deserialize;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tungstenite::client::IntoClientRequest;
use tungstenite::Message;
use warp::Filter;

#[derive(Default)]
struct Counter {
    n: i64,
}
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Inc,
}
impl LiveView for Counter {
    type Event = Event;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Counter::default(), vec![])
    }
    fn handle_event(self, Event::Inc: Event) -> Update<Self> {
        (Counter { n: self.n + 1 }, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<span id="n">{self.n}</span>"#)
    }
}

/// Serves `api.or(counted routes)` with `serve_listener_with` on a runtime of
/// its own; returns the address and how many requests reached the routes.
fn start() -> (SocketAddr, Arc<AtomicUsize>) {
    let app = Arc::new(App::new(
        Router::new().live::<Counter>("/counter"),
        Config::new(vec![5u8; 32]).unwrap(),
    ));
    let reached = Arc::new(AtomicUsize::new(0));
    let count = reached.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let api = warp::path!("api" / "health").map(|| "ok");
            let counting = warp::any()
                .map(move || {
                    count.fetch_add(1, Ordering::SeqCst);
                })
                .untuple_one();
            liveview_warp::serve_listener_with(listener, app, Default::default(), |routes| {
                api.or(counting.and(routes))
            })
            .await
        })
    });
    (rx.recv().unwrap(), reached)
}

/// A `GET` over a fresh connection: status line, headers, body.
fn get(addr: SocketAddr, path: &str) -> (String, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a response");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_string(), headers.to_string(), body.to_string())
}

/// The value of attribute `name` on the tag containing `marker`.
fn attr(html: &str, marker: &str, name: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"));
    let tag = &html[html[..at].rfind('<').unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    let key = format!(" {name}=\"");
    let i = tag.find(&key).unwrap_or_else(|| panic!("{name} in {tag}")) + key.len();
    tag[i..i + tag[i..].find('"').unwrap()].to_string()
}

fn next_json(ws: &mut tungstenite::WebSocket<TcpStream>) -> Value {
    loop {
        match ws.read().expect("a frame") {
            Message::Text(t) => return serde_json::from_str(&t).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn the_apps_filter_around_the_routes_on_the_lean_server() {
    let (addr, reached) = start();

    let (status, _, body) = get(addr, "/api/health");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(body, "ok");
    assert_eq!(reached.load(Ordering::SeqCst), 0, "the app's own route");

    let (status, headers, page) = get(addr, "/counter");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(page.contains(r#"<span id="n">0</span>"#), "{page}");
    assert_eq!(
        reached.load(Ordering::SeqCst),
        1,
        "a page, through the routes"
    );
    let cookie = headers
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .map(|l| l["set-cookie:".len()..].trim().split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ");
    let id = attr(&page, "data-phx-main", "id");
    let session = attr(&page, "data-phx-main", "data-phx-session");
    let csrf = attr(&page, "name=\"csrf-token\"", "content");

    let (status, _, _) = get(addr, "/assets/app.js");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let (status, _, _) = get(addr, "/nowhere");
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");
    let before_ws = reached.load(Ordering::SeqCst);

    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("ws://{addr}/live/websocket?_csrf_token={csrf}&vsn=2.0.0")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    let (mut ws, response) = tungstenite::client(request, stream).expect("handshake");
    assert_eq!(response.status(), 101);
    assert_eq!(
        reached.load(Ordering::SeqCst),
        before_ws,
        "the upgrade is answered by the server, not by warp's filter"
    );

    let topic = format!("lv:{id}");
    let join = json!(["1", "1", topic, "phx_join", {
        "url": format!("http://{addr}/counter"),
        "params": {"_csrf_token": csrf, "_mounts": 0},
        "session": session, "static": null}]);
    ws.send(Message::text(join.to_string())).unwrap();
    let reply = next_json(&mut ws);
    assert_eq!(reply[3], "phx_reply", "{reply}");
    assert_eq!(reply[4]["status"], "ok", "{reply}");
    let click = json!(["1", "2", topic, "event", {"type": "click", "event": "inc", "value": {}}]);
    ws.send(Message::text(click.to_string())).unwrap();
    let reply = next_json(&mut ws);
    assert_eq!(reply[4]["response"]["diff"]["0"], "1", "{reply}");
}
