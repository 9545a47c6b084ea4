//! Upload routes: the suite's upload page (`/upload`, with `?auto_upload`
//! and `?external_upload`), an upload owned by a LiveComponent
//! (`/issues/3368`) and a `required` input with several entries
//! (`/issues/3319`); the folder the upload page copies its files to, served
//! at `/tmp/lvupload/` as the suite's endpoint serves its temporary folder.

use super::{live_link, Live};
use liveview_core::prelude::*;
use liveview_core::tasks::Tasks;
use liveview_core::upload::{
    live_file_input, live_img_preview, UploadConfig, UploadEntry, UploadError, Uploads,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use warp::Filter;

/// The folder the upload page copies consumed files to (`lvupload` in the
/// system's temporary folder).
pub fn download_dir() -> PathBuf {
    std::env::temp_dir().join("lvupload")
}

/// `GET /tmp/lvupload/<name>`: a copied file, as bytes to download (the
/// suite's static plug serves the extensionless copies so; the spec waits
/// for a download).
pub fn downloads() -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    warp::path!("tmp" / "lvupload" / ..)
        .and(warp::get())
        .and(warp::fs::dir(download_dir()))
        .with(warp::reply::with::header(
            "content-type",
            "application/octet-stream",
        ))
}

/// Phoenix's `inspect/1` of an upload error, as the suite's views print it.
pub fn inspect_error(error: &UploadError) -> String {
    match error {
        UploadError::TooLarge => ":too_large".into(),
        UploadError::TooManyFiles => ":too_many_files".into(),
        UploadError::NotAccepted => ":not_accepted".into(),
        UploadError::ExternalClientFailure => ":external_client_failure".into(),
        UploadError::ExternalMetadataFailure(meta) => inspect_value(meta),
        UploadError::WriterFailure(why) => format!("{{:writer_failure, {why:?}}}"),
        other => format!("{other:?}"),
    }
}

/// A JSON value as Elixir's `inspect/1` would print the term it decodes to.
fn inspect_value(value: &Value) -> String {
    match value {
        Value::Null => "nil".into(),
        Value::Object(map) => {
            let pairs: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k:?} => {}", inspect_value(v)))
                .collect();
            format!("%{{{}}}", pairs.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inspect_value).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------
// /upload

/// `/upload`: up to two `.txt`/`.md` files, uploaded on submit (or at
/// once with `?auto_upload`, or by the client's `TestExternal` uploader
/// with `?external_upload`); a submit copies the uploaded files where
/// `/tmp/lvupload/` serves them, and lists links to the copies.
pub struct UploadLive {
    uploads: Uploads,
    uploaded_files: Vec<String>,
    /// Copies started so far (each runs under a key of its own).
    copies: u32,
}

/// The upload form's events.
#[derive(Debug, Deserialize)]
pub enum UploadEvent {
    /// `phx-change` (the driver has added the selected files already).
    #[serde(rename = "validate")]
    Validate {},
    /// An entry's cancel button.
    #[serde(rename = "cancel-upload")]
    CancelUpload {
        /// The entry's ref.
        r#ref: String,
    },
    /// `phx-submit`.
    #[serde(rename = "save")]
    Save {},
}

/// The copy of consumed files, done by [`upload_tasks`]'s runner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum UploadInfo {
    /// Copy these files (the writer's temporary files) to [`download_dir`].
    Copy(Vec<String>),
    /// The URL paths of the copies, in order.
    Copied(Vec<String>),
}

/// The avatar upload's config: `?auto_upload` and `?external_upload`
/// upload as soon as files are selected, the latter with the client's
/// `TestExternal` uploader.
fn avatar_config(params: &Params) -> UploadConfig {
    let config = UploadConfig::accept([".txt", ".md"]).max_entries(2);
    if params.get("auto_upload").is_some() {
        config.auto_upload()
    } else if params.get("external_upload").is_some() {
        config.auto_upload().external()
    } else {
        config
    }
}

/// The suite's messages for the errors the page shows.
fn error_to_string(error: &UploadError) -> String {
    match error {
        UploadError::TooLarge => "Too large".into(),
        UploadError::TooManyFiles => "You have selected too many files".into(),
        UploadError::NotAccepted => "You have selected an unacceptable file type".into(),
        other => inspect_error(other),
    }
}

const DROP_TARGET_CSS: &str = r#"<style>
  #drop-target {
    box-sizing: border-box;
    min-height: 260px;
    margin: 1rem 0;
    padding: 2rem;
    border: 4px dashed #475569;
    background: #e2e8f0;
    transition: background 150ms ease, border-color 150ms ease;
  }

  #drop-target.phx-drop-target-active {
    border-color: #15803d;
    background: #bbf7d0;
  }

  #drop-target-inner {
    min-height: 140px;
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 0.5rem;
    border: 2px solid #94a3b8;
    background: white;
  }

  #drop-target.phx-drop-target-active #drop-target-inner {
    border-color: #16a34a;
    background: #f0fdf4;
  }
</style>"#;

impl LiveView for UploadLive {
    type Event = UploadEvent;
    type Info = UploadInfo;

    fn mount(_: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        uploads.allow("avatar", avatar_config(&Params::default()));
        let view = UploadLive {
            uploads,
            uploaded_files: Vec::new(),
            copies: 0,
        };
        (view, vec![])
    }

    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }

    fn handle_params(mut self, params: &Params, _: &Url) -> Update<Self> {
        let config = avatar_config(params);
        if self.uploads["avatar"].config() != &config {
            self.uploads.allow("avatar", config);
        }
        (self, vec![])
    }

    fn external_upload(&self, _: &str, _: &UploadEntry, _: &Context) -> Result<Value, Value> {
        Ok(json!({ "uploader": "TestExternal" }))
    }

    fn handle_event(mut self, event: UploadEvent) -> Update<Self> {
        match event {
            UploadEvent::Validate {} => (self, vec![]),
            UploadEvent::CancelUpload { r#ref } => {
                self.uploads.cancel("avatar", &r#ref);
                (self, vec![])
            }
            UploadEvent::Save {} => {
                let paths: Vec<String> = self
                    .uploads
                    .consume_done("avatar")
                    .into_iter()
                    .filter_map(|done| done.meta["path"].as_str().map(str::to_owned))
                    .collect();
                if paths.is_empty() {
                    return (self, vec![]);
                }
                // The copy is the runner's; the submit's reply (and the
                // form's loading state) waits for it, as for the suite's
                // handler that copies before it returns.
                self.copies += 1;
                let key = format!("copy-{}", self.copies);
                let commands = vec![
                    Command::start_async(key.clone(), UploadInfo::Copy(paths)),
                    Command::hold_reply(key),
                ];
                (self, commands)
            }
        }
    }

    fn handle_async(mut self, key: String, result: Result<UploadInfo, AsyncError>) -> Update<Self> {
        match result {
            Ok(UploadInfo::Copied(urls)) => self.uploaded_files.extend(urls),
            Ok(other) => tracing::warn!(key, ?other, "/upload: an unexpected task result"),
            Err(e) => tracing::warn!(key, %e, "/upload: copying the uploaded files failed"),
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let avatar = &self.uploads["avatar"];
        let css = Html::raw(DROP_TARGET_CSS);
        let input = live_file_input(avatar);
        let upload_ref = avatar.upload_ref();
        let entries = avatar.entries();
        let errors = avatar.errors();
        let files = &self.uploaded_files;
        let replace = live_link(
            Live::Navigate,
            "/upload?replaced=1",
            false,
            None,
            "Replace view",
        );
        html!(
            r#"{css}

{replace}
<form id="upload-form" phx-submit="save" phx-change="validate">
  {input}
  <button type="submit">Upload</button>

  <section id="drop-target" phx-drop-target={upload_ref}>
    <div id="drop-target-inner">
      <strong>Inner drop target child</strong>
      <span>Drag a file across the outer padding and this inner element.</span>
    </div>
{#for entry in entries}
    <article class="upload-entry">
      <figure>
        {live_img_preview(entry).style("width: 500px")}
        <figcaption>{entry.client_name}</figcaption>
      </figure>
      <progress value={entry.progress} max="100">{entry.progress}%</progress>
      <button type="button" phx-click="cancel-upload" phx-value-ref={entry.entry_ref} aria-label="cancel">
        &times;
      </button>
{#for err in avatar.entry_errors(entry)}
      <p class="alert alert-danger">{error_to_string(err)}</p>
{/for}
    </article>
{/for}
{#for err in errors}
    <p class="alert alert-danger">{error_to_string(err)}</p>
{/for}
  </section>

  <ul>
{#for file in files}
    <li><a href={file}>{base_name(file)}</a></li>
{/for}
  </ul>
</form>"#
        )
    }
}

/// The last segment of a path.
fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Copies `paths` into [`download_dir`]; the URL paths of the copies.
fn copy_to_downloads(paths: &[String]) -> Result<Vec<String>, String> {
    let dir = download_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    paths
        .iter()
        .map(|path| {
            let name = Path::new(path)
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| format!("{path}: no file name"))?;
            std::fs::copy(path, dir.join(name)).map_err(|e| format!("{path}: {e}"))?;
            Ok(format!("/tmp/lvupload/{name}"))
        })
        .collect()
}

/// The runner of `/upload`'s copies.
pub fn upload_tasks(tasks: Tasks) -> Tasks {
    tasks.view::<UploadLive, _, _, _>(|info| async move {
        match info {
            UploadInfo::Copy(paths) => {
                tokio::task::spawn_blocking(move || copy_to_downloads(&paths))
                    .await
                    .map_err(|e| e.to_string())?
                    .map(UploadInfo::Copied)
            }
            other => Err(format!("not a task: {other:?}")),
        }
    })
}

// ---------------------------------------------------------------------------
// /issues/3368

/// `/issues/3368`: an upload (one image) owned by a LiveComponent, with a
/// drop zone; a new drop after `too_many_files` replaces the entries.
pub struct Issue3368;

impl LiveView for Issue3368 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3368, vec![])
    }

    fn render(&self) -> Rendered {
        html!(r#"{live_component::<Issue3368Upload>("uploader", ())}"#)
    }
}

/// `/issues/3368`'s component: the upload, its entries and errors, and the
/// names of the files saved last.
pub struct Issue3368Upload {
    uploads: Uploads,
    saved_files: Vec<String>,
}

/// The component's form events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3368Event {
    /// `phx-change`.
    Validate {},
    /// `phx-submit`.
    Save {},
}

impl LiveComponent for Issue3368Upload {
    type Props = ();
    type Event = Issue3368Event;
    type Info = ();

    fn mount(_: (), _: &Context) -> ComponentUpdate<Self> {
        let mut uploads = Uploads::new();
        uploads.allow(
            "file",
            UploadConfig::accept([".jpg", ".jpeg", ".png", ".gif"]).max_entries(1),
        );
        let component = Issue3368Upload {
            uploads,
            saved_files: Vec::new(),
        };
        (component, vec![])
    }

    fn update(self, _: (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }

    fn handle_event(mut self, event: Issue3368Event, _: &Context) -> ComponentUpdate<Self> {
        if let Issue3368Event::Save {} = event {
            self.saved_files = self
                .uploads
                .consume_done("file")
                .into_iter()
                .map(|done| done.entry.client_name)
                .collect();
        }
        (self, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        let file = &self.uploads["file"];
        let upload_ref = file.upload_ref();
        let input = live_file_input(file);
        let entries = file.entries();
        let errors = file.errors();
        let saved = self.saved_files.join(",");
        html!(
            r#"<div>
  <form id="upload-form" phx-change="validate" phx-submit="save" phx-target={myself}>
    <div id="dropzone" phx-drop-target={upload_ref}>Drop files here</div>
    {input}
    <button type="submit">Upload</button>
  </form>
{#for entry in entries}
  <p class="upload-entry">{entry.client_name}</p>
{/for}
{#for error in errors}
  <p class="upload-error">{inspect_error(error)}</p>
{/for}
  <p id="saved-files">{saved}</p>
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3319

/// `/issues/3319`: a `required` file input of any two files; the submit
/// lists the names of the files it consumed.
pub struct Issue3319 {
    uploads: Uploads,
    submitted: Vec<String>,
}

/// The form's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3319Event {
    /// `phx-change`.
    Validate {},
    /// `phx-submit`.
    Submit {},
}

impl LiveView for Issue3319 {
    type Event = Issue3319Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        uploads.allow("documents", UploadConfig::any().max_entries(2));
        let view = Issue3319 {
            uploads,
            submitted: Vec::new(),
        };
        (view, vec![])
    }

    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }

    fn handle_event(mut self, event: Issue3319Event) -> Update<Self> {
        if let Issue3319Event::Submit {} = event {
            self.submitted = self
                .uploads
                .consume_done("documents")
                .into_iter()
                .map(|done| done.entry.client_name)
                .collect();
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let documents = &self.uploads["documents"];
        let input = live_file_input(documents).required(true);
        let entries = documents.entries();
        let submitted = self.submitted.join(",");
        html!(
            r#"<form id="upload-form" phx-change="validate" phx-submit="submit">
  {input}
  <button type="submit">Submit</button>
{#for entry in entries}
  <p class="upload-entry">
    {entry.client_name}
  </p>
{/for}
</form>

<p id="submitted">{submitted}</p>"#
        )
    }
}
