//! Issue routes about forms: selects cleared on submit (`/issues/2787`),
//! focus kept while a form is locked (`/issues/3448`), events of elements
//! a portal removed (`/issues/4095`) and a teleported form submitted by an
//! outside button (`/issues/4107`).

use super::form::options_for_select;
use super::portal;
use crate::layout::with_tailwind;
use liveview_core::prelude::*;
use liveview_core::view::ViewLayout;
use serde::Deserialize;
use serde_json::{Map, Value};

/// `/issues/2787`: the second select's options follow the first; a submit
/// clears both.
pub struct Issue2787 {
    select1: Option<String>,
    select2: Option<String>,
    dummy: Option<String>,
    select2_opts: &'static [&'static str],
}

/// The demo form's params.
#[derive(Debug, Default, Deserialize)]
pub struct DemoParams {
    #[serde(default)]
    select1: Option<String>,
    #[serde(default)]
    select2: Option<String>,
    #[serde(default)]
    dummy: Option<String>,
}

/// The demo form's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue2787Event {
    /// `phx-change`.
    Updated {
        /// The form.
        #[serde(default)]
        demo: DemoParams,
    },
    /// `phx-submit`.
    Submitted {},
}

const GREETINGS: &[&str] = &["hello", "hallo", "hei"];
const GOODBYES: &[&str] = &["goodbye", "auf wiedersehen", "ha det bra"];

/// The core components' `<.label>`.
fn label(for_id: &str, text: &str) -> Rendered {
    html!(
        r#"<label for={for_id} class="block text-sm font-semibold leading-6 text-zinc-800">{text}</label>"#
    )
}

/// The core components' `<.input type="select">` for `demo[field]`.
fn select_input(field: &str, text: &str, options: &[&str], value: Option<&str>) -> Rendered {
    let id = format!("demo_{field}");
    let label = label(&id, text);
    let options = options_for_select(options, value);
    html!(
        r#"<div>
  {label}
  <select id={id} name="demo[{field}]" class="mt-2 block w-full rounded-md border border-gray-300 bg-white shadow-sm focus:border-zinc-400 focus:ring-0 sm:text-sm">
    <option value="">Select</option>
    {options}
  </select>
</div>"#
    )
}

impl LiveView for Issue2787 {
    type Event = Issue2787Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let view = Issue2787 {
            select1: None,
            select2: None,
            dummy: None,
            select2_opts: &[],
        };
        (view, vec![])
    }

    fn handle_event(self, event: Issue2787Event) -> Update<Self> {
        let view = match event {
            Issue2787Event::Updated { demo } => Issue2787 {
                select2_opts: match demo.select1.as_deref() {
                    Some("greetings") => GREETINGS,
                    Some("goodbyes") => GOODBYES,
                    _ => &[],
                },
                select1: demo.select1,
                select2: demo.select2,
                dummy: demo.dummy,
            },
            Issue2787Event::Submitted {} => Issue2787 {
                select1: None,
                select2: None,
                dummy: None,
                select2_opts: &[],
            },
        };
        (view, vec![])
    }

    fn render(&self) -> Rendered {
        let select1 = select_input(
            "select1",
            "select1",
            &["greetings", "goodbyes"],
            self.select1.as_deref(),
        );
        let select2 = select_input(
            "select2",
            "select2",
            self.select2_opts,
            self.select2.as_deref(),
        );
        let dummy = label("demo_dummy", "Some text");
        html!(
            r#"<div class="p-20">
  <form phx-change="updated" phx-submit="submitted" class="space-y-4">
    {select1}
    {select2}
    <div>
      {dummy}
      <input type="text" name="demo[dummy]" id="demo_dummy" value={self.dummy.as_deref()} class="mt-2 px-2 block w-full rounded-lg text-zinc-900 border focus:ring-0 sm:text-sm sm:leading-6 border-zinc-300 focus:border-zinc-400" />
    </div>
    <button class="text-sm border bg-zinc-200" type="submit">Submit</button>
  </form>
</div>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(with_tailwind)
    }
}

/// `/issues/3448`: checkboxes that dispatch `input` and move focus to a
/// search field; the search field keeps focus while the form is locked.
pub struct Issue3448 {
    values: Vec<String>,
}

/// The form's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3448Event {
    /// `phx-change` of the form.
    Validate {
        /// The checked boxes.
        #[serde(default)]
        a: Vec<String>,
    },
    /// `phx-change` of the search field.
    Search {},
}

impl LiveView for Issue3448 {
    type Event = Issue3448Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3448 { values: vec![] }, vec![])
    }

    fn handle_event(self, event: Issue3448Event) -> Update<Self> {
        match event {
            Issue3448Event::Validate { a } => (Issue3448 { values: a }, vec![]),
            Issue3448Event::Search {} => (self, vec![]),
        }
    }

    fn render(&self) -> Rendered {
        let click = JS::new().dispatch("input").focus().to("#search");
        let has = |v: &str| self.values.iter().any(|x| x == v);
        html!(
            r#"<form id="my_form" phx-change="validate" class="flex flex-col gap-2">
  <div>
    {#for v in &self.values}<div>
      <div>{v}</div>
    </div>{/for}
    <input id="search" type="search" name="value" phx-change="search" />
  </div>
  <div class="flex gap-2">
    <input type="checkbox" name="a[]" value="settings" checked={has("settings")} phx-click={click} />
    <input type="checkbox" name="a[]" value="content" checked={has("content")} phx-click={click} />
  </div>
</form>"#
        )
    }
}

/// `/issues/4095`: a button teleported out of a form, shown while the
/// form's `show?` field has a value; a change while the button is being
/// replaced must not leave it skipped.
pub struct Issue4095 {
    /// `None` at first (the field's value is `true`), then the text typed.
    show: Option<String>,
}

impl LiveView for Issue4095 {
    type Event = Map<String, Value>;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4095 { show: None }, vec![])
    }

    fn handle_event(self, event: Map<String, Value>) -> Update<Self> {
        // Only `validate`; its form has the one field.
        let show = event
            .get("validate")
            .and_then(|params| params.get("show?"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        (Issue4095 { show }, vec![])
    }

    fn render(&self) -> Rendered {
        // The form value `true` renders as a bare `value` attribute, as in HEEx.
        let value: Option<&str> = self.show.as_deref();
        let initial = self.show.is_none();
        let button = portal(
            "portal",
            "#portal_target",
            html!("<div>\n  <button>Show?</button>\n</div>"),
        );
        html!(
            r#"<form phx-change="validate">
  {#if initial}<input type="text" name="show?" id="show?" value />{:else}<input type="text" name="show?" id="show?" value={value} />{/if}
  {button}
</form>
<div id="portal_target"></div>"#
        )
    }
}

/// `/issues/4107`: a form teleported to `<body>` and submitted over HTTP by
/// a button outside it.
pub struct Issue4107;

impl LiveView for Issue4107 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4107, vec![])
    }

    fn render(&self) -> Rendered {
        let form = portal(
            "test-form-portal",
            "body",
            html!(
                r#"<form id="test-form" action="/api/test" method="post">
  <input type="hidden" name="test_input" value="test_value" />
</form>"#
            ),
        );
        html!(
            r#"<div>
  {form}
  <button type="submit" form="test-form">Submit</button>
</div>"#
        )
    }
}
