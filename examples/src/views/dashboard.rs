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

#[cfg(test)]
mod tests {
    use super::*;
    use liveview_core::Params;

    fn mount(connected: bool, ms: Option<&str>) -> Update<Dashboard> {
        let params: Params = ms.map(|m| ("ms", m)).into_iter().collect();
        Dashboard::mount(&Mount {
            connected,
            params,
            ..Mount::default()
        })
    }

    #[test]
    fn the_timer_starts_only_when_connected() {
        let (_, cmds) = mount(false, Some("100"));
        assert!(cmds.is_empty());
        let (d, cmds) = mount(true, Some("100"));
        assert_eq!(
            cmds,
            vec![Command::repeat(
                "tick",
                Duration::from_millis(100),
                Info::Tick
            )]
        );
        let (d, _) = d.handle_info(Info::Tick);
        assert_eq!(d.ticks, 1);
    }

    #[test]
    fn bad_or_missing_ms_means_one_second() {
        for ms in [None, Some("0"), Some("x"), Some("-5")] {
            assert_eq!(mount(false, ms).0.every_ms, 1000, "{ms:?}");
        }
    }
}
