//! Uploads in tests: selecting files in a live file input, sending them
//! through the upload protocol as far as the test says, and reading what
//! the writers got.

use crate::page::LiveViewTest;
use crate::writers::UploadedFile;
use crate::TestError;
use serde_json::Value;

/// A file a test selects in a live file input: its name, content and MIME
/// type, as the browser's `File` describes it.
///
/// ```
/// use liveview_test::File;
/// let notes = File::new("notes.txt", "hello", "text/plain").last_modified(1_700_000_000_000);
/// assert_eq!(notes.content, b"hello");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct File {
    /// The file's name (`File.name`).
    pub name: String,
    /// Its bytes.
    pub content: Vec<u8>,
    /// Its MIME type as the browser reports it (`File.type`; may be empty).
    pub mime: String,
    /// Its last modification, in ms since the epoch (`File.lastModified`; 0 by default).
    pub last_modified: u64,
    /// Its path in a selected directory (`webkitRelativePath`; empty by default).
    pub relative_path: String,
}

impl File {
    /// A file named `name` holding `content`, of MIME type `mime`.
    pub fn new(
        name: impl Into<String>,
        content: impl Into<Vec<u8>>,
        mime: impl Into<String>,
    ) -> File {
        File {
            name: name.into(),
            content: content.into(),
            mime: mime.into(),
            last_modified: 0,
            relative_path: String::new(),
        }
    }

    /// The same file, last modified at `ms` (ms since the epoch).
    pub fn last_modified(mut self, ms: u64) -> File {
        self.last_modified = ms;
        self
    }

    /// The same file, selected in a directory at `path` (`webkitRelativePath`).
    pub fn relative_path(mut self, path: impl Into<String>) -> File {
        self.relative_path = path.into();
        self
    }
}

/// The files selected in one live file input
/// ([`LiveViewTest::file_input`]): what
/// [`render_upload`](LiveViewTest::render_upload) and
/// [`preflight_upload`](LiveViewTest::preflight_upload) act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileUpload {
    /// The child view whose HTML the form was found in (`None`: the page's view).
    pub(crate) scope: Option<String>,
    /// The form's selector.
    pub(crate) form: String,
    /// The input's name (the upload's name).
    pub(crate) input: String,
    /// The input's upload ref when the files were selected.
    pub(crate) upload_ref: String,
    /// The files: (name, entry ref).
    pub(crate) files: Vec<(String, String)>,
}

impl FileUpload {
    /// The input's name: the upload's name.
    pub fn name(&self) -> &str {
        &self.input
    }

    /// The upload's ref (the input's id).
    pub fn upload_ref(&self) -> &str {
        &self.upload_ref
    }

    /// The entry ref the client gave the file `name` (what a cancel
    /// button's `phx-value-ref` carries), if it was selected here.
    pub fn entry_ref(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.as_str())
    }

    /// The names of the files selected, in order.
    pub fn file_names(&self) -> Vec<&str> {
        self.files.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// # Uploads
///
/// A test selects files in a view's [`live_file_input`](liveview_core::upload::live_file_input)
/// ([`file_input`](Self::file_input)), then sends them as far as it wants
/// ([`render_upload`](Self::render_upload)), through the very protocol the
/// official client uses: the form's `phx-change` with the files'
/// descriptions, the preflight (`allow_upload`) that gives each file a
/// token, the join of the file's upload channel with it, binary chunks of
/// the upload's chunk size, and a `progress` push after each acknowledged
/// chunk. The chunks go to the harness's memory writer (readable with
/// [`uploaded_files`](Self::uploaded_files)), or to the app's writer the
/// upload names ([`TestApp::with_upload_writers`](crate::TestApp::with_upload_writers)).
///
/// ```
/// use liveview_core::upload::{live_file_input, UploadConfig, UploadEntry, Uploads};
/// use liveview_core::{html, Context, LiveView, Mount, Rendered, Update};
/// use liveview_test::{File, TestApp, TestError};
/// use serde::Deserialize;
///
/// struct Avatar { uploads: Uploads, saved: Vec<String> }
///
/// #[derive(Debug, Deserialize)]
/// #[serde(rename_all = "snake_case")]
/// enum Event { Validate, Save }
///
/// impl LiveView for Avatar {
///     type Event = Event;
///     type Info = ();
///     fn mount(_: &Mount) -> Update<Self> {
///         let mut uploads = Uploads::new();
///         uploads.allow("avatar", UploadConfig::accept([".png"]).chunk_size(4));
///         (Avatar { uploads, saved: vec![] }, vec![])
///     }
///     fn uploads(&mut self) -> Option<&mut Uploads> { Some(&mut self.uploads) }
///     fn handle_event(mut self, e: Event) -> Update<Self> {
///         if let Event::Save = e {
///             for done in self.uploads.consume_done("avatar") {
///                 self.saved.push(done.meta["path"].as_str().unwrap_or_default().to_owned());
///             }
///         }
///         (self, vec![])
///     }
///     fn render(&self) -> Rendered {
///         let avatar = &self.uploads["avatar"];
///         html!(r#"<form id="f" phx-change="validate" phx-submit="save">{live_file_input(avatar)}
///           {#for e in avatar.entries()}<p class="entry">{e.client_name} {e.progress}%</p>{/for}
///         </form><p id="saved">{self.saved.join(",")}</p>"#)
///     }
/// }
///
/// fn main() -> Result<(), TestError> {
///     let lv = TestApp::new().mount_view::<Avatar>("/")?;
///     let avatar = lv.file_input("#f", "avatar", [File::new("me.png", b"12345678", "image/png")])?;
///     assert_eq!(lv.text(".entry")?, "me.png 0%");
///     lv.render_upload(&avatar, "me.png", 50)?; // one chunk of 4 bytes
///     assert_eq!(lv.text(".entry")?, "me.png 50%");
///     lv.render_upload(&avatar, "me.png", 100)?;
///     assert_eq!(lv.text(".entry")?, "me.png 100%");
///     lv.submit("#f", &[])?;
///     let path = lv.text("#saved")?;
///     assert_eq!(lv.uploaded_file(&path).unwrap().bytes, b"12345678");
///     lv.stop(); // the view ends: the consumed file is discarded
///     assert!(lv.uploaded_files().is_empty() && lv.upload_writers() == 0);
///     Ok(())
/// }
/// ```
impl LiveViewTest {
    /// Selects `files` in the live file input named `upload` of the form
    /// `form` (Phoenix's `file_input`), as a user choosing them does: the
    /// client gives each a ref and sends the form's `phx-change` (or the
    /// input's) with `_target` the input and the input's files in
    /// `uploads`; the view adds them as entries, validated. For an
    /// auto-upload input the client then asks for their preflight, as the
    /// browser does; their bytes go when the test says
    /// ([`render_upload`](Self::render_upload)).
    ///
    /// An input without `multiple` takes one file, which replaces the one
    /// selected before; a `multiple` one adds them. An empty file is an
    /// error (the client never sends one).
    pub fn file_input(
        &self,
        form: &str,
        upload: &str,
        files: impl IntoIterator<Item = File>,
    ) -> Result<FileUpload, TestError> {
        self.live()?;
        self.page()?;
        let files: Vec<File> = files.into_iter().collect();
        let scope = self.scope().map(str::to_owned);
        let mut handle = None;
        self.act(|page, env| {
            handle = Some(page.select_files(env, scope.as_deref(), form, upload, files)?);
            Ok(())
        })?;
        handle.ok_or_else(|| TestError::Other("file_input selected nothing".into()))
    }

    /// Asks for the preflight (`allow_upload`) of the files of `upload`
    /// that await one (Phoenix's `preflight_upload`), and returns the
    /// reply's response: `ref`, `config` (`chunk_size`, `max_entries`,
    /// ...), `entries` (a token per file that may upload) and `errors`
    /// (reasons per file that may not, when the upload auto-uploads).
    ///
    /// A response with `error` (a selection the view refuses as a whole:
    /// `too_large`, `not_accepted`, `too_many_files`) is
    /// [`TestError::UploadRefused`]; so is a call when no file awaits a
    /// preflight.
    pub fn preflight_upload(&self, upload: &FileUpload) -> Result<Value, TestError> {
        self.live()?;
        let mut response = None;
        self.act(|page, env| {
            response = page.preflight(env, upload)?;
            Ok(())
        })?;
        let file = upload.file_names().join(", ");
        let Some(response) = response else {
            return Err(TestError::UploadRefused {
                file,
                step: "preflight".into(),
                reason: "no file of this upload awaits a preflight (preflighted, uploaded or no longer held)".into(),
                html: self.render(),
            });
        };
        if let Some(Value::Array(errors)) = response.get("error") {
            let reason = errors
                .iter()
                .map(|e| match e.as_array().map(Vec::as_slice) {
                    Some([r, why]) => format!(
                        "{}: {}",
                        r.as_str().unwrap_or_default(),
                        why.as_str().map_or_else(|| why.to_string(), str::to_owned)
                    ),
                    _ => e.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            return Err(TestError::UploadRefused {
                file,
                step: "preflight".into(),
                reason,
                html: self.render(),
            });
        }
        Ok(response)
    }

    /// Uploads `percent` % of the file `file_name` of `upload` (Phoenix's
    /// `render_upload`; 100 completes it) and returns the HTML.
    ///
    /// It goes as the client's entry uploader goes: a preflight if the
    /// file has no token yet, the join of its upload channel (`lvu:<ref>`)
    /// with the token the first time, then binary chunks of the upload's
    /// chunk size (the last one cut at `percent`), each acknowledged chunk
    /// followed by a `progress` push when the whole percentage grew. A
    /// call with a lower percentage than already sent sends nothing.
    ///
    /// A refused step is [`TestError::UploadRefused`] (with the step and
    /// the server's reason): a preflight that gives the file no token, a
    /// refused join, a refused chunk (`writer_error`, `chunk_too_large`,
    /// ...), or a channel the server closed (the entry was cancelled, or
    /// the chunk timeout passed). The client's own handling of the error
    /// (leaving the channel, the `{"error": reason}` progress) is done
    /// before it returns.
    pub fn render_upload(
        &self,
        upload: &FileUpload,
        file_name: &str,
        percent: u8,
    ) -> Result<String, TestError> {
        self.live()?;
        self.act(|page, env| page.upload_file(env, upload, file_name, percent))
    }

    /// The files the harness's memory writer holds for this page (the
    /// uploads that name no app writer), in upload order: those being
    /// written, and complete ones until they are discarded (a cancelled
    /// entry's at once, a consumed entry's when its view ends). An upload
    /// abandoned before its end is removed at once.
    pub fn uploaded_files(&self) -> Vec<UploadedFile> {
        self.with(|p| p.writers.files())
    }

    /// The memory writer's file whose `path` is `path` (the
    /// [`Uploaded::meta`](liveview_core::upload::Uploaded::meta)`["path"]`
    /// a view consumed, `memory:<id>`).
    pub fn uploaded_file(&self, path: &str) -> Option<UploadedFile> {
        self.uploaded_files().into_iter().find(|f| f.path == path)
    }

    /// How many upload writers (the memory writer's and the app's) the
    /// page holds: open ones, and complete ones not discarded yet. With
    /// [`uploaded_files`](Self::uploaded_files) empty, 0 means nothing of
    /// any upload is retained.
    pub fn upload_writers(&self) -> usize {
        self.with(|p| p.writers.held())
    }

    /// The files selected on this page ([`file_input`](Self::file_input))
    /// that the client still holds (not uploaded to the end, not cleared):
    /// (name, entry ref).
    pub fn selected_files(&self) -> Vec<(String, String)> {
        self.with(|p| p.tracked_files())
    }
}
