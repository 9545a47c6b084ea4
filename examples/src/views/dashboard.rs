//! `/dashboard?ms=M`: a tick counter driven by a repeating timer.

use liveview_core::{html, Command, LiveView, Mount, Rendered, Update};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The state: ticks received so far and the period.
#[derive(Clone, Debug)]
pub struct Dashboard {
    ticks: u64,
    every_ms: u64,
}

/// The timer's message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Info {
    /// One period went by.
    Tick,
}

/// The dashboard has no client events.
#[derive(Debug, Deserialize)]
pub enum Event {}

impl LiveView for Dashboard {
    type Event = Event;
    type Info = Info;

    fn mount(mount: &Mount) -> Update<Self> {
        let every_ms = mount
            .params
            .parse::<u64>("ms")
            .filter(|ms| *ms > 0)
            .unwrap_or(1000);
        let commands = if mount.connected {
            vec![Command::repeat(
                "tick",
                Duration::from_millis(every_ms),
                Info::Tick,
            )]
        } else {
            vec![]
        };
        (Dashboard { ticks: 0, every_ms }, commands)
    }

    fn handle_event(self, event: Event) -> Update<Self> {
        match event {}
    }

    fn handle_info(self, info: Info) -> Update<Self> {
        match info {
            Info::Tick => (
                Dashboard {
                    ticks: self.ticks + 1,
                    ..self
                },
                vec![],
            ),
        }
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>Dashboard</h1>
<p>ticks: <span id="ticks">{self.ticks}</span> (every {self.every_ms} ms)</p>"#
        )
    }
}
