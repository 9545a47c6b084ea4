//! Async work under the harness: tasks wait with their data until the test
//! completes them (by hand or with a runner on the virtual clock); a
//! subscription made with the load is live before it completes; timeouts,
//! supersession and panics; and the session replays from its trace.

use liveview_core::{html, AsyncError, AsyncValue, Command, LiveView, Mount, Rendered, Update};
use liveview_test::{join_typed, replay_with, TestApp, TestError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A list of orgs loaded by a task, kept up to date by broadcasts.
struct Orgs {
    names: AsyncValue<Vec<String>>,
    /// Orgs broadcast while the list loads or after.
    added: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Info {
    Load { filter: String },
    Loaded(Vec<String>),
    Added(String),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Filter { q: String },
    Cancel,
}

impl LiveView for Orgs {
    type Event = Event;
    type Info = Info;
    fn mount(m: &Mount) -> Update<Self> {
        let view = Orgs {
            names: AsyncValue::loading(),
            added: vec![],
        };
        if !m.connected {
            return (view, vec![]);
        }
        // Subscribe and load in one update: the subscription is live before
        // the load runs, so nothing added meanwhile is missed.
        let load = Command::start_async("orgs", Info::Load { filter: "".into() });
        (view, vec![Command::Subscribe("orgs".into()), load])
    }
    fn handle_event(mut self, e: Event) -> Update<Self> {
        match e {
            Event::Filter { q } => {
                self.names.reload();
                (
                    self,
                    vec![Command::start_async("orgs", Info::Load { filter: q })],
                )
            }
            Event::Cancel => (self, vec![Command::cancel_async("orgs")]),
        }
    }
    fn handle_info(mut self, info: Info) -> Update<Self> {
        if let Info::Added(name) = info {
            self.added.push(name);
        }
        (self, vec![])
    }
    fn handle_async(mut self, _key: String, result: Result<Info, AsyncError>) -> Update<Self> {
        self.names.set(result.and_then(|info| match info {
            Info::Loaded(names) => Ok(names),
            other => Err(AsyncError::Failed(format!("unexpected {other:?}"))),
        }));
        (self, vec![])
    }
    fn render(&self) -> Rendered {
        let list = self.names.render(
            || html!("loading"),
            |names| html!("{names.join(\",\")}"),
            |e| html!("error: {e}"),
        );
        html!(
            r#"<p id="orgs">{list}</p><p id="added">{self.added.join(",")}</p>
<p id="state">{if self.names.is_loading() { "busy" } else { "idle" }}</p>
<form id="f" phx-submit="filter"><input name="q"/></form><button id="cancel" phx-click="cancel">x</button>"#
        )
    }
}

fn loaded(names: &[&str]) -> Result<Info, AsyncError> {
    Ok(Info::Loaded(names.iter().map(|s| s.to_string()).collect()))
}

#[test]
fn a_subscription_made_with_the_load_misses_nothing_while_it_runs() -> Result<(), TestError> {
    let app = TestApp::new();
    let lv = app.mount_view::<Orgs>("/orgs")?;
    assert_eq!(
        lv.pending_tasks::<Orgs>()?,
        vec![("orgs".into(), Info::Load { filter: "".into() })]
    );
    assert_eq!(lv.subscriptions(), vec!["orgs".to_string()]);
    // An org is added while the load is still running: the view hears it.
    app.broadcast("orgs", &Info::Added("initech".into()))?;
    assert_eq!(lv.text("#added")?, "initech");
    assert_eq!(lv.text("#orgs")?, "loading");
    lv.complete_task::<Orgs>("orgs", loaded(&["acme"]))?;
    assert_eq!(lv.text("#orgs")?, "acme");
    assert_eq!(lv.text("#added")?, "initech");
    assert!(lv.pending_tasks::<Orgs>()?.is_empty());
    Ok(())
}

#[test]
fn the_dead_render_starts_no_task() -> Result<(), TestError> {
    let app = TestApp::new();
    let lv = app.dead_render_view::<Orgs>("/orgs")?;
    assert_eq!(lv.text("#orgs")?, "loading");
    assert!(lv.pending_tasks::<Orgs>()?.is_empty());
    Ok(())
}

#[test]
fn restarting_supersedes_and_completing_an_unknown_key_is_an_error() -> Result<(), TestError> {
    let app = TestApp::new();
    let lv = app.mount_view::<Orgs>("/orgs")?;
    lv.complete_task::<Orgs>("orgs", loaded(&["acme", "globex"]))?;
    lv.submit("#f", &[("q", "g")])?;
    // Reloading keeps the last good value on screen.
    assert_eq!(lv.text("#orgs")?, "acme,globex");
    assert_eq!(lv.text("#state")?, "busy");
    lv.submit("#f", &[("q", "gl")])?;
    assert_eq!(
        lv.pending_tasks::<Orgs>()?,
        vec![(
            "orgs".into(),
            Info::Load {
                filter: "gl".into()
            }
        )],
        "the first filter's task was superseded"
    );
    lv.complete_task::<Orgs>("orgs", loaded(&["globex"]))?;
    assert_eq!(lv.text("#orgs")?, "globex");
    let err = lv
        .complete_task::<Orgs>("orgs", loaded(&["late"]))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no task is running under \"orgs\""),
        "{err}"
    );
    assert_eq!(lv.text("#orgs")?, "globex");
    Ok(())
}

#[test]
fn cancelling_tells_the_view_and_a_runner_never_delivers_afterwards() -> Result<(), TestError> {
    let app = TestApp::new();
    let lv = app.mount_view::<Orgs>("/orgs")?;
    lv.run_tasks_with::<Orgs>(|_, _| {
        (
            Duration::from_secs(5),
            loaded(&["slow"]).map_err(|e| e.to_string()),
        )
    })?;
    lv.click("#cancel")?;
    assert_eq!(lv.text("#orgs")?, "error: cancelled");
    lv.advance(Duration::from_secs(10))?;
    assert_eq!(lv.text("#orgs")?, "error: cancelled");
    Ok(())
}

#[test]
fn a_runner_on_the_virtual_clock_times_out_fails_and_panics_as_values() -> Result<(), TestError> {
    let app = TestApp::new();
    let lv = app.mount_view::<Orgs>("/orgs")?;
    // Longer than the default timeout (30 s): the task times out at 30 s.
    lv.run_tasks_with::<Orgs>(|_, task| match task {
        Info::Load { filter } if filter.is_empty() => {
            (Duration::from_secs(45), Ok(Info::Loaded(vec![])))
        }
        Info::Load { filter } if filter == "fail" => {
            (Duration::from_millis(10), Err("db down".into()))
        }
        Info::Load { filter } if filter == "boom" => panic!("the runner blew up"),
        Info::Load { filter } => (Duration::from_millis(10), Ok(Info::Loaded(vec![filter]))),
        other => panic!("not a task: {other:?}"),
    })?;
    lv.advance(Duration::from_millis(29_999))?;
    assert_eq!(lv.text("#orgs")?, "loading");
    lv.advance(Duration::from_millis(1))?;
    assert_eq!(lv.text("#orgs")?, "error: timed out after 30s");
    // Its scheduled outcome at 45 s is never delivered.
    lv.advance(Duration::from_secs(20))?;
    assert_eq!(lv.text("#orgs")?, "error: timed out after 30s");

    lv.submit("#f", &[("q", "fail")])?;
    lv.advance(Duration::from_millis(10))?;
    assert_eq!(lv.text("#orgs")?, "error: failed: db down");
    lv.submit("#f", &[("q", "boom")])?;
    assert_eq!(lv.text("#orgs")?, "error: panicked: the runner blew up");
    lv.submit("#f", &[("q", "ok")])?;
    lv.advance(Duration::from_millis(9))?;
    assert_eq!(lv.text("#state")?, "busy");
    lv.advance(Duration::from_millis(1))?;
    assert_eq!(lv.text("#orgs")?, "ok");
    Ok(())
}

#[test]
fn a_session_with_tasks_replays_from_its_trace() -> Result<(), TestError> {
    let app = TestApp::new().record_traces();
    let lv = app.mount_view::<Orgs>("/orgs")?;
    lv.complete_task::<Orgs>("orgs", loaded(&["acme"]))?;
    lv.submit("#f", &[("q", "x")])?;
    lv.complete_task::<Orgs>("orgs", Err(AsyncError::Failed("db down".into())))?;
    let trace = lv.trace().expect("recorded");
    assert!(trace.contains(r#""in":"async""#), "{trace}");
    assert!(trace.contains(r#""out":"start_task""#), "{trace}");
    let report = replay_with(&trace, join_typed::<Orgs>).expect("replays without divergence");
    // The failed reload keeps the last good value on screen, as Phoenix's
    // `<.async_result>` does.
    let html = &report.final_html;
    assert!(
        html.contains(r#"<p id="orgs">acme</p>"#) && html.contains("idle"),
        "{html}"
    );
    // A changed result in the trace diverges.
    let tampered = trace.replacen("acme", "evil", 1);
    assert!(replay_with(&tampered, join_typed::<Orgs>).is_err());
    // So does a trace whose view started different work than the code does.
    assert!(trace.contains(r#"{"Load":{"filter":"x"}}"#), "{trace}");
    let other_work = trace.replace(r#"{"Load":{"filter":"x"}}"#, r#"{"Load":{"filter":"y"}}"#);
    let divergence = replay_with(&other_work, join_typed::<Orgs>).unwrap_err();
    assert!(
        divergence.to_string().contains("start_task"),
        "{divergence}"
    );
    Ok(())
}
