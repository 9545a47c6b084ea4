//! Pub/sub for the warp server: core's transport-neutral [`PubSub`] trait
//! (see [`liveview_core::pubsub`] for the delivery rule), its in-process
//! backend, and the bounded tokio mailbox each socket registers.
//!
//! ```
//! use liveview_warp::pubsub::{InProcess, PubSub, SocketMailbox, SubscriberId};
//! use std::sync::Arc;
//! let ps = InProcess::default();
//! let (mailbox, mut rx) = SocketMailbox::channel(8);
//! let id = SubscriberId::fresh();
//! ps.subscribe("chat", id, Arc::new(mailbox));
//! ps.publish("chat", &serde_json::json!({"body": "hi"}));
//! let (topic, msg) = rx.try_recv().unwrap();
//! assert_eq!((&*topic, msg["body"].as_str()), ("chat", Some("hi")));
//! ps.unsubscribe("chat", id);
//! ps.publish("chat", &serde_json::json!({}));
//! assert!(rx.try_recv().is_err());
//! ```

pub use liveview_core::pubsub::{Delivered, InProcess, Mailbox, PubSub, SubscriberId};

use serde_json::Value;
use std::sync::Arc;
use tokio::sync::mpsc;

/// One message as a socket task receives it: (topic, payload).
pub type Delivery = (Arc<str>, Arc<Value>);

/// A socket's mailbox: a bounded tokio channel. A full channel answers
/// [`Delivered::Full`]; the socket then finds its queue full when it reads
/// the next message and closes with 1008 `input queue limit exceeded`.
#[derive(Clone, Debug)]
pub struct SocketMailbox(mpsc::Sender<Delivery>);

impl SocketMailbox {
    /// A mailbox holding at most `capacity` messages, and its receiving end.
    pub fn channel(capacity: usize) -> (SocketMailbox, mpsc::Receiver<Delivery>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (SocketMailbox(tx), rx)
    }
}

impl Mailbox for SocketMailbox {
    fn deliver(&self, topic: &Arc<str>, payload: &Arc<Value>) -> Delivered {
        match self.0.try_send((topic.clone(), payload.clone())) {
            Ok(()) => Delivered::Accepted,
            Err(mpsc::error::TrySendError::Full(_)) => Delivered::Full,
            Err(mpsc::error::TrySendError::Closed(_)) => Delivered::Gone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_full_socket_mailbox_refuses_and_a_dropped_one_is_gone() {
        let (m, mut rx) = SocketMailbox::channel(1);
        let topic: Arc<str> = Arc::from("t");
        let payload = Arc::new(json!(1));
        assert_eq!(m.deliver(&topic, &payload), Delivered::Accepted);
        assert_eq!(m.deliver(&topic, &payload), Delivered::Full);
        assert_eq!(*rx.try_recv().unwrap().1, json!(1));
        drop(rx);
        assert_eq!(m.deliver(&topic, &payload), Delivered::Gone);
    }
}
