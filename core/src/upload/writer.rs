//! Upload writers: where an adapter puts an entry's chunks
//! ([`SocketOutput::UploadWrite`](crate::protocol::SocketOutput::UploadWrite)).
//!
//! The core writes nothing. An adapter opens a writer per uploading entry
//! and feeds it the chunks in order: by default its own (the warp server
//! writes a temporary file, the test harness keeps the bytes in memory), or
//! one the app registered by name ([`UploadWriters`]) and an upload chose
//! with [`UploadConfig::writer`](super::UploadConfig::writer): stream to
//! object storage, hash on the way, refuse bad content early. A writer's
//! error becomes the entry's error ([`UploadError::WriterFailure`](super::UploadError::WriterFailure)).
//!
//! ```
//! use liveview_core::upload::{UploadWriter, UploadWriters, WriterFuture};
//! use serde_json::{json, Value};
//!
//! /// Counts bytes and keeps none.
//! struct Count(u64);
//!
//! impl UploadWriter for Count {
//!     fn write_chunk<'a>(&'a mut self, chunk: &'a [u8]) -> WriterFuture<'a, ()> {
//!         Box::pin(async move {
//!             if chunk.starts_with(b"%PDF") || self.0 > 0 {
//!                 self.0 += chunk.len() as u64;
//!                 Ok(())
//!             } else {
//!                 Err("not a PDF".into())
//!             }
//!         })
//!     }
//!     fn close(&mut self, _done: bool) -> WriterFuture<'_, Value> {
//!         let n = self.0;
//!         Box::pin(async move { Ok(json!({ "bytes": n })) })
//!     }
//! }
//!
//! let writers = UploadWriters::new().writer("count", |_start| Ok(Box::new(Count(0)) as _));
//! assert!(writers.get("count").is_some());
//! ```

use crate::protocol::UploadStart;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed future a writer returns; `Err` is the reason shown on the entry.
pub type WriterFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// Where an entry's bytes go, one chunk at a time, in order. An adapter
/// awaits each call before the next, and never calls it from two tasks at
/// once.
pub trait UploadWriter: Send + 'static {
    /// Writes the next chunk.
    fn write_chunk<'a>(&'a mut self, chunk: &'a [u8]) -> WriterFuture<'a, ()>;

    /// Closes the writer. `done`: every byte was written; return what the
    /// view reads in [`Uploaded::meta`](super::Uploaded::meta). Otherwise
    /// the upload was abandoned: remove what was written (the result is
    /// ignored).
    fn close(&mut self, done: bool) -> WriterFuture<'_, Value>;

    /// A complete file is no longer wanted (its entry was cancelled, or
    /// consumed and its view ended): remove whatever of it is still where
    /// the writer put it. Nothing by default.
    fn discard(&mut self) -> WriterFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// Makes a writer for an upload that is starting; `Err` refuses it (the
/// entry shows the reason).
pub type WriterFactory =
    Arc<dyn Fn(&UploadStart) -> Result<Box<dyn UploadWriter>, String> + Send + Sync>;

/// The app's writers, by name ([`UploadConfig::writer`](super::UploadConfig::writer)).
#[derive(Clone, Default)]
pub struct UploadWriters {
    by_name: HashMap<String, WriterFactory>,
}

impl UploadWriters {
    /// No writers: every upload uses the adapter's default.
    pub fn new() -> UploadWriters {
        UploadWriters::default()
    }

    /// Registers `make` under `name`.
    pub fn writer<F>(mut self, name: impl Into<String>, make: F) -> UploadWriters
    where
        F: Fn(&UploadStart) -> Result<Box<dyn UploadWriter>, String> + Send + Sync + 'static,
    {
        self.by_name.insert(name.into(), Arc::new(make));
        self
    }

    /// The factory registered under `name`.
    pub fn get(&self, name: &str) -> Option<&WriterFactory> {
        self.by_name.get(name)
    }

    /// Opens the writer an upload asks for: the named one, or `default`
    /// when it names none. An unknown name is an error (the entry shows it).
    pub fn open(
        &self,
        start: &UploadStart,
        default: impl FnOnce(&UploadStart) -> Result<Box<dyn UploadWriter>, String>,
    ) -> Result<Box<dyn UploadWriter>, String> {
        match &start.writer {
            None => default(start),
            Some(name) => match self.by_name.get(name) {
                Some(make) => make(start),
                None => Err(format!("no upload writer is registered as {name:?}")),
            },
        }
    }
}

impl fmt::Debug for UploadWriters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.by_name.keys().collect();
        names.sort();
        f.debug_struct("UploadWriters")
            .field("names", &names)
            .finish()
    }
}
