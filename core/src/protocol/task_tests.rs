//! Tasks through the socket machine: `StartTask` with a socket-wide id and
//! the view's type, outcomes delivered as pushes, and every task of a view
//! cancelled when its channel ends (leave, crash, socket close).

use super::socket::{SocketMachine, SocketOutput, TaskStart};
use super::testing::{connect, drain, frames, join_outputs, load_page, send, Page, T0};
use super::{App, Config, Router};
use crate::runtime::ViewDriver;
use crate::template::{Rendered, Statics, ToDynamic};
use crate::time::Time;
use crate::view::{AsyncError, Command, LiveView, Mount, Update};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::any::TypeId;
use std::sync::Arc;

static SHOW: Statics = Statics::new(&["<p id=\"r\">", "</p>"], 0xA5);

struct Loader {
    shown: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Info {
    Load(u32),
    Done(String),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Load { n: u32 },
    Boom,
}

impl LiveView for Loader {
    type Event = Event;
    type Info = Info;
    fn mount(m: &Mount) -> Update<Self> {
        let cmds = if m.connected {
            vec![Command::start_async("first", Info::Load(0))]
        } else {
            vec![]
        };
        (Loader { shown: "-".into() }, cmds)
    }
    fn handle_event(self, e: Event) -> Update<Self> {
        match e {
            Event::Load { n } => (
                self,
                vec![Command::start_async(format!("k{n}"), Info::Load(n))],
            ),
            Event::Boom => panic!("boom (a deliberate panic in a test view)"),
        }
    }
    fn handle_async(self, key: String, result: Result<Info, AsyncError>) -> Update<Self> {
        let shown = match result {
            Ok(Info::Done(s)) => format!("{key}={s}"),
            Ok(other) => format!("{key}: odd {other:?}"),
            Err(e) => format!("{key}: {e}"),
        };
        (Loader { shown }, vec![])
    }
    fn render(&self) -> Rendered {
        Rendered::new(&SHOW, vec![self.shown.to_dynamic()])
    }
}

fn app() -> Arc<App> {
    let router = Router::new().live::<Loader>("/load");
    Arc::new(App::new(router, Config::new(vec![9; 32]).unwrap()))
}

fn starts(outs: &[SocketOutput]) -> Vec<TaskStart> {
    outs.iter()
        .filter_map(|o| match o {
            SocketOutput::StartTask(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn cancels(outs: &[SocketOutput]) -> Vec<u64> {
    outs.iter()
        .filter_map(|o| match o {
            SocketOutput::CancelTask { id } => Some(*id),
            _ => None,
        })
        .collect()
}

fn joined(app: &Arc<App>) -> (Page, SocketMachine, TaskStart) {
    let (p, _) = load_page(app, "/load", 1, None);
    let mut m = connect(app, &p);
    let outs = join_outputs(&mut m, &p, "1", "/load");
    assert_eq!(frames(&outs)[0][4]["status"], "ok", "{outs:?}");
    let started = starts(&outs);
    assert_eq!(started.len(), 1, "{outs:?}");
    (p, m, started[0].clone())
}

#[test]
fn a_task_started_on_join_names_its_view_and_its_outcome_is_pushed() {
    let app = app();
    let (p, mut m, t) = joined(&app);
    assert_eq!(t.topic, p.topic);
    assert_eq!(t.key, "first");
    assert_eq!(t.task, json!({"Load": 0}));
    assert_eq!(t.view_type, TypeId::of::<ViewDriver<Loader>>());
    assert!(t.view.ends_with("Loader"), "{}", t.view);
    assert_eq!(m.stats().tasks, 1);

    m.handle_async(T0, t.id, Ok(json!({"Done": "rows"})));
    let f = frames(&drain(&mut m));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0][3], "diff");
    assert_eq!(f[0][4], json!({"0": "first=rows"}));
    assert_eq!(m.stats().tasks, 0);
    // A second outcome for the same id is ignored.
    m.handle_async(T0, t.id, Ok(json!({"Done": "again"})));
    assert!(drain(&mut m).is_empty());
}

#[test]
fn failures_reach_the_view_as_values() {
    let app = app();
    let (_, mut m, t) = joined(&app);
    m.handle_async(T0, t.id, Err(AsyncError::Panicked("db on fire".into())));
    let f = frames(&drain(&mut m));
    assert_eq!(f[0][4], json!({"0": "first: panicked: db on fire"}));
    assert_eq!(m.stats().views, 1, "the view goes on");
}

#[test]
fn task_ids_are_unique_per_socket_and_a_leave_cancels_the_views_tasks() {
    let app = app();
    let (p, mut m, first) = joined(&app);
    let ev = |n: u32, rf: &str| json!(["1", rf, p.topic, "event", {"type": "click", "event": "load", "value": {"n": n}}]);
    let a = starts(&send(&mut m, T0, ev(1, "2")));
    let b = starts(&send(&mut m, T0, ev(2, "3")));
    let ids = [first.id, a[0].id, b[0].id];
    assert!(ids[0] < ids[1] && ids[1] < ids[2], "{ids:?}");
    assert_eq!(m.stats().tasks, 3);
    let outs = send(&mut m, T0, json!(["1", "4", p.topic, "phx_leave", {}]));
    let mut cancelled = cancels(&outs);
    cancelled.sort();
    assert_eq!(cancelled, ids.to_vec());
    assert_eq!(m.stats().tasks, 0);
    // Late outcomes of the left view are ignored.
    m.handle_async(Time::from_millis(1), a[0].id, Ok(json!({"Done": "x"})));
    assert!(drain(&mut m).is_empty());
}

#[test]
fn a_crash_cancels_the_views_tasks() {
    let app = app();
    let (p, mut m, first) = joined(&app);
    let outs = send(
        &mut m,
        T0,
        json!(["1", "2", p.topic, "event", {"type": "click", "event": "boom", "value": {}}]),
    );
    assert_eq!(cancels(&outs), vec![first.id]);
    assert_eq!(m.stats(), Default::default());
}

#[test]
fn closing_the_socket_cancels_every_task() {
    let app = app();
    let (_, mut m, first) = joined(&app);
    m.close(T0);
    assert_eq!(cancels(&drain(&mut m)), vec![first.id]);
    assert_eq!(m.stats().tasks, 0);
    m.handle_async(T0, first.id, Ok(Value::Null));
    assert!(drain(&mut m).is_empty());
}

/// A component that loads on mount: its task runs with its own runner.
struct Widget {
    shown: String,
}

impl crate::component::LiveComponent for Widget {
    type Props = ();
    type Event = ();
    type Info = Info;
    fn mount(_: (), cx: &crate::view::Context) -> crate::component::ComponentUpdate<Self> {
        let cmds = if cx.connected {
            vec![Command::start_async("w", Info::Load(7))]
        } else {
            vec![]
        };
        (Widget { shown: "-".into() }, cmds)
    }
    fn update(self, _: (), _: &crate::view::Context) -> crate::component::ComponentUpdate<Self> {
        (self, vec![])
    }
    fn handle_async(
        self,
        key: String,
        result: Result<Info, AsyncError>,
        _: &crate::view::Context,
    ) -> crate::component::ComponentUpdate<Self> {
        let shown = match result {
            Ok(Info::Done(s)) => format!("{key}={s}"),
            other => format!("{key}: {other:?}"),
        };
        (Widget { shown }, vec![])
    }
    fn render(&self, _: crate::component::Cid) -> Rendered {
        crate::html!("<b>{self.shown}</b>")
    }
}

struct Holder;

impl LiveView for Holder {
    type Event = ();
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Holder, vec![])
    }
    fn render(&self) -> Rendered {
        crate::html!(r#"<div>{crate::component::live_component::<Widget>("w", ())}</div>"#)
    }
}

#[test]
fn a_components_task_names_the_component_and_its_outcome_reaches_it() {
    let router = Router::new().live::<Holder>("/holder");
    let app = Arc::new(App::new(router, Config::new(vec![9; 32]).unwrap()));
    let (p, _) = load_page(&app, "/holder", 1, None);
    let mut m = connect(&app, &p);
    let outs = join_outputs(&mut m, &p, "1", "/holder");
    let started = starts(&outs);
    assert_eq!(started.len(), 1, "{outs:?}");
    // The runner is the component's (Tasks::component::<Widget>).
    assert_eq!(started[0].view_type, TypeId::of::<Widget>());
    assert!(started[0].view.ends_with("Widget"), "{}", started[0].view);
    assert_eq!(started[0].task, json!({"Load": 7}));
    m.handle_async(T0, started[0].id, Ok(json!({"Done": "ok"})));
    let f = frames(&drain(&mut m));
    assert_eq!(f[0][3], "diff");
    assert_eq!(f[0][4], json!({"c": {"1": {"0": "w=ok"}}}));
    // A cid this view does not have: an error reply, nothing pushed.
    let outs = send(
        &mut m,
        T0,
        json!(["1", "5", p.topic, "event", {"type": "click", "event": "x", "value": {}, "cid": 9}]),
    );
    let f = frames(&outs);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0][4]["status"], "error");
    assert!(f[0][4]["response"]["reason"]
        .as_str()
        .unwrap()
        .contains("targets component 9"));
}
