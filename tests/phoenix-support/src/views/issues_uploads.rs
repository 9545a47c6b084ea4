//! Issue routes about uploads: `max_entries` counted over consumed entries
//! (`/issues/2835`), a hook queueing uploads through a slow writer
//! (`/issues/2965`), an invalid auto-upload and a submit (`/issues/3391`),
//! an upload input of another form while its own form is locked
//! (`/issues/3647`), `live_file_input` attributes that change
//! (`/issues/4078`) and a writer that fails (`/issues/4368`).

use super::issues_components::own_boot;
use liveview_core::prelude::*;
use liveview_core::upload::{
    live_file_input, UploadConfig, UploadEntry, UploadError, UploadWriter, UploadWriters, Uploads,
    WriterFuture,
};
use liveview_core::view::ViewLayout;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// The writer of `/issues/2965`'s uploads.
const WRITER_2965: &str = "issue_2965_noop";
/// The writer of `/issues/4368`'s uploads.
const WRITER_4368: &str = "issue_4368";

/// Registers the writers these views' uploads name.
pub fn issue_upload_writers(writers: UploadWriters) -> UploadWriters {
    writers
        .writer(WRITER_2965, |_| Ok(Box::new(SlowNoOpWriter) as _))
        .writer(WRITER_4368, |start| {
            Ok(Box::new(PickyWriter {
                name: start.entry.client_name.clone(),
            }) as _)
        })
}

/// An upload error as Elixir's `inspect` shows Phoenix's error term
/// (`:too_many_files`, `{:writer_failure, :invalid_pdf}`).
pub fn inspect_error(error: &UploadError) -> String {
    match error {
        UploadError::TooLarge => ":too_large".to_owned(),
        UploadError::TooManyFiles => ":too_many_files".to_owned(),
        UploadError::NotAccepted => ":not_accepted".to_owned(),
        UploadError::ExternalClientFailure => ":external_client_failure".to_owned(),
        UploadError::ExternalMetadataFailure(meta) => meta.to_string(),
        UploadError::WriterFailure(reason) => format!("{{:writer_failure, {}}}", atom(reason)),
        other => format!("{other:?}"),
    }
}

/// A writer's reason as an Elixir term: an atom when it reads as one,
/// otherwise a string.
fn atom(reason: &str) -> String {
    let plain = reason
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && reason
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!(":{reason}")
    } else {
        format!("{reason:?}")
    }
}

/// The events of an upload form: its change, and the entries' cancel
/// buttons (`phx-value-ref`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadFormEvent {
    /// `phx-change`.
    Validate,
    /// `phx-submit`.
    Submit,
    /// A cancel button.
    Cancel {
        /// The entry's ref.
        r#ref: String,
    },
}

// ---------------------------------------------------------------------------
// /issues/2835

/// `/issues/2835`: an auto-upload of at most two files over the upload's
/// life; each is consumed as soon as it is done.
pub struct Issue2835 {
    uploads: Uploads,
    uploaded: Vec<String>,
}

impl LiveView for Issue2835 {
    type Event = UploadFormEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        uploads.allow(
            "documents",
            UploadConfig::any()
                .auto_upload()
                .max_entries(2)
                .total_max_entries(),
        );
        let view = Issue2835 {
            uploads,
            uploaded: Vec::new(),
        };
        (view, vec![])
    }

    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }

    fn handle_progress(mut self, name: &str, entry: &UploadEntry, _: &Context) -> Update<Self> {
        if entry.done {
            if let Some(done) = self.uploads.consume(name, &entry.entry_ref) {
                self.uploaded.push(done.entry.client_name);
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let docs = &self.uploads["documents"];
        html!(
            r#"<form id="upload-form" phx-change="validate">
  {live_file_input(docs)}
  {#for entry in docs.entries()}<article class="upload-entry" data-name={entry.client_name}>
    {entry.client_name}: {entry.progress}%
  </article>{/for}
  {#for error in docs.errors()}<p class="upload-error">
    {inspect_error(error)}
  </p>{/for}
</form>
<ul id="uploaded-files">
  {#for name in &self.uploaded}<li>{name}</li>{/for}
</ul>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/2965

/// `/issues/2965`, with a layout of its own: a hook asks the view which of
/// the picked files to send, uploads three of them and one more each time
/// one is done; the writer takes its time over every chunk.
pub struct Issue2965 {
    uploads: Uploads,
}

/// The events of `/issues/2965`.
#[derive(Debug, Deserialize)]
pub enum Issue2965Event {
    /// The hook's `pushEvent` with the picked files' names.
    #[serde(rename = "upload_scrub_list")]
    UploadScrubList {
        /// The names.
        file_names: Vec<String>,
    },
    /// `phx-change`.
    #[serde(rename = "validate")]
    Validate,
    /// `phx-submit`.
    #[serde(rename = "save")]
    Save,
    /// An entry's cancel button.
    #[serde(rename = "cancel-upload")]
    CancelUpload {
        /// The entry's ref.
        r#ref: String,
    },
}

/// The hook of `/issues/2965`: sends the picked files a few at a time.
const HOOKS_2965: &str = r#"{
    QueuedUploaderHook: {
      mounted() {
        const atOnce = Number(this.el.dataset.maxConcurrency || 3);
        let waiting = [];
        this.el.addEventListener("input", (event) => {
          event.preventDefault();
          const input = event.target;
          if (!(input instanceof HTMLInputElement) || !input.files) return;
          const picked = Array.from(input.files);
          const names = picked.map((file) => file.name);
          this.pushEvent("upload_scrub_list", { file_names: names }, (reply) => {
            const kept = picked.filter((file) => reply.deduped_filenames.includes(file.name));
            this.upload("files", kept.slice(0, atOnce));
            waiting = kept.slice(atOnce);
          });
        });
        this.handleEvent("upload_send_next_file", () => {
          const next = waiting.shift();
          if (next !== undefined) this.upload("files", [next]);
        });
      },
    },
  }"#;

/// What `/issues/2965` shows for an error.
fn describe_2965(error: &UploadError) -> &'static str {
    match error {
        UploadError::TooLarge => "Too large",
        UploadError::NotAccepted => "You have selected an unacceptable file type",
        _ => "unknown error",
    }
}

/// Writes nothing, after waiting up to 200 ms for each chunk.
struct SlowNoOpWriter;

/// A pause of 1 to 200 ms.
fn random_pause() -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    Duration::from_millis(1 + random % 200)
}

impl UploadWriter for SlowNoOpWriter {
    fn write_chunk<'a>(&'a mut self, _chunk: &'a [u8]) -> WriterFuture<'a, ()> {
        let pause = random_pause();
        Box::pin(async move {
            tokio::time::sleep(pause).await;
            Ok(())
        })
    }

    fn close(&mut self, _done: bool) -> WriterFuture<'_, Value> {
        Box::pin(async { Ok(json!({})) })
    }
}

impl LiveView for Issue2965 {
    type Event = Issue2965Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        uploads.allow(
            "files",
            UploadConfig::any()
                .max_entries(1500)
                .chunk_size(5 * 1024 * 1024)
                .max_file_size(10_000_000_000)
                .auto_upload()
                .writer(WRITER_2965),
        );
        (Issue2965 { uploads }, vec![])
    }

    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }

    fn handle_event(mut self, event: Issue2965Event) -> Update<Self> {
        match event {
            Issue2965Event::UploadScrubList { file_names } => {
                let reply = Command::Reply(json!({ "deduped_filenames": file_names }));
                return (self, vec![reply]);
            }
            Issue2965Event::CancelUpload { r#ref } => {
                self.uploads.cancel("files", &r#ref);
            }
            Issue2965Event::Validate | Issue2965Event::Save => {}
        }
        (self, vec![])
    }

    fn handle_progress(self, _: &str, entry: &UploadEntry, _: &Context) -> Update<Self> {
        let next = entry
            .done
            .then(|| Command::push_event("upload_send_next_file", json!({})));
        (self, next.into_iter().collect())
    }

    fn render(&self) -> Rendered {
        let files = &self.uploads["files"];
        let picker_disabled = files.entries().iter().any(|e| !e.done);
        let uploading = !files.entries().is_empty();
        html!(
            r#"<main>
  <h1>Uploader reproduction</h1>
  <form phx-submit="save" phx-change="validate">
    <section>
      {live_file_input(files).style("display: none;")}
      <input id="fileinput" type="file" multiple phx-hook="QueuedUploaderHook" disabled={picker_disabled}>
      {#if uploading}<h2>Currently uploading files</h2>{/if}
      <div>
        <table>
          <thead>
            <tr>
              <th>File Name</th>
              <th>Progress</th>
              <th>Cancel</th>
              <th>Errors</th>
            </tr>
          </thead>
          <tbody>
            {#for entry in files.entries()}<tr>
              <td>{entry.client_name}</td>
              <td>
                <progress value={entry.progress} max="100">{entry.progress}%</progress>
              </td>
              <td>
                <button type="button" phx-click="cancel-upload" phx-value-ref={entry.entry_ref} aria-label="cancel">
                  <span>&times;</span>
                </button>
              </td>
              <td>
                {#for error in files.entry_errors(entry)}<p style="color: red;">{describe_2965(error)}</p>{/for}
              </td>
            </tr>{/for}
          </tbody>
        </table>
      </div>
      {#for error in files.errors()}<p style="text-red">{describe_2965(error)}</p>{/for}
    </section>
  </form>
</main>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let boot = own_boot(HOOKS_2965);
            html!("{boot}{inner}")
        })
    }
}

// ---------------------------------------------------------------------------
// /issues/3391

/// `/issues/3391`: an auto-upload of one `.txt` file, consumed when done,
/// in a form that can be submitted.
pub struct Issue3391 {
    uploads: Uploads,
    submitted: bool,
    uploaded: bool,
}

impl LiveView for Issue3391 {
    type Event = UploadFormEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        uploads.allow(
            "document",
            UploadConfig::accept([".txt"]).auto_upload().max_entries(1),
        );
        let view = Issue3391 {
            uploads,
            submitted: false,
            uploaded: false,
        };
        (view, vec![])
    }

    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }

    fn handle_event(mut self, event: UploadFormEvent) -> Update<Self> {
        match event {
            UploadFormEvent::Validate => {}
            UploadFormEvent::Cancel { r#ref } => {
                self.uploads.cancel("document", &r#ref);
            }
            UploadFormEvent::Submit => self.submitted = true,
        }
        (self, vec![])
    }

    fn handle_progress(mut self, name: &str, entry: &UploadEntry, _: &Context) -> Update<Self> {
        if entry.done && self.uploads.consume(name, &entry.entry_ref).is_some() {
            self.uploaded = true;
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let doc = &self.uploads["document"];
        html!(
            r#"<form id="upload-form" phx-change="validate" phx-submit="submit">
  {live_file_input(doc)}
  <button type="submit">Submit</button>
  {#for entry in doc.entries()}<article class="upload-entry">
    <span>{entry.client_name}: {entry.progress}%</span>
    <button type="button" phx-click="cancel" phx-value-ref={entry.entry_ref}>Cancel</button>
    {#for error in doc.entry_errors(entry)}<p class="upload-error">
      {inspect_error(error)}
    </p>{/for}
  </article>{/for}
</form>
<p id="uploaded">uploaded: {self.uploaded}</p>
<p id="submitted">submitted: {self.submitted}</p>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3647

/// `/issues/3647`, with a layout of its own: a user form whose text input
/// a hook fills right after it starts an upload through the file input,
/// which belongs to another form (`form="auto-form"`).
pub struct Issue3647 {
    uploads: Uploads,
    name: Option<String>,
    uploaded: Vec<String>,
}

/// The user form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct User3647 {
    #[serde(default)]
    name: Option<String>,
}

/// The events of `/issues/3647`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Issue3647Event {
    /// The user form's `phx-change`.
    ValidateUser {
        /// The form's fields.
        #[serde(default)]
        user: User3647,
    },
    /// The upload form's `phx-change`.
    Validate,
    /// An entry's cancel link.
    CancelUpload {
        /// The entry's ref.
        r#ref: String,
    },
}

/// The hook of `/issues/3647`'s buttons: starts an upload of a 1 MB file
/// and types into the text input, in the order the button says.
const HOOKS_3647: &str = r#"{
    JsUpload: {
      mounted() {
        this.el.addEventListener("click", () => {
          const typeFirst = this.el.dataset.before !== undefined;
          if (typeFirst) this.typeOne();
          this.uploadOne();
          if (!typeFirst) this.typeOne();
        });
      },
      uploadOne() {
        const megabyte = new File(["x".repeat(1024 * 1024)], "1mb_of_x.txt", { type: "text/plain" });
        const input = document.querySelector("input[type=file]");
        this.uploadTo(input.form, input.name, [megabyte]);
      },
      typeOne() {
        const input = document.querySelector("input[type=text]");
        input.value = input.value + input.value.length;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      },
    },
  }"#;

impl LiveView for Issue3647 {
    type Event = Issue3647Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        uploads.allow(
            "avatar",
            UploadConfig::accept([".txt", ".md"])
                .max_entries(2)
                .auto_upload(),
        );
        let view = Issue3647 {
            uploads,
            name: None,
            uploaded: Vec::new(),
        };
        (view, vec![])
    }

    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }

    fn handle_event(mut self, event: Issue3647Event) -> Update<Self> {
        match event {
            // An empty name is no name, as Ecto's cast has it.
            Issue3647Event::ValidateUser { user } => {
                self.name = user.name.filter(|n| !n.is_empty());
            }
            Issue3647Event::Validate => {}
            Issue3647Event::CancelUpload { r#ref } => {
                self.uploads.cancel("avatar", &r#ref);
            }
        }
        (self, vec![])
    }

    fn handle_progress(mut self, name: &str, entry: &UploadEntry, _: &Context) -> Update<Self> {
        if entry.done {
            if let Some(done) = self.uploads.consume(name, &entry.entry_ref) {
                self.uploaded.insert(0, done.entry.uuid);
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let avatar = &self.uploads["avatar"];
        let count = avatar.entries().len();
        html!(
            r##"<form id="user-form" phx-change="validate-user">
  <input id="user_name" name="user[name]" value={self.name.as_deref()} type="text">
  <button id="x" type="button" phx-hook="JsUpload">
    Upload then Input
  </button>
  <button id="y" type="button" phx-hook="JsUpload" data-before>
    Input then Upload
  </button>
  {live_file_input(avatar).form("auto-form")}
</form>
<form id="auto-form" phx-change="validate"></form>
<section class="pending-uploads" phx-drop-target={avatar.upload_ref()} style="min-height: 100%;">
  <h3>Pending Uploads ({count})</h3>
  {#for entry in avatar.entries()}<div>
    <progress value={entry.progress} max="100">{entry.progress}%</progress>
    <div>
      {entry.uuid}<br>
      <a href="#" phx-click="cancel-upload" phx-value-ref={entry.entry_ref} class="upload-entry__cancel">
        Cancel Upload
      </a>
    </div>
  </div>{/for}
</section>
<ul>
  {#for file in &self.uploaded}<li><a href={file}>{file}</a></li>{/for}
</ul>"##
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let boot = own_boot(HOOKS_3647);
            let style = Html::raw("<style>\n  * { font-size: 1.1em; }\n</style>\n");
            html!("{boot}{style}<main>{inner}</main>")
        })
    }
}

// ---------------------------------------------------------------------------
// /issues/4078

/// `/issues/4078`, with a layout of its own: buttons toggle the upload
/// input's `disabled` and `class`.
pub struct Issue4078 {
    uploads: Uploads,
    disabled: bool,
    class: &'static str,
}

/// The events of `/issues/4078`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Issue4078Event {
    /// The form's `phx-change`.
    Validate,
    /// Enables or disables the input.
    ToggleDisabled,
    /// Switches the input's class.
    ToggleClass,
}

impl LiveView for Issue4078 {
    type Event = Issue4078Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        uploads.allow(
            "avatar",
            UploadConfig::accept([".jpg", ".jpeg", ".png", ".txt"]).max_entries(2),
        );
        let view = Issue4078 {
            uploads,
            disabled: true,
            class: "initial-class",
        };
        (view, vec![])
    }

    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }

    fn handle_event(mut self, event: Issue4078Event) -> Update<Self> {
        match event {
            Issue4078Event::Validate => {}
            Issue4078Event::ToggleDisabled => self.disabled = !self.disabled,
            Issue4078Event::ToggleClass => {
                self.class = if self.class == "initial-class" {
                    "updated-class"
                } else {
                    "initial-class"
                };
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let avatar = &self.uploads["avatar"];
        let input = live_file_input(avatar)
            .disabled(self.disabled)
            .class(self.class);
        html!(
            r#"<form id="upload-form" phx-change="validate">
  {input}
</form>
<button id="toggle-disabled" type="button" phx-click="toggle-disabled">Toggle Disabled</button>
<button id="toggle-class" type="button" phx-click="toggle-class">Toggle Class</button>
{#for entry in avatar.entries()}<article class="upload-entry">
  <span class="entry-name">{entry.client_name}</span>
</article>{/for}"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let boot = own_boot("{}");
            html!("{boot}{inner}")
        })
    }
}

// ---------------------------------------------------------------------------
// /issues/4368

/// `/issues/4368`: an auto-upload in 5-byte chunks through a writer that
/// refuses the chunk `error` and takes half a second over `delay`; done
/// entries are consumed.
pub struct Issue4368 {
    uploads: Uploads,
    consumed: Vec<String>,
    submitted: bool,
}

/// `/issues/4368`'s writer: keeps nothing, fails on the chunk `error`.
struct PickyWriter {
    name: String,
}

impl UploadWriter for PickyWriter {
    fn write_chunk<'a>(&'a mut self, chunk: &'a [u8]) -> WriterFuture<'a, ()> {
        Box::pin(async move {
            match chunk {
                b"error" => Err("invalid_pdf".to_owned()),
                b"delay" => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    Ok(())
                }
                _ => Ok(()),
            }
        })
    }

    fn close(&mut self, _done: bool) -> WriterFuture<'_, Value> {
        let meta = json!({ "name": self.name });
        Box::pin(async move { Ok(meta) })
    }
}

impl LiveView for Issue4368 {
    type Event = UploadFormEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        uploads.allow(
            "documents",
            UploadConfig::any()
                .auto_upload()
                .chunk_size(5)
                .max_entries(2)
                .writer(WRITER_4368),
        );
        let view = Issue4368 {
            uploads,
            consumed: Vec::new(),
            submitted: false,
        };
        (view, vec![])
    }

    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }

    fn handle_event(mut self, event: UploadFormEvent) -> Update<Self> {
        match event {
            UploadFormEvent::Validate => {}
            UploadFormEvent::Cancel { r#ref } => {
                self.uploads.cancel("documents", &r#ref);
            }
            UploadFormEvent::Submit => self.submitted = true,
        }
        (self, vec![])
    }

    fn handle_progress(mut self, name: &str, entry: &UploadEntry, _: &Context) -> Update<Self> {
        if entry.done {
            if let Some(done) = self.uploads.consume(name, &entry.entry_ref) {
                self.consumed.insert(0, done.entry.client_name);
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let docs = &self.uploads["documents"];
        let consumed = self.consumed.join(",");
        html!(
            r#"<div id="issue-4368">
  <form id="upload-form" phx-change="validate" phx-submit="submit">
    {live_file_input(docs)}
    <button type="submit">Submit</button>
  </form>
  <p id="submitted">submitted: {self.submitted}</p>
  <p id="consumed">consumed: {consumed}</p>
  {#for entry in docs.entries()}<article class="upload-entry" data-name={entry.client_name}>
    <span>{entry.client_name}: {entry.progress}%</span>
    <button type="button" phx-click="cancel" phx-value-ref={entry.entry_ref}>Cancel</button>
    {#for error in docs.entry_errors(entry)}<p class="upload-error">
      {inspect_error(error)}
    </p>{/for}
  </article>{/for}
</div>"#
        )
    }
}
