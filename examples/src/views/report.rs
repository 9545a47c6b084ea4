//! `/report?ms=M`: a report built by async work (`start_async`) that takes
//! `M` milliseconds (default 400). The page shows "building…" meanwhile and
//! stays responsive (the `+` button counts while the report builds);
//! `rebuild` starts it again, keeping the last report on screen until the
//! new one is there. The work runs in [`tasks`], the app's runner.

use liveview_core::tasks::Tasks;
use liveview_core::{html, AsyncError, AsyncValue, Command, LiveView, Mount, Rendered, Update};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The state: the report (loading, built or failed), how many times it was
/// built, and a counter that works while it builds.
#[derive(Clone, Debug)]
pub struct Report {
    report: AsyncValue<Summary>,
    ms: u64,
    builds: u32,
    clicks: u32,
}

/// What a build produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Rows counted.
    pub rows: u64,
    /// Their total.
    pub total: u64,
}

/// The view's server-side messages: the task it asks for, and its result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Info {
    /// Build the report of build number `build`, taking `ms` milliseconds.
    Build {
        /// Which build (1, 2, …): the report differs per build.
        build: u32,
        /// How long the work takes.
        ms: u64,
    },
    /// The built report.
    Built(Summary),
}

/// The buttons' events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Counts one click.
    Inc,
    /// Builds the report again.
    Rebuild,
}

impl Report {
    fn build(mut self) -> Update<Self> {
        self.builds += 1;
        let task = Info::Build {
            build: self.builds,
            ms: self.ms,
        };
        (self, vec![Command::start_async("report", task)])
    }
}

impl LiveView for Report {
    type Event = Event;
    type Info = Info;

    fn mount(m: &Mount) -> Update<Self> {
        let ms = m
            .params
            .get("ms")
            .and_then(|v| v.parse().ok())
            .unwrap_or(400)
            .min(60_000);
        let view = Report {
            report: AsyncValue::loading(),
            ms,
            builds: 0,
            clicks: 0,
        };
        if m.connected {
            view.build()
        } else {
            (view, vec![])
        }
    }

    fn handle_event(mut self, event: Event) -> Update<Self> {
        match event {
            Event::Inc => {
                self.clicks += 1;
                (self, vec![])
            }
            Event::Rebuild => {
                self.report.reload();
                self.build()
            }
        }
    }

    fn handle_async(mut self, _key: String, result: Result<Info, AsyncError>) -> Update<Self> {
        self.report.set(result.and_then(|info| match info {
            Info::Built(summary) => Ok(summary),
            other => Err(AsyncError::Failed(format!("not a report: {other:?}"))),
        }));
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let report = self.report.render(
            || html!(r#"<p id="report">building…</p>"#),
            |s| html!(r#"<p id="report">{s.rows} rows, total {s.total}</p>"#),
            |e| html!(r#"<p id="report" class="error">{e}</p>"#),
        );
        let state = if self.report.is_loading() {
            "loading"
        } else {
            "ready"
        };
        html!(
            r#"<h1>Report</h1>
{report}
<p>state: <span id="state">{state}</span>, builds: <span id="builds">{self.builds}</span></p>
<button id="rebuild" phx-click="rebuild">rebuild</button>
<p><span id="clicks">{self.clicks}</span> <button id="inc" phx-click="inc">+</button></p>"#
        )
    }
}

/// The runner of the report's work: waits `ms` on tokio's clock (standing
/// in for a slow query), then sums `build × 1000` rows.
pub fn tasks(tasks: Tasks) -> Tasks {
    tasks.view::<Report, _, _, _>(|info| async move {
        match info {
            Info::Build { build, ms } => {
                if ms > 0 {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                let rows = u64::from(build) * 1000;
                Ok(Info::Built(Summary {
                    rows,
                    total: rows * (rows + 1) / 2,
                }))
            }
            other => Err(format!("not a task: {other:?}")),
        }
    })
}
