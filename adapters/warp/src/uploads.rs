//! File uploads on the server: where an entry's chunks are written
//! ([`liveview_core::upload`]).
//!
//! The core writes nothing: each uploading entry leaves the socket machine
//! as [`SocketOutput::UploadOpen`], then one
//! [`UploadWrite`](SocketOutput::UploadWrite) per chunk, then an
//! [`UploadClose`](SocketOutput::UploadClose) and perhaps an
//! [`UploadDiscard`](SocketOutput::UploadDiscard). The socket task carries
//! them out here:
//!
//! * Each upload gets a tokio task of its own that owns the upload's
//!   [`UploadWriter`] and runs its operations in order. Its results come
//!   back to the socket task, which reports them to the machine
//!   ([`SocketMachine::handle_upload`](liveview_core::protocol::SocketMachine::handle_upload))
//!   like any other input. A slow writer (a full disk, a remote store)
//!   therefore delays only its own upload: the socket's views go on.
//! * The writer is the one the app registered under the name the upload
//!   chose ([`Options::upload_writers`](crate::Options::upload_writers),
//!   [`UploadConfig::writer`](liveview_core::upload::UploadConfig::writer)),
//!   or by default a [`TempFileWriter`] in
//!   [`Options::upload_dir`](crate::Options::upload_dir). Opening one (the
//!   app's factory, creating the file) runs on tokio's blocking pool.
//! * Memory: the machine sends the next chunk only after the last one was
//!   reported written (the client waits for that reply before sending more),
//!   so an upload holds at most one chunk, and none while it waits.
//!
//! # When files are removed
//!
//! | what happened | the writer is told | a [`TempFileWriter`]'s file |
//! | --- | --- | --- |
//! | every byte written | `close(true)` | stays: `{"path": …}` is the entry's meta |
//! | cancelled, timed out, refused, writer error, view ended mid-upload | `close(false)` | removed |
//! | a complete entry cancelled, or consumed and its view ended | `discard()` | removed (if still there) |
//! | the socket ends (closed, broken, its machine panicked) | `close(false)` or `discard()` for every upload left | removed |
//!
//! A consumed file is the app's until its view ends: move or copy it (in a
//! task) before then.
//!
//! The socket task does not finish before its uploads' tasks have carried
//! out their last operation (at most [`CLEANUP_TIMEOUT`]; after it they are
//! aborted). Should a task be dropped before its last operation (aborted,
//! the runtime shutting down), a [`TempFileWriter`] removes its file when
//! dropped: a temporary file never outlives the writer that made it, and the
//! writer never outlives its socket. An app's writer that keeps resources
//! should clean up in its own `Drop` for the same reason.

use futures_util::FutureExt;
use liveview_core::protocol::{SocketOutput, UploadIo, UploadStart};
use liveview_core::upload::{UploadWriter, UploadWriters, WriterFuture};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::future::Future;
use std::io::{self, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tracing::Instrument;

/// How long a socket that ends waits for its uploads' writers to close or
/// discard what they hold; after it their tasks are aborted (which drops
/// the writers: a [`TempFileWriter`] then removes its file).
pub const CLEANUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The directory of temporary upload files when
/// [`Options::upload_dir`](crate::Options::upload_dir) is `None`:
/// `liveview-uploads` in [`std::env::temp_dir`].
pub fn default_upload_dir() -> PathBuf {
    std::env::temp_dir().join("liveview-uploads")
}

/// The default upload writer: a new temporary file per entry.
///
/// The file is created in the upload directory (made with mode `0700` when
/// missing) with a random name, `lv-upload-` and 32 hex digits (never
/// anything of the client's file name), with `create_new` (an existing
/// path, a symlink included, is never opened) and mode `0600`. Each chunk
/// is written as it arrives, on tokio's blocking pool. Closed after the
/// last byte, it reports `{"path": "<absolute path>"}`, which the view reads
/// in [`Uploaded::meta`](liveview_core::upload::Uploaded::meta).
///
/// The file is removed when the upload is abandoned (`close(false)`), when
/// it is discarded, and in any case when the writer is dropped: the socket
/// keeps the writer of a complete file until the file is discarded (its
/// entry cancelled, or consumed and its view ended, or the socket ended),
/// so a consumed file stays at its path exactly as long as its view lives.
///
/// ```no_run
/// use liveview_core::upload::UploadWriter;
/// use liveview_warp::uploads::TempFileWriter;
/// # async fn run() -> Result<(), String> {
/// let mut w = TempFileWriter::create(&std::env::temp_dir().join("my-uploads"))
///     .map_err(|e| e.to_string())?;
/// w.write_chunk(b"hello ").await?;
/// w.write_chunk(b"world").await?;
/// let meta = w.close(true).await?;
/// assert_eq!(std::fs::read(meta["path"].as_str().unwrap()).unwrap(), b"hello world");
/// w.discard().await?; // removed
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TempFileWriter {
    path: PathBuf,
    /// `None` once closed (or while a write holds it on the blocking pool).
    file: Option<std::fs::File>,
    /// The file was removed (or never needs removing again).
    removed: bool,
}

impl TempFileWriter {
    /// Creates a new empty file with a random name in `dir`, creating `dir`
    /// (and its parents, mode `0700`) when missing. Blocking: call it where
    /// blocking is fine (the server opens writers on tokio's blocking pool).
    pub fn create(dir: &Path) -> io::Result<TempFileWriter> {
        let dir = std::path::absolute(dir)?;
        if dir.to_str().is_none() {
            // The path is reported as a JSON string.
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the upload directory's path is not UTF-8",
            ));
        }
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir)?;
        let mut random = [0u8; 16];
        crate::server::entropy(&mut random);
        let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let path = dir.join(format!("lv-upload-{name}"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path)?;
        Ok(TempFileWriter {
            path,
            file: Some(file),
            removed: false,
        })
    }

    /// Like [`create`](Self::create), and refuses a directory that is not
    /// private: owned by someone else, or writable by others (in a shared
    /// temporary directory another user may have made it first).
    fn create_private(dir: &Path) -> io::Result<TempFileWriter> {
        let w = TempFileWriter::create(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let dir_meta = std::fs::symlink_metadata(w.path.parent().unwrap_or(dir))?;
            let mine = w.file.as_ref().map(|f| f.metadata()).transpose()?;
            let owner_differs = mine.is_some_and(|m| m.uid() != dir_meta.uid());
            if !dir_meta.is_dir() || owner_differs || dir_meta.mode() & 0o022 != 0 {
                // `w` is dropped: its file is removed.
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "the upload directory is not private to this user (set Options::upload_dir)",
                ));
            }
        }
        Ok(w)
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the file (once; a file already gone is fine).
    async fn remove(&mut self) -> Result<(), String> {
        self.file = None;
        if self.removed {
            return Ok(());
        }
        self.removed = true;
        let path = self.path.clone();
        let removed = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
        match removed {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl UploadWriter for TempFileWriter {
    fn write_chunk<'a>(&'a mut self, chunk: &'a [u8]) -> WriterFuture<'a, ()> {
        Box::pin(async move {
            let mut file = self.file.take().ok_or("the file is closed")?;
            // The blocking pool needs an owned copy; it is freed once written.
            let bytes = chunk.to_vec();
            let (file, written) = tokio::task::spawn_blocking(move || {
                let written = file.write_all(&bytes);
                (file, written)
            })
            .await
            .map_err(|e| e.to_string())?;
            self.file = Some(file);
            written.map_err(|e| e.to_string())
        })
    }

    fn close(&mut self, done: bool) -> WriterFuture<'_, Value> {
        Box::pin(async move {
            if !done {
                self.remove().await?;
                return Ok(Value::Null);
            }
            if self.file.take().is_none() {
                return Err("the file is closed".into());
            }
            let path = self.path.to_str().ok_or("the path is not UTF-8")?;
            Ok(json!({ "path": path }))
        })
    }

    fn discard(&mut self) -> WriterFuture<'_, ()> {
        Box::pin(self.remove())
    }
}

impl Drop for TempFileWriter {
    fn drop(&mut self) {
        if !self.removed {
            self.file = None;
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// What the server opens writers with: the app's writers and where the
/// default one puts its files.
pub(crate) struct Setup {
    writers: UploadWriters,
    /// `None`: [`default_upload_dir`], checked to be private.
    dir: Option<PathBuf>,
}

impl Setup {
    pub(crate) fn of(opts: &crate::Options) -> Arc<Setup> {
        Arc::new(Setup {
            writers: opts.upload_writers.clone(),
            dir: opts.upload_dir.clone(),
        })
    }

    /// The writer `start` asks for. Blocking.
    fn open(&self, start: &UploadStart) -> Result<Box<dyn UploadWriter>, String> {
        self.writers.open(start, |_| {
            let made = match &self.dir {
                Some(dir) => TempFileWriter::create(dir),
                None => TempFileWriter::create_private(&default_upload_dir()),
            };
            match made {
                Ok(w) => Ok(Box::new(w) as Box<dyn UploadWriter>),
                Err(e) => {
                    tracing::error!(error = %e, "could not create an upload's temporary file");
                    Err(format!("could not create the file: {e}"))
                }
            }
        })
    }
}

/// An operation for an upload's writer, in the order the machine asked.
enum Op {
    Write(Vec<u8>),
    Close(bool),
    Discard,
}

/// A writer's result for the machine.
pub(crate) type Report = (u64, UploadIo);

/// The uploads of one socket: a task per upload, each owning its writer.
/// Dropping this aborts every task still running (their writers are
/// dropped); [`finish`](Self::finish) lets them end properly first.
pub(crate) struct RunningUploads {
    reports_tx: mpsc::UnboundedSender<Report>,
    reports_rx: mpsc::UnboundedReceiver<Report>,
    /// The operations of each upload whose writer may still be asked for more.
    ops: HashMap<u64, mpsc::UnboundedSender<Op>>,
    tasks: JoinSet<()>,
}

impl RunningUploads {
    pub(crate) fn new() -> RunningUploads {
        let (reports_tx, reports_rx) = mpsc::unbounded_channel();
        RunningUploads {
            reports_tx,
            reports_rx,
            ops: HashMap::new(),
            tasks: JoinSet::new(),
        }
    }

    /// Carries out an upload output of the machine; `false` for any other output.
    pub(crate) fn carry_out(&mut self, setup: &Arc<Setup>, o: SocketOutput) -> bool {
        // Tasks that ended are not kept.
        while let Some(ended) = self.tasks.try_join_next() {
            if let Err(e) = ended {
                tracing::error!(error = %e, "an upload's task failed");
            }
        }
        match o {
            SocketOutput::UploadOpen(start) => self.open(setup, start),
            SocketOutput::UploadWrite { id, bytes } => self.send(id, Op::Write(bytes)),
            SocketOutput::UploadClose { id, done: true } => self.send(id, Op::Close(true)),
            // The machine asks nothing more of an abandoned or discarded upload.
            SocketOutput::UploadClose { id, done: false } => {
                if let Some(tx) = self.ops.remove(&id) {
                    let _ = tx.send(Op::Close(false));
                }
            }
            SocketOutput::UploadDiscard { id } => {
                if let Some(tx) = self.ops.remove(&id) {
                    let _ = tx.send(Op::Discard);
                }
            }
            _ => return false,
        }
        true
    }

    fn send(&mut self, id: u64, op: Op) {
        if let Some(tx) = self.ops.get(&id) {
            // A task that ended (its writer did not open) takes nothing more.
            let _ = tx.send(op);
        }
    }

    fn open(&mut self, setup: &Arc<Setup>, start: Box<UploadStart>) {
        let id = start.id;
        tracing::debug!(
            id,
            view = start.view,
            upload = start.name.as_str(),
            writer = start.writer.as_deref(),
            "upload started"
        );
        let (tx, rx) = mpsc::unbounded_channel();
        self.ops.insert(id, tx);
        let task = run(setup.clone(), start, rx, self.reports_tx.clone());
        self.tasks.spawn(task.instrument(tracing::Span::current()));
    }

    /// The next writer result, if one is ready.
    pub(crate) fn poll_report(&mut self, cx: &mut Context<'_>) -> Poll<Report> {
        match self.reports_rx.poll_recv(cx) {
            Poll::Ready(Some(report)) => Poll::Ready(report),
            // The sender half lives in `self`: the channel never closes.
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }

    /// The socket ended: every upload's task carries out what it was asked,
    /// then closes (abandons) an upload still going and discards a complete
    /// file; waits for them, at most `limit`, then aborts the rest.
    pub(crate) async fn finish(mut self, limit: Duration) {
        self.ops.clear();
        let all = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(limit, all).await.is_err() {
            tracing::warn!(
                left = self.tasks.len(),
                "upload writers did not finish within {limit:?}; aborting them"
            );
            // Dropping the set aborts them.
        }
    }
}

/// Where an upload's writer is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Taking chunks (or it failed): abandoned if nothing else is asked.
    Open,
    /// Closed after the last byte: its file is kept until discarded.
    Complete,
    /// Closed for good or discarded: nothing left to do.
    Ended,
}

/// One upload's task: opens its writer, runs its operations in order,
/// reports each result, and when its operations end (the socket ended)
/// without a last one, abandons or discards what the writer holds.
async fn run(
    setup: Arc<Setup>,
    start: Box<UploadStart>,
    mut ops: mpsc::UnboundedReceiver<Op>,
    reports: mpsc::UnboundedSender<Report>,
) {
    let id = start.id;
    let opened = tokio::task::spawn_blocking(move || setup.open(&start)).await;
    let mut writer = match opened {
        Ok(Ok(w)) => w,
        Ok(Err(why)) => {
            tracing::info!(id, error = why.as_str(), "upload writer did not open");
            let _ = reports.send((id, UploadIo::Opened(Err(why))));
            return;
        }
        Err(e) => {
            tracing::error!(id, error = %e, "upload writer's factory panicked");
            let why = "the upload writer failed to open".to_string();
            let _ = reports.send((id, UploadIo::Opened(Err(why))));
            return;
        }
    };
    let _ = reports.send((id, UploadIo::Opened(Ok(()))));
    let mut state = State::Open;
    while let Some(op) = ops.recv().await {
        match op {
            Op::Write(bytes) => {
                let written = guarded(writer.write_chunk(&bytes)).await;
                drop(bytes);
                if let Err(why) = &written {
                    tracing::info!(id, error = why.as_str(), "upload write failed");
                }
                let _ = reports.send((id, UploadIo::Written(written)));
            }
            Op::Close(true) => {
                let closed = guarded(writer.close(true)).await;
                if closed.is_ok() {
                    state = State::Complete;
                } else if let Err(why) = &closed {
                    tracing::info!(id, error = why.as_str(), "upload writer failed to close");
                }
                let _ = reports.send((id, UploadIo::Closed(closed)));
            }
            Op::Close(false) => {
                if let Err(why) = guarded(writer.close(false)).await {
                    tracing::warn!(id, error = why.as_str(), "abandoning an upload failed");
                }
                state = State::Ended;
                break;
            }
            Op::Discard => {
                if let Err(why) = guarded(writer.discard()).await {
                    tracing::warn!(id, error = why.as_str(), "discarding an upload failed");
                }
                state = State::Ended;
                break;
            }
        }
    }
    // The socket ended without a last word for this upload (its machine
    // panicked, or the task is being finished): clean up as it would have.
    let last = match state {
        State::Open => guarded(writer.close(false)).await.map(|_| ()),
        State::Complete => guarded(writer.discard()).await,
        State::Ended => Ok(()),
    };
    if let Err(why) = last {
        tracing::warn!(id, error = why.as_str(), "cleaning up an upload failed");
    }
    tracing::debug!(id, "upload ended");
}

/// A writer's future, a panic in it turned into an error.
async fn guarded<T>(f: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    match AssertUnwindSafe(f).catch_unwind().await {
        Ok(r) => r,
        Err(panic) => {
            let what = liveview_core::view::panic_message(panic.as_ref()).unwrap_or("a panic");
            tracing::error!(panic = what, "upload writer panicked");
            Err("the upload writer failed".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let mut r = [0u8; 8];
        crate::server::entropy(&mut r);
        std::env::temp_dir().join(format!(
            "lv-uploads-unit-{name}-{:x}",
            u64::from_le_bytes(r)
        ))
    }

    fn files(d: &Path) -> usize {
        std::fs::read_dir(d).map(|r| r.count()).unwrap_or(0)
    }

    #[tokio::test]
    async fn a_temp_file_is_written_kept_when_done_and_removed_when_discarded() {
        let d = dir("done");
        let mut w = TempFileWriter::create(&d).unwrap();
        let name = w.path().file_name().unwrap().to_str().unwrap().to_owned();
        assert!(name.starts_with("lv-upload-") && name.len() == "lv-upload-".len() + 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&d), 0o700);
            assert_eq!(mode(w.path()), 0o600);
        }
        w.write_chunk(b"hello").await.unwrap();
        w.write_chunk(b" world").await.unwrap();
        let meta = w.close(true).await.unwrap();
        let path = PathBuf::from(meta["path"].as_str().unwrap());
        assert!(path.is_absolute());
        assert_eq!(std::fs::read(&path).unwrap(), b"hello world");
        w.discard().await.unwrap();
        assert!(!path.exists());
        drop(w);
        std::fs::remove_dir(&d).unwrap();
    }

    #[tokio::test]
    async fn an_abandoned_or_dropped_temp_file_is_removed() {
        let d = dir("gone");
        let mut w = TempFileWriter::create(&d).unwrap();
        w.write_chunk(b"part").await.unwrap();
        w.close(false).await.unwrap();
        assert_eq!(files(&d), 0);
        let mut w = TempFileWriter::create(&d).unwrap();
        w.write_chunk(b"part").await.unwrap();
        w.close(true).await.unwrap();
        assert_eq!(files(&d), 1, "complete: kept while the writer lives");
        drop(w);
        assert_eq!(files(&d), 0, "dropped: removed");
        std::fs::remove_dir(&d).unwrap();
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_shared_default_directory_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("shared");
        std::fs::create_dir(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = TempFileWriter::create_private(&d).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(files(&d), 0, "the file made to check is removed");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
        drop(TempFileWriter::create_private(&d).unwrap());
        std::fs::remove_dir(&d).unwrap();
    }
}
