//! File uploads (Phoenix's `allow_upload`, `live_file_input`,
//! `consume_uploaded_entries`, `cancel_upload`).
//!
//! A view keeps its uploads in its state, in one [`Uploads`] value, and
//! tells the driver where it is ([`LiveView::uploads`](crate::LiveView::uploads)). The template shows
//! an upload's input with [`live_file_input`] and its entries with their
//! progress and errors; the handlers allow, cancel and consume:
//!
//! ```
//! use liveview_core::upload::{live_file_input, UploadConfig, Uploads};
//! use liveview_core::{html, Command, LiveView, Mount, Rendered, Update};
//! use serde::Deserialize;
//!
//! struct Profile { uploads: Uploads, saved: Vec<String> }
//!
//! #[derive(Debug, Deserialize)]
//! #[serde(rename_all = "snake_case")]
//! enum Event { Validate, Save, Cancel { r#ref: String } }
//!
//! impl LiveView for Profile {
//!     type Event = Event;
//!     type Info = ();
//!     fn mount(_: &Mount) -> Update<Self> {
//!         let mut uploads = Uploads::new();
//!         uploads.allow("avatar", UploadConfig::accept([".png", ".jpg"]).max_entries(2));
//!         (Profile { uploads, saved: vec![] }, vec![])
//!     }
//!     fn uploads(&mut self) -> Option<&mut Uploads> {
//!         Some(&mut self.uploads)
//!     }
//!     fn handle_event(mut self, event: Event) -> Update<Self> {
//!         match event {
//!             Event::Validate => {}
//!             Event::Cancel { r#ref } => { self.uploads.cancel("avatar", &r#ref); }
//!             Event::Save => {
//!                 for done in self.uploads.consume_done("avatar") {
//!                     // `done.meta` says where the adapter's writer put it
//!                     // (a temporary file's "path"); move it in a task.
//!                     self.saved.push(done.entry.client_name);
//!                 }
//!             }
//!         }
//!         (self, vec![])
//!     }
//!     fn render(&self) -> Rendered {
//!         let avatar = &self.uploads["avatar"];
//!         html!(r#"<form id="f" phx-change="validate" phx-submit="save">
//!           {live_file_input(avatar)}
//!           {#for e in avatar.entries()}<p>{e.client_name}: {e.progress}%</p>{/for}
//!           <button>Save</button></form>"#)
//!     }
//! }
//! let (view, _) = Profile::mount(&Mount::default());
//! assert!(view.render().to_html().contains(r#"accept=".png,.jpg""#));
//! ```
//!
//! # How an upload goes (the protocol's side)
//!
//! 1. Selecting files sends the form's `phx-change` event with the files'
//!    names, sizes and types. The driver adds them to the upload as
//!    entries, validated (type, size, count), before the handler runs; an
//!    invalid entry stays, with its errors, for the template to show.
//! 2. On submit (or at once with [`UploadConfig::auto_upload`]) the client
//!    asks for a *preflight* (`allow_upload`): each valid entry gets a
//!    signed token naming its view and entry, or, for an
//!    [external](UploadConfig::external) upload, the metadata the view
//!    gives.
//! 3. The client joins `lvu:<entry ref>` with that token and sends the file
//!    in binary chunks. The core never writes them: each chunk leaves the
//!    socket machine as an output for the adapter's writer (a temporary
//!    file, or the app's writer), and its reply waits until the adapter
//!    reports it written.
//! 4. After each chunk the client reports the progress; the view's
//!    [`handle_progress`](crate::LiveView::handle_progress) runs. An entry
//!    is done when every byte arrived and its writer closed: its
//!    [`Uploaded::meta`] is what the writer reported.
//! 5. A handler consumes done entries ([`Uploads::consume_done`]); they
//!    leave the upload.
//!
//! Bad input never reaches the view: a token for another view, socket or
//! entry, more bytes than the file announced or than the maximum size, a
//! chunk over the chunk size, an upload whose chunks stop coming (the
//! [chunk timeout](UploadConfig::chunk_timeout)) each end that entry's upload
//! and remove what was written.

mod config;
mod entries;
mod html;
mod ids;
mod input;
#[cfg(test)]
mod owner_tests;
#[cfg(test)]
mod tests;
mod writer;

pub use config::{
    MaxEntriesMode, UploadConfig, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_TIMEOUT, DEFAULT_MAX_ENTRIES,
    DEFAULT_MAX_FILE_SIZE,
};
pub use entries::ClientEntry;
pub(crate) use entries::Progress;
pub use entries::Registered;
pub use html::{live_file_input, live_img_preview, FileInput, ImgPreview};
pub(crate) use ids::Ids;
pub use input::{UploadAnswer, UploadInput};
pub use writer::{UploadWriter, UploadWriters, WriterFactory, WriterFuture};

use serde_json::Value;
use std::fmt;

/// How many entries beyond `max_entries` an upload keeps (to show them
/// with `too_many_files`); the client's further entries are dropped, so a
/// client announcing a million files costs nothing.
pub const MAX_EXTRA_ENTRIES: usize = 32;

/// The longest file name (in bytes) an entry keeps; longer names are cut
/// at a character boundary.
pub const MAX_NAME_BYTES: usize = 1024;

/// A view's (or component's) uploads, by name: Phoenix's `@uploads`.
///
/// Handlers change it ([`allow`](Self::allow), [`cancel`](Self::cancel),
/// [`consume_done`](Self::consume_done)); the driver adds the client's
/// entries and their progress. What the socket must do about a change (end
/// an entry's upload channel) is kept here until the driver takes it after
/// the handler, so the view stays a pure function.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Uploads {
    list: Vec<Upload>,
    /// Entries whose upload the socket must end, since the driver last looked.
    ended: Vec<Ended>,
}

/// An entry a handler took out of its upload (the socket ends its channel).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ended {
    pub(crate) upload_ref: String,
    pub(crate) entry_ref: String,
    /// Consumed (its file is the app's now) rather than cancelled.
    pub(crate) consumed: bool,
}

/// One allowed upload: its config, its entries and their errors.
#[derive(Clone, Debug, PartialEq)]
pub struct Upload {
    name: String,
    /// The input's id and the key the client names the upload by; given
    /// by the driver before the first render ([`Uploads::bind_refs`]).
    upload_ref: String,
    config: UploadConfig,
    entries: Vec<UploadEntry>,
    /// (entry ref, or the upload's ref for upload-wide errors; error).
    errors: Vec<(String, UploadError)>,
    /// Entries consumed so far (for [`MaxEntriesMode::Total`]).
    consumed: usize,
}

/// A selected file (Phoenix's `%UploadEntry{}`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UploadEntry {
    /// The client's ref for the entry (unique on the page).
    pub entry_ref: String,
    /// The ref of its upload.
    pub upload_ref: String,
    /// The name of its upload.
    pub upload_name: String,
    /// A unique id for the entry (a v4 UUID), for naming what it becomes.
    pub uuid: String,
    /// The file's name as the client gave it: display it, never use it as
    /// a path.
    pub client_name: String,
    /// The file's path within a selected directory (`webkitRelativePath`), or empty.
    pub client_relative_path: String,
    /// The size the client announced, in bytes.
    pub client_size: u64,
    /// The MIME type the browser reported (may be empty).
    pub client_type: String,
    /// The file's last modification, in ms since the epoch, if sent.
    pub client_last_modified: Option<u64>,
    /// The `meta()` of the client's file object, if any.
    pub client_meta: Option<Value>,
    /// Upload progress, 0–100.
    pub progress: u8,
    /// A preflight was answered for it.
    pub preflighted: bool,
    /// Uploaded: every byte arrived and was written (or, external, the
    /// client reported 100 %).
    pub done: bool,
    /// It passed validation (type, size).
    pub valid: bool,
    pub(crate) status: Status,
    /// What the writer reported (or the external metadata).
    pub(crate) meta: Value,
}

/// Where an entry's bytes are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Valid, no upload channel yet.
    Unregistered,
    /// Failed validation: it may never upload.
    Invalid,
    /// An upload channel is sending it.
    Registered,
    /// Every byte was written and the writer closed.
    Complete,
    /// Its writer failed.
    Failed,
}

/// Why an entry (or the whole upload) is in error.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum UploadError {
    /// Larger than [`UploadConfig::max_file_size`].
    TooLarge,
    /// More entries than [`UploadConfig::max_entries`] (an upload-wide error).
    TooManyFiles,
    /// Not among the accepted types.
    NotAccepted,
    /// The client's external uploader reported a failure.
    ExternalClientFailure,
    /// [`LiveView::external_upload`](crate::LiveView::external_upload) refused the entry, with this metadata.
    ExternalMetadataFailure(Value),
    /// The writer failed, with this reason.
    WriterFailure(String),
}

impl UploadError {
    /// The reason as the client reads it in a preflight reply.
    pub fn reason(&self) -> Value {
        match self {
            UploadError::TooLarge => "too_large".into(),
            UploadError::TooManyFiles => "too_many_files".into(),
            UploadError::NotAccepted => "not_accepted".into(),
            UploadError::ExternalClientFailure => "external_client_failure".into(),
            UploadError::ExternalMetadataFailure(meta) => meta.clone(),
            UploadError::WriterFailure(_) => "writer_failure".into(),
        }
    }
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadError::TooLarge => f.write_str("too large"),
            UploadError::TooManyFiles => f.write_str("too many files"),
            UploadError::NotAccepted => f.write_str("not an accepted file type"),
            UploadError::ExternalClientFailure => f.write_str("the upload failed"),
            UploadError::ExternalMetadataFailure(m) => write!(f, "the upload was refused: {m}"),
            UploadError::WriterFailure(why) => write!(f, "writing the file failed: {why}"),
        }
    }
}

/// A consumed entry: the entry, and what its writer reported (the default
/// temporary-file writer reports `{"path": …}`; an external upload, the
/// metadata the view gave).
#[derive(Clone, Debug, PartialEq)]
pub struct Uploaded {
    /// The entry as it was when consumed.
    pub entry: UploadEntry,
    /// The writer's (or external) metadata.
    pub meta: Value,
}

impl Uploads {
    /// No uploads.
    pub fn new() -> Uploads {
        Uploads::default()
    }

    /// Allows the upload `name` (Phoenix's `allow_upload`), replacing its
    /// config if it was allowed before.
    ///
    /// # Panics
    ///
    /// When `name` is allowed already and has entries (Phoenix raises too:
    /// cancel or consume them first).
    pub fn allow(&mut self, name: impl Into<String>, config: UploadConfig) -> &mut Upload {
        let name = name.into();
        let i = match self.list.iter().position(|u| u.name == name) {
            Some(i) => {
                let u = &mut self.list[i];
                assert!(
                    u.entries.is_empty(),
                    "allow: the upload {name:?} has entries; cancel or consume them before allowing it again"
                );
                u.config = config;
                u.errors.clear();
                i
            }
            None => {
                self.list.push(Upload {
                    name,
                    upload_ref: String::new(),
                    config,
                    entries: Vec::new(),
                    errors: Vec::new(),
                    consumed: 0,
                });
                self.list.len() - 1
            }
        };
        &mut self.list[i]
    }

    /// Removes the upload `name` (Phoenix's `disallow_upload`); its
    /// entries' uploads end. Returns whether it was allowed.
    pub fn disallow(&mut self, name: &str) -> bool {
        let Some(i) = self.list.iter().position(|u| u.name == name) else {
            return false;
        };
        let u = self.list.remove(i);
        for e in &u.entries {
            self.ended.push(Ended {
                upload_ref: u.upload_ref.clone(),
                entry_ref: e.entry_ref.clone(),
                consumed: false,
            });
        }
        true
    }

    /// The upload `name`, if allowed.
    pub fn get(&self, name: &str) -> Option<&Upload> {
        self.list.iter().find(|u| u.name == name)
    }

    /// Every allowed upload, in the order allowed.
    pub fn iter(&self) -> impl Iterator<Item = &Upload> {
        self.list.iter()
    }

    /// Cancels the entry `entry_ref` of `name` (Phoenix's `cancel_upload`):
    /// it leaves the upload, and its upload ends (what was written is
    /// removed). Returns the entry; `None` when there is no such entry (a
    /// stale click: nothing happens).
    pub fn cancel(&mut self, name: &str, entry_ref: &str) -> Option<UploadEntry> {
        let u = self.list.iter_mut().find(|u| u.name == name)?;
        let entry = u.remove_entry(entry_ref)?;
        self.ended.push(Ended {
            upload_ref: u.upload_ref.clone(),
            entry_ref: entry.entry_ref.clone(),
            consumed: false,
        });
        Some(entry)
    }

    /// Takes the done entries of `name` out of the upload (Phoenix's
    /// `consume_uploaded_entries`), with what their writers reported.
    /// Entries still uploading stay. A temporary file the default writer
    /// made is the app's from now on: move or copy it (in a task); what is
    /// still at its path when the view ends is removed.
    pub fn consume_done(&mut self, name: &str) -> Vec<Uploaded> {
        let Some(u) = self.list.iter_mut().find(|u| u.name == name) else {
            return Vec::new();
        };
        let refs: Vec<String> = u
            .entries
            .iter()
            .filter(|e| e.done)
            .map(|e| e.entry_ref.clone())
            .collect();
        refs.iter()
            .filter_map(|r| Self::consume_in(u, &mut self.ended, r))
            .collect()
    }

    /// Takes one done entry out of its upload (Phoenix's
    /// `consume_uploaded_entry`); `None` when it is not done (or not there).
    pub fn consume(&mut self, name: &str, entry_ref: &str) -> Option<Uploaded> {
        let u = self.list.iter_mut().find(|u| u.name == name)?;
        if !u.entry(entry_ref)?.done {
            return None;
        }
        Self::consume_in(u, &mut self.ended, entry_ref)
    }

    fn consume_in(u: &mut Upload, ended: &mut Vec<Ended>, entry_ref: &str) -> Option<Uploaded> {
        u.entry(entry_ref)?;
        // Counted before the removal rechecks `TooManyFiles`, which in total
        // mode counts the consumed entries.
        u.consumed += 1;
        let entry = u.remove_entry(entry_ref)?;
        ended.push(Ended {
            upload_ref: u.upload_ref.clone(),
            entry_ref: entry.entry_ref.clone(),
            consumed: true,
        });
        let meta = entry.meta.clone();
        Some(Uploaded { entry, meta })
    }

    /// The entries of `name` that are done and those still uploading
    /// (Phoenix's `uploaded_entries`).
    pub fn uploaded_entries(&self, name: &str) -> (Vec<&UploadEntry>, Vec<&UploadEntry>) {
        self.get(name)
            .map(|u| u.entries.iter().partition(|e| e.done))
            .unwrap_or_default()
    }

    pub(crate) fn by_ref_mut(&mut self, upload_ref: &str) -> Option<&mut Upload> {
        self.list.iter_mut().find(|u| u.upload_ref == upload_ref)
    }

    /// Gives every upload without a ref one, from `next` (the driver's
    /// unique ref source).
    pub(crate) fn bind_refs(&mut self, mut next: impl FnMut(&str) -> String) {
        for u in &mut self.list {
            if u.upload_ref.is_empty() {
                u.upload_ref = next(&u.name);
            }
        }
    }

    /// The entries handlers took out since the last call.
    pub(crate) fn take_ended(&mut self) -> Vec<Ended> {
        std::mem::take(&mut self.ended)
    }
}

impl std::ops::Index<&str> for Uploads {
    type Output = Upload;

    /// The upload `name`.
    ///
    /// # Panics
    ///
    /// When it is not allowed.
    fn index(&self, name: &str) -> &Upload {
        self.get(name)
            .unwrap_or_else(|| panic!("no upload {name:?} is allowed (Uploads::allow)"))
    }
}

impl Upload {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its ref: the input's id, and what `phx-drop-target` names.
    pub fn upload_ref(&self) -> &str {
        &self.upload_ref
    }

    /// Its config.
    pub fn config(&self) -> &UploadConfig {
        &self.config
    }

    /// Its entries, in the order selected.
    pub fn entries(&self) -> &[UploadEntry] {
        &self.entries
    }

    /// The entry `entry_ref`.
    pub fn entry(&self, entry_ref: &str) -> Option<&UploadEntry> {
        self.entries.iter().find(|e| e.entry_ref == entry_ref)
    }

    /// The upload-wide errors (Phoenix's `upload_errors/1`): `TooManyFiles`.
    pub fn errors(&self) -> Vec<&UploadError> {
        self.errors_of(&self.upload_ref)
    }

    /// The errors of one entry (Phoenix's `upload_errors/2`).
    pub fn entry_errors(&self, entry: &UploadEntry) -> Vec<&UploadError> {
        self.errors_of(&entry.entry_ref)
    }

    fn errors_of(&self, r: &str) -> Vec<&UploadError> {
        self.errors
            .iter()
            .filter(|(k, _)| k == r)
            .map(|(_, e)| e)
            .collect()
    }

    /// Whether any error (upload-wide or of an entry) is set.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Entries consumed so far.
    pub fn consumed_count(&self) -> usize {
        self.consumed
    }
}
