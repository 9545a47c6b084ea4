//! `/form-unsaved`: a form that marks itself dirty, and a page script that
//! asks before live navigation (`phx:before-navigate`) or unloading while
//! it is dirty; `/form-unsaved/target` is where its link goes.

use super::{live_link, Live};
use liveview_core::prelude::*;
use serde::Deserialize;

/// The form's state.
pub struct FormUnsavedLive {
    note: String,
}

/// The form's change.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// `phx-change="validate"` with the `note` input.
    Validate {
        /// The note typed so far.
        note: String,
    },
}

/// Installs the listeners once per page, before the LiveSocket boots (an
/// inline script runs as the page is parsed, the boot module after it).
const GUARD: &str = r##"<script>
  (() => {
    if (window.unsavedFormListenersInstalled) return;
    window.unsavedFormListenersInstalled = true;
    window.unsavedEvents = window.unsavedEvents || [];
    const dirty = () => document.querySelector("#unsaved-form[data-dirty='true']") !== null;
    window.addEventListener("phx:before-navigate", (event) => {
      if (!dirty()) return;
      window.unsavedEvents.push({ type: "phx", detail: event.detail });
      if (!window.confirm("You have unsaved changes. Leave without saving?")) {
        event.preventDefault();
      }
    });
    window.addEventListener("beforeunload", (event) => {
      if (!dirty()) return;
      window.unsavedEvents.push({ type: "beforeunload" });
      event.preventDefault();
      event.returnValue = "";
    });
  })();
</script>"##;

impl LiveView for FormUnsavedLive {
    type Event = Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (
            FormUnsavedLive {
                note: String::new(),
            },
            vec![],
        )
    }

    fn handle_event(self, Event::Validate { note }: Event) -> Update<Self> {
        (FormUnsavedLive { note }, vec![])
    }

    fn render(&self) -> Rendered {
        let guard = Html::raw(GUARD);
        let dirty = if self.note.is_empty() {
            "false"
        } else {
            "true"
        };
        let leave = live_link(
            Live::Navigate,
            "/form-unsaved/target",
            false,
            None,
            "Leave form",
        );
        html!(
            r#"{guard}
<h1>Unsaved form</h1>
{leave}
<form id="unsaved-form" phx-change="validate" data-dirty="{dirty}" style="margin-top: 1rem; display: flex; flex-direction: column; gap: 0.5rem; max-width: 20rem;">
  <label for="unsaved-note">Unsaved note</label>
  <input id="unsaved-note" name="note" value="{self.note}" style="height: 2rem; border: 1px solid #cbd5e1; padding: 0 0.5rem;" />
  <p id="unsaved-value">Unsaved value: {self.note}</p>
</form>"#
        )
    }
}

/// `/form-unsaved/target`.
pub struct Target;

impl LiveView for Target {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Target, vec![])
    }

    fn render(&self) -> Rendered {
        html!("<h1>Unsaved form target</h1>")
    }
}
