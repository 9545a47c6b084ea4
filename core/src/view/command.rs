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
    /// Hold the reply to the event being handled until the task running
    /// under `key` ends (its outcome is handed to `handle_async`, or it is
    /// cancelled, superseded or times out). Put it after the `StartAsync`
    /// of that key. The client keeps the event's element loading (and
    /// locked) meanwhile, as it does while a Phoenix handler works; the
    /// view's later client events wait for the reply, while its other
    /// inputs and the socket's other views go on. Ignored outside an event
    /// handler, or when no task runs under `key`. Build it with
    /// [`Command::hold_reply`].
    HoldReply {
        /// The task's name.
        key: String,
    },
    /// Cancel the task running under `key` (Phoenix's `cancel_async`): it is
    /// aborted and the view gets [`AsyncError::Cancelled`](super::AsyncError::Cancelled)
    /// for it. Nothing happens if none is running.
    CancelAsync {
        /// The task's name.
        key: String,
    },
    /// Send a message to a component of this view (Phoenix's `send_update`,
    /// or `send_update_after` with a delay): the component's `handle_info`
    /// gets `update`, decoded into its `Info` type, after the render of the
    /// input that sent it. Dropped when no such component exists then (as
    /// Phoenix logs and drops it). Build it with [`Command::send_update`],
    /// [`Command::send_update_to`] or [`Command::send_update_after`].
    SendUpdate {
        /// The component.
        to: ComponentRef,
        /// The message, as JSON.
        update: Value,
        /// Deliver it after this delay instead of after this input.
        after: Option<Duration>,
    },
    /// Send an info to the parent view: from a component, the view that
    /// renders it; from a child view ([`crate::nested`]), the view that
    /// rendered it (Phoenix's `send(socket.parent_pid, msg)`). Its
    /// `handle_info` gets it decoded into its `Info` type. Dropped when
    /// there is no parent (a page's view, a sticky child). Build it with
    /// [`Command::send_parent`].
    SendParent(Value),
    /// Send an info to this view's child view `id` ([`crate::nested`]),
    /// decoded into its `Info` type, after this input. Dropped when the view
    /// has no such child. Build it with [`Command::send_child`].
    SendChild {
        /// The child's DOM id.
        id: String,
        /// The info, as JSON.
        info: Value,
    },
}

/// The component a [`Command::SendUpdate`] reaches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentRef {
    /// The component of this type (its Rust type name) with this id.
    Id {
        /// `std::any::type_name` of the component.
        component: String,
        /// The id the parent rendered it with.
        id: String,
    },
    /// The component with this cid (`myself`).
    Cid(u32),
}

impl<I: Serialize> Command<I> {
    /// The same command with its info as JSON (how a component's commands
    /// reach the driver); `Err` if the info does not serialize.
    pub fn into_json(self) -> Result<Command<Value>, serde_json::Error> {
        use serde_json::to_value;
        Ok(match self {
            Command::SendInfo(i) => Command::SendInfo(to_value(i)?),
            Command::SendAfter { key, after, info } => Command::SendAfter {
                key,
                after,
                info: to_value(info)?,
            },
            Command::Subscribe(t) => Command::Subscribe(t),
            Command::Unsubscribe(t) => Command::Unsubscribe(t),
            Command::Broadcast { topic, info } => Command::Broadcast {
                topic,
                info: to_value(info)?,
            },
            Command::Repeat { key, every, info } => Command::Repeat {
                key,
                every,
                info: to_value(info)?,
            },
            Command::CancelRepeat { key } => Command::CancelRepeat { key },
            Command::PushEvent { name, payload } => Command::PushEvent { name, payload },
            Command::PushPatch { to, replace } => Command::PushPatch { to, replace },
            Command::PushNavigate { to, replace } => Command::PushNavigate { to, replace },
            Command::Redirect { to } => Command::Redirect { to },
            Command::PutFlash { kind, message } => Command::PutFlash { kind, message },
            Command::ClearFlash { kind } => Command::ClearFlash { kind },
            Command::PageTitle(t) => Command::PageTitle(t),
            Command::Reply(v) => Command::Reply(v),
            Command::StartAsync { key, task, timeout } => Command::StartAsync {
                key,
                task: to_value(task)?,
                timeout,
            },
            Command::CancelAsync { key } => Command::CancelAsync { key },
            Command::HoldReply { key } => Command::HoldReply { key },
            Command::SendUpdate { to, update, after } => Command::SendUpdate { to, update, after },
            Command::SendParent(v) => Command::SendParent(v),
            Command::SendChild { id, info } => Command::SendChild { id, info },
        })
    }
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

    /// `HoldReply`: the reply to this event waits for the task `key`.
    pub fn hold_reply(key: impl Into<String>) -> Command<I> {
        Command::HoldReply { key: key.into() }
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

    /// `SendUpdate` to the component `C` with `id` (Phoenix's
    /// `send_update(C, id: id, …)`): its `handle_info` gets `update`.
    ///
    /// # Panics
    /// If `update` does not serialize to JSON.
    pub fn send_update<C: crate::component::LiveComponent>(
        id: impl ToString,
        update: C::Info,
    ) -> Command<I> {
        Command::SendUpdate {
            to: ComponentRef::Id {
                component: std::any::type_name::<C>().to_owned(),
                id: id.to_string(),
            },
            update: serde_json::to_value(update).expect("send_update's message must serialize"),
            after: None,
        }
    }

    /// `SendUpdate` like [`send_update`](Self::send_update), delivered
    /// after `after` (Phoenix's `send_update_after`).
    ///
    /// # Panics
    /// If `update` does not serialize to JSON.
    pub fn send_update_after<C: crate::component::LiveComponent>(
        id: impl ToString,
        update: C::Info,
        after: Duration,
    ) -> Command<I> {
        match Command::<I>::send_update::<C>(id, update) {
            Command::SendUpdate { to, update, .. } => Command::SendUpdate {
                to,
                update,
                after: Some(after),
            },
            _ => unreachable!(),
        }
    }

    /// `SendUpdate` to the component with this cid (`send_update(@myself, …)`).
    ///
    /// # Panics
    /// If `update` does not serialize to JSON.
    pub fn send_update_to(cid: crate::component::Cid, update: impl Serialize) -> Command<I> {
        Command::SendUpdate {
            to: ComponentRef::Cid(cid.get()),
            update: serde_json::to_value(update).expect("send_update's message must serialize"),
            after: None,
        }
    }

    /// `SendParent`: an info for the parent view (decoded into its `Info`).
    ///
    /// # Panics
    /// If `info` does not serialize to JSON.
    pub fn send_parent(info: impl Serialize) -> Command<I> {
        Command::SendParent(serde_json::to_value(info).expect("send_parent's info must serialize"))
    }

    /// `SendChild`: an info for the child view `id` (decoded into its `Info`).
    ///
    /// # Panics
    /// If `info` does not serialize to JSON.
    pub fn send_child(id: impl Into<String>, info: impl Serialize) -> Command<I> {
        Command::SendChild {
            id: id.into(),
            info: serde_json::to_value(info).expect("send_child's info must serialize"),
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
