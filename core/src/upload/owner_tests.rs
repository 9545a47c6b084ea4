//! Uploads owned by a LiveComponent, external uploads, and the entry-count
//! rules (total mode, a single entry replaced), through the socket machine.

use super::{live_file_input, UploadConfig, UploadEntry, Uploads};
use crate::component::{live_component, Cid, ComponentUpdate, LiveComponent};
use crate::protocol::testing::{connect, drain, frames, join_outputs, load_page, send, Page, T0};
use crate::protocol::{App, Config, Router, SocketMachine, SocketOutput};
use crate::{html, Context, LiveView, Mount, Rendered, Update};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;

/// A page whose upload lives in a component.
struct Page1;

impl LiveView for Page1 {
    type Event = ();
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Page1, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<main>{live_component::<Uploader>("up", ())}</main>"#)
    }
}

struct Uploader {
    uploads: Uploads,
    saved: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum UploaderEvent {
    Validate,
    Save,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum NoInfo {}

impl LiveComponent for Uploader {
    type Props = ();
    type Event = UploaderEvent;
    type Info = NoInfo;
    fn mount(_: (), _: &Context) -> ComponentUpdate<Self> {
        let mut uploads = Uploads::new();
        uploads.allow("file", UploadConfig::accept([".jpg", ".png"]));
        (
            Uploader {
                uploads,
                saved: vec![],
            },
            vec![],
        )
    }
    fn update(self, _: (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }
    fn handle_event(mut self, e: UploaderEvent, _: &Context) -> ComponentUpdate<Self> {
        if let UploaderEvent::Save = e {
            for done in self.uploads.consume_done("file") {
                self.saved.push(done.entry.client_name);
            }
        }
        (self, vec![])
    }
    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }
    fn render(&self, myself: Cid) -> Rendered {
        let file = &self.uploads["file"];
        let saved = self.saved.join(",");
        html!(
            r#"<div><form id="f" phx-change="validate" phx-submit="save" phx-target={myself}>{live_file_input(file)}</form>{#for e in file.entries()}<p class="entry">{e.client_name}</p>{/for}<p id="saved">{saved}</p></div>"#
        )
    }
}

/// A view with an external upload (direct to another service).
struct Direct {
    uploads: Uploads,
}

impl LiveView for Direct {
    type Event = ();
    type Info = ();
    fn mount(m: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        let mut config = UploadConfig::any().max_entries(3).external();
        if m.params.get("auto").is_some() {
            config = config.auto_upload();
        }
        if m.params.get("total").is_some() {
            config = UploadConfig::any()
                .max_entries(2)
                .total_max_entries()
                .external();
        }
        uploads.allow("photos", config);
        (Direct { uploads }, vec![])
    }
    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }
    fn external_upload(
        &self,
        name: &str,
        entry: &UploadEntry,
        _: &Context,
    ) -> Result<Value, Value> {
        if entry.client_name.starts_with("bad") {
            return Err(json!({"reason": "refused"}));
        }
        Ok(json!({"uploader": "S3", "key": format!("{name}/{}", entry.uuid)}))
    }
    fn handle_progress(mut self, name: &str, entry: &UploadEntry, _: &Context) -> Update<Self> {
        if entry.done {
            self.uploads.consume(name, &entry.entry_ref);
        }
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        let p = &self.uploads["photos"];
        html!(
            r#"<form id="f" phx-change="v">{live_file_input(p)}</form>{#for e in p.entries()}<p>{e.client_name} {e.progress}{#for err in p.entry_errors(e)}<i>{format!("{err:?}")}</i>{/for}</p>{/for}"#
        )
    }
}

fn app() -> Arc<App> {
    let config = Config::new(crate::protocol::testing::FAKE_SECRET.as_bytes().to_vec()).unwrap();
    Arc::new(App::new(
        Router::new().live::<Page1>("/").live::<Direct>("/direct"),
        config,
    ))
}

fn joined(url: &str) -> (SocketMachine, Page, Value) {
    let app = app();
    let (page, _) = load_page(&app, url, 1, None);
    let mut m = connect(&app, &page);
    let outs = join_outputs(&mut m, &page, "1", url);
    let reply = frames(&outs)[0][4].clone();
    assert_eq!(reply["status"], "ok", "{reply}");
    (m, page, reply)
}

fn reply(outs: &[SocketOutput], rf: &str) -> Value {
    frames(outs)
        .into_iter()
        .find(|f| f[1] == rf)
        .unwrap_or_else(|| panic!("no reply {rf}: {:?}", frames(outs)))[4]
        .clone()
}

fn entry(r: &str, name: &str) -> Value {
    json!({"ref": r, "name": name, "size": 3, "type": "image/png"})
}

/// The upload ref in a rendered tree: `phx-` and 16 hex digits.
fn upload_ref(rendered: &Value) -> String {
    let text = rendered.to_string();
    let is_ref = |s: &str| s.len() == 20 && s[4..].bytes().all(|b| b.is_ascii_hexdigit());
    text.match_indices("phx-")
        .map(|(at, _)| text.get(at..at + 20).unwrap_or(""))
        .find(|s| is_ref(s))
        .expect("an upload ref")
        .to_owned()
}

#[test]
fn a_components_upload_takes_its_events_preflight_chunks_and_consume() {
    let (mut m, page, joined) = joined("/");
    let r = upload_ref(&joined);
    let e = json!([entry("0", "cat.png")]);
    let outs = send(
        &mut m,
        T0,
        json!(["1", "2", page.topic, "event", {"type": "form", "event": "validate", "value": "", "cid": 1, "uploads": {r.clone(): e.clone()}}]),
    );
    let diff = reply(&outs, "2")["response"]["diff"].clone();
    assert!(diff["c"]["1"].to_string().contains("cat.png"), "{diff}");
    assert!(
        diff.get("0").is_none(),
        "only the component renders: {diff}"
    );
    let pre = send(
        &mut m,
        T0,
        json!(["1", "3", page.topic, "allow_upload", {"ref": r, "entries": e, "cid": 1}]),
    );
    let token = reply(&pre, "3")["response"]["entries"]["0"]
        .as_str()
        .expect("a token")
        .to_owned();
    let outs = send(
        &mut m,
        T0,
        json!(["9", "9", "lvu:0", "phx_join", {"token": token}]),
    );
    let id = outs
        .iter()
        .find_map(|o| match o {
            SocketOutput::UploadOpen(s) => Some(s.id),
            _ => None,
        })
        .expect("the component's entry may upload");
    m.handle_upload(T0, id, crate::protocol::UploadIo::Opened(Ok(())));
    let mut b = vec![0, 1, 1, 5, 5];
    b.extend_from_slice(b"9clvu:0chunkabc");
    m.handle_binary(T0, &b);
    m.handle_upload(T0, id, crate::protocol::UploadIo::Written(Ok(())));
    m.handle_upload(T0, id, crate::protocol::UploadIo::Closed(Ok(json!({}))));
    drain(&mut m);
    send(
        &mut m,
        T0,
        json!(["1", "4", page.topic, "progress", {"ref": r, "entry_ref": "0", "progress": 100, "cid": 1}]),
    );
    let outs = send(
        &mut m,
        T0,
        json!(["1", "5", page.topic, "event", {"type": "form", "event": "save", "value": "", "cid": 1}]),
    );
    let diff = reply(&outs, "5")["response"]["diff"].to_string();
    assert!(diff.contains("cat.png"), "saved: {diff}");
    // A cid the view does not have is refused.
    let outs = send(
        &mut m,
        T0,
        json!(["1", "6", page.topic, "allow_upload", {"ref": r, "entries": [], "cid": 9}]),
    );
    assert_eq!(reply(&outs, "6")["status"], "error");
}

#[test]
fn external_uploads_get_the_views_metadata_and_finish_on_the_clients_word() {
    let (mut m, page, joined) = joined("/direct?auto=1");
    let r = upload_ref(&joined);
    let e = json!([entry("0", "a.png"), entry("1", "bad.png")]);
    let outs = send(
        &mut m,
        T0,
        json!(["1", "3", page.topic, "allow_upload", {"ref": r, "entries": e}]),
    );
    let resp = reply(&outs, "3")["response"].clone();
    assert_eq!(resp["entries"]["0"]["uploader"], "S3", "{resp}");
    assert!(resp["entries"]["0"]["key"]
        .as_str()
        .unwrap()
        .starts_with("photos/"));
    assert_eq!(resp["errors"]["1"], json!([{"reason": "refused"}]));
    // No channel: a token-less join is refused, the view's entry is not a channel upload.
    let outs = send(
        &mut m,
        T0,
        json!(["9", "9", "lvu:0", "phx_join", {"token": "x"}]),
    );
    assert_eq!(reply(&outs, "9")["response"]["reason"], "invalid_token");
    // The client's uploader reports progress; at 100 the view consumes it.
    let outs = send(
        &mut m,
        T0,
        json!(["1", "4", page.topic, "progress", {"ref": r, "entry_ref": "0", "progress": 100}]),
    );
    let diff = reply(&outs, "4")["response"]["diff"].to_string();
    assert!(!diff.contains("a.png 100"), "consumed at 100: {diff}");
    // A client-side failure shows on the entry.
    let outs = send(
        &mut m,
        T0,
        json!(["1", "5", page.topic, "progress", {"ref": r, "entry_ref": "1", "progress": {"error": "boom"}}]),
    );
    let diff = reply(&outs, "5")["response"]["diff"].to_string();
    assert!(diff.contains("ExternalClientFailure"), "{diff}");
}

#[test]
fn without_auto_upload_a_refused_external_entry_refuses_the_preflight() {
    let (mut m, page, joined) = joined("/direct");
    let r = upload_ref(&joined);
    let outs = send(
        &mut m,
        T0,
        json!(["1", "3", page.topic, "allow_upload", {"ref": r, "entries": [entry("0", "bad.png")]}]),
    );
    let resp = reply(&outs, "3")["response"].clone();
    assert_eq!(
        resp["error"],
        json!([["0", {"reason": "refused"}]]),
        "{resp}"
    );
    assert!(resp.get("entries").is_none());
}

#[test]
fn total_mode_counts_consumed_entries() {
    let (mut m, page, joined) = joined("/direct?total=1");
    let r = upload_ref(&joined);
    for (i, rf) in ["0", "1"].iter().enumerate() {
        let outs = send(
            &mut m,
            T0,
            json!(["1", format!("a{i}"), page.topic, "allow_upload", {"ref": r, "entries": [entry(rf, "x.png")]}]),
        );
        assert!(reply(&outs, &format!("a{i}"))["response"]["entries"]
            .get(*rf)
            .is_some());
        send(
            &mut m,
            T0,
            json!(["1", format!("p{i}"), page.topic, "progress", {"ref": r, "entry_ref": rf, "progress": 100}]),
        );
    }
    // Two consumed of two: a third is one too many.
    let outs = send(
        &mut m,
        T0,
        json!(["1", "a2", page.topic, "allow_upload", {"ref": r, "entries": [entry("2", "x.png")]}]),
    );
    let resp = reply(&outs, "a2")["response"].clone();
    assert_eq!(resp["error"], json!([[r, "too_many_files"]]), "{resp}");
}

#[test]
fn total_mode_keeps_too_many_files_while_consumed_and_pending_entries_exceed_it() {
    let mut uploads = Uploads::new();
    let config = UploadConfig::any()
        .max_entries(2)
        .total_max_entries()
        .auto_upload();
    uploads.allow("docs", config);
    uploads.bind_refs(|_| "phx-r".into());
    let mut n = 0;
    let mut uuid = || {
        n += 1;
        format!("u{n}")
    };
    let c = |r: &str| {
        super::ClientEntry::from_json(&json!({"ref": r, "name": "f", "size": 1, "type": ""}))
            .unwrap()
    };
    uploads.put_entries("phx-r", &[c("0"), c("1"), c("2")], &mut uuid);
    assert_eq!(
        uploads["docs"].errors(),
        [&super::UploadError::TooManyFiles]
    );
    for e in &mut uploads.list[0].entries[..2] {
        e.done = true;
    }
    assert_eq!(uploads.consume_done("docs").len(), 2);
    // Two consumed and one still selected: one too many yet.
    assert_eq!(
        uploads["docs"].errors(),
        [&super::UploadError::TooManyFiles]
    );
    uploads.cancel("docs", "2");
    assert!(uploads["docs"].errors().is_empty());
}

#[test]
fn with_one_entry_allowed_a_new_file_replaces_the_old_one() {
    let mut uploads = Uploads::new();
    uploads.allow("one", UploadConfig::any());
    uploads.bind_refs(|_| "phx-r".into());
    let mut n = 0;
    let mut uuid = || {
        n += 1;
        format!("u{n}")
    };
    let c = |r: &str| {
        super::ClientEntry::from_json(&json!({"ref": r, "name": "f", "size": 1, "type": ""}))
            .unwrap()
    };
    uploads.put_entries("phx-r", &[c("0"), c("1")], &mut uuid);
    assert!(!uploads["one"].errors().is_empty(), "two of one: too many");
    uploads.put_entries("phx-r", &[c("2")], &mut uuid);
    let refs: Vec<&str> = uploads["one"]
        .entries()
        .iter()
        .map(|e| e.entry_ref.as_str())
        .collect();
    assert_eq!(refs, ["2"]);
    assert!(uploads["one"].errors().is_empty());
    // The replaced entries' uploads end.
    let ended: Vec<String> = uploads
        .take_ended()
        .into_iter()
        .map(|e| e.entry_ref)
        .collect();
    assert_eq!(ended, ["0", "1"]);
}

/// A view whose external metadata comes from a task (presigning).
struct Signed {
    uploads: Uploads,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum SignInfo {
    Presign(String),
    Url(String),
}

impl LiveView for Signed {
    type Event = ();
    type Info = SignInfo;
    fn mount(_: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        uploads.allow(
            "photos",
            UploadConfig::any().max_entries(2).external().auto_upload(),
        );
        (Signed { uploads }, vec![])
    }
    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }
    fn presign_upload(&self, _: &str, entry: &UploadEntry, _: &Context) -> Option<SignInfo> {
        Some(SignInfo::Presign(entry.client_name.clone()))
    }
    fn presigned_upload(
        &self,
        _: &str,
        _: &UploadEntry,
        result: Result<SignInfo, crate::AsyncError>,
        _: &Context,
    ) -> Result<Value, Value> {
        match result {
            Ok(SignInfo::Url(url)) => Ok(json!({"uploader": "S3", "url": url})),
            Ok(other) => Err(json!({"reason": format!("unexpected {other:?}")})),
            Err(e) => Err(json!({"reason": e.to_string()})),
        }
    }
    fn render(&self) -> Rendered {
        let p = &self.uploads["photos"];
        html!(r#"<form id="f" phx-change="v">{live_file_input(p)}</form>"#)
    }
}

#[test]
fn a_presign_task_makes_the_external_metadata_and_the_preflight_waits_for_it() {
    let config = Config::new(crate::protocol::testing::FAKE_SECRET.as_bytes().to_vec()).unwrap();
    let app = Arc::new(App::new(Router::new().live::<Signed>("/"), config));
    let (page, _) = load_page(&app, "/", 1, None);
    let mut m = connect(&app, &page);
    let outs = join_outputs(&mut m, &page, "1", "/");
    let r = upload_ref(&frames(&outs)[0][4]);
    let outs = send(
        &mut m,
        T0,
        json!(["1", "3", page.topic, "allow_upload", {"ref": r, "entries": [entry("0", "a.png"), entry("1", "b.png")]}]),
    );
    assert!(
        frames(&outs).iter().all(|f| f[1] != "3"),
        "the reply waits: {:?}",
        frames(&outs)
    );
    let tasks: Vec<(u64, Value)> = outs
        .iter()
        .filter_map(|o| match o {
            SocketOutput::StartTask(t) => Some((t.id, t.task.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0].1, json!({"Presign": "a.png"}));
    // The view answers other pushes meanwhile.
    let outs = send(
        &mut m,
        T0,
        json!(["1", "4", page.topic, "event", {"type": "form", "event": "v", "value": ""}]),
    );
    assert!(
        frames(&outs).iter().any(|f| f[1] == "4"),
        "{:?}",
        frames(&outs)
    );
    m.handle_async(T0, tasks[0].0, Ok(json!({"Url": "https://s3/a"})));
    assert!(
        frames(&drain(&mut m)).iter().all(|f| f[1] != "3"),
        "one presign is still running"
    );
    m.handle_async(
        T0,
        tasks[1].0,
        Err(crate::AsyncError::Failed("s3 down".into())),
    );
    let outs = drain(&mut m);
    let resp = reply(&outs, "3")["response"].clone();
    assert_eq!(
        resp["entries"]["0"],
        json!({"uploader": "S3", "url": "https://s3/a"}),
        "{resp}"
    );
    assert!(
        resp["errors"]["1"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("s3 down"),
        "{resp}"
    );
    assert_eq!(m.stats().tasks, 0);
}
