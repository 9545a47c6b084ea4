//! `/upload`: file uploads. Any file type, up to 100 MB each and 10 at a
//! time; each uploads as soon as it is selected, in 64 000-byte chunks,
//! with its progress shown. A complete file is consumed at once: the page
//! lists its name and size.
//!
//! The server writes each file to a temporary file
//! ([`liveview_warp::TempFileWriter`]); a consumed one stays at its path
//! until the view ends. A real app would move it somewhere in a task (see
//! [`Uploads::consume_done`]); this one only shows that it arrived.

use liveview_core::upload::{live_file_input, UploadConfig, UploadEntry, Uploads};
use liveview_core::{html, Context, LiveView, Mount, Rendered, Update};
use serde::Deserialize;

/// The largest file the page takes.
pub const MAX_FILE_SIZE: u64 = 100_000_000;

/// The state: the upload, and the files received so far.
#[derive(Debug)]
pub struct Upload {
    uploads: Uploads,
    /// (name, bytes) of each consumed file, in the order they completed.
    received: Vec<(String, u64)>,
}

/// The form's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Files were selected (the form's `phx-change`).
    Validate,
    /// The form was submitted (nothing to do: files are consumed when done).
    Save,
    /// Cancels an entry.
    Cancel {
        /// The entry's ref.
        r#ref: String,
    },
}

impl LiveView for Upload {
    type Event = Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut uploads = Uploads::new();
        uploads.allow(
            "files",
            UploadConfig::any()
                .max_file_size(MAX_FILE_SIZE)
                .max_entries(10)
                .auto_upload(),
        );
        let view = Upload {
            uploads,
            received: vec![],
        };
        (view, vec![])
    }

    fn uploads(&mut self) -> Option<&mut Uploads> {
        Some(&mut self.uploads)
    }

    fn handle_event(mut self, event: Event) -> Update<Self> {
        match event {
            Event::Validate | Event::Save => {}
            Event::Cancel { r#ref } => {
                self.uploads.cancel("files", &r#ref);
            }
        }
        (self, vec![])
    }

    fn handle_progress(mut self, name: &str, entry: &UploadEntry, _: &Context) -> Update<Self> {
        if entry.done {
            if let Some(done) = self.uploads.consume(name, &entry.entry_ref) {
                // Every announced byte was written before the entry was done.
                let e = done.entry;
                self.received.push((e.client_name, e.client_size));
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let files = &self.uploads["files"];
        html!(
            r#"<h1>Upload</h1>
<form id="upload-form" phx-change="validate" phx-submit="save">{live_file_input(files)}</form>
<ul id="entries">{#for e in files.entries()}<li id="entry-{e.entry_ref}">{e.client_name} <progress value="{e.progress}" max="100">{e.progress}%</progress> {e.progress}%{#for err in files.entry_errors(e)} <span class="error">{err.to_string()}</span>{/for} <button type="button" phx-click="cancel" phx-value-ref="{e.entry_ref}">cancel</button></li>{/for}</ul>
{#for err in files.errors()}<p class="error">{err.to_string()}</p>{/for}
<ul id="received">{#for (name, size) in &self.received}<li>{name}: {size} bytes</li>{/for}</ul>"#
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_takes_any_file_and_uploads_at_once() {
        let (mut view, _) = Upload::mount(&Mount::default());
        let upload = view.uploads().unwrap().get("files").unwrap();
        assert_eq!(upload.config().max_file_size_bytes(), MAX_FILE_SIZE);
        assert_eq!(upload.config().chunk_size_bytes(), 64_000);
        let html = view.render().to_html();
        assert!(html.contains(r#"type="file" name="files""#), "{html}");
        assert!(!html.contains("accept="), "any type: {html}");
        assert!(html.contains("data-phx-auto-upload"), "{html}");
    }
}
