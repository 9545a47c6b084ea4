//! Pub/sub between sockets, transport-neutral: the [`PubSub`] trait every
//! adapter talks to, the [`Mailbox`] a subscriber registers, and the
//! in-process backend [`InProcess`].
//!
//! A socket machine asks for subscriptions with
//! [`SocketOutput::Subscribe`](crate::protocol::SocketOutput::Subscribe) and
//! publishes with [`SocketOutput::Broadcast`](crate::protocol::SocketOutput::Broadcast);
//! its adapter carries those out on a backend and feeds what the socket's
//! mailbox receives to
//! [`SocketMachine::handle_pubsub`](crate::protocol::SocketMachine::handle_pubsub).
//! The warp server and the test harness use the same trait, so a backend
//! (in-process, Redis, ...) plugs into both.
//!
//! # The delivery rule
//!
//! * `publish` reaches every subscriber of the topic at the time of the call,
//!   the publishing socket included; each subscriber gets messages of one
//!   topic from one publisher in publish order.
//! * Delivering never blocks the publisher: [`Mailbox::deliver`] either
//!   accepts the message, or reports the mailbox [`Full`](Delivered::Full) or
//!   [`Gone`](Delivered::Gone).
//! * **A full mailbox ends its subscriber.** The message is not queued, and
//!   the subscriber is not silently left behind: the mailbox remembers that it
//!   overflowed and its owner closes the socket (the warp adapter closes it
//!   with 1008 `input queue limit exceeded`; the harness reports an error). A
//!   client that reconnects joins again and renders the current state, so
//!   nothing is half-delivered.
//! * A gone mailbox (its socket ended) is removed from every topic it was on
//!   when the backend next meets it.
//!
//! ```
//! use liveview_core::pubsub::{Delivered, InProcess, Mailbox, PubSub, SubscriberId};
//! use serde_json::{json, Value};
//! use std::sync::{Arc, Mutex};
//!
//! #[derive(Default)]
//! struct Inbox(Mutex<Vec<(String, Value)>>);
//! impl Mailbox for Inbox {
//!     fn deliver(&self, topic: &Arc<str>, payload: &Arc<Value>) -> Delivered {
//!         self.0.lock().unwrap().push((topic.to_string(), (**payload).clone()));
//!         Delivered::Accepted
//!     }
//! }
//!
//! let ps = InProcess::new();
//! let inbox = Arc::new(Inbox::default());
//! let id = SubscriberId::fresh();
//! ps.subscribe("chat", id, inbox.clone());
//! ps.publish("chat", &json!({"body": "hi"}));
//! ps.unsubscribe("chat", id);
//! ps.publish("chat", &json!({"body": "unheard"}));
//! assert_eq!(*inbox.0.lock().unwrap(), vec![("chat".to_string(), json!({"body": "hi"}))]);
//! ```

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Identifies one subscriber (one socket) across its subscriptions.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriberId(pub u64);

impl SubscriberId {
    /// A process-wide unique id.
    pub fn fresh() -> SubscriberId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        SubscriberId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// What became of one delivery (see the [delivery rule](self#the-delivery-rule)).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivered {
    /// Queued for the subscriber.
    Accepted,
    /// The subscriber's queue is full: the message was not queued, and the
    /// subscriber's owner ends it.
    Full,
    /// The subscriber is gone; the backend forgets it.
    Gone,
}

/// Where a backend puts a subscriber's messages. Implementations must not
/// block: a bounded queue answers [`Delivered::Full`] instead of waiting.
pub trait Mailbox: Send + Sync {
    /// Offers one message on `topic`.
    fn deliver(&self, topic: &Arc<str>, payload: &Arc<Value>) -> Delivered;
}

/// A pub/sub backend, shared by every socket of a server (or of a test).
///
/// Each socket subscribes with one [`SubscriberId`] and one [`Mailbox`];
/// [`publish`](PubSub::publish) offers the message to every mailbox subscribed
/// to the topic, following the [delivery rule](self#the-delivery-rule).
pub trait PubSub: Send + Sync + 'static {
    /// Adds `id` (delivering into `mailbox`) to `topic`. Subscribing twice is one subscription.
    fn subscribe(&self, topic: &str, id: SubscriberId, mailbox: Arc<dyn Mailbox>);
    /// Removes `id` from `topic`; nothing happens if it was not subscribed.
    fn unsubscribe(&self, topic: &str, id: SubscriberId);
    /// Offers `payload` to every subscriber of `topic`.
    fn publish(&self, topic: &str, payload: &Value);
    /// The number of (topic, subscriber) registrations, for metrics, if the
    /// backend can count them cheaply (`None` by default).
    fn subscriber_total(&self) -> Option<usize> {
        None
    }
}

/// Topic → its subscribers, in id order (a deterministic fan-out for tests and traces).
type Topics = HashMap<Arc<str>, BTreeMap<SubscriberId, Arc<dyn Mailbox>>>;
type Subscriber = (SubscriberId, Arc<dyn Mailbox>);

/// The in-process backend: a map from topic to mailboxes. Publishing takes
/// the lock only to copy the topic's mailboxes, and delivers outside it.
#[derive(Default)]
pub struct InProcess {
    topics: Mutex<Topics>,
}

impl InProcess {
    /// A new, empty backend.
    pub fn new() -> InProcess {
        InProcess::default()
    }

    /// How many subscribers `topic` has.
    pub fn subscriber_count(&self, topic: &str) -> usize {
        self.lock().get(topic).map_or(0, BTreeMap::len)
    }

    fn lock(&self) -> MutexGuard<'_, Topics> {
        // Every operation is a single insert or remove, so a panic while the
        // lock is held cannot leave the map inconsistent: poisoning is ignored.
        self.topics.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl PubSub for InProcess {
    fn subscribe(&self, topic: &str, id: SubscriberId, mailbox: Arc<dyn Mailbox>) {
        let mut topics = self.lock();
        match topics.get_mut(topic) {
            Some(subs) => {
                subs.insert(id, mailbox);
            }
            None => {
                topics.insert(Arc::from(topic), BTreeMap::from([(id, mailbox)]));
            }
        }
    }

    fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        let mut topics = self.lock();
        if let Some(subs) = topics.get_mut(topic) {
            subs.remove(&id);
            if subs.is_empty() {
                topics.remove(topic);
            }
        }
    }

    fn publish(&self, topic: &str, payload: &Value) {
        let (name, targets): (Arc<str>, Vec<Subscriber>) = {
            let topics = self.lock();
            match topics.get_key_value(topic) {
                Some((name, subs)) => (
                    name.clone(),
                    subs.iter().map(|(id, m)| (*id, m.clone())).collect(),
                ),
                None => return,
            }
        };
        let payload = Arc::new(payload.clone());
        let mut gone = Vec::new();
        for (id, mailbox) in targets {
            if mailbox.deliver(&name, &payload) == Delivered::Gone {
                gone.push(id);
            }
        }
        if !gone.is_empty() {
            let mut topics = self.lock();
            if let Some(subs) = topics.get_mut(topic) {
                for id in gone {
                    subs.remove(&id);
                }
                if subs.is_empty() {
                    topics.remove(topic);
                }
            }
        }
    }

    fn subscriber_total(&self) -> Option<usize> {
        Some(self.lock().values().map(BTreeMap::len).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::VecDeque;

    /// A bounded queue, closed once `gone` is set.
    struct Queue {
        cap: usize,
        items: Mutex<VecDeque<Value>>,
        gone: std::sync::atomic::AtomicBool,
    }

    impl Queue {
        fn new(cap: usize) -> Arc<Queue> {
            Arc::new(Queue {
                cap,
                items: Mutex::new(VecDeque::new()),
                gone: Default::default(),
            })
        }
        fn take(&self) -> Vec<Value> {
            self.items.lock().unwrap().drain(..).collect()
        }
    }

    impl Mailbox for Queue {
        fn deliver(&self, _topic: &Arc<str>, payload: &Arc<Value>) -> Delivered {
            if self.gone.load(Ordering::Relaxed) {
                return Delivered::Gone;
            }
            let mut items = self.items.lock().unwrap();
            if items.len() >= self.cap {
                return Delivered::Full;
            }
            items.push_back((**payload).clone());
            Delivered::Accepted
        }
    }

    #[test]
    fn publish_reaches_every_subscriber_of_the_topic_only() {
        let ps = InProcess::new();
        let (a, b, c) = (Queue::new(4), Queue::new(4), Queue::new(4));
        ps.subscribe("t", SubscriberId(1), a.clone());
        ps.subscribe("t", SubscriberId(2), b.clone());
        ps.subscribe("u", SubscriberId(3), c.clone());
        ps.publish("t", &json!(1));
        ps.publish("t", &json!(2));
        assert_eq!(a.take(), vec![json!(1), json!(2)]);
        assert_eq!(b.take(), vec![json!(1), json!(2)]);
        assert!(c.take().is_empty());
        assert_eq!(ps.subscriber_count("t"), 2);
        assert_eq!(ps.subscriber_total(), Some(3));
    }

    #[test]
    fn a_full_mailbox_takes_nothing_more_and_others_are_unaffected() {
        let ps = InProcess::new();
        let (slow, fast) = (Queue::new(2), Queue::new(100));
        ps.subscribe("t", SubscriberId(1), slow.clone());
        ps.subscribe("t", SubscriberId(2), fast.clone());
        for i in 0..10 {
            ps.publish("t", &json!(i));
        }
        assert_eq!(slow.take(), vec![json!(0), json!(1)]);
        assert_eq!(fast.take().len(), 10);
        // Still subscribed: ending it is its owner's decision.
        assert_eq!(ps.subscriber_count("t"), 2);
    }

    #[test]
    fn gone_mailboxes_are_pruned_and_unsubscribe_is_idempotent() {
        let ps = InProcess::new();
        let q = Queue::new(2);
        ps.subscribe("t", SubscriberId(1), q.clone());
        ps.subscribe("t", SubscriberId(1), q.clone());
        assert_eq!(ps.subscriber_count("t"), 1);
        q.gone.store(true, Ordering::Relaxed);
        ps.publish("t", &json!(null));
        assert_eq!(ps.subscriber_count("t"), 0);
        assert_eq!(ps.subscriber_total(), Some(0));
        ps.unsubscribe("t", SubscriberId(1));
        ps.unsubscribe("nope", SubscriberId(9));
    }
}
