//! A chat load across one or more server nodes, measured the way lvbench's
//! `chat` scenario measures one: user 0 sends a message, waits until every
//! user has it, then sends the next (a closed loop), and each receipt's
//! latency is taken from the send. Users are spread over the nodes round
//! robin, so with two nodes half the receipts cross Redis.

use crate::{strings, Server};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The marker of a load message in a rendered diff: `lvchat{seq}x{t_us}x`.
const MARK: &str = "lvchat";

/// What a [`run_chat`] measured.
#[derive(Clone, Debug)]
pub struct ChatReport {
    /// Messages sent.
    pub messages: usize,
    /// Wall time from the first send to the last receipt.
    pub elapsed: Duration,
    /// Receipt latencies in µs, by the node the receiving user is on
    /// (index into the `nodes` given; node 0 is the sender's).
    pub latency_us: Vec<Vec<u64>>,
    /// CPU time the nodes used during the run, in clock ticks (all nodes).
    pub server_ticks: u64,
}

impl ChatReport {
    /// Receipts (messages × users).
    pub fn deliveries(&self) -> usize {
        self.latency_us.iter().map(Vec::len).sum()
    }

    /// Receipts per second.
    pub fn deliveries_per_sec(&self) -> f64 {
        self.deliveries() as f64 / self.elapsed.as_secs_f64()
    }

    /// The `q` quantile (0..=1) of the latencies of the users on `nodes`.
    pub fn quantile_us(&self, nodes: &[usize], q: f64) -> u64 {
        let mut all: Vec<u64> = nodes
            .iter()
            .flat_map(|&n| self.latency_us[n].iter().copied())
            .collect();
        all.sort_unstable();
        if all.is_empty() {
            return 0;
        }
        all[((all.len() - 1) as f64 * q).round() as usize]
    }

    /// Server CPU per receipt, in µs (`ticks_per_sec` from `sysconf`).
    pub fn cpu_us_per_delivery(&self, ticks_per_sec: u64) -> f64 {
        self.server_ticks as f64 * 1e6 / ticks_per_sec as f64 / self.deliveries() as f64
    }
}

/// Joins `users` chat views spread over `nodes` (user `i` on node
/// `i % nodes.len()`), sends `messages` messages from user 0, and returns
/// what it measured. `Err` when a message does not reach every user within
/// 10 s, a user receives messages out of order, or a join fails.
pub async fn run_chat(
    nodes: &[&Server],
    users: usize,
    messages: usize,
) -> Result<ChatReport, String> {
    assert!(users >= 1 && !nodes.is_empty());
    let base = Instant::now();
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, u64, u64)>();
    let mut sender = None;
    let mut receivers = Vec::new();
    for i in 0..users {
        let node = i % nodes.len();
        let page = nodes[node].load("/chat");
        let mut client = page.connect().await;
        let reply = client.join(&page, "1").await;
        if reply[4]["status"] != "ok" {
            return Err(format!("user {i} could not join: {reply}"));
        }
        if i == 0 {
            sender = Some((client, page));
            continue;
        }
        let tx = tx.clone();
        receivers.push(tokio::spawn(async move {
            let mut next = 0u64;
            while (next as usize) < messages {
                let frame = client
                    .next_frame()
                    .await
                    .map_err(|e| format!("user {i}: {e}"))?;
                for (seq, sent_us) in marks(&strings(&frame[4])) {
                    if seq < next {
                        continue; // already counted (a re-sent list)
                    }
                    if seq > next {
                        return Err(format!("user {i}: message {seq} came before {next}"));
                    }
                    let now = base.elapsed().as_micros() as u64;
                    let _ = tx.send((node, seq, now.saturating_sub(sent_us)));
                    next += 1;
                }
            }
            Ok::<_, String>(())
        }));
    }
    drop(tx);
    let (mut client, page) = sender.expect("user 0");
    let ticks_before: u64 = nodes.iter().map(|n| n.cpu_ticks()).sum();
    let mut latency_us = vec![Vec::with_capacity(messages * users / nodes.len() + 1); nodes.len()];
    let start = Instant::now();
    let mut own = 0u64;
    for seq in 0..messages as u64 {
        let sent_us = base.elapsed().as_micros() as u64;
        let body = format!("{MARK}{seq}x{sent_us}x");
        client
            .push(json!(["1", (seq + 2).to_string(), page.topic(), "event",
                {"type": "form", "event": "send", "value": format!("body={body}")}]))
            .await;
        let mut got = 0usize;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while got < users {
            tokio::select! {
                frame = client.next_frame() => {
                    let frame = frame.map_err(|e| format!("user 0: {e}"))?;
                    for (s, sent_us) in marks(&strings(&frame[4])) {
                        if s == own {
                            let now = base.elapsed().as_micros() as u64;
                            latency_us[0].push(now.saturating_sub(sent_us));
                            own += 1;
                            got += 1;
                        }
                    }
                }
                receipt = rx.recv() => match receipt {
                    Some((node, s, lat)) if s == seq => {
                        latency_us[node].push(lat);
                        got += 1;
                    }
                    Some((_, s, _)) => return Err(format!("a receipt of message {s} while waiting for {seq}")),
                    None => return Err(format!("the receivers stopped at message {seq}")),
                },
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(format!("message {seq} reached {got} of {users} users in 10 s"));
                }
            }
        }
    }
    let elapsed = start.elapsed();
    let server_ticks = nodes.iter().map(|n| n.cpu_ticks()).sum::<u64>() - ticks_before;
    for r in receivers {
        r.await.map_err(|e| e.to_string())??;
    }
    client.close().await;
    Ok(ChatReport {
        messages,
        elapsed,
        latency_us,
        server_ticks,
    })
}

/// The `(seq, sent_us)` of every load message in `text`, in order.
fn marks(text: &str) -> Vec<(u64, u64)> {
    text.match_indices(MARK)
        .filter_map(|(at, _)| {
            let mut parts = text[at + MARK.len()..].splitn(3, 'x');
            Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
        })
        .collect()
}
