//! Live layouts on the socket machine: a live session's layout around its
//! views inside the container, on the dead render, the join and live
//! navigation; views that drop it or render their own; diffs that leave the
//! layout's statics alone; a layout showing the flash.

use super::testing::{connect, frames, join_payload, load_page, send, T0};
use super::{App, Config, LiveSession, Router};
use crate::view::{LayoutContext, LiveLayout, LiveView, Mount, Update, ViewLayout};
use crate::{html, Command, Rendered};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// A counter that can put a flash.
struct Counter {
    n: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CounterEvent {
    Inc,
    Flash,
}

impl LiveView for Counter {
    type Event = CounterEvent;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Counter { n: 0 }, vec![])
    }
    fn handle_event(self, e: CounterEvent) -> Update<Self> {
        match e {
            CounterEvent::Inc => (Counter { n: self.n + 1 }, vec![]),
            CounterEvent::Flash => (self, vec![Command::put_flash("info", "saved")]),
        }
    }
    fn render(&self) -> Rendered {
        html!(r#"<b id="n">{self.n}</b>"#)
    }
}

/// A view of the same session without the session's layout.
struct Bare;
impl LiveView for Bare {
    type Event = ();
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Bare, vec![])
    }
    fn render(&self) -> Rendered {
        html!("<p>bare</p>")
    }
    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::None
    }
}

/// A view with its own layout, which reads the view's state.
struct Titled {
    title: &'static str,
}
impl LiveView for Titled {
    type Event = ();
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Titled { title: "Mine" }, vec![])
    }
    fn render(&self) -> Rendered {
        html!("<p>titled</p>")
    }
    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|view, _cx, inner| {
            html!(r#"<header>{view.title}</header><section>{inner}</section>"#)
        })
    }
}

fn app() -> Arc<App> {
    let layout = LiveLayout::new(|cx: &LayoutContext<'_>, inner: Rendered| {
        let info = cx.flash.get("info").unwrap_or("");
        let path = cx.url.path().to_owned();
        html!(r#"<nav data-path="{path}">menu</nav><p id="flash">{info}</p><main>{inner}</main>"#)
    });
    let session = LiveSession::new("app").live_layout(layout);
    let router = Router::new()
        .live_session(session, |r| {
            r.live::<Counter>("/counter")
                .live::<Bare>("/bare")
                .live::<Titled>("/titled")
        })
        .live::<Counter>("/plain");
    Arc::new(App::new(router, Config::new(vec![7u8; 32]).unwrap()))
}

/// A page of `/counter` (entropy `e`) joined on a socket.
fn joined_counter(app: &Arc<App>, e: u8) -> (super::testing::Page, super::socket::SocketMachine) {
    let (page, _) = load_page(app, "/counter", e, None);
    let mut m = connect(app, &page);
    let join = json!([
        "1",
        "1",
        page.topic,
        "phx_join",
        join_payload(&page, "/counter")
    ]);
    send(&mut m, T0, join);
    (page, m)
}

/// The container's inner HTML in a dead-rendered page.
fn container(body: &str) -> &str {
    let start = body.find("data-phx-main").unwrap();
    let start = start + body[start..].find('>').unwrap() + 1;
    let end = start + body[start..].find("</div>").unwrap();
    &body[start..end]
}

#[test]
fn the_session_layout_is_inside_the_container_on_the_dead_render_and_the_join() {
    let app = app();
    let (page, body) = load_page(&app, "/counter", 1, None);
    assert_eq!(
        container(&body),
        r#"<nav data-path="/counter">menu</nav><p id="flash"></p><main><b id="n">0</b></main>"#
    );
    let mut m = connect(&app, &page);
    let out = frames(&send(
        &mut m,
        T0,
        json!([
            "1",
            "1",
            page.topic,
            "phx_join",
            join_payload(&page, "/counter")
        ]),
    ));
    let rendered = &out[0][4]["response"]["rendered"];
    // The layout's statics around the view's render, a nested tree.
    assert_eq!(
        rendered["2"]["s"],
        json!(["<b id=\"n\">", "</b>"]),
        "{rendered}"
    );
    assert_eq!(rendered["2"]["0"], "0");
    // An event changes the view's part only: the diff is nested under the
    // layout's slot and carries none of the layout's statics.
    let ev = json!(["1", "2", page.topic, "event", {"type": "click", "event": "inc", "value": {}}]);
    let out = frames(&send(&mut m, T0, ev));
    assert_eq!(out[0][4]["response"]["diff"], json!({"2": {"0": "1"}}));
}

#[test]
fn a_layout_showing_the_flash_is_rendered_again_when_the_flash_changes() {
    let app = app();
    let (page, mut m) = joined_counter(&app, 2);
    let ev =
        json!(["1", "2", page.topic, "event", {"type": "click", "event": "flash", "value": {}}]);
    let out = frames(&send(&mut m, T0, ev));
    let diff = &out[0][4]["response"]["diff"];
    assert_eq!(diff["1"], "saved", "{diff}");
    // The client's lv:clear-flash: the view did not change, the layout did.
    let clear = json!(["1", "3", page.topic, "event",
        {"type": "click", "event": "lv:clear-flash", "value": {"key": "info"}}]);
    let out = frames(&send(&mut m, T0, clear));
    assert_eq!(out[0][4]["response"]["diff"], json!({"1": ""}));
}

#[test]
fn live_navigation_sends_the_new_views_layout_with_its_render() {
    let app = app();
    let (page, mut m) = joined_counter(&app, 3);
    let mut nav = join_payload(&page, "/counter");
    nav["redirect"] = json!("http://localhost:4000/titled");
    nav.as_object_mut().unwrap().remove("url");
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "4", page.topic, "phx_join", nav]),
    ));
    let reply = out.iter().find(|f| f[3] == "phx_reply").unwrap();
    let rendered = &reply[4]["response"]["rendered"];
    assert_eq!(
        rendered["s"],
        json!(["<header>", "</header><section>", "</section>"]),
        "the view's own layout replaces the session's: {rendered}"
    );
    assert_eq!(rendered["0"], "Mine");
    assert_eq!(rendered["1"]["s"], json!(["<p>titled</p>"]));
}

#[test]
fn a_view_can_drop_the_layout_and_routes_outside_the_session_have_none() {
    let app = app();
    let (_, body) = load_page(&app, "/bare", 4, None);
    assert_eq!(container(&body), "<p>bare</p>");
    let (_, body) = load_page(&app, "/plain", 5, None);
    assert_eq!(container(&body), r#"<b id="n">0</b>"#);
}

#[test]
fn clearing_the_flash_renders_nothing_for_a_view_without_a_layout() {
    let app = app();
    let (page, _) = load_page(&app, "/bare", 6, None);
    let mut m = connect(&app, &page);
    let join = json!([
        "1",
        "1",
        page.topic,
        "phx_join",
        join_payload(&page, "/bare")
    ]);
    send(&mut m, T0, join);
    let clear = json!(["1", "2", page.topic, "event",
        {"type": "click", "event": "lv:clear-flash", "value": {"key": "info"}}]);
    let out = frames(&send(&mut m, T0, clear));
    assert_eq!(out[0][4], json!({"status": "ok", "response": {}}));
}

#[test]
fn a_layout_renders_on_its_own_for_tests() {
    let layout =
        LiveLayout::new(|_: &LayoutContext<'_>, inner: Rendered| html!("<main>{inner}</main>"));
    let flash = Default::default();
    let url = crate::Url::parse("/x").unwrap();
    let out = layout.render(&LayoutContext::new(&flash, &url), html!("<p>hi</p>"));
    assert_eq!(out.to_html(), "<main><p>hi</p></main>");
    assert_eq!(layout.clone(), layout, "clones are the same layout");
}
