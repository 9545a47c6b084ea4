//! Issue routes about nested (child) LiveViews: sticky views rendered by a
//! layout that outlive live navigation with their streams
//! (`/issues/3047/a` and `b`, `/issues/3681` and `/issues/3681/away`), a
//! child that renders a child of its own, rejoined after a reconnect
//! (`/issues/3378`), a hook id shared by a sticky view and the next page
//! (`/issues/3496/a` and `b`), a stream of children with hooks
//! (`/issues/3530`), a sticky view that navigates the page
//! (`/issues/3612/a` and `b`), live links and `phx-remove` inside sticky
//! views (`/issues/3656`, `/issues/3658`), and a page that navigates while
//! its child joins (`/issues/4359`).

use crate::layout::{suite_page, Extras};
use liveview_core::prelude::*;
use liveview_core::stream::Stream;
use liveview_core::view::{LayoutContext, ViewLayout};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Boots the official client with `hooks` (a JS object literal) and no
/// other option, as the layouts of `/issues/3496` and `/issues/3530` do.
fn boot_with_hooks(hooks: &str) -> Html {
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
  window.liveSocket = liveSocket;
</script>
"#
    ))
}

/// A `<.link navigate>` with a class.
fn navigate_link(to: &str, class: &str, text: &str) -> Rendered {
    html!(
        r#"<a href="{to}" data-phx-link="redirect" data-phx-link-state="push" class="{class}">{text}</a>"#
    )
}

/// An item of a stream of these views: an id and what it shows.
#[derive(Clone, Debug)]
pub struct Entry {
    id: u64,
    text: String,
}

// ---------------------------------------------------------------------------
// /issues/3047

/// The layout of `/issues/3047/a` and `b`: the suite's boot, live links to
/// both pages, the page, and the sticky view `test` below it.
fn layout_3047<V>(_: &V, _: &LayoutContext<'_>, inner: Rendered) -> Rendered {
    let boot = suite_page(Extras::default(), html!(""));
    let class = "border rounded bg-blue-700 w-fit px-2 text-white";
    let a = navigate_link("/issues/3047/a", class, "Page A");
    let b = navigate_link("/issues/3047/b", class, "Page B");
    let sticky = live_render::<Issue3047Sticky>("test").sticky();
    html!(
        r#"{boot}
<div class="flex flex-col items-center justify-center">
  <div class="flex flex-row gap-3">
    {a}
    {b}
  </div>
  {inner}
  {sticky}
</div>"#
    )
}

macro_rules! issue_3047_page {
    ($name:ident, $page:literal, $doc:literal) => {
        #[doc = $doc]
        pub struct $name;

        impl LiveView for $name {
            type Event = ();
            type Info = ();

            fn mount(_: &Mount) -> Update<Self> {
                ($name, vec![])
            }

            fn render(&self) -> Rendered {
                let page = $page;
                html!(r#"<span id="page">{page}</span>"#)
            }

            fn layout(&self) -> ViewLayout<Self> {
                ViewLayout::Own(layout_3047::<Self>)
            }
        }
    };
}

issue_3047_page!(
    Issue3047A,
    "Page A",
    "`/issues/3047/a`: page A under the layout with the sticky stream view."
);
issue_3047_page!(
    Issue3047B,
    "Page B",
    "`/issues/3047/b`: page B under the same layout."
);

/// The sticky view of `/issues/3047`: a stream of items 1 to 10, reset to
/// items 5 to 15 by a button.
pub struct Issue3047Sticky {
    items: Stream<Entry>,
}

/// The sticky view's button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3047Event {
    /// Resets the stream to items 5 to 15.
    Reset,
}

/// Items `range` named `item-<n>`.
fn entries(range: std::ops::RangeInclusive<u64>) -> impl Iterator<Item = Entry> {
    range.map(|id| Entry {
        id,
        text: format!("item-{id}"),
    })
}

impl LiveView for Issue3047Sticky {
    type Event = Issue3047Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut items = Stream::new("items", |e: &Entry| e.id);
        items.extend(entries(1..=10));
        (Issue3047Sticky { items }, vec![])
    }

    fn handle_event(mut self, Issue3047Event::Reset: Issue3047Event) -> Update<Self> {
        self.items.reset().extend(entries(5..=15));
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<div style="border: 2px solid black;">
  <h1>This is the sticky liveview</h1>
  <div id="items" phx-update="stream" style="display: flex; flex-direction: column; gap: 4px;">
    {#for (dom_id, item) in &self.items}<span id={dom_id}>{item.text}</span>{/for}
  </div>
  <button phx-click="reset">Reset</button>
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3378

/// `/issues/3378`: renders the child `appbar`, which renders the child
/// `notifications` (a stream).
pub struct Issue3378;

impl LiveView for Issue3378 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3378, vec![])
    }

    fn render(&self) -> Rendered {
        let appbar = live_render::<Issue3378AppBar>("appbar");
        html!("{appbar}")
    }
}

/// The child `appbar` of `/issues/3378`: renders the child `notifications`.
pub struct Issue3378AppBar;

impl LiveView for Issue3378AppBar {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3378AppBar, vec![])
    }

    fn render(&self) -> Rendered {
        let notifications = live_render::<Issue3378Notifications>("notifications");
        html!("<div>{notifications}</div>")
    }
}

/// The child `notifications` of `appbar`: a stream of one notification.
pub struct Issue3378Notifications {
    notifications: Stream<Entry>,
}

impl LiveView for Issue3378Notifications {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut notifications = Stream::new("notifications", |e: &Entry| e.id);
        notifications.insert(Entry {
            id: 1,
            text: "Hello".into(),
        });
        (Issue3378Notifications { notifications }, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<div>
  <ul id="notifications_list" phx-update="stream">
    {#for (dom_id, _n) in &self.notifications}<div id={dom_id}>
      <p>big!</p>
    </div>{/for}
  </ul>
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3496

/// The hooks of `/issues/3496`'s client: `MyHook` logs its mount.
const HOOKS_3496: &str = r#"{
      MyHook: {
        mounted() {
          console.log("Hook mounted!");
        },
      },
    }"#;

/// `/issues/3496`'s boot: a client with `MyHook`, and a little CSS.
fn base_3496() -> Rendered {
    let boot = boot_with_hooks(HOOKS_3496);
    html!("{boot}<style>\n  * {{ font-size: 1.1em; }}\n</style>")
}

/// `/issues/3496`'s element with the hook, in the sticky view and on B.
fn my_component_3496() -> Rendered {
    html!(r#"<div id="my-component" phx-hook="MyHook"></div>"#)
}

/// `/issues/3496/a`: its own layout renders the sticky view `sticky`,
/// whose element has the hook and the id that B's element has too.
pub struct Issue3496A;

impl LiveView for Issue3496A {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3496A, vec![])
    }

    fn render(&self) -> Rendered {
        let link = super::live_link(
            super::Live::Navigate,
            "/issues/3496/b",
            false,
            None,
            "Go to page B",
        );
        html!("<h1>Page A</h1>\n{link}")
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let base = base_3496();
            let sticky = live_render::<Issue3496Sticky>("sticky").sticky();
            html!("{base}\n<div>\n  {inner}\n</div>\n{sticky}")
        })
    }
}

/// `/issues/3496/b`: the element with the hook, in a layout without the
/// sticky view.
pub struct Issue3496B;

impl LiveView for Issue3496B {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3496B, vec![])
    }

    fn render(&self) -> Rendered {
        let component = my_component_3496();
        html!("<h1>Page B</h1>\n{component}")
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let base = base_3496();
            html!("{base}\n<div>\n  {inner}\n</div>")
        })
    }
}

/// The sticky view of `/issues/3496/a`: the element with the hook.
pub struct Issue3496Sticky;

impl LiveView for Issue3496Sticky {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3496Sticky, vec![])
    }

    fn render(&self) -> Rendered {
        let component = my_component_3496();
        html!("<div>\n  {component}\n</div>")
    }
}

// ---------------------------------------------------------------------------
// /issues/3530

/// The hooks of `/issues/3530`'s client: `test` logs the id of its view.
const HOOKS_3530: &str = r#"{
      test: {
        mounted() {
          console.log(this.__view().id, "mounted hook!");
        },
      },
    }"#;

/// `/issues/3530`: a stream of child views (`item-<id>`, each with a hook),
/// reset by patches (`?q=a`: 1 and 3; `?q=b`: 2 and 3; else 1 to 3), and
/// a button that inserts the next one.
pub struct Issue3530 {
    count: u64,
    items: Stream<u64>,
}

/// `/issues/3530`'s button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3530Event {
    /// Inserts a child with the next id.
    Inc,
}

impl LiveView for Issue3530 {
    type Event = Issue3530Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let items = Stream::with_dom_id("items", |id: &u64| format!("item-{id}"));
        (Issue3530 { count: 3, items }, vec![])
    }

    fn handle_params(mut self, params: &Params, _url: &Url) -> Update<Self> {
        let ids: &[u64] = match params.get("q") {
            Some("a") => &[1, 3],
            Some("b") => &[2, 3],
            _ => &[1, 2, 3],
        };
        self.items.reset().extend(ids.iter().copied());
        (self, vec![])
    }

    fn handle_event(mut self, Issue3530Event::Inc: Issue3530Event) -> Update<Self> {
        self.count += 1;
        self.items.insert(self.count);
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let patch = |q: &str| {
            let to = format!("/issues/3530?q={q}");
            super::live_link(super::Live::Patch, &to, false, None, &format!("patch {q}"))
        };
        let (a, b) = (patch("a"), patch("b"));
        html!(
            r#"<ul id="stream-list" phx-update="stream">
  {#for (dom_id, id) in &self.items}{live_render::<Issue3530Nested>(dom_id.to_string()).session("item_id", id)}{/for}
</ul>
{a}
{b}
<div phx-click="inc">+</div>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let boot = boot_with_hooks(HOOKS_3530);
            html!("{boot}\n{inner}")
        })
    }
}

/// A child of `/issues/3530`: an element with the hook `test`, for the
/// item its session names.
pub struct Issue3530Nested {
    item_id: Value,
}

impl LiveView for Issue3530Nested {
    type Event = ();
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let item_id = m.session.get("item_id").cloned().unwrap_or(Value::Null);
        (Issue3530Nested { item_id }, vec![])
    }

    fn render(&self) -> Rendered {
        let id = self.item_id.to_string();
        html!(
            r#"<div id="item-outer-{id}">
  test hook with nested liveview
  <div id="test-hook-{id}" phx-hook="test"></div>
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3612

macro_rules! issue_3612_page {
    ($name:ident, $page:literal, $doc:literal) => {
        #[doc = $doc]
        pub struct $name;

        impl LiveView for $name {
            type Event = ();
            type Info = ();

            fn mount(_: &Mount) -> Update<Self> {
                ($name, vec![])
            }

            fn render(&self) -> Rendered {
                let sticky = live_render::<Issue3612Sticky>("sticky").sticky();
                let page = $page;
                html!("{sticky}\n<h1>{page}</h1>")
            }
        }
    };
}

issue_3612_page!(
    Issue3612A,
    "Page A",
    "`/issues/3612/a`: page A with the sticky view that navigates."
);
issue_3612_page!(
    Issue3612B,
    "Page B",
    "`/issues/3612/b`: page B with the same sticky view."
);

/// The sticky view of `/issues/3612`: two links whose clicks navigate the
/// page from the server.
pub struct Issue3612Sticky;

/// The sticky view's links.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3612Event {
    /// To page A.
    NavigateToA,
    /// To page B.
    NavigateToB,
}

impl LiveView for Issue3612Sticky {
    type Event = Issue3612Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3612Sticky, vec![])
    }

    fn handle_event(self, event: Issue3612Event) -> Update<Self> {
        let to = match event {
            Issue3612Event::NavigateToA => "/issues/3612/a",
            Issue3612Event::NavigateToB => "/issues/3612/b",
        };
        (self, vec![Command::push_navigate(to)])
    }

    fn render(&self) -> Rendered {
        html!(
            r##"<div>
  <a href="#" phx-click="navigate_to_a">Go to page A</a>
  <a href="#" phx-click="navigate_to_b">Go to page B</a>
</div>"##
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3656 and /issues/3658

/// The CSS of `/issues/3656`: links pulse while loading.
const STYLE_3656: &str = r#"<style>
  * { font-size: 1.1em }
  nav { margin-top: 1em }
  nav a { padding: 8px 16px; border: 1px solid black; text-decoration: none }
  nav a:visited { color: inherit }
  nav a.active { border: 3px solid green }
  nav a.phx-click-loading { animation: pulsate 2s infinite }
  @keyframes pulsate {
    0% { background-color: white; }
    50% { background-color: red; }
    100% { background-color: white; }
  }
</style>"#;

/// `/issues/3656`: a sticky view whose live link navigates to this page.
pub struct Issue3656;

impl LiveView for Issue3656 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3656, vec![])
    }

    fn render(&self) -> Rendered {
        let style = Html::raw(STYLE_3656);
        let sticky = live_render::<Issue3656Sticky>("sticky").sticky();
        html!("{style}\n{sticky}")
    }
}

/// The sticky view of `/issues/3656`: a live link in a `<nav>`.
pub struct Issue3656Sticky;

impl LiveView for Issue3656Sticky {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3656Sticky, vec![])
    }

    fn render(&self) -> Rendered {
        let link = super::live_link(
            super::Live::Navigate,
            "/issues/3656?navigated=true",
            false,
            None,
            "Link 1",
        );
        html!("<nav>\n  {link}\n</nav>")
    }
}

/// `/issues/3658`: a live link to this page, and a sticky view with an
/// element that has a `phx-remove`.
pub struct Issue3658;

impl LiveView for Issue3658 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3658, vec![])
    }

    fn render(&self) -> Rendered {
        let link = super::live_link(
            super::Live::Navigate,
            "/issues/3658?navigated=true",
            false,
            None,
            "Link 1",
        );
        let sticky = live_render::<Issue3658Sticky>("sticky").sticky();
        html!("{link}\n\n{sticky}")
    }
}

/// The sticky view of `/issues/3658`: `#foo`, with a `phx-remove` that
/// dispatches an event.
pub struct Issue3658Sticky;

impl LiveView for Issue3658Sticky {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3658Sticky, vec![])
    }

    fn render(&self) -> Rendered {
        let remove = JS::new().dispatch("my-event");
        html!(
            r#"<div>
  <div id="foo" phx-remove={remove}>Hi</div>
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/3681

/// The layout of `/issues/3681` and `/issues/3681/away`: the suite's boot,
/// then the sticky view `sticky` (a stream named `messages`) above the page.
fn layout_3681<V>(_: &V, _: &LayoutContext<'_>, inner: Rendered) -> Rendered {
    let boot = suite_page(Extras::default(), html!(""));
    let sticky = live_render::<Issue3681Sticky>("sticky").sticky();
    html!("{boot}\n{sticky}\n<hr />\n{inner}\n<hr />")
}

/// `/issues/3681`: renders nothing but the layout and a live link away.
pub struct Issue3681;

impl LiveView for Issue3681 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3681, vec![])
    }

    fn render(&self) -> Rendered {
        let link = super::live_link(
            super::Live::Navigate,
            "/issues/3681/away",
            false,
            None,
            "Go to a different LV with a (funcky) stream",
        );
        html!("<h3>A LiveView that does nothing but render its layout.</h3>\n{link}")
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(layout_3681::<Self>)
    }
}

/// `/issues/3681/away`: a stream also named `messages`, reset in its mount
/// to one message, and a live link back.
pub struct Issue3681Away {
    messages: Stream<u64>,
}

/// `messages-<n>` holding `n`.
fn messages_3681(ns: &[u64]) -> Stream<u64> {
    let mut messages = Stream::new("messages", |n: &u64| *n);
    messages.extend(ns.iter().copied());
    messages
}

impl LiveView for Issue3681Away {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut messages = messages_3681(&[]);
        messages.reset().insert(4);
        (Issue3681Away { messages }, vec![])
    }

    fn render(&self) -> Rendered {
        let link = super::live_link(
            super::Live::Navigate,
            "/issues/3681",
            false,
            None,
            "Go back to (the now borked) LV without a stream",
        );
        html!(
            r#"<h3>A liveview with a stream configured twice</h3>
<h4>Its reset must not empty the sticky view's stream of the same name.</h4>

{link}
<h1>Normal Stream</h1>
<div id="msgs-normal" phx-update="stream">
  {#for (dom_id, n) in &self.messages}<div id={dom_id}>
    <div>{n}</div>
  </div>{/for}
</div>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(layout_3681::<Self>)
    }
}

/// The sticky view of `/issues/3681`: the stream `messages`, 1 to 3.
pub struct Issue3681Sticky {
    messages: Stream<u64>,
}

impl LiveView for Issue3681Sticky {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let messages = messages_3681(&[1, 2, 3]);
        (Issue3681Sticky { messages }, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<div id="msgs-sticky" phx-update="stream">
  {#for (dom_id, n) in &self.messages}<div id={dom_id}>
    <div>{n}</div>
  </div>{/for}
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/4359

/// `/issues/4359`: renders the child `child`; once connected (and without
/// `?done=1`) it navigates to `?done=1` as soon as it has joined, while the
/// client is still joining the child.
pub struct Issue4359;

/// `/issues/4359`'s message to itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue4359Info {
    /// Navigate to `?done=1`.
    Go,
}

impl LiveView for Issue4359 {
    type Event = ();
    type Info = Issue4359Info;

    fn mount(m: &Mount) -> Update<Self> {
        let go = m.connected && m.params.get("done") != Some("1");
        let commands = if go {
            vec![Command::SendInfo(Issue4359Info::Go)]
        } else {
            vec![]
        };
        (Issue4359, commands)
    }

    fn handle_info(self, Issue4359Info::Go: Issue4359Info) -> Update<Self> {
        (self, vec![Command::push_navigate("/issues/4359?done=1")])
    }

    fn render(&self) -> Rendered {
        let child = live_render::<Issue4359Child>("child");
        html!("{child}")
    }
}

/// The child of `/issues/4359`: the text `child`.
pub struct Issue4359Child;

impl LiveView for Issue4359Child {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4359Child, vec![])
    }

    fn render(&self) -> Rendered {
        html!("child")
    }
}
