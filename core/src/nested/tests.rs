//! Child views through the socket machine: the dead render, the child's
//! join, messages both ways, failure semantics, sticky children.

use crate::nested::live_render;
use crate::protocol::testing::{attr, connect, frames, join_outputs, load_page, send, Page, T0};
use crate::protocol::{App, Config, Router, SocketMachine};
use crate::{html, Command, LiveView, Mount, Rendered, Update};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Clone)]
struct Parent {
    count: i64,
    sticky: bool,
    linked: bool,
    twice: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ParentEvent {
    Inc,
    Tell,
    Crash,
    Twice,
    Away,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ParentInfo {
    FromChild(i64),
}

impl LiveView for Parent {
    type Event = ParentEvent;
    type Info = ParentInfo;
    fn mount(m: &Mount) -> Update<Self> {
        let flag = |k: &str| m.params.get(k).is_some();
        let p = Parent {
            count: 0,
            sticky: flag("sticky"),
            linked: flag("linked"),
            twice: false,
        };
        (p, vec![])
    }
    fn handle_event(mut self, e: ParentEvent) -> Update<Self> {
        match e {
            ParentEvent::Inc => self.count += 1,
            ParentEvent::Tell => {
                return (self, vec![Command::send_child("child", ChildInfo::Add(10))])
            }
            ParentEvent::Crash => panic!("parent boom"),
            ParentEvent::Twice => self.twice = true,
            ParentEvent::Away => return (self, vec![Command::push_navigate("/?sticky=1")]),
        }
        (self, vec![])
    }
    fn handle_info(mut self, ParentInfo::FromChild(n): ParentInfo) -> Update<Self> {
        self.count = n;
        (self, vec![])
    }
    fn handle_params(mut self, params: &crate::Params, _: &crate::Url) -> Update<Self> {
        if let Some(n) = params.parse("count") {
            self.count = n;
        }
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        let mut child = live_render::<Child>("child").session("start", 5);
        if self.linked {
            child = child.linked();
        }
        html!(
            r#"<div><p id="count">{self.count}</p>{child}{#if self.sticky}{live_render::<Child>("side").sticky().session("start", 100)}{/if}{#if self.twice}{live_render::<Child>("child")}{/if}</div>"#
        )
    }
}

#[derive(Clone)]
struct Child {
    n: i64,
    connected: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChildEvent {
    Inc,
    Crash,
    Go,
    Hold,
    Patch,
    PatchAway,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChildInfo {
    Add(i64),
}

impl LiveView for Child {
    type Event = ChildEvent;
    type Info = ChildInfo;
    fn mount(m: &Mount) -> Update<Self> {
        let n = m.session.get("start").and_then(Value::as_i64).unwrap_or(0);
        (
            Child {
                n,
                connected: m.connected,
            },
            vec![],
        )
    }
    fn handle_event(mut self, e: ChildEvent) -> Update<Self> {
        match e {
            ChildEvent::Inc => {
                self.n += 1;
                let n = self.n;
                (self, vec![Command::send_parent(ParentInfo::FromChild(n))])
            }
            ChildEvent::Crash => panic!("child boom"),
            ChildEvent::Go => (self, vec![Command::push_navigate("/?sticky=1")]),
            ChildEvent::Patch => (self, vec![Command::push_patch("/?count=42")]),
            ChildEvent::PatchAway => (self, vec![Command::push_patch("/elsewhere")]),
            // Tells the parent, then works 800 ms (a task) before replying.
            ChildEvent::Hold => {
                self.n += 1000;
                let cmds = vec![
                    Command::send_parent(ParentInfo::FromChild(-1)),
                    Command::start_async("work", ChildInfo::Add(1)),
                    Command::hold_reply("work"),
                ];
                (self, cmds)
            }
        }
    }
    fn handle_async(
        mut self,
        _key: String,
        result: Result<ChildInfo, crate::AsyncError>,
    ) -> Update<Self> {
        if let Ok(ChildInfo::Add(k)) = result {
            self.n += k;
        }
        (self, vec![])
    }
    fn handle_info(mut self, ChildInfo::Add(k): ChildInfo) -> Update<Self> {
        self.n += k;
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        let state = if self.connected { "live" } else { "dead" };
        html!(r#"<span class="n">{self.n}</span><i>{state}</i>"#)
    }
}

fn app() -> Arc<App> {
    let config = Config::new(crate::protocol::testing::FAKE_SECRET.as_bytes().to_vec()).unwrap();
    Arc::new(App::new(Router::new().live::<Parent>("/"), config))
}

/// Every string in a JSON value (the HTML pieces of a rendered tree).
fn strings(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(o) => o.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The frames on `topic` among `outs`, as (event, payload).
fn on(outs: &[crate::protocol::SocketOutput], topic: &str) -> Vec<(String, Value)> {
    frames(outs)
        .into_iter()
        .filter(|f| f[2] == topic)
        .map(|f| (f[3].as_str().unwrap().to_owned(), f[4].clone()))
        .collect()
}

/// Loads `url`, joins its view; the socket, the page and the join reply's HTML.
fn joined(app: &Arc<App>, url: &str) -> (SocketMachine, Page, String) {
    let (page, _) = load_page(app, url, 1, None);
    let mut m = connect(app, &page);
    let outs = join_outputs(&mut m, &page, "1", url);
    let reply = &on(&outs, &page.topic)[0];
    assert_eq!(reply.1["status"], "ok", "{reply:?}");
    let mut html = String::new();
    strings(&reply.1["response"]["rendered"], &mut html);
    (m, page, html)
}

/// Joins the child `id` with the token of its container in `html`, as the
/// client does; the outputs.
fn join_child(
    m: &mut SocketMachine,
    page: &Page,
    html: &str,
    id: &str,
    jr: &str,
) -> Vec<crate::protocol::SocketOutput> {
    let token = attr(html, &format!("id=\"{id}\""), "data-phx-session");
    send(
        m,
        T0,
        json!([jr, jr, format!("lv:{id}"), "phx_join", {
            "params": {"_csrf_token": page.csrf, "_mounts": 0, "_mount_attempts": 0},
            "session": token, "static": "", "sticky": false}]),
    )
}

/// (topic, event) of every frame among `outs`, in order.
fn topics_and_events(outs: &[crate::protocol::SocketOutput]) -> Vec<(String, String)> {
    frames(outs)
        .into_iter()
        .map(|f| {
            (
                f[2].as_str().unwrap().to_owned(),
                f[3].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The id of the task a view started among `outs`.
fn started_task(outs: &[crate::protocol::SocketOutput]) -> u64 {
    outs.iter()
        .find_map(|o| match o {
            crate::protocol::SocketOutput::StartTask(t) => Some(t.id),
            _ => None,
        })
        .expect("a task was started")
}

fn event(
    m: &mut SocketMachine,
    jr: &str,
    topic: &str,
    name: &str,
) -> Vec<crate::protocol::SocketOutput> {
    send(
        m,
        T0,
        json!([jr, "9", topic, "event", {"type": "click", "event": name, "value": {}}]),
    )
}

#[test]
fn the_dead_render_shows_the_child_inline_and_tokens_only_where_the_client_joins() {
    let app = app();
    let (page, body) = load_page(&app, "/?sticky=1", 1, None);
    // A non-sticky child: its HTML, its parent's id, no token yet (the
    // client joins it once the parent's connected render gives one).
    let child = attr(&body, "id=\"child\"", "data-phx-parent-id");
    assert_eq!(child, page.id);
    assert_eq!(attr(&body, "id=\"child\"", "data-phx-session"), "");
    assert!(
        body.contains(r#"<span class="n">5</span><i>dead</i>"#),
        "{body}"
    );
    // A sticky child: a token of its own, no parent.
    let side = attr(&body, "id=\"side\"", "data-phx-session");
    assert!(!side.is_empty());
    assert_eq!(attr(&body, "id=\"side\"", "data-phx-sticky"), "true");
    assert!(body.contains(r#"<span class="n">100</span>"#));
}

#[test]
fn a_child_joins_on_its_own_channel_and_talks_to_its_parent() {
    let app = app();
    let (mut m, page, html) = joined(&app, "/");
    // Connected: the container is empty and carries the child's token.
    assert!(
        html.contains(&format!("data-phx-parent-id=\"{}\"></div>", page.id)),
        "{html}"
    );
    let outs = join_child(&mut m, &page, &html, "child", "2");
    let reply = &on(&outs, "lv:child")[0];
    assert_eq!(reply.1["status"], "ok", "{reply:?}");
    let mut child_html = String::new();
    strings(&reply.1["response"]["rendered"], &mut child_html);
    assert!(
        child_html.contains("5") && child_html.contains("live"),
        "{child_html}"
    );

    // The child's event renders the child; its message re-renders the parent.
    let outs = event(&mut m, "2", "lv:child", "inc");
    let child_frames = on(&outs, "lv:child");
    assert_eq!(child_frames[0].0, "phx_reply");
    assert_eq!(child_frames[0].1["response"]["diff"], json!({"0": "6"}));
    let parent_frames = on(&outs, &page.topic);
    assert_eq!(parent_frames.len(), 1, "{outs:?}");
    assert_eq!(parent_frames[0].0, "diff");
    assert_eq!(
        parent_frames[0].1,
        json!({"0": "6"}),
        "only the count changed: the child's container is not sent again"
    );

    // The parent's message reaches the child.
    let outs = event(&mut m, "1", &page.topic, "tell");
    let child_frames = on(&outs, "lv:child");
    assert_eq!(child_frames, vec![("diff".into(), json!({"0": "16"}))]);
}

#[test]
fn a_child_crash_ends_the_child_alone_and_a_parent_crash_ends_its_children() {
    let app = app();
    let (mut m, page, html) = joined(&app, "/");
    join_child(&mut m, &page, &html, "child", "2");
    let outs = event(&mut m, "2", "lv:child", "crash");
    assert_eq!(on(&outs, "lv:child")[0].0, "phx_error");
    assert!(on(&outs, &page.topic).is_empty(), "{outs:?}");
    let outs = event(&mut m, "1", &page.topic, "inc");
    assert_eq!(on(&outs, &page.topic)[0].1["status"], "ok");

    // The client rejoins the child; then the parent crashes.
    join_child(&mut m, &page, &html, "child", "3");
    let outs = event(&mut m, "1", &page.topic, "crash");
    let events = topics_and_events(&outs);
    assert_eq!(
        events,
        vec![
            (page.topic.clone(), "phx_error".to_owned()),
            ("lv:child".to_owned(), "phx_close".to_owned())
        ]
    );
    assert_eq!(m.stats().views, 0);
}

#[test]
fn a_linked_childs_crash_takes_its_parent_down() {
    let app = app();
    let (mut m, page, html) = joined(&app, "/?linked=1");
    join_child(&mut m, &page, &html, "child", "2");
    let outs = event(&mut m, "2", "lv:child", "crash");
    let events = topics_and_events(&outs);
    assert_eq!(
        events,
        vec![
            ("lv:child".to_owned(), "phx_error".to_owned()),
            (page.topic.clone(), "phx_error".to_owned())
        ]
    );
    assert_eq!(m.stats().views, 0);
}

#[test]
fn a_sticky_child_outlives_the_view_that_rendered_it() {
    let app = app();
    let (mut m, page, html) = joined(&app, "/?sticky=1");
    let outs = join_child(&mut m, &page, &html, "side", "2");
    assert_eq!(on(&outs, "lv:side")[0].1["status"], "ok");
    join_child(&mut m, &page, &html, "child", "3");
    // Live navigation: the client leaves the page's view.
    let outs = send(&mut m, T0, json!(["1", "5", page.topic, "phx_leave", {}]));
    assert_eq!(
        on(&outs, "lv:child")[0].0,
        "phx_close",
        "a child ends with its parent"
    );
    assert!(on(&outs, "lv:side").is_empty());
    let outs = event(&mut m, "2", "lv:side", "inc");
    assert_eq!(
        on(&outs, "lv:side")[0].1["response"]["diff"],
        json!({"0": "101"})
    );
    // Its send_parent has no parent to reach: dropped, the view goes on.
    assert!(outs
        .iter()
        .any(|o| matches!(o, crate::protocol::SocketOutput::Dropped { .. })));
}

#[test]
fn child_joins_are_refused_without_a_valid_token_or_a_live_parent() {
    let app = app();
    let (mut m, page, html) = joined(&app, "/");
    let token = attr(&html, "id=\"child\"", "data-phx-session");
    let join = |m: &mut SocketMachine, topic: &str, session: &str| {
        let outs = send(
            m,
            T0,
            json!(["7", "7", topic, "phx_join", {
                "params": {"_csrf_token": page.csrf}, "session": session, "static": ""}]),
        );
        on(&outs, topic)[0].1.clone()
    };
    // The token is for "child", not another id.
    assert_eq!(
        join(&mut m, "lv:other", &token)["response"],
        json!({"reason": "stale"})
    );
    // A forged token.
    let forged = format!("{}x", token);
    assert_eq!(
        join(&mut m, "lv:child", &forged)["response"],
        json!({"reason": "stale"})
    );
    // The parent is gone.
    send(&mut m, T0, json!(["1", "5", page.topic, "phx_leave", {}]));
    assert_eq!(
        join(&mut m, "lv:child", &token)["response"],
        json!({"reason": "stale"})
    );
}

#[test]
fn two_children_with_one_id_crash_the_parent() {
    let app = app();
    let (mut m, page, _) = joined(&app, "/");
    let outs = event(&mut m, "1", &page.topic, "twice");
    assert_eq!(on(&outs, &page.topic)[0].0, "phx_error");
}

#[test]
fn a_held_reply_waits_for_its_task_while_the_parent_goes_on() {
    let app = app();
    let (mut m, page, html) = joined(&app, "/");
    join_child(&mut m, &page, &html, "child", "2");
    // The child's handler tells its parent, then waits for its task.
    let outs = event(&mut m, "2", "lv:child", "hold");
    assert!(
        on(&outs, "lv:child").is_empty(),
        "the reply is held: {outs:?}"
    );
    let task = started_task(&outs);
    assert_eq!(
        on(&outs, &page.topic),
        vec![("diff".into(), json!({"0": "-1"}))]
    );
    // Meanwhile the parent answers clicks; the child's next event waits.
    let outs = event(&mut m, "1", &page.topic, "inc");
    assert_eq!(
        on(&outs, &page.topic)[0].1["response"]["diff"],
        json!({"0": "0"})
    );
    let outs = send(
        &mut m,
        T0,
        json!(["2", "20", "lv:child", "event", {"type": "click", "event": "inc", "value": {}}]),
    );
    assert!(outs.is_empty(), "{outs:?}");
    // The task ends: the held reply (its diff made before), then the
    // outcome's diff, then the event that waited, in that order.
    m.handle_async(T0, task, Ok(json!({"add": 1})));
    let outs = crate::protocol::testing::drain(&mut m);
    let child: Vec<(String, Value)> = on(&outs, "lv:child");
    assert_eq!(child[0].0, "phx_reply");
    assert_eq!(child[0].1["response"]["diff"], json!({"0": "1005"}));
    assert_eq!(child[1], ("diff".into(), json!({"0": "1006"})));
    assert_eq!(child[2].1["response"]["diff"], json!({"0": "1007"}));
    let frames = frames(&outs);
    assert_eq!(frames[2][1], "20", "the waiting event's reply comes last");

    // A client that keeps pushing while a reply is held: the first
    // MAX_WAITING wait, the others are refused, and nothing is lost.
    let outs = event(&mut m, "2", "lv:child", "hold");
    let task = started_task(&outs);
    let max = crate::protocol::socket::MAX_WAITING;
    let mut refused = 0;
    for i in 0..max + 3 {
        let outs = send(
            &mut m,
            T0,
            json!(["2", format!("w{i}"), "lv:child", "event", {"type": "click", "event": "inc", "value": {}}]),
        );
        refused += on(&outs, "lv:child")
            .iter()
            .filter(|(e, p)| e == "phx_reply" && p["status"] == "error")
            .count();
    }
    assert_eq!(refused, 3);
    m.handle_async(T0, task, Ok(json!({"add": 1})));
    let outs = crate::protocol::testing::drain(&mut m);
    let oks = on(&outs, "lv:child")
        .iter()
        .filter(|(e, p)| e == "phx_reply" && p["status"] == "ok")
        .count();
    assert_eq!(oks, 1 + max, "the held reply and every waiting push");
}

/// Children in a keyed list, rendered again after another entry changed.
struct Listing {
    labels: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ListingEvent {
    Rename,
}

impl LiveView for Listing {
    type Event = ListingEvent;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        let labels = (0..3).map(|i| format!("item {i}")).collect();
        (Listing { labels }, vec![])
    }
    fn handle_event(mut self, ListingEvent::Rename: ListingEvent) -> Update<Self> {
        self.labels[1] = "renamed".into();
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<ul>{#for (i, label) in self.labels.iter().enumerate(); key = i}<li>{live_render::<Child>(format!("c{i}"))}{label}</li>{/for}</ul>"#
        )
    }
}

#[test]
fn children_in_a_list_are_kept_when_other_entries_change() {
    let config = Config::new(crate::protocol::testing::FAKE_SECRET.as_bytes().to_vec()).unwrap();
    let app = Arc::new(App::new(Router::new().live::<Listing>("/"), config));
    let (mut m, page, html) = joined(&app, "/");
    assert_eq!(html.matches("data-phx-parent-id").count(), 3);
    let outs = event(&mut m, "1", &page.topic, "rename");
    let reply = &on(&outs, &page.topic)[0];
    assert_eq!(reply.1["status"], "ok", "{reply:?}");
    let diff = reply.1["response"]["diff"].to_string();
    assert!(diff.contains("renamed"), "{diff}");
    assert!(
        !diff.contains("data-phx-session"),
        "the containers are not sent again: {diff}"
    );
}

/// A page whose child renders a child of its own.
struct Outer;

impl LiveView for Outer {
    type Event = ParentEvent;
    type Info = ParentInfo;
    fn mount(_: &Mount) -> Update<Self> {
        (Outer, vec![])
    }
    fn handle_event(self, _: ParentEvent) -> Update<Self> {
        panic!("outer boom")
    }
    fn render(&self) -> Rendered {
        html!(r#"<main>{live_render::<Middle>("mid")}</main>"#)
    }
}

/// The middle view: counts what its own child tells it.
struct Middle {
    heard: i64,
}

impl LiveView for Middle {
    type Event = ChildEvent;
    type Info = ParentInfo;
    fn mount(_: &Mount) -> Update<Self> {
        (Middle { heard: 0 }, vec![])
    }
    fn handle_info(mut self, ParentInfo::FromChild(n): ParentInfo) -> Update<Self> {
        self.heard = n;
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<b>{self.heard}</b>{live_render::<Child>("grand").session("start", 7)}"#)
    }
}

#[test]
fn a_child_of_a_child_reports_to_its_own_parent_and_ends_with_the_page() {
    let config = Config::new(crate::protocol::testing::FAKE_SECRET.as_bytes().to_vec()).unwrap();
    let app = Arc::new(App::new(Router::new().live::<Outer>("/"), config));
    // The dead render nests both.
    let (_, body) = load_page(&app, "/", 1, None);
    assert!(
        body.contains(r#"<span class="n">7</span><i>dead</i>"#),
        "{body}"
    );
    assert_eq!(attr(&body, "id=\"grand\"", "data-phx-parent-id"), "mid");
    let (mut m, page, html) = joined(&app, "/");
    let outs = join_child(&mut m, &page, &html, "mid", "2");
    let mut mid_html = String::new();
    strings(
        &on(&outs, "lv:mid")[0].1["response"]["rendered"],
        &mut mid_html,
    );
    let outs = join_child(&mut m, &page, &mid_html, "grand", "3");
    assert_eq!(on(&outs, "lv:grand")[0].1["status"], "ok");
    // The grandchild's message reaches the middle view, not the page.
    let outs = event(&mut m, "3", "lv:grand", "inc");
    assert_eq!(
        on(&outs, "lv:mid"),
        vec![("diff".into(), json!({"0": "8"}))]
    );
    assert!(on(&outs, &page.topic).is_empty());
    // The page crashes: both descendants end.
    let outs = event(&mut m, "1", &page.topic, "inc");
    let events = topics_and_events(&outs);
    assert_eq!(
        events,
        vec![
            (page.topic.clone(), "phx_error".to_owned()),
            ("lv:mid".to_owned(), "phx_close".to_owned()),
            ("lv:grand".to_owned(), "phx_close".to_owned())
        ]
    );
    assert_eq!(m.stats().views, 0);
}

#[test]
fn a_childs_push_patch_patches_the_page() {
    let app = app();
    let (mut m, page, html) = joined(&app, "/");
    join_child(&mut m, &page, &html, "child", "2");
    let outs = event(&mut m, "2", "lv:child", "patch");
    // The child's event is answered; the page's view handles the patch and
    // tells the client, as Phoenix's root view does.
    assert_eq!(on(&outs, "lv:child")[0].1["status"], "ok");
    let root = on(&outs, &page.topic);
    assert_eq!(root[0].0, "live_patch", "{root:?}");
    assert_eq!(root[0].1["to"], "/?count=42");
    assert_eq!(root[1], ("diff".into(), json!({"0": "42"})));
    // A URL the page's view does not serve: the child crashes (Phoenix raises).
    let outs = event(&mut m, "2", "lv:child", "patch_away");
    assert_eq!(
        on(&outs, "lv:child").last().unwrap().0,
        "phx_error",
        "{outs:?}"
    );
    assert!(on(&outs, &page.topic).is_empty());
}

/// A component that renders a child view, and toggles a label of its own.
struct Panel {
    open: bool,
}

impl crate::component::LiveComponent for Panel {
    type Props = ();
    type Event = ChildEvent;
    type Info = ();
    fn mount(_: (), _: &crate::Context) -> crate::component::ComponentUpdate<Self> {
        (Panel { open: false }, vec![])
    }
    fn update(self, _: (), _: &crate::Context) -> crate::component::ComponentUpdate<Self> {
        (self, vec![])
    }
    fn handle_event(
        self,
        _: ChildEvent,
        _: &crate::Context,
    ) -> crate::component::ComponentUpdate<Self> {
        (Panel { open: !self.open }, vec![])
    }
    fn render(&self, myself: crate::component::Cid) -> Rendered {
        html!(
            r#"<section><button phx-click="inc" phx-target={myself}>{self.open}</button>{live_render::<Child>("in-panel").session("start", 3)}</section>"#
        )
    }
}

/// A page whose component renders a child view.
struct Host;

impl LiveView for Host {
    type Event = ParentEvent;
    type Info = ParentInfo;
    fn mount(_: &Mount) -> Update<Self> {
        (Host, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<main>{crate::component::live_component::<Panel>("panel", ())}</main>"#)
    }
}

#[test]
fn a_component_renders_a_child_view_of_its_page() {
    let config = Config::new(crate::protocol::testing::FAKE_SECRET.as_bytes().to_vec()).unwrap();
    let app = Arc::new(App::new(Router::new().live::<Host>("/"), config));
    let (_, body) = load_page(&app, "/", 1, None);
    assert!(
        body.contains(r#"<span class="n">3</span><i>dead</i>"#),
        "{body}"
    );
    let (mut m, page, html) = joined(&app, "/");
    // The child's parent is the page (components are not views).
    assert_eq!(
        attr(&html, "id=\"in-panel\"", "data-phx-parent-id"),
        page.id
    );
    let outs = join_child(&mut m, &page, &html, "in-panel", "2");
    assert_eq!(on(&outs, "lv:in-panel")[0].1["status"], "ok");
    // The component alone renders again: its child's container is not sent again.
    let outs = send(
        &mut m,
        T0,
        json!(["1", "8", page.topic, "event", {"type": "click", "event": "inc", "value": {}, "cid": 1}]),
    );
    let diff = on(&outs, &page.topic)[0].1["response"]["diff"].to_string();
    assert!(
        diff.contains("true") && !diff.contains("data-phx-session"),
        "{diff}"
    );
    let outs = event(&mut m, "2", "lv:in-panel", "inc");
    assert_eq!(
        on(&outs, "lv:in-panel")[0].1["response"]["diff"],
        json!({"0": "4"})
    );
}
