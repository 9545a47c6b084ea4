//! Child views in the harness: found, driven and composed like the
//! official client shows them; messages both ways; a child's crash; sticky
//! children across live navigation.

use liveview_core::nested::live_render;
use liveview_core::prelude::*;
use liveview_test::{TestApp, TestError};
use serde::{Deserialize, Serialize};

/// A page with a counter child and a sticky player.
struct Page {
    last: i64,
    name: &'static str,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PageEvent {
    Reset,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PageInfo {
    Counted(i64),
}

impl LiveView for Page {
    type Event = PageEvent;
    type Info = PageInfo;
    fn mount(m: &Mount) -> Update<Self> {
        let name = if m.url.path() == "/b" { "b" } else { "a" };
        (Page { last: 0, name }, vec![])
    }
    fn handle_event(self, PageEvent::Reset: PageEvent) -> Update<Self> {
        (
            self,
            vec![Command::send_child("counter", CounterInfo::Set(0))],
        )
    }
    fn handle_info(mut self, PageInfo::Counted(n): PageInfo) -> Update<Self> {
        self.last = n;
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<h1>page {self.name}</h1><p id="last">{self.last}</p><button id="reset" phx-click="reset">reset</button>{live_render::<Counter>("counter").session("step", 2)}{live_render::<Player>("player").sticky()}"#
        )
    }
}

/// A child counting by the step its parent gave; tells the parent.
struct Counter {
    n: i64,
    step: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CounterEvent {
    Inc,
    Boom,
    Slow,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CounterInfo {
    Set(i64),
}

impl LiveView for Counter {
    type Event = CounterEvent;
    type Info = CounterInfo;
    fn mount(m: &Mount) -> Update<Self> {
        let step = m.session.get("step").and_then(|v| v.as_i64()).unwrap_or(1);
        (Counter { n: 0, step }, vec![])
    }
    fn handle_event(mut self, e: CounterEvent) -> Update<Self> {
        match e {
            CounterEvent::Inc => {
                self.n += self.step;
                let n = self.n;
                (self, vec![Command::send_parent(PageInfo::Counted(n))])
            }
            CounterEvent::Boom => panic!("counter boom"),
            // Slow work: the reply waits for the task, the page does not.
            CounterEvent::Slow => (
                self,
                vec![
                    Command::start_async("work", CounterInfo::Set(100)),
                    Command::hold_reply("work"),
                ],
            ),
        }
    }
    fn handle_async(
        mut self,
        _key: String,
        result: Result<CounterInfo, AsyncError>,
    ) -> Update<Self> {
        if let Ok(CounterInfo::Set(n)) = result {
            self.n = n;
        }
        (self, vec![])
    }
    fn handle_info(mut self, CounterInfo::Set(n): CounterInfo) -> Update<Self> {
        self.n = n;
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<span id="n">{self.n}</span><button id="inc" phx-click="inc">+</button><button id="boom" phx-click="boom">boom</button>"#
        )
    }
}

/// A sticky child that keeps playing across navigation.
struct Player {
    track: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PlayerEvent {
    Next,
}

impl LiveView for Player {
    type Event = PlayerEvent;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Player { track: 1 }, vec![])
    }
    fn handle_event(mut self, PlayerEvent::Next: PlayerEvent) -> Update<Self> {
        self.track += 1;
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<p id="track">track {self.track}</p><button id="next" phx-click="next">next</button>"#
        )
    }
}

fn app() -> TestApp {
    TestApp::with_router(Router::new().live::<Page>("/a").live::<Page>("/b"))
}

#[test]
fn children_join_show_inside_their_containers_and_take_their_own_events() -> Result<(), TestError> {
    let app = app();
    let page = app.mount("/a")?;
    assert_eq!(page.children(), vec!["counter", "player"]);
    // The page shows each child inside its container.
    let html = page.render();
    assert!(html.contains(r#"<span id="n">0</span>"#), "{html}");
    assert!(html.contains("track 1"), "{html}");

    // A handle on the child drives the child alone; its message reaches the parent.
    let counter = page.live_child("counter")?;
    counter.click("#inc")?;
    assert_eq!(counter.text("#n")?, "2");
    assert_eq!(page.text("#last")?, "2");
    assert_eq!(counter.state::<Counter, _>(|c| c.n), Some(2));
    assert!(
        counter.render().find("id=\"last\"").is_none(),
        "the child's HTML is its own"
    );

    // A click through the page's handle goes to the view the element is in.
    page.click("#inc")?;
    assert_eq!(page.text("#n")?, "4");
    assert_eq!(page.text("#last")?, "4");

    // The parent's message reaches the child.
    page.click("#reset")?;
    assert_eq!(counter.text("#n")?, "0");
    Ok(())
}

#[test]
fn a_crashing_child_is_rejoined_and_the_page_goes_on() -> Result<(), TestError> {
    let app = app();
    let page = app.mount("/a")?;
    let counter = page.live_child("counter")?;
    counter.click("#inc")?;
    match counter.click("#boom") {
        Err(TestError::Crashed { .. }) => {}
        other => panic!("expected the crash to be reported, got {other:?}"),
    }
    // Rejoined as the client does: a new mount.
    assert_eq!(page.children(), vec!["counter", "player"]);
    assert_eq!(counter.text("#n")?, "0");
    // The parent kept its state.
    assert_eq!(page.text("#last")?, "2");
    counter.click("#inc")?;
    assert_eq!(page.text("#last")?, "2");
    Ok(())
}

#[test]
fn a_sticky_child_keeps_its_state_across_live_navigation() -> Result<(), TestError> {
    let app = app();
    let page = app.mount("/a")?;
    let player = page.live_child("player")?;
    player.click("#next")?;
    player.click("#next")?;
    page.live_child("counter")?.click("#inc")?;

    page.navigate("/b")?;
    assert_eq!(page.text("h1")?, "page b");
    // The counter was the old page's child: a new one joined for the new page.
    assert_eq!(page.live_child("counter")?.text("#n")?, "0");
    // The player was not remounted.
    assert_eq!(player.text("#track")?, "track 3");
    assert_eq!(page.children().len(), 2);
    Ok(())
}

#[test]
fn the_traces_of_a_parent_and_its_children_replay() -> Result<(), TestError> {
    let router = || Router::new().live::<Page>("/a").live::<Page>("/b");
    let app = TestApp::with_router(router()).record_traces();
    let page = app.mount("/a")?;
    let counter = page.live_child("counter")?;
    counter.click("#inc")?;
    page.click("#reset")?;
    counter.click("#inc")?;
    // The parent's trace: its renders carry the child tokens it signed, which
    // the replay takes back from the trace.
    let parent = page.trace().expect("recording");
    assert!(parent.contains("data-phx-session"), "{parent}");
    let report =
        liveview_test::replay(&router(), &parent).map_err(|d| TestError::Other(d.to_string()))?;
    assert!(report.inputs >= 3, "{report:?}");
    // A child's trace replays with its view type (it has no route).
    let child = counter.trace().expect("recording");
    let refused = liveview_test::replay(&router(), &child).unwrap_err();
    assert!(
        refused.actual.contains("join_typed::<Counter>"),
        "{refused}"
    );
    let report = liveview_test::replay_with(&child, liveview_test::join_typed::<Counter>)
        .map_err(|d| TestError::Other(d.to_string()))?;
    assert!(report.inputs >= 3, "{report:?}");
    Ok(())
}

#[test]
fn a_child_holding_its_reply_for_slow_work_does_not_hold_up_its_parent() -> Result<(), TestError> {
    let app = app();
    let page = app.mount("/a")?;
    let counter = page.live_child("counter")?;
    counter.event("slow", serde_json::json!({}))?;
    assert_eq!(
        counter.pending_tasks::<Counter>()?,
        vec![("work".to_owned(), CounterInfo::Set(100))]
    );
    // The parent answers meanwhile.
    page.click("#reset")?;
    assert_eq!(page.text("#last")?, "0");
    // The work ends: the held reply, then the outcome.
    counter.complete_task::<Counter>("work", Ok(CounterInfo::Set(100)))?;
    assert_eq!(counter.text("#n")?, "100");
    counter.click("#inc")?;
    assert_eq!(page.text("#last")?, "102");
    Ok(())
}
