//! Pub/sub delivery: the mailbox each simulated page registers with the
//! app's [`PubSub`](liveview_core::pubsub::PubSub) backend.
//!
//! The backend puts messages into mailboxes; the harness then hands them to
//! the pages' socket machines ([`World::deliver`](crate::world::World)), in
//! the order they were published across all pages, so that a test's outcome
//! never depends on which page was created first.

use liveview_core::pubsub::{Delivered, Mailbox, SubscriberId};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// How many undelivered messages one page's mailbox holds before it
/// overflows (the harness then reports a runaway).
pub(crate) const MAILBOX_CAPACITY: usize = 100_000;

/// One queued message: its global publish order, topic and payload.
type Message = (u64, Arc<str>, Arc<Value>);

/// A page's mailbox: unbounded up to [`MAILBOX_CAPACITY`], then full (the
/// delivery rule: a full mailbox ends its subscriber).
pub(crate) struct Inbox {
    /// Shared by every inbox of one app: stamps messages in publish order.
    sequence: Arc<AtomicU64>,
    queue: Mutex<VecDeque<Message>>,
    overflowed: AtomicBool,
    gone: AtomicBool,
    /// The id this inbox subscribes with.
    pub(crate) id: SubscriberId,
}

impl Inbox {
    /// An empty inbox stamping messages from `sequence`.
    pub(crate) fn new(sequence: Arc<AtomicU64>) -> Arc<Inbox> {
        Arc::new(Inbox {
            sequence,
            queue: Mutex::new(VecDeque::new()),
            overflowed: AtomicBool::new(false),
            gone: AtomicBool::new(false),
            id: SubscriberId::fresh(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Message>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The publish order of the oldest waiting message.
    pub(crate) fn head(&self) -> Option<u64> {
        self.lock().front().map(|(seq, _, _)| *seq)
    }

    /// Takes the oldest waiting message.
    pub(crate) fn pop(&self) -> Option<(Arc<str>, Arc<Value>)> {
        self.lock().pop_front().map(|(_, t, p)| (t, p))
    }

    /// Whether a delivery found the mailbox full.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Relaxed)
    }

    /// The page's socket ended: drop what waits, refuse what comes.
    pub(crate) fn close(&self) {
        self.gone.store(true, Ordering::Relaxed);
        self.lock().clear();
    }
}

impl Mailbox for Inbox {
    fn deliver(&self, topic: &Arc<str>, payload: &Arc<Value>) -> Delivered {
        if self.gone.load(Ordering::Relaxed) {
            return Delivered::Gone;
        }
        let mut queue = self.lock();
        if queue.len() >= MAILBOX_CAPACITY {
            self.overflowed.store(true, Ordering::Relaxed);
            return Delivered::Full;
        }
        let seq = self.sequence.fetch_add(1, Ordering::Relaxed);
        queue.push_back((seq, topic.clone(), payload.clone()));
        Delivered::Accepted
    }
}
