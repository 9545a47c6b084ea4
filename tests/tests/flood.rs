//! Floods, slow readers and the Origin allow-list, against the example
//! server (release build) started with small limits:
//! `LIVEVIEW_MAX_OUTPUT_BYTES=262144` and
//! `LIVEVIEW_ALLOWED_ORIGINS=http://allowed.test,http://127.0.0.1:PORT`.
//!
//! The tests of this file run one at a time (they measure latency and the
//! server's memory, so they must not disturb each other).

use futures_util::{SinkExt, StreamExt};
use liveview_tests::{attr, kill_with_parent, urlencode};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The per-socket output limit the server is started with.
const MAX_OUTPUT: usize = 256 * 1024;
/// The documented close of a socket over its output limit.
const OUTPUT_REASON: &str = "output buffer limit exceeded";

/// One test at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Server {
    addr: String,
    pid: u32,
    /// Every line the server wrote to stderr.
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .expect("the server's VmRSS")
    }

    fn logged(&self, needle: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(needle))
    }

    /// Whether `needle` appears in the log within `limit`: the server writes
    /// the line before it answers, but the thread copying its stderr into
    /// the log may not have read it yet.
    async fn logged_within(&self, needle: &str, limit: Duration) -> bool {
        let started = Instant::now();
        while !self.logged(needle) {
            if started.elapsed() >= limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        true
    }
}

/// The shared server, started by a helper thread that then parks for the
/// rest of the process: the child gets `PR_SET_PDEATHSIG(SIGKILL)`, which
/// fires when the thread that started it ends, so that must not be a test's
/// thread.
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            tx.send(start_server()).expect("report the server");
            loop {
                std::thread::park();
            }
        });
        rx.recv()
            .expect("the server helper thread failed (see its panic above)")
    })
}

fn start_server() -> Server {
    let bin = liveview_tests::build_example_server();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(&bin);
    cmd.env("PORT", port.to_string())
        .env("HOST", "127.0.0.1")
        .env("LIVEVIEW_MAX_OUTPUT_BYTES", MAX_OUTPUT.to_string())
        .env(
            "LIVEVIEW_ALLOWED_ORIGINS",
            format!("http://allowed.test,http://{addr}"),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    kill_with_parent(&mut cmd);
    #[allow(clippy::zombie_processes)] // dies with this process (see above)
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let log = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("piped stderr");
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_get(&addr, "/counter").map(|r| r.0) != Some(200) {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the example server exited early: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "the example server did not answer within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Server {
        addr,
        pid: child.id(),
        log,
    }
}

/// `(status, set-cookie values, body)`.
fn http_get(addr: &str, path: &str) -> Option<(u16, Vec<String>, String)> {
    http_get_with(addr, path, "")
}

/// [`http_get`] sending `cookie` (if not empty).
fn http_get_with(addr: &str, path: &str, cookie: &str) -> Option<(u16, Vec<String>, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let cookie = if cookie.is_empty() {
        String::new()
    } else {
        format!("Cookie: {cookie}\r\n")
    };
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{cookie}\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let cookies = lines
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.trim().split(';').next().map(str::to_string))
        .collect();
    Some((status, cookies, body.to_string()))
}

/// A dead-rendered page: what a client needs to join it.
struct Page {
    path: String,
    topic: String,
    session: String,
    static_token: Option<String>,
    csrf: String,
    cookie: String,
}

fn load(path: &str) -> Page {
    load_with(path, "")
}

/// [`load`] in the browser session of `cookie` (pages that can share one socket).
fn load_with(path: &str, cookie: &str) -> Page {
    let (status, cookies, body) = http_get_with(&server().addr, path, cookie).expect("GET");
    assert_eq!(status, 200, "GET {path}");
    Page {
        path: path.to_string(),
        topic: format!(
            "lv:{}",
            attr(&body, "data-phx-main", "id").expect("container id")
        ),
        session: attr(&body, "data-phx-main", "data-phx-session").expect("session"),
        static_token: attr(&body, "data-phx-main", "data-phx-static"),
        csrf: attr(&body, "name=\"csrf-token\"", "content").expect("csrf meta"),
        cookie: if cookies.is_empty() {
            cookie.to_string()
        } else {
            cookies.join("; ")
        },
    }
}

type Ws = WebSocketStream<tokio::net::TcpStream>;

/// Opens the page's WebSocket with `origin`; `recv_buffer` shrinks the
/// client's kernel receive buffer (a slow reader that buffers little).
async fn connect(page: &Page, origin: &str, recv_buffer: Option<u32>) -> Result<Ws, String> {
    let addr = &server().addr;
    let url = format!(
        "ws://{addr}/live/websocket?_csrf_token={}&vsn=2.0.0",
        urlencode(&page.csrf)
    );
    let mut req = url.into_client_request().map_err(|e| e.to_string())?;
    req.headers_mut()
        .insert("cookie", HeaderValue::from_str(&page.cookie).unwrap());
    req.headers_mut()
        .insert("origin", HeaderValue::from_str(origin).unwrap());
    let socket = tokio::net::TcpSocket::new_v4().map_err(|e| e.to_string())?;
    if let Some(n) = recv_buffer {
        socket.set_recv_buffer_size(n).map_err(|e| e.to_string())?;
    }
    let tcp = socket
        .connect(addr.parse().unwrap())
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::client_async(req, tcp),
    )
    .await
    .map_err(|_| "connect timed out".to_string())?
    .map(|(ws, _)| ws)
    .map_err(|e| e.to_string())
}

async fn send(ws: &mut Ws, frame: Value) {
    ws.send(Message::text(frame.to_string()))
        .await
        .expect("send");
}

/// Reads until the reply with this ref.
async fn reply(ws: &mut Ws, reference: &str) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap_or_else(|_| panic!("no reply to ref {reference} within 10 s"))
            .unwrap_or_else(|| panic!("socket ended before the reply to {reference}"))
            .expect("read");
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(t.as_str()).expect("JSON frame");
            if v[3] == "phx_reply" && v[1] == reference {
                return v;
            }
        }
    }
}

fn join_frame(page: &Page, join_ref: &str) -> Value {
    json!([
        join_ref,
        join_ref,
        page.topic,
        "phx_join",
        {
            "url": format!("http://{}{}", server().addr, page.path),
            "params": {"_csrf_token": page.csrf, "_mounts": 0},
            "session": page.session,
            "static": page.static_token,
        }
    ])
}

/// Loads `path` and joins it on a fresh socket.
async fn joined(path: &str) -> (Ws, Page) {
    let page = load(path);
    let origin = format!("http://{}", server().addr);
    let mut ws = connect(&page, &origin, None).await.expect("connect");
    send(&mut ws, join_frame(&page, "1")).await;
    let r = reply(&mut ws, "1").await;
    assert_eq!(r[4]["status"], "ok", "join {path}: {r}");
    (ws, page)
}

fn inc(topic: &str, reference: u64) -> Value {
    json!(["1", reference.to_string(), topic, "event", {"type": "click", "event": "inc", "value": {}}])
}

fn percentile(samples: &mut [u64], p: f64) -> u64 {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

/// Closed-loop clicks on one socket until `stop`, recording `(sent_at,
/// latency µs)` per click into `samples`; returns how many it made.
async fn clicker(
    mut ws: Ws,
    page: Page,
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<(Instant, u64)>>>,
) -> u64 {
    let mut reference = 100u64;
    while !stop.load(Ordering::Relaxed) {
        reference += 1;
        let at = Instant::now();
        send(&mut ws, inc(&page.topic, reference)).await;
        let r = reply(&mut ws, &reference.to_string()).await;
        assert_eq!(r[4]["status"], "ok");
        let us = at.elapsed().as_micros() as u64;
        samples.lock().unwrap().push((at, us));
    }
    reference - 100
}

/// One flood round: the clients' p99 latency in the calm window before the
/// flood and from its start until 2 s after its last send, and the flooder's fate.
struct Round {
    calm_p99: u64,
    flood_p99: u64,
    outcome: String,
}

/// One flood: a fresh flooder joins /counter, sends `FLOOD` events without
/// reading, then reads what it got. Returns when the flooder is done.
async fn flood_once(srv: &Server, samples: &Arc<Mutex<Vec<(Instant, u64)>>>) -> Round {
    const FLOOD: u64 = 10_000;
    let calm_from = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (mut flooder, page) = joined("/counter").await;
    let flood_from = Instant::now();
    for r in 0..FLOOD {
        let frame = inc(&page.topic, 1000 + r).to_string();
        if flooder.feed(Message::text(frame)).await.is_err() {
            break; // the server closed it
        }
    }
    let _ = flooder.flush().await;
    let sent_in = flood_from.elapsed();
    // The server keeps working through the flood after the last send
    // returned (and then writes its replies); measure a while longer.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let flood_to = Instant::now();
    let (mut calm, mut flood) = (Vec::new(), Vec::new());
    for &(at, us) in samples.lock().unwrap().iter() {
        if at >= calm_from && at < flood_from - Duration::from_millis(100) {
            calm.push(us);
        } else if at >= flood_from && at < flood_to {
            flood.push(us);
        }
    }
    assert!(
        calm.len() >= 500 && flood.len() >= 500,
        "too few samples: calm {} flood {}",
        calm.len(),
        flood.len()
    );
    let (calm_p50, calm_p99) = (percentile(&mut calm, 0.5), percentile(&mut calm, 0.99));
    let (flood_p50, flood_p99) = (percentile(&mut flood, 0.5), percentile(&mut flood, 0.99));

    // The flooder was either fully served (every reply is waiting for it) or
    // closed for exceeding its output limit.
    let mut replies = 0u64;
    let outcome = loop {
        match tokio::time::timeout(Duration::from_secs(15), flooder.next()).await {
            Err(_) => break format!("stalled after {replies} replies"),
            Ok(None) | Ok(Some(Err(_))) => {
                break format!("ended without a close frame after {replies} replies")
            }
            Ok(Some(Ok(Message::Close(Some(f))))) => {
                assert_eq!(f.code, CloseCode::Policy, "{f:?}");
                assert_eq!(f.reason.as_str(), OUTPUT_REASON);
                assert!(
                    srv.logged_within(OUTPUT_REASON, Duration::from_secs(5))
                        .await,
                    "the close is logged"
                );
                break "closed".to_string();
            }
            Ok(Some(Ok(Message::Text(_)))) => {
                replies += 1;
                if replies == FLOOD {
                    break "served".to_string();
                }
            }
            Ok(Some(Ok(_))) => {}
        }
    };
    eprintln!(
        "flood: {FLOOD} events sent in {sent_in:?}; calm p50 {calm_p50} µs p99 {calm_p99} µs \
         ({} samples); during the flood p50 {flood_p50} µs p99 {flood_p99} µs ({} samples); \
         flooder {outcome} ({replies} replies read)",
        calm.len(),
        flood.len()
    );
    Round {
        calm_p99,
        flood_p99,
        outcome,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unread_events_does_not_slow_other_clients() {
    let _serial = SERIAL.lock().await;
    let srv = server();
    const CLIENTS: usize = 10;

    let stop = Arc::new(AtomicBool::new(false));
    let samples = Arc::new(Mutex::new(Vec::new()));
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (ws, page) = joined("/counter").await;
        let (stop, samples) = (stop.clone(), samples.clone());
        clients.push(tokio::spawn(async move {
            let n = clicker(ws, page, stop, samples).await;
            assert!(n > 0, "a client clicked");
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // warm up
    let rss_before = srv.rss_kib();

    // The rule is the issue's: p99 during the flood <= 2 x p99 just before.
    // On a shared 2-core machine one calm window can be unluckily quiet, so
    // a round may be repeated (at most 3 rounds, ~6 s each). A flooder that
    // really starved the others (held a worker for the whole flood, or
    // made its neighbours wait for its replies) fails every round: their
    // p99 would then be the flood's duration (hundreds of ms), not a few ms.
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let round = flood_once(srv, &samples).await;
        assert!(
            round.outcome == "served" || round.outcome == "closed",
            "flooder: {}",
            round.outcome
        );
        let ok = round.flood_p99 <= 2 * round.calm_p99;
        rounds.push((round.calm_p99, round.flood_p99));
        if ok {
            break;
        }
    }
    let rss_after = srv.rss_kib();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.expect("a clicker failed");
    }
    eprintln!(
        "flood rounds (calm p99, flood p99) µs: {rounds:?}; RSS {rss_before} -> {rss_after} KiB"
    );
    assert!(
        rss_after < rss_before + 32 * 1024,
        "server RSS grew from {rss_before} to {rss_after} KiB"
    );
    let (calm_p99, flood_p99) = *rounds.last().unwrap();
    assert!(
        flood_p99 <= 2 * calm_p99,
        "p99 during the flood > 2 × calm p99 in every round: {rounds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_closed_at_the_output_limit() {
    let _serial = SERIAL.lock().await;
    let srv = server();
    let rss_before = srv.rss_kib();
    let origin = format!("http://{}", srv.addr);
    // Eight dashboards ticking every millisecond on one socket whose client
    // never reads (and keeps a small kernel receive buffer).
    let first = load("/dashboard?ms=1");
    let mut pages: Vec<Page> = (1..8)
        .map(|_| load_with("/dashboard?ms=1", &first.cookie))
        .collect();
    pages.insert(0, first);
    let mut ws = connect(&pages[0], &origin, Some(4096))
        .await
        .expect("connect");
    for (i, page) in pages.iter().enumerate() {
        let join_ref = (i + 1).to_string();
        send(&mut ws, join_frame(page, &join_ref)).await;
    }
    let started = Instant::now();
    assert!(
        srv.logged_within(OUTPUT_REASON, Duration::from_secs(30))
            .await,
        "no '{OUTPUT_REASON}' close within 30 s"
    );
    let closed_after = started.elapsed();
    let rss_at_close = srv.rss_kib();
    // Now read: frames that were already on their way, then the close frame.
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Close(f)))) => break f,
            Ok(Some(Ok(_))) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    let close = close.expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::Policy);
    assert_eq!(close.reason.as_str(), OUTPUT_REASON);
    eprintln!(
        "slow reader closed after {closed_after:?}; server RSS {rss_before} -> {rss_at_close} KiB"
    );
    assert!(
        rss_at_close < rss_before + 16 * 1024,
        "server RSS grew from {rss_before} to {rss_at_close} KiB"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_listed_origins_may_open_the_socket() {
    let _serial = SERIAL.lock().await;
    let srv = server();
    let page = load("/counter");
    // Listed: upgraded, and the view mounts.
    let mut ws = connect(&page, "http://allowed.test", None)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "a listed origin is refused: {e}; log: {:?}",
                srv.log.lock().unwrap()
            )
        });
    send(&mut ws, join_frame(&page, "1")).await;
    assert_eq!(reply(&mut ws, "1").await[4]["status"], "ok");
    // Not listed (even one that differs only in scheme or port): 403, no socket.
    for origin in [
        "http://evil.test",
        "https://allowed.test",
        "http://allowed.test:81",
    ] {
        let err = connect(&page, origin, None)
            .await
            .err()
            .unwrap_or_else(|| panic!("{origin} was let in"));
        let line = format!("refused websocket from origin {origin:?}");
        assert!(
            srv.logged_within(&line, Duration::from_secs(5)).await,
            "not logged: {line}"
        );
        assert!(err.contains("403"), "{origin}: {err}");
    }
}
