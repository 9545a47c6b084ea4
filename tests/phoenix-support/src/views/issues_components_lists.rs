//! `/issues/*` views with lists of LiveComponents, components that load
//! with tasks, and components that are removed and come back.

use super::issues_components::own_boot;
use super::{live_link, Live};
use liveview_core::prelude::*;
use liveview_core::tasks::Tasks;
use liveview_core::view::ViewLayout;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The runners of these views' tasks and their components' tasks.
pub fn issue_component_list_tasks(tasks: Tasks) -> Tasks {
    tasks
        .component::<Issue3941Item, _, _, _>(|_| async { Ok::<_, String>(Loaded3941::Loaded) })
        .component::<Issue3941ItemHeader, _, _, _>(|_| async {
            Ok::<_, String>(Loaded3941::Loaded)
        })
        .view::<Issue4027, _, _, _>(|task| async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let entry = |id: u32, value: &str| Entry4027 {
                id,
                value: value.into(),
            };
            match task {
                Issue4027Info::Load => Ok(Issue4027Info::Loaded(vec![
                    entry(1, "First"),
                    entry(2, "Second"),
                    entry(3, "Third"),
                ])),
                Issue4027Info::Remove => Ok(Issue4027Info::Loaded(vec![
                    entry(2, "Second"),
                    entry(3, "Third"),
                ])),
                Issue4027Info::Loaded(_) => Err("not a task".to_owned()),
            }
        })
}

// ---------------------------------------------------------------------------
// /issues/3709

/// `/issues/3709` and `/issues/3709/:id`: ten patch links, and a component
/// whose id follows the URL's; the page clicks all links at once.
pub struct Issue3709 {
    id: Option<String>,
}

impl LiveView for Issue3709 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3709 { id: None }, vec![])
    }

    fn handle_params(self, params: &Params, _: &Url) -> Update<Self> {
        let id = params.get("id").map(str::to_owned);
        (Issue3709 { id }, vec![])
    }

    fn render(&self) -> Rendered {
        let id = self.id.clone().unwrap_or_default();
        let links = (1..=10).map(|i| {
            live_link(
                Live::Patch,
                &format!("/issues/3709/{i}"),
                false,
                None,
                &format!("Link {i}"),
            )
        });
        let component = live_component::<Issue3709Component>(format!("user-{id}"), ());
        html!(
            r#"<ul>
  {#for link in links}<li>{link}</li>{/for}
</ul>
<div>
  {component} id: {id}
  <div>
    Click the button, then click any link.
    <button onclick="document.querySelectorAll('li a').forEach((x) => x.click())">
      Break Stuff
    </button>
  </div>
</div>"#
        )
    }
}

/// `/issues/3709`'s component.
pub struct Issue3709Component;

impl LiveComponent for Issue3709Component {
    type Props = ();
    type Event = ();
    type Info = ();

    fn mount(_: (), _: &Context) -> ComponentUpdate<Self> {
        (Issue3709Component, vec![])
    }

    fn update(self, _: (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        html!(
            r#"<div>
  Hello
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3941

/// `/issues/3941`, with a layout of its own: checkboxes select items; each
/// selected item is a component (with a hook that pushes an event to the
/// view as it mounts) around a header component that loads with a task.
pub struct Issue3941 {
    selected: Vec<String>,
}

const ITEMS_3941: [&str; 2] = ["Item_1", "Item_2"];

/// The view's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3941Event {
    /// A checkbox was clicked: `value` is there when it is now checked.
    ToggleItem {
        /// `phx-value-clicked`: the item.
        clicked: String,
        /// The checkbox's value, when checked.
        value: Option<String>,
    },
    /// The item hook's push (ignored).
    PagePositionUpdate {},
}

/// The hook the item components use.
const HOOKS_3941: &str = r#"{
      PagePositionNotifier: {
        mounted() {
          this.pushEvent("page_position_update", {});
        },
      },
    }"#;

impl LiveView for Issue3941 {
    type Event = Issue3941Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let selected = ITEMS_3941.iter().map(|s| (*s).to_owned()).collect();
        (Issue3941 { selected }, vec![])
    }

    fn handle_event(self, event: Issue3941Event) -> Update<Self> {
        match event {
            Issue3941Event::ToggleItem { clicked, value } => {
                let mut selected = self.selected;
                match value {
                    None => {
                        if let Some(at) = selected.iter().position(|s| *s == clicked) {
                            selected.remove(at);
                        }
                    }
                    Some(value) => selected.push(value),
                }
                selected.sort();
                (Issue3941 { selected }, vec![])
            }
            Issue3941Event::PagePositionUpdate {} => (self, vec![]),
        }
    }

    fn render(&self) -> Rendered {
        let selected = &self.selected;
        html!(
            r#"{#for item in ITEMS_3941}<div>
  <label for="item-select-{item}">
    <input type="checkbox" phx-click="toggle_item" phx-value-clicked="{item}" id="select-{item}" name="select" value="{item}" checked={selected.iter().any(|s| s == item)} />
    {item}
  </label>
</div>{/for}
{#for item in selected}<div>
  {live_component::<Issue3941Item>(format!("item-{item}"), item.clone())}
</div>{/for}"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let boot = own_boot(HOOKS_3941);
            html!("{boot}{inner}")
        })
    }
}

/// The task of `/issues/3941`'s components, and its result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Loaded3941 {
    /// The task.
    Load,
    /// Its result.
    Loaded,
}

/// An item of `/issues/3941`: its name, and a value its task loads that it
/// never renders.
pub struct Issue3941Item {
    item: String,
    any_assign: AsyncValue<bool>,
}

impl LiveComponent for Issue3941Item {
    /// The item.
    type Props = String;
    type Event = ();
    type Info = Loaded3941;

    fn mount(item: String, _: &Context) -> ComponentUpdate<Self> {
        let state = Issue3941Item {
            item,
            any_assign: AsyncValue::loading(),
        };
        (
            state,
            vec![Command::start_async("any_assign", Loaded3941::Load)],
        )
    }

    fn update(self, item: String, cx: &Context) -> ComponentUpdate<Self> {
        Self::mount(item, cx)
    }

    fn handle_async(
        mut self,
        _key: String,
        result: Result<Loaded3941, AsyncError>,
        _: &Context,
    ) -> ComponentUpdate<Self> {
        self.any_assign.set(result.map(|_| true));
        (self, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        let header = live_component::<Issue3941ItemHeader>(
            format!("item-header-{}", self.item),
            self.item.clone(),
        );
        html!(
            r#"<div id="item-{self.item}" phx-hook="PagePositionNotifier">
  {header}
</div>"#
        )
    }
}

/// The header of an item of `/issues/3941`: loading, then loaded (reset to
/// loading on every update).
pub struct Issue3941ItemHeader {
    item: String,
    loaded: AsyncValue<()>,
}

impl LiveComponent for Issue3941ItemHeader {
    /// The item.
    type Props = String;
    type Event = ();
    type Info = Loaded3941;

    fn mount(item: String, _: &Context) -> ComponentUpdate<Self> {
        let state = Issue3941ItemHeader {
            item,
            loaded: AsyncValue::loading(),
        };
        (
            state,
            vec![Command::start_async("async_assign", Loaded3941::Load)],
        )
    }

    fn update(self, item: String, cx: &Context) -> ComponentUpdate<Self> {
        Self::mount(item, cx)
    }

    fn handle_async(
        mut self,
        _key: String,
        result: Result<Loaded3941, AsyncError>,
        _: &Context,
    ) -> ComponentUpdate<Self> {
        self.loaded.set(result.map(|_| ()));
        (self, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        let item = &self.item;
        let shown = self.loaded.render(
            || {
                html!(
                    r#"<div id="{item}" class="border border-y-0 bg-red-500 text-white">{format!("{item} - I AM LOADING")}</div>"#
                )
            },
            |_| {
                html!(
                    r#"<div id="{item}" class="border border-y-0 bg-green-500 text-white">{format!("{item} - I AM LOADED!")}</div>"#
                )
            },
            |_| html!(""),
        );
        // As Elixir's `inspect` shows the async result.
        let inspected = if self.loaded.ok().is_some() {
            "%Phoenix.LiveView.AsyncResult{ok?: true, loading: nil, failed: nil, result: :assign}"
        } else {
            "%Phoenix.LiveView.AsyncResult{ok?: false, loading: [:async_assign], failed: nil, result: nil}"
        };
        html!(
            r#"<div id="header-{item}">
  {shown}
  {inspected}
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3979

/// `/issues/3979`: ten components; each bump changes one's props (and so
/// its root id), and 100 ms later `send_update` sets its counter to 10.
pub struct Issue3979 {
    counter: usize,
    components: Vec<u32>,
}

/// The bump button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3979Event {
    /// `phx-click="bump"`.
    Bump,
}

/// The delayed update.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Issue3979Info {
    /// Send component `comp-N` the counter 10.
    Update(usize),
}

impl LiveView for Issue3979 {
    type Event = Issue3979Event;
    type Info = Issue3979Info;

    fn mount(_: &Mount) -> Update<Self> {
        let view = Issue3979 {
            counter: 1,
            components: vec![0; 10],
        };
        (view, vec![])
    }

    fn handle_event(mut self, Issue3979Event::Bump: Issue3979Event) -> Update<Self> {
        let i = self.counter;
        let later = Command::SendAfter {
            key: format!("update-{i}"),
            after: Duration::from_millis(100),
            info: Issue3979Info::Update(i),
        };
        if let Some(c) = self.components.get_mut(i - 1) {
            *c += 1;
        }
        self.counter += 1;
        (self, vec![later])
    }

    fn handle_info(self, Issue3979Info::Update(i): Issue3979Info) -> Update<Self> {
        let set = Command::send_update::<Issue3979Component>(format!("comp-{i}"), 10);
        (self, vec![set])
    }

    fn render(&self) -> Rendered {
        let components = self.components.iter().enumerate().map(|(i, counter)| {
            let id = i + 1;
            live_component::<Issue3979Component>(
                format!("comp-{id}"),
                (format!("hello-{id}-{counter}"), *counter),
            )
        });
        html!(
            r#"{#for c in components}{c}{/for}
<button phx-click="bump">Bump ID (and counter)</button>"#
        )
    }
}

/// A component of `/issues/3979`: its root id and counter.
pub struct Issue3979Component {
    dom_id: String,
    counter: u32,
}

impl LiveComponent for Issue3979Component {
    /// The root's id and the counter.
    type Props = (String, u32);
    type Event = ();
    /// A new counter.
    type Info = u32;

    fn mount((dom_id, counter): (String, u32), _: &Context) -> ComponentUpdate<Self> {
        (Issue3979Component { dom_id, counter }, vec![])
    }

    fn update(self, props: (String, u32), cx: &Context) -> ComponentUpdate<Self> {
        Self::mount(props, cx)
    }

    fn handle_info(self, counter: u32, _: &Context) -> ComponentUpdate<Self> {
        (Issue3979Component { counter, ..self }, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        html!(
            r#"<div id="{self.dom_id}">
  {self.counter}
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/4027

/// `/issues/4027?case=first|second`: a list loaded by a task, shown by a
/// component as a keyed comprehension; in the first case the view unwraps
/// the async result, in the second the component does.
pub struct Issue4027 {
    data: AsyncValue<Vec<Entry4027>>,
    first: bool,
}

/// An entry of `/issues/4027`'s list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry4027 {
    id: u32,
    value: String,
}

/// The buttons.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue4027Event {
    /// Loads three entries.
    Load,
    /// Loads the last two.
    Remove,
}

/// The tasks and their result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Issue4027Info {
    /// Three entries.
    Load,
    /// The last two.
    Remove,
    /// What a task loaded.
    Loaded(Vec<Entry4027>),
}

impl LiveView for Issue4027 {
    type Event = Issue4027Event;
    type Info = Issue4027Info;

    fn mount(m: &Mount) -> Update<Self> {
        let view = Issue4027 {
            data: AsyncValue::loaded(vec![]),
            first: m.params.get("case").unwrap_or("first") == "first",
        };
        (view, vec![])
    }

    fn handle_event(mut self, event: Issue4027Event) -> Update<Self> {
        let task = match event {
            Issue4027Event::Load => Issue4027Info::Load,
            Issue4027Event::Remove => Issue4027Info::Remove,
        };
        self.data.reload();
        (self, vec![Command::start_async("data", task)])
    }

    fn handle_async(
        mut self,
        _key: String,
        result: Result<Issue4027Info, AsyncError>,
    ) -> Update<Self> {
        self.data.set(result.and_then(|info| match info {
            Issue4027Info::Loaded(entries) => Ok(entries),
            other => Err(AsyncError::Failed(format!("not a result: {other:?}"))),
        }));
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let first = self.first.then(|| {
            self.data.render(
                || html!(""),
                |data| {
                    let repro = live_component::<Issue4027Repro>("repro", data.clone());
                    html!("{repro}")
                },
                |_| html!(""),
            )
        });
        let second = (!self.first).then(|| {
            let repro = live_component::<Issue4027ReproAsync>("repro_async", self.data.clone());
            html!(
                r#"<div style="margin: 10px; height: 1px; background-color: black;"></div>
{repro}"#
            )
        });
        html!(
            r#"<div class="p-4">
  <p class="my-4">
    Click Load Data. 3 items should be displayed. Then click Remove First entry. The expected result is 2 items displayed.
  </p>
  <div>
    {first}
    {second}
  </div>
  <div>
    <button phx-click="load">Load data</button>
    <button phx-click="remove">Remove first entry</button>
  </div>
</div>"#
        )
    }
}

/// The entries of `/issues/4027` as a keyed comprehension.
fn entries_4027(data: &[Entry4027]) -> Rendered {
    html!(r#"{#for item in data; key = item.id}<p>{item.value}</p>{/for}"#)
}

/// `/issues/4027`'s component of the first case: the loaded entries.
pub struct Issue4027Repro {
    data: Vec<Entry4027>,
}

impl LiveComponent for Issue4027Repro {
    type Props = Vec<Entry4027>;
    type Event = ();
    type Info = ();

    fn mount(data: Vec<Entry4027>, _: &Context) -> ComponentUpdate<Self> {
        (Issue4027Repro { data }, vec![])
    }

    fn update(self, data: Vec<Entry4027>, _: &Context) -> ComponentUpdate<Self> {
        (Issue4027Repro { data }, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        let entries = entries_4027(&self.data);
        html!(
            r#"<div id="result">
  {entries}
</div>"#
        )
    }
}

/// `/issues/4027`'s component of the second case: the async result.
pub struct Issue4027ReproAsync {
    data: AsyncValue<Vec<Entry4027>>,
}

impl LiveComponent for Issue4027ReproAsync {
    type Props = AsyncValue<Vec<Entry4027>>;
    type Event = ();
    type Info = ();

    fn mount(data: AsyncValue<Vec<Entry4027>>, _: &Context) -> ComponentUpdate<Self> {
        (Issue4027ReproAsync { data }, vec![])
    }

    fn update(self, data: AsyncValue<Vec<Entry4027>>, _: &Context) -> ComponentUpdate<Self> {
        (Issue4027ReproAsync { data }, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        let shown = self
            .data
            .render(|| html!(""), |data| entries_4027(data), |_| html!(""));
        html!(
            r#"<div id="result">
  {shown}
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/4350

/// `/issues/4350`: a branch component (with a tick from the view) around a
/// leaf component with a counter; the view hides and shows the branch.
pub struct Issue4350 {
    show: bool,
    tick: u64,
}

/// The view's buttons.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue4350Event {
    /// Bumps the branch's tick.
    Tick,
    /// Removes the branch.
    Hide,
    /// Renders the branch again.
    Show,
}

impl LiveView for Issue4350 {
    type Event = Issue4350Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (
            Issue4350 {
                show: true,
                tick: 0,
            },
            vec![],
        )
    }

    fn handle_event(self, event: Issue4350Event) -> Update<Self> {
        let view = match event {
            Issue4350Event::Tick => Issue4350 {
                tick: self.tick + 1,
                ..self
            },
            Issue4350Event::Hide => Issue4350 {
                show: false,
                ..self
            },
            Issue4350Event::Show => Issue4350 { show: true, ..self },
        };
        (view, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<button id="tick" phx-click="tick">tick</button>
<button id="hide" phx-click="hide">hide</button>
<button id="show" phx-click="show">show</button>
{#if self.show}<div id="wrapper">
  {live_component::<Issue4350Branch>("branch", self.tick)}
</div>{/if}"#
        )
    }
}

/// `/issues/4350`'s branch: the tick, and the leaf.
pub struct Issue4350Branch {
    tick: u64,
}

impl LiveComponent for Issue4350Branch {
    type Props = u64;
    type Event = ();
    type Info = ();

    fn mount(tick: u64, _: &Context) -> ComponentUpdate<Self> {
        (Issue4350Branch { tick }, vec![])
    }

    fn update(self, tick: u64, _: &Context) -> ComponentUpdate<Self> {
        (Issue4350Branch { tick }, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        html!(
            r#"<div id="branch">
  tick: {self.tick}
  {live_component::<Issue4350Leaf>("leaf", ())}
</div>"#
        )
    }
}

/// `/issues/4350`'s leaf: a counter of its own.
pub struct Issue4350Leaf {
    count: u64,
}

/// The leaf's button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue4350LeafEvent {
    /// `phx-click="bump"`.
    Bump,
}

impl LiveComponent for Issue4350Leaf {
    type Props = ();
    type Event = Issue4350LeafEvent;
    type Info = ();

    fn mount(_: (), _: &Context) -> ComponentUpdate<Self> {
        (Issue4350Leaf { count: 0 }, vec![])
    }

    fn update(self, _: (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn handle_event(
        self,
        Issue4350LeafEvent::Bump: Issue4350LeafEvent,
        _: &Context,
    ) -> ComponentUpdate<Self> {
        (
            Issue4350Leaf {
                count: self.count + 1,
            },
            vec![],
        )
    }

    fn render(&self, myself: Cid) -> Rendered {
        html!(
            r#"<div id="leaf">
  count: <span id="leaf-count">{self.count}</span>
  <button id="bump" phx-click="bump" phx-target={myself}>bump</button>
</div>"#
        )
    }
}
