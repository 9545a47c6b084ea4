//! The Redis backend against a real `redis-server` (Debian's package), one per
//! test on a free loopback port: two nodes on one Redis, order, Redis
//! stopped and restarted, one Redis subscription per topic per node.

mod support;

use liveview_core::pubsub::{PubSub, SubscriberId};
use liveview_redis::RedisPubSub;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::{log, log_text, wait_until, Inbox, RedisServer};

const SOON: Duration = Duration::from_secs(10);

/// A node of the app `namespace`, made unique to this process, so that test
/// binaries running side by side never share topics.
fn node(redis: &RedisServer, namespace: &str) -> RedisPubSub {
    let namespace = format!("{namespace}-{}", std::process::id());
    RedisPubSub::connect(&redis.url(), &namespace).expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_reaches_both_nodes_once_and_nothing_else() {
    log();
    let redis = RedisServer::start();
    let (a, b) = (node(&redis, "app"), node(&redis, "app"));
    let other = node(&redis, "other-app");
    assert_ne!(a.node_id(), b.node_id());

    let (on_a, on_b, on_other) = (Inbox::new(), Inbox::new(), Inbox::new());
    let (left_a, left_b) = (Inbox::new(), Inbox::new());
    let ids: Vec<SubscriberId> = (0..5).map(|_| SubscriberId::fresh()).collect();
    a.subscribe("room", ids[0], on_a.clone());
    b.subscribe("room", ids[1], on_b.clone());
    other.subscribe("room", ids[2], on_other.clone());
    a.subscribe("room", ids[3], left_a.clone());
    b.subscribe("room", ids[4], left_b.clone());
    a.unsubscribe("room", ids[3]);
    b.unsubscribe("room", ids[4]);
    for n in [&a, &b, &other] {
        assert!(n.flush().await, "Redis is up: flush carries everything out");
    }
    assert_eq!(a.subscriber_total(), Some(1));
    assert_eq!(a.subscriber_count("room"), 1);

    a.publish("room", &json!({"n": 1}));
    // The publishing node's own subscribers have it at once.
    assert_eq!(on_a.payloads(), vec![json!({"n": 1})]);
    wait_until("node B hears node A", SOON, || on_b.len() == 1).await;
    // A second message from B: once both have it, an echo of the first
    // (which went through Redis before it) would have arrived too.
    b.publish("room", &json!({"n": 2}));
    wait_until("both nodes hear node B", SOON, || {
        on_a.len() >= 2 && on_b.len() >= 2
    })
    .await;
    assert!(a.flush().await && b.flush().await && other.flush().await);
    let both = vec![json!({"n": 1}), json!({"n": 2})];
    assert_eq!(on_a.payloads(), both, "node A: each message exactly once");
    assert_eq!(on_b.payloads(), both, "node B: each message exactly once");
    assert_eq!(left_a.len() + left_b.len(), 0, "unsubscribed mailboxes");
    assert_eq!(
        on_other.len(),
        0,
        "another namespace's topic of the same name"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_messages_arrive_in_order_on_both_nodes() {
    log();
    let redis = RedisServer::start();
    let (a, b) = (node(&redis, "app"), node(&redis, "app"));
    let (on_a, on_b) = (Inbox::new(), Inbox::new());
    a.subscribe("feed", SubscriberId::fresh(), on_a.clone());
    b.subscribe("feed", SubscriberId::fresh(), on_b.clone());
    assert!(a.flush().await && b.flush().await);

    for i in 0..1000 {
        a.publish("feed", &json!(i));
    }
    wait_until("1000 messages on node B", SOON, || on_b.len() >= 1000).await;
    assert!(a.flush().await && b.flush().await);
    let expected: Vec<Value> = (0..1000).map(|i| json!(i)).collect();
    assert_eq!(on_a.payloads(), expected);
    assert_eq!(on_b.payloads(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_redis_is_down_publishes_stay_local_then_flow_again() {
    log();
    let mut redis = RedisServer::start();
    let (a, b) = (node(&redis, "app"), node(&redis, "app"));
    let (on_a, on_b) = (Inbox::new(), Inbox::new());
    a.subscribe("outage-topic", SubscriberId::fresh(), on_a.clone());
    b.subscribe("outage-topic", SubscriberId::fresh(), on_b.clone());
    assert!(a.flush().await && b.flush().await);
    a.publish("outage-topic", &json!("before"));
    wait_until("node B hears node A", SOON, || on_b.len() == 1).await;

    redis.stop();
    for i in 0..10 {
        a.publish("outage-topic", &json!(format!("during {i}")));
    }
    // Local subscribers have them at once, whatever Redis does.
    assert_eq!(on_a.len(), 11);
    assert!(!a.flush().await, "Redis is down: flush says so");
    wait_until("the failed publish is logged", SOON, || {
        log_text()
            .lines()
            .any(|l| l.contains("WARN") && l.contains("outage-topic"))
    })
    .await;
    // A subscriber that joins during the outage is subscribed on Redis later.
    let late = Inbox::new();
    b.subscribe("late-topic", SubscriberId::fresh(), late.clone());
    // An outage of a second: the reconnection backoff has grown meanwhile.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(on_b.payloads(), vec![json!("before")], "nothing crosses");

    redis.restart();
    // Both nodes reconnect (backoff at most 2 s) and subscribe again.
    let mut sent = 0;
    let deadline = std::time::Instant::now() + SOON;
    while on_b.len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "messages did not flow again after Redis restarted"
        );
        a.publish("outage-topic", &json!(format!("after {sent}")));
        sent += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deadline = std::time::Instant::now() + SOON;
    while !(a.flush().await && b.flush().await) {
        assert!(std::time::Instant::now() < deadline, "nodes not connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.publish("late-topic", &json!("late"));
    wait_until("the subscriber of the outage hears node A", SOON, || {
        late.len() == 1
    })
    .await;

    // Node A's subscriber got every message once, in order.
    let mut expected = vec![json!("before")];
    expected.extend((0..10).map(|i| json!(format!("during {i}"))));
    expected.extend((0..sent).map(|i| json!(format!("after {i}"))));
    assert_eq!(on_a.payloads(), expected);
    // Node B: nothing of the outage, then what came after (in order).
    let got_b = on_b.payloads();
    assert_eq!(got_b[0], json!("before"));
    assert!(got_b[1..]
        .iter()
        .all(|m| m.as_str().unwrap().starts_with("after ")));
    assert!(got_b[1..].windows(2).all(|w| {
        let n = |v: &Value| v.as_str().unwrap()[6..].parse::<u32>().unwrap();
        n(&w[0]) < n(&w[1])
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_redis_subscription_per_topic_per_node() {
    log();
    let redis = RedisServer::start();
    let (a, b) = (node(&redis, "app"), node(&redis, "app"));
    let channel = a.channel("many");
    assert_eq!(channel, format!("{}:many", a.namespace()));
    let on_a: Vec<SubscriberId> = (0..50).map(|_| SubscriberId::fresh()).collect();
    let on_b: Vec<SubscriberId> = (0..50).map(|_| SubscriberId::fresh()).collect();
    for &id in &on_a {
        a.subscribe("many", id, Inbox::new());
    }
    assert!(a.flush().await);
    assert_eq!(redis.numsub(&channel), 1);
    for &id in &on_b {
        b.subscribe("many", id, Inbox::new());
    }
    assert!(b.flush().await);
    assert_eq!(redis.numsub(&channel), 2, "one per node");
    assert_eq!(a.subscriber_total(), Some(50));

    for &id in &on_a {
        a.unsubscribe("many", id);
    }
    assert!(a.flush().await);
    assert_eq!(redis.numsub(&channel), 1);
    for &id in &on_b[1..] {
        b.unsubscribe("many", id);
    }
    assert!(b.flush().await);
    assert_eq!(redis.numsub(&channel), 1, "one local subscriber left on B");
    b.unsubscribe("many", on_b[0]);
    assert!(b.flush().await);
    assert_eq!(redis.numsub(&channel), 0);
    assert_eq!(a.subscriber_total(), Some(0));
    assert_eq!(b.subscriber_total(), Some(0));

    // A node whose last mailbox is found gone leaves the channel too.
    let gone = Inbox::new();
    b.subscribe("gone", SubscriberId::fresh(), gone.clone());
    assert!(b.flush().await);
    assert_eq!(redis.numsub(&a.channel("gone")), 1);
    gone.gone.store(true, Ordering::Relaxed);
    a.publish("gone", &json!("anyone?"));
    let deadline = std::time::Instant::now() + SOON;
    while redis.numsub(&a.channel("gone")) != 0 {
        assert!(std::time::Instant::now() < deadline, "still subscribed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(b.subscriber_total(), Some(0));
}
