//! Shared helpers of the cross-crate tests, and one test client of the
//! example server for the socket tests (`ws_protocol`, `flood`, `leaks`):
//!
//! - [`Server`] starts the release example server on a free port with the
//!   environment a test needs ([`Server::launch`], [`Launch`]), optionally
//!   capturing its log, and measures it ([`Server::rss_kib`]);
//! - [`Page`] is a dead render ([`Server::load`]) with the tokens a join needs;
//! - [`TcpProxy`] is the load balancer in front of several servers;
//! - [`run_chat`] measures a chat load across nodes;
//! - [`run_node_tests`] runs a browser test file of `tests/e2e`;
//! - [`Client`] is a WebSocket to `/live/websocket` ([`Page::connect`],
//!   [`Connect`] for a custom query, cookie, Origin or receive buffer) that
//!   sends frames and waits, with a timeout, for replies ([`Client::reply_to`]).
//!
//! ```no_run
//! use liveview_tests::{click, Server};
//! use serde_json::json;
//!
//! # async fn example() {
//! let server = Server::launch().env("LIVEVIEW_METRICS", "1").start();
//! let page = server.load("/counter");
//! let mut client = page.connect().await;
//! assert_eq!(client.join(&page, "1").await[4]["status"], "ok");
//! client.push(click(&page.topic(), "2", "inc", json!({}))).await;
//! assert_eq!(client.reply_to("2").await[4]["status"], "ok");
//! # }
//! ```

mod browser;
mod chat_load;
mod proxy;

pub use browser::run_node_tests;
pub use chat_load::{run_chat, ChatReport};
pub use proxy::TcpProxy;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

/// The workspace root. Read from `CARGO_MANIFEST_DIR` at run time (cargo sets
/// it for every test binary) so a binary built in one checkout never points at
/// another; the compile-time value is the fallback.
pub fn workspace() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `cargo build --release -p liveview-examples --bin liveview-examples`,
/// returning the binary's path. Every test that needs a server uses this one
/// release build (cargo makes later calls no-ops).
pub fn build_example_server() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "liveview-examples",
            "--bin",
            "liveview-examples",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(workspace())
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo build");
    assert!(
        out.status.success(),
        "cargo build --release -p liveview-examples failed"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| {
            m["reason"] == "compiler-artifact" && m["target"]["name"] == "liveview-examples"
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no liveview-examples executable")
}

/// Makes a spawned server die with the test process (Linux: `PR_SET_DEATHSIG`),
/// so an aborted test never leaves a server running.
#[cfg(target_os = "linux")]
pub fn kill_with_parent(cmd: &mut Command) {
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

/// Makes a spawned server die with the test process (a no-op off Linux).
#[cfg(not(target_os = "linux"))]
pub fn kill_with_parent(_: &mut Command) {}

/// The value of attribute `name` on the tag that contains `marker` in `html`.
pub fn attr(html: &str, marker: &str, name: &str) -> Option<String> {
    let at = html.find(marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(tag[i..i + tag[i..].find('"')?].to_string())
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---------------------------------------------------------------- HTTP

/// The answer to an [`http_get`].
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Every header in the order received: names lower-cased, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body (lossy UTF-8).
    pub body: String,
}

impl Response {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `name=value` of every `Set-Cookie` header, attributes dropped.
    pub fn cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next())
            .collect()
    }
}

/// `GET path` from `addr` (`127.0.0.1:PORT`) on a fresh connection
/// (`Connection: close`) with the `headers` given; `None` if the connection
/// fails, takes over 10 s to answer or the answer is not HTTP.
pub fn http_get(addr: &str, path: &str, headers: &[(&str, &str)]) -> Option<Response> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
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
    Some(Response {
        status,
        headers,
        body: body.to_string(),
    })
}

// ---------------------------------------------------------------- the server

/// The example server (the release build of [`build_example_server`]) on a
/// free loopback port, killed when dropped and, on Linux, when the thread
/// that started it ends (see [`Launch::start_for_process`]).
pub struct Server {
    child: Child,
    addr: String,
    /// Every line the server wrote to stderr, if [`Launch::capture_log`].
    log: Option<Arc<Mutex<Vec<String>>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How to start a [`Server`]: from [`Server::launch`], then options, then
/// [`Launch::start`] or [`Launch::start_for_process`].
pub struct Launch {
    port: u16,
    envs: Vec<(String, String)>,
    capture_log: bool,
    ready_path: String,
}

impl Launch {
    /// The address the server will listen on (`127.0.0.1:PORT`), for options
    /// that name it.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Sets `key=value` in the server's environment (besides `PORT` and `HOST`).
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.envs.push((key.to_string(), value.into()));
        self
    }

    /// Lets the server log at `info` (`RUST_LOG=info`, uncolored; it runs
    /// with `QUIET=1` otherwise) and keeps every line it writes to stderr,
    /// for [`Server::logged`] and [`Server::log`].
    pub fn capture_log(mut self) -> Self {
        self.capture_log = true;
        self
    }

    /// The page that must answer 200 before the server counts as started
    /// (`/counter` unless set).
    pub fn ready_path(mut self, path: &str) -> Self {
        self.ready_path = path.to_string();
        self
    }

    /// Builds and starts the server on this thread and waits (at most 60 s)
    /// until it serves the ready page. It dies with this thread (Linux).
    pub fn start(self) -> Server {
        let bin = build_example_server();
        let addr = self.addr();
        let mut cmd = Command::new(&bin);
        cmd.env("PORT", self.port.to_string())
            .env("HOST", "127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if self.capture_log {
            cmd.env_remove("QUIET")
                .env("RUST_LOG", "info")
                .env("NO_COLOR", "1")
                .stderr(Stdio::piped());
        } else {
            cmd.env("QUIET", "1").stderr(Stdio::inherit());
        }
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        kill_with_parent(&mut cmd);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut server = Server {
            child,
            addr,
            log: None,
        };
        if let Some(stderr) = server.child.stderr.take() {
            let log = Arc::new(Mutex::new(Vec::new()));
            let sink = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    sink.lock().unwrap().push(line);
                }
            });
            server.log = Some(log);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while http_get(&server.addr, &self.ready_path, &[]).map(|r| r.status) != Some(200) {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the example server exited early: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "the example server did not serve {} within 60 s",
                self.ready_path
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// [`Launch::start`] from a helper thread that then parks for the rest of
    /// the process: the server dies with that thread (`PR_SET_PDEATHSIG`), so
    /// it must not be a test's thread when the server outlives one test. For
    /// a server shared by the tests of a binary, kept in a `static`:
    ///
    /// ```no_run
    /// use liveview_tests::Server;
    /// use std::sync::OnceLock;
    ///
    /// fn server() -> &'static Server {
    ///     static SERVER: OnceLock<Server> = OnceLock::new();
    ///     SERVER.get_or_init(|| Server::launch().start_for_process())
    /// }
    /// ```
    pub fn start_for_process(self) -> Server {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            tx.send(self.start()).expect("report the server");
            loop {
                std::thread::park();
            }
        });
        rx.recv()
            .expect("the server helper thread failed (see its panic above)")
    }
}

impl Server {
    /// Options to start the example server with, on a free port picked now.
    pub fn launch() -> Launch {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        Launch {
            port,
            envs: Vec::new(),
            capture_log: false,
            ready_path: "/counter".to_string(),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server now (SIGKILL, as a crash) and waits for it to exit.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// CPU time the server has used so far (user + system), in clock ticks
    /// (Linux `/proc/PID/stat`; `sysconf(_SC_CLK_TCK)` ticks per second).
    pub fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("read /proc/PID/stat");
        // The fields after the parenthesised command name; utime and stime
        // are the 14th and 15th of the line.
        let rest = &stat[stat.rfind(')').expect("(comm) in stat") + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let tick = |i: usize| fields[i].parse::<u64>().expect("a tick count");
        tick(11) + tick(12)
    }

    /// The server's resident set size in KiB (Linux `/proc`).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// Every line logged so far. Panics unless the log is captured
    /// ([`Launch::capture_log`]).
    pub fn log(&self) -> Vec<String> {
        self.log
            .as_ref()
            .expect("the server's log is not captured (Launch::capture_log)")
            .lock()
            .unwrap()
            .clone()
    }

    /// Whether a logged line contains `needle` (see [`Server::log`]).
    pub fn logged(&self, needle: &str) -> bool {
        self.log().iter().any(|l| l.contains(needle))
    }

    /// Whether `needle` appears in the log within `limit`: the server writes
    /// the line before it answers, but the thread copying its stderr into
    /// the log may not have read it yet.
    pub async fn logged_within(&self, needle: &str, limit: Duration) -> bool {
        let started = Instant::now();
        while !self.logged(needle) {
            if started.elapsed() >= limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        true
    }

    /// [`http_get`] of `path` from this server.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Option<Response> {
        http_get(&self.addr, path, headers)
    }

    /// Loads `path` as a new browser would (no cookie).
    pub fn load(&self, path: &str) -> Page {
        self.load_in(path, "")
    }

    /// Loads `path` in the browser whose cookie is `cookie` (empty: none):
    /// pages of one browser may share a socket.
    pub fn load_in(&self, path: &str, cookie: &str) -> Page {
        let headers: &[(&str, &str)] = if cookie.is_empty() {
            &[]
        } else {
            &[("Cookie", cookie)]
        };
        let r = self.get(path, headers).expect("GET");
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        let set = r.cookies();
        let main = |name| attr(&r.body, "data-phx-main", name);
        Page {
            addr: self.addr.clone(),
            path: path.to_string(),
            id: main("id").expect("main container id"),
            session: main("data-phx-session").expect("data-phx-session"),
            static_token: main("data-phx-static"),
            csrf: attr(&r.body, "name=\"csrf-token\"", "content").expect("csrf meta"),
            cookie: if set.is_empty() {
                cookie.to_string()
            } else {
                set.join("; ")
            },
        }
    }

    /// A WebSocket to `/live/websocket?{query}` with no cookie and no Origin
    /// (set them on the [`Connect`]).
    pub fn socket(&self, query: &str) -> Connect {
        Connect::new(&self.addr, query)
    }
}

// ---------------------------------------------------------------- pages

/// A dead-rendered page: what a client needs to connect and join it.
#[derive(Clone, Debug)]
pub struct Page {
    /// The server's address, `127.0.0.1:PORT`.
    pub addr: String,
    /// The path it was loaded from (with its query).
    pub path: String,
    /// The main container's id (the topic is `lv:{id}`).
    pub id: String,
    /// Its signed session (`data-phx-session`).
    pub session: String,
    /// Its signed static token (`data-phx-static`), if any.
    pub static_token: Option<String>,
    /// The CSRF token of the `csrf-token` meta tag.
    pub csrf: String,
    /// The browser's cookie after loading it (`name=value; …`).
    pub cookie: String,
}

impl Page {
    /// The view's channel topic, `lv:{id}`.
    pub fn topic(&self) -> String {
        format!("lv:{}", self.id)
    }

    /// The `phx_join` payload the official client sends for this page.
    pub fn join_payload(&self) -> Value {
        json!({
            "url": format!("http://{}{}", self.addr, self.path),
            "params": {"_csrf_token": self.csrf, "_mounts": 0, "_mount_attempts": 0},
            "session": self.session,
            "static": self.static_token,
            "sticky": false,
        })
    }

    /// The `phx_join` frame with `join_ref` as both its join ref and its ref.
    pub fn join_frame(&self, join_ref: &str) -> Value {
        json!([
            join_ref,
            join_ref,
            self.topic(),
            "phx_join",
            self.join_payload()
        ])
    }

    /// The WebSocket query the browser sends for this page (its CSRF token
    /// and the serializer version).
    pub fn socket_query(&self) -> String {
        format!("_csrf_token={}&vsn=2.0.0", urlencode(&self.csrf))
    }

    /// The browser's WebSocket for this page: its CSRF token and `vsn=2.0.0`
    /// in the query, its cookie, the server's own Origin.
    pub fn socket(&self) -> Connect {
        Connect::new(&self.addr, &self.socket_query())
            .cookie(&self.cookie)
            .origin(Some(&format!("http://{}", self.addr)))
    }

    /// Opens [`Page::socket`]; panics if the server refuses it.
    pub async fn connect(&self) -> Client {
        self.socket()
            .open()
            .await
            .unwrap_or_else(|e| panic!("websocket connect for {}: {e}", self.path))
    }
}

/// Every string in a JSON tree, concatenated (enough to find a rendered text in a diff).
pub fn strings(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(strings).collect::<Vec<_>>().join("|"),
        Value::Object(o) => o.values().map(strings).collect::<Vec<_>>().join("|"),
        _ => String::new(),
    }
}

/// A click event frame (join ref "1") on `topic`.
pub fn click(topic: &str, reference: &str, event: &str, value: Value) -> Value {
    json!(["1", reference, topic, "event", {"type": "click", "event": event, "value": value}])
}

/// A heartbeat frame.
pub fn heartbeat(reference: &str) -> Value {
    json!([null, reference, "phoenix", "heartbeat", {}])
}

// ---------------------------------------------------------------- WebSocket

/// How long a [`Client`] waits to connect, and for each frame, unless told
/// otherwise ([`Connect::timeout`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A WebSocket connection to open: from [`Page::socket`] or
/// [`Server::socket`], then options, then [`Connect::open`].
#[derive(Clone, Debug)]
pub struct Connect {
    addr: String,
    query: String,
    cookie: String,
    origin: Option<String>,
    recv_buffer: Option<u32>,
    timeout: Duration,
}

impl Connect {
    /// `ws://{addr}/live/websocket?{query}`, no cookie, no Origin.
    pub fn new(addr: &str, query: &str) -> Connect {
        Connect {
            addr: addr.to_string(),
            query: query.to_string(),
            cookie: String::new(),
            origin: None,
            recv_buffer: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The `Cookie` header to send (empty: none).
    pub fn cookie(mut self, cookie: &str) -> Self {
        self.cookie = cookie.to_string();
        self
    }

    /// The `Origin` header to send (`None`: none).
    pub fn origin(mut self, origin: Option<&str>) -> Self {
        self.origin = origin.map(str::to_string);
        self
    }

    /// Shrinks the client's kernel receive buffer to `bytes`: a slow reader
    /// that buffers little.
    pub fn recv_buffer(mut self, bytes: u32) -> Self {
        self.recv_buffer = Some(bytes);
        self
    }

    /// How long to wait for the connection, and then for each frame.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// Connects and upgrades; `Err` says why not (the HTTP status of a
    /// refused upgrade is in it, e.g. `403`).
    pub async fn open(self) -> Result<Client, String> {
        let url = format!("ws://{}/live/websocket?{}", self.addr, self.query);
        let mut req = url.into_client_request().map_err(|e| e.to_string())?;
        let headers = [
            ("cookie", Some(self.cookie).filter(|c| !c.is_empty())),
            ("origin", self.origin),
        ];
        for (name, value) in headers {
            if let Some(v) = value {
                let v = HeaderValue::from_str(&v).map_err(|e| format!("{name} {v:?}: {e}"))?;
                req.headers_mut().insert(name, v);
            }
        }
        let addr: SocketAddr = self
            .addr
            .parse()
            .map_err(|e| format!("{}: {e}", self.addr))?;
        let recv_buffer = self.recv_buffer;
        let connect = async move {
            let socket = tokio::net::TcpSocket::new_v4().map_err(|e| e.to_string())?;
            if let Some(n) = recv_buffer {
                socket.set_recv_buffer_size(n).map_err(|e| e.to_string())?;
            }
            let tcp = socket.connect(addr).await.map_err(|e| e.to_string())?;
            tokio_tungstenite::client_async(req, tcp)
                .await
                .map_err(|e| e.to_string())
        };
        let (ws, _) = tokio::time::timeout(self.timeout, connect)
            .await
            .map_err(|_| format!("connect timed out after {:?}", self.timeout))??;
        Ok(Client {
            ws,
            timeout: self.timeout,
        })
    }
}

/// What [`Client::next_message`] got: a message, the end of the stream
/// (`Ok(None)`), a read error, or `Err(Elapsed)` when the time ran out.
pub type Next = Result<Option<Result<Message, tungstenite::Error>>, tokio::time::error::Elapsed>;

/// An open WebSocket to `/live/websocket`, speaking the JSON frames of the
/// Phoenix protocol (`[join_ref, ref, topic, event, payload]`). Nothing is
/// read unless asked for: a client that never calls a reading method is one
/// that never reads.
pub struct Client {
    ws: WebSocketStream<tokio::net::TcpStream>,
    timeout: Duration,
}

impl Client {
    /// Sends a JSON frame; panics if the socket is gone.
    pub async fn push(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .expect("send");
    }

    /// Sends any message (raw text, binary) and flushes it.
    pub async fn send(&mut self, message: Message) -> Result<(), String> {
        self.ws.send(message).await.map_err(|e| e.to_string())
    }

    /// Queues a message without flushing (see [`Client::flush`]).
    pub async fn feed(&mut self, message: Message) -> Result<(), String> {
        self.ws.feed(message).await.map_err(|e| e.to_string())
    }

    /// Flushes what [`Client::feed`] queued.
    pub async fn flush(&mut self) -> Result<(), String> {
        self.ws.flush().await.map_err(|e| e.to_string())
    }

    /// The next message of any kind, waiting at most `within`.
    pub async fn next_message(&mut self, within: Duration) -> Next {
        tokio::time::timeout(within, self.ws.next()).await
    }

    /// The next text frame as JSON (skipping pings, pongs and binary
    /// frames); `Err` says what came instead: a close, the end of the
    /// stream, an error, a non-JSON frame, or "timed out".
    pub async fn next_frame(&mut self) -> Result<Value, String> {
        loop {
            match self.next_message(self.timeout).await {
                Err(_) => return Err(format!("timed out after {:?}", self.timeout)),
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

    /// Reads frames until the `phx_reply` with this ref; returns it and the
    /// frames that came before it. Panics if it does not come.
    pub async fn reply_with_pushes(&mut self, reference: &str) -> (Value, Vec<Value>) {
        let mut pushes = Vec::new();
        loop {
            let f = self
                .next_frame()
                .await
                .unwrap_or_else(|e| panic!("waiting for the reply to ref {reference}: {e}"));
            if f[3] == "phx_reply" && f[1] == reference {
                return (f, pushes);
            }
            pushes.push(f);
        }
    }

    /// Reads frames until the `phx_reply` with this ref and returns it.
    /// Panics if it does not come.
    pub async fn reply_to(&mut self, reference: &str) -> Value {
        self.reply_with_pushes(reference).await.0
    }

    /// Sends `page`'s join (join ref and ref `join_ref`) and returns the
    /// reply, whatever its status.
    pub async fn join(&mut self, page: &Page, join_ref: &str) -> Value {
        self.push(page.join_frame(join_ref)).await;
        self.reply_to(join_ref).await
    }

    /// Sends a close frame, then reads until the server's (or the end of the
    /// stream), at most 5 s.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(Ok(_)) = self.ws.next().await {}
        })
        .await;
    }
}
