//! Issue routes about navigation: the flash carried across a live
//! navigation, a redirect and a navigation that falls back to a page load
//! (`/issues/3686/a`, `b`, `c`; `c` is in another live session), and events
//! of the old view while a live navigation is under way (`/issues/4290`).

use liveview_core::js::Transition;
use liveview_core::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Elixir's `inspect` of a flash map: `%{}`, `%{"info" => "…"}`.
fn inspect_flash(flash: &Flash) -> String {
    let entries: Vec<String> = flash
        .iter()
        .map(|(k, v)| format!("{k:?} => {v:?}"))
        .collect();
    format!("%{{{}}}", entries.join(", "))
}

/// `/issues/3686/a`, `b` and `c`: each shows the flash it was mounted with
/// and moves on with a flash of its own (A navigates to B, B redirects to
/// C, C navigates to A across live sessions).
pub struct Issue3686 {
    page: char,
    flash: String,
}

/// The one button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3686Event {
    /// To the next page.
    Go {},
}

impl Issue3686 {
    fn mount_page(page: char, m: &Mount) -> Issue3686 {
        Issue3686 {
            page,
            flash: inspect_flash(&m.flash),
        }
    }

    fn go(&self) -> Vec<Command<()>> {
        let flash = Command::put_flash("info", format!("Flash from {}", self.page));
        let next = match self.page {
            'A' => Command::push_navigate("/issues/3686/b"),
            'B' => Command::redirect("/issues/3686/c"),
            _ => Command::push_navigate("/issues/3686/a"),
        };
        vec![flash, next]
    }

    fn page_html(&self) -> Rendered {
        let next = match self.page {
            'A' => "To B",
            'B' => "To C",
            _ => "To A",
        };
        html!(
            r#"<h1>{self.page}</h1>
<button phx-click="go">{next}</button>
<div id="flash">
  {self.flash}
</div>"#
        )
    }
}

macro_rules! issue_3686_page {
    ($name:ident, $page:literal, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(Issue3686);

        impl LiveView for $name {
            type Event = Issue3686Event;
            type Info = ();

            fn mount(m: &Mount) -> Update<Self> {
                ($name(Issue3686::mount_page($page, m)), vec![])
            }

            fn handle_event(self, Issue3686Event::Go {}: Issue3686Event) -> Update<Self> {
                let commands = self.0.go();
                (self, commands)
            }

            fn render(&self) -> Rendered {
                self.0.page_html()
            }
        }
    };
}

issue_3686_page!(
    Issue3686A,
    'A',
    "`/issues/3686/a`: navigates to B with a flash."
);
issue_3686_page!(
    Issue3686B,
    'B',
    "`/issues/3686/b`: redirects to C with a flash."
);
issue_3686_page!(
    Issue3686C,
    'C',
    "`/issues/3686/c` (another live session): navigates to A with a flash."
);

/// `/issues/4290/a`: its removal is slowed by a `phx-remove` transition,
/// so its form stays usable while the next view joins.
pub struct Issue4290A;

/// A's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue4290AEvent {
    /// To B.
    Navigate {},
    /// The form's change (ignored).
    Validate {},
}

impl LiveView for Issue4290A {
    type Event = Issue4290AEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4290A, vec![])
    }

    fn handle_event(self, event: Issue4290AEvent) -> Update<Self> {
        match event {
            Issue4290AEvent::Navigate {} => (self, vec![Command::push_navigate("/issues/4290/b")]),
            Issue4290AEvent::Validate {} => (self, vec![]),
        }
    }

    fn render(&self) -> Rendered {
        let remove = JS::new()
            .run_transition(Transition::new("fade-out", "", ""))
            .time(1500);
        html!(
            r#"<h1>A</h1>
<div id="slow-remove" phx-remove={remove}>
  removed with transition
</div>
<form id="form" phx-change="validate">
  <input type="text" name="name" />
</form>
<button phx-click="navigate">Navigate</button>"#
        )
    }
}

/// `/issues/4290/b`: lists every event it receives, whatever its name.
pub struct Issue4290B {
    events: Vec<String>,
}

impl LiveView for Issue4290B {
    /// Any event, as `{name: value}`.
    type Event = Map<String, Value>;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4290B { events: vec![] }, vec![])
    }

    fn handle_event(mut self, event: Map<String, Value>) -> Update<Self> {
        self.events.extend(event.into_iter().map(|(name, _)| name));
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let count = self.events.len();
        html!(
            r#"<h1>B</h1>
<span id="event-count">{count}</span>
{#for (i, e) in self.events.iter().enumerate()}<div id="event-{i}">{e}</div>{/for}"#
        )
    }
}
