//! Recording traces while testing, replaying them, and catching divergences.

mod common;

use common::Counter;
use liveview_core::runtime::AnyView;
use liveview_core::runtime::ViewDriver;
use liveview_core::{html, AsyncError, Command, LiveView, Mount, Rendered, Update};
use liveview_test::{
    join_typed, replay_with, Divergence, ReplayReport, TestApp, TestError, TraceOutput,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A view that uses every kind of input and effect: events with values,
/// timers, pub/sub, infos that send infos, push events, async tasks (which
/// time out, are cancelled and superseded, and whose results send infos).
#[derive(Debug, Default)]
struct Lab {
    n: i64,
    ticks: u64,
    heard: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum LabEvent {
    Inc,
    Add { by: i64 },
    Start { ms: u64 },
    Stop,
    Shout { text: String },
    Fetch { ms: u64 },
    Cancel,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum LabInfo {
    Tick,
    Bump(i64),
    Heard(String),
    /// The task: fetch `k`.
    Fetch(i64),
}

impl LiveView for Lab {
    type Event = LabEvent;
    type Info = LabInfo;

    fn mount(m: &Mount) -> Update<Self> {
        let cmds = if m.connected {
            vec![Command::Subscribe("lab".into())]
        } else {
            vec![]
        };
        (Lab::default(), cmds)
    }

    fn handle_event(mut self, event: LabEvent) -> Update<Self> {
        let cmds = match event {
            LabEvent::Inc => {
                self.n += 1;
                vec![]
            }
            LabEvent::Add { by } => {
                self.n += by;
                vec![Command::push_event("added", by)]
            }
            LabEvent::Start { ms } => vec![Command::repeat(
                "t",
                Duration::from_millis(ms),
                LabInfo::Tick,
            )],
            LabEvent::Stop => vec![Command::CancelRepeat { key: "t".into() }],
            LabEvent::Shout { text } => vec![Command::broadcast("lab", LabInfo::Heard(text))],
            LabEvent::Fetch { ms } => vec![Command::start_async_with_timeout(
                "f",
                LabInfo::Fetch(self.n),
                Duration::from_millis(ms),
            )],
            LabEvent::Cancel => vec![Command::cancel_async("f")],
        };
        (self, cmds)
    }

    fn handle_async(mut self, key: String, result: Result<LabInfo, AsyncError>) -> Update<Self> {
        match result {
            // A result is handled like the info it carries (which may send more).
            Ok(info) => self.handle_info(info),
            Err(e) => {
                self.heard.push(format!("{key}: {e}"));
                (self, vec![])
            }
        }
    }

    fn handle_info(mut self, info: LabInfo) -> Update<Self> {
        let cmds = match info {
            LabInfo::Tick => {
                self.ticks += 1;
                // Every third tick also schedules a one-shot info.
                match self.ticks % 3 {
                    0 => vec![Command::SendAfter {
                        key: "late".into(),
                        after: Duration::from_millis(40),
                        info: LabInfo::Bump(100),
                    }],
                    _ => vec![],
                }
            }
            LabInfo::Bump(k) => {
                self.n += k;
                if k % 3 == 0 {
                    vec![Command::SendInfo(LabInfo::Bump(k + 1))]
                } else {
                    vec![]
                }
            }
            LabInfo::Heard(t) => {
                self.heard.push(t);
                vec![]
            }
            LabInfo::Fetch(k) => {
                self.heard.push(format!("fetch {k}?"));
                vec![]
            }
        };
        (self, cmds)
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<span id="n">{self.n}</span><span id="ticks">{self.ticks}</span>
<ul id="heard">{#for h in self.heard.iter()}<li>{h}</li>{/for}</ul>
<button id="inc" phx-click="inc">inc</button>
<button id="add" phx-click="add" phx-value-by="7">add</button>
<button id="start" phx-click="start" phx-value-ms="250">start</button>
<button id="stop" phx-click="stop">stop</button>
<button id="shout" phx-click="shout" phx-value-text="hey">shout</button>
<button id="fetch" phx-click="fetch" phx-value-ms="300">fetch</button>
<button id="cancel" phx-click="cancel">cancel</button>"#
        )
    }
}

#[derive(Clone, Debug)]
enum Step {
    Click(&'static str),
    Info(i64),
    Broadcast(i64),
    Advance(u64),
    /// Completes the running task "f" (if any) with `Bump(k)`.
    Complete(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        prop::sample::select(vec![
            "#inc", "#add", "#start", "#stop", "#shout", "#fetch", "#cancel"
        ])
        .prop_map(Step::Click),
        (-5i64..10).prop_map(Step::Complete),
        (-5i64..10).prop_map(Step::Info),
        (-5i64..10).prop_map(Step::Broadcast),
        (0u64..2000).prop_map(Step::Advance),
    ]
}

/// Runs a script; returns what the view produced, its final HTML and the trace if recorded.
fn run(
    script: &[Step],
    record: bool,
) -> Result<(Vec<TraceOutput>, String, Option<String>), TestError> {
    let app = if record {
        TestApp::new().record_traces()
    } else {
        TestApp::new()
    };
    let view = app.mount_view::<Lab>("/lab")?;
    for s in script {
        match s {
            Step::Click(sel) => {
                view.click(sel)?;
            }
            Step::Info(k) => {
                view.send_info(&LabInfo::Bump(*k))?;
            }
            Step::Broadcast(k) => {
                app.broadcast("lab", &LabInfo::Bump(*k))?;
            }
            Step::Advance(ms) => {
                view.advance(Duration::from_millis(*ms))?;
            }
            Step::Complete(k) => {
                if !view.pending_tasks::<Lab>()?.is_empty() {
                    view.complete_task::<Lab>("f", Ok(LabInfo::Bump(*k)))?;
                }
            }
        }
    }
    Ok((view.produced(), view.render(), view.trace()))
}

fn without_idle(outputs: &[TraceOutput]) -> Vec<TraceOutput> {
    outputs
        .iter()
        .filter(|o| **o != TraceOutput::Idle)
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Recording is transparent, and a recorded session replays to the same outputs.
    #[test]
    fn replaying_a_recorded_script_gives_the_same_outputs(script in prop::collection::vec(step(), 1..24)) {
        let (direct, direct_html, none) = run(&script, false).unwrap();
        prop_assert!(none.is_none());
        let (recorded, recorded_html, trace) = run(&script, true).unwrap();
        prop_assert_eq!(&direct, &recorded);
        prop_assert_eq!(&direct_html, &recorded_html);
        let trace = trace.unwrap();
        let report: ReplayReport = replay_with(&trace, join_typed::<Lab>).unwrap();
        prop_assert_eq!(without_idle(&report.outputs), direct);
        prop_assert_eq!(report.final_html, direct_html);
    }
}

fn recorded_counter_session() -> String {
    let app = TestApp::new().record_traces();
    let view = app.mount_view::<Counter>("/counter").unwrap();
    view.click("#inc").unwrap();
    view.click("#add5").unwrap();
    view.click("#dec").unwrap();
    view.trace().unwrap()
}

#[test]
fn an_untouched_trace_replays() {
    let trace = recorded_counter_session();
    assert!(
        trace.starts_with(r#"{"trace":"liveview","version":1,"#),
        "{trace}"
    );
    let report = replay_with(&trace, join_typed::<Counter>).unwrap();
    assert_eq!(report.inputs, 4);
    assert!(
        report.final_html.contains(r#"<span id="count">5</span>"#),
        "{}",
        report.final_html
    );
}

#[test]
fn a_tampered_output_is_reported_at_its_line() {
    let trace = recorded_counter_session();
    let lines: Vec<&str> = trace.lines().collect();
    // The reply to the second click (+5): count 6.
    let (index, original) = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with(r#"{"out":"reply""#))
        .nth(1)
        .map(|(i, l)| (i, *l))
        .unwrap();
    assert!(original.contains("\"6\""), "{original}");
    let tampered_line = original.replace("\"6\"", "\"7\"");
    let mut tampered: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    tampered[index] = tampered_line.clone();
    let err: Divergence = replay_with(&tampered.join("\n"), join_typed::<Counter>).unwrap_err();
    assert_eq!(err.line, index + 1);
    assert_eq!(err.expected, tampered_line);
    assert_eq!(err.actual, original);
    let (input_line, input) = err.after_input.clone().unwrap();
    assert_eq!(input_line, index);
    assert!(input.contains("\"name\":\"add\""), "{input}");
    let shown = err.to_string();
    assert!(
        shown.contains(&format!("line {}", index + 1))
            && shown.contains("expected:")
            && shown.contains("actual:")
    );
}

#[test]
fn a_changed_view_diverges_from_an_old_trace() {
    /// The counter after a "refactoring" that broke `dec`.
    #[derive(Debug, Default)]
    struct Broken {
        count: i64,
    }
    impl LiveView for Broken {
        type Event = common::CounterEvent;
        type Info = ();
        fn mount(_: &Mount) -> Update<Self> {
            (Broken::default(), vec![])
        }
        fn handle_event(self, e: common::CounterEvent) -> Update<Self> {
            let (c, _) = Counter { count: self.count }.handle_event(e);
            let count = if c.count < self.count {
                self.count
            } else {
                c.count
            };
            (Broken { count }, vec![])
        }
        fn render(&self) -> Rendered {
            Counter { count: self.count }.render()
        }
    }
    let trace = recorded_counter_session();
    let err = replay_with(&trace, |now, input| {
        Some(
            ViewDriver::<Broken>::join(now, input)
                .map(|(d, j)| (Box::new(d) as Box<dyn AnyView>, j)),
        )
    })
    .unwrap_err();
    let dec_line = trace
        .lines()
        .position(|l| l.contains("\"name\":\"dec\""))
        .unwrap()
        + 1;
    assert_eq!(err.line, dec_line + 1, "{err}");
    assert!(
        err.expected.contains("\"5\"") && !err.actual.contains("\"5\""),
        "{err}"
    );
}

#[test]
fn truncated_and_corrupt_traces_are_reported() {
    let trace = recorded_counter_session();
    let lines: Vec<&str> = trace.lines().collect();
    // Cut right after an input: its result is missing.
    let cut = lines
        .iter()
        .position(|l| l.starts_with(r#"{"in":"event""#))
        .unwrap();
    let err = replay_with(&lines[..=cut].join("\n"), join_typed::<Counter>).unwrap_err();
    assert_eq!(err.line, cut + 2);
    assert!(err.expected.contains("trace ends here"), "{err}");
    // A line that is not JSON.
    let mut bad: Vec<&str> = lines.clone();
    bad[3] = "{not json";
    let err = replay_with(&bad.join("\n"), join_typed::<Counter>).unwrap_err();
    assert_eq!(err.line, 4);
    assert!(err.actual.contains("not JSON"), "{err}");
    // No route for the join URL.
    let err = replay_with(&trace, |_, _| None).unwrap_err();
    assert_eq!(err.line, 2);
    assert!(
        err.actual.contains("no live route for \"/counter\""),
        "{err}"
    );
}
