//! Streams: the wire format, the server forgetting items, the DOM rules, and
//! the server's model of the page against the client's (invariant 5′).

use super::*;
use crate::diff::merge::Client;
use crate::html;
use crate::runtime::{JoinInput, ViewDriver};
use crate::template::Rendered;
use crate::time::Time;
use crate::view::{LiveView, Mount, Update, Url};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug)]
struct Item {
    id: u32,
    text: String,
}

fn item(id: u32, text: &str) -> Item {
    Item {
        id,
        text: text.to_owned(),
    }
}

/// One operation on the feed, as an event.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Op {
    Insert {
        id: u32,
        text: String,
        at: Option<usize>,
        limit: Option<i64>,
        update_only: bool,
    },
    Delete {
        id: u32,
    },
    Reset {
        ids: Vec<u32>,
    },
    Toggle,
    Title {
        title: String,
    },
}

struct Feed {
    items: Stream<Item>,
    title: String,
    show: bool,
}

impl LiveView for Feed {
    type Event = Op;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let n: u32 = m.params.get("n").and_then(|n| n.parse().ok()).unwrap_or(3);
        let mut items = Stream::new("items", |i: &Item| i.id);
        items.extend((1..=n).map(|i| item(i, &format!("item {i}"))));
        let limit = m.params.get("limit").and_then(|l| l.parse().ok());
        if let Some(l) = limit {
            items.insert_with(item(0, "zero"), Insert::prepend().limit(l));
        }
        (
            Feed {
                items,
                title: "Feed".into(),
                show: true,
            },
            vec![],
        )
    }

    fn handle_event(mut self, op: Op) -> Update<Self> {
        match op {
            Op::Insert {
                id,
                text,
                at,
                limit,
                update_only,
            } => {
                let mut how = at.map_or(Insert::append(), Insert::at);
                if let Some(l) = limit {
                    how = how.limit(l);
                }
                if update_only {
                    how = how.update_only();
                }
                self.items.insert_with(item(id, &text), how);
            }
            Op::Delete { id } => {
                self.items.delete(&item(id, ""));
            }
            Op::Reset { ids } => {
                self.items
                    .reset()
                    .extend(ids.into_iter().map(|i| item(i, &format!("new {i}"))));
            }
            Op::Toggle => self.show = !self.show,
            Op::Title { title } => self.title = title,
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>{self.title}</h1>{#if self.show}<ul id="items" phx-update="stream">{#for (id, it) in &self.items}<li id="{id}">{it.text}</li>{/for}</ul>{/if}"#
        )
    }
}

fn join(query: &str, keep: bool) -> (ViewDriver<Feed>, String) {
    let input = JoinInput {
        connected: true,
        url: Url::parse(&format!("/feed{query}")).unwrap(),
        keep_stream_items: keep,
        ..Default::default()
    };
    let (driver, joined) = ViewDriver::<Feed>::join(Time::ZERO, input).unwrap();
    (driver, joined.rendered)
}

fn send(d: &mut ViewDriver<Feed>, op: Op) -> Option<String> {
    d.handle_typed_event(Time::ZERO, op).unwrap().diff
}

fn ins(id: u32, text: &str) -> Op {
    Op::Insert {
        id,
        text: text.into(),
        at: None,
        limit: None,
        update_only: false,
    }
}

#[test]
fn the_wire_format_is_phoenixs() {
    let (mut d, joined) = join("", false);
    assert_eq!(
        joined,
        r#"{"0":"Feed","1":{"0":{"s":["<li id=\"","\">","</li>"],"k":{"0":{"0":"items-1","1":"item 1"},"1":{"0":"items-2","1":"item 2"},"2":{"0":"items-3","1":"item 3"},"kc":3},"stream":["items",[["items-3",-1,null,false],["items-2",-1,null,false],["items-1",-1,null,false]],[]]},"s":["<ul id=\"items\" phx-update=\"stream\">","</ul>"]},"s":["<h1>","</h1>",""]}"#
    );
    // A render with nothing pending sends nothing for the stream.
    assert_eq!(
        send(&mut d, Op::Title { title: "T".into() }).unwrap(),
        r#"{"0":"T"}"#
    );
    let prepend = Op::Insert {
        id: 9,
        text: "nine".into(),
        at: Some(0),
        limit: Some(-2),
        update_only: false,
    };
    assert_eq!(
        send(&mut d, prepend).unwrap(),
        r#"{"1":{"0":{"k":{"0":{"0":"items-9","1":"nine"},"kc":1},"stream":["items",[["items-9",0,-2,false]],[]]}}}"#
    );
    assert_eq!(
        send(&mut d, Op::Delete { id: 2 }).unwrap(),
        r#"{"1":{"0":{"k":{"kc":0},"stream":["items",[],["items-2"]]}}}"#
    );
    assert_eq!(
        send(&mut d, Op::Reset { ids: vec![] }).unwrap(),
        r#"{"1":{"0":{"k":{"kc":0},"stream":["items",[],[],true]}}}"#
    );
    let update = Op::Insert {
        id: 1,
        text: "one".into(),
        at: None,
        limit: None,
        update_only: true,
    };
    assert_eq!(
        send(&mut d, update).unwrap(),
        r#"{"1":{"0":{"k":{"0":{"0":"items-1","1":"one"},"kc":1},"stream":["items",[["items-1",-1,null,true]],[]]}}}"#
    );
}

#[test]
fn the_server_forgets_items_once_sent() {
    let (mut d, _) = join("?n=1000", false);
    assert_eq!(d.state().unwrap().items.pending(), 0);
    // The kept tree has the stream's place and no item.
    assert_eq!(
        d.render_html(),
        r#"<h1>Feed</h1><ul id="items" phx-update="stream"></ul>"#
    );
    send(&mut d, ins(5000, "new"));
    assert_eq!(d.state().unwrap().items.pending(), 0);
    assert_eq!(
        d.render_html(),
        r#"<h1>Feed</h1><ul id="items" phx-update="stream"></ul>"#
    );
}

#[test]
fn the_dead_render_shows_every_item_in_insert_order() {
    let input = JoinInput {
        connected: false,
        url: Url::parse("/feed?n=3&limit=2").unwrap(),
        ..Default::default()
    };
    let (d, _) = ViewDriver::<Feed>::join(Time::ZERO, input).unwrap();
    // No limit pruning and no positions in the dead render, as in Phoenix.
    assert_eq!(
        d.render_html(),
        r#"<h1>Feed</h1><ul id="items" phx-update="stream"><li id="items-1">item 1</li><li id="items-2">item 2</li><li id="items-3">item 3</li><li id="items-0">zero</li></ul>"#
    );
    // Connected, the client places and prunes.
    let (d, joined) = join("?n=3&limit=2", true);
    let client = Client::join(serde_json::from_str(&joined).unwrap()).unwrap();
    let page = r#"<h1>Feed</h1><ul id="items" phx-update="stream"><li id="items-0">zero</li><li id="items-1">item 1</li></ul>"#;
    assert_eq!(client.to_html().unwrap(), page);
    assert_eq!(d.render_html(), page);
}

fn ids(dom: &StreamDom) -> Vec<&str> {
    dom.items("s").iter().map(|i| i.dom_id.as_str()).collect()
}

fn ops(inserts: &[(&str, i64, Option<i64>, bool)], deletes: &[&str], reset: bool) -> StreamOps {
    StreamOps {
        stream_ref: "s".into(),
        inserts: inserts
            .iter()
            .map(|&(d, at, limit, update_only)| StreamInsert {
                dom_id: d.into(),
                at,
                limit,
                update_only,
            })
            .collect(),
        deletes: deletes.iter().map(|d| d.to_string()).collect(),
        reset,
    }
}

fn li(id: &str, text: &str) -> String {
    format!(r#"<li class="x" id="{id}">{text}</li>"#)
}

#[test]
fn dom_rules_follow_the_client() {
    let mut dom = StreamDom::new();
    dom.apply(
        &ops(
            &[("b", -1, None, false), ("a", -1, None, false)],
            &[],
            false,
        ),
        [li("a", "A"), li("b", "B")],
    );
    assert_eq!(ids(&dom), ["a", "b"]);
    // Prepend, then insert at an index, then past the end.
    dom.apply(&ops(&[("z", 0, None, false)], &[], false), [li("z", "Z")]);
    dom.apply(&ops(&[("m", 1, None, false)], &[], false), [li("m", "M")]);
    dom.apply(&ops(&[("e", 99, None, false)], &[], false), [li("e", "E")]);
    assert_eq!(ids(&dom), ["z", "m", "a", "b", "e"]);
    // An existing item is updated in place, wherever the insert says.
    dom.apply(&ops(&[("a", 0, None, false)], &[], false), [li("a", "A2")]);
    assert_eq!(ids(&dom), ["z", "m", "a", "b", "e"]);
    assert_eq!(dom.items("s")[2].html, li("a", "A2"));
    // update_only adds nothing new.
    dom.apply(&ops(&[("q", -1, None, true)], &[], false), [li("q", "Q")]);
    assert_eq!(ids(&dom).len(), 5);
    // Limits: negative keeps the last n, positive the first n.
    dom.apply(
        &ops(&[("f", -1, Some(-3), false)], &[], false),
        [li("f", "F")],
    );
    assert_eq!(ids(&dom), ["b", "e", "f"]);
    dom.apply(
        &ops(&[("y", 0, Some(2), false)], &[], false),
        [li("y", "Y")],
    );
    assert_eq!(ids(&dom), ["y", "b"]);
    // Deletes, then a reset with inserts.
    dom.apply(&ops(&[], &["y"], false), []);
    assert_eq!(ids(&dom), ["b"]);
    dom.apply(&ops(&[("n", -1, None, false)], &[], true), [li("n", "N")]);
    assert_eq!(ids(&dom), ["n"]);
    // An id inserted twice in one render: the client's map keeps the last
    // entry of the (latest-first) list, i.e. the earliest insert.
    dom.apply(
        &ops(&[("d", -1, None, false), ("d", 0, None, false)], &[], false),
        [li("d", "D")],
    );
    assert_eq!(ids(&dom), ["d", "n"]);
}

#[test]
fn root_ids_are_read_like_the_browser() {
    assert_eq!(
        root_id(r#"<li id="a&amp;b">x</li>"#).as_deref(),
        Some("a&b")
    );
    assert_eq!(
        root_id(r#"  <tr data-id="no" id='x'>"#).as_deref(),
        Some("x")
    );
    assert_eq!(root_id("<li hidden id=y>").as_deref(), Some("y"));
    assert_eq!(root_id("<li>").as_deref(), None);
    assert_eq!(root_id("text").as_deref(), None);
}

#[test]
fn a_hidden_container_loses_its_items_on_both_sides() {
    let (mut d, joined) = join("", true);
    let mut client = Client::join(serde_json::from_str(&joined).unwrap()).unwrap();
    for op in [Op::Toggle, ins(7, "seven"), Op::Toggle] {
        if let Some(diff) = send(&mut d, op) {
            client.apply(serde_json::from_str(&diff).unwrap()).unwrap();
        }
    }
    // The items of the first container are gone; the insert made while the
    // container was hidden waited for its render.
    let page =
        r#"<h1>Feed</h1><ul id="items" phx-update="stream"><li id="items-7">seven</li></ul>"#;
    assert_eq!(client.to_html().unwrap(), page);
    assert_eq!(d.render_html(), page);
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u32..12, "[a-c]{1,3}", prop::option::of(0usize..6), prop::option::of(-4i64..5), prop::bool::weighted(0.2))
            .prop_map(|(id, text, at, limit, update_only)| Op::Insert { id, text, at, limit, update_only }),
        2 => (0u32..12).prop_map(|id| Op::Delete { id }),
        1 => prop::collection::vec(0u32..12, 0..4).prop_map(|ids| Op::Reset { ids }),
        1 => Just(Op::Toggle),
        1 => "[a-z]{0,3}".prop_map(|title| Op::Title { title }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Invariant 5′: after every step, the page the client model builds from
    /// the JSON equals the page the server's own renders imply.
    #[test]
    fn client_and_server_agree_on_the_stream(batches in prop::collection::vec(prop::collection::vec(arb_op(), 1..4), 1..12)) {
        let (mut d, joined) = join("", true);
        let mut client = Client::join(serde_json::from_str(&joined).unwrap()).unwrap();
        prop_assert_eq!(client.to_html().unwrap(), d.render_html());
        for batch in batches {
            for op in batch {
                if let Some(diff) = send(&mut d, op) {
                    let v: Value = serde_json::from_str(&diff).unwrap();
                    client.apply(v).unwrap();
                }
                prop_assert_eq!(client.to_html().unwrap(), d.render_html());
                let state = d.state().unwrap();
                if state.show {
                    prop_assert_eq!(state.items.pending(), 0);
                }
            }
        }
    }
}

/// Streams inside a comprehension: one stream per group, each in its own container.
struct Groups {
    groups: Vec<(String, Stream<Item>)>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum GroupOp {
    Add { group: usize, id: u32, text: String },
    Drop { group: usize, id: u32 },
}

impl LiveView for Groups {
    type Event = GroupOp;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let groups = ["a", "b"]
            .iter()
            .map(|g| {
                let mut s = Stream::new(&format!("group-{g}"), |i: &Item| i.id);
                s.extend([item(1, &format!("{g}1"))]);
                (g.to_string(), s)
            })
            .collect();
        (Groups { groups }, vec![])
    }

    fn handle_event(mut self, op: GroupOp) -> Update<Self> {
        match op {
            GroupOp::Add { group, id, text } => {
                self.groups[group].1.insert(item(id, &text));
            }
            GroupOp::Drop { group, id } => {
                self.groups[group].1.delete(&item(id, ""));
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"{#for (name, s) in &self.groups; key = name.as_str()}<ul id="g-{name}" phx-update="stream">{#for (id, it) in s}<li id="{id}">{it.text}</li>{/for}</ul>{/for}"#
        )
    }
}

#[test]
fn streams_inside_a_comprehension() {
    let input = JoinInput {
        connected: true,
        url: Url::parse("/groups").unwrap(),
        keep_stream_items: true,
        ..Default::default()
    };
    let (mut d, joined) = ViewDriver::<Groups>::join(Time::ZERO, input).unwrap();
    let mut client = Client::join(serde_json::from_str(&joined.rendered).unwrap()).unwrap();
    let ops = [
        GroupOp::Add {
            group: 1,
            id: 2,
            text: "b2".into(),
        },
        GroupOp::Add {
            group: 0,
            id: 2,
            text: "a2".into(),
        },
        GroupOp::Drop { group: 0, id: 1 },
    ];
    let mut diffs = Vec::new();
    for op in ops {
        let diff = d.handle_typed_event(Time::ZERO, op).unwrap().diff.unwrap();
        client.apply(serde_json::from_str(&diff).unwrap()).unwrap();
        assert_eq!(client.to_html().unwrap(), d.render_html());
        diffs.push(diff);
    }
    // Only the entry whose stream changed is in the diff.
    assert_eq!(
        diffs[0],
        r#"{"0":{"k":{"1":{"1":{"k":{"0":{"0":"group-b-2","1":"b2"},"kc":1},"stream":["group-b",[["group-b-2",-1,null,false]],[]]}},"kc":2}}}"#
    );
    assert_eq!(
        d.render_html(),
        r#"<ul id="g-a" phx-update="stream"><li id="group-a-2">a2</li></ul><ul id="g-b" phx-update="stream"><li id="group-b-1">b1</li><li id="group-b-2">b2</li></ul>"#
    );
    assert!(d
        .state()
        .unwrap()
        .groups
        .iter()
        .all(|(_, s)| s.pending() == 0));
}

#[test]
fn an_id_inserted_twice_in_one_render_is_one_entry_with_its_latest_content() {
    let mut s = Stream::new("s", |i: &Item| i.id);
    s.insert(item(1, "old"))
        .insert(item(2, "two"))
        .insert_with(item(1, "new"), Insert::prepend())
        .delete_by_dom_id("s-9");
    let r = html!(r#"{#for (id, it) in &s}<i id="{id}">{it.text}</i>{/for}"#);
    // Entries: each id once, at its latest insert's place, with its content.
    assert_eq!(r.to_html(), r#"<i id="s-2">two</i><i id="s-1">new</i>"#);
    // The operations: every insert and delete, latest first, as Phoenix sends them.
    let json = crate::diff::full(&r, &Default::default());
    assert!(
        json.contains(r#""stream":["s",[["s-1",0,null,false],["s-2",-1,null,false],["s-1",-1,null,false]],["s-9"]]"#),
        "{json}"
    );
}
