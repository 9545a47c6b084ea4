//! `/js`: JS commands on a modal (show, hide, toggle with transitions and
//! attributes) and `ignore_attributes` on a `<details>`.

use liveview_core::prelude::*;
use serde::Deserialize;

/// A counter inside a `<details>` whose `open` the client keeps.
pub struct JsLive {
    count: u64,
}

/// The counter's button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Adds one.
    Increment,
}

impl LiveView for JsLive {
    type Event = Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (JsLive { count: 0 }, vec![])
    }

    fn handle_event(self, Event::Increment: Event) -> Update<Self> {
        (
            JsLive {
                count: self.count + 1,
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        let modal = "#my-modal";
        let show = JS::new()
            .show()
            .to(modal)
            .transition("fade-in")
            .time(50)
            .set_attribute("aria-expanded", "true")
            .to(modal)
            .set_attribute("open", "true")
            .to(modal);
        let hide = JS::new()
            .hide()
            .to(modal)
            .transition("fade-out")
            .time(50)
            .set_attribute("aria-expanded", "false")
            .to(modal)
            .remove_attribute("open")
            .to(modal);
        let toggle = JS::new()
            .toggle()
            .to(modal)
            .ins("fade-in")
            .outs("fade-out")
            .time(50)
            .toggle_attribute_between("aria-expanded", "true", "false")
            .to(modal)
            .toggle_attribute("open", "true")
            .to(modal);
        let keep_open = JS::new().ignore_attributes(&["open"]);
        html!(
            r#"<div id="my-modal" aria-expanded="false" style="display: none;">Test</div>
<button phx-click="{show}">show modal</button>
<button phx-click="{hide}">hide modal</button>
<button phx-click="{toggle}">toggle modal</button>
<details phx-mounted="{keep_open}">
  <summary>Details</summary>
  <button phx-click="increment">{self.count}</button>
</details>"#
        )
    }
}
