//! Two example-server nodes on one real Redis (`LIVEVIEW_REDIS_URL`, the same
//! `LIVEVIEW_SECRET`), as behind a load balancer: a page rendered by node A
//! joins on node B, a chat message sent on node A reaches a view on node B,
//! and after Redis is restarted messages flow between the nodes again with
//! both servers still up.

#[allow(dead_code)]
#[path = "../../adapters/redis/tests/support/mod.rs"]
mod redis_support;

use liveview_tests::{strings, Client, Server};
use redis_support::RedisServer;
use serde_json::json;
use std::time::{Duration, Instant};

fn node(redis: &RedisServer, secret: &str) -> Server {
    Server::launch()
        .env("LIVEVIEW_REDIS_URL", redis.url())
        .env(
            "LIVEVIEW_REDIS_NAMESPACE",
            format!("nodes-{}", std::process::id()),
        )
        .env("LIVEVIEW_SECRET", secret)
        .start()
}

/// Sends `body` on the chat joined by `ws` (topic `topic`, push ref `reference`).
async fn say(ws: &mut Client, topic: &str, reference: &str, body: &str) {
    ws.push(json!(["1", reference, topic, "event",
        {"type": "form", "event": "send", "value": format!("body={body}")}]))
        .await;
    let r = ws.reply_to(reference).await;
    assert_eq!(r[4]["status"], "ok", "{r}");
}

/// Whether `ws` is pushed a diff holding `body` within `limit`.
async fn hears(ws: &mut Client, body: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(200), ws.next_frame()).await {
            Ok(Ok(f)) if f[3] == "diff" && strings(&f[4]).contains(body) => return true,
            Ok(Ok(_)) | Err(_) => {}
            Ok(Err(e)) => panic!("the socket failed: {e}"),
        }
    }
    false
}

#[tokio::test]
async fn two_nodes_share_pages_and_broadcasts_through_redis() {
    let mut redis = RedisServer::start();
    let secret = format!("nodes-test-secret-{:0>32}", std::process::id());
    let (a, b) = (node(&redis, &secret), node(&redis, &secret));

    // A page rendered by node A joins on node B: they share the secret.
    let page = a.load("/chat");
    let mut on_b = liveview_tests::Page {
        addr: b.addr().to_string(),
        ..page.clone()
    }
    .connect()
    .await;
    let joined = on_b.join(&page, "1").await;
    assert_eq!(
        joined[4]["status"], "ok",
        "a page of node A joins on node B: {joined}"
    );
    let b_topic = page.topic();

    // A view on node A.
    let page_a = a.load("/chat");
    let mut on_a = page_a.connect().await;
    assert_eq!(on_a.join(&page_a, "1").await[4]["status"], "ok");

    // Node A → node B, and node B → node A.
    let first = format!("from-a-{}", std::process::id());
    say(&mut on_a, &page_a.topic(), "2", &first).await;
    assert!(
        hears(&mut on_b, &first, Duration::from_secs(10)).await,
        "node B hears node A"
    );
    let second = format!("from-b-{}", std::process::id());
    say(&mut on_b, &b_topic, "3", &second).await;
    assert!(
        hears(&mut on_a, &second, Duration::from_secs(10)).await,
        "node A hears node B"
    );

    // Redis goes away and comes back: both nodes keep serving, and once
    // they have subscribed again messages cross between them again.
    redis.restart();
    assert_eq!(a.get("/counter", &[]).map(|r| r.status), Some(200));
    assert_eq!(b.get("/counter", &[]).map(|r| r.status), Some(200));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut n = 10;
    loop {
        let body = format!("after-restart-{n}");
        say(&mut on_a, &page_a.topic(), &n.to_string(), &body).await;
        if hears(&mut on_b, &body, Duration::from_millis(500)).await {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no message crossed nodes within 20 s of the restart"
        );
        n += 1;
        // Heartbeats keep both sockets alive meanwhile.
        on_a.push(liveview_tests::heartbeat(&format!("h{n}"))).await;
        on_b.push(liveview_tests::heartbeat(&format!("h{n}"))).await;
    }
}

/// Two browsers with the official client: one on node B, one through a
/// load balancer (a TCP proxy in front of node A, then node B). They chat
/// across the nodes; then node A is killed, node B's browser keeps working,
/// and the other browser reconnects through the proxy to node B and
/// rejoins with the page node A rendered (`tests/e2e/nodes.test.mjs`).
#[test]
fn browsers_chat_across_nodes_and_one_survives_a_dead_node() {
    let redis = RedisServer::start();
    let secret = format!("nodes-browser-secret-{:0>32}", std::process::id());
    let (a, b) = (node(&redis, &secret), node(&redis, &secret));
    let proxy = liveview_tests::TcpProxy::start(&[a.addr(), b.addr()]);
    liveview_tests::run_node_tests(
        "nodes.test.mjs",
        &[
            ("NODE_B_URL", format!("http://{}", b.addr())),
            ("PROXY_URL", format!("http://{}", proxy.addr())),
            ("NODE_A_PID", a.pid().to_string()),
        ],
    );
    // The page load and the first socket went to node A; the reconnect to B.
    assert!(
        proxy.connections_to(a.addr()) >= 2,
        "node A served the proxied browser first"
    );
    assert!(
        proxy.connections_to(b.addr()) >= 1,
        "the proxied browser reconnected to node B"
    );
    assert_eq!(b.get("/counter", &[]).map(|r| r.status), Some(200));
    assert!(a.get("/counter", &[]).is_none(), "node A is gone");
}

/// The chat load of `chat-nodes` on two nodes, small: every message reaches
/// every user on both nodes, in order (order per topic per publishing node).
#[tokio::test]
async fn a_chat_load_split_over_two_nodes_reaches_every_user_in_order() {
    let redis = RedisServer::start();
    let secret = format!("nodes-load-secret-{:0>32}", std::process::id());
    let (a, b) = (node(&redis, &secret), node(&redis, &secret));
    let report = liveview_tests::run_chat(&[&a, &b], 6, 40)
        .await
        .unwrap_or_else(|e| panic!("the chat load failed: {e}"));
    // Users 0, 2, 4 on node A, 1, 3, 5 on node B; 40 receipts each.
    assert_eq!(report.latency_us[0].len(), 3 * 40);
    assert_eq!(report.latency_us[1].len(), 3 * 40);
    assert_eq!(report.deliveries(), 240);
}
