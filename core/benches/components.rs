//! One row of 1 000 changes per event, through the view driver (update,
//! render, diff): the keyed list of the conformance app's `/list`, against
//! the same rows as LiveComponents (`/rows` of the example app), changed
//! by the row's own event (`phx-target={myself}`: the component alone is
//! rendered) and by the parent (new props for one row: the parent renders,
//! finds its 1 000 components and updates one). Before measuring, prints
//! the bytes of one event's diff and of the join for each.
//!
//! Run: `cargo bench -p liveview-core --bench components -- --quick`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use liveview_core::component::{live_component, Cid, ComponentUpdate, LiveComponent};
use liveview_core::event::ClientEvent;
use liveview_core::im::Vector;
use liveview_core::runtime::{JoinInput, ViewDriver};
use liveview_core::{html, Context, LiveView, Mount, Rendered, Time, Update, Url};
use serde::Deserialize;
use serde_json::json;

const ROWS: usize = 1_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Bump { i: usize },
}

/// The keyed list: every row's value lives in the view's state.
struct Keyed {
    rows: Vector<u64>,
}

impl LiveView for Keyed {
    type Event = Event;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        let rows = std::iter::repeat_n(0, ROWS).collect();
        (Keyed { rows }, vec![])
    }
    fn handle_event(mut self, Event::Bump { i }: Event) -> Update<Self> {
        if let Some(v) = self.rows.get_mut(i) {
            *v += 1;
        }
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<table id="rows">{#for (i, v) in self.rows.iter().enumerate(); key = i}<tr id="row-{i}"><td>{i}</td><td class="v">{v}</td><td><button phx-click="bump" phx-value-i="{i}">bump</button></td></tr>{/for}</table>"#
        )
    }
}

/// A row as a component: its value is its own, or the parent's (props).
struct Row {
    i: usize,
    v: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RowEvent {
    Bump,
}

impl LiveComponent for Row {
    type Props = (usize, u64);
    type Event = RowEvent;
    type Info = ();
    fn mount((i, v): (usize, u64), _: &Context) -> ComponentUpdate<Self> {
        (Row { i, v }, vec![])
    }
    fn update(self, (i, v): (usize, u64), _: &Context) -> ComponentUpdate<Self> {
        (Row { i, v }, vec![])
    }
    fn handle_event(self, RowEvent::Bump: RowEvent, _: &Context) -> ComponentUpdate<Self> {
        (
            Row {
                v: self.v + 1,
                ..self
            },
            vec![],
        )
    }
    fn render(&self, myself: Cid) -> Rendered {
        html!(
            r#"<tr id="row-{self.i}"><td>{self.i}</td><td class="v">{self.v}</td><td><button phx-click="bump" phx-target={myself}>bump</button></td></tr>"#
        )
    }
}

/// The rows as components; the parent keeps the values it passes.
struct Components {
    rows: Vector<u64>,
}

impl LiveView for Components {
    type Event = Event;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        let rows = std::iter::repeat_n(0, ROWS).collect();
        (Components { rows }, vec![])
    }
    fn handle_event(mut self, Event::Bump { i }: Event) -> Update<Self> {
        if let Some(v) = self.rows.get_mut(i) {
            *v += 1;
        }
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<table id="rows">{#for (i, v) in self.rows.iter().enumerate(); key = i}{live_component::<Row>(i, (i, *v))}{/for}</table>"#
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

/// The parent's event: row `i` changes.
fn parent_bump<V: LiveView<Event = Event>>(d: &mut ViewDriver<V>, i: usize) -> usize {
    let reply = d.handle_typed_event(Time::ZERO, Event::Bump { i }).unwrap();
    reply.diff.map_or(0, |s| s.len())
}

/// The row's own event (`phx-target` = its cid, `i + 1`).
fn own_bump(d: &mut ViewDriver<Components>, i: usize) -> usize {
    let mut ev = ClientEvent::json("click", "bump", json!({"value": ""}));
    ev.cid = Some(i as u64 + 1);
    let reply = d.handle_event(Time::ZERO, ev).unwrap();
    reply.diff.map_or(0, |s| s.len())
}

fn bench(c: &mut Criterion) {
    let (mut keyed, keyed_join) = join::<Keyed>();
    let (mut comps, comps_join) = join::<Components>();
    eprintln!(
        "join: keyed list {keyed_join} bytes, components {comps_join} bytes; one event's diff: \
         keyed list {} bytes, component's own event {} bytes, parent's event {} bytes",
        parent_bump(&mut keyed, 500),
        own_bump(&mut comps, 500),
        parent_bump(&mut comps, 501),
    );
    let mut g = c.benchmark_group("join with 1000 rows");
    g.sample_size(20);
    g.bench_function("keyed list", |b| b.iter(|| black_box(join::<Keyed>().1)));
    g.bench_function("components", |b| {
        b.iter(|| black_box(join::<Components>().1))
    });
    g.finish();
    let mut g = c.benchmark_group("change one row of 1000");
    let mut i = 0;
    g.bench_function("keyed list", |b| {
        b.iter(|| {
            i = (i + 7) % ROWS;
            black_box(parent_bump(&mut keyed, i))
        })
    });
    g.bench_function("component's own event", |b| {
        b.iter(|| {
            i = (i + 7) % ROWS;
            black_box(own_bump(&mut comps, i))
        })
    });
    g.bench_function("parent's event (new props)", |b| {
        b.iter(|| {
            i = (i + 7) % ROWS;
            black_box(parent_bump(&mut comps, i))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
