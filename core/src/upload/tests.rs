//! Uploads through the socket machine: the client's selection, the
//! preflight, the upload channel with its chunks and the writer's reports,
//! progress, consume and cancel, and every refusal.

use super::{live_file_input, UploadConfig, UploadEntry, Uploads};
use crate::protocol::testing::{connect, drain, frames, join_outputs, load_page, send, Page, T0};
use crate::protocol::{App, Config, Router, SocketMachine, SocketOutput, UploadIo};
use crate::time::Time;
use crate::{html, Context, LiveView, Mount, Rendered, Update};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

struct Docs {
    uploads: Uploads,
    saved: Vec<String>,
    progress: Vec<(String, u8, bool)>,
    consume_on_done: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Validate,
    Save,
    Cancel { r#ref: String },
}

impl LiveView for Docs {
    type Event = Event;
    type Info = ();
    fn mount(m: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        let mut config = UploadConfig::accept([".txt", ".md"])
            .max_entries(2)
            .max_file_size(100)
            .chunk_size(5);
        if m.params.get("auto").is_some() {
            config = config.auto_upload();
        }
        uploads.allow("docs", config);
        let consume_on_done = m.params.get("consume").is_some();
        (
            Docs {
                uploads,
                saved: vec![],
                progress: vec![],
                consume_on_done,
            },
            vec![],
        )
    }
    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }
    fn handle_event(mut self, e: Event) -> Update<Self> {
        match e {
            Event::Validate => {}
            Event::Save => {
                for done in self.uploads.consume_done("docs") {
                    self.saved
                        .push(format!("{}={}", done.entry.client_name, done.meta["path"]));
                }
            }
            Event::Cancel { r#ref } => {
                self.uploads.cancel("docs", &r#ref);
            }
        }
        (self, vec![])
    }
    fn handle_progress(mut self, name: &str, entry: &UploadEntry, _: &Context) -> Update<Self> {
        self.progress
            .push((name.to_owned(), entry.progress, entry.done));
        if entry.done && self.consume_on_done {
            if let Some(done) = self.uploads.consume(name, &entry.entry_ref) {
                self.saved.push(done.entry.client_name);
            }
        }
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        let docs = &self.uploads["docs"];
        let saved = self.saved.join(";");
        html!(
            r#"<form id="f" phx-change="validate" phx-submit="save">{live_file_input(docs)}{#for e in docs.entries()}<p class="entry">{e.client_name} {e.progress}{#for err in docs.entry_errors(e)}<i>{err.to_string()}</i>{/for}</p>{/for}{#for err in docs.errors()}<p class="err">{err.to_string()}</p>{/for}</form><p id="saved">{saved}</p>"#
        )
    }
}

fn app() -> Arc<App> {
    let config = Config::new(crate::protocol::testing::FAKE_SECRET.as_bytes().to_vec()).unwrap();
    Arc::new(App::new(Router::new().live::<Docs>("/"), config))
}

/// A socket with the page's view joined; the upload's ref.
fn joined(url: &str) -> (Arc<App>, SocketMachine, Page, String) {
    let app = app();
    let (page, html) = load_page(&app, url, 1, None);
    assert!(
        html.contains(r#"data-phx-hook="Phoenix.LiveFileUpload""#),
        "{html}"
    );
    let mut m = connect(&app, &page);
    let outs = join_outputs(&mut m, &page, "1", url);
    let reply = &frames(&outs)[0];
    assert_eq!(reply[4]["status"], "ok", "{reply}");
    let upload_ref = state(&m, &page).uploads["docs"].upload_ref().to_owned();
    assert!(upload_ref.starts_with("phx-"), "{upload_ref}");
    assert!(reply.to_string().contains(&upload_ref));
    (app, m, page, upload_ref)
}

fn state<'a>(m: &'a SocketMachine, page: &Page) -> &'a Docs {
    m.view(&page.topic)
        .unwrap()
        .as_any()
        .downcast_ref::<crate::runtime::ViewDriver<Docs>>()
        .unwrap()
        .state()
        .unwrap()
}

fn entry(r: &str, name: &str, size: u64) -> Value {
    json!({"path": "docs", "ref": r, "name": name, "relative_path": "", "size": size,
           "type": "text/plain", "last_modified": 1_700_000_000_000u64})
}

fn change(
    m: &mut SocketMachine,
    page: &Page,
    rf: &str,
    upload_ref: &str,
    entries: Value,
) -> Vec<SocketOutput> {
    send(
        m,
        T0,
        json!(["1", rf, page.topic, "event", {"type": "form", "event": "validate",
            "value": "_target=docs", "uploads": {upload_ref: entries}}]),
    )
}

fn preflight(
    m: &mut SocketMachine,
    page: &Page,
    rf: &str,
    upload_ref: &str,
    entries: Value,
) -> Value {
    let outs = send(
        m,
        T0,
        json!(["1", rf, page.topic, "allow_upload", {"ref": upload_ref, "entries": entries}]),
    );
    frames(&outs)
        .into_iter()
        .find(|f| f[1] == rf)
        .expect("a reply")[4]
        .clone()
}

/// Selects the files `e` (the form's change) and preflights them; the
/// token of entry `0`.
fn selected_token(m: &mut SocketMachine, page: &Page, upload_ref: &str, e: Value) -> String {
    change(m, page, "2", upload_ref, e.clone());
    let reply = preflight(m, page, "3", upload_ref, e);
    reply["response"]["entries"]["0"]
        .as_str()
        .expect("a token")
        .to_owned()
}

/// A binary push.
fn binary(jr: &str, rf: &str, topic: &str, event: &str, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![
        0,
        jr.len() as u8,
        rf.len() as u8,
        topic.len() as u8,
        event.len() as u8,
    ];
    for s in [jr, rf, topic, event] {
        b.extend_from_slice(s.as_bytes());
    }
    b.extend_from_slice(payload);
    b
}

fn chunk(
    m: &mut SocketMachine,
    now: Time,
    topic: &str,
    rf: &str,
    bytes: &[u8],
) -> Vec<SocketOutput> {
    m.handle_binary(now, &binary("9", rf, topic, "chunk", bytes));
    drain(m)
}

fn replies(outs: &[SocketOutput], rf: &str) -> Vec<Value> {
    frames(outs)
        .into_iter()
        .filter(|f| f[1] == rf)
        .map(|f| f[4].clone())
        .collect()
}

fn upload_id(outs: &[SocketOutput]) -> u64 {
    outs.iter()
        .find_map(|o| match o {
            SocketOutput::UploadOpen(s) => Some(s.id),
            _ => None,
        })
        .expect("an UploadOpen")
}

/// Selects `hello.txt` (12 bytes), preflights it, joins its channel and
/// opens the writer; returns the upload id and the channel topic.
fn start_upload(m: &mut SocketMachine, page: &Page, upload_ref: &str) -> (u64, String) {
    let e = json!([entry("0", "hello.txt", 12)]);
    let outs = change(m, page, "2", upload_ref, e.clone());
    assert_eq!(replies(&outs, "2")[0]["status"], "ok");
    let reply = preflight(m, page, "3", upload_ref, e);
    assert_eq!(reply["status"], "ok", "{reply}");
    let token = reply["response"]["entries"]["0"]
        .as_str()
        .expect("a token")
        .to_owned();
    let outs = send(
        m,
        T0,
        json!(["9", "9", "lvu:0", "phx_join", {"token": token}]),
    );
    assert!(
        replies(&outs, "9").is_empty(),
        "the join waits for the writer"
    );
    let id = upload_id(&outs);
    m.handle_upload(T0, id, UploadIo::Opened(Ok(())));
    let outs = drain(m);
    assert_eq!(replies(&outs, "9")[0]["status"], "ok");
    (id, "lvu:0".into())
}

fn writes(outs: &[SocketOutput]) -> Vec<Vec<u8>> {
    outs.iter()
        .filter_map(|o| match o {
            SocketOutput::UploadWrite { bytes, .. } => Some(bytes.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_file_uploads_in_chunks_and_is_consumed_with_the_writers_meta() {
    let (_app, mut m, page, upload_ref) = joined("/");
    let (id, topic) = start_upload(&mut m, &page, &upload_ref);
    let mut got = Vec::new();
    for (i, part) in [&b"hello"[..], b" worl", b"d!"].iter().enumerate() {
        let rf = format!("c{i}");
        let outs = chunk(&mut m, T0, &topic, &rf, part);
        got.extend(writes(&outs).concat());
        assert!(
            replies(&outs, &rf).is_empty(),
            "the reply waits for the write"
        );
        m.handle_upload(T0, id, UploadIo::Written(Ok(())));
        let outs = drain(&mut m);
        if i < 2 {
            assert_eq!(replies(&outs, &rf)[0]["status"], "ok");
        } else {
            assert!(outs.contains(&SocketOutput::UploadClose { id, done: true }));
            assert!(
                replies(&outs, &rf).is_empty(),
                "the last reply waits for the close"
            );
            m.handle_upload(T0, id, UploadIo::Closed(Ok(json!({"path": "/tmp/x"}))));
            let outs = drain(&mut m);
            assert_eq!(replies(&outs, &rf)[0]["status"], "ok");
        }
    }
    assert_eq!(got, b"hello world!");
    let outs = send(
        &mut m,
        T0,
        json!(["1", "p", page.topic, "progress", {"event": null, "ref": upload_ref, "entry_ref": "0", "progress": 100}]),
    );
    assert_eq!(replies(&outs, "p")[0]["status"], "ok");
    let outs = send(
        &mut m,
        T0,
        json!(["1", "s", page.topic, "event", {"type": "form", "event": "save", "value": ""}]),
    );
    let reply = &replies(&outs, "s")[0];
    assert!(
        reply.to_string().contains("hello.txt=&quot;/tmp/x&quot;"),
        "{reply}"
    );
    // The channel closes; the file is the app's until the view ends.
    assert!(frames(&outs)
        .iter()
        .any(|f| f[2] == "lvu:0" && f[3] == "phx_close"));
    assert!(!outs
        .iter()
        .any(|o| matches!(o, SocketOutput::UploadDiscard { .. })));
    m.close(T0);
    assert!(drain(&mut m).contains(&SocketOutput::UploadDiscard { id }));
}

#[test]
fn a_view_is_told_each_progress_and_is_done_only_once_the_bytes_are_written() {
    let (_app, mut m, page, upload_ref) = joined("/?consume=1");
    let (id, topic) = start_upload(&mut m, &page, &upload_ref);
    chunk(&mut m, T0, &topic, "c0", b"hello");
    m.handle_upload(T0, id, UploadIo::Written(Ok(())));
    drain(&mut m);
    // A client claiming 100 % before the bytes arrived is not done.
    let outs = send(
        &mut m,
        T0,
        json!(["1", "p", page.topic, "progress", {"ref": upload_ref, "entry_ref": "0", "progress": 100}]),
    );
    assert_eq!(replies(&outs, "p")[0]["status"], "ok");
    let progress = |m: &SocketMachine| state(m, &page).progress.clone();
    assert_eq!(progress(&m), vec![("docs".into(), 99, false)]);
    for (rf, part) in [("c1", &b" worl"[..]), ("c2", b"d!")] {
        chunk(&mut m, T0, &topic, rf, part);
        m.handle_upload(T0, id, UploadIo::Written(Ok(())));
        drain(&mut m);
    }
    m.handle_upload(T0, id, UploadIo::Closed(Ok(json!({}))));
    drain(&mut m);
    send(
        &mut m,
        T0,
        json!(["1", "q", page.topic, "progress", {"ref": upload_ref, "entry_ref": "0", "progress": 100}]),
    );
    assert_eq!(
        progress(&m),
        vec![("docs".into(), 99, false), ("docs".into(), 100, true)]
    );
    assert_eq!(state(&m, &page).saved, vec!["hello.txt".to_owned()]);
}

#[test]
fn invalid_entries_show_their_errors_and_get_no_token() {
    let (_app, mut m, page, upload_ref) = joined("/?auto=1");
    let e = json!([entry("0", "big.txt", 500), {"path": "docs", "ref": "1", "name": "x.exe", "size": 3, "type": "application/x-msdownload"}, entry("2", "ok.md", 3)]);
    let outs = change(&mut m, &page, "2", &upload_ref, e.clone());
    let html = replies(&outs, "2")[0].to_string();
    assert!(html.contains("too many files"), "{html}");
    let reply = preflight(&mut m, &page, "3", &upload_ref, e);
    let r = &reply["response"];
    assert_eq!(r["errors"]["0"], json!(["too_large"]), "{reply}");
    assert_eq!(r["errors"]["1"], json!(["not_accepted"]));
    // Only the first max_entries entries are preflighted.
    assert!(r["entries"].get("2").is_none(), "{reply}");
    assert_eq!(r["config"]["chunk_size"], 5);
}

#[test]
fn without_auto_upload_a_bad_selection_is_refused_at_preflight() {
    let (_app, mut m, page, upload_ref) = joined("/");
    let e = json!([entry("0", "big.txt", 500)]);
    let reply = preflight(&mut m, &page, "3", &upload_ref, e);
    assert_eq!(
        reply["response"]["error"],
        json!([["0", "too_large"]]),
        "{reply}"
    );
}

#[test]
fn tokens_for_another_entry_view_or_socket_are_refused() {
    let (app, mut m, page, upload_ref) = joined("/");
    let e = json!([entry("0", "hello.txt", 12)]);
    let token = selected_token(&mut m, &page, &upload_ref, e);
    let reason =
        |outs: &[SocketOutput], rf: &str| replies(outs, rf)[0]["response"]["reason"].clone();
    // The token names entry 0, not entry 1.
    let outs = send(
        &mut m,
        T0,
        json!(["a", "a", "lvu:1", "phx_join", {"token": token}]),
    );
    assert_eq!(reason(&outs, "a"), "invalid_token");
    // A forged token.
    let outs = send(
        &mut m,
        T0,
        json!(["b", "b", "lvu:0", "phx_join", {"token": "x.y.z"}]),
    );
    assert_eq!(reason(&outs, "b"), "invalid_token");
    // Another socket of the same page (same topic, another join).
    let mut other = connect(&app, &page);
    join_outputs(&mut other, &page, "7", "/");
    let outs = send(
        &mut other,
        T0,
        json!(["c", "c", "lvu:0", "phx_join", {"token": token}]),
    );
    assert_eq!(reason(&outs, "c"), "invalid_token");
    // Twice on this socket.
    let outs = send(
        &mut m,
        T0,
        json!(["d", "d", "lvu:0", "phx_join", {"token": token}]),
    );
    assert!(replies(&outs, "d").is_empty());
    let outs = send(
        &mut m,
        T0,
        json!(["e", "e", "lvu:0", "phx_join", {"token": token}]),
    );
    assert_eq!(reason(&outs, "e"), "already_registered");
}

#[test]
fn a_token_replayed_after_the_entry_was_consumed_is_disallowed() {
    let (_app, mut m, page, upload_ref) = joined("/");
    let e = json!([entry("0", "a.txt", 2)]);
    let token = selected_token(&mut m, &page, &upload_ref, e);
    let outs = send(
        &mut m,
        T0,
        json!(["9", "9", "lvu:0", "phx_join", {"token": token}]),
    );
    let id = upload_id(&outs);
    m.handle_upload(T0, id, UploadIo::Opened(Ok(())));
    chunk(&mut m, T0, "lvu:0", "c", b"ab");
    m.handle_upload(T0, id, UploadIo::Written(Ok(())));
    m.handle_upload(T0, id, UploadIo::Closed(Ok(json!({}))));
    drain(&mut m);
    send(
        &mut m,
        T0,
        json!(["1", "p", page.topic, "progress", {"ref": upload_ref, "entry_ref": "0", "progress": 100}]),
    );
    send(
        &mut m,
        T0,
        json!(["1", "s", page.topic, "event", {"type": "form", "event": "save", "value": ""}]),
    );
    let outs = send(
        &mut m,
        T0,
        json!(["z", "z", "lvu:0", "phx_join", {"token": token}]),
    );
    assert_eq!(replies(&outs, "z")[0]["response"]["reason"], "disallowed");
}

#[test]
fn more_bytes_than_announced_and_oversized_chunks_end_the_upload() {
    for (bytes, reason) in [(&b"hello world!!"[..], "chunk_too_large"), (b"hel", "ok")] {
        let (_app, mut m, page, upload_ref) = joined("/");
        let (id, topic) = start_upload(&mut m, &page, &upload_ref);
        let outs = chunk(&mut m, T0, &topic, "c", bytes);
        if reason == "ok" {
            // Within limits: write, then 12 more bytes than the 9 left.
            m.handle_upload(T0, id, UploadIo::Written(Ok(())));
            drain(&mut m);
            let outs = chunk(&mut m, T0, &topic, "d", b"lo wo");
            m.handle_upload(T0, id, UploadIo::Written(Ok(())));
            drain(&mut m);
            let _ = outs;
            let outs = chunk(&mut m, T0, &topic, "e", b"rld!!");
            let r = &replies(&outs, "e")[0];
            assert_eq!(r["response"]["reason"], "file_size_limit_exceeded", "{r}");
            assert_eq!(r["response"]["limit"], 12);
            assert!(writes(&outs).is_empty());
            assert!(outs.contains(&SocketOutput::UploadClose { id, done: false }));
        } else {
            let r = &replies(&outs, "c")[0];
            assert_eq!(r["response"]["reason"], reason, "{r}");
            assert!(
                writes(&outs).is_empty(),
                "nothing of a refused chunk is written"
            );
            assert!(outs.contains(&SocketOutput::UploadClose { id, done: false }));
            assert!(frames(&outs)
                .iter()
                .any(|f| f[2] == "lvu:0" && f[3] == "phx_close"));
            // The view dropped the entry.
            assert!(
                !frames(&outs)
                    .iter()
                    .any(|f| f.to_string().contains("hello.txt 0")),
                "{:?}",
                frames(&outs)
            );
        }
        assert_eq!(m.stats().uploads, 0);
    }
}

#[test]
fn an_abandoned_upload_is_removed_after_the_chunk_timeout() {
    let (_app, mut m, page, upload_ref) = joined("/");
    let (id, topic) = start_upload(&mut m, &page, &upload_ref);
    chunk(&mut m, T0, &topic, "c", b"hello");
    m.handle_upload(T0, id, UploadIo::Written(Ok(())));
    drain(&mut m);
    let due = m.poll_timeout().unwrap();
    assert_eq!(due, T0 + Duration::from_secs(10));
    m.handle_timeout(due);
    let outs = drain(&mut m);
    assert!(outs.contains(&SocketOutput::UploadClose { id, done: false }));
    assert!(frames(&outs)
        .iter()
        .any(|f| f[2] == topic && f[3] == "phx_close"));
    let diff = frames(&outs)
        .into_iter()
        .find(|f| f[3] == "diff")
        .expect("the view drops the entry");
    assert!(!diff.to_string().contains("hello.txt"), "{diff}");
    assert_eq!(m.stats().uploads, 0);
}

#[test]
fn a_writer_error_ends_the_upload_and_shows_on_the_entry() {
    let (_app, mut m, page, upload_ref) = joined("/");
    let (id, topic) = start_upload(&mut m, &page, &upload_ref);
    chunk(&mut m, T0, &topic, "c", b"hello");
    m.handle_upload(T0, id, UploadIo::Written(Err("disk full".into())));
    let outs = drain(&mut m);
    assert_eq!(replies(&outs, "c")[0]["response"]["reason"], "writer_error");
    assert!(outs.contains(&SocketOutput::UploadClose { id, done: false }));
    let diff = frames(&outs)
        .into_iter()
        .find(|f| f[3] == "diff")
        .expect("the view shows the error");
    assert!(diff.to_string().contains("disk full"), "{diff}");
}

#[test]
fn cancel_ends_the_upload_and_removes_what_was_written() {
    let (_app, mut m, page, upload_ref) = joined("/");
    let (id, topic) = start_upload(&mut m, &page, &upload_ref);
    chunk(&mut m, T0, &topic, "c", b"hello");
    m.handle_upload(T0, id, UploadIo::Written(Ok(())));
    drain(&mut m);
    let outs = send(
        &mut m,
        T0,
        json!(["1", "x", page.topic, "event", {"type": "click", "event": "cancel", "value": {"ref": "0"}}]),
    );
    assert!(outs.contains(&SocketOutput::UploadClose { id, done: false }));
    assert!(frames(&outs)
        .iter()
        .any(|f| f[2] == topic && f[3] == "phx_close"));
    assert_eq!(m.stats().uploads, 0);
    // A late report for the ended upload is ignored.
    m.handle_upload(T0, id, UploadIo::Written(Ok(())));
    assert!(drain(&mut m).is_empty());
}

#[test]
fn nothing_is_left_when_the_view_ends_mid_upload() {
    let (_app, mut m, page, upload_ref) = joined("/");
    let (id, topic) = start_upload(&mut m, &page, &upload_ref);
    chunk(&mut m, T0, &topic, "c", b"hello");
    let outs = send(&mut m, T0, json!(["1", "l", page.topic, "phx_leave", {}]));
    assert!(outs.contains(&SocketOutput::UploadClose { id, done: false }));
    assert_eq!(m.stats(), Default::default());
}

#[test]
fn far_too_many_entries_are_not_kept() {
    let (_app, mut m, page, upload_ref) = joined("/?auto=1");
    let many: Vec<Value> = (0..5_000)
        .map(|i| entry(&i.to_string(), "a.txt", 1))
        .collect();
    let outs = change(&mut m, &page, "2", &upload_ref, Value::Array(many));
    let html = replies(&outs, "2")[0].to_string();
    assert!(html.contains("too many files"));
    assert_eq!(
        state(&m, &page).uploads["docs"].entries().len(),
        2 + super::MAX_EXTRA_ENTRIES
    );
}

#[test]
fn names_are_data_never_paths() {
    let (_app, mut m, page, upload_ref) = joined("/");
    let e = json!([entry("0", "../../etc/passwd.txt", 12)]);
    let token = selected_token(&mut m, &page, &upload_ref, e);
    let outs = send(
        &mut m,
        T0,
        json!(["9", "9", "lvu:0", "phx_join", {"token": token}]),
    );
    let start = outs
        .iter()
        .find_map(|o| match o {
            SocketOutput::UploadOpen(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    // The writer gets the name as the entry's data, and no path from it.
    assert_eq!(start.entry.client_name, "../../etc/passwd.txt");
    assert_eq!(start.writer, None);
}

#[test]
fn accept_checks_extensions_and_mime_types() {
    let c = UploadConfig::accept([".jpg", "text/csv", "image/*"]);
    assert!(c.accepts("a.JPG", ""));
    assert!(c.accepts("data", "text/csv"));
    assert!(c.accepts("x", "image/webp"));
    assert!(c.accepts("photo.bin", "image/jpeg"));
    assert!(!c.accepts("a.txt", "text/plain"));
    assert!(!c.accepts(".jpg", ""));
    assert!(UploadConfig::any().accepts("anything", ""));
}

#[test]
#[should_panic(expected = "no known MIME type")]
fn an_unknown_extension_is_a_programming_error() {
    let _ = UploadConfig::accept([".nosuchext"]);
}

#[test]
fn the_input_carries_what_the_client_reads() {
    let mut uploads = Uploads::new();
    uploads.allow("avatar", UploadConfig::accept([".png"]).auto_upload());
    uploads.bind_refs(|_| "phx-up".into());
    let html = html!("{live_file_input(&uploads[\"avatar\"])}").to_html();
    assert!(
        html.contains(r#"id="phx-up" type="file" name="avatar" accept=".png""#),
        "{html}"
    );
    assert!(html.contains(r#"data-phx-upload-ref="phx-up" data-phx-active-refs="" data-phx-done-refs="" data-phx-preflighted-refs="""#), "{html}");
    assert!(html.contains("data-phx-auto-upload"), "{html}");
    assert!(!html.contains("multiple"), "{html}");
}

/// What a random client and adapter can do to one upload.
#[derive(Clone, Debug)]
enum Op {
    Chunk(usize),
    Written(bool),
    Closed(bool),
    Wait(u64),
    Progress(u8),
    Cancel,
    Save,
    Leave,
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (0usize..8).prop_map(Op::Chunk),
        4 => Just(Op::Written(true)),
        1 => Just(Op::Written(false)),
        2 => any::<bool>().prop_map(Op::Closed),
        1 => (0u64..15_000).prop_map(Op::Wait),
        1 => (0u8..=100).prop_map(Op::Progress),
        1 => Just(Op::Cancel),
        1 => Just(Op::Save),
        1 => Just(Op::Leave),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the client sends and the adapter reports, an upload has at
    /// most one write in flight, its writes are a prefix of at most the
    /// announced size, every upload ends exactly once (abandoned or
    /// discarded) by the time the socket closes, and nothing is left.
    #[test]
    fn an_upload_writes_in_order_within_its_size_and_ends_once(ops in proptest::collection::vec(op(), 0..40)) {
        let (_app, mut m, page, upload_ref) = joined("/");
        let (id, topic) = start_upload(&mut m, &page, &upload_ref);
        let mut now = T0;
        let mut in_flight = 0usize;
        let mut written = 0usize;
        let mut ends = 0usize;
        let mut closing = false;
        let mut check = |outs: &[SocketOutput], in_flight: &mut usize, closing: &mut bool| -> Result<(), proptest::test_runner::TestCaseError> {
            for o in outs {
                match o {
                    SocketOutput::UploadWrite { id: i, bytes } if *i == id => {
                        proptest::prop_assert_eq!(*in_flight, 0, "one write at a time");
                        *in_flight += 1;
                        written += bytes.len();
                        proptest::prop_assert!(written <= 12, "never more than announced");
                    }
                    SocketOutput::UploadClose { id: i, done: true } if *i == id => *closing = true,
                    SocketOutput::UploadClose { id: i, done: false } | SocketOutput::UploadDiscard { id: i } if *i == id => ends += 1,
                    _ => {}
                }
            }
            proptest::prop_assert!(ends <= 1, "an upload ends once");
            Ok(())
        };
        for (n, op) in ops.into_iter().enumerate() {
            let rf = format!("r{n}");
            let outs = match op {
                Op::Chunk(len) => chunk(&mut m, now, &topic, &rf, &b"hello world!"[..len.min(12)]),
                Op::Written(ok) => {
                    if in_flight == 1 { in_flight = 0; }
                    m.handle_upload(now, id, UploadIo::Written(if ok { Ok(()) } else { Err("no".into()) }));
                    drain(&mut m)
                }
                Op::Closed(ok) => {
                    m.handle_upload(now, id, UploadIo::Closed(if ok { Ok(json!({})) } else { Err("no".into()) }));
                    drain(&mut m)
                }
                Op::Wait(ms) => {
                    now = now + Duration::from_millis(ms);
                    m.handle_text(now, r#"[null,"h","phoenix","heartbeat",{}]"#);
                    m.handle_timeout(now);
                    drain(&mut m)
                }
                Op::Progress(p) => send(&mut m, now, json!(["1", rf, page.topic, "progress", {"ref": upload_ref, "entry_ref": "0", "progress": p}])),
                Op::Cancel => send(&mut m, now, json!(["1", rf, page.topic, "event", {"type": "click", "event": "cancel", "value": {"ref": "0"}}])),
                Op::Save => send(&mut m, now, json!(["1", rf, page.topic, "event", {"type": "form", "event": "save", "value": ""}])),
                Op::Leave => send(&mut m, now, json!(["9", rf, topic, "phx_leave", {}])),
            };
            check(&outs, &mut in_flight, &mut closing)?;
        }
        m.close(now);
        let outs = drain(&mut m);
        check(&outs, &mut in_flight, &mut closing)?;
        proptest::prop_assert_eq!(ends, 1, "the upload ended");
        proptest::prop_assert_eq!(m.stats(), Default::default());
    }
}

#[test]
fn an_image_preview_names_its_entry_for_the_clients_hook() {
    let mut uploads = Uploads::new();
    uploads.allow("pic", UploadConfig::accept([".png"]));
    uploads.bind_refs(|_| "phx-up".into());
    let c = super::ClientEntry::from_json(
        &json!({"ref": "3", "name": "a.png", "size": 1, "type": "image/png"}),
    )
    .unwrap();
    uploads.put_entries("phx-up", &[c], || "u".into());
    let e = &uploads["pic"].entries()[0];
    let html = html!("{super::live_img_preview(e).style(\"width: 5px\")}").to_html();
    assert_eq!(
        html,
        r#"<img id="phx-preview-3" data-phx-upload-ref="phx-up" data-phx-entry-ref="3" data-phx-hook="Phoenix.LiveImgPreview" data-phx-update="ignore" style="width: 5px">"#
    );
    let other = html!("{super::live_img_preview(e).id(\"big-3\")}").to_html();
    assert!(
        other.starts_with(r#"<img id="big-3" "#) && !other.contains("style"),
        "{other}"
    );
}

#[test]
fn unknown_refs_change_nothing() {
    let (_app, mut m, page, upload_ref) = joined("/");
    // A preflight for an upload the view never allowed: an error reply.
    let reply = preflight(
        &mut m,
        &page,
        "3",
        "phx-nope",
        json!([entry("0", "a.txt", 1)]),
    );
    assert_eq!(reply["status"], "error", "{reply}");
    assert!(
        reply["response"]["reason"]
            .as_str()
            .unwrap()
            .contains("no upload has the ref"),
        "{reply}"
    );
    // Progress for an entry that does not exist: no change, no diff.
    let outs = send(
        &mut m,
        T0,
        json!(["1", "p", page.topic, "progress", {"ref": upload_ref, "entry_ref": "42", "progress": 50}]),
    );
    assert_eq!(
        replies(&outs, "p")[0],
        json!({"status": "ok", "response": {}})
    );
    // A change naming an unknown upload ref is ignored, as Phoenix does for stale inputs.
    let outs = change(
        &mut m,
        &page,
        "c",
        "phx-nope",
        json!([entry("0", "a.txt", 1)]),
    );
    assert_eq!(replies(&outs, "c")[0]["status"], "ok");
    assert!(state(&m, &page).uploads["docs"].entries().is_empty());
    // A cancel of an entry that does not exist changes nothing.
    let outs = send(
        &mut m,
        T0,
        json!(["1", "x", page.topic, "event", {"type": "click", "event": "cancel", "value": {"ref": "7"}}]),
    );
    assert_eq!(
        replies(&outs, "x")[0],
        json!({"status": "ok", "response": {}})
    );
    // A malformed entry list: an error reply naming the problem.
    let reply = preflight(
        &mut m,
        &page,
        "4",
        &upload_ref,
        json!([{"ref": "0", "size": -1}]),
    );
    assert!(
        reply["response"]["reason"]
            .as_str()
            .unwrap()
            .contains("size"),
        "{reply}"
    );
}
