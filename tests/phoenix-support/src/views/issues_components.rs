//! `/issues/*` views whose regressions involve LiveComponents: forms inside
//! components, components that come and go, nested components, component
//! tasks. Lists of components and async results are in
//! `issues_components_lists.rs`, components with hooks in
//! `issues_components_hooks.rs`; the layout helpers here serve all three.

use crate::layout::{suite_page, Extras};
use liveview_core::prelude::*;
use liveview_core::tasks::Tasks;
use liveview_core::view::ViewLayout;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The runners of the component and view tasks of the issue views
/// (Phoenix's `assign_async` in them).
pub fn issue_component_tasks(tasks: Tasks) -> Tasks {
    let tasks =
        tasks.component::<Issue3117Row, _, _, _>(|_| async { Ok::<_, String>(Issue3117Foo::Bar) });
    super::issues_components_lists::issue_component_list_tasks(tasks)
}

/// Boots the official client as a view's own layout does for the views
/// outside every live session: the Phoenix socket script and a `LiveSocket`
/// with `hooks` (a JS object literal).
pub fn own_boot(hooks: &'static str) -> Html {
    Html::raw(format!(
        r#"<script src="/assets/phoenix/phoenix.min.js"></script>
<script type="module">
  import {{ LiveSocket }} from "/assets/phoenix_live_view/phoenix_live_view.esm.js";
  const csrfToken = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  const liveSocket = new LiveSocket("/live", window.Phoenix.Socket, {{
    params: {{ _csrf_token: csrfToken }},
    hooks: {hooks},
  }});
  liveSocket.connect();
</script>
"#
    ))
}

/// The suite's live layout with a script that adds hooks to `window.hooks`
/// (what the suite's `@pre_script` assign, or a colocated hook, gives).
pub fn with_hooks(script: &'static str, inner: Rendered) -> Rendered {
    suite_page(
        Extras {
            pre_script: Some(script),
            ..Extras::default()
        },
        inner,
    )
}

// ---------------------------------------------------------------------------
// /issues/3026

/// `/issues/3026`: a status select; the status `loaded` shows a form in a
/// component, which the view removes and renders again (a submit reloads,
/// the select toggles) while the client destroys it.
pub struct Issue3026 {
    status: Status3026,
    name: String,
    email: String,
}

/// The statuses, in the select's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status3026 {
    /// The dead render's.
    Connecting,
    /// While the data loads.
    Loading,
    /// Not used by the view itself.
    Connected,
    /// The form is shown.
    Loaded,
}

impl Status3026 {
    const ALL: [Status3026; 4] = [
        Status3026::Connecting,
        Status3026::Loading,
        Status3026::Connected,
        Status3026::Loaded,
    ];

    fn name(self) -> &'static str {
        match self {
            Status3026::Connecting => "connecting",
            Status3026::Loading => "loading",
            Status3026::Connected => "connected",
            Status3026::Loaded => "loaded",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Status3026::Connecting => "Connecting",
            Status3026::Loading => "Loading",
            Status3026::Connected => "Connected",
            Status3026::Loaded => "Loaded",
        }
    }
}

/// The view's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3026Event {
    /// The status select changed.
    ChangeStatus {
        /// The new status.
        status: Status3026,
    },
    /// The component's form changed.
    Validate {
        /// The name input.
        name: Option<String>,
        /// The email input.
        email: Option<String>,
    },
    /// The component's form was submitted: reload.
    Submit {},
}

/// The load, 200 ms after it was asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Issue3026Info {
    /// The data is there.
    Load,
}

/// The data loads 200 ms after mount or a submit (the suite's view sleeps
/// that long in its handler).
fn load_3026() -> Command<Issue3026Info> {
    Command::SendAfter {
        key: "load".into(),
        after: Duration::from_millis(200),
        info: Issue3026Info::Load,
    }
}

impl LiveView for Issue3026 {
    type Event = Issue3026Event;
    type Info = Issue3026Info;

    fn mount(m: &Mount) -> Update<Self> {
        let (status, commands) = if m.connected {
            (Status3026::Loading, vec![load_3026()])
        } else {
            (Status3026::Connecting, vec![])
        };
        let view = Issue3026 {
            status,
            name: String::new(),
            email: String::new(),
        };
        (view, commands)
    }

    fn handle_info(self, Issue3026Info::Load: Issue3026Info) -> Update<Self> {
        let view = Issue3026 {
            status: Status3026::Loaded,
            name: "John".into(),
            email: String::new(),
        };
        (view, vec![])
    }

    fn handle_event(self, event: Issue3026Event) -> Update<Self> {
        match event {
            Issue3026Event::ChangeStatus { status } => (Issue3026 { status, ..self }, vec![]),
            Issue3026Event::Validate { name, email } => {
                let view = Issue3026 {
                    name: name.unwrap_or_default(),
                    email: email.unwrap_or_default(),
                    ..self
                };
                (view, vec![])
            }
            Issue3026Event::Submit {} => (
                Issue3026 {
                    status: Status3026::Loading,
                    ..self
                },
                vec![load_3026()],
            ),
        }
    }

    fn render(&self) -> Rendered {
        let current = self.status;
        html!(
            r#"<form phx-change="change_status">
  <select name="status" type="select">{#for s in Status3026::ALL}<option value="{s.name()}" selected={s == current}>{s.label()}</option>{/for}</select>
</form>
{#match current}{:case Status3026::Loaded}{live_component::<Issue3026Form>("my-form", (self.name.clone(), self.email.clone()))}{:case other}<div class="p-8 bg-gray-200 mb-4">{other.name()}</div>{/match}"#
        )
    }
}

/// `/issues/3026`'s component: the form, its values from the view.
pub struct Issue3026Form {
    name: String,
    email: String,
}

impl LiveComponent for Issue3026Form {
    type Props = (String, String);
    type Event = ();
    type Info = ();

    fn mount((name, email): (String, String), _: &Context) -> ComponentUpdate<Self> {
        (Issue3026Form { name, email }, vec![])
    }

    fn update(self, props: (String, String), cx: &Context) -> ComponentUpdate<Self> {
        Self::mount(props, cx)
    }

    fn render(&self, _: Cid) -> Rendered {
        html!(
            r#"<div>
  Example form
  <form phx-change="validate" phx-submit="submit">
    <input label="Name" name="name" type="text" value={self.name} />
    <input label="Email" name="email" type="text" value={self.email} />
    <button type="submit">Submit</button>
  </form>
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3117

/// `/issues/3117`: two component rows, each loading a value with a task and
/// rendering a function component with no dynamics; a live navigation to
/// the same view mounts them again.
pub struct Issue3117;

impl LiveView for Issue3117 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3117, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<a href="/issues/3117?nav" data-phx-link="redirect" data-phx-link-state="push" id="navigate">Navigate</a>
{#for i in [1, 2]}<div>{live_component::<Issue3117Row>(format!("row-{i}"), format!("row-{i}"))}</div>{/for}"#
        )
    }
}

/// A row of `/issues/3117`: its id, and the value its task loads.
pub struct Issue3117Row {
    id: String,
    loaded: Option<Issue3117Foo>,
}

/// The row's task and its result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Issue3117Foo {
    /// The task: load `foo`.
    Load,
    /// Its result (Elixir's `:bar`).
    Bar,
}

impl LiveComponent for Issue3117Row {
    /// The row's DOM id.
    type Props = String;
    type Event = ();
    type Info = Issue3117Foo;

    fn mount(id: String, _: &Context) -> ComponentUpdate<Self> {
        let row = Issue3117Row { id, loaded: None };
        (row, vec![Command::start_async("foo", Issue3117Foo::Load)])
    }

    fn update(self, id: String, cx: &Context) -> ComponentUpdate<Self> {
        Self::mount(id, cx)
    }

    fn handle_async(
        self,
        _key: String,
        result: Result<Issue3117Foo, AsyncError>,
        _: &Context,
    ) -> ComponentUpdate<Self> {
        let loaded = result.ok();
        (Issue3117Row { loaded, ..self }, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        // As Elixir's `inspect` shows the async result.
        let shown = match self.loaded {
            Some(Issue3117Foo::Bar) => ":bar",
            _ => "nil",
        };
        html!(
            r#"<div id="{self.id}">
  Example LC Row {shown}
  <div class="static">static content</div>
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3169

/// `/issues/3169`, with a layout of its own: selecting a record empties a
/// component and fills it again right after (through `send_update`) with
/// a nested component under a fresh id, whose inputs show the record.
pub struct Issue3169 {
    selected: Option<String>,
}

/// The select buttons.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3169Event {
    /// `phx-click="select"` with `phx-value-name`.
    Select {
        /// The record's name.
        name: String,
    },
}

impl LiveView for Issue3169 {
    type Event = Issue3169Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3169 { selected: None }, vec![])
    }

    fn handle_event(self, Issue3169Event::Select { name }: Issue3169Event) -> Update<Self> {
        (
            Issue3169 {
                selected: Some(name),
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        html!(
            r#"HomeLive {live_component::<Issue3169FormComponent>("form_view", self.selected.clone())}
<button id="select-a" phx-click="select" phx-value-name="a">Select A</button>
<button id="select-b" phx-click="select" phx-value-name="b">Select B</button>
<button id="select-z" phx-click="select" phx-value-name="z">Select Z</button>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let boot = own_boot("{}");
            html!("{boot}{inner}")
        })
    }
}

/// A record of `/issues/3169`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record3169 {
    id: u64,
    name: String,
}

/// `/issues/3169`'s outer component: the selected record, loaded by a
/// message to itself.
pub struct Issue3169FormComponent {
    record: Option<Record3169>,
    loads: u64,
}

/// The outer component's message to itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Issue3169Action {
    /// Load the record with this name.
    Load(String),
}

impl Issue3169FormComponent {
    fn select(self, selected: Option<String>) -> ComponentUpdate<Self> {
        match selected {
            None => (self, vec![]),
            Some(name) => {
                let load = Command::send_update::<Issue3169FormComponent>(
                    "form_view",
                    Issue3169Action::Load(name),
                );
                (
                    Issue3169FormComponent {
                        record: None,
                        ..self
                    },
                    vec![load],
                )
            }
        }
    }
}

impl LiveComponent for Issue3169FormComponent {
    /// The selected name.
    type Props = Option<String>;
    type Event = ();
    type Info = Issue3169Action;

    fn mount(selected: Option<String>, _: &Context) -> ComponentUpdate<Self> {
        let empty = Issue3169FormComponent {
            record: None,
            loads: 0,
        };
        empty.select(selected)
    }

    fn update(self, selected: Option<String>, _: &Context) -> ComponentUpdate<Self> {
        self.select(selected)
    }

    fn handle_info(
        self,
        Issue3169Action::Load(name): Issue3169Action,
        _: &Context,
    ) -> ComponentUpdate<Self> {
        // A fresh id for each load (the suite's is random).
        let loads = self.loads + 1;
        let record = Record3169 {
            id: loads,
            name: format!("Record {name}"),
        };
        (
            Issue3169FormComponent {
                record: Some(record),
                loads,
            },
            vec![],
        )
    }

    fn render(&self, _: Cid) -> Rendered {
        html!(
            r#"<div>
  FormComponent (c1)
  {#if let Some(record) = &self.record}<div>{live_component::<Issue3169FormCore>("core", record.clone())}</div>{/if}
  <hr />
</div>"#
        )
    }
}

/// `/issues/3169`'s middle component: a form for the record, with a column
/// component per record id.
pub struct Issue3169FormCore {
    record: Record3169,
}

impl LiveComponent for Issue3169FormCore {
    type Props = Record3169;
    type Event = ();
    type Info = ();

    fn mount(record: Record3169, _: &Context) -> ComponentUpdate<Self> {
        (Issue3169FormCore { record }, vec![])
    }

    fn update(self, record: Record3169, _: &Context) -> ComponentUpdate<Self> {
        (Issue3169FormCore { record }, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        let column = live_component::<Issue3169FormColumn>(
            format!("column-{}", self.record.id),
            self.record.name.clone(),
        );
        html!(
            r#"<div>
  FormCore (c2)
  <form>
    {column}
  </form>
</div>"#
        )
    }
}

/// `/issues/3169`'s inner component: the record's name in three inputs,
/// two of them in nested function components.
pub struct Issue3169FormColumn {
    name: String,
}

impl LiveComponent for Issue3169FormColumn {
    /// The value of the form's `name` field.
    type Props = String;
    type Event = ();
    type Info = ();

    fn mount(name: String, _: &Context) -> ComponentUpdate<Self> {
        (Issue3169FormColumn { name }, vec![])
    }

    fn update(self, name: String, _: &Context) -> ComponentUpdate<Self> {
        (Issue3169FormColumn { name }, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        let input = input_3169(&self.name);
        let var = "foo";
        let test = html!("This is a test! {var}");
        html!(
            r#"<div>
  FormColumn (c3) <input type="text" value={self.name} />
  {input}
  {test}
</div>"#
        )
    }
}

/// The suite's `input` function component of `/issues/3169`, with its
/// nested `input_two`.
fn input_3169(value: &str) -> Rendered {
    let two = html!(
        r#"<div>
  {value}
  <input type="text" value={value} />
</div>"#
    );
    html!(
        r#"<div>
  {value}
  <input type="text" value={value} />
  {two}
</div>"#
    )
}

// ---------------------------------------------------------------------------
// /issues/3200

/// `/issues/3200/messages` and `/issues/3200/settings`: one tab component
/// each; the messages tab has a form targeted by a selector, which the
/// client recovers into the component on reconnect.
pub struct Issue3200Panel {
    messages: bool,
}

impl LiveView for Issue3200Panel {
    type Event = ();
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let messages = m.url.path().ends_with("/messages");
        (Issue3200Panel { messages }, vec![])
    }

    fn handle_params(self, _: &Params, url: &Url) -> Update<Self> {
        let messages = url.path().ends_with("/messages");
        (Issue3200Panel { messages }, vec![])
    }

    fn render(&self) -> Rendered {
        let tab = |text: &str, route: &str| {
            let patch = JS::new().patch(route);
            html!(
                r#"<button type="button" phx-click="{patch}">
  {text}
</button>"#
            )
        };
        let messages_button = tab("Messages tab", "/issues/3200/messages");
        let settings_button = tab("Settings tab", "/issues/3200/settings");
        html!(
            r#"<div>
  <div>
    <div>
      {messages_button}
      {settings_button}
    </div>
    <aside>
      <div>
        {#if self.messages}<div>{live_component::<Issue3200MessagesTab>("messages_tab", ())}</div>{/if}
        {#if !self.messages}<div>{live_component::<Issue3200SettingsTab>("settings_tab", ())}</div>{/if}
      </div>
    </aside>
  </div>
</div>"#
        )
    }
}

/// `/issues/3200`'s settings tab.
pub struct Issue3200SettingsTab;

impl LiveComponent for Issue3200SettingsTab {
    type Props = ();
    type Event = ();
    type Info = ();

    fn mount(_: (), _: &Context) -> ComponentUpdate<Self> {
        (Issue3200SettingsTab, vec![])
    }

    fn update(self, _: (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        html!("<div>Settings</div>")
    }
}

/// `/issues/3200`'s messages tab: a message component and the new
/// message's form.
pub struct Issue3200MessagesTab {
    value: String,
}

/// The messages tab's form change.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3200MessagesEvent {
    /// `phx-change="add_message_change"`.
    AddMessageChange {
        /// The input's value.
        new_message: String,
    },
    /// `phx-submit="add_message"` (not handled by the suite's component
    /// either: it would crash).
    AddMessage {},
}

impl LiveComponent for Issue3200MessagesTab {
    type Props = ();
    type Event = Issue3200MessagesEvent;
    type Info = ();

    fn mount(_: (), _: &Context) -> ComponentUpdate<Self> {
        (
            Issue3200MessagesTab {
                value: String::new(),
            },
            vec![],
        )
    }

    fn update(self, props: (), cx: &Context) -> ComponentUpdate<Self> {
        Self::mount(props, cx)
    }

    fn handle_event(self, event: Issue3200MessagesEvent, _: &Context) -> ComponentUpdate<Self> {
        match event {
            Issue3200MessagesEvent::AddMessageChange { new_message } => {
                (Issue3200MessagesTab { value: new_message }, vec![])
            }
            Issue3200MessagesEvent::AddMessage {} => panic!("no handler for add_message"),
        }
    }

    fn render(&self, _: Cid) -> Rendered {
        let message = live_component::<Issue3200Message>(
            "some_unique_message_id",
            "Example message".to_owned(),
        );
        html!(
            r##"<div>
  {message}
  <form id="full_add_message_form" phx-change="add_message_change" phx-submit="add_message" phx-target="#full_add_message_form">
    <div phx-feedback-for="new_message">
      <input name="new_message" id="new_message_input" value={self.value} />
    </div>
  </form>
</div>"##
        )
    }
}

/// `/issues/3200`'s message.
pub struct Issue3200Message {
    message: String,
}

impl LiveComponent for Issue3200Message {
    type Props = String;
    type Event = ();
    type Info = ();

    fn mount(message: String, _: &Context) -> ComponentUpdate<Self> {
        (Issue3200Message { message }, vec![])
    }

    fn update(self, message: String, _: &Context) -> ComponentUpdate<Self> {
        (Issue3200Message { message }, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        html!("<div>{self.message}</div>")
    }
}

// ---------------------------------------------------------------------------
// /issues/3684

/// `/issues/3684`: a component's form with two radios in a comprehension;
/// clicking one checks it from the server.
pub struct Issue3684;

/// The form's events (ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3684Event {
    /// `phx-change="change"`.
    Change {},
    /// `phx-submit="submit"`.
    Submit {},
}

impl LiveView for Issue3684 {
    type Event = Issue3684Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3684, vec![])
    }

    fn handle_event(self, _: Issue3684Event) -> Update<Self> {
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(r#"{live_component::<Issue3684BadgeForm>("badge_form", ())}"#)
    }
}

/// `/issues/3684`'s component: the checked radio.
pub struct Issue3684BadgeForm {
    checked: &'static str,
}

/// The radios' clicks.
#[derive(Debug, Deserialize)]
pub enum Issue3684BadgeEvent {
    /// `phx-click="change-type"` with `phx-value-type`.
    #[serde(rename = "change-type")]
    ChangeType {
        /// `huey` or `dewey`.
        #[serde(rename = "type")]
        kind: String,
    },
}

const TYPES_3684: [&str; 2] = ["huey", "dewey"];

impl LiveComponent for Issue3684BadgeForm {
    type Props = ();
    type Event = Issue3684BadgeEvent;
    type Info = ();

    fn mount(_: (), _: &Context) -> ComponentUpdate<Self> {
        (Issue3684BadgeForm { checked: "huey" }, vec![])
    }

    fn update(self, _: (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn handle_event(self, event: Issue3684BadgeEvent, _: &Context) -> ComponentUpdate<Self> {
        let Issue3684BadgeEvent::ChangeType { kind } = event;
        let checked = TYPES_3684
            .into_iter()
            .find(|t| *t == kind)
            .expect("an existing type");
        (Issue3684BadgeForm { checked }, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        let checked = self.checked;
        html!(
            r#"<div>
  <form id="foo" class="max-w-lg p-8 flex flex-col gap-4" phx-change="change" phx-submit="submit">
    <fieldset>
      <legend>Radio example:</legend>
      {#for t in TYPES_3684}
        <div phx-click="change-type" phx-value-type="{t}" phx-target={myself}>
          <input type="radio" id="{t}" name="type" value="{t}" checked={t == checked} />
          <label for="{t}">{t}</label>
        </div>
      {/for}
    </fieldset>
  </form>
</div>"#
        )
    }
}
