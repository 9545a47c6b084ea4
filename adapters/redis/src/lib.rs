//! A Redis backend of liveview's pub/sub trait
//! ([`liveview_core::pubsub::PubSub`]), for several server nodes behind a load
//! balancer: a broadcast on one node reaches the views on every node.
//!
//! [`RedisPubSub`] is a drop-in for the in-process backend: put it in
//! `liveview_warp::Options::pubsub`. Every node of an app connects to the same
//! Redis with the same namespace.
//!
//! # Semantics
//!
//! The [delivery rule](liveview_core::pubsub#the-delivery-rule) of the trait
//! holds on each node, with these additions:
//!
//! * **Namespaced topics.** Topic `t` is the Redis channel `<namespace>:t`, so
//!   apps sharing one Redis do not hear each other.
//! * **One Redis subscription per topic per node.** However many sockets of a
//!   node subscribe to a topic, the node subscribes to its channel once and
//!   fans each message out to its own mailboxes (an
//!   [`InProcess`] backend). When the last
//!   local subscriber leaves (it unsubscribes, or its mailbox is found
//!   [`Gone`](liveview_core::pubsub::Delivered::Gone)), the node unsubscribes
//!   from the channel.
//! * **Local subscribers first, and exactly once.** [`publish`](PubSub::publish)
//!   delivers to the node's own subscribers at once, then hands the message to
//!   a background task that `PUBLISH`es it. Each message carries the id of the
//!   node that published it, and a node skips its own messages when Redis
//!   echoes them back, so every subscriber gets a message once.
//! * **Order per topic per publishing node.** A node publishes on one Redis
//!   connection, in call order, and receives on one connection, so the
//!   subscribers of every node get one node's messages on one topic in the
//!   order they were published.
//! * **Other nodes are reached at most once, asynchronously.** Redis pub/sub
//!   keeps nothing: a node that is not subscribed when a message passes (Redis
//!   unreachable, or its subscription not yet confirmed, see
//!   [`RedisPubSub::flush`]) does not get it.
//! * **While Redis is unreachable** the trait methods keep working and never
//!   block: a publish still reaches the subscribers on the publishing node;
//!   what cannot be sent to Redis is dropped and logged (`tracing` warnings:
//!   the first dropped publish of an outage names its topic, and the count of
//!   dropped publishes is logged when Redis is back). Nothing panics.
//! * **Reconnection and resubscription.** Both background tasks reconnect with
//!   a backoff (100 ms, doubling up to 2 s); once the subscribing connection
//!   is back, the node subscribes again to every topic that has local
//!   subscribers, and messages flow again.
//! * [`subscriber_total`](PubSub::subscriber_total) counts this node's
//!   (topic, subscriber) registrations.
//!
//! The library logs through `tracing` only and reads no environment variable.
//! [`RedisPubSub::connect`] must be called inside a tokio runtime (it spawns the
//! two background tasks there); the tasks end when the last clone of the
//! [`RedisPubSub`] is dropped.
//!
//! # Wire format
//!
//! Each Redis message is a JSON object `{"node": "<publishing node id>",
//! "payload": <the published JSON>}`. Any program can publish to a topic of an
//! app by sending such an object with a node id of its own; messages in any
//! other form are logged and skipped.
//!
//! # Example
//!
//! ```no_run
//! use liveview_core::pubsub::PubSub;
//! use liveview_redis::RedisPubSub;
//! use std::sync::Arc;
//!
//! # #[tokio::main] async fn main() -> Result<(), liveview_redis::Error> {
//! let pubsub: Arc<dyn PubSub> =
//!     Arc::new(RedisPubSub::connect("redis://127.0.0.1:6379/", "myapp")?);
//! let mut opts = liveview_warp::Options::default();
//! opts.pubsub = pubsub;
//! // liveview_warp::serve(app, addr, opts).await ...
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

use futures_util::StreamExt;
use liveview_core::pubsub::{InProcess, Mailbox, PubSub, SubscriberId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep_until, timeout, Instant};

/// The first wait before reconnecting; it doubles up to [`BACKOFF_MAX`].
const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// The longest wait between two connection attempts.
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long Redis may take to answer a batch of publishes.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Publishes waiting for the publishing task; beyond, publishes to other
/// nodes are dropped (and logged), local delivery is unaffected.
const PUBLISH_QUEUE: usize = 65_536;
/// Publishes sent to Redis in one pipeline.
const PUBLISH_BATCH: usize = 256;

/// Why [`RedisPubSub::connect`] refused to start.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The Redis URL is not valid (the message does not repeat the URL, which
    /// may hold a password).
    Url(String),
    /// The namespace is empty.
    EmptyNamespace,
    /// Not called inside a tokio runtime.
    NoRuntime,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Url(e) => write!(f, "invalid Redis URL: {e}"),
            Error::EmptyNamespace => f.write_str("the Redis namespace is empty"),
            Error::NoRuntime => {
                f.write_str("RedisPubSub::connect must be called inside a tokio runtime")
            }
        }
    }
}

impl std::error::Error for Error {}

/// The Redis pub/sub backend of one node (see the [crate docs](crate) for its
/// semantics). Cloning it gives another handle to the same node.
#[derive(Clone)]
pub struct RedisPubSub {
    inner: Arc<Inner>,
}

struct Inner {
    namespace: Arc<str>,
    node: Arc<str>,
    local: Arc<InProcess>,
    subscriptions: mpsc::UnboundedSender<SubCommand>,
    publishes: mpsc::Sender<PubCommand>,
}

enum SubCommand {
    /// The local subscribers of a topic changed: subscribe to or unsubscribe
    /// from its channel to match.
    Touch(Arc<str>),
    Flush(oneshot::Sender<bool>),
}

enum PubCommand {
    Publish { topic: Arc<str>, data: Vec<u8> },
    Flush(oneshot::Sender<bool>),
}

#[derive(Serialize)]
struct EnvelopeRef<'a> {
    node: &'a str,
    payload: &'a Value,
}

#[derive(Deserialize)]
struct Envelope {
    node: String,
    payload: Value,
}

impl RedisPubSub {
    /// Starts the backend of one node on the Redis at `url` (e.g.
    /// `redis://127.0.0.1:6379/` or `redis://:password@host:6379/0`; TLS
    /// `rediss://` is not built in), with topics namespaced by `namespace`.
    ///
    /// Returns at once: the background tasks connect, and reconnect whenever
    /// the connection is lost, so a node can start before Redis does. Must be
    /// called inside a tokio runtime.
    pub fn connect(url: &str, namespace: &str) -> Result<RedisPubSub, Error> {
        if namespace.is_empty() {
            return Err(Error::EmptyNamespace);
        }
        let client = redis::Client::open(url).map_err(|e| Error::Url(e.to_string()))?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let namespace: Arc<str> = Arc::from(namespace);
        let node: Arc<str> = Arc::from(node_id());
        let local = Arc::new(InProcess::new());
        let (sub_tx, sub_rx) = mpsc::unbounded_channel();
        let (pub_tx, pub_rx) = mpsc::channel(PUBLISH_QUEUE);
        runtime.spawn(
            Subscriber {
                client: client.clone(),
                prefix: format!("{namespace}:"),
                node: node.clone(),
                local: local.clone(),
                topics: HashSet::new(),
                subscribed: HashSet::new(),
            }
            .run(sub_rx),
        );
        runtime.spawn(publisher(client, namespace.clone(), pub_rx));
        tracing::debug!(%namespace, %node, "liveview-redis: node started");
        Ok(RedisPubSub {
            inner: Arc::new(Inner {
                namespace,
                node,
                local,
                subscriptions: sub_tx,
                publishes: pub_tx,
            }),
        })
    }

    /// The namespace of the app's topics.
    pub fn namespace(&self) -> &str {
        &self.inner.namespace
    }

    /// This node's id (random per [`connect`](RedisPubSub::connect)), carried
    /// by every message it publishes.
    pub fn node_id(&self) -> &str {
        &self.inner.node
    }

    /// The Redis channel of `topic`: `<namespace>:<topic>`.
    pub fn channel(&self, topic: &str) -> String {
        format!("{}:{topic}", self.inner.namespace)
    }

    /// How many local subscribers `topic` has on this node.
    pub fn subscriber_count(&self, topic: &str) -> usize {
        self.inner.local.subscriber_count(topic)
    }

    /// Waits until every subscribe, unsubscribe and publish made on this node
    /// before the call has been carried out on Redis. Returns `true` when
    /// both connections are up and did so, `false` when Redis was unreachable
    /// (then the calls took effect locally only; subscriptions are made when
    /// Redis is back).
    ///
    /// A subscription hears other nodes once Redis has confirmed it: tests,
    /// and anything that must not miss the next remote message, wait for it
    /// with `flush`.
    pub async fn flush(&self) -> bool {
        let (sub_done, sub_wait) = oneshot::channel();
        let (pub_done, pub_wait) = oneshot::channel();
        if self
            .inner
            .subscriptions
            .send(SubCommand::Flush(sub_done))
            .is_err()
            || self
                .inner
                .publishes
                .send(PubCommand::Flush(pub_done))
                .await
                .is_err()
        {
            return false;
        }
        let (subscribed, published) = tokio::join!(sub_wait, pub_wait);
        subscribed.unwrap_or(false) && published.unwrap_or(false)
    }

    fn touch(&self, topic: &str) {
        if self
            .inner
            .subscriptions
            .send(SubCommand::Touch(Arc::from(topic)))
            .is_err()
        {
            tracing::error!(topic, "liveview-redis: the subscribing task has ended");
        }
    }
}

impl fmt::Debug for RedisPubSub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisPubSub")
            .field("namespace", &self.inner.namespace)
            .field("node", &self.inner.node)
            .finish_non_exhaustive()
    }
}

impl PubSub for RedisPubSub {
    fn subscribe(&self, topic: &str, id: SubscriberId, mailbox: Arc<dyn Mailbox>) {
        self.inner.local.subscribe(topic, id, mailbox);
        self.touch(topic);
    }

    fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        self.inner.local.unsubscribe(topic, id);
        self.touch(topic);
    }

    fn publish(&self, topic: &str, payload: &Value) {
        self.inner.local.publish(topic, payload);
        let data = match serde_json::to_vec(&EnvelopeRef {
            node: &self.inner.node,
            payload,
        }) {
            Ok(data) => data,
            Err(e) => {
                tracing::error!(topic, "liveview-redis: cannot encode a publish: {e}");
                return;
            }
        };
        let command = PubCommand::Publish {
            topic: Arc::from(topic),
            data,
        };
        match self.inner.publishes.try_send(command) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => tracing::error!(
                topic,
                "liveview-redis: {PUBLISH_QUEUE} publishes are waiting for Redis: \
                 this one reached this node's subscribers only"
            ),
            Err(mpsc::error::TrySendError::Closed(_)) => tracing::error!(
                topic,
                "liveview-redis: the publishing task has ended: \
                 this publish reached this node's subscribers only"
            ),
        }
    }

    fn subscriber_total(&self) -> Option<usize> {
        self.inner.local.subscriber_total()
    }
}

/// A random node id: 16 bytes in hex.
fn node_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: the process id and the time still tell nodes apart.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes[..4].copy_from_slice(&std::process::id().to_le_bytes());
        bytes[4..].copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Tracks an outage for the log: warn once when it starts, say how long it
/// lasted when it ends.
#[derive(Default)]
struct Outage {
    since: Option<Instant>,
    attempts: u32,
}

impl Outage {
    /// A connection attempt or a connection failed; logs the first failure
    /// of an outage as a warning, the next ones at debug level.
    fn failed(&mut self, what: &str, error: &dyn fmt::Display) {
        self.attempts += 1;
        if self.since.is_none() {
            self.since = Some(Instant::now());
            tracing::warn!("liveview-redis: {what}: {error} (retrying with backoff)");
        } else {
            tracing::debug!(attempts = self.attempts, "liveview-redis: {what}: {error}");
        }
    }

    /// Connected: ends the outage, if any; returns how long it lasted.
    fn ended(&mut self) -> Option<Duration> {
        self.attempts = 0;
        self.since.take().map(|t| t.elapsed())
    }
}

/// The subscribing task: one pub/sub connection, one subscription per topic
/// with local subscribers, each message fanned out to the local mailboxes.
struct Subscriber {
    client: redis::Client,
    /// `<namespace>:`
    prefix: String,
    node: Arc<str>,
    local: Arc<InProcess>,
    /// Topics that may have local subscribers (all that have some).
    topics: HashSet<Arc<str>>,
    /// Topics subscribed to on the current connection.
    subscribed: HashSet<Arc<str>>,
}

/// Why the subscribing connection's loop ended.
enum Ended {
    /// Every handle is dropped: the task ends.
    Shutdown,
    /// The connection failed: reconnect.
    Lost(String),
}

impl Subscriber {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<SubCommand>) {
        let mut backoff = BACKOFF_MIN;
        let mut outage = Outage::default();
        loop {
            let connection = match timeout(CONNECT_TIMEOUT, self.client.get_async_pubsub()).await {
                Ok(Ok(connection)) => Some(connection),
                Ok(Err(e)) => {
                    outage.failed("cannot connect to Redis to subscribe", &e);
                    None
                }
                Err(_) => {
                    outage.failed("cannot connect to Redis to subscribe", &"timed out");
                    None
                }
            };
            let Some(connection) = connection else {
                // Wait, keeping track of the topics meanwhile.
                let until = Instant::now() + backoff;
                backoff = (backoff * 2).min(BACKOFF_MAX);
                loop {
                    tokio::select! {
                        _ = sleep_until(until) => break,
                        command = commands.recv() => match command {
                            None => return,
                            Some(SubCommand::Touch(topic)) => {
                                self.topics.insert(topic);
                            }
                            Some(SubCommand::Flush(done)) => {
                                let _ = done.send(false);
                            }
                        },
                    }
                }
                continue;
            };
            backoff = BACKOFF_MIN;
            match self.serve(connection, &mut commands, &mut outage).await {
                Ended::Shutdown => return,
                Ended::Lost(e) => outage.failed("lost the Redis subscribing connection", &e),
            }
        }
    }

    /// Subscribes again to every topic with local subscribers, then delivers
    /// messages and follows subscription changes until the connection fails.
    async fn serve(
        &mut self,
        connection: redis::aio::PubSub,
        commands: &mut mpsc::UnboundedReceiver<SubCommand>,
        outage: &mut Outage,
    ) -> Ended {
        let (mut sink, mut stream) = connection.split();
        self.subscribed.clear();
        let local = self.local.clone();
        self.topics.retain(|t| local.subscriber_count(t) > 0);
        if !self.topics.is_empty() {
            let channels: Vec<String> = self
                .topics
                .iter()
                .map(|t| format!("{}{t}", self.prefix))
                .collect();
            if let Err(e) = sink.subscribe(&channels).await {
                return Ended::Lost(e.to_string());
            }
            self.subscribed = self.topics.clone();
        }
        match outage.ended() {
            Some(down) => tracing::info!(
                topics = self.subscribed.len(),
                "liveview-redis: subscribed again after {:.1} s without Redis",
                down.as_secs_f64()
            ),
            None => tracing::debug!(
                topics = self.subscribed.len(),
                "liveview-redis: subscribing connection up"
            ),
        }
        loop {
            tokio::select! {
                message = stream.next() => {
                    let Some(message) = message else {
                        return Ended::Lost("connection closed".into());
                    };
                    if let Some(topic) = self.deliver(&message) {
                        // Its mailboxes may all have been found gone.
                        if self.local.subscriber_count(&topic) == 0 {
                            if let Err(e) = self.reconcile(&mut sink, topic).await {
                                return Ended::Lost(e.to_string());
                            }
                        }
                    }
                }
                command = commands.recv() => match command {
                    None => return Ended::Shutdown,
                    Some(SubCommand::Touch(topic)) => {
                        if let Err(e) = self.reconcile(&mut sink, topic).await {
                            return Ended::Lost(e.to_string());
                        }
                    }
                    Some(SubCommand::Flush(done)) => {
                        let _ = done.send(true);
                    }
                },
            }
        }
    }

    /// Delivers one Redis message to the local mailboxes of its topic, unless
    /// this node published it (its subscribers have it already). Returns the
    /// topic.
    fn deliver(&self, message: &redis::Msg) -> Option<Arc<str>> {
        let channel = message.get_channel_name();
        let topic = channel.strip_prefix(&self.prefix)?;
        match serde_json::from_slice::<Envelope>(message.get_payload_bytes()) {
            Ok(envelope) if *envelope.node == *self.node => {}
            Ok(envelope) => self.local.publish(topic, &envelope.payload),
            Err(e) => tracing::warn!(
                channel,
                "liveview-redis: skipped a message that is not {{\"node\": ..., \"payload\": ...}}: {e}"
            ),
        }
        self.subscribed.get(topic).cloned()
    }

    /// Makes the Redis subscription of `topic` match its local subscribers.
    async fn reconcile(
        &mut self,
        sink: &mut redis::aio::PubSubSink,
        topic: Arc<str>,
    ) -> redis::RedisResult<()> {
        let wanted = self.local.subscriber_count(&topic) > 0;
        let subscribed = self.subscribed.contains(&topic);
        if wanted {
            self.topics.insert(topic.clone());
            if !subscribed {
                sink.subscribe(format!("{}{topic}", self.prefix)).await?;
                self.subscribed.insert(topic);
            }
        } else {
            if subscribed {
                sink.unsubscribe(format!("{}{topic}", self.prefix)).await?;
                self.subscribed.remove(&topic);
            }
            self.topics.remove(&topic);
        }
        Ok(())
    }
}

/// The publishing task: one multiplexed connection; the publishes waiting in
/// the queue go out as one pipeline, in order.
async fn publisher(
    client: redis::Client,
    namespace: Arc<str>,
    mut commands: mpsc::Receiver<PubCommand>,
) {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT));
    let mut connection: Option<redis::aio::MultiplexedConnection> = None;
    let mut next_attempt = Instant::now();
    let mut backoff = BACKOFF_MIN;
    let mut outage = Outage::default();
    // Publishes dropped during the current outage.
    let mut dropped: u64 = 0;
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    loop {
        let Some(conn) = connection.as_mut() else {
            // An attempt that is due goes first, so what waits in the queue
            // is sent if Redis is reachable again.
            if Instant::now() >= next_attempt {
                match client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                {
                    Ok(c) => {
                        connection = Some(c);
                        backoff = BACKOFF_MIN;
                        match outage.ended() {
                            Some(down) if dropped > 0 => tracing::warn!(
                                dropped,
                                "liveview-redis: publishing to Redis again after {:.1} s; \
                                 {dropped} publishes meanwhile reached this node's subscribers only",
                                down.as_secs_f64()
                            ),
                            Some(down) => tracing::info!(
                                "liveview-redis: publishing to Redis again after {:.1} s",
                                down.as_secs_f64()
                            ),
                            None => tracing::debug!("liveview-redis: publishing connection up"),
                        }
                        dropped = 0;
                    }
                    Err(e) => {
                        outage.failed("cannot connect to Redis to publish", &e);
                        next_attempt = Instant::now() + backoff;
                        backoff = (backoff * 2).min(BACKOFF_MAX);
                    }
                }
                continue;
            }
            tokio::select! {
                _ = sleep_until(next_attempt) => {}
                n = commands.recv_many(&mut batch, PUBLISH_BATCH) => {
                    if n == 0 {
                        return;
                    }
                    for command in batch.drain(..) {
                        match command {
                            PubCommand::Publish { topic, .. } => {
                                if dropped == 0 {
                                    tracing::warn!(
                                        %topic,
                                        "liveview-redis: Redis is unreachable: a publish reached \
                                         this node's subscribers only (further ones are counted)"
                                    );
                                }
                                dropped += 1;
                            }
                            PubCommand::Flush(done) => {
                                let _ = done.send(false);
                            }
                        }
                    }
                }
            }
            continue;
        };
        if commands.recv_many(&mut batch, PUBLISH_BATCH).await == 0 {
            return;
        }
        let mut pipe = redis::pipe();
        let mut topics = Vec::new();
        let mut flushes = Vec::new();
        for command in batch.drain(..) {
            match command {
                PubCommand::Publish { topic, data } => {
                    pipe.cmd("PUBLISH")
                        .arg(format!("{namespace}:{topic}"))
                        .arg(data)
                        .ignore();
                    topics.push(topic);
                }
                PubCommand::Flush(done) => flushes.push(done),
            }
        }
        let ok = if topics.is_empty() {
            true
        } else {
            match pipe.exec_async(conn).await {
                Ok(()) => true,
                Err(e) => {
                    topics.sort_unstable();
                    topics.dedup();
                    tracing::warn!(
                        topics = ?topics,
                        "liveview-redis: publishing to Redis failed: {e}; these publishes \
                         reached this node's subscribers, other nodes may have missed them"
                    );
                    outage.failed("lost the Redis publishing connection", &e);
                    connection = None;
                    next_attempt = Instant::now();
                    false
                }
            }
        };
        for done in flushes {
            let _ = done.send(ok);
        }
    }
}
