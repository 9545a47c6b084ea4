//! `/select`: four selects in a `phx-change` form. Select 3 shows an error
//! (class `has-error`) for values of 5 or less once the user has touched it;
//! buttons tick the page every second and, after a 5 s countdown, add an
//! option to select 2 or change select 4's value.

use liveview_core::event::form::used_input;
use liveview_core::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::Duration;

/// The page's state.
pub struct SelectLive {
    tick: u64,
    ticking: bool,
    select2_countdown: Option<u32>,
    select4_countdown: Option<u32>,
    select2_opts: Vec<u32>,
    select4_value: String,
    /// The form's last params (`select_form[…]`).
    params: Map<String, Value>,
}

/// The page's events.
#[derive(Debug, Deserialize)]
pub enum Event {
    /// `phx-change` of the form.
    #[serde(rename = "validate")]
    Validate {
        /// The form's fields.
        #[serde(default)]
        select_form: Map<String, Value>,
    },
    /// Starts or stops the ticking.
    #[serde(rename = "toggle-tick")]
    ToggleTick,
    /// Starts select 2's countdown.
    #[serde(rename = "schedule-select2-update")]
    ScheduleSelect2,
    /// Starts select 4's countdown.
    #[serde(rename = "schedule-select4-update")]
    ScheduleSelect4,
}

/// Timers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Info {
    /// A tick of the ticking.
    Tick,
    /// One second of select 2's countdown.
    Select2Countdown,
    /// One second of select 4's countdown.
    Select4Countdown,
}

const SECOND: Duration = Duration::from_secs(1);

impl SelectLive {
    /// The value of `field`: the form's, else the initial one.
    fn value(&self, field: &str) -> Option<String> {
        match self.params.get(field) {
            Some(Value::String(v)) => Some(v.clone()),
            _ if field == "select3" => Some("2".into()),
            _ => None,
        }
    }

    /// Select 3 is invalid at 5 or less (or not a number), once touched.
    fn select3_error(&self) -> bool {
        let valid = self
            .value("select3")
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|n| n > 5);
        used_input(&self.params, "select3") && !valid
    }
}

/// A select of the form (`select_form[name]`) with `options`, `value` selected.
fn select(
    name: &str,
    label: &str,
    options: &[String],
    value: Option<&str>,
    error: bool,
) -> Rendered {
    let class = if error { "has-error" } else { "" };
    let id = format!("select_form_{name}");
    html!(
        r#"<div>
  <label for="{id}">{label}</label>
  <select id="{id}" name="select_form[{name}]" class="{class}">{#for o in options}{#if Some(o.as_str()) == value}<option selected value="{o}">{o}</option>{:else}<option value="{o}">{o}</option>{/if}{/for}</select>
</div>"#
    )
}

impl LiveView for SelectLive {
    type Event = Event;
    type Info = Info;

    fn mount(_: &Mount) -> Update<Self> {
        let view = SelectLive {
            tick: 0,
            ticking: false,
            select2_countdown: None,
            select4_countdown: None,
            select2_opts: (1..=10).collect(),
            select4_value: "1".into(),
            params: Map::new(),
        };
        (view, vec![])
    }

    fn handle_event(mut self, event: Event) -> Update<Self> {
        match event {
            Event::Validate { select_form } => {
                self.params = select_form;
                (self, vec![])
            }
            Event::ToggleTick => {
                self.ticking = !self.ticking;
                let cmd = if self.ticking {
                    Command::repeat("tick", SECOND, Info::Tick)
                } else {
                    Command::CancelRepeat { key: "tick".into() }
                };
                (self, vec![cmd])
            }
            Event::ScheduleSelect2 => {
                self.select2_countdown = Some(5);
                let after = send_after("select2", Info::Select2Countdown);
                (self, vec![after])
            }
            Event::ScheduleSelect4 => {
                self.select4_countdown = Some(5);
                let after = send_after("select4", Info::Select4Countdown);
                (self, vec![after])
            }
        }
    }

    fn handle_info_with(mut self, info: Info, cx: &Context) -> Update<Self> {
        match info {
            Info::Tick => {
                self.tick += 1;
                (self, vec![])
            }
            Info::Select2Countdown => match self.select2_countdown {
                Some(0) | None => {
                    self.select2_countdown = None;
                    let next = self.select2_opts.iter().max().map_or(1, |m| m + 1);
                    self.select2_opts.push(next);
                    (self, vec![])
                }
                Some(n) => {
                    self.select2_countdown = Some(n - 1);
                    (self, vec![send_after("select2", Info::Select2Countdown)])
                }
            },
            Info::Select4Countdown => match self.select4_countdown {
                Some(0) | None => {
                    self.select4_countdown = None;
                    // A value from 1 to 10 that depends on when it happens.
                    let n = cx.now.as_micros() / 1000 % 10 + 1;
                    self.select4_value = n.to_string();
                    (self, vec![])
                }
                Some(n) => {
                    self.select4_countdown = Some(n - 1);
                    (self, vec![send_after("select4", Info::Select4Countdown)])
                }
            },
        }
    }

    fn render(&self) -> Rendered {
        let numbers = |opts: &[u32]| opts.iter().map(u32::to_string).collect::<Vec<_>>();
        let fixed = vec!["these options".to_string(), "are fixed".to_string()];
        let one_to_ten = numbers(&(1..=10).collect::<Vec<_>>());
        let s1 = select(
            "select1",
            "Select 1",
            &fixed,
            self.value("select1").as_deref(),
            false,
        );
        let s2 = select(
            "select2",
            "Select 2",
            &numbers(&self.select2_opts),
            self.value("select2").as_deref(),
            false,
        );
        let s3 = select(
            "select3",
            "Select 3",
            &one_to_ten,
            self.value("select3").as_deref(),
            self.select3_error(),
        );
        let s4 = select(
            "select4",
            "Select 4",
            &one_to_ten,
            Some(&self.select4_value),
            false,
        );
        let ticking = if self.ticking { "Disable" } else { "Enable" };
        html!(
            r#"<style>
  * {{ font-size: unset; }}
  body {{ padding: 20px; max-width: 500px; font-family: sans-serif; }}
  .has-error {{ border: 5px solid red; }}
  select {{ border: 1px solid black; }}
</style>
<h1>Select Playground</h1>
<p>Selects whose options, values and error classes change while the page is live.</p>
Tick: {self.tick}
<div style="display: flex; flex-direction: column; gap: 8px">
  <button phx-click="toggle-tick">{ticking} ticking</button>
  {#if let Some(n) = self.select2_countdown}<span>Select 2 will update in {n}s</span>{:else}<button phx-click="schedule-select2-update">Schedule select2 update</button>{/if}
  {#if let Some(n) = self.select4_countdown}<span>Select 4 will update in {n}s</span>{:else}<button phx-click="schedule-select4-update">Schedule select4 update</button>{/if}
</div>
<form phx-change="validate">
  <h2>Select 1</h2>
  {s1}
  <hr />
  <h2>Select 2</h2>
  {s2}
  <hr />
  <h2>Select 3</h2>
  <p>Red border for 1 to 5 once chosen; none from 6.</p>
  {s3}
  <hr />
  <h2>Select 4</h2>
  {s4}
  <hr />
</form>"#
        )
    }
}

fn send_after(key: &str, info: Info) -> Command<Info> {
    Command::SendAfter {
        key: key.into(),
        after: SECOND,
        info,
    }
}
