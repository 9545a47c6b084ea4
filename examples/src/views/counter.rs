//! `/counter`: a count with `inc` and `dec` buttons.

use liveview_core::{html, LiveView, Mount, Rendered, Update};
use serde::Deserialize;

/// The state: one number.
#[derive(Clone, Debug, Default)]
pub struct Counter {
    count: i64,
}

/// The buttons' `phx-click` events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Adds one.
    Inc,
    /// Subtracts one.
    Dec,
}

impl LiveView for Counter {
    type Event = Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Counter::default(), vec![])
    }

    fn handle_event(self, event: Event) -> Update<Self> {
        let count = match event {
            Event::Inc => self.count + 1,
            Event::Dec => self.count - 1,
        };
        (Counter { count }, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>Counter</h1>
<p><span id="count">{self.count}</span></p>
<button id="dec" phx-click="dec">-</button>
<button id="inc" phx-click="inc">+</button>"#
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inc_and_dec() {
        let (c, _) = Counter::mount(&Mount::default());
        let (c, _) = c.handle_event(Event::Inc);
        let (c, _) = c.handle_event(Event::Inc);
        let (c, _) = c.handle_event(Event::Dec);
        assert_eq!(c.count, 1);
        assert!(c
            .render()
            .to_html()
            .contains(r#"<span id="count">1</span>"#));
    }
}
