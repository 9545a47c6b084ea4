//! Protocol-level tests of the example server (release build) with a Rust
//! WebSocket client: what the official client relies on (heartbeats, joins,
//! replies to everything) and what a hostile or broken client may send.
//!
//! One server per test binary, built once and started on a free loopback port.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tokio::net::TcpStream as TokioTcp;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

// ---------------------------------------------------------------- the server

/// The address of the shared server (`127.0.0.1:PORT`).
///
/// The server is started by a helper thread that then parks for the rest of
/// the process; the child gets `PR_SET_PDEATHSIG(SIGKILL)`, so it dies with
/// that thread, i.e. when the test binary exits.
fn server() -> &'static str {
    static ADDR: OnceLock<String> = OnceLock::new();
    ADDR.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let bin = liveview_tests::build_example_server();
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let addr = format!("127.0.0.1:{port}");
            let mut cmd = Command::new(&bin);
            cmd.env("PORT", port.to_string())
                .env("HOST", "127.0.0.1")
                .env("QUIET", "1")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit());
            kill_with_parent(&mut cmd);
            // Never waited for: it lives as long as this process and dies with it (see above).
            #[allow(clippy::zombie_processes)]
            let mut child: Child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let deadline = Instant::now() + Duration::from_secs(60);
            while http_get(&addr, "/counter", &[]).map(|r| r.status) != Some(200) {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("the example server exited early: {status}");
                }
                assert!(
                    Instant::now() < deadline,
                    "the example server did not answer within 60 s"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            tx.send(addr).expect("report the address");
            loop {
                std::thread::park();
            }
        });
        rx.recv()
            .expect("the server helper thread failed (see its panic above)")
    })
}

#[cfg(target_os = "linux")]
fn kill_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn kill_with_parent(_: &mut Command) {}

// ---------------------------------------------------------------- HTTP

struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn http_get(addr: &str, path: &str, extra: &[(&str, &str)]) -> Option<HttpResponse> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(HttpResponse {
        status,
        headers,
        body: body.to_string(),
    })
}

/// What a client takes from a dead render.
#[derive(Clone, Debug)]
struct Page {
    path: String,
    id: String,
    session: String,
    static_token: String,
    csrf: String,
    cookie: String,
}

fn attr(html: &str, marker: &str, name: &str) -> Option<String> {
    let at = html.find(marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(tag[i..i + tag[i..].find('"')?].to_string())
}

fn load(path: &str) -> Page {
    let r = http_get(server(), path, &[]).expect("GET");
    assert_eq!(r.status, 200, "GET {path}: {}", r.body);
    let cookie = r
        .headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    Page {
        path: path.to_string(),
        id: attr(&r.body, "data-phx-main", "id").expect("main container id"),
        session: attr(&r.body, "data-phx-main", "data-phx-session").expect("data-phx-session"),
        static_token: attr(&r.body, "data-phx-main", "data-phx-static").unwrap_or_default(),
        csrf: attr(&r.body, "name=\"csrf-token\"", "content").expect("csrf meta"),
        cookie,
    }
}

// ---------------------------------------------------------------- WebSocket

type Ws = WebSocketStream<MaybeTlsStream<TokioTcp>>;

async fn connect_with(
    query: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Ws, String> {
    let url = format!("ws://{}/live/websocket?{query}", server());
    let mut req = url
        .as_str()
        .into_client_request()
        .map_err(|e| e.to_string())?;
    if let Some(c) = cookie.filter(|c| !c.is_empty()) {
        req.headers_mut()
            .insert("cookie", HeaderValue::from_str(c).unwrap());
    }
    if let Some(o) = origin {
        req.headers_mut()
            .insert("origin", HeaderValue::from_str(o).unwrap());
    }
    tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::connect_async(req),
    )
    .await
    .map_err(|_| "connect timed out".to_string())?
    .map(|(ws, _)| ws)
    .map_err(|e| e.to_string())
}

async fn connect(page: &Page) -> Ws {
    let query = format!("_csrf_token={}&vsn=2.0.0", urlencode(&page.csrf));
    connect_with(
        &query,
        Some(&page.cookie),
        Some(&format!("http://{}", server())),
    )
    .await
    .expect("websocket connect")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn send(ws: &mut Ws, frame: Value) {
    ws.send(Message::text(frame.to_string()))
        .await
        .expect("send");
}

/// The next text frame as JSON, `Err` with what came instead (close, timeout, non-JSON).
async fn recv(ws: &mut Ws) -> Result<Value, String> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Err(_) => return Err("timed out".into()),
            Ok(None) => return Err("stream ended".into()),
            Ok(Some(Err(e))) => return Err(format!("error: {e}")),
            Ok(Some(Ok(Message::Text(t)))) => {
                return serde_json::from_str(t.as_str())
                    .map_err(|e| format!("non-JSON frame {t}: {e}"))
            }
            Ok(Some(Ok(Message::Close(c)))) => return Err(format!("closed: {c:?}")),
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// Reads frames until the reply with this ref (pushes before it are returned too).
async fn reply(ws: &mut Ws, reference: &str) -> (Value, Vec<Value>) {
    let mut pushes = Vec::new();
    loop {
        let f = recv(ws)
            .await
            .unwrap_or_else(|e| panic!("waiting for the reply to ref {reference}: {e}"));
        if f[3] == "phx_reply" && f[1] == reference {
            return (f, pushes);
        }
        pushes.push(f);
    }
}

fn join_payload(page: &Page) -> Value {
    json!({
        "url": format!("http://{}{}", server(), page.path),
        "params": {"_csrf_token": page.csrf, "_mounts": 0, "_mount_attempts": 0},
        "session": page.session,
        "static": if page.static_token.is_empty() { Value::Null } else { json!(page.static_token) },
        "sticky": false,
    })
}

/// The `phx_join` frame (join ref and ref "1") for `page`'s container.
fn join_frame(page: &Page) -> Value {
    json!([
        "1",
        "1",
        format!("lv:{}", page.id),
        "phx_join",
        join_payload(page)
    ])
}

/// Loads `path`, connects and joins; returns the socket, the topic and the join reply.
async fn joined(path: &str) -> (Ws, String, Value) {
    let page = load(path);
    let mut ws = connect(&page).await;
    let topic = format!("lv:{}", page.id);
    send(&mut ws, join_frame(&page)).await;
    let (r, _) = reply(&mut ws, "1").await;
    assert_eq!(r[0], "1", "join reply echoes join_ref");
    assert_eq!(r[4]["status"], "ok", "join of {path}: {r}");
    (ws, topic, r)
}

fn click(topic: &str, reference: &str, event: &str, value: Value) -> Value {
    json!(["1", reference, topic, "event", {"type": "click", "event": event, "value": value}])
}

/// Every string in a JSON tree, concatenated (enough to find a rendered text).
fn strings(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(strings).collect::<Vec<_>>().join("|"),
        Value::Object(o) => o.values().map(strings).collect::<Vec<_>>().join("|"),
        _ => String::new(),
    }
}

/// A second client still gets served (the server survived whatever came before).
async fn server_still_serves() {
    let page = load("/counter");
    let mut ws = connect(&page).await;
    send(&mut ws, json!([null, "7", "phoenix", "heartbeat", {}])).await;
    let (r, _) = reply(&mut ws, "7").await;
    assert_eq!(r[4]["status"], "ok");
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn heartbeat_is_answered() {
    let page = load("/counter");
    let mut ws = connect(&page).await;
    send(&mut ws, json!([null, "13", "phoenix", "heartbeat", {}])).await;
    let f = recv(&mut ws).await.unwrap();
    assert_eq!(
        f,
        json!([null, "13", "phoenix", "phx_reply", {"status": "ok", "response": {}}])
    );
}

#[tokio::test]
async fn join_renders_and_events_reply_with_diffs() {
    let (mut ws, topic, r) = joined("/counter").await;
    let resp = &r[4]["response"];
    assert_eq!(resp["liveview_version"], "1.2.12");
    assert!(
        strings(&resp["rendered"]).contains("id=\"count\""),
        "rendered: {resp}"
    );
    send(&mut ws, click(&topic, "2", "inc", json!({"value": ""}))).await;
    let (r, _) = reply(&mut ws, "2").await;
    assert_eq!(r[0], "1");
    assert_eq!(r[2], topic);
    assert_eq!(r[4]["status"], "ok");
    assert!(
        strings(&r[4]["response"]["diff"]).contains('1'),
        "diff: {r}"
    );
    send(&mut ws, json!(["1", "3", topic, "phx_leave", {}])).await;
    let (r, _) = reply(&mut ws, "3").await;
    assert_eq!(r[4]["status"], "ok");
}

#[tokio::test]
async fn tampered_session_is_refused() {
    let mut page = load("/counter");
    let mid = page.session.len() / 2;
    let flipped = if &page.session[mid..=mid] == "A" {
        "B"
    } else {
        "A"
    };
    page.session.replace_range(mid..=mid, flipped);
    let mut ws = connect(&page).await;
    send(&mut ws, join_frame(&page)).await;
    let (r, _) = reply(&mut ws, "1").await;
    assert_eq!(r[4]["status"], "error", "{r}");
    let reason = r[4]["response"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason == "stale" || reason == "unauthorized",
        "reason {reason:?}"
    );
}

#[tokio::test]
async fn session_of_another_container_is_refused() {
    let a = load("/counter");
    let b = load("/counter");
    let mut ws = connect(&a).await;
    // b's session presented on a's topic
    let mut payload = join_payload(&a);
    payload["session"] = json!(b.session);
    send(
        &mut ws,
        json!(["1", "1", format!("lv:{}", a.id), "phx_join", payload]),
    )
    .await;
    let (r, _) = reply(&mut ws, "1").await;
    assert_eq!(r[4]["status"], "error", "{r}");
}

#[tokio::test]
async fn wrong_csrf_never_mounts() {
    let page = load("/counter");
    let bad = Page {
        csrf: "definitely-not-the-token".into(),
        ..page.clone()
    };
    let query = format!("_csrf_token={}&vsn=2.0.0", bad.csrf);
    match connect_with(&query, Some(&bad.cookie), None).await {
        Err(_) => {} // refused at the upgrade: fine
        Ok(mut ws) => {
            send(&mut ws, join_frame(&bad)).await;
            match recv(&mut ws).await {
                Ok(r) => {
                    assert_eq!(r[3], "phx_reply", "{r}");
                    assert_eq!(
                        r[4]["status"], "error",
                        "a join with a wrong CSRF token must fail: {r}"
                    );
                }
                Err(closed) => assert!(
                    !closed.contains("timed out"),
                    "no answer to the join: {closed}"
                ),
            }
        }
    }
    // a valid token bound to another browser's cookie
    let other = load("/counter");
    assert_ne!(
        other.cookie, page.cookie,
        "each new browser gets its own CSRF cookie"
    );
    let query = format!("_csrf_token={}&vsn=2.0.0", urlencode(&page.csrf));
    if let Ok(mut ws) = connect_with(&query, Some(&other.cookie), None).await {
        send(&mut ws, join_frame(&page)).await;
        match recv(&mut ws).await {
            Ok(r) => assert_eq!(
                r[4]["status"], "error",
                "a token bound to another cookie must fail: {r}"
            ),
            Err(closed) => assert!(
                !closed.contains("timed out"),
                "no answer to the join: {closed}"
            ),
        }
    }
}

#[tokio::test]
async fn vsn_and_origin_are_checked_at_upgrade() {
    let page = load("/counter");
    let csrf = urlencode(&page.csrf);
    assert!(
        connect_with(&format!("_csrf_token={csrf}"), Some(&page.cookie), None)
            .await
            .is_err(),
        "no vsn"
    );
    assert!(
        connect_with(
            &format!("_csrf_token={csrf}&vsn=1.0.0"),
            Some(&page.cookie),
            None
        )
        .await
        .is_err(),
        "vsn 1"
    );
    let evil = connect_with(
        &format!("_csrf_token={csrf}&vsn=2.0.0"),
        Some(&page.cookie),
        Some("http://evil.example"),
    )
    .await;
    assert!(evil.is_err(), "foreign origin");
    // the official client's junk params are tolerated
    let junk = format!("_csrf_token={csrf}&_track_static%5B0%5D=x&_mounts=0&_mount_attempts=0&_live_referer=undefined&vsn=2.0.0");
    assert!(connect_with(&junk, Some(&page.cookie), None).await.is_ok());
}

#[tokio::test]
async fn event_before_join_is_an_unmatched_topic() {
    let page = load("/counter");
    let mut ws = connect(&page).await;
    send(
        &mut ws,
        click(&format!("lv:{}", page.id), "5", "inc", json!({})),
    )
    .await;
    let (r, _) = reply(&mut ws, "5").await;
    assert_eq!(r[4]["status"], "error");
    assert_eq!(r[4]["response"]["reason"], "unmatched topic");
}

#[tokio::test]
async fn unknown_event_gets_an_error_reply() {
    let (mut ws, topic, _) = joined("/counter").await;
    send(
        &mut ws,
        click(&topic, "2", "no_such_event", json!({"value": ""})),
    )
    .await;
    let (r, _) = reply(&mut ws, "2").await;
    assert_eq!(r[4]["status"], "error", "{r}");
    // the view is still alive
    send(&mut ws, click(&topic, "3", "inc", json!({"value": ""}))).await;
    let (r, _) = reply(&mut ws, "3").await;
    assert_eq!(r[4]["status"], "ok", "{r}");
}

#[tokio::test]
async fn malformed_frames_get_an_error_or_a_close_and_the_server_lives_on() {
    let bad: [&str; 8] = [
        "hello",
        "{\"a\":1}",
        "[1,2]",
        "[null,\"1\",\"phoenix\",\"heartbeat\",[]]",
        "[null,null,null,null,null]",
        "[\"1\",\"2\",\"lv:x\",\"event\",{\"type\":\"click\"}]",
        "[\"1\",\"1\",\"lv:x\",\"phx_join\",{\"session\":42}]",
        "\u{0}\u{1}[",
    ];
    for frame in bad {
        let page = load("/counter");
        let mut ws = connect(&page).await;
        ws.send(Message::text(frame)).await.expect("send");
        match recv(&mut ws).await {
            Ok(f) => assert_eq!(f[4]["status"], "error", "reply to {frame:?}: {f}"),
            Err(e) => assert!(!e.contains("timed out"), "no answer to {frame:?}: {e}"),
        }
    }
    // a garbage binary frame
    let page = load("/counter");
    let mut ws = connect(&page).await;
    ws.send(Message::binary(vec![0u8, 200, 1, 2]))
        .await
        .expect("send");
    let _ = tokio::time::timeout(Duration::from_millis(500), ws.next()).await;
    server_still_serves().await;
}

#[tokio::test]
async fn dashboard_timer_pushes_diffs() {
    let (mut ws, topic, _) = joined("/dashboard?ms=50").await;
    let start = Instant::now();
    let mut pushes = 0;
    while pushes < 5 {
        let f = recv(&mut ws).await.expect("a diff push");
        if f[3] == "diff" {
            assert_eq!(f[2], topic);
            assert_eq!(f[1], Value::Null, "pushes carry no ref");
            pushes += 1;
        }
    }
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "5 ticks at 50 ms took {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn chat_broadcast_reaches_another_socket() {
    let (mut a, ta, _) = joined("/chat").await;
    let (mut b, _tb, _) = joined("/chat").await;
    let body = format!("ws-test-{}", std::process::id());
    send(&mut a, json!(["1", "2", ta, "event", {"type": "form", "event": "send", "value": format!("body={body}")}])).await;
    let (r, _) = reply(&mut a, "2").await;
    assert_eq!(r[4]["status"], "ok", "{r}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let f = recv(&mut b).await.expect("b gets a push");
        if f[3] == "diff" && strings(&f[4]).contains(&body) {
            break;
        }
        assert!(Instant::now() < deadline, "b never saw the message");
    }
}

#[tokio::test]
async fn pages_and_assets_over_http() {
    let addr = server();
    let page = http_get(addr, "/counter", &[]).unwrap();
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(
        page.header("set-cookie").is_some(),
        "the CSRF cookie is set"
    );
    assert_eq!(http_get(addr, "/no-such-route", &[]).unwrap().status, 404);

    let app = http_get(addr, "/assets/app.js", &[]).unwrap();
    assert_eq!(app.status, 200);
    assert_eq!(
        app.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(app.body.contains("new LiveSocket(\"/live\""));
    let etag = app.header("etag").expect("etag").to_string();
    let again = http_get(addr, "/assets/app.js", &[("If-None-Match", &etag)]).unwrap();
    assert_eq!(again.status, 304);

    let lv = http_get(addr, "/assets/phoenix_live_view-1.2.12.esm.js", &[]).unwrap();
    assert_eq!(lv.status, 200);
    assert!(lv.header("cache-control").unwrap().contains("immutable"));
    assert!(lv.body.contains("LiveSocket"));
    let px = http_get(addr, "/assets/phoenix-1.8.16.mjs", &[]).unwrap();
    assert_eq!(px.status, 200);
    assert!(px.body.contains("Socket"));
}
