//! The tasks of one socket's views ([`SocketOutput::StartTask`]), run on
//! tokio with the app's runners ([`Tasks`]).
//!
//! [`SocketOutput::StartTask`]: liveview_core::protocol::SocketOutput::StartTask

use futures_util::FutureExt;
use liveview_core::protocol::TaskStart;
use liveview_core::tasks::Tasks;
use liveview_core::AsyncError;
use serde_json::Value;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::task::{Context, Poll};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// A task's outcome, by its socket task id.
pub(crate) type Done = (u64, Result<Value, AsyncError>);

/// The running tasks of one socket. Each runs in a tokio task of its own,
/// so a slow one delays neither its socket nor any other; its outcome comes
/// back through one channel that the socket polls like its other inputs.
/// Dropping this aborts every task still running (the socket ended).
pub(crate) struct RunningTasks {
    done_tx: mpsc::UnboundedSender<Done>,
    done_rx: mpsc::UnboundedReceiver<Done>,
    handles: HashMap<u64, AbortHandle>,
}

impl RunningTasks {
    pub(crate) fn new() -> RunningTasks {
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        RunningTasks {
            done_tx,
            done_rx,
            handles: HashMap::new(),
        }
    }

    /// Spawns `task` with its view's runner. With no runner registered, its
    /// outcome is at once a failure that says so. A runner that panics
    /// gives [`AsyncError::Panicked`]; one that returns `Err` gives
    /// [`AsyncError::Failed`].
    pub(crate) fn start(&mut self, tasks: &Tasks, task: TaskStart) {
        let id = task.id;
        let run = match tasks.run(&task) {
            Ok(run) => run,
            Err(why) => {
                tracing::warn!(view = task.view, key = task.key, "{why}");
                let _ = self.done_tx.send((id, Err(AsyncError::Failed(why))));
                return;
            }
        };
        tracing::debug!(view = task.view, key = task.key, id, "task started");
        let done = self.done_tx.clone();
        let (view, key) = (task.view, task.key);
        let handle = tokio::spawn(async move {
            let outcome = match AssertUnwindSafe(run).catch_unwind().await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(why)) => {
                    tracing::info!(view, key, id, error = why, "task failed");
                    Err(AsyncError::Failed(why))
                }
                Err(panic) => {
                    let error = AsyncError::from_panic(panic.as_ref());
                    tracing::warn!(view, key, id, panic = %error, "task panicked");
                    Err(error)
                }
            };
            let _ = done.send((id, outcome));
        });
        self.handles.insert(id, handle.abort_handle());
    }

    /// Aborts task `id` (its outcome is no longer wanted).
    pub(crate) fn cancel(&mut self, id: u64) {
        if let Some(h) = self.handles.remove(&id) {
            h.abort();
        }
    }

    /// The next outcome, if one is ready.
    pub(crate) fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Done> {
        match self.done_rx.poll_recv(cx) {
            Poll::Ready(Some(done)) => {
                self.handles.remove(&done.0);
                Poll::Ready(done)
            }
            // The sender half lives in `self`: the channel never closes.
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for RunningTasks {
    fn drop(&mut self) {
        for h in self.handles.values() {
            h.abort();
        }
    }
}
