//! `chat-nodes`: chat across server nodes against one node, measured.
//!
//! ```text
//! cargo run --release -p liveview-tests --bin chat-nodes -- [--users 100] [--messages 1000] [--rounds 3]
//! ```
//!
//! Starts a real `redis-server` and, round after round, three set-ups of the
//! release example server in turn, each fresh: one node with in-process
//! pub/sub, one node on Redis, and two nodes on Redis with the users split
//! between them. Each runs [`liveview_tests::run_chat`] (user 0 sends, every
//! user receives, closed loop) after a short warm-up. Prints a Markdown
//! table of the medians over the rounds: receipts per second, latency p50
//! and p99 (overall, and on the sender's node and the other node), and
//! server CPU per receipt. The added latency of the Redis hop is the other
//! node's p50 minus the sender's node's p50 in the same run.

#[allow(dead_code)]
#[path = "../../adapters/redis/tests/support/mod.rs"]
mod redis_support;

use liveview_tests::{run_chat, ChatReport, Server};
use redis_support::RedisServer;

struct Args {
    users: usize,
    messages: usize,
    rounds: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        users: 100,
        messages: 1000,
        rounds: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || -> Result<usize, String> {
            it.next()
                .ok_or(format!("{flag} needs a value"))?
                .parse()
                .map_err(|e| format!("{flag}: {e}"))
        };
        match flag.as_str() {
            "--users" => a.users = value()?,
            "--messages" => a.messages = value()?,
            "--rounds" => a.rounds = value()?,
            "-h" | "--help" => {
                return Err("usage: chat-nodes [--users N] [--messages M] [--rounds R]".into())
            }
            other => return Err(format!("unknown argument {other} (see --help)")),
        }
    }
    if a.users < 2 || a.messages == 0 || a.rounds == 0 {
        return Err("need --users ≥ 2, --messages ≥ 1, --rounds ≥ 1".into());
    }
    Ok(a)
}

#[derive(Clone, Copy, PartialEq)]
enum Setup {
    OneNode,
    OneNodeRedis,
    TwoNodesRedis,
}

impl Setup {
    const ALL: [Setup; 3] = [Setup::OneNode, Setup::OneNodeRedis, Setup::TwoNodesRedis];

    fn name(self) -> &'static str {
        match self {
            Setup::OneNode => "1 node, in-process pub/sub",
            Setup::OneNodeRedis => "1 node on Redis",
            Setup::TwoNodesRedis => "2 nodes on Redis (users split)",
        }
    }

    fn start(self, redis: &RedisServer, round: usize) -> Vec<Server> {
        let node = |redis_url: Option<String>| {
            let mut launch =
                Server::launch().env("LIVEVIEW_SECRET", format!("chat-nodes-secret-{:0>40}", 0));
            if let Some(url) = redis_url {
                launch = launch
                    .env("LIVEVIEW_REDIS_URL", url)
                    .env("LIVEVIEW_REDIS_NAMESPACE", format!("chat-nodes-{round}"));
            }
            launch.start()
        };
        match self {
            Setup::OneNode => vec![node(None)],
            Setup::OneNodeRedis => vec![node(Some(redis.url()))],
            Setup::TwoNodesRedis => vec![node(Some(redis.url())), node(Some(redis.url()))],
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("chat-nodes: {e}");
            std::process::exit(2);
        }
    };
    // SAFETY: sysconf only reads a system constant.
    let ticks_per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let redis = RedisServer::start();
    let mut results: Vec<Vec<ChatReport>> = vec![Vec::new(); Setup::ALL.len()];
    for round in 0..a.rounds {
        for (k, setup) in Setup::ALL.into_iter().enumerate() {
            let servers = setup.start(&redis, round);
            let nodes: Vec<&Server> = servers.iter().collect();
            let warm = run_chat(&nodes, a.users, a.messages.min(50)).await;
            let report = warm.and(run_chat(&nodes, a.users, a.messages).await);
            match report {
                Ok(r) => {
                    eprintln!(
                        "round {round} {}: {:.0} receipts/s, p99 {} µs",
                        setup.name(),
                        r.deliveries_per_sec(),
                        r.quantile_us(&[0, nodes.len() - 1], 0.99)
                    );
                    results[k].push(r);
                }
                Err(e) => {
                    eprintln!("chat-nodes: {} failed: {e}", setup.name());
                    std::process::exit(1);
                }
            }
        }
    }
    println!(
        "chat, {} users, {} messages, median of {} rounds (receipts = messages × users)\n",
        a.users, a.messages, a.rounds
    );
    println!("| set-up | receipts/s | p50 µs | p99 µs | sender's node p50 / p99 µs | other node p50 / p99 µs | server CPU µs/receipt |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (k, setup) in Setup::ALL.into_iter().enumerate() {
        let rs = &results[k];
        let m = |f: &dyn Fn(&ChatReport) -> f64| median(rs.iter().map(f).collect());
        let all = if setup == Setup::TwoNodesRedis {
            vec![0, 1]
        } else {
            vec![0]
        };
        let other = if setup == Setup::TwoNodesRedis {
            format!(
                "{:.0} / {:.0}",
                m(&|r| r.quantile_us(&[1], 0.5) as f64),
                m(&|r| r.quantile_us(&[1], 0.99) as f64)
            )
        } else {
            "–".into()
        };
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} / {:.0} | {} | {:.2} |",
            setup.name(),
            m(&|r| r.deliveries_per_sec()),
            m(&|r| r.quantile_us(&all, 0.5) as f64),
            m(&|r| r.quantile_us(&all, 0.99) as f64),
            m(&|r| r.quantile_us(&[0], 0.5) as f64),
            m(&|r| r.quantile_us(&[0], 0.99) as f64),
            other,
            m(&|r| r.cpu_us_per_delivery(ticks_per_sec)),
        );
    }
    let two = &results[2];
    let hop = median(
        two.iter()
            .map(|r| r.quantile_us(&[1], 0.5) as f64 - r.quantile_us(&[0], 0.5) as f64)
            .collect(),
    );
    println!("\nThe Redis hop adds {hop:.0} µs at the median (other node p50 − sender's node p50, per run).");
}
