//! Issue routes about streams: items with `phx-remove` transitions, deleted
//! or removed with their view on live navigation (`/issues/3199`, whose
//! container has a `phx-remove` of its own, and `/issues/3199/away`), a
//! stream teleported out of the LiveView and reset (`/issues/4121`), and an
//! insert at an index that moves custom elements atomically
//! (`/issues/4212`).

use super::streams::{item, items_stream, unique_integer, Item};
use crate::layout::SuiteRoot;
use liveview_core::prelude::*;
use liveview_core::protocol::Layout;
use liveview_core::stream::{Insert, Stream};
use serde::Deserialize;

/// The container's `phx-remove` on `/issues/3199`: a 100 ms transition.
fn remove_view() -> JS {
    JS::new().run_transition("view-removing").time(100)
}

/// The root layout of the `issue_3199` live session: the suite's, with a
/// `phx-remove` on the LiveView container (the suite's route option
/// `container: {:div, [phx-remove: …]}`). The live session's other view,
/// `/issues/3199/away`, gets it too, which no spec looks at.
pub struct Issue3199Root;

impl Layout for Issue3199Root {
    fn render(&self, title: Option<&str>, csrf_token: &str, inner: &str) -> String {
        let js = remove_view().to_json();
        let attr = liveview_core::template::escape_html(&js);
        let inner = match inner.strip_prefix("<div ") {
            Some(rest) => format!("<div phx-remove=\"{attr}\" {rest}"),
            None => inner.to_owned(),
        };
        SuiteRoot::default().render(title, csrf_token, &inner)
    }
}

/// `/issues/3199`: two items whose `phx-remove` runs a one-second
/// transition, each with a delete button, and a live link away.
pub struct Issue3199 {
    items: Stream<Item>,
}

/// `/issues/3199`'s delete buttons.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3199Event {
    /// Removes the item with this DOM id.
    Delete {
        /// The DOM id.
        id: String,
    },
}

impl LiveView for Issue3199 {
    type Event = Issue3199Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let items = items_stream(vec![item(1, "Item 1"), item(2, "Item 2")]);
        (Issue3199 { items }, vec![])
    }

    fn handle_event(mut self, Issue3199Event::Delete { id }: Issue3199Event) -> Update<Self> {
        self.items.delete_by_dom_id(id);
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let away = super::live_link(
            super::Live::Navigate,
            "/issues/3199/away",
            false,
            None,
            "Navigate away",
        );
        let removing = JS::new().run_transition("item-removing").time(1000);
        html!(
            r#"<h1>Items</h1>

{away}

<ul id="items" phx-update="stream">
  {#for (dom_id, item) in &self.items}<li id={dom_id} phx-remove={&removing}>
    {item.name}
    <button phx-click="delete" phx-value-id={dom_id}>Delete</button>
  </li>{/for}
</ul>"#
        )
    }
}

/// `/issues/3199/away`: where `/issues/3199` navigates to.
pub struct Issue3199Away;

impl LiveView for Issue3199Away {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3199Away, vec![])
    }

    fn render(&self) -> Rendered {
        html!("<h1>Away</h1>")
    }
}

/// `/issues/4121`: a stream teleported to `<body>` (a portal), reset to one
/// new item by a button.
pub struct Issue4121 {
    items: Stream<Item>,
}

/// `/issues/4121`'s button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Issue4121Event {
    /// Resets the stream to one new item.
    ResetStream,
}

impl LiveView for Issue4121 {
    type Event = Issue4121Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let items = items_stream(vec![item(1, "Item 1"), item(2, "Item 2")]);
        (Issue4121 { items }, vec![])
    }

    fn handle_event(mut self, Issue4121Event::ResetStream: Issue4121Event) -> Update<Self> {
        let id = unique_integer();
        self.items.reset().extend([item(id, format!("Item {id}"))]);
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let list = html!(
            r#"<ul id="stream-in-lv" phx-update="stream">
  {#for (id, item) in &self.items}<li id={id}>
    {item.name}
  </li>{/for}
</ul>"#
        );
        let teleported = super::portal("teleported-stream", "body", list);
        html!(
            r#"<button phx-click="reset-stream">Reset teleported stream</button>

{teleported}"#
        )
    }
}

/// What `/issues/4212` renders in the root layout: a custom element that
/// logs its connected, disconnected and moved callbacks.
pub const IN_ROOT_4212: &str = r#"<script>
  window.__lvCustomElLog = [];
  class LvCustomEl extends HTMLElement {
    connectedCallback() {
      window.__lvCustomElLog.push({ type: "connected", id: this.id });
    }
    disconnectedCallback() {
      window.__lvCustomElLog.push({ type: "disconnected", id: this.id });
    }
    connectedMoveCallback() {
      window.__lvCustomElLog.push({ type: "moved", id: this.id });
    }
  }
  customElements.define("lv-custom-el", LvCustomEl);
</script>"#;

/// `/issues/4212`: items holding custom elements, and a button that
/// inserts a new item at index 1.
pub struct Issue4212 {
    items: Stream<Item>,
    counter: u64,
}

/// `/issues/4212`'s button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue4212Event {
    /// Inserts a new item at index 1.
    #[serde(rename = "insert_at_1")]
    InsertAt1,
}

impl LiveView for Issue4212 {
    type Event = Issue4212Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let items = items_stream(vec![item("a", "A"), item("b", "B"), item("c", "C")]);
        (Issue4212 { items, counter: 0 }, vec![])
    }

    fn handle_event(mut self, Issue4212Event::InsertAt1: Issue4212Event) -> Update<Self> {
        self.counter += 1;
        let n = self.counter;
        self.items
            .insert_with(item(format!("new{n}"), format!("New {n}")), Insert::at(1));
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<button id="insert-at-1" phx-click="insert_at_1">Insert at 1</button>
<ul id="items" phx-update="stream">
  {#for (dom_id, item) in &self.items}<li id={dom_id}>
    <lv-custom-el id="el-{item.id}">{item.name}</lv-custom-el>
  </li>{/for}
</ul>"#
        )
    }
}
