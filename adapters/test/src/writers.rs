//! Where a page's uploads are written: the harness carries out the socket
//! machine's upload outputs
//! ([`SocketOutput::UploadOpen`](liveview_core::protocol::SocketOutput::UploadOpen),
//! `UploadWrite`, `UploadClose`, `UploadDiscard`) at once, in order, and
//! reports each result back with
//! [`SocketMachine::handle_upload`](liveview_core::protocol::SocketMachine::handle_upload)
//! before it reads the next output.
//!
//! An upload that names no writer goes to the harness's memory writer: the
//! bytes stay in the page, readable by the test
//! ([`LiveViewTest::uploaded_files`](crate::LiveViewTest::uploaded_files)),
//! until the upload is abandoned (`close(false)`) or its file discarded.
//! An upload that names one ([`UploadConfig::writer`](liveview_core::upload::UploadConfig::writer))
//! goes to the app's writer of that name
//! ([`TestApp::with_upload_writers`](crate::TestApp::with_upload_writers)),
//! whose futures are polled to completion on the test's thread.

use liveview_core::protocol::UploadStart;
use liveview_core::upload::{UploadWriter, UploadWriters, WriterFuture};
use liveview_core::view::panic_message;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long (in real time) the harness waits for one call of an app's
/// writer before it reports the call failed: a writer future that needs
/// an async runtime's reactor (tokio IO, timers) never completes here.
pub const WRITER_WAIT: Duration = Duration::from_secs(10);

/// A file the harness's memory writer holds (see
/// [`LiveViewTest::uploaded_files`](crate::LiveViewTest::uploaded_files)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadedFile {
    /// The upload's id on the page's socket.
    pub id: u64,
    /// What the writer reports as the file's `"path"` when it is complete
    /// (`memory:<id>`): the [`Uploaded::meta`](liveview_core::upload::Uploaded::meta)
    /// a view consumes.
    pub path: String,
    /// The name of the upload (`allow`'s name).
    pub upload: String,
    /// The entry's ref.
    pub entry_ref: String,
    /// The file name the client gave.
    pub client_name: String,
    /// The bytes written so far.
    pub bytes: Vec<u8>,
    /// Every byte arrived and the writer closed.
    pub complete: bool,
}

/// The memory writer's files, shared by the page and its writers.
type Store = Arc<Mutex<BTreeMap<u64, UploadedFile>>>;

fn lock(store: &Store) -> MutexGuard<'_, BTreeMap<u64, UploadedFile>> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// The default writer of the harness: the bytes in memory.
struct MemoryWriter {
    id: u64,
    store: Store,
}

impl UploadWriter for MemoryWriter {
    fn write_chunk<'a>(&'a mut self, chunk: &'a [u8]) -> WriterFuture<'a, ()> {
        let written = match lock(&self.store).get_mut(&self.id) {
            Some(f) => {
                f.bytes.extend_from_slice(chunk);
                Ok(())
            }
            None => Err("the memory file is gone".to_owned()),
        };
        Box::pin(async move { written })
    }

    fn close(&mut self, done: bool) -> WriterFuture<'_, Value> {
        let mut files = lock(&self.store);
        let meta = if done {
            match files.get_mut(&self.id) {
                Some(f) => {
                    f.complete = true;
                    Ok(json!({ "path": f.path }))
                }
                None => Err("the memory file is gone".to_owned()),
            }
        } else {
            files.remove(&self.id);
            Ok(Value::Null)
        };
        Box::pin(async move { meta })
    }

    fn discard(&mut self) -> WriterFuture<'_, ()> {
        lock(&self.store).remove(&self.id);
        Box::pin(async { Ok(()) })
    }
}

/// One page's writers: those open, those whose file is complete (kept for
/// a later discard), and the memory writer's files.
#[derive(Default)]
pub(crate) struct PageWriters {
    /// By upload id.
    held: BTreeMap<u64, Box<dyn UploadWriter>>,
    memory: Store,
}

impl PageWriters {
    /// Opens the writer `start` asks for: the app's writer it names, or
    /// the memory writer.
    pub(crate) fn open(&mut self, app: &UploadWriters, start: &UploadStart) -> Result<(), String> {
        let memory = &self.memory;
        let opened = catch_unwind(AssertUnwindSafe(|| {
            app.open(start, |s| {
                let path = format!("memory:{}", s.id);
                lock(memory).insert(
                    s.id,
                    UploadedFile {
                        id: s.id,
                        path,
                        upload: s.name.clone(),
                        entry_ref: s.entry.entry_ref.clone(),
                        client_name: s.entry.client_name.clone(),
                        bytes: Vec::new(),
                        complete: false,
                    },
                );
                Ok(Box::new(MemoryWriter {
                    id: s.id,
                    store: Arc::clone(memory),
                }) as Box<dyn UploadWriter>)
            })
        }))
        .unwrap_or_else(|panic| Err(panicked(panic.as_ref())));
        let writer = opened?;
        self.held.insert(start.id, writer);
        Ok(())
    }

    /// Writes a chunk of upload `id`.
    pub(crate) fn write(&mut self, id: u64, bytes: &[u8]) -> Result<(), String> {
        match self.held.get_mut(&id) {
            Some(w) => run(|| w.write_chunk(bytes)),
            None => Err(format!("upload {id} has no open writer")),
        }
    }

    /// Closes upload `id`'s writer: with `done`, its report (the writer is
    /// kept for a later discard); otherwise it is abandoned and forgotten
    /// (nothing to report).
    pub(crate) fn close(&mut self, id: u64, done: bool) -> Option<Result<Value, String>> {
        if !done {
            if let Some(mut w) = self.held.remove(&id) {
                let _ = run(|| w.close(false));
            }
            return None;
        }
        Some(match self.held.get_mut(&id) {
            Some(w) => run(|| w.close(true)),
            None => Err(format!("upload {id} has no open writer")),
        })
    }

    /// Discards upload `id`'s complete file.
    pub(crate) fn discard(&mut self, id: u64) {
        if let Some(mut w) = self.held.remove(&id) {
            let _ = run(|| w.discard());
        }
    }

    /// The memory writer's files, by upload id.
    pub(crate) fn files(&self) -> Vec<UploadedFile> {
        lock(&self.memory).values().cloned().collect()
    }

    /// How many writers the page holds (open, or complete and not yet discarded).
    pub(crate) fn held(&self) -> usize {
        self.held.len()
    }
}

/// A panic's payload as a writer's error.
fn panicked(payload: &(dyn std::any::Any + Send)) -> String {
    format!(
        "the writer panicked: {}",
        panic_message(payload).unwrap_or("a panic with a non-string payload")
    )
}

/// Wakes the test's thread.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls the future `make` returns to completion on this thread; a panic
/// (in `make` or a poll) or a future still pending after [`WRITER_WAIT`]
/// is an error.
fn run<'a, T>(make: impl FnOnce() -> WriterFuture<'a, T>) -> Result<T, String> {
    let mut future = catch_unwind(AssertUnwindSafe(make)).map_err(|p| panicked(p.as_ref()))?;
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let deadline = Instant::now() + WRITER_WAIT;
    loop {
        match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
            Ok(Poll::Ready(result)) => return result,
            Ok(Poll::Pending) => {
                let now = Instant::now();
                if now >= deadline {
                    return Err(format!(
                        "the writer did not finish within {WRITER_WAIT:?} (the harness polls \
                         writers on the test's thread, without an async runtime)"
                    ));
                }
                thread::park_timeout(deadline - now);
            }
            Err(panic) => return Err(panicked(panic.as_ref())),
        }
    }
}
