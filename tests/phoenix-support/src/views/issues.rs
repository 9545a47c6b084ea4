//! `/issues/*`: the views of the suite's regression tests, one per issue.

use super::{live_link, Live};
use liveview_core::prelude::*;
use serde::Deserialize;

/// `/issues/3529`: shows when it was mounted, with a live navigation and a
/// live patch to itself (a fresh `param` each time).
pub struct Issue3529 {
    mounted: Time,
    next: u64,
}

impl LiveView for Issue3529 {
    type Event = ();
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        (
            Issue3529 {
                mounted: m.now,
                next: 0,
            },
            vec![],
        )
    }

    fn handle_params_with(self, _: &Params, _: &Url, cx: &Context) -> Update<Self> {
        let next = cx.now.as_micros().max(self.next + 1);
        (Issue3529 { next, ..self }, vec![])
    }

    fn render(&self) -> Rendered {
        let mounted = self.mounted.as_micros();
        let to = format!("/issues/3529?param={}", self.next);
        let navigate = live_link(Live::Navigate, &to, false, None, "Navigate");
        let patch = live_link(Live::Patch, &to, false, None, "Patch");
        html!(
            r#"<h1>Mounted at {mounted}</h1>
{navigate}
{patch}"#
        )
    }
}

/// `/issues/3719`: shows the `_target` of a `phx-change`, for a plain and a
/// nested input name.
pub struct Issue3719 {
    target: Option<Vec<String>>,
}

/// The form's change.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3719Event {
    /// `phx-change="inc"`, with the client's `_target`.
    Inc {
        /// The path of the input that changed.
        #[serde(rename = "_target")]
        target: Vec<String>,
    },
}

impl LiveView for Issue3719 {
    type Event = Issue3719Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3719 { target: None }, vec![])
    }

    fn handle_event(self, Issue3719Event::Inc { target }: Issue3719Event) -> Update<Self> {
        (
            Issue3719 {
                target: Some(target),
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        // As Elixir's `inspect` shows a list of strings, or `nil`.
        let shown = match &self.target {
            None => "nil".to_owned(),
            Some(path) => {
                let items: Vec<String> = path.iter().map(|p| format!("{p:?}")).collect();
                format!("[{}]", items.join(", "))
            }
        };
        html!(
            r#"<form phx-change="inc">
  <input id="a" type="text" name="foo" />
  <input id="b" type="text" name="foo[bar]" />
</form>
<span id="target">{shown}</span>"#
        )
    }
}

/// `/issues/3814`: a form whose submit sets `phx-trigger-action`, so the
/// client posts it to `/submit` over HTTP, with its submitter button.
pub struct Issue3814 {
    trigger: bool,
}

/// The form's submit.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3814Event {
    /// `phx-submit="submit"`.
    Submit {},
}

impl LiveView for Issue3814 {
    type Event = Issue3814Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3814 { trigger: false }, vec![])
    }

    fn handle_event(self, Issue3814Event::Submit {}: Issue3814Event) -> Update<Self> {
        (Issue3814 { trigger: true }, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"{#if self.trigger}<form phx-submit="submit" phx-trigger-action action="/submit" method="post">{:else}<form phx-submit="submit" action="/submit" method="post">{/if}
  <input type="hidden" name="greeting" value="hello" />
  <button type="submit" name="i-am-the-submitter" value="submitter-value">Submit</button>
</form>"#
        )
    }
}

/// `/issues/3107`: a select in a `phx-change` form keeps the value the user
/// chose when the change enables the form's button.
pub struct Issue3107 {
    disabled: bool,
}

/// The form's change.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidateEvent {
    /// `phx-change="validate"` (its fields are not read).
    Validate {},
}

impl LiveView for Issue3107 {
    type Event = ValidateEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3107 { disabled: true }, vec![])
    }

    fn handle_event(self, ValidateEvent::Validate {}: ValidateEvent) -> Update<Self> {
        (Issue3107 { disabled: false }, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<form phx-change="validate" style="display: flex;">
  <select>
    <option value="ONE">ONE</option>
    <option value="TWO">TWO</option>
  </select>
  {#if self.disabled}<button disabled>OK</button>{:else}<button>OK</button>{/if}
</form>"#
        )
    }
}

/// Phoenix's `<.focus_wrap>`: keeps keyboard focus inside `inner` (the
/// client's built-in `Phoenix.FocusWrap` hook with its two sentinels).
pub fn focus_wrap(id: &str, class: &str, inner: Rendered) -> Rendered {
    html!(
        r#"<div id="{id}" phx-hook="Phoenix.FocusWrap" class="{class}"><span id="{id}-start" tabindex="0" aria-hidden="true"></span>{inner}<span id="{id}-end" tabindex="0" aria-hidden="true"></span></div>"#
    )
}

/// `/issues/3636`: entering a focus wrap from outside focuses its first element.
pub struct Issue3636;

impl LiveView for Issue3636 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3636, vec![])
    }

    fn render(&self) -> Rendered {
        let buttons = html!(
            r#"<button id="first" class="border rounded py-2 px-4">One</button>
<button id="second" class="border rounded py-2 px-4">Two</button>
<button id="third" class="border rounded py-2 px-4">Three</button>"#
        );
        let wrap = focus_wrap("focus-wrap", "space-x-8", buttons);
        html!(
            r#"<style>
  .space-x-8 > :not([hidden]) ~ :not([hidden]) {{ margin-left: 2rem; }}
</style>
<div class="container mx-auto p-8">
  <button>Outside 1</button>
  {wrap}
  <button>Outside 2</button>
</div>"#
        )
    }
}

/// `/issues/3819`: after a reconnect, the recovery of an empty form stops
/// early, and the page's own event still arrives.
pub struct Issue3819 {
    reconnected: bool,
}

/// The form's and the page's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3819Event {
    /// `phx-change`.
    Validate {},
    /// `phx-submit`.
    Save {},
    /// Pushed by the test once the page has reconnected.
    Reconnected {},
}

impl LiveView for Issue3819 {
    type Event = Issue3819Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3819 { reconnected: false }, vec![])
    }

    fn handle_event(self, event: Issue3819Event) -> Update<Self> {
        match event {
            Issue3819Event::Reconnected {} => (Issue3819 { reconnected: true }, vec![]),
            Issue3819Event::Validate {} | Issue3819Event::Save {} => (self, vec![]),
        }
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<form id="recover" phx-change="validate" phx-submit="save">
  <button>Submit</button>
</form>
{#if self.reconnected}<p id="reconnected">Reconnected!</p>{/if}"#
        )
    }
}

/// `/issues/4094`: a live patch whose `handle_params` redirects.
pub struct Issue4094;

impl LiveView for Issue4094 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4094, vec![])
    }

    fn handle_params(self, params: &Params, _: &Url) -> Update<Self> {
        if params.get("foo") == Some("bar") {
            (
                self,
                vec![Command::Redirect {
                    to: "/navigation/a".into(),
                }],
            )
        } else {
            (self, vec![])
        }
    }

    fn render(&self) -> Rendered {
        live_link(Live::Patch, "/issues/4094?foo=bar", false, None, "Patch")
    }
}

/// `/issues/4102`: a debounced input outside its form (`form="my-form"`).
pub struct Issue4102 {
    name: String,
}

/// The form's change and submit, with the outside input's `name`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue4102Event {
    /// `phx-change`.
    Validate {
        /// The input's value.
        name: String,
    },
    /// `phx-submit`.
    Submit {
        /// The input's value.
        name: String,
    },
}

impl LiveView for Issue4102 {
    type Event = Issue4102Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (
            Issue4102 {
                name: "Test".into(),
            },
            vec![],
        )
    }

    fn handle_event(self, event: Issue4102Event) -> Update<Self> {
        let (Issue4102Event::Validate { name } | Issue4102Event::Submit { name }) = event;
        (Issue4102 { name }, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<div>
  <input form="my-form" phx-debounce="500" name="name" id="name" value="{self.name}" type="text" />
  <form id="my-form" phx-change="validate" phx-submit="submit">
    <button type="submit" phx-disable-with="Submitting...">Submit</button>
  </form>
</div>"#
        )
    }
}

/// `/issues/3919`: a component whose optional attribute goes back to its
/// default is rendered without it again.
pub struct Issue3919 {
    special: bool,
}

/// The toggle.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3919Event {
    /// Switches the special attribute on and off.
    ToggleSpecial {},
}

/// A div, red when `special`.
fn special_box(special: bool, inner: &str) -> Rendered {
    html!(
        r#"<div style={special.then_some("background-color: red;")}>
  {inner}
</div>"#
    )
}

impl LiveView for Issue3919 {
    type Event = Issue3919Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3919 { special: false }, vec![])
    }

    fn handle_event(self, Issue3919Event::ToggleSpecial {}: Issue3919Event) -> Update<Self> {
        (
            Issue3919 {
                special: !self.special,
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        let text = if self.special { "Red" } else { "No red" };
        let boxed = special_box(self.special, text);
        html!(
            r#"{boxed}
<button phx-click="toggle_special">toggle</button>"#
        )
    }
}

/// `/issues/3931`: data loaded by async work after mount (`assign_async`),
/// shown through `AsyncValue::render` inside a layout component.
pub struct Issue3931 {
    data: AsyncValue<String>,
}

/// The load task and its result.
#[derive(Clone, Debug, PartialEq, serde::Serialize, Deserialize)]
pub enum Issue3931Info {
    /// The task.
    Load,
    /// Its result.
    Loaded(String),
}

impl LiveView for Issue3931 {
    type Event = ();
    type Info = Issue3931Info;

    fn mount(m: &Mount) -> Update<Self> {
        let view = Issue3931 {
            data: AsyncValue::loading(),
        };
        let load = if m.connected {
            vec![Command::start_async("slow_data", Issue3931Info::Load)]
        } else {
            vec![]
        };
        (view, load)
    }

    fn handle_async(
        mut self,
        _: String,
        result: Result<Issue3931Info, AsyncError>,
    ) -> Update<Self> {
        self.data.set(result.and_then(|info| match info {
            Issue3931Info::Loaded(text) => Ok(text),
            other => Err(AsyncError::Failed(format!("unexpected {other:?}"))),
        }));
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let body = self.data.render(
            || {
                html!(
                    r#"<div id="async" class="flex items-center space-x-3"><div class="animate-spin rounded-full h-8 w-8 border-b-2 border-blue-500"></div><p class="text-gray-600">Loading data...</p></div>"#
                )
            },
            |data| html!(r#"<div id="async" class="space-y-3">{data}</div>"#),
            |e| html!(r#"<div id="async">{e}</div>"#),
        );
        html!(r#"<div class="max-w-4xl mx-auto p-8">{body}</div>"#)
    }
}

/// The runner of `/issues/3931`'s load: 100 ms, then the text.
pub fn issue_3931_tasks(tasks: liveview_core::tasks::Tasks) -> liveview_core::tasks::Tasks {
    tasks.view::<Issue3931, _, _, _>(|_| async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        Ok::<_, String>(Issue3931Info::Loaded(
            "This was loaded asynchronously!".into(),
        ))
    })
}

/// `/issues/3083`: a multiple select whose selection the server changes
/// (every second, unless `?auto=false`, and through the suite's `evalLV`);
/// a focused select keeps the user's choice.
pub struct Issue3083 {
    selected: Vec<u32>,
}

/// The form's change, and the suite's `sandbox:eval`.
#[derive(Debug, Deserialize)]
pub enum Issue3083Event {
    /// `phx-change="validate"` (ignored).
    #[serde(rename = "validate")]
    Validate {},
    /// Code the suite sends (`evalLV`); the known strings are answered.
    #[serde(rename = "sandbox:eval")]
    Eval {
        /// The Elixir code.
        value: String,
    },
}

/// The timer, and a selection to show.
#[derive(Clone, Debug, PartialEq, serde::Serialize, Deserialize)]
pub enum Issue3083Info {
    /// Every second: two options chosen by the time.
    Tick,
    /// Select these.
    Select(Vec<u32>),
}

/// The ids of `send(self(), {:select, [1,2]}); nil`.
fn select_ids(code: &str) -> Option<Vec<u32>> {
    let list = code
        .strip_prefix("send(self(), {:select, [")?
        .split_once("]}); nil")?
        .0;
    list.split(',').map(|n| n.trim().parse().ok()).collect()
}

impl LiveView for Issue3083 {
    type Event = Issue3083Event;
    type Info = Issue3083Info;

    fn mount(m: &Mount) -> Update<Self> {
        let auto = m.connected && m.params.get("auto") != Some("false");
        let tick = auto.then(|| {
            Command::repeat(
                "tick",
                std::time::Duration::from_secs(1),
                Issue3083Info::Tick,
            )
        });
        (Issue3083 { selected: vec![] }, tick.into_iter().collect())
    }

    fn handle_event(self, event: Issue3083Event) -> Update<Self> {
        match event {
            Issue3083Event::Validate {} => (self, vec![]),
            Issue3083Event::Eval { value } => match select_ids(&value) {
                Some(ids) => (
                    self,
                    vec![
                        Command::SendInfo(Issue3083Info::Select(ids)),
                        Command::Reply(serde_json::json!({"result": null})),
                    ],
                ),
                None => (
                    self,
                    vec![Command::Reply(
                        serde_json::json!({"result": format!("unknown code: {value}")}),
                    )],
                ),
            },
        }
    }

    fn handle_info_with(self, info: Issue3083Info, cx: &Context) -> Update<Self> {
        let selected = match info {
            Issue3083Info::Select(ids) => ids,
            Issue3083Info::Tick => {
                let t = cx.now.as_micros() / 1000;
                let a = (t % 5) as u32 + 1;
                let b = ((t / 5 + 2) % 5) as u32 + 1;
                if a == b {
                    vec![a]
                } else {
                    vec![a.min(b), a.max(b)]
                }
            }
        };
        (Issue3083 { selected }, vec![])
    }

    fn render(&self) -> Rendered {
        let options: Vec<u32> = (1..=5).collect();
        html!(
            r#"<form id="form" phx-change="validate">
  <select id="ids" name="ids[]" multiple>{#for o in &options}{#if self.selected.contains(o)}<option selected value="{o}">{o}</option>{:else}<option value="{o}">{o}</option>{/if}{/for}</select>
  <input type="text" placeholder="focus me!" />
</form>"#
        )
    }
}

/// `/issues/4325`: a hook that sets its element's id to the same value
/// keeps the element across patches.
pub struct Issue4325 {
    count: u64,
}

/// The button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncrementEvent {
    /// Adds one.
    Increment {},
}

impl LiveView for Issue4325 {
    type Event = IncrementEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4325 { count: 0 }, vec![])
    }

    fn handle_event(self, IncrementEvent::Increment {}: IncrementEvent) -> Update<Self> {
        (
            Issue4325 {
                count: self.count + 1,
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        // The hook is defined before the LiveSocket boots: an inline script
        // runs as the page is parsed, the boot module after it.
        html!(
            r#"<script>
  window.issue4325Lifecycle = {{ mounted: 0, updated: 0, destroyed: 0 }};
  window.hooks.IdPassthrough = {{
    mounted() {{
      window.issue4325Lifecycle.mounted++;
      this.js().setAttribute(this.el, "id", this.el.id);
    }},
    updated() {{ window.issue4325Lifecycle.updated++; }},
    destroyed() {{ window.issue4325Lifecycle.destroyed++; }},
  }};
</script>
<button phx-click="increment">Increment</button>
<div id="hooked" phx-hook="IdPassthrough">count is {self.count}</div>"#
        )
    }
}

/// `/issues/3194`: submitting a form whose input is debounced until blur
/// navigates away; the pending change must not reach the next view.
pub struct Issue3194;

/// The form's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3194Event {
    /// `phx-change` (ignored).
    Validate {},
    /// `phx-submit`: navigates to the other view.
    Submit {},
}

impl LiveView for Issue3194 {
    type Event = Issue3194Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3194, vec![])
    }

    fn handle_event(self, event: Issue3194Event) -> Update<Self> {
        match event {
            Issue3194Event::Validate {} => (self, vec![]),
            Issue3194Event::Submit {} => (self, vec![Command::push_navigate("/issues/3194/other")]),
        }
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<form phx-change="validate" phx-submit="submit">
  <input id="foo_store_number" name="foo[store_number]" type="text" phx-debounce="blur" />
</form>"#
        )
    }
}

/// `/issues/3194/other`: where the submit navigates.
pub struct Issue3194Other;

impl LiveView for Issue3194Other {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3194Other, vec![])
    }

    fn render(&self) -> Rendered {
        html!("<h2>Another LiveView</h2>")
    }
}
