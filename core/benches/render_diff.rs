//! Render + diff of the conformance app's `/list` view (APP.md): a keyed table of
//! `n` rows, one of which changed; and of `/chat`, `n` messages and one more.
//!
//! `reusing-render+diff` is what the driver does: render with
//! `render_reusing(previous tree)`, so that unchanged list entries are
//! reused (compared, not rebuilt) and their chunks shared, then diff.
//! `render+diff` renders from scratch.
//!
//! The view is rendered by `html!` from the template below; the breakdown
//! variants (`render_preformatted`, `render_skeleton`) build the same tree
//! shape by hand to show where render time goes.
//!
//! Run: `cargo bench -p liveview-core --bench render_diff -- --quick`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use liveview_core::diff::{diff, full, Extras};
use liveview_core::html;
use liveview_core::template::{
    render_reusing, Comprehension, Dynamic, EntryKey, Rendered, Statics, ToDynamic,
};
use std::time::Duration;

static TABLE: Statics = Statics::new(&["<table id=\"rows\">", "</table>"], 0x7AB1E);
static ROW: Statics = Statics::new(
    &[
        "<tr id=\"row-",
        "\"><td>",
        "</td><td class=\"v\">",
        "</td><td><button phx-click=\"bump\" phx-value-i=\"",
        "\">+</button></td></tr>",
    ],
    0x0120,
);

/// `ListView::render`.
fn render(rows: &[u64]) -> Rendered {
    html!(
        r#"<table id="rows">{#for (i, v) in rows.iter().enumerate(); key = i}<tr id="row-{i}"><td>{i}</td><td class="v">{v}</td><td><button phx-click="bump" phx-value-i="{i}">+</button></td></tr>{/for}</table>"#
    )
}

/// `render` with empty text in every hole: the cost of the tree itself
/// (entry and dynamics vectors), without formatting or string allocations.
fn render_skeleton(rows: &[u64]) -> Rendered {
    let mut c = Comprehension::with_capacity(&ROW, rows.len());
    for i in 0..rows.len() {
        c.push(
            Some(EntryKey::from(i)),
            vec![
                Dynamic::empty(),
                Dynamic::empty(),
                Dynamic::empty(),
                Dynamic::empty(),
            ],
        );
    }
    Rendered::new(&TABLE, vec![Dynamic::List(c)])
}

/// `render` with the text of every hole cloned from precomputed values: the
/// same tree as `render`, without number formatting.
fn render_preformatted(rows: &[u64], texts: &[Dynamic]) -> Rendered {
    let mut c = Comprehension::with_capacity(&ROW, rows.len());
    for (i, v) in rows.iter().enumerate() {
        let t = texts[i].clone();
        c.push(
            Some(EntryKey::from(i)),
            vec![t.clone(), t.clone(), texts[*v as usize].clone(), t],
        );
    }
    Rendered::new(&TABLE, vec![Dynamic::List(c)])
}

/// CPU time of this thread in ns (Linux), which a loaded machine distorts less than wall time.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Mean CPU time per call of `f` in µs, over about 300 ms of CPU time.
fn cpu_time_per_call<R>(mut f: impl FnMut() -> R) -> Option<f64> {
    let start = thread_cpu_ns()?;
    let mut calls = 0u64;
    loop {
        for _ in 0..16 {
            black_box(f());
        }
        calls += 16;
        let spent = thread_cpu_ns()? - start;
        if spent > 300_000_000 {
            return Some(spent as f64 / calls as f64 / 1000.0);
        }
    }
}

fn bench(c: &mut Criterion) {
    let none = Extras::default();
    assert_eq!(
        render(&[0, 3]).to_html(),
        "<table id=\"rows\"><tr id=\"row-0\"><td>0</td><td class=\"v\">0</td><td><button phx-click=\"bump\" \
         phx-value-i=\"0\">+</button></td></tr><tr id=\"row-1\"><td>1</td><td class=\"v\">3</td><td><button \
         phx-click=\"bump\" phx-value-i=\"1\">+</button></td></tr></table>"
    );
    let mut group = c.benchmark_group("list");
    for n in [100usize, 1_000, 10_000] {
        let before = vec![0u64; n];
        let mut after = before.clone();
        after[7] += 1;
        let prev = render(&before);
        let next = render(&after);
        let d = diff(&prev, &next, &none).expect("one row changed");
        let join = full(&prev, &none);
        println!(
            "list n={n}: diff {} bytes {d}; full render {} bytes",
            d.len(),
            join.len()
        );
        let texts: Vec<Dynamic> = (0..n).map(|i| i.to_dynamic()).collect();
        let memo = render_reusing(&prev, || render(&after));
        assert_eq!(memo, next);
        assert_eq!(diff(&prev, &memo, &none).as_deref(), Some(d.as_str()));
        if let (Some(md), Some(rd), Some(df), Some(r), Some(pf), Some(sk), Some(fl)) = (
            cpu_time_per_call(|| diff(&prev, &render_reusing(&prev, || render(&after)), &none)),
            cpu_time_per_call(|| diff(&prev, &render(&after), &none)),
            cpu_time_per_call(|| diff(&prev, &next, &none)),
            cpu_time_per_call(|| render(&after)),
            cpu_time_per_call(|| render_preformatted(&after, &texts)),
            cpu_time_per_call(|| render_skeleton(&after)),
            cpu_time_per_call(|| full(&next, &none)),
        ) {
            println!(
                "list n={n}: CPU time per call: reusing render+diff {md:.1} µs, \
                 render+diff {rd:.1} µs, diff {df:.1} µs, \
                 render {r:.1} µs (same without number formatting {pf:.1} µs, \
                 without any text {sk:.1} µs), full {fl:.1} µs"
            );
        }

        group.bench_with_input(BenchmarkId::new("reusing-render+diff", n), &n, |b, _| {
            b.iter(|| {
                let next = render_reusing(black_box(&prev), || render(black_box(&after)));
                diff(black_box(&prev), &next, &none)
            })
        });
        group.bench_with_input(BenchmarkId::new("diff-shared", n), &n, |b, _| {
            b.iter(|| diff(black_box(&prev), black_box(&memo), &none))
        });
        group.bench_with_input(BenchmarkId::new("render+diff", n), &n, |b, _| {
            b.iter(|| {
                let next = render(black_box(&after));
                diff(black_box(&prev), &next, &none)
            })
        });
        group.bench_with_input(BenchmarkId::new("diff", n), &n, |b, _| {
            b.iter(|| diff(black_box(&prev), black_box(&next), &none))
        });
        group.bench_with_input(BenchmarkId::new("render", n), &n, |b, _| {
            b.iter(|| render(black_box(&after)))
        });
        group.bench_with_input(BenchmarkId::new("render-skeleton", n), &n, |b, _| {
            b.iter(|| render_skeleton(black_box(&after)))
        });
        group.bench_with_input(BenchmarkId::new("full", n), &n, |b, _| {
            b.iter(|| full(black_box(&next), &none))
        });
    }
    group.finish();
}

/// `Chat::render` (APP.md `/chat`): every message, keyed by position.
fn chat(messages: &liveview_core::im::Vector<String>) -> Rendered {
    html!(
        r#"<h1>Chat</h1>
<ul id="messages">{#for (i, m) in messages.iter().enumerate(); key = i}<li>{m}</li>{/for}</ul>
<form id="chat-form" phx-submit="send">
  <input type="text" name="body" autocomplete="off">
  <button type="submit">Send</button>
</form>"#
    )
}

/// A chat of `n` messages gets one more: what each of the 100 views of a
/// broadcast renders and diffs.
fn bench_chat(c: &mut Criterion) {
    let none = Extras::default();
    let mut group = c.benchmark_group("chat");
    for n in [200usize, 2_000] {
        let mut messages: liveview_core::im::Vector<String> = (0..n)
            .map(|i| format!("user{} says: message number {i} & <more>", i % 7))
            .collect();
        let prev = chat(&messages);
        messages.push_back("a new message".to_owned());
        let next = chat(&messages);
        let d = diff(&prev, &next, &none).expect("a message was appended");
        let memo = render_reusing(&prev, || chat(&messages));
        assert_eq!(memo, next);
        assert_eq!(diff(&prev, &memo, &none).as_deref(), Some(d.as_str()));
        println!("chat n={n}: diff {} bytes {d}", d.len());
        if let (Some(md), Some(rd)) = (
            cpu_time_per_call(|| diff(&prev, &render_reusing(&prev, || chat(&messages)), &none)),
            cpu_time_per_call(|| diff(&prev, &chat(&messages), &none)),
        ) {
            println!(
                "chat n={n}: CPU time per call: reusing render+diff {md:.1} µs, render+diff {rd:.1} µs"
            );
        }
        group.bench_with_input(BenchmarkId::new("reusing-render+diff", n), &n, |b, _| {
            b.iter(|| {
                let next = render_reusing(black_box(&prev), || chat(black_box(&messages)));
                diff(black_box(&prev), &next, &none)
            })
        });
        group.bench_with_input(BenchmarkId::new("render+diff", n), &n, |b, _| {
            b.iter(|| diff(black_box(&prev), &chat(black_box(&messages)), &none))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench, bench_chat
}
criterion_main!(benches);
