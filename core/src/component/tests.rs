//! Components through the real driver, checked against the client model.

use crate::component::{live_component, Cid, ComponentUpdate, LiveComponent};
use crate::diff::merge::Client;
use crate::event::ClientEvent;
use crate::runtime::{InputError, JoinInput, Output, ViewDriver};
use crate::view::{AsyncError, ComponentRef};
use crate::{html, Command, Context, LiveView, Mount, Rendered, Time, Update, Url};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

/// A row: a label from the parent, and clicks of its own.
#[derive(Debug)]
struct Row {
    label: String,
    clicks: u32,
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RowEvent {
    Click,
    Tell,
    Poke { other: u32 },
    Load,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum RowInfo {
    Note(String),
    Loaded(u32),
}

impl LiveComponent for Row {
    type Props = String;
    type Event = RowEvent;
    type Info = RowInfo;

    fn mount(label: String, _: &Context) -> ComponentUpdate<Self> {
        (
            Row {
                label,
                clicks: 0,
                note: String::new(),
            },
            vec![],
        )
    }

    fn update(self, label: String, _: &Context) -> ComponentUpdate<Self> {
        (Row { label, ..self }, vec![])
    }

    fn handle_event(self, event: RowEvent, cx: &Context) -> ComponentUpdate<Self> {
        match event {
            RowEvent::Click => (
                Row {
                    clicks: self.clicks + 1,
                    ..self
                },
                vec![],
            ),
            RowEvent::Tell => {
                let me = cx.myself.map(Cid::get).unwrap_or(0);
                (self, vec![Command::send_parent(Info::Told(me))])
            }
            RowEvent::Poke { other } => (
                self,
                vec![Command::send_update::<Row>(
                    other,
                    RowInfo::Note("poked".into()),
                )],
            ),
            RowEvent::Load => (self, vec![Command::start_async("load", RowInfo::Loaded(0))]),
        }
    }

    fn handle_info(self, info: RowInfo, _: &Context) -> ComponentUpdate<Self> {
        match info {
            RowInfo::Note(note) => (Row { note, ..self }, vec![]),
            RowInfo::Loaded(_) => (self, vec![]),
        }
    }

    fn handle_async(
        self,
        key: String,
        result: Result<RowInfo, AsyncError>,
        _: &Context,
    ) -> ComponentUpdate<Self> {
        let note = match result {
            Ok(RowInfo::Loaded(n)) => format!("{key}: {n}"),
            Ok(other) => format!("{key}: {other:?}"),
            Err(e) => format!("{key} failed: {e}"),
        };
        (Row { note, ..self }, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        html!(
            r#"<li id="row-{myself}"><button phx-click="click" phx-target={myself}>{self.label}</button> {self.clicks}{#if !self.note.is_empty()} <em>{self.note}</em>{/if}</li>"#
        )
    }
}

/// A page of rows, each a `Row` component keyed by its id.
struct Page {
    rows: Vec<(u32, String)>,
    told: Vec<u32>,
    title: String,
    /// Another root template (the client then drops every component).
    boxed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Add { id: u32 },
    Remove { id: u32 },
    Rename { id: u32, label: String },
    Retitle,
    Rebox,
    Note { id: u32 },
    NoteLater { id: u32 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Info {
    Told(u32),
}

impl LiveView for Page {
    type Event = Event;
    type Info = Info;

    fn mount(_: &Mount) -> Update<Self> {
        let rows = (1..=3).map(|i| (i, format!("row {i}"))).collect();
        (
            Page {
                rows,
                told: vec![],
                title: "rows".into(),
                boxed: false,
            },
            vec![],
        )
    }

    fn handle_event(mut self, event: Event) -> Update<Self> {
        let mut cmds = vec![];
        match event {
            Event::Add { id } => {
                if !self.rows.iter().any(|(i, _)| *i == id) {
                    self.rows.push((id, format!("row {id}")));
                }
            }
            Event::Remove { id } => self.rows.retain(|(i, _)| *i != id),
            Event::Rename { id, label } => {
                for (i, l) in &mut self.rows {
                    if *i == id {
                        *l = label.clone();
                    }
                }
            }
            Event::Retitle => self.title.push('!'),
            Event::Rebox => self.boxed = !self.boxed,
            Event::Note { id } => cmds.push(Command::send_update::<Row>(
                id,
                RowInfo::Note("from the parent".into()),
            )),
            Event::NoteLater { id } => cmds.push(Command::send_update_after::<Row>(
                id,
                RowInfo::Note("later".into()),
                Duration::from_millis(100),
            )),
        }
        (self, cmds)
    }

    fn handle_info(mut self, Info::Told(cid): Info) -> Update<Self> {
        self.told.push(cid);
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let rows = html!(
            r#"{#for (id, label) in &self.rows; key = *id}{live_component::<Row>(id, label.clone())}{/for}"#
        );
        if self.boxed {
            html!(
                r#"<section><h2>{self.title}</h2><ol>{rows}</ol><p>{self.told.len()}</p></section>"#
            )
        } else {
            html!(r#"<h1>{self.title}</h1><ul>{rows}</ul><p>{self.told.len()}</p>"#)
        }
    }
}

/// The driver and the client model side by side, with the client's
/// component cleanup (`cids_will_destroy`, then `cids_destroyed`).
struct Both<V: LiveView = Page> {
    view: ViewDriver<V>,
    client: Client,
    now: Time,
    diffs: Vec<Value>,
}

impl Both<Page> {
    fn join() -> Both<Page> {
        Both::join_view()
    }
}

impl<V: LiveView> Both<V> {
    fn join_view() -> Both<V> {
        let input = JoinInput {
            connected: true,
            url: Url::parse("/rows").unwrap(),
            keep_stream_items: true,
            ..Default::default()
        };
        let (view, joined) = ViewDriver::<V>::join(Time::ZERO, input).unwrap();
        let rendered: Value = serde_json::from_str(&joined.rendered).unwrap();
        let client = Client::join(rendered.clone()).unwrap();
        let both = Both {
            view,
            client,
            now: Time::ZERO,
            diffs: vec![rendered],
        };
        both.check();
        both
    }

    fn tick(&mut self) -> Time {
        self.now = self.now + Duration::from_millis(1);
        self.now
    }

    fn apply(&mut self, diff: Option<&str>) {
        if let Some(d) = diff {
            let v: Value = serde_json::from_str(d).unwrap();
            let before = self.client.shown_cids();
            self.client.apply(v.clone()).unwrap();
            self.diffs.push(v);
            let after = self.client.shown_cids();
            let gone: Vec<u32> = before.into_iter().filter(|c| !after.contains(c)).collect();
            if !gone.is_empty() {
                let now = self.tick();
                self.view.cids_will_destroy(now, &gone).unwrap();
                self.drain();
                let deleted = self.view.cids_destroyed(now, &gone).unwrap();
                self.client.prune(&deleted);
            }
        }
    }

    fn drain(&mut self) {
        while let Some(out) = self.view.poll_output() {
            if let Output::Push(d) = out {
                self.apply(Some(&d));
            }
        }
    }

    fn event(&mut self, value: Value) -> Result<Option<String>, InputError> {
        self.event_to(None, value)
    }

    fn event_to(&mut self, cid: Option<u32>, value: Value) -> Result<Option<String>, InputError> {
        let mut value = value;
        let name = value["e"].as_str().unwrap().to_owned();
        value.as_object_mut().unwrap().remove("e");
        let mut ev = ClientEvent::json("click", &name, value);
        ev.cid = cid.map(u64::from);
        let now = self.tick();
        let reply = self.view.handle_event(now, ev)?;
        self.apply(reply.diff.as_deref());
        self.drain();
        self.check();
        Ok(reply.diff)
    }

    fn check(&self) {
        assert_eq!(
            self.client.to_html().unwrap(),
            self.view.render_html(),
            "after {:?}",
            self.diffs.last()
        );
    }

    fn cid_of(&self, id: &str) -> u32 {
        self.view
            .components()
            .iter()
            .find(|c| c.id == id)
            .unwrap()
            .cid
    }
}

#[test]
fn the_join_sends_each_component_once_sharing_statics() {
    let both = Both::join();
    let rendered = &both.diffs[0];
    // The list holds cids; the components are in "c".
    assert_eq!(rendered["1"]["0"]["k"]["0"]["0"], json!(1));
    let c = &rendered["c"];
    assert_eq!(c["1"]["r"], json!(1));
    assert!(c["1"]["s"].is_array());
    // Rows 2 and 3 share row 1's statics from the same diff.
    assert_eq!(c["2"]["s"], json!(1));
    assert_eq!(c["3"]["s"], json!(1));
    assert_eq!(c["3"]["2"], json!("row 3"));
    assert!(both
        .view
        .render_html()
        .contains(r#"<li data-phx-component="2" id="row-2"><button phx-click="click" phx-target="2">row 2</button> 0</li>"#));
}

#[test]
fn a_components_event_renders_that_component_alone() {
    let mut both = Both::join();
    let diff = both
        .event_to(Some(2), json!({"e": "click"}))
        .unwrap()
        .unwrap();
    assert_eq!(diff, r#"{"c":{"2":{"3":"1"}}}"#);
    let clicks = both.view.component_state::<Row>("2").unwrap().clicks;
    assert_eq!(clicks, 1);
    // The parent's own event re-renders the parent, not the unchanged rows.
    let diff = both.event(json!({"e": "retitle"})).unwrap().unwrap();
    assert_eq!(diff, r#"{"0":"rows!"}"#);
}

#[test]
fn new_props_update_the_component_and_equal_props_do_not() {
    let mut both = Both::join();
    both.event_to(Some(1), json!({"e": "click"})).unwrap();
    let diff = both
        .event(json!({"e": "rename", "id": 1, "label": "first"}))
        .unwrap()
        .unwrap();
    // Only the renamed row's label; its own state (a click) is kept.
    assert_eq!(diff, r#"{"c":{"1":{"2":"first"}}}"#);
    assert_eq!(both.view.component_state::<Row>("1").unwrap().clicks, 1);
}

#[test]
fn a_new_component_shares_the_statics_the_client_has() {
    let mut both = Both::join();
    let diff = both.event(json!({"e": "add", "id": 9})).unwrap().unwrap();
    let v: Value = serde_json::from_str(&diff).unwrap();
    // -cid: a component whose tree the client had before this diff.
    let shared = v["c"]["4"]["s"].as_i64().unwrap();
    assert!((-3..=-1).contains(&shared), "{diff}");
    assert_eq!(v["c"]["4"]["2"], json!("row 9"));
    assert_eq!(v["1"]["0"]["k"]["3"]["0"], json!(4));
}

#[test]
fn send_update_reaches_a_component_from_the_parent_another_component_and_a_timer() {
    let mut both = Both::join();
    both.event(json!({"e": "note", "id": 2})).unwrap();
    assert_eq!(
        both.view.component_state::<Row>("2").unwrap().note,
        "from the parent"
    );
    both.event_to(Some(1), json!({"e": "poke", "other": 3}))
        .unwrap();
    assert_eq!(both.view.component_state::<Row>("3").unwrap().note, "poked");
    both.event(json!({"e": "note_later", "id": 1})).unwrap();
    assert_eq!(both.view.component_state::<Row>("1").unwrap().note, "");
    let due = both.view.poll_timeout().unwrap();
    both.view.handle_timeout(due);
    both.drain();
    both.check();
    assert_eq!(both.view.component_state::<Row>("1").unwrap().note, "later");
    // From outside (a test, the rest of the server).
    let now = both.tick();
    let to = ComponentRef::Id {
        component: std::any::type_name::<Row>().into(),
        id: "2".into(),
    };
    both.view
        .send_update(now, to, json!({"Note": "outside"}))
        .unwrap();
    both.drain();
    both.check();
    assert_eq!(
        both.view.component_state::<Row>("2").unwrap().note,
        "outside"
    );
    let missing = ComponentRef::Id {
        component: std::any::type_name::<Row>().into(),
        id: "77".into(),
    };
    assert!(matches!(
        both.view.send_update(now, missing, json!({"Note": "x"})),
        Err(InputError::NoComponent(_))
    ));
}

#[test]
fn a_component_sends_its_parent_an_info() {
    let mut both = Both::join();
    both.event_to(Some(3), json!({"e": "tell"})).unwrap();
    assert_eq!(both.view.state().unwrap().told, vec![3]);
    assert!(both.view.render_html().contains("<p>1</p>"));
}

#[test]
fn removed_components_are_destroyed_when_the_client_says_so() {
    let mut both = Both::join();
    both.event(json!({"e": "remove", "id": 2})).unwrap();
    // The client reported it and the server deleted it.
    assert_eq!(
        both.view
            .components()
            .iter()
            .map(|c| c.cid)
            .collect::<Vec<_>>(),
        vec![1, 3]
    );
    // An event for the destroyed cid: a clear error, nothing changes.
    let html = both.view.render_html();
    let err = both.event_to(Some(2), json!({"e": "click"})).unwrap_err();
    assert!(err.to_string().contains("targets component 2"), "{err}");
    assert_eq!(both.view.render_html(), html);
    // A cid no component of this view ever had.
    let err = both.event_to(Some(42), json!({"e": "click"})).unwrap_err();
    assert!(matches!(err, InputError::NoComponent(_)));
    // The same id rendered again is a new component.
    both.event(json!({"e": "add", "id": 2})).unwrap();
    assert_eq!(both.cid_of("2"), 4);
}

#[test]
fn a_component_rendered_again_before_cids_destroyed_is_revived() {
    let mut both = Both::join();
    let now = both.tick();
    both.view.cids_will_destroy(now, &[2]).unwrap();
    // The parent renders it again (any render of the list names it).
    let diff = both
        .event(json!({"e": "rename", "id": 2, "label": "back"}))
        .unwrap()
        .unwrap();
    let v: Value = serde_json::from_str(&diff).unwrap();
    // Revived in full: not a diff against its own tree (which the client
    // may have dropped), but its statics, or another component's.
    let s = &v["c"]["2"]["s"];
    assert!(
        s.is_array() || s.as_i64().is_some_and(|c| c < 0 && c != -2),
        "{diff}"
    );
    assert_eq!(
        v["c"]["2"]["0"],
        json!("2"),
        "every dynamic is sent: {diff}"
    );
    let now = both.tick();
    assert_eq!(
        both.view.cids_destroyed(now, &[2]).unwrap(),
        Vec::<u32>::new()
    );
    assert_eq!(both.cid_of("2"), 2);
    both.event_to(Some(2), json!({"e": "click"})).unwrap();
}

#[test]
fn a_components_task_reaches_its_handle_async() {
    let mut both = Both::join();
    both.event_to(Some(1), json!({"e": "load"})).unwrap();
    let tasks = both.view.pending_tasks();
    assert_eq!(tasks.len(), 1);
    let now = both.tick();
    both.view
        .handle_async(now, tasks[0].id, Ok(json!({"Loaded": 7})))
        .unwrap();
    both.drain();
    both.check();
    assert_eq!(
        both.view.component_state::<Row>("1").unwrap().note,
        "load: 7"
    );
}

#[test]
fn a_component_that_does_not_decode_the_event_changes_nothing() {
    let mut both = Both::join();
    let html = both.view.render_html();
    let err = both.event_to(Some(1), json!({"e": "nope"})).unwrap_err();
    assert!(matches!(err, InputError::Decode(_)));
    assert_eq!(both.view.render_html(), html);
    assert_eq!(both.view.poll_output(), None);
}

/// A stream whose items are components.
struct Feed {
    items: crate::stream::Stream<u32>,
    next: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FeedEvent {
    Add,
    Drop { id: u32 },
}

impl LiveView for Feed {
    type Event = FeedEvent;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        let mut items = crate::stream::Stream::new("items", |i: &u32| *i);
        items.extend([1, 2]);
        (Feed { items, next: 3 }, vec![])
    }
    fn handle_event(mut self, event: FeedEvent) -> Update<Self> {
        match event {
            FeedEvent::Add => {
                self.items.insert(self.next);
                self.next += 1;
            }
            FeedEvent::Drop { id } => {
                self.items.delete(&id);
            }
        }
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<div id="items" phx-update="stream">{#for (dom_id, i) in &self.items}<p id={dom_id}>{live_component::<Row>(i, format!("item {i}"))}</p>{/for}</div>"#
        )
    }
}

#[test]
fn components_inside_stream_items_render_alone_and_go_with_their_item() {
    let mut both = Both::<Feed>::join_view();
    assert!(both
        .view
        .render_html()
        .contains(r#"<p id="items-2"><li data-phx-component="2" id="row-2">"#));
    // The component renders alone; the stream item around it stays.
    both.event_to(Some(2), json!({"e": "click"})).unwrap();
    assert!(both
        .view
        .render_html()
        .contains("item 2</button> 1</li></p>"));
    both.event(json!({"e": "add"})).unwrap();
    assert_eq!(both.view.components().len(), 3);
    // Deleting the item removes its component, which the client reports.
    both.event(json!({"e": "drop", "id": 1})).unwrap();
    let ids: Vec<String> = both.view.components().into_iter().map(|c| c.id).collect();
    assert_eq!(ids, vec!["2", "3"]);
}

#[derive(Clone, Debug)]
enum Op {
    Add(u32),
    Remove(u32),
    Rename(u32, u8),
    Retitle,
    Rebox,
    Click(u32),
    Note(u32),
    Tell(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u32..8).prop_map(Op::Add),
        (1u32..8).prop_map(Op::Remove),
        ((1u32..8), any::<u8>()).prop_map(|(i, l)| Op::Rename(i, l % 3)),
        Just(Op::Retitle),
        Just(Op::Rebox),
        (1u32..8).prop_map(Op::Click),
        (1u32..8).prop_map(Op::Note),
        (1u32..8).prop_map(Op::Tell),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Invariant 5 with components: after every step the client model
    /// (with its `"c"` merging, shared statics and cleanup) shows the
    /// server's page.
    #[test]
    fn the_client_page_follows_the_server_with_components(ops in prop::collection::vec(op(), 1..30)) {
        let mut both = Both::join();
        for op in ops {
            let cids: Vec<(String, u32)> = both.view.components().into_iter().map(|c| (c.id, c.cid)).collect();
            let cid = |id: u32| cids.iter().find(|(i, _)| *i == id.to_string()).map(|(_, c)| *c);
            let r = match op {
                Op::Add(id) => both.event(json!({"e": "add", "id": id})),
                Op::Remove(id) => both.event(json!({"e": "remove", "id": id})),
                Op::Rename(id, l) => both.event(json!({"e": "rename", "id": id, "label": format!("l{l}")})),
                Op::Retitle => both.event(json!({"e": "retitle"})),
                Op::Rebox => both.event(json!({"e": "rebox"})),
                Op::Click(id) => both.event_to(Some(cid(id).unwrap_or(99)), json!({"e": "click"})),
                Op::Note(id) => both.event(json!({"e": "note", "id": id})),
                Op::Tell(id) => both.event_to(Some(cid(id).unwrap_or(99)), json!({"e": "tell"})),
            };
            match r {
                Ok(_) | Err(InputError::NoComponent(_)) => {}
                Err(e) => prop_assert!(false, "{e}"),
            }
            both.check();
            // Every component the page shows is one the server has, and
            // the server holds no other (the client destroyed them).
            let mut shown = both.client.shown_cids();
            shown.sort_unstable();
            let held: Vec<u32> = both.view.components().iter().map(|c| c.cid).collect();
            prop_assert_eq!(shown, held);
        }
    }
}

/// Two components of one type with one id in a render: the view crashes,
/// as in Phoenix.
struct Twice;

impl LiveView for Twice {
    type Event = ();
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Twice, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<div>{live_component::<Row>("same", "a".to_string())}{live_component::<Row>("same", "b".to_string())}</div>"#
        )
    }
}

#[test]
#[should_panic(expected = "found duplicate ID \"same\"")]
fn a_duplicate_id_crashes_the_view() {
    let input = JoinInput {
        connected: true,
        url: Url::parse("/twice").unwrap(),
        ..Default::default()
    };
    let _ = ViewDriver::<Twice>::join(Time::ZERO, input);
}

/// A component with a stream: every instance has one named "items".
struct Boxed {
    items: crate::stream::Stream<u32>,
}

impl LiveComponent for Boxed {
    type Props = u32;
    type Event = ();
    type Info = ();
    fn mount(n: u32, _: &Context) -> ComponentUpdate<Self> {
        let mut items = crate::stream::Stream::new("items", |i: &u32| *i);
        items.extend(n * 10..n * 10 + 2);
        (Boxed { items }, vec![])
    }
    fn update(self, _: u32, _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }
    fn render(&self, myself: Cid) -> Rendered {
        html!(
            r#"<ul id="box-{myself}" phx-update="stream">{#for (dom_id, i) in &self.items}<li id={dom_id}>{i}</li>{/for}</ul>"#
        )
    }
}

struct Boxes;

impl LiveView for Boxes {
    type Event = ();
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Boxes, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<div>{live_component::<Boxed>(1, 1)}{live_component::<Boxed>(2, 2)}</div>"#)
    }
}

#[test]
fn streams_of_two_components_have_references_of_their_own() {
    let both = Both::<Boxes>::join_view();
    let c = &both.diffs[0]["c"];
    assert_eq!(c["1"]["1"]["stream"][0], json!("1-items"));
    assert_eq!(c["2"]["1"]["stream"][0], json!("2-items"));
    assert!(both
        .view
        .render_html()
        .contains(r#"<li id="items-20">20</li>"#));
}
