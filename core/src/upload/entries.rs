//! What the protocol does to an upload's entries: the client's selection,
//! the preflight, the upload channel's registration, progress and end.
//! The driver calls these; a view only reads their results.

use super::{
    Ended, Status, Upload, UploadEntry, UploadError, Uploads, MAX_EXTRA_ENTRIES, MAX_NAME_BYTES,
};
use crate::upload::config::MaxEntriesMode;
use serde_json::{Map, Value};
use std::time::Duration;

/// A file the client selected, as it describes it (an entry of a
/// `phx-change` event's `uploads`, or of an `allow_upload` push).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClientEntry {
    /// The client's ref for it.
    pub entry_ref: String,
    /// The file name.
    pub name: String,
    /// `webkitRelativePath`, or empty.
    pub relative_path: String,
    /// The announced size in bytes.
    pub size: u64,
    /// The reported MIME type.
    pub client_type: String,
    /// Last modification, ms since the epoch.
    pub last_modified: Option<u64>,
    /// The file object's `meta()`, if any.
    pub meta: Option<Value>,
}

impl ClientEntry {
    /// Reads one entry; `Err` says what is wrong with it.
    pub fn from_json(v: &Value) -> Result<ClientEntry, String> {
        let o = v.as_object().ok_or("an upload entry must be an object")?;
        let text = |k: &str| -> Result<String, String> {
            match o.get(k) {
                Some(Value::String(s)) => Ok(s.clone()),
                None | Some(Value::Null) => Ok(String::new()),
                Some(_) => Err(format!("upload entry \"{k}\" must be a string")),
            }
        };
        let entry_ref = match o.get("ref") {
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(
                    "upload entry \"ref\" must be a non-empty string of at most 64 bytes".into(),
                )
            }
        };
        let size = o
            .get("size")
            .and_then(Value::as_u64)
            .ok_or("upload entry \"size\" must be a non-negative integer")?;
        let last_modified = o.get("last_modified").and_then(Value::as_u64);
        let mut name = text("name")?;
        truncate(&mut name);
        let mut relative_path = text("relative_path")?;
        truncate(&mut relative_path);
        Ok(ClientEntry {
            entry_ref,
            name,
            relative_path,
            size,
            client_type: text("type")?,
            last_modified,
            meta: o.get("meta").filter(|m| !m.is_null()).cloned(),
        })
    }

    /// Reads a list of entries.
    pub fn list_from_json(v: &Value) -> Result<Vec<ClientEntry>, String> {
        let list = v.as_array().ok_or("upload entries must be an array")?;
        list.iter().map(ClientEntry::from_json).collect()
    }
}

fn truncate(s: &mut String) {
    if s.len() > MAX_NAME_BYTES {
        let mut at = MAX_NAME_BYTES;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
    }
}

/// The preflight's answer for one upload.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Preflight {
    pub(crate) upload_ref: String,
    pub(crate) name: String,
    pub(crate) config: Value,
    pub(crate) external: bool,
    pub(crate) auto_upload: bool,
    /// Entries that may upload: (entry ref, uuid) (channel uploads).
    pub(crate) ok: Vec<(String, String)>,
    /// Entries that may upload, for the view's external metadata.
    pub(crate) external_entries: Vec<UploadEntry>,
    /// Entries that may not, with their reasons.
    pub(crate) errors: Vec<(String, Vec<Value>)>,
}

/// What an upload channel needs to know about its entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Registered {
    /// The upload's name.
    pub name: String,
    /// The entry.
    pub entry: UploadEntry,
    /// The largest chunk accepted.
    pub chunk_size: u64,
    /// How long the channel waits for a chunk.
    pub chunk_timeout: Duration,
    /// The writer the upload chose, if any.
    pub writer: Option<String>,
}

/// The client's progress report.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Progress {
    Percent(u8),
    Error(String),
}

impl Progress {
    pub(crate) fn from_json(v: Option<&Value>) -> Result<Progress, String> {
        match v {
            Some(Value::Number(n)) => match n.as_f64() {
                Some(p) if (0.0..=100.0).contains(&p) => Ok(Progress::Percent(p as u8)),
                _ => Err("\"progress\" must be 0 to 100".into()),
            },
            Some(Value::Object(o)) => match o.get("error") {
                Some(Value::String(s)) => Ok(Progress::Error(s.clone())),
                Some(other) => Ok(Progress::Error(other.to_string())),
                None => Err("\"progress\" must be a number or {\"error\": reason}".into()),
            },
            _ => Err("\"progress\" must be a number or {\"error\": reason}".into()),
        }
    }
}

impl Upload {
    pub(crate) fn entry_mut(&mut self, entry_ref: &str) -> Option<&mut UploadEntry> {
        self.entries.iter_mut().find(|e| e.entry_ref == entry_ref)
    }

    /// Removes an entry and its errors.
    pub(crate) fn remove_entry(&mut self, entry_ref: &str) -> Option<UploadEntry> {
        let i = self.entries.iter().position(|e| e.entry_ref == entry_ref)?;
        let entry = self.entries.remove(i);
        self.errors.retain(|(r, _)| r != entry_ref);
        self.recheck_count();
        Some(entry)
    }

    fn too_many(&self) -> bool {
        let consumed = match self.config.mode {
            MaxEntriesMode::Total => self.consumed,
            MaxEntriesMode::Selected => 0,
        };
        consumed + self.entries.len() > self.config.max_entries
    }

    /// Drops `TooManyFiles` once the count is right again.
    pub(crate) fn recheck_count(&mut self) {
        if !self.too_many() {
            let r = self.upload_ref.clone();
            self.errors
                .retain(|(k, e)| !(k == &r && *e == UploadError::TooManyFiles));
        }
    }

    pub(crate) fn put_error(&mut self, key: &str, error: UploadError) {
        self.errors.retain(|(k, e)| !(k == key && *e == error));
        self.errors.push((key.to_owned(), error));
    }

    fn validate(&self, c: &ClientEntry) -> Option<UploadError> {
        if c.size > self.config.max_file_size {
            Some(UploadError::TooLarge)
        } else if !self.config.accepts(&c.name, &c.client_type) {
            Some(UploadError::NotAccepted)
        } else {
            None
        }
    }
}

impl Uploads {
    /// Adds the client's entries to the upload `upload_ref` (new refs only),
    /// validated. `None`: no such upload (a stale input; ignored, as
    /// Phoenix does). `Err`: the errors an `allow_upload` reply carries
    /// (validation failed and the upload is not auto-uploaded, or too many
    /// files).
    pub(crate) fn put_entries(
        &mut self,
        upload_ref: &str,
        entries: &[ClientEntry],
        mut uuid: impl FnMut() -> String,
    ) -> Option<Result<(), Vec<(String, Value)>>> {
        let i = self.list.iter().position(|u| u.upload_ref == upload_ref)?;
        let u = &mut self.list[i];
        // One entry allowed and one new file chosen: it replaces the old ones.
        if u.config.max_entries == 1 {
            if let [one] = entries {
                if u.entry(&one.entry_ref).is_none() {
                    for old in std::mem::take(&mut u.entries) {
                        u.errors.retain(|(r, _)| *r != old.entry_ref);
                        self.ended.push(Ended {
                            upload_ref: u.upload_ref.clone(),
                            entry_ref: old.entry_ref,
                            consumed: false,
                        });
                    }
                    u.recheck_count();
                }
            }
        }
        let cap = u.config.max_entries.saturating_add(MAX_EXTRA_ENTRIES);
        let mut dropped = false;
        for c in entries {
            if u.entry(&c.entry_ref).is_some() {
                continue;
            }
            if u.entries.len() >= cap {
                dropped = true;
                continue;
            }
            let error = u.validate(c);
            let entry = UploadEntry {
                entry_ref: c.entry_ref.clone(),
                upload_ref: u.upload_ref.clone(),
                upload_name: u.name.clone(),
                uuid: if error.is_none() {
                    uuid()
                } else {
                    String::new()
                },
                client_name: c.name.clone(),
                client_relative_path: c.relative_path.clone(),
                client_size: c.size,
                client_type: c.client_type.clone(),
                client_last_modified: c.last_modified,
                client_meta: c.meta.clone(),
                progress: 0,
                preflighted: false,
                done: false,
                valid: error.is_none(),
                status: if error.is_none() {
                    Status::Unregistered
                } else {
                    Status::Invalid
                },
                meta: Value::Object(Map::new()),
            };
            u.entries.push(entry);
            if let Some(e) = error {
                u.put_error(&c.entry_ref, e);
            }
        }
        let too_many = dropped || u.too_many();
        if too_many {
            let r = u.upload_ref.clone();
            u.put_error(&r, UploadError::TooManyFiles);
        }
        if u.config.auto_upload || (!too_many && u.errors.is_empty()) {
            return Some(Ok(()));
        }
        Some(Err(u
            .errors
            .iter()
            .map(|(r, e)| (r.clone(), e.reason()))
            .collect()))
    }

    /// Marks the entries `refs` preflighted (those within the entry limit)
    /// and says which may upload.
    pub(crate) fn preflight(&mut self, upload_ref: &str, refs: &[String]) -> Option<Preflight> {
        let u = self.by_ref_mut(upload_ref)?;
        let remaining = match u.config.mode {
            MaxEntriesMode::Selected => u.config.max_entries,
            MaxEntriesMode::Total => u.config.max_entries.saturating_sub(u.consumed),
        };
        let mut marked = Vec::new();
        for (i, e) in u.entries.iter_mut().enumerate() {
            if i < remaining && !e.preflighted && refs.contains(&e.entry_ref) {
                e.preflighted = true;
                marked.push(e.entry_ref.clone());
            }
        }
        let mut p = Preflight {
            upload_ref: u.upload_ref.clone(),
            name: u.name.clone(),
            config: u.config.client_json(),
            external: u.config.external,
            auto_upload: u.config.auto_upload,
            ok: Vec::new(),
            external_entries: Vec::new(),
            errors: Vec::new(),
        };
        for r in &marked {
            let e = u.entry(r).expect("marked above");
            if e.valid {
                if p.external {
                    p.external_entries.push(e.clone());
                } else {
                    p.ok.push((r.clone(), e.uuid.clone()));
                }
            } else {
                let reasons = u
                    .entry_errors(e)
                    .into_iter()
                    .map(UploadError::reason)
                    .collect();
                p.errors.push((r.clone(), reasons));
            }
        }
        Some(p)
    }

    /// The client's progress for an entry; returns the entry as it is now
    /// (for `handle_progress`), `None` for an unknown entry.
    pub(crate) fn progress(
        &mut self,
        upload_ref: &str,
        entry_ref: &str,
        progress: &Progress,
    ) -> Option<UploadEntry> {
        let u = self.by_ref_mut(upload_ref)?;
        let external = u.config.external;
        match progress {
            Progress::Percent(p) => {
                let e = u.entry_mut(entry_ref)?;
                // A channel upload is done when its bytes are written, not
                // when the client says so.
                let can_finish = external || e.status == Status::Complete;
                e.progress = if *p >= 100 && !can_finish {
                    99
                } else {
                    (*p).min(100)
                };
                e.done = e.progress == 100;
            }
            Progress::Error(_) => {
                u.entry(entry_ref)?;
                if external {
                    u.put_error(entry_ref, UploadError::ExternalClientFailure);
                }
            }
        }
        u.entry(entry_ref).cloned()
    }

    /// An upload channel asks for the entry (its token named `uuid`).
    pub(crate) fn register(
        &mut self,
        upload_ref: &str,
        entry_ref: &str,
        uuid: &str,
    ) -> Result<Registered, &'static str> {
        let u = self.by_ref_mut(upload_ref).ok_or("disallowed")?;
        let (chunk_size, chunk_timeout, writer, name) = (
            u.config.chunk_size,
            u.config.chunk_timeout,
            u.config.writer.clone(),
            u.name.clone(),
        );
        if u.config.external {
            return Err("disallowed");
        }
        let e = u.entry_mut(entry_ref).ok_or("disallowed")?;
        if e.uuid != uuid {
            return Err("disallowed");
        }
        match e.status {
            Status::Unregistered if e.preflighted => {
                e.status = Status::Registered;
                Ok(Registered {
                    name,
                    entry: e.clone(),
                    chunk_size,
                    chunk_timeout,
                    writer,
                })
            }
            Status::Registered | Status::Complete => Err("already_registered"),
            _ => Err("disallowed"),
        }
    }

    /// Every byte of the entry was written and its writer closed with `meta`.
    pub(crate) fn complete(&mut self, upload_ref: &str, entry_ref: &str, meta: Value) -> bool {
        let Some(e) = self
            .by_ref_mut(upload_ref)
            .and_then(|u| u.entry_mut(entry_ref))
        else {
            return false;
        };
        if e.status != Status::Registered {
            return false;
        }
        e.status = Status::Complete;
        e.meta = meta;
        true
    }

    /// The entry's writer failed: the entry stays, with the error, until
    /// cancelled. Returns it (for `handle_progress`).
    pub(crate) fn fail(
        &mut self,
        upload_ref: &str,
        entry_ref: &str,
        reason: &str,
    ) -> Option<UploadEntry> {
        let u = self.by_ref_mut(upload_ref)?;
        let e = u.entry_mut(entry_ref)?;
        e.status = Status::Failed;
        e.done = false;
        u.put_error(entry_ref, UploadError::WriterFailure(reason.to_owned()));
        u.entry(entry_ref).cloned()
    }

    /// The entry's upload channel ended before the file was complete
    /// (timeout, a refused chunk, the client left): the entry is dropped,
    /// unless its writer failed (its error stays shown). Returns whether
    /// anything changed.
    pub(crate) fn channel_ended(&mut self, upload_ref: &str, entry_ref: &str) -> bool {
        let Some(u) = self.by_ref_mut(upload_ref) else {
            return false;
        };
        match u.entry(entry_ref).map(|e| e.status.clone()) {
            Some(Status::Registered) | Some(Status::Unregistered) => {
                u.remove_entry(entry_ref);
                true
            }
            _ => false,
        }
    }

    /// Sets an external entry's metadata (what its uploader got).
    pub(crate) fn set_external_meta(&mut self, upload_ref: &str, entry_ref: &str, meta: Value) {
        if let Some(e) = self
            .by_ref_mut(upload_ref)
            .and_then(|u| u.entry_mut(entry_ref))
        {
            e.meta = meta;
        }
    }

    /// Records that the view refused an external entry.
    pub(crate) fn refuse_external(&mut self, upload_ref: &str, entry_ref: &str, meta: Value) {
        if let Some(u) = self.by_ref_mut(upload_ref) {
            u.put_error(entry_ref, UploadError::ExternalMetadataFailure(meta));
        }
    }
}
