//! Async work a view starts ([`Command::StartAsync`](super::Command::StartAsync)):
//! how it can fail ([`AsyncError`]), and [`AsyncValue`], a value that is
//! loading, loaded or failed (Phoenix's `assign_async` and `AsyncResult`).

use crate::template::Rendered;
use serde::{Deserialize, Serialize};
use std::any::Any;
use std::time::Duration;

/// The timeout of a task started without one
/// ([`Command::start_async`](super::Command::start_async)).
pub const DEFAULT_ASYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a task produced no result. The view gets it in
/// [`LiveView::handle_async`](super::LiveView::handle_async); a task never
/// crashes its view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
#[non_exhaustive]
pub enum AsyncError {
    /// The runner returned an error (its message), or its result did not
    /// decode into the view's `Info` type.
    Failed(String),
    /// The runner panicked (the panic's message, when it was a string).
    Panicked(String),
    /// The task ran longer than its timeout and was aborted.
    TimedOut(Duration),
    /// The view cancelled it ([`Command::CancelAsync`](super::Command::CancelAsync)).
    Cancelled,
}

impl std::fmt::Display for AsyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AsyncError::Failed(why) => write!(f, "failed: {why}"),
            AsyncError::Panicked(why) => write!(f, "panicked: {why}"),
            AsyncError::TimedOut(after) => write!(f, "timed out after {after:?}"),
            AsyncError::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl std::error::Error for AsyncError {}

impl AsyncError {
    /// [`AsyncError::Panicked`] for a runner's caught panic, with its
    /// message ([`panic_message`]), so every adapter names it the same way.
    pub fn from_panic(payload: &(dyn Any + Send)) -> AsyncError {
        AsyncError::Panicked(
            panic_message(payload)
                .unwrap_or("a panic with a non-string payload")
                .to_owned(),
        )
    }
}

/// A task's result (JSON) decoded into its owner's `Info` type; a result
/// that does not decode is a failure naming `owner` ("view", "component").
pub(crate) fn decode_task_result<I: serde::de::DeserializeOwned>(
    result: Result<serde_json::Value, AsyncError>,
    owner: &str,
) -> Result<I, AsyncError> {
    result.and_then(|v| {
        I::deserialize(&v).map_err(|e| {
            AsyncError::Failed(format!(
                "the task's result does not decode into the {owner}'s Info type: {e}"
            ))
        })
    })
}

/// The message of a caught panic's payload (`catch_unwind`'s `Err`): the
/// text of `panic!("…")` or of a formatted `panic!`, `None` for any other
/// payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// Renders as its message (`{error}` in `html!`).
impl crate::ToDynamic for AsyncError {
    fn to_dynamic(&self) -> crate::template::Dynamic {
        self.to_string().into_dynamic()
    }
}

/// A value loaded by async work: loading, loaded (`ok`) or failed, keeping
/// the last good value while it reloads or after a failed reload (Phoenix's
/// `AsyncResult`).
///
/// ```
/// use liveview_core::view::{AsyncError, AsyncValue};
/// use liveview_core::html;
///
/// let mut orgs: AsyncValue<Vec<String>> = AsyncValue::loading();
/// assert!(orgs.is_loading());
/// orgs.set(Ok(vec!["acme".into()]));
/// assert_eq!(orgs.ok(), Some(&vec!["acme".to_string()]));
/// orgs.reload(); // loading again, the old value still there
/// assert!(orgs.is_loading() && orgs.ok().is_some());
/// orgs.set(Err(AsyncError::Failed("db down".into())));
/// assert_eq!(orgs.ok().map(Vec::len), Some(1)); // the last good value stays
///
/// let shown = orgs.render(
///     || html!("<p>loading…</p>"),
///     |list| html!("<p>{list.len()} orgs</p>"),
///     |e| html!("<p>error: {e}</p>"),
/// );
/// assert_eq!(shown.to_html(), "<p>1 orgs</p>");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AsyncValue<T> {
    ok: Option<T>,
    loading: bool,
    failed: Option<AsyncError>,
}

impl<T> Default for AsyncValue<T> {
    /// Loading, with no value yet.
    fn default() -> Self {
        AsyncValue::loading()
    }
}

impl<T> AsyncValue<T> {
    /// Loading, with no value yet (what a view starts with in `mount`).
    pub fn loading() -> AsyncValue<T> {
        AsyncValue {
            ok: None,
            loading: true,
            failed: None,
        }
    }

    /// Loaded with `value`.
    pub fn loaded(value: T) -> AsyncValue<T> {
        AsyncValue {
            ok: Some(value),
            loading: false,
            failed: None,
        }
    }

    /// Loading again (a new task was started); the last good value stays
    /// readable meanwhile and the last failure is forgotten.
    pub fn reload(&mut self) {
        self.loading = true;
        self.failed = None;
    }

    /// Takes a task's outcome: `Ok` replaces the value, `Err` records the
    /// failure and keeps the last good value. Either way it is no longer
    /// loading.
    pub fn set(&mut self, result: Result<T, AsyncError>) {
        self.loading = false;
        match result {
            Ok(v) => {
                self.ok = Some(v);
                self.failed = None;
            }
            Err(e) => self.failed = Some(e),
        }
    }

    /// The last good value, if any.
    pub fn ok(&self) -> Option<&T> {
        self.ok.as_ref()
    }

    /// Whether a task is loading it.
    pub fn is_loading(&self) -> bool {
        self.loading
    }

    /// The failure of the last task, if it failed.
    pub fn failed(&self) -> Option<&AsyncError> {
        self.failed.as_ref()
    }

    /// Renders the three states as Phoenix's `<.async_result>` does: the
    /// value when there is one (also while it reloads), else `loading` while
    /// loading, else `failed`.
    pub fn render(
        &self,
        loading: impl FnOnce() -> Rendered,
        ok: impl FnOnce(&T) -> Rendered,
        failed: impl FnOnce(&AsyncError) -> Rendered,
    ) -> Rendered {
        match (&self.ok, self.loading, &self.failed) {
            (Some(v), _, _) => ok(v),
            (None, true, _) => loading(),
            (None, false, Some(e)) => failed(e),
            (None, false, None) => loading(),
        }
    }
}
