//! Effects as data.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// An effect a handler asks for. Plain data: comparable in tests, recordable in traces.
///
/// `I` is the view's `Info` type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Command<I> {
    /// Send this info to the view itself; it is handled after the render of the
    /// input that sent it.
    SendInfo(I),
    /// Send this info to the view itself once, after `after`. `key` names the
    /// timer so that [`Command::CancelRepeat`] can cancel it; a new timer with
    /// the same key replaces the old one.
    SendAfter {
        /// The timer's name.
        key: String,
        /// The delay.
        after: Duration,
        /// The info to send.
        info: I,
    },
    /// Subscribe the view to a pub/sub topic.
    Subscribe(String),
    /// Unsubscribe the view from a pub/sub topic.
    Unsubscribe(String),
    /// Publish an info on a topic; every subscribed view (the sender too, if
    /// subscribed) receives it as an info.
    Broadcast {
        /// The topic.
        topic: String,
        /// The message; subscribers decode it into their own `Info` type.
        info: I,
    },
    /// Send this info to the view every `every`, starting one period from now.
    /// A repeat with the same key replaces the old one.
    Repeat {
        /// The timer's name.
        key: String,
        /// The period (at least one millisecond is enforced by the driver).
        every: Duration,
        /// The info sent at each tick.
        info: I,
    },
    /// Cancel the timer (repeat or send-after) with this key; nothing happens if there is none.
    CancelRepeat {
        /// The timer's name.
        key: String,
    },
    /// Send an event to the client (`phx:NAME` window event and hook `handleEvent`).
    PushEvent {
        /// The event name.
        name: String,
        /// Its payload.
        payload: Value,
    },
    /// Change the URL without remounting; the view's `handle_params` runs with the new URL.
    PushPatch {
        /// The new URL (path and query).
        to: String,
        /// Replace the history entry instead of pushing one.
        replace: bool,
    },
    /// Navigate to another LiveView over the same socket.
    PushNavigate {
        /// The target path.
        to: String,
        /// Replace the history entry instead of pushing one.
        replace: bool,
    },
    /// Full page redirect.
    Redirect {
        /// The target URL.
        to: String,
    },
    /// Put a flash message, carried over navigation and redirects.
    PutFlash {
        /// The flash kind (`info`, `error`, ...).
        kind: String,
        /// The message.
        message: String,
    },
    /// Clear one flash kind, or all of them.
    ClearFlash {
        /// The kind to clear; `None` clears every kind.
        kind: Option<String>,
    },
    /// Set the page title.
    PageTitle(String),
    /// Reply to the hook `pushEvent` being handled (its promise resolves with this map).
    Reply(Value),
    /// Start async work named `key`, described by `task` (the view's own
    /// `Info` value naming what to do, e.g. `Info::LoadOrgs { user }`). The
    /// adapter runs it with the task runner the app registered for this
    /// view (Phoenix's `start_async`), off the socket; its outcome comes
    /// back through [`LiveView::handle_async`](super::LiveView::handle_async)
    /// with the same key, never before the render of the input that started
    /// it. Starting a key that is still running supersedes it: the old
    /// result is never delivered. Dropped on the dead render.
    StartAsync {
        /// The task's name (one running task per key).
        key: String,
        /// What to do, as the view's own data.
        task: I,
        /// How long it may run before it is aborted and the view gets
        /// [`AsyncError::TimedOut`](super::AsyncError::TimedOut)
        /// ([`DEFAULT_ASYNC_TIMEOUT`](super::DEFAULT_ASYNC_TIMEOUT) if `None`).
        timeout: Option<Duration>,
    },
    /// Cancel the task running under `key` (Phoenix's `cancel_async`): it is
    /// aborted and the view gets [`AsyncError::Cancelled`](super::AsyncError::Cancelled)
    /// for it. Nothing happens if none is running.
    CancelAsync {
        /// The task's name.
        key: String,
    },
}

impl<I> Command<I> {
    /// `Repeat` with a key, a period and an info.
    pub fn repeat(key: impl Into<String>, every: Duration, info: I) -> Command<I> {
        Command::Repeat {
            key: key.into(),
            every,
            info,
        }
    }

    /// `Broadcast` of an info on a topic.
    pub fn broadcast(topic: impl Into<String>, info: I) -> Command<I> {
        Command::Broadcast {
            topic: topic.into(),
            info,
        }
    }

    /// `PushEvent` with a serializable payload.
    ///
    /// # Panics
    /// If the payload cannot be serialized to JSON (a map with non-string keys).
    pub fn push_event(name: impl Into<String>, payload: impl Serialize) -> Command<I> {
        Command::PushEvent {
            name: name.into(),
            payload: serde_json::to_value(payload)
                .expect("push_event payload must serialize to JSON"),
        }
    }

    /// `PushPatch` that pushes a history entry.
    pub fn push_patch(to: impl Into<String>) -> Command<I> {
        Command::PushPatch {
            to: to.into(),
            replace: false,
        }
    }

    /// `PushNavigate` that pushes a history entry.
    pub fn push_navigate(to: impl Into<String>) -> Command<I> {
        Command::PushNavigate {
            to: to.into(),
            replace: false,
        }
    }

    /// `Redirect`: a full page load of `to` (Phoenix's `redirect/2`), the
    /// flash carried in a cookie.
    pub fn redirect(to: impl Into<String>) -> Command<I> {
        Command::Redirect { to: to.into() }
    }

    /// `StartAsync` with the default timeout.
    pub fn start_async(key: impl Into<String>, task: I) -> Command<I> {
        Command::StartAsync {
            key: key.into(),
            task,
            timeout: None,
        }
    }

    /// `StartAsync` with its own timeout.
    pub fn start_async_with_timeout(
        key: impl Into<String>,
        task: I,
        timeout: Duration,
    ) -> Command<I> {
        Command::StartAsync {
            key: key.into(),
            task,
            timeout: Some(timeout),
        }
    }

    /// `CancelAsync`.
    pub fn cancel_async(key: impl Into<String>) -> Command<I> {
        Command::CancelAsync { key: key.into() }
    }

    /// `PutFlash`.
    pub fn put_flash(kind: impl Into<String>, message: impl Into<String>) -> Command<I> {
        Command::PutFlash {
            kind: kind.into(),
            message: message.into(),
        }
    }
}
