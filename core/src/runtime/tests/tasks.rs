//! Async tasks in the driver: started after the render of their input,
//! superseded, cancelled, timed out, ended with the view, and their results
//! delivered in order with the other infos.

use crate::html;
use crate::runtime::{JoinInput, Output, ViewDriver};
use crate::template::Rendered;
use crate::time::Time;
use crate::view::{AsyncError, AsyncValue, Command, LiveView, Mount, Update, Url};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

#[derive(Clone, Debug)]
struct Loader {
    rows: AsyncValue<Vec<String>>,
    /// Every outcome handled: (key, result).
    seen: Vec<(String, Result<Info, AsyncError>)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Info {
    Load { query: String },
    Rows(Vec<String>),
    Note(u32),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Search { q: String },
    Quick { q: String },
    Stop,
}

impl LiveView for Loader {
    type Event = Event;
    type Info = Info;

    fn mount(m: &Mount) -> Update<Self> {
        let view = Loader {
            rows: AsyncValue::loading(),
            seen: vec![],
        };
        let cmds = if m.connected {
            vec![
                Command::Subscribe("rows".into()),
                Command::start_async("rows", Info::Load { query: "".into() }),
            ]
        } else {
            vec![Command::start_async(
                "rows",
                Info::Load { query: "".into() },
            )]
        };
        (view, cmds)
    }

    fn handle_event(mut self, event: Event) -> Update<Self> {
        match event {
            Event::Search { q } => {
                self.rows.reload();
                (
                    self,
                    vec![Command::start_async("rows", Info::Load { query: q })],
                )
            }
            Event::Quick { q } => {
                self.rows.reload();
                let task = Info::Load { query: q };
                let cmd =
                    Command::start_async_with_timeout("rows", task, Duration::from_millis(100));
                (self, vec![cmd])
            }
            Event::Stop => (self, vec![Command::cancel_async("rows")]),
        }
    }

    fn handle_info(self, _info: Info) -> Update<Self> {
        (self, vec![])
    }

    fn handle_async(mut self, key: String, result: Result<Info, AsyncError>) -> Update<Self> {
        self.seen.push((key, result.clone()));
        self.rows.set(result.and_then(|info| match info {
            Info::Rows(rows) => Ok(rows),
            other => Err(AsyncError::Failed(format!("unexpected {other:?}"))),
        }));
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let shown = self.rows.render(
            || html!("<p>loading</p>"),
            |rows| html!("<p>{rows.join(\",\")}</p>"),
            |e| html!("<p>failed: {e}</p>"),
        );
        html!("<div>{shown}</div>")
    }
}

fn join(connected: bool) -> ViewDriver<Loader> {
    let input = JoinInput {
        connected,
        url: Url::parse("/rows").unwrap(),
        ..Default::default()
    };
    ViewDriver::<Loader>::join(Time::ZERO, input).unwrap().0
}

fn drain(v: &mut ViewDriver<Loader>) -> Vec<Output> {
    std::iter::from_fn(|| v.poll_output()).collect()
}

fn event(name: &str, value: serde_json::Value) -> crate::event::ClientEvent {
    crate::event::ClientEvent::json("click", name, value)
}

#[test]
fn mount_subscribes_before_the_load_starts_and_the_result_renders() {
    let mut v = join(true);
    let outs = drain(&mut v);
    assert_eq!(
        outs,
        vec![
            Output::Subscribe("rows".into()),
            Output::StartTask {
                id: 0,
                key: "rows".into(),
                task: json!({"Load": {"query": ""}}),
                runner: None,
            },
        ]
    );
    assert_eq!(v.pending_tasks().len(), 1);
    assert_eq!(v.render_html(), "<div><p>loading</p></div>");

    v.handle_async(Time::from_millis(5), 0, Ok(json!({"Rows": ["a", "b"]})))
        .unwrap();
    assert!(v.pending_tasks().is_empty());
    let outs = drain(&mut v);
    assert!(matches!(&outs[..], [Output::Push(_)]), "{outs:?}");
    assert_eq!(v.render_html(), "<div><p>a,b</p></div>");
    assert_eq!(
        v.state().unwrap().seen,
        vec![("rows".into(), Ok(Info::Rows(vec!["a".into(), "b".into()])))]
    );
}

#[test]
fn the_dead_render_starts_no_task() {
    let mut v = join(false);
    assert_eq!(drain(&mut v), vec![]);
    assert!(v.pending_tasks().is_empty());
    assert_eq!(v.poll_timeout(), None);
}

#[test]
fn a_task_starts_after_the_reply_of_the_event_that_started_it() {
    let mut v = join(true);
    drain(&mut v);
    v.handle_async(Time::ZERO, 0, Err(AsyncError::Failed("down".into())))
        .unwrap();
    drain(&mut v);
    assert_eq!(v.render_html(), "<div><p>failed: failed: down</p></div>");
    let reply = v
        .handle_event(Time::from_millis(1), event("search", json!({"q": "x"})))
        .unwrap();
    assert!(reply.diff.is_some(), "the reload renders in the reply");
    assert_eq!(
        drain(&mut v),
        vec![Output::StartTask {
            id: 1,
            key: "rows".into(),
            task: json!({"Load": {"query": "x"}}),
            runner: None,
        }]
    );
}

#[test]
fn restarting_a_key_supersedes_the_running_task() {
    let mut v = join(true);
    drain(&mut v);
    v.handle_event(Time::from_millis(1), event("search", json!({"q": "a"})))
        .unwrap();
    let outs = drain(&mut v);
    assert_eq!(outs[0], Output::CancelTask { id: 0 });
    assert!(matches!(&outs[1], Output::StartTask { id: 1, .. }));
    // The old task's result is never delivered.
    v.handle_async(Time::from_millis(2), 0, Ok(json!({"Rows": ["old"]})))
        .unwrap();
    assert_eq!(drain(&mut v), vec![]);
    assert!(v.state().unwrap().seen.is_empty());
    v.handle_async(Time::from_millis(3), 1, Ok(json!({"Rows": ["new"]})))
        .unwrap();
    drain(&mut v);
    assert_eq!(v.render_html(), "<div><p>new</p></div>");
}

#[test]
fn cancel_aborts_the_task_and_tells_the_view() {
    let mut v = join(true);
    drain(&mut v);
    v.handle_event(Time::from_millis(1), event("stop", json!({})))
        .unwrap();
    let outs = drain(&mut v);
    assert_eq!(outs[0], Output::CancelTask { id: 0 });
    assert_eq!(
        v.state().unwrap().seen,
        vec![("rows".into(), Err(AsyncError::Cancelled))]
    );
    // A late result of the cancelled task is ignored.
    v.handle_async(Time::from_millis(2), 0, Ok(json!({"Rows": []})))
        .unwrap();
    assert_eq!(drain(&mut v), vec![]);
    // Cancelling again, with nothing running, does nothing.
    v.handle_event(Time::from_millis(3), event("stop", json!({})))
        .unwrap();
    assert_eq!(drain(&mut v), vec![]);
    assert_eq!(v.state().unwrap().seen.len(), 1);
}

#[test]
fn a_task_times_out_at_its_deadline() {
    let mut v = join(true);
    drain(&mut v);
    // The mount's task has the default timeout.
    assert_eq!(
        v.poll_timeout(),
        Some(Time::ZERO + crate::view::DEFAULT_ASYNC_TIMEOUT)
    );
    v.handle_event(Time::from_millis(10), event("quick", json!({"q": "slow"})))
        .unwrap();
    drain(&mut v);
    assert_eq!(v.poll_timeout(), Some(Time::from_millis(110)));
    v.handle_timeout(Time::from_millis(109));
    assert_eq!(drain(&mut v), vec![]);
    v.handle_timeout(Time::from_millis(110));
    let outs = drain(&mut v);
    assert_eq!(outs[0], Output::CancelTask { id: 1 });
    assert!(matches!(&outs[1], Output::Push(_)), "{outs:?}");
    assert_eq!(
        v.state().unwrap().seen,
        vec![(
            "rows".into(),
            Err(AsyncError::TimedOut(Duration::from_millis(100)))
        )]
    );
    assert!(v.render_html().contains("failed: timed out after 100ms"));
    assert_eq!(v.poll_timeout(), None);
}

#[test]
fn the_end_of_the_view_cancels_its_tasks() {
    let mut v = join(true);
    drain(&mut v);
    v.stop();
    let outs = drain(&mut v);
    assert!(outs.contains(&Output::CancelTask { id: 0 }), "{outs:?}");
    assert!(v.pending_tasks().is_empty());
    assert_eq!(
        v.handle_async(Time::from_millis(1), 0, Ok(json!({"Rows": []}))),
        Err(crate::runtime::InputError::Ended)
    );
}

#[test]
fn a_result_that_does_not_decode_fails_the_task_not_the_view() {
    let mut v = join(true);
    drain(&mut v);
    v.handle_async(Time::from_millis(1), 0, Ok(json!({"Nope": 1})))
        .unwrap();
    drain(&mut v);
    let seen = &v.state().unwrap().seen;
    assert!(
        matches!(&seen[..], [(_, Err(AsyncError::Failed(why)))] if why.contains("does not decode")),
        "{seen:?}"
    );
}

#[test]
fn results_queue_in_order_with_infos() {
    let mut v = join(true);
    drain(&mut v);
    v.handle_info(Time::from_millis(1), Info::Note(1));
    v.handle_async(
        Time::from_millis(1),
        0,
        Err(AsyncError::Panicked("boom".into())),
    )
    .unwrap();
    // Reloading keeps the failure until the next result.
    drain(&mut v);
    assert!(v.render_html().contains("failed: panicked: boom"));
}

// ---------------------------------------------------------------- properties

mod props {
    use super::*;
    use crate::runtime::InputError;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// A view that starts and cancels tasks as told and records every outcome.
    struct Tasker {
        seen: Vec<(String, Result<u64, AsyncError>)>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    enum Job {
        Run,
        Done(u64),
    }

    #[derive(Debug, Deserialize)]
    enum Do {
        Start { key: String, ms: u64 },
        Cancel { key: String },
    }

    impl LiveView for Tasker {
        type Event = Do;
        type Info = Job;
        fn mount(_: &Mount) -> Update<Self> {
            (Tasker { seen: vec![] }, vec![])
        }
        fn handle_event(self, e: Do) -> Update<Self> {
            let cmd = match e {
                Do::Start { key, ms } => {
                    Command::start_async_with_timeout(key, Job::Run, Duration::from_millis(ms))
                }
                Do::Cancel { key } => Command::cancel_async(key),
            };
            (self, vec![cmd])
        }
        fn handle_async(mut self, key: String, result: Result<Job, AsyncError>) -> Update<Self> {
            let r = result.map(|j| match j {
                Job::Done(id) => id,
                Job::Run => u64::MAX,
            });
            self.seen.push((key, r));
            (self, vec![])
        }
        fn render(&self) -> Rendered {
            html!("<p>{self.seen.len()}</p>")
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Start(&'static str, u64),
        Cancel(&'static str),
        /// Completes the task with this id (maybe stale, maybe never started).
        Complete(u64),
        Advance(u64),
        Stop,
    }

    fn op() -> impl Strategy<Value = Op> {
        let key = prop::sample::select(&["a", "b", "c"][..]);
        prop_oneof![
            4 => (key.clone(), 1u64..50).prop_map(|(k, ms)| Op::Start(k, ms)),
            1 => key.prop_map(Op::Cancel),
            4 => (0u64..12).prop_map(Op::Complete),
            2 => (0u64..30).prop_map(Op::Advance),
            1 => Just(Op::Stop),
        ]
    }

    /// What the driver must do, computed independently.
    #[derive(Default)]
    struct Model {
        /// key → (id, deadline in ms, timeout in ms)
        running: BTreeMap<String, (u64, u64, u64)>,
        next: u64,
        now: u64,
        ended: bool,
        seen: Vec<(String, Result<u64, AsyncError>)>,
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Each task gets exactly one outcome unless it is superseded (then
        /// none): its result, a cancel or a timeout, whichever comes first;
        /// `StartTask`/`CancelTask` name each task once, in that order; the
        /// end of the view cancels every running task.
        #[test]
        fn every_task_ends_once_and_superseded_tasks_never_deliver(ops in prop::collection::vec(op(), 1..40)) {
            let input = JoinInput { connected: true, url: Url::parse("/t").unwrap(), ..Default::default() };
            let mut v = ViewDriver::<Tasker>::join(Time::ZERO, input).unwrap().0;
            let mut m = Model::default();
            for op in ops {
                let now = Time::from_millis(m.now);
                let mut expect = Vec::new();
                match op {
                    Op::Start(key, ms) => {
                        let ev = Do::Start { key: key.into(), ms };
                        let r = v.handle_typed_event(now, ev);
                        if m.ended {
                            prop_assert_eq!(r.err(), Some(InputError::Ended));
                        } else {
                            if let Some((old, _, _)) = m.running.remove(key) {
                                expect.push(Output::CancelTask { id: old });
                            }
                            let id = m.next;
                            m.next += 1;
                            m.running.insert(key.into(), (id, m.now + ms, ms));
                            expect.push(Output::StartTask { id, key: key.into(), task: json!("Run"), runner: None });
                        }
                    }
                    Op::Cancel(key) => {
                        let r = v.handle_typed_event(now, Do::Cancel { key: key.into() });
                        if m.ended {
                            prop_assert_eq!(r.err(), Some(InputError::Ended));
                        } else if let Some((id, _, _)) = m.running.remove(key) {
                            expect.push(Output::CancelTask { id });
                            m.seen.push((key.into(), Err(AsyncError::Cancelled)));
                        }
                    }
                    Op::Complete(id) => {
                        let r = v.handle_async(now, id, Ok(json!({"Done": id})));
                        if m.ended {
                            prop_assert_eq!(r.err(), Some(InputError::Ended));
                        } else {
                            let key = m.running.iter().find(|(_, t)| t.0 == id).map(|(k, _)| k.clone());
                            if let Some(key) = key {
                                m.running.remove(&key);
                                m.seen.push((key, Ok(id)));
                            }
                        }
                    }
                    Op::Advance(ms) => {
                        m.now += ms;
                        v.handle_timeout(Time::from_millis(m.now));
                        if !m.ended {
                            let mut due: Vec<(u64, u64, String, u64)> = m
                                .running
                                .iter()
                                .filter(|(_, t)| t.1 <= m.now)
                                .map(|(k, t)| (t.1, t.0, k.clone(), t.2))
                                .collect();
                            due.sort();
                            for (_, id, key, ms) in due {
                                m.running.remove(&key);
                                expect.push(Output::CancelTask { id });
                                m.seen.push((key, Err(AsyncError::TimedOut(Duration::from_millis(ms)))));
                            }
                        }
                    }
                    Op::Stop => {
                        v.stop();
                        if !m.ended {
                            let mut ids: Vec<u64> = m.running.values().map(|t| t.0).collect();
                            ids.sort();
                            expect.extend(ids.into_iter().map(|id| Output::CancelTask { id }));
                            m.running.clear();
                            m.ended = true;
                        }
                    }
                }
                let mut got: Vec<Output> = std::iter::from_fn(|| v.poll_output())
                    .filter(|o| matches!(o, Output::StartTask { .. } | Output::CancelTask { .. }))
                    .collect();
                if matches!(op, Op::Stop) {
                    // The order of cancels at the end is not specified.
                    got.sort_by_key(|o| match o { Output::CancelTask { id } => *id, _ => u64::MAX });
                }
                prop_assert_eq!(&got, &expect, "after {:?}", op);
                prop_assert_eq!(&v.state().unwrap().seen, &m.seen, "after {:?}", op);
                let mut pending: Vec<u64> = v.pending_tasks().iter().map(|t| t.id).collect();
                pending.sort();
                let mut running: Vec<u64> = m.running.values().map(|t| t.0).collect();
                running.sort();
                prop_assert_eq!(pending, running);
            }
        }
    }
}
