//! The views' async work in tests: the tasks a page's machine started
//! ([`SocketOutput::StartTask`](liveview_core::protocol::SocketOutput::StartTask))
//! wait here, inspectable, until the test completes them — by hand
//! ([`LiveViewTest::complete_task`]) or with a runner it supplies that says
//! how long each task takes on the virtual clock
//! ([`LiveViewTest::run_tasks_with`]). Nothing runs by itself and nothing
//! sleeps, so a test decides exactly when each result arrives.

use crate::page::LiveViewTest;
use crate::TestError;
use liveview_core::protocol::TaskStart;
use liveview_core::{AsyncError, LiveView, Time};
use serde_json::Value;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// A test's runner, type-erased: the task in, how long it takes and its outcome out.
type Runner = Box<dyn FnMut(&TaskStart) -> (Duration, Result<Value, AsyncError>)>;

/// One page's tasks: those waiting for the test, and outcomes a runner
/// scheduled on the virtual clock.
#[derive(Default)]
pub(crate) struct PageTasks {
    /// Started and not yet completed or cancelled, oldest first.
    pending: Vec<TaskStart>,
    runner: Option<Runner>,
    /// (when, socket task id) → outcome.
    scheduled: BTreeMap<(Time, u64), Result<Value, AsyncError>>,
}

impl PageTasks {
    /// The machine started `task` at `now`: it waits, and when a runner is
    /// installed its outcome is scheduled.
    pub(crate) fn started(&mut self, task: TaskStart, now: Time) {
        if let Some(run) = self.runner.as_mut() {
            let (takes, outcome) = run(&task);
            self.scheduled.insert((now + takes, task.id), outcome);
        }
        self.pending.push(task);
    }

    /// The machine cancelled task `id`: it is forgotten, and a scheduled
    /// outcome is never delivered.
    pub(crate) fn cancelled(&mut self, id: u64) {
        self.pending.retain(|t| t.id != id);
        self.scheduled.retain(|(_, i), _| *i != id);
    }

    /// The earliest scheduled outcome.
    pub(crate) fn next_due(&self) -> Option<Time> {
        self.scheduled.keys().next().map(|(t, _)| *t)
    }

    /// Takes the outcomes due at `now`, earliest first.
    pub(crate) fn take_due(&mut self, now: Time) -> Vec<(u64, Result<Value, AsyncError>)> {
        let due: Vec<(Time, u64)> = self
            .scheduled
            .keys()
            .take_while(|(t, _)| *t <= now)
            .copied()
            .collect();
        due.into_iter()
            .filter_map(|k| {
                let outcome = self.scheduled.remove(&k)?;
                self.pending.retain(|t| t.id != k.1);
                Some((k.1, outcome))
            })
            .collect()
    }

    /// Takes the pending task started under `key` (the oldest, if the view
    /// has several on different channels).
    pub(crate) fn take_key(&mut self, key: &str) -> Option<TaskStart> {
        let i = self.pending.iter().position(|t| t.key == key)?;
        self.scheduled
            .retain(|(_, id), _| *id != self.pending[i].id);
        Some(self.pending.remove(i))
    }

    /// The pending tasks.
    pub(crate) fn pending(&self) -> &[TaskStart] {
        &self.pending
    }

    /// Installs `runner` for every later task, and schedules the pending
    /// ones that have no outcome yet with it, from `now`.
    pub(crate) fn install(&mut self, mut runner: Runner, now: Time) {
        for task in &self.pending {
            if !self.scheduled.keys().any(|(_, id)| *id == task.id) {
                let (takes, outcome) = runner(task);
                self.scheduled.insert((now + takes, task.id), outcome);
            }
        }
        self.runner = Some(runner);
    }
}

/// `result` as the machine takes it (the info as JSON).
fn to_value<I: serde::Serialize>(result: Result<I, AsyncError>) -> Result<Value, AsyncError> {
    result.and_then(|info| {
        serde_json::to_value(info)
            .map_err(|e| AsyncError::Failed(format!("the result does not serialize: {e}")))
    })
}

/// # Async work
///
/// A view's [`Command::StartAsync`](liveview_core::Command::StartAsync) does
/// not run anything in a test: the task waits, with its data, until the test
/// completes it. Its outcome then goes through the socket machine exactly as
/// the server's runner's would (so it is recorded in the page's trace).
///
/// ```
/// use liveview_core::{html, AsyncError, AsyncValue, Command, LiveView, Mount, Rendered, Update};
/// use liveview_test::TestApp;
/// use serde::{Deserialize, Serialize};
/// use std::time::Duration;
///
/// struct Orgs { names: AsyncValue<Vec<String>> }
///
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// enum Info { Load, Loaded(Vec<String>) }
///
/// impl LiveView for Orgs {
///     type Event = ();
///     type Info = Info;
///     fn mount(_: &Mount) -> Update<Self> {
///         (Orgs { names: AsyncValue::loading() }, vec![Command::start_async("orgs", Info::Load)])
///     }
///     fn handle_async(mut self, _key: String, result: Result<Info, AsyncError>) -> Update<Self> {
///         self.names.set(result.map(|i| match i { Info::Loaded(n) => n, _ => vec![] }));
///         (self, vec![])
///     }
///     fn render(&self) -> Rendered {
///         let body = self.names.render(
///             || html!("loading"),
///             |n| html!("{n.join(\", \")}"),
///             |e| html!("error: {e}"),
///         );
///         html!(r#"<p id="orgs">{body}</p>"#)
///     }
/// }
///
/// let app = TestApp::new();
/// let lv = app.mount_view::<Orgs>("/orgs").unwrap();
/// assert_eq!(lv.text("#orgs").unwrap(), "loading");
/// assert_eq!(lv.pending_tasks::<Orgs>().unwrap(), vec![("orgs".to_string(), Info::Load)]);
///
/// // By hand:
/// lv.complete_task::<Orgs>("orgs", Ok(Info::Loaded(vec!["acme".into()]))).unwrap();
/// assert_eq!(lv.text("#orgs").unwrap(), "acme");
///
/// // Or with a runner on the virtual clock: each task takes 2 s.
/// let lv = app.mount_view::<Orgs>("/orgs").unwrap();
/// lv.run_tasks_with::<Orgs>(|_key, _task| (Duration::from_secs(2), Err("db down".into()))).unwrap();
/// lv.advance(Duration::from_millis(1_999)).unwrap();
/// assert_eq!(lv.text("#orgs").unwrap(), "loading");
/// lv.advance(Duration::from_millis(1)).unwrap();
/// assert_eq!(lv.text("#orgs").unwrap(), "error: failed: db down");
/// ```
impl LiveViewTest {
    /// The tasks the page's view has running, oldest first: each task's key
    /// and its data (decoded into `V::Info`).
    pub fn pending_tasks<V: LiveView>(&self) -> Result<Vec<(String, V::Info)>, TestError> {
        self.with(|p| {
            p.tasks
                .pending()
                .iter()
                .map(|t| {
                    let info = <V::Info as serde::Deserialize>::deserialize(&t.task)
                        .map_err(|e| TestError::Other(format!("task {:?}: {e}", t.key)))?;
                    Ok((t.key.clone(), info))
                })
                .collect()
        })
    }

    /// Completes the running task `key` now with `result` (the runner's
    /// value, or a failure such as [`AsyncError::Failed`]), and settles the
    /// page. Fails if no task runs under `key`.
    pub fn complete_task<V: LiveView>(
        &self,
        key: &str,
        result: Result<V::Info, AsyncError>,
    ) -> Result<String, TestError> {
        self.live()?;
        let outcome = to_value(result);
        self.act(|page, env| {
            let Some(task) = page.tasks.take_key(key) else {
                return Err(TestError::Other(format!(
                    "no task is running under {key:?} (running: {:?})",
                    page.tasks
                        .pending()
                        .iter()
                        .map(|t| &t.key)
                        .collect::<Vec<_>>()
                )));
            };
            page.complete_task(env, task.id, outcome)
        })
    }

    /// Runs this page's tasks — those running now, and every one started
    /// later — with `runner`, on the virtual clock: for each task it returns
    /// how long the task takes and its result (`Err(message)` is
    /// [`AsyncError::Failed`]; a panic in the runner is
    /// [`AsyncError::Panicked`]). The outcome arrives when the clock reaches
    /// the task's start plus that duration ([`advance`](Self::advance));
    /// a zero duration delivers it before this call returns. A task that is
    /// cancelled or superseded first never delivers.
    pub fn run_tasks_with<V: LiveView>(
        &self,
        mut runner: impl FnMut(&str, V::Info) -> (Duration, Result<V::Info, String>) + 'static,
    ) -> Result<String, TestError> {
        self.live()?;
        let erased: Runner = Box::new(move |task: &TaskStart| {
            let info = match <V::Info as serde::Deserialize>::deserialize(&task.task) {
                Ok(info) => info,
                Err(e) => {
                    let why = format!("the task does not decode into the view's Info: {e}");
                    return (Duration::ZERO, Err(AsyncError::Failed(why)));
                }
            };
            match catch_unwind(AssertUnwindSafe(|| runner(&task.key, info))) {
                Ok((takes, result)) => (takes, to_value(result.map_err(AsyncError::Failed))),
                Err(panic) => (Duration::ZERO, Err(AsyncError::from_panic(panic.as_ref()))),
            }
        });
        self.act(|page, env| {
            page.tasks.install(erased, env.clock);
            Ok(())
        })
    }
}
