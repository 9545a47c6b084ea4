//! Uploads under the harness: files selected in a live file input go
//! through the real protocol (the form's phx-change, the preflight, the
//! upload channel, chunks and progress) into the harness's memory writer or
//! the app's writer; progress, consume, validation errors, cancel, writer
//! errors, the chunk timeout, a component's upload, and the trace replay.

use liveview_core::component::{live_component, Cid, ComponentUpdate, LiveComponent};
use liveview_core::upload::{
    live_file_input, UploadConfig, UploadEntry, UploadWriter, UploadWriters, Uploads, WriterFuture,
};
use liveview_core::{html, Context, LiveView, Mount, Rendered, Update};
use liveview_test::{join_typed, replay_with, File, TestApp, TestError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ------------------------------------------------------------------ views

/// Documents: up to two `.txt`/`.md` files of at most 20 bytes, sent in
/// 4-byte chunks; saved on submit. `?writer=upper` writes them with the
/// app's writer of that name, `?auto` uploads as soon as they are chosen.
struct Docs {
    uploads: Uploads,
    saved: Vec<String>,
    /// What `handle_progress` saw: (file, progress, done).
    progress: Vec<(String, u8, bool)>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum DocsEvent {
    Validate,
    Save,
    Cancel { r#ref: String },
}

impl LiveView for Docs {
    type Event = DocsEvent;
    type Info = ();
    fn mount(m: &Mount) -> Update<Self> {
        let mut config = UploadConfig::accept([".txt", ".md"])
            .max_entries(2)
            .max_file_size(20)
            .chunk_size(4);
        if let Some(name) = m.params.get("writer") {
            config = config.writer(name);
        }
        if m.params.get("auto").is_some() {
            config = config.auto_upload();
        }
        let mut uploads = Uploads::new();
        uploads.allow("docs", config);
        let docs = Docs {
            uploads,
            saved: vec![],
            progress: vec![],
        };
        (docs, vec![])
    }
    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }
    fn handle_event(mut self, e: DocsEvent) -> Update<Self> {
        match e {
            DocsEvent::Validate => {}
            DocsEvent::Save => {
                for done in self.uploads.consume_done("docs") {
                    // The memory writer reports a path, the upper writer the text.
                    let meta = match done.meta.get("text") {
                        Some(text) => text.as_str().unwrap_or_default().to_owned(),
                        None => done.meta["path"].as_str().unwrap_or_default().to_owned(),
                    };
                    self.saved
                        .push(format!("{}={meta}", done.entry.client_name));
                }
            }
            DocsEvent::Cancel { r#ref } => {
                self.uploads.cancel("docs", &r#ref);
            }
        }
        (self, vec![])
    }
    fn handle_progress(mut self, _: &str, entry: &UploadEntry, _: &Context) -> Update<Self> {
        self.progress
            .push((entry.client_name.clone(), entry.progress, entry.done));
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        let docs = &self.uploads["docs"];
        html!(
            r#"<form id="docs-form" phx-change="validate" phx-submit="save"><input type="text" name="title" value="">{live_file_input(docs)}{#for e in docs.entries()}<div class="entry" id={format!("entry-{}", e.entry_ref)}><span class="name">{e.client_name}</span> <span class="progress">{e.progress}%</span>{#if e.done} <b>done</b>{/if}{#for err in docs.entry_errors(e)}<em class="error">{err.to_string()}</em>{/for}<button type="button" class="cancel" phx-click="cancel" phx-value-ref={e.entry_ref}>x</button></div>{/for}{#for err in docs.errors()}<p class="upload-error">{err.to_string()}</p>{/for}<button>Save</button></form><ul id="saved">{#for s in &self.saved}<li>{s}</li>{/for}</ul>"#
        )
    }
}

/// The entries' progress as the page shows them: "name progress% [done] [errors]".
fn entries(lv: &liveview_test::LiveViewTest) -> Result<Vec<String>, TestError> {
    Ok(lv
        .texts(".entry")?
        .into_iter()
        .map(|t| t.trim_end_matches('x').trim().to_owned())
        .collect())
}

fn txt(name: &str, content: &str) -> File {
    File::new(name, content.as_bytes(), "text/plain")
}

// ---------------------------------------------------------------- writers

/// An app writer: upper-cases the text, and reports it; fails on a chunk
/// holding `!` (what it wrote so far is recorded in `log`).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, s: String) {
        self.0.lock().unwrap().push(s);
    }
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

struct Upper {
    text: String,
    log: Log,
}

impl UploadWriter for Upper {
    fn write_chunk<'a>(&'a mut self, chunk: &'a [u8]) -> WriterFuture<'a, ()> {
        Box::pin(async move {
            if chunk.contains(&b'!') {
                return Err("no shouting".to_owned());
            }
            self.text
                .push_str(&String::from_utf8_lossy(chunk).to_uppercase());
            self.log.push(format!("write {}", chunk.len()));
            Ok(())
        })
    }
    fn close(&mut self, done: bool) -> WriterFuture<'_, Value> {
        self.log.push(format!("close {done}"));
        let text = self.text.clone();
        Box::pin(async move { Ok(json!({ "text": text })) })
    }
    fn discard(&mut self) -> WriterFuture<'_, ()> {
        self.log.push("discard".into());
        Box::pin(async { Ok(()) })
    }
}

fn upper_writers(log: &Log) -> UploadWriters {
    let log = log.clone();
    UploadWriters::new().writer("upper", move |start| {
        log.push(format!("open {}", start.entry.client_name));
        Ok(Box::new(Upper {
            text: String::new(),
            log: log.clone(),
        }) as Box<dyn UploadWriter>)
    })
}

// ------------------------------------------------------------------ tests

#[test]
fn a_file_uploads_in_chunks_and_the_page_shows_its_progress() -> Result<(), TestError> {
    let lv = TestApp::new().mount_view::<Docs>("/docs")?;
    let docs = lv.file_input("#docs-form", "docs", [txt("a.txt", "hello world!")])?;
    assert_eq!(entries(&lv)?, vec!["a.txt 0%"]);
    assert_eq!(docs.entry_ref("a.txt"), Some("0"));

    // 50 %: 6 of 12 bytes, in a 4-byte chunk and a 2-byte one, with a
    // progress push after each (33 %, then 50 %).
    let html = lv.render_upload(&docs, "a.txt", 50)?;
    assert!(
        html.contains("a.txt</span> <span class=\"progress\">50%"),
        "{html}"
    );
    let progress = lv.state::<Docs, _>(|d| d.progress.clone()).unwrap();
    assert_eq!(
        progress,
        vec![("a.txt".into(), 33, false), ("a.txt".into(), 50, false)]
    );
    let files = lv.uploaded_files();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].bytes, b"hello ");
    assert!(!files[0].complete);
    assert_eq!(
        (files[0].client_name.as_str(), files[0].upload.as_str()),
        ("a.txt", "docs")
    );

    // A lower percentage sends nothing.
    lv.render_upload(&docs, "a.txt", 10)?;
    assert_eq!(lv.uploaded_files()[0].bytes.len(), 6);

    lv.render_upload(&docs, "a.txt", 100)?;
    assert_eq!(entries(&lv)?, vec!["a.txt 100% done"]);
    let files = lv.uploaded_files();
    assert_eq!(files[0].bytes, b"hello world!");
    assert!(files[0].complete);
    // The view was done only once the last byte was written.
    let progress = lv.state::<Docs, _>(|d| d.progress.clone()).unwrap();
    assert_eq!(progress.last(), Some(&("a.txt".to_owned(), 100, true)));
    assert_eq!(progress.iter().filter(|p| p.2).count(), 1);
    // The client let go of the file.
    assert!(lv.selected_files().is_empty());
    Ok(())
}

#[test]
fn submit_consumes_the_entries_and_the_writer_holds_their_bytes_until_the_view_ends(
) -> Result<(), TestError> {
    let lv = TestApp::new().mount_view::<Docs>("/docs")?;
    let docs = lv.file_input(
        "#docs-form",
        "docs",
        [txt("a.txt", "alpha"), txt("b.md", "# beta")],
    )?;
    lv.render_upload(&docs, "a.txt", 100)?;
    lv.render_upload(&docs, "b.md", 100)?;
    lv.submit("#docs-form", &[("title", "two")])?;
    assert_eq!(
        lv.texts("#saved li")?,
        vec!["a.txt=memory:0", "b.md=memory:1"]
    );
    assert_eq!(lv.count(".entry")?, 0);
    // Consumed: the files are the app's until the view ends.
    assert_eq!(lv.uploaded_file("memory:0").unwrap().bytes, b"alpha");
    assert_eq!(lv.uploaded_file("memory:1").unwrap().bytes, b"# beta");
    assert_eq!(lv.upload_writers(), 2);
    lv.stop();
    assert!(lv.uploaded_files().is_empty());
    assert_eq!(lv.upload_writers(), 0);
    Ok(())
}

#[test]
fn a_submit_first_uploads_the_files_still_to_send_as_the_client_does() -> Result<(), TestError> {
    let lv = TestApp::new().mount_view::<Docs>("/docs")?;
    let docs = lv.file_input("#docs-form", "docs", [txt("a.txt", "0123456789")])?;
    lv.render_upload(&docs, "a.txt", 30)?;
    lv.file_input("#docs-form", "docs", [txt("b.txt", "xyz")])?;
    lv.submit("#docs-form", &[])?;
    assert_eq!(
        lv.texts("#saved li")?,
        vec!["a.txt=memory:0", "b.txt=memory:1"]
    );
    assert_eq!(lv.uploaded_file("memory:0").unwrap().bytes, b"0123456789");
    // Each file went through the preflight, its channel and its chunks:
    // the view heard every progress.
    let progress = lv.state::<Docs, _>(|d| d.progress.clone()).unwrap();
    assert_eq!(progress.iter().filter(|p| p.2).count(), 2, "{progress:?}");
    Ok(())
}

#[test]
fn a_file_of_the_wrong_type_or_too_large_shows_its_error_and_gets_no_upload(
) -> Result<(), TestError> {
    let lv = TestApp::new().mount_view::<Docs>("/docs")?;
    let docs = lv.file_input(
        "#docs-form",
        "docs",
        [File::new(
            "run.exe",
            b"MZ".to_vec(),
            "application/x-msdownload",
        )],
    )?;
    assert_eq!(entries(&lv)?, vec!["run.exe 0%not an accepted file type"]);
    assert_eq!(
        lv.attr("input[name=docs]", "data-phx-error-refs")?
            .as_deref(),
        Some("0")
    );
    // The preflight refuses the selection.
    let err = lv.render_upload(&docs, "run.exe", 100).unwrap_err();
    match &err {
        TestError::UploadRefused {
            file, step, reason, ..
        } => {
            assert_eq!(
                (file.as_str(), step.as_str(), reason.as_str()),
                ("run.exe", "preflight", "not_accepted")
            );
        }
        other => panic!("{other}"),
    }
    let err = lv.preflight_upload(&docs).unwrap_err();
    assert!(err.to_string().contains("0: not_accepted"), "{err}");
    // The client does not submit a form whose upload shows errors.
    let err = lv.submit("#docs-form", &[]).unwrap_err();
    assert!(err.to_string().contains("shows errors"), "{err}");
    assert!(lv.uploaded_files().is_empty());

    // Too large: 21 bytes.
    let lv = TestApp::new().mount_view::<Docs>("/docs")?;
    let docs = lv.file_input("#docs-form", "docs", [txt("big.txt", &"x".repeat(21))])?;
    assert_eq!(entries(&lv)?, vec!["big.txt 0%too large"]);
    let err = lv.render_upload(&docs, "big.txt", 100).unwrap_err();
    assert!(
        matches!(&err, TestError::UploadRefused { reason, .. } if reason == "too_large"),
        "{err}"
    );
    assert_eq!(lv.upload_writers(), 0);
    Ok(())
}

#[test]
fn too_many_files_is_an_upload_error_until_one_is_cancelled() -> Result<(), TestError> {
    let lv = TestApp::new().mount_view::<Docs>("/docs")?;
    let docs = lv.file_input(
        "#docs-form",
        "docs",
        [txt("a.txt", "a"), txt("b.txt", "b"), txt("c.txt", "c")],
    )?;
    assert_eq!(lv.texts(".upload-error")?, vec!["too many files"]);
    let err = lv.render_upload(&docs, "a.txt", 100).unwrap_err();
    assert!(
        matches!(&err, TestError::UploadRefused { step, reason, .. } if step == "preflight" && reason == "too_many_files"),
        "{err}"
    );
    // Cancelling one makes the count right: the rest upload.
    lv.click(&format!(
        "#entry-{} .cancel",
        docs.entry_ref("c.txt").unwrap()
    ))?;
    assert_eq!(lv.count(".upload-error")?, 0);
    lv.submit("#docs-form", &[])?;
    assert_eq!(
        lv.texts("#saved li")?,
        vec!["a.txt=memory:0", "b.txt=memory:1"]
    );
    Ok(())
}

#[test]
fn cancel_mid_upload_ends_the_upload_and_frees_its_bytes() -> Result<(), TestError> {
    let lv = TestApp::new().mount_view::<Docs>("/docs")?;
    let docs = lv.file_input("#docs-form", "docs", [txt("a.txt", "0123456789")])?;
    lv.render_upload(&docs, "a.txt", 40)?;
    assert_eq!(lv.uploaded_files()[0].bytes, b"0123");
    lv.click("#entry-0 .cancel")?;
    assert_eq!(lv.count(".entry")?, 0);
    assert!(lv.uploaded_files().is_empty());
    assert_eq!(lv.upload_writers(), 0);
    // The server closed the channel: the rest cannot go.
    let err = lv.render_upload(&docs, "a.txt", 100).unwrap_err();
    assert!(
        matches!(&err, TestError::UploadRefused { step, .. } if step == "chunk"),
        "{err}"
    );
    // A complete file cancelled before it is consumed is discarded.
    let docs = lv.file_input("#docs-form", "docs", [txt("b.txt", "bee")])?;
    lv.render_upload(&docs, "b.txt", 100)?;
    assert_eq!(lv.uploaded_files().len(), 1);
    lv.click(&format!(
        "#entry-{} .cancel",
        docs.entry_ref("b.txt").unwrap()
    ))?;
    assert!(lv.uploaded_files().is_empty());
    assert_eq!(lv.upload_writers(), 0);
    Ok(())
}

#[test]
fn an_upload_left_half_way_is_dropped_after_the_chunk_timeout() -> Result<(), TestError> {
    let lv = TestApp::new().mount_view::<Docs>("/docs")?;
    let docs = lv.file_input("#docs-form", "docs", [txt("a.txt", "0123456789")])?;
    lv.render_upload(&docs, "a.txt", 40)?;
    lv.advance(Duration::from_secs(9))?;
    assert_eq!(lv.count(".entry")?, 1);
    lv.advance(Duration::from_secs(1))?;
    assert_eq!(lv.count(".entry")?, 0, "the view dropped the entry");
    assert!(lv.uploaded_files().is_empty());
    assert!(lv.render_upload(&docs, "a.txt", 100).is_err());
    Ok(())
}

#[test]
fn an_app_writer_gets_the_chunks_and_its_report_is_what_the_view_consumes() -> Result<(), TestError>
{
    let log = Log::default();
    let app = TestApp::new().with_upload_writers(upper_writers(&log));
    let lv = app.mount_view::<Docs>("/docs?writer=upper")?;
    let docs = lv.file_input("#docs-form", "docs", [txt("a.txt", "quiet words")])?;
    lv.render_upload(&docs, "a.txt", 100)?;
    assert!(lv.uploaded_files().is_empty(), "not the memory writer's");
    lv.submit("#docs-form", &[])?;
    assert_eq!(lv.texts("#saved li")?, vec!["a.txt=QUIET WORDS"]);
    lv.stop();
    assert_eq!(
        log.lines(),
        vec![
            "open a.txt",
            "write 4",
            "write 4",
            "write 3",
            "close true",
            "discard"
        ]
    );
    assert_eq!(lv.upload_writers(), 0);
    Ok(())
}

#[test]
fn a_writer_error_shows_on_the_entry() -> Result<(), TestError> {
    let log = Log::default();
    let app = TestApp::new().with_upload_writers(upper_writers(&log));
    let lv = app.mount_view::<Docs>("/docs?writer=upper")?;
    let docs = lv.file_input("#docs-form", "docs", [txt("a.txt", "hey you!")])?;
    let err = lv.render_upload(&docs, "a.txt", 100).unwrap_err();
    match &err {
        TestError::UploadRefused {
            step, reason, html, ..
        } => {
            assert_eq!((step.as_str(), reason.as_str()), ("chunk", "writer_error"));
            assert!(
                html.contains("writing the file failed: no shouting"),
                "{html}"
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        entries(&lv)?,
        vec!["a.txt 50%writing the file failed: no shouting"]
    );
    // What was written was removed (close without keeping), once.
    assert_eq!(log.lines(), vec!["open a.txt", "write 4", "close false"]);
    assert_eq!(lv.upload_writers(), 0);
    // The entry failed: trying again is refused by the harness.
    assert!(lv.render_upload(&docs, "a.txt", 100).is_err());

    // A writer that panics fails the entry the same way.
    struct Boom;
    impl UploadWriter for Boom {
        fn write_chunk<'a>(&'a mut self, _: &'a [u8]) -> WriterFuture<'a, ()> {
            panic!("the disk caught fire")
        }
        fn close(&mut self, _: bool) -> WriterFuture<'_, Value> {
            Box::pin(async { Ok(Value::Null) })
        }
    }
    let writers = UploadWriters::new().writer("upper", |_| Ok(Box::new(Boom) as _));
    let lv = TestApp::new()
        .with_upload_writers(writers)
        .mount_view::<Docs>("/docs?writer=upper")?;
    let docs = lv.file_input("#docs-form", "docs", [txt("a.txt", "hi")])?;
    assert!(lv.render_upload(&docs, "a.txt", 100).is_err());
    assert!(
        lv.render()
            .contains("the writer panicked: the disk caught fire"),
        "{}",
        lv.render()
    );
    assert_eq!(lv.upload_writers(), 0);

    // An upload naming a writer the app does not have is refused at the join.
    let lv = TestApp::new().mount_view::<Docs>("/docs?writer=nope")?;
    let docs = lv.file_input("#docs-form", "docs", [txt("a.txt", "hi")])?;
    let err = lv.render_upload(&docs, "a.txt", 100).unwrap_err();
    assert!(
        matches!(&err, TestError::UploadRefused { step, reason, .. } if step == "join" && reason == "writer_error"),
        "{err}"
    );
    assert!(
        lv.render()
            .contains(r#"no upload writer is registered as \"nope\""#)
            || lv
                .render()
                .contains("no upload writer is registered as &quot;nope&quot;"),
        "{}",
        lv.render()
    );
    Ok(())
}

#[test]
fn an_auto_upload_is_preflighted_when_the_files_are_chosen() -> Result<(), TestError> {
    let lv = TestApp::new().mount_view::<Docs>("/docs?auto=1")?;
    let docs = lv.file_input(
        "#docs-form",
        "docs",
        [txt("a.txt", "abc"), File::new("x.exe", b"MZ".to_vec(), "")],
    )?;
    // The client preflighted the valid file (the invalid one keeps its error).
    assert_eq!(
        lv.attr("input[name=docs]", "data-phx-preflighted-refs")?
            .as_deref(),
        Some("0,1")
    );
    assert_eq!(
        entries(&lv)?,
        vec!["a.txt 0%", "x.exe 0%not an accepted file type"]
    );
    let err = lv.render_upload(&docs, "x.exe", 100).unwrap_err();
    assert!(
        matches!(&err, TestError::UploadRefused { step, reason, .. } if step == "preflight" && reason == "not_accepted"),
        "{err}"
    );
    lv.render_upload(&docs, "a.txt", 100)?;
    assert_eq!(entries(&lv)?[0], "a.txt 100% done");
    Ok(())
}

#[test]
fn a_single_file_input_replaces_its_file() -> Result<(), TestError> {
    /// One avatar at a time.
    struct Avatar {
        uploads: Uploads,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Ev {
        Validate,
    }
    impl LiveView for Avatar {
        type Event = Ev;
        type Info = ();
        fn mount(_: &Mount) -> Update<Self> {
            let mut uploads = Uploads::new();
            uploads.allow("avatar", UploadConfig::any().chunk_size(2));
            (Avatar { uploads }, vec![])
        }
        fn uploads(&mut self) -> Option<&mut Uploads> {
            Some(&mut self.uploads)
        }
        fn handle_event(self, _: Ev) -> Update<Self> {
            (self, vec![])
        }
        fn render(&self) -> Rendered {
            let a = &self.uploads["avatar"];
            html!(
                r#"<form id="f" phx-change="validate">{live_file_input(a)}</form>{#for e in a.entries()}<p class="entry">{e.client_name} {e.progress}</p>{/for}"#
            )
        }
    }
    let lv = TestApp::new().mount_view::<Avatar>("/")?;
    let first = lv.file_input(
        "#f",
        "avatar",
        [File::new("one.png", b"1111".to_vec(), "image/png")],
    )?;
    lv.render_upload(&first, "one.png", 50)?;
    assert_eq!(lv.uploaded_files().len(), 1);
    let err = lv
        .file_input("#f", "avatar", [txt("a", "a"), txt("b", "b")])
        .unwrap_err();
    assert!(err.to_string().contains("takes one"), "{err}");
    let second = lv.file_input(
        "#f",
        "avatar",
        [File::new("two.png", b"22".to_vec(), "image/png")],
    )?;
    assert_eq!(lv.texts(".entry")?, vec!["two.png 0"]);
    // The first file's upload ended and its bytes are gone.
    assert!(lv.uploaded_files().is_empty());
    assert!(lv.render_upload(&first, "one.png", 100).is_err());
    lv.render_upload(&second, "two.png", 100)?;
    assert_eq!(lv.texts(".entry")?, vec!["two.png 100"]);
    Ok(())
}

// ------------------------------------------------ a component's upload

/// A page whose upload lives in a component.
struct Shelf;

impl LiveView for Shelf {
    type Event = ();
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Shelf, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<main>{live_component::<Uploader>("up", ())}</main>"#)
    }
}

struct Uploader {
    uploads: Uploads,
    saved: Vec<String>,
    progress: Vec<u8>,
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
        uploads.allow("photo", UploadConfig::accept([".jpg"]).chunk_size(3));
        let me = Uploader {
            uploads,
            saved: vec![],
            progress: vec![],
        };
        (me, vec![])
    }
    fn update(self, _: (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }
    fn handle_event(mut self, e: UploaderEvent, _: &Context) -> ComponentUpdate<Self> {
        if let UploaderEvent::Save = e {
            for done in self.uploads.consume_done("photo") {
                let path = done.meta["path"].as_str().unwrap_or_default().to_owned();
                self.saved
                    .push(format!("{}@{path}", done.entry.client_name));
            }
        }
        (self, vec![])
    }
    fn handle_progress(
        mut self,
        _: &str,
        entry: &UploadEntry,
        _: &Context,
    ) -> ComponentUpdate<Self> {
        self.progress.push(entry.progress);
        (self, vec![])
    }
    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }
    fn render(&self, myself: Cid) -> Rendered {
        let photo = &self.uploads["photo"];
        let saved = self.saved.join(",");
        let progress = self
            .progress
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",");
        html!(
            r#"<div><form id="f" phx-change="validate" phx-submit="save" phx-target={myself}>{live_file_input(photo)}<button>Save</button></form>{#for e in photo.entries()}<p class="entry">{e.client_name} {e.progress}</p>{/for}<p id="progress">{progress}</p><p id="saved">{saved}</p></div>"#
        )
    }
}

#[test]
fn a_components_upload_goes_to_the_component() -> Result<(), TestError> {
    let app = TestApp::new().record_traces();
    let lv = app.mount_view::<Shelf>("/shelf")?;
    let photo = lv.file_input(
        "#f",
        "photo",
        [File::new("cat.jpg", b"meow!!".to_vec(), "image/jpeg")],
    )?;
    assert_eq!(lv.text(".entry")?, "cat.jpg 0");
    lv.render_upload(&photo, "cat.jpg", 50)?;
    assert_eq!(lv.text(".entry")?, "cat.jpg 50");
    lv.render_upload(&photo, "cat.jpg", 100)?;
    assert_eq!(lv.text("#progress")?, "50,100");
    lv.submit("#f", &[])?;
    assert_eq!(lv.text("#saved")?, "cat.jpg@memory:0");
    assert_eq!(lv.uploaded_file("memory:0").unwrap().bytes, b"meow!!");
    // The events, the preflight and the progress all carried the component's cid.
    let trace = lv.trace().expect("recorded");
    assert!(trace.contains(r#""kind":"allow","cid":1"#), "{trace}");
    assert!(trace.contains(r#""kind":"progress","cid":1"#), "{trace}");
    assert!(trace.contains(r#""kind":"register","cid":1"#), "{trace}");
    // The view's own upload path has nothing: a refused selection says so.
    let err = lv
        .file_input("#f", "nope", [txt("a.txt", "a")])
        .unwrap_err();
    assert!(
        err.to_string().contains("no file input named \"nope\""),
        "{err}"
    );
    replay_with(&trace, join_typed::<Shelf>).map_err(|d| TestError::Other(d.to_string()))?;
    Ok(())
}

// ---------------------------------------------------------------- replay

#[test]
fn a_session_with_uploads_replays_from_its_trace() -> Result<(), TestError> {
    let app = TestApp::new().record_traces();
    let lv = app.mount_view::<Docs>("/docs")?;
    let docs = lv.file_input(
        "#docs-form",
        "docs",
        [txt("a.txt", "hello world!"), txt("b.txt", "bye")],
    )?;
    lv.render_upload(&docs, "a.txt", 50)?;
    lv.render_upload(&docs, "a.txt", 100)?;
    lv.click(&format!(
        "#entry-{} .cancel",
        docs.entry_ref("b.txt").unwrap()
    ))?;
    let bad = lv.file_input("#docs-form", "docs", [txt("c.txt", &"x".repeat(30))])?;
    assert!(lv.render_upload(&bad, "c.txt", 100).is_err());
    lv.click(&format!(
        "#entry-{} .cancel",
        bad.entry_ref("c.txt").unwrap()
    ))?;
    lv.submit("#docs-form", &[])?;
    let trace = lv.trace().expect("recorded");
    for line in [
        r#""in":"upload""#,
        r#""kind":"allow""#,
        r#""kind":"register""#,
        r#""kind":"complete""#,
        r#""kind":"progress""#,
        r#""out":"upload""#,
        r#""out":"upload_ended""#,
    ] {
        assert!(trace.contains(line), "{line} in {trace}");
    }
    let report =
        replay_with(&trace, join_typed::<Docs>).map_err(|d| TestError::Other(d.to_string()))?;
    assert!(
        report.final_html.contains("<li>a.txt=memory:0</li>"),
        "{}",
        report.final_html
    );
    assert_eq!(report.final_html, lv.render());
    // A different writer report diverges: the consumed meta shows it.
    let tampered = trace.replace(r#""path":"memory:0""#, r#""path":"memory:9""#);
    assert_ne!(tampered, trace);
    let d = replay_with(&tampered, join_typed::<Docs>).unwrap_err();
    assert!(d.to_string().contains("memory:"), "{d}");
    // So does a code change in what the preflight answers.
    let other = trace.replacen(r#""chunk_size":4"#, r#""chunk_size":5"#, 1);
    assert_ne!(other, trace);
    assert!(replay_with(&other, join_typed::<Docs>).is_err());
    Ok(())
}
