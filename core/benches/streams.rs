//! Appending one row to a page of 10 000 rows, through the view driver
//! (update, render, diff): a keyed list the server keeps (`im::Vector`, the
//! rows of the conformance app's `/list`) against a stream it does not keep
//! (`/feed` of the example app). Before measuring, prints the bytes of one
//! append's diff and the bytes of the join for each.
//!
//! Run: `cargo bench -p liveview-core --bench streams -- --quick`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use liveview_core::im::Vector;
use liveview_core::runtime::{JoinInput, ViewDriver};
use liveview_core::stream::Stream;
use liveview_core::{html, LiveView, Mount, Rendered, Time, Update, Url};
use serde::Deserialize;

const ROWS: usize = 10_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Append,
}

/// The keyed list: every row lives in the state.
struct Keyed {
    rows: Vector<u64>,
}

impl LiveView for Keyed {
    type Event = Event;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (
            Keyed {
                rows: std::iter::repeat_n(0, ROWS).collect(),
            },
            vec![],
        )
    }
    fn handle_event(mut self, Event::Append: Event) -> Update<Self> {
        self.rows.push_back(0);
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<table><tbody id="rows">{#for (i, v) in self.rows.iter().enumerate(); key = i}<tr id="rows-{i}"><td>{i}</td><td class="v">{v}</td><td><button phx-click="bump" phx-value-i="{i}">bump</button></td></tr>{/for}</tbody></table>"#
        )
    }
}

#[derive(Clone, Copy)]
struct Row {
    i: usize,
    v: u64,
}

/// The stream: the state holds a counter and nothing else once rendered.
struct Streamed {
    rows: Stream<Row>,
    len: usize,
}

impl LiveView for Streamed {
    type Event = Event;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        let mut rows = Stream::new("rows", |r: &Row| r.i);
        rows.extend((0..ROWS).map(|i| Row { i, v: 0 }));
        (Streamed { rows, len: ROWS }, vec![])
    }
    fn handle_event(mut self, Event::Append: Event) -> Update<Self> {
        self.rows.insert(Row { i: self.len, v: 0 });
        self.len += 1;
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<table><tbody id="rows" phx-update="stream">{#for (id, r) in &self.rows}<tr id="{id}"><td>{r.i}</td><td class="v">{r.v}</td><td><button phx-click="bump" phx-value-i="{r.i}">bump</button></td></tr>{/for}</tbody></table>"#
        )
    }
}

fn join<V: LiveView>() -> (ViewDriver<V>, usize) {
    let input = JoinInput {
        connected: true,
        url: Url::parse("/rows").unwrap(),
        ..Default::default()
    };
    let (driver, joined) = ViewDriver::<V>::join(Time::ZERO, input).unwrap();
    (driver, joined.rendered.len())
}

fn append<V: LiveView<Event = Event>>(d: &mut ViewDriver<V>) -> usize {
    let reply = d.handle_typed_event(Time::ZERO, Event::Append).unwrap();
    reply.diff.map_or(0, |s| s.len())
}

fn bench(c: &mut Criterion) {
    let (mut keyed, keyed_join) = join::<Keyed>();
    let (mut streamed, streamed_join) = join::<Streamed>();
    eprintln!(
        "join: keyed list {keyed_join} bytes, stream {streamed_join} bytes; one append's diff: keyed list {} bytes, stream {} bytes",
        append(&mut keyed),
        append(&mut streamed)
    );
    let mut g = c.benchmark_group("join with 10000 rows");
    g.sample_size(10);
    g.bench_function("keyed list", |b| b.iter(|| black_box(join::<Keyed>().1)));
    g.bench_function("stream", |b| b.iter(|| black_box(join::<Streamed>().1)));
    g.finish();
    let mut g = c.benchmark_group("append one row to 10000");
    g.bench_function("keyed list", |b| b.iter(|| black_box(append(&mut keyed))));
    g.bench_function("stream", |b| b.iter(|| black_box(append(&mut streamed))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
