//! `task-roundtrip`: what a task costs on the wire, beyond its own work.
//!
//! ```text
//! cargo run --release -p liveview-tests --bin task-roundtrip -- [--rounds 2000]
//! ```
//!
//! Starts the release example server and, on one socket, alternates two
//! round trips: a click on `/counter` (event → reply), and a click on
//! `/report?ms=0`'s `rebuild` (event → reply → the task started, run by the
//! app's runner with no work to do → its result → the diff pushed). The
//! difference of the medians is what a task round trip adds to an event
//! round trip: spawning it on tokio, delivering its outcome to the socket,
//! running `handle_async`, rendering and pushing the diff; "reply → result
//! diff" is how long after the event's reply the client has the result.

use liveview_tests::{click, Server};
use serde_json::json;
use std::time::{Duration, Instant};

fn quantile(v: &mut [Duration], q: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * q).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let mut rounds = 2000usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next().and_then(|v| v.parse().ok())) {
            ("--rounds", Some(n)) if n > 0 => rounds = n,
            _ => {
                eprintln!("usage: task-roundtrip [--rounds N]");
                std::process::exit(2);
            }
        }
    }
    let server = Server::launch().start();
    let counter = server.load("/counter");
    let report = server.load_in("/report?ms=0", &counter.cookie);
    let mut ws = counter.connect().await;
    assert_eq!(ws.join(&counter, "1").await[4]["status"], "ok");
    let (joined, _) = {
        ws.push(json!([
            "2",
            "2",
            report.topic(),
            "phx_join",
            report.join_payload()
        ]))
        .await;
        ws.reply_with_pushes("2").await
    };
    assert_eq!(joined[4]["status"], "ok", "{joined}");
    // The first build (started by mount) arrives as a push.
    loop {
        let f = ws.next_frame().await.expect("a frame");
        if f[3] == "diff" && f[2] == report.topic() {
            break;
        }
    }
    let (mut events, mut tasks, mut after_reply) = (Vec::new(), Vec::new(), Vec::new());
    let mut r = 10u64;
    for i in 0..rounds + rounds / 10 {
        r += 1;
        let t = Instant::now();
        ws.push(click(&counter.topic(), &r.to_string(), "inc", json!({})))
            .await;
        ws.reply_to(&r.to_string()).await;
        let event = t.elapsed();

        r += 1;
        let t = Instant::now();
        let frame = json!(["2", r.to_string(), report.topic(), "event",
            {"type": "click", "event": "rebuild", "value": {}}]);
        ws.push(frame).await;
        ws.reply_to(&r.to_string()).await;
        let replied = Instant::now();
        loop {
            let f = ws.next_frame().await.expect("the task's diff");
            if f[3] == "diff" && f[2] == report.topic() {
                break;
            }
        }
        let task = t.elapsed();
        if i >= rounds / 10 {
            // The first tenth warms up.
            events.push(event);
            tasks.push(task);
            after_reply.push(replied.elapsed());
        }
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let (e50, e99) = (quantile(&mut events, 0.5), quantile(&mut events, 0.99));
    let (t50, t99) = (quantile(&mut tasks, 0.5), quantile(&mut tasks, 0.99));
    let (a50, a99) = (
        quantile(&mut after_reply, 0.5),
        quantile(&mut after_reply, 0.99),
    );
    println!("{rounds} rounds, one socket, release example server\n");
    println!("| round trip | p50 µs | p99 µs |");
    println!("|---|---:|---:|");
    println!(
        "| click → reply (/counter) | {:.0} | {:.0} |",
        us(e50),
        us(e99)
    );
    println!(
        "| click → reply → task → result diff (/report?ms=0) | {:.0} | {:.0} |",
        us(t50),
        us(t99)
    );
    println!(
        "| of which: reply → result diff | {:.0} | {:.0} |",
        us(a50),
        us(a99)
    );
    println!(
        "\nA task round trip adds {:.0} µs at the median to an event round trip.",
        us(t50) - us(e50)
    );
}
