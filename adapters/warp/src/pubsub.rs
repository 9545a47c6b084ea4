//! Pub/sub between sockets: a trait, so that other backends can plug in, and
//! an in-process implementation.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// One message as delivered to a subscriber: (topic, payload).
pub type Delivery = (Arc<str>, Arc<Value>);

/// The sending half a subscriber registers; bounded, so a slow subscriber
/// cannot make the server's memory grow.
pub type Mailbox = mpsc::Sender<Delivery>;

/// Identifies one subscriber (one socket) across its subscriptions.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct SubscriberId(pub u64);

impl SubscriberId {
    /// A process-wide unique id.
    pub fn fresh() -> SubscriberId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        SubscriberId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A pub/sub backend.
///
/// Each socket subscribes with one [`SubscriberId`] and one [`Mailbox`];
/// `publish` delivers to every mailbox subscribed to the topic (the
/// publisher's own too). Delivery is best effort: a backend may drop a
/// message for a subscriber whose mailbox is full, and must then log it.
pub trait PubSub: Send + Sync + 'static {
    /// Adds `id` (delivering into `mailbox`) to `topic`. Subscribing twice is one subscription.
    fn subscribe(&self, topic: &str, id: SubscriberId, mailbox: Mailbox);
    /// Removes `id` from `topic`; nothing happens if it was not subscribed.
    fn unsubscribe(&self, topic: &str, id: SubscriberId);
    /// Delivers `payload` to every subscriber of `topic`.
    fn publish(&self, topic: &str, payload: &Value);
    /// The number of (topic, subscriber) registrations, for metrics, if the
    /// backend can count them cheaply (`None` by default).
    fn subscriber_total(&self) -> Option<usize> {
        None
    }
}

/// The in-process backend: a map from topic to mailboxes.
///
/// ```
/// use liveview_warp::pubsub::{InProcess, PubSub, SubscriberId};
/// let ps = InProcess::default();
/// let (tx, mut rx) = tokio::sync::mpsc::channel(8);
/// let id = SubscriberId::fresh();
/// ps.subscribe("chat", id, tx);
/// ps.publish("chat", &serde_json::json!({"body": "hi"}));
/// let (topic, msg) = rx.try_recv().unwrap();
/// assert_eq!((&*topic, msg["body"].as_str()), ("chat", Some("hi")));
/// ps.unsubscribe("chat", id);
/// ps.publish("chat", &serde_json::json!({}));
/// assert!(rx.try_recv().is_err());
/// ```
#[derive(Default)]
pub struct InProcess {
    topics: Mutex<HashMap<Arc<str>, HashMap<SubscriberId, Mailbox>>>,
}

impl InProcess {
    /// A new, empty backend.
    pub fn new() -> InProcess {
        InProcess::default()
    }

    /// How many subscribers `topic` has.
    pub fn subscriber_count(&self, topic: &str) -> usize {
        self.lock().get(topic).map_or(0, HashMap::len)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, HashMap<SubscriberId, Mailbox>>> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (every operation is a single insert/remove), so poisoning is ignored.
        self.topics.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl PubSub for InProcess {
    fn subscribe(&self, topic: &str, id: SubscriberId, mailbox: Mailbox) {
        let mut topics = self.lock();
        match topics.get_mut(topic) {
            Some(subs) => {
                subs.insert(id, mailbox);
            }
            None => {
                topics.insert(Arc::from(topic), HashMap::from([(id, mailbox)]));
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

    fn subscriber_total(&self) -> Option<usize> {
        Some(self.lock().values().map(HashMap::len).sum())
    }

    fn publish(&self, topic: &str, payload: &Value) {
        let (name, targets): (Arc<str>, Vec<(SubscriberId, Mailbox)>) = {
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
            match mailbox.try_send((name.clone(), payload.clone())) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(
                        subscriber = id.0,
                        topic,
                        "dropped a message for a subscriber that is too slow"
                    );
                }
                Err(mpsc::error::TrySendError::Closed(_)) => gone.push(id),
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn publish_reaches_every_subscriber_of_the_topic_only() {
        let ps = InProcess::new();
        let (a_tx, mut a) = mpsc::channel(4);
        let (b_tx, mut b) = mpsc::channel(4);
        let (c_tx, mut c) = mpsc::channel(4);
        ps.subscribe("t", SubscriberId(1), a_tx);
        ps.subscribe("t", SubscriberId(2), b_tx);
        ps.subscribe("u", SubscriberId(3), c_tx);
        ps.publish("t", &json!(1));
        assert_eq!(*a.try_recv().unwrap().1, json!(1));
        assert_eq!(*b.try_recv().unwrap().1, json!(1));
        assert!(c.try_recv().is_err());
        assert_eq!(ps.subscriber_count("t"), 2);
    }

    #[test]
    fn slow_subscriber_loses_messages_but_queue_stays_bounded() {
        let ps = InProcess::new();
        let (tx, mut rx) = mpsc::channel(2);
        ps.subscribe("t", SubscriberId(1), tx);
        for i in 0..10 {
            ps.publish("t", &json!(i));
        }
        assert_eq!(*rx.try_recv().unwrap().1, json!(0));
        assert_eq!(*rx.try_recv().unwrap().1, json!(1));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn closed_mailboxes_are_pruned_and_unsubscribe_is_idempotent() {
        let ps = InProcess::new();
        let (tx, rx) = mpsc::channel(2);
        ps.subscribe("t", SubscriberId(1), tx.clone());
        ps.subscribe("t", SubscriberId(1), tx);
        assert_eq!(ps.subscriber_count("t"), 1);
        drop(rx);
        ps.publish("t", &json!(null));
        assert_eq!(ps.subscriber_count("t"), 0);
        ps.unsubscribe("t", SubscriberId(1));
        ps.unsubscribe("nope", SubscriberId(9));
    }
}
