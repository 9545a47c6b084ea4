//! Uploads over a real server and a real WebSocket: the client's side of
//! the protocol (the change event with `uploads`, `allow_upload`, the
//! `lvu:` join with the entry's token, binary `chunk` pushes, `progress`),
//! and where the bytes go: a temporary file in `Options::upload_dir`
//! (removed on cancel, on the chunk timeout, when the view or the socket
//! ends) or the app's writer chosen by name. Each test has an upload
//! directory of its own and checks that nothing is left in it.

use liveview_core::protocol::{App, Config, Router};
use liveview_core::upload::{UploadConfig, UploadWriter, UploadWriters, Uploads, WriterFuture};
use liveview_core::{html, LiveView, Mount, Rendered, Update};
use liveview_warp::metrics::Metrics;
use liveview_warp::Options;
use serde::Deserialize;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::Message;

/// A form with one upload, `docs`: any type, up to 3 files of 1000 bytes,
/// 5-byte chunks. `?writer=NAME` picks an app writer, `?timeout=MS` the
/// chunk timeout.
struct Docs {
    uploads: Uploads,
    saved: Vec<String>,
    clicks: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Validate,
    Save,
    Cancel { r#ref: String },
    Inc,
}

impl LiveView for Docs {
    type Event = Event;
    type Info = ();
    fn mount(m: &Mount) -> Update<Self> {
        let mut config = UploadConfig::any()
            .max_entries(3)
            .max_file_size(1000)
            .chunk_size(5);
        if let Some(ms) = m.params.parse::<u64>("timeout") {
            config = config.chunk_timeout(Duration::from_millis(ms));
        }
        if let Some(name) = m.params.get("writer") {
            config = config.writer(name);
        }
        let mut uploads = Uploads::new();
        uploads.allow("docs", config);
        let view = Docs {
            uploads,
            saved: vec![],
            clicks: 0,
        };
        (view, vec![])
    }
    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }
    fn handle_event(mut self, e: Event) -> Update<Self> {
        match e {
            Event::Validate => {}
            Event::Inc => self.clicks += 1,
            Event::Cancel { r#ref } => {
                self.uploads.cancel("docs", &r#ref);
            }
            Event::Save => {
                for done in self.uploads.consume_done("docs") {
                    let meta = match (done.meta["path"].as_str(), &done.meta["bytes"]) {
                        (Some(path), _) => path.to_owned(),
                        (None, bytes) => format!("bytes={bytes}"),
                    };
                    self.saved
                        .push(format!("{}|{meta}|", done.entry.client_name));
                }
            }
        }
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        let docs = &self.uploads["docs"];
        html!(
            r#"<form id="f" phx-change="validate" phx-submit="save">{liveview_core::upload::live_file_input(docs)}{#for e in docs.entries()}<p class="entry">{e.client_name} {e.progress}%{#for err in docs.entry_errors(e)}<i class="error">{err.to_string()}</i>{/for}</p>{/for}</form>{#for s in &self.saved}<p class="saved">{s}</p>{/for}<b id="clicks">{self.clicks}</b>"#
        )
    }
}

/// What the app's writers saw, in order.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, s: String) {
        self.0.lock().unwrap().push(s);
    }
    fn get(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Records each chunk; refuses a chunk holding "bad"; sleeps `delay` per chunk.
struct Recording {
    log: Log,
    bytes: u64,
    delay: Duration,
}

impl UploadWriter for Recording {
    fn write_chunk<'a>(&'a mut self, chunk: &'a [u8]) -> WriterFuture<'a, ()> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            let text = String::from_utf8_lossy(chunk).into_owned();
            if text.contains("bad") {
                self.log.push(format!("refused {text}"));
                return Err("bad bytes".into());
            }
            self.bytes += chunk.len() as u64;
            self.log.push(format!("chunk {text}"));
            Ok(())
        })
    }
    fn close(&mut self, done: bool) -> WriterFuture<'_, Value> {
        self.log.push(format!("close {done}"));
        let bytes = self.bytes;
        Box::pin(async move { Ok(json!({ "bytes": bytes })) })
    }
    fn discard(&mut self) -> WriterFuture<'_, ()> {
        self.log.push("discard".into());
        Box::pin(async { Ok(()) })
    }
}

/// A server on a runtime of its own, with a fresh upload directory
/// (removed, after checking it is empty, when dropped).
struct Server {
    addr: SocketAddr,
    dir: PathBuf,
    log: Log,
    metrics: Arc<Metrics>,
}

impl Server {
    fn start() -> Server {
        let mut r = [0u8; 8];
        liveview_warp::entropy(&mut r);
        let dir = std::env::temp_dir().join(format!(
            "lv-uploads-test-{:016x}/uploads",
            u64::from_le_bytes(r)
        ));
        let log = Log::default();
        let metrics = Arc::new(Metrics::new());
        let (l1, l2) = (log.clone(), log.clone());
        let opts = Options {
            upload_dir: Some(dir.clone()),
            metrics: metrics.clone(),
            upload_writers: UploadWriters::new()
                .writer("x", move |_| {
                    Ok(Box::new(Recording {
                        log: l1.clone(),
                        bytes: 0,
                        delay: Duration::ZERO,
                    }) as _)
                })
                .writer("slow", move |_| {
                    Ok(Box::new(Recording {
                        log: l2.clone(),
                        bytes: 0,
                        delay: Duration::from_millis(1500),
                    }) as _)
                }),
            ..Options::default()
        };
        let app = Arc::new(App::new(
            Router::new().live::<Docs>("/docs"),
            Config::new(vec![3u8; 32]).unwrap(),
        ));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                liveview_warp::serve_listener(listener, app, opts).await
            })
        });
        Server {
            addr: rx.recv().unwrap(),
            dir,
            log,
            metrics,
        }
    }

    /// The files in the upload directory.
    fn files(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(&self.dir) {
            Ok(d) => d.map(|e| e.unwrap().path()).collect(),
            Err(_) => vec![],
        }
    }

    /// Waits (at most 5 s) until the upload directory holds `n` files.
    fn await_files(&self, n: usize) -> Vec<PathBuf> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let files = self.files();
            if files.len() == n || Instant::now() > deadline {
                return files;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn assert_empty(&self) {
        let left = self.await_files(0);
        assert!(left.is_empty(), "left in the upload directory: {left:?}");
        let open = self.await_uploads(0);
        assert_eq!(open, 0, "the uploads gauge returns to zero");
    }

    /// Waits (at most 5 s) until the app's writers logged `n` lines.
    fn await_log(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.log.get().len() < n {
            assert!(Instant::now() < deadline, "{:?}", self.log.get());
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn await_uploads(&self, n: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let now = self.metrics.snapshot().uploads;
            if now == n || Instant::now() > deadline {
                return now;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(root) = self.dir.parent() {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

/// A `GET` over a fresh connection: headers and body.
fn get(addr: SocketAddr, path: &str) -> (String, String) {
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
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    (head.to_string(), body.to_string())
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

/// A browser's side of the protocol, one page with its view joined.
struct Client {
    ws: tungstenite::WebSocket<TcpStream>,
    topic: String,
    upload_ref: String,
    next_ref: u32,
    /// Every frame received, in order.
    seen: Vec<Value>,
}

impl Client {
    fn open(server: &Server, path: &str) -> Client {
        let addr = server.addr;
        let (head, page) = get(addr, path);
        let cookie = head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
            .map(|l| l["set-cookie:".len()..].trim().split(';').next().unwrap())
            .collect::<Vec<_>>()
            .join("; ");
        let id = attr(&page, "data-phx-main", "id");
        let session = attr(&page, "data-phx-main", "data-phx-session");
        let csrf = attr(&page, "name=\"csrf-token\"", "content");
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
        let (ws, _) = tungstenite::client(request, stream).expect("handshake");
        let mut c = Client {
            ws,
            topic: format!("lv:{id}"),
            upload_ref: String::new(),
            next_ref: 1,
            seen: vec![],
        };
        let join = c.push(
            &c.topic.clone(),
            "phx_join",
            json!({"url": format!("http://{addr}{path}"),
                   "params": {"_csrf_token": csrf, "_mounts": 0},
                   "session": session, "static": null}),
        );
        assert_eq!(join[4]["status"], "ok", "{join}");
        // The connected mount's upload ref, from the rendered input.
        let text = join.to_string();
        let key = r#"data-phx-upload-ref=\""#;
        let at = text
            .find(key)
            .unwrap_or_else(|| panic!("an upload in {text}"))
            + key.len();
        c.upload_ref = text[at..at + text[at..].find('\\').unwrap()].to_owned();
        assert!(c.upload_ref.starts_with("phx-"), "{}", c.upload_ref);
        c
    }

    fn fresh_ref(&mut self) -> String {
        self.next_ref += 1;
        self.next_ref.to_string()
    }

    fn next(&mut self) -> Value {
        loop {
            match self.ws.read().expect("a frame") {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(&t).expect("JSON");
                    self.seen.push(v.clone());
                    return v;
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn await_reply(&mut self, rf: &str) -> Value {
        loop {
            let f = self.next();
            if f[3] == "phx_reply" && f[1] == rf {
                return f;
            }
        }
    }

    /// Pushes an event on `topic` (join ref "1" for the view, the channel's own otherwise) and waits for its reply.
    fn push(&mut self, topic: &str, event: &str, payload: Value) -> Value {
        let rf = self.fresh_ref();
        let jr = join_ref(topic);
        let frame = json!([jr, rf, topic, event, payload]);
        self.ws.send(Message::text(frame.to_string())).unwrap();
        self.await_reply(&rf)
    }

    fn event(&mut self, payload: Value) -> Value {
        let topic = self.topic.clone();
        self.push(&topic, "event", payload)
    }

    /// Selects files (`(ref, name, size)`) and asks for their tokens.
    fn select(&mut self, files: &[(&str, &str, u64)]) -> Value {
        let entries: Vec<Value> = files
            .iter()
            .map(|(r, name, size)| {
                json!({"path": "docs", "ref": r, "name": name, "relative_path": "",
                       "size": size, "type": "text/plain", "last_modified": 1_700_000_000_000u64})
            })
            .collect();
        let upload_ref = self.upload_ref.clone();
        let change = self.event(
            json!({"type": "form", "event": "validate", "value": "_target=docs",
                       "uploads": {&upload_ref: entries.clone()}}),
        );
        assert_eq!(change[4]["status"], "ok", "{change}");
        let topic = self.topic.clone();
        let pre = self.push(
            &topic,
            "allow_upload",
            json!({"ref": upload_ref, "entries": entries}),
        );
        assert_eq!(pre[4]["status"], "ok", "{pre}");
        assert_eq!(pre[4]["response"]["config"]["chunk_size"], 5, "{pre}");
        pre[4]["response"]["entries"].clone()
    }

    /// Joins `lvu:<entry>` with its token.
    fn join_upload(&mut self, entry: &str, tokens: &Value) -> Value {
        let token = tokens[entry].as_str().expect("a token").to_owned();
        self.push(
            &format!("lvu:{entry}"),
            "phx_join",
            json!({ "token": token }),
        )
    }

    /// Sends a chunk on `lvu:<entry>` and waits for its reply.
    fn chunk(&mut self, entry: &str, bytes: &[u8]) -> Value {
        let rf = self.fresh_ref();
        let topic = format!("lvu:{entry}");
        let jr = join_ref(&topic);
        let mut b = vec![
            0,
            jr.len() as u8,
            rf.len() as u8,
            topic.len() as u8,
            b"chunk".len() as u8,
        ];
        for s in [jr.as_str(), rf.as_str(), topic.as_str(), "chunk"] {
            b.extend_from_slice(s.as_bytes());
        }
        b.extend_from_slice(bytes);
        self.ws.send(Message::binary(b)).unwrap();
        self.await_reply(&rf)
    }

    fn progress(&mut self, entry: &str, progress: u8) -> Value {
        let upload_ref = self.upload_ref.clone();
        let topic = self.topic.clone();
        self.push(
            &topic,
            "progress",
            json!({"event": null, "ref": upload_ref, "entry_ref": entry, "progress": progress}),
        )
    }

    /// Uploads `parts` as entry `entry` (already selected), reporting progress.
    fn upload(&mut self, entry: &str, tokens: &Value, parts: &[&[u8]]) {
        let joined = self.join_upload(entry, tokens);
        assert_eq!(joined[4]["status"], "ok", "{joined}");
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let mut sent = 0;
        for part in parts {
            let r = self.chunk(entry, part);
            assert_eq!(r[4]["status"], "ok", "{r}");
            sent += part.len();
            self.progress(entry, (sent * 100 / total) as u8);
        }
    }

    fn save(&mut self) -> Value {
        self.event(json!({"type": "form", "event": "save", "value": ""}))
    }

    /// Whether `phx_close` was received on `topic`.
    fn closed(&self, topic: &str) -> bool {
        self.seen
            .iter()
            .any(|f| f[2] == topic && f[3] == "phx_close")
    }

    /// Reads frames until `phx_close` on `topic` (at most 5 s).
    fn await_close(&mut self, topic: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.closed(topic) {
            assert!(Instant::now() < deadline, "no phx_close on {topic}");
            self.next();
        }
    }
}

/// The join ref of a topic: "1" for the view, its own for each upload channel.
fn join_ref(topic: &str) -> String {
    match topic.strip_prefix("lvu:") {
        Some(entry) => format!("u{entry}"),
        None => "1".into(),
    }
}

/// The text after `prefix` in a saved entry (`name|meta|`) of a reply.
fn saved(reply: &Value, name: &str) -> String {
    let text = reply.to_string();
    let key = format!("{name}|");
    let at = text
        .find(&key)
        .unwrap_or_else(|| panic!("{name} saved in {text}"))
        + key.len();
    text[at..at + text[at..].find('|').unwrap()].to_string()
}

#[test]
fn the_bytes_arrive_in_a_temp_file_that_the_consumed_entry_names_and_leaving_removes_it() {
    let server = Server::start();
    let mut c = Client::open(&server, "/docs");
    let tokens = c.select(&[("0", "hello.txt", 12)]);
    let joined = c.join_upload("0", &tokens);
    assert_eq!(joined[4]["status"], "ok", "{joined}");
    assert_eq!(c.chunk("0", b"hello")[4]["status"], "ok");
    // The reply came after the write: the bytes are in the file already.
    let files = server.files();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(name.starts_with("lv-upload-"), "{name}");
    assert_eq!(name.len(), "lv-upload-".len() + 32, "{name}");
    assert!(!name.contains("hello"), "never the client's name");
    assert_eq!(std::fs::read(&files[0]).unwrap(), b"hello");
    assert_eq!(server.metrics.snapshot().uploads, 1);
    c.progress("0", 41);
    for part in [&b" worl"[..], b"d!"] {
        assert_eq!(c.chunk("0", part)[4]["status"], "ok");
    }
    c.progress("0", 100);
    let reply = c.save();
    let path = PathBuf::from(saved(&reply, "hello.txt"));
    assert_eq!(path, files[0], "the meta names the temp file");
    assert!(path.is_absolute());
    assert_eq!(path.parent(), Some(server.dir.as_path()));
    assert_eq!(std::fs::read(&path).unwrap(), b"hello world!");
    c.await_close("lvu:0");
    // Consumed: the app's until its view ends.
    std::thread::sleep(Duration::from_millis(100));
    assert!(path.exists(), "a consumed file stays while its view lives");
    let topic = c.topic.clone();
    let left = c.push(&topic, "phx_leave", json!({}));
    assert_eq!(left[4]["status"], "ok");
    assert!(
        server.await_files(0).is_empty(),
        "removed when the view ends"
    );
    server.assert_empty();
}

#[test]
fn a_consumed_file_is_removed_when_the_socket_closes() {
    let server = Server::start();
    let mut c = Client::open(&server, "/docs");
    let tokens = c.select(&[("0", "a.txt", 7), ("1", "b.txt", 3)]);
    c.upload("0", &tokens, &[b"abcde", b"fg"]);
    c.upload("1", &tokens, &[b"xyz"]);
    let reply = c.save();
    let (a, b) = (saved(&reply, "a.txt"), saved(&reply, "b.txt"));
    assert_eq!(std::fs::read(&a).unwrap(), b"abcdefg");
    assert_eq!(std::fs::read(&b).unwrap(), b"xyz");
    assert_eq!(server.files().len(), 2);
    c.ws.close(None).unwrap();
    // The close handshake completes (or the connection ends).
    while c.ws.read().is_ok() {}
    server.assert_empty();
}

#[test]
fn a_socket_that_breaks_mid_upload_leaves_no_file() {
    let server = Server::start();
    let mut c = Client::open(&server, "/docs");
    let tokens = c.select(&[("0", "a.txt", 20), ("1", "b.txt", 3)]);
    c.upload("1", &tokens, &[b"xyz"]);
    c.join_upload("0", &tokens);
    assert_eq!(c.chunk("0", b"12345")[4]["status"], "ok");
    assert_eq!(server.files().len(), 2, "one partial, one complete");
    assert_eq!(server.metrics.snapshot().uploads, 2);
    // No close frame: the TCP connection just goes away.
    drop(c);
    server.assert_empty();
}

#[test]
fn cancel_mid_upload_removes_the_temp_file() {
    let server = Server::start();
    let mut c = Client::open(&server, "/docs");
    let tokens = c.select(&[("0", "hello.txt", 12)]);
    c.join_upload("0", &tokens);
    assert_eq!(c.chunk("0", b"hello")[4]["status"], "ok");
    let files = server.files();
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::read(&files[0]).unwrap(), b"hello");
    let r = c.event(json!({"type": "click", "event": "cancel", "value": {"ref": "0"}}));
    assert_eq!(r[4]["status"], "ok", "{r}");
    assert!(
        !r.to_string().contains("hello.txt"),
        "the entry is gone: {r}"
    );
    c.await_close("lvu:0");
    assert!(server.await_files(0).is_empty(), "removed on cancel");
    // The socket goes on.
    let r = c.event(json!({"type": "click", "event": "inc", "value": {}}));
    assert_eq!(r[4]["status"], "ok");
    server.assert_empty();
}

#[test]
fn an_upload_abandoned_halfway_is_removed_after_the_chunk_timeout() {
    let server = Server::start();
    let mut c = Client::open(&server, "/docs?timeout=300");
    let tokens = c.select(&[("0", "hello.txt", 12)]);
    c.join_upload("0", &tokens);
    let sent = Instant::now();
    assert_eq!(c.chunk("0", b"hello")[4]["status"], "ok");
    assert_eq!(server.files().len(), 1);
    // No more chunks: the channel closes, the view drops the entry.
    c.await_close("lvu:0");
    assert!(
        sent.elapsed() >= Duration::from_millis(300),
        "not before the timeout"
    );
    assert!(
        server.await_files(0).is_empty(),
        "removed after the timeout"
    );
    // The view drops the entry.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let f = c.next();
        if f[2] == c.topic && f[3] == "diff" {
            assert!(!f.to_string().contains("hello.txt"), "{f}");
            break;
        }
        assert!(Instant::now() < deadline);
    }
    server.assert_empty();
}

#[test]
fn an_app_writer_chosen_by_name_gets_the_chunks_and_its_error_shows_on_the_entry() {
    let server = Server::start();
    let mut c = Client::open(&server, "/docs?writer=x");
    let tokens = c.select(&[("0", "good.txt", 12), ("1", "evil.txt", 10)]);
    c.upload("0", &tokens, &[b"hello", b" worl", b"d!"]);
    assert!(server.files().is_empty(), "no temp file for an app writer");
    let reply = c.save();
    assert_eq!(saved(&reply, "good.txt"), "bytes=12", "the writer's meta");
    assert_eq!(
        server.log.get(),
        ["chunk hello", "chunk  worl", "chunk d!", "close true"]
    );
    // A write the writer refuses.
    c.join_upload("1", &tokens);
    assert_eq!(c.chunk("1", b"fine.")[4]["status"], "ok");
    let r = c.chunk("1", b"bad!!");
    assert_eq!(r[4]["status"], "error", "{r}");
    assert_eq!(r[4]["response"], json!({"reason": "writer_error"}));
    c.await_close("lvu:1");
    // The view's diff follows: the entry shows the writer's error.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let f = c.next();
        if f[2] == c.topic && f[3] == "diff" {
            let text = f.to_string();
            assert!(
                text.contains("writing the file failed: bad bytes"),
                "{text}"
            );
            break;
        }
        assert!(Instant::now() < deadline);
    }
    // The failed writer is closed without keeping anything.
    server.await_log(7);
    assert_eq!(
        &server.log.get()[4..],
        ["chunk fine.", "refused bad!!", "close false"]
    );
    // The consumed entry's writer is told to discard when the view ends.
    let topic = c.topic.clone();
    c.push(&topic, "phx_leave", json!({}));
    server.await_log(8);
    assert_eq!(server.log.get()[7], "discard");
    server.assert_empty();
}

#[test]
fn an_unknown_writer_refuses_the_upload_channel() {
    let server = Server::start();
    let mut c = Client::open(&server, "/docs?writer=nope");
    let tokens = c.select(&[("0", "a.txt", 3)]);
    let r = c.join_upload("0", &tokens);
    assert_eq!(r[4]["status"], "error", "{r}");
    assert_eq!(r[4]["response"]["reason"], "writer_error");
    server.assert_empty();
}

#[test]
fn a_slow_writer_delays_no_event_of_its_socket() {
    let server = Server::start();
    let mut c = Client::open(&server, "/docs?writer=slow");
    let tokens = c.select(&[("0", "a.txt", 5)]);
    c.join_upload("0", &tokens);
    // The chunk's write takes 1.5 s; meanwhile the view answers at once.
    let rf = c.fresh_ref();
    let mut b = vec![0, 2, rf.len() as u8, 5, 5];
    b.extend_from_slice(b"u0");
    b.extend_from_slice(rf.as_bytes());
    b.extend_from_slice(b"lvu:0chunk12345");
    let sent = Instant::now();
    c.ws.send(Message::binary(b)).unwrap();
    let clicked = c.event(json!({"type": "click", "event": "inc", "value": {}}));
    assert!(
        sent.elapsed() < Duration::from_millis(1000),
        "the click waited for the writer: {:?}",
        sent.elapsed()
    );
    assert!(clicked.to_string().contains("\"1\""), "{clicked}");
    assert!(server.log.get().is_empty(), "still writing");
    let r = c.await_reply(&rf);
    assert_eq!(r[4]["status"], "ok", "{r}");
    assert!(sent.elapsed() >= Duration::from_millis(1500));
    server.await_log(2);
    assert_eq!(server.log.get(), ["chunk 12345", "close true"]);
    drop(c);
    server.assert_empty();
    server.await_log(3);
    assert_eq!(server.log.get()[2], "discard", "the socket ended");
}
