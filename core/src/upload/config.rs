//! What an upload accepts and how it is sent ([`UploadConfig`]).

use serde_json::{json, Value};
use std::time::Duration;

/// The default [`UploadConfig::max_entries`] (Phoenix's).
pub const DEFAULT_MAX_ENTRIES: usize = 1;
/// The default [`UploadConfig::max_file_size`]: 8 MB (Phoenix's).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 8_000_000;
/// The default [`UploadConfig::chunk_size`]: 64 kB (Phoenix's).
pub const DEFAULT_CHUNK_SIZE: u64 = 64_000;
/// The default [`UploadConfig::chunk_timeout`]: 10 s (Phoenix's).
pub const DEFAULT_CHUNK_TIMEOUT: Duration = Duration::from_secs(10);

/// How [`UploadConfig::max_entries`] counts (Phoenix's `max_entries_mode`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum MaxEntriesMode {
    /// The entries selected at once (the default).
    #[default]
    Selected,
    /// Every entry of the upload's life: consumed ones count too.
    Total,
}

/// The options of an upload (Phoenix's `allow_upload/3` options), built
/// from what it accepts:
///
/// ```
/// use liveview_core::upload::UploadConfig;
/// use std::time::Duration;
/// let avatar = UploadConfig::accept([".jpg", ".png", "image/webp"])
///     .max_entries(2)
///     .max_file_size(5_000_000)
///     .auto_upload();
/// assert_eq!(avatar.accept_attr(), Some(".jpg,.png,image/webp"));
/// let any = UploadConfig::any().chunk_size(1 << 20).chunk_timeout(Duration::from_secs(30));
/// assert_eq!(any.accept_attr(), None);
/// ```
///
/// An extension (`.pdf`) accepts a file by its name's extension or by the
/// MIME type of that extension; a MIME type (`text/csv`, or `image/*`,
/// `audio/*`, `video/*`) accepts a file by the type the browser reports.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadConfig {
    /// `None`: any file.
    pub(crate) accept: Option<Accept>,
    pub(crate) max_entries: usize,
    pub(crate) mode: MaxEntriesMode,
    pub(crate) max_file_size: u64,
    pub(crate) chunk_size: u64,
    pub(crate) chunk_timeout: Duration,
    pub(crate) auto_upload: bool,
    pub(crate) external: bool,
    pub(crate) writer: Option<String>,
}

/// A checked accept list.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Accept {
    /// As given, joined with commas (the input's `accept` attribute).
    pub(crate) attr: String,
    /// Lowercase extensions with their dot.
    pub(crate) exts: Vec<String>,
    /// MIME types (of the extensions, and those given).
    pub(crate) types: Vec<String>,
}

impl UploadConfig {
    /// An upload of the files matching `specifiers`: extensions with their
    /// dot (`.pdf`, case-insensitive) and MIME types (`text/csv`, `image/*`).
    ///
    /// # Panics
    ///
    /// On an empty list, an extension without a known MIME type, or a MIME
    /// type that is not known (as Phoenix raises): a programming error,
    /// found the first time the view mounts.
    pub fn accept<S: AsRef<str>>(specifiers: impl IntoIterator<Item = S>) -> UploadConfig {
        let mut accept = Accept {
            attr: String::new(),
            exts: Vec::new(),
            types: Vec::new(),
        };
        for s in specifiers {
            let s = s.as_ref();
            if !accept.attr.is_empty() {
                accept.attr.push(',');
            }
            accept.attr.push_str(s);
            if let Some(ext) = s.strip_prefix('.') {
                let Some(mime) = mime_guess::from_ext(ext).first() else {
                    panic!("UploadConfig::accept: the extension {s:?} has no known MIME type");
                };
                accept.exts.push(s.to_ascii_lowercase());
                accept.types.push(mime.essence_str().to_owned());
            } else if matches!(s, "image/*" | "audio/*" | "video/*") || known_mime(s) {
                accept.types.push(s.to_owned());
            } else {
                panic!(
                    "UploadConfig::accept: {s:?} is neither an extension with its dot \
                     (\".pdf\") nor a known MIME type (\"text/csv\", \"image/*\")"
                );
            }
        }
        assert!(
            !accept.attr.is_empty(),
            "UploadConfig::accept needs at least one extension or MIME type (UploadConfig::any accepts every file)"
        );
        UploadConfig::with(Some(accept))
    }

    /// An upload of any file (Phoenix's `accept: :any`).
    pub fn any() -> UploadConfig {
        UploadConfig::with(None)
    }

    fn with(accept: Option<Accept>) -> UploadConfig {
        UploadConfig {
            accept,
            max_entries: DEFAULT_MAX_ENTRIES,
            mode: MaxEntriesMode::Selected,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            chunk_size: DEFAULT_CHUNK_SIZE,
            chunk_timeout: DEFAULT_CHUNK_TIMEOUT,
            auto_upload: false,
            external: false,
            writer: None,
        }
    }

    /// How many files may be selected (default 1). At 1, selecting a new
    /// file replaces the one selected.
    ///
    /// # Panics
    ///
    /// When `n` is 0.
    pub fn max_entries(mut self, n: usize) -> UploadConfig {
        assert!(n > 0, "UploadConfig::max_entries must be positive");
        self.max_entries = n;
        self
    }

    /// Counts consumed entries against [`max_entries`](Self::max_entries)
    /// too (Phoenix's `max_entries_mode: :total`).
    pub fn total_max_entries(mut self) -> UploadConfig {
        self.mode = MaxEntriesMode::Total;
        self
    }

    /// The largest file accepted, in bytes (default 8 MB). Larger files get
    /// the entry error `too_large`, and no upload sends more.
    ///
    /// # Panics
    ///
    /// When `bytes` is 0.
    pub fn max_file_size(mut self, bytes: u64) -> UploadConfig {
        assert!(bytes > 0, "UploadConfig::max_file_size must be positive");
        self.max_file_size = bytes;
        self
    }

    /// The size of the chunks the client sends (default 64 kB). A larger
    /// chunk fails the entry's upload.
    ///
    /// # Panics
    ///
    /// When `bytes` is 0.
    pub fn chunk_size(mut self, bytes: u64) -> UploadConfig {
        assert!(bytes > 0, "UploadConfig::chunk_size must be positive");
        self.chunk_size = bytes;
        self
    }

    /// How long an upload may wait for its next chunk (default 10 s);
    /// after that it is abandoned: what was written is removed and the
    /// entry dropped.
    pub fn chunk_timeout(mut self, timeout: Duration) -> UploadConfig {
        self.chunk_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Uploads files as soon as they are selected, rather than on the
    /// form's submit.
    pub fn auto_upload(mut self) -> UploadConfig {
        self.auto_upload = true;
        self
    }

    /// Uploads go to another service: the client's uploader gets the
    /// metadata [`LiveView::external_upload`](crate::LiveView::external_upload)
    /// returns for each entry instead of a channel to this server.
    pub fn external(mut self) -> UploadConfig {
        self.external = true;
        self
    }

    /// Writes the chunks with the writer the app registered under `name`
    /// (see the adapter's docs) instead of the adapter's default (a
    /// temporary file).
    pub fn writer(mut self, name: impl Into<String>) -> UploadConfig {
        self.writer = Some(name.into());
        self
    }

    /// The input's `accept` attribute; `None` when any file is accepted.
    pub fn accept_attr(&self) -> Option<&str> {
        self.accept.as_ref().map(|a| a.attr.as_str())
    }

    /// The largest file accepted, in bytes.
    pub fn max_file_size_bytes(&self) -> u64 {
        self.max_file_size
    }

    /// The most entries (see [`max_entries`](Self::max_entries)).
    pub fn max_entries_count(&self) -> usize {
        self.max_entries
    }

    /// The chunk size, in bytes.
    pub fn chunk_size_bytes(&self) -> u64 {
        self.chunk_size
    }

    /// How long an upload may wait for its next chunk.
    pub fn chunk_timeout_duration(&self) -> Duration {
        self.chunk_timeout
    }

    /// Whether files upload as soon as they are selected.
    pub fn is_auto_upload(&self) -> bool {
        self.auto_upload
    }

    /// Whether uploads go to another service.
    pub fn is_external(&self) -> bool {
        self.external
    }

    /// The writer's name, if one was chosen.
    pub fn writer_name(&self) -> Option<&str> {
        self.writer.as_deref()
    }

    /// How max entries count.
    pub fn mode(&self) -> MaxEntriesMode {
        self.mode
    }

    /// Whether a file of this name and reported type is accepted.
    pub fn accepts(&self, name: &str, client_type: &str) -> bool {
        let Some(a) = &self.accept else {
            return true;
        };
        let family =
            |f: &str| client_type.starts_with(f) && a.types.iter().any(|t| t == &format!("{f}*"));
        if family("image/") || family("audio/") || family("video/") {
            return true;
        }
        if !client_type.is_empty() && a.types.iter().any(|t| t == client_type) {
            return true;
        }
        match extension(name) {
            Some(ext) => a.exts.contains(&ext),
            None => false,
        }
    }

    /// The `config` the preflight reply gives the client.
    pub(crate) fn client_json(&self) -> Value {
        json!({
            "chunk_size": self.chunk_size,
            "chunk_timeout": self.chunk_timeout.as_millis() as u64,
            "max_entries": self.max_entries,
            "max_file_size": self.max_file_size,
        })
    }
}

/// The lowercase extension of a file name, with its dot.
fn extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let dot = base.rfind('.')?;
    if dot == 0 {
        return None;
    }
    Some(base[dot..].to_ascii_lowercase())
}

/// Whether `mime` is a MIME type some extension has.
fn known_mime(mime: &str) -> bool {
    mime_guess::get_mime_extensions_str(mime).is_some_and(|e| !e.is_empty())
}
