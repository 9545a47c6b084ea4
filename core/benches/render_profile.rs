//! A plain loop over the `/list` render + diff (n = 1000, one changed row),
//! for profilers: `valgrind --tool=callgrind target/release/deps/render_profile-*`
//! (after `cargo bench -p liveview-core --bench render_profile --no-run`).
//!
//! Arguments: `fresh` profiles a render from scratch instead of one reusing
//! the previous tree; `chat` profiles the `/chat` view (200 messages, one
//! appended) instead, `chat plain` with messages that need no escaping;
//! `n=100` sets the list's rows (default 1000); a number sets the iterations (default 200).

use liveview_core::diff::{diff, Extras};
use liveview_core::html;
use liveview_core::template::{render_reusing, Rendered};
use std::hint::black_box;

fn render(rows: &[u64]) -> Rendered {
    html!(
        r#"<table id="rows">{#for (i, v) in rows.iter().enumerate(); key = i}<tr id="row-{i}"><td>{i}</td><td class="v">{v}</td><td><button phx-click="bump" phx-value-i="{i}">+</button></td></tr>{/for}</table>"#
    )
}

fn chat(messages: &liveview_core::im::Vector<String>) -> Rendered {
    html!(
        r#"<h1>Chat</h1>
<ul id="messages">{#for (i, m) in messages.iter().enumerate(); key = i}<li>{m}</li>{/for}</ul>"#
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fresh = args.iter().any(|a| a == "fresh");
    let iters: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(200);
    if args.iter().any(|a| a == "chat") {
        let plain = args.iter().any(|a| a == "plain");
        let mut messages: liveview_core::im::Vector<String> = (0..200)
            .map(|i| match plain {
                true => format!("user{} says: message number {i}, and more", i % 7),
                false => format!("user{} says: message number {i} & <more>", i % 7),
            })
            .collect();
        let prev = chat(&messages);
        messages.push_back("a new message".to_owned());
        let none = Extras::default();
        let mut bytes = 0;
        for _ in 0..iters {
            let next = if fresh {
                chat(black_box(&messages))
            } else {
                render_reusing(&prev, || chat(black_box(&messages)))
            };
            bytes += diff(&prev, &next, &none).map_or(0, |d| d.len());
        }
        println!("{iters} chat renders + diffs, {bytes} diff bytes");
        return;
    }
    let rows = args
        .iter()
        .find_map(|a| a.strip_prefix("n=")?.parse().ok())
        .unwrap_or(1000);
    let before = vec![0u64; rows];
    let mut after = before.clone();
    after[7] += 1;
    let prev = render(&before);
    let none = Extras::default();
    let mut bytes = 0;
    for _ in 0..iters {
        let next = if fresh {
            render(black_box(&after))
        } else {
            render_reusing(&prev, || render(black_box(&after)))
        };
        bytes += diff(&prev, &next, &none).map_or(0, |d| d.len());
    }
    println!("{iters} renders + diffs, {bytes} diff bytes");
}
