//! `/portal`: Phoenix's `<.portal>` at work, in a page with a root layout of
//! its own (a `<main>` around the container, then `#root-portal`) and a live
//! layout that adds `#app-portal`. Modals teleported to both, portals inside
//! portals, a LiveComponent holding a stream teleported out of the view, a
//! nested LiveView with a teleported button and a teleported LiveView of its
//! own, tooltips placed by a hook, and a menu teleported out of a modal that
//! stays where it is. A tick every second unless `?tick=false`.
//!
//! The suite's page loads Tailwind and `@floating-ui/dom` from CDNs: here
//! Tailwind is the app's copy, and the tooltip hook places its tooltip
//! with a small function of its own. The root layout needs a live session
//! of its own, so "Live navigate" to `/form` (another live session) loads
//! the page, where the suite navigates within its `default` session.

use super::streams::{item, items_stream, unique_integer, Item};
use liveview_core::nested::live_render;
use liveview_core::prelude::*;
use liveview_core::protocol::Layout;
use liveview_core::stream::{Insert, Stream};
use liveview_core::view::ViewLayout;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// Phoenix's `<.portal>`: `inner` is rendered inside a `<template>` and the
/// client moves it into `target` (a CSS selector), inside the one wrapper
/// element the client requires; `class` is the wrapper's class, if any.
pub fn portal(id: &str, target: &str, class: Option<&str>, inner: Rendered) -> Rendered {
    html!(
        r#"<template id="{id}" data-phx-portal="{target}"><div id="_lv_portal_wrap_{id}" class={class}>{inner}</div></template>"#
    )
}

// ---------------------------------------------------------------------------
// Layouts

/// What the root layout's `<head>` holds besides the CSRF token: Tailwind,
/// the client, the CSS teleported elements need, and the boot script with
/// the page's hooks.
const HEAD: &str = r#"<script src="/assets/vendor/tailwind.js"></script>
<script src="/assets/phoenix/phoenix.min.js"></script>
<style>
  [data-phx-session], [data-phx-teleported-src] { display: contents }
</style>
<script type="module">
  import { LiveSocket } from "/assets/phoenix_live_view/phoenix_live_view.esm.js";
  import { hooks as colocated } from "/assets/colocated/index.js";

  // Keeps `floating` `gap` px above `reference` (page coordinates) while
  // the page scrolls or resizes, until the returned function is called.
  // A stand-in for what the suite imports from @floating-ui/dom.
  function follow(reference, floating, gap) {
    const place = () => {
      const r = reference.getBoundingClientRect();
      const f = floating.getBoundingClientRect();
      floating.style.left = `${r.left + window.scrollX + (r.width - f.width) / 2}px`;
      floating.style.top = `${r.top + window.scrollY - f.height - gap}px`;
    };
    place();
    window.addEventListener("scroll", place, true);
    window.addEventListener("resize", place);
    return () => {
      window.removeEventListener("scroll", place, true);
      window.removeEventListener("resize", place);
    };
  }

  const hooks = {
    ...colocated,
    // Shows the tooltip `data-id` 200 ms after its activator is hovered or
    // focused, hides it 50 ms after it is left, or on `phx:hide-tooltip`;
    // the transitions are the JS commands in `data-show` and `data-hide`.
    PortalTooltip: {
      mounted() {
        const id = this.el.dataset.id;
        this.tooltip = document.getElementById(id);
        this.activator = this.el.querySelector(`#${id}-activator`);
        const after = (ms, then) => {
          clearTimeout(this.timer);
          this.timer = setTimeout(then, ms);
        };
        for (const type of ["mouseover", "focusin"]) {
          this.activator.addEventListener(type, () => after(200, () => this.show()));
        }
        for (const type of ["mouseout", "focusout"]) {
          this.activator.addEventListener(type, () => after(50, () => this.hide()));
        }
        this.el.addEventListener("phx:hide-tooltip", () => this.hide());
      },
      destroyed() {
        this.unfollow?.();
      },
      show() {
        this.unfollow?.();
        this.unfollow = follow(this.activator, this.tooltip, 10);
        this.liveSocket.execJS(this.el, this.el.dataset.show);
      },
      hide() {
        this.liveSocket.execJS(this.el, this.el.dataset.hide);
        this.unfollow?.();
        this.unfollow = null;
      },
    },
    // The colocated hook of the element teleported with the first modal.
    "Phoenix.LiveViewTest.E2E.PortalLive.InsidePortal": {
      mounted() {
        this.js().setAttribute(this.el, "data-portalhook-mounted", "true");
      },
    },
    // The colocated hook of the component's teleported button: a click
    // pushes `prepend` to the component it was rendered in.
    "Phoenix.LiveViewTest.E2E.PortalLive.LC.TeleportedLCButton": {
      mounted() {
        this.el.addEventListener("click", () => this.pushEventTo(this.el, "prepend"));
      },
    },
  };
  const token = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  const liveSocket = new LiveSocket("/live", window.Phoenix.Socket, {
    params: { _csrf_token: token },
    hooks,
  });
  liveSocket.connect();
  window.liveSocket = liveSocket;
</script>
"#;

/// The root layout of `/portal`: a full document whose `<body>` holds the
/// container in a `<main>`, then the portal target `#root-portal`.
pub struct PortalRoot;

impl Layout for PortalRoot {
    fn render(&self, _title: Option<&str>, csrf_token: &str, inner: &str) -> String {
        // The empty icon: no request for /favicon.ico (see `SuiteRoot`).
        let token = liveview_core::template::escape_html(csrf_token);
        format!(
            "<!DOCTYPE html>\n<head>\n<link rel=\"icon\" href=\"data:,\" />\n<meta name=\"csrf-token\" content=\"{token}\" />\n{HEAD}</head>\n<body>\n<main style=\"flex: 1; padding: 2rem;\">\n{inner}\n</main>\n<div id=\"root-portal\"></div>\n</body>\n"
        )
    }
}

/// The view's live layout: the render, then the portal target `#app-portal`.
fn live_layout(inner: Rendered) -> Rendered {
    html!(
        r#"{inner}

<div id="app-portal"></div>"#
    )
}

// ---------------------------------------------------------------------------
// Function components

/// The classes of the page's buttons (the core components' `<.button>`).
const BUTTON: &str = "phx-submit-loading:opacity-75 rounded-lg bg-zinc-900 hover:bg-zinc-700 py-2 px-3 text-sm font-semibold leading-6 text-white active:text-white/80";

/// How a modal's content appears: (running, start, end) classes.
const SHOW: (&str, &str, &str) = (
    "transition-all ease-out duration-300",
    "opacity-0 translate-y-4 sm:translate-y-0 sm:scale-95",
    "opacity-100 translate-y-0 sm:scale-100",
);

/// How a modal's content disappears.
const HIDE: (&str, &str, &str) = (
    "transition-all ease-in duration-200",
    "opacity-100 translate-y-0 sm:scale-100",
    "opacity-0 translate-y-4 sm:translate-y-0 sm:scale-95",
);

/// Opens the modal `id`: the modal, its backdrop and its content appear,
/// the body stops scrolling, the content's first focusable element gets
/// the focus.
fn show_modal(id: &str) -> JS {
    JS::new()
        .show()
        .to(format!("#{id}"))
        .show()
        .to(format!("#{id}-bg"))
        .time(300)
        .transition((
            "transition-all ease-out duration-300",
            "opacity-0",
            "opacity-100",
        ))
        .show()
        .to(format!("#{id}-container"))
        .time(300)
        .transition(SHOW)
        .add_class("overflow-hidden")
        .to("body")
        .focus_first()
        .to(format!("#{id}-content"))
}

/// Closes the modal `id`: [`show_modal`] undone, and the focus returned.
fn hide_modal(id: &str) -> JS {
    JS::new()
        .hide()
        .to(format!("#{id}-bg"))
        .transition((
            "transition-all ease-in duration-200",
            "opacity-100",
            "opacity-0",
        ))
        .hide()
        .to(format!("#{id}-container"))
        .time(200)
        .transition(HIDE)
        .hide()
        .to(format!("#{id}"))
        .transition(("block", "block", "hidden"))
        .remove_class("overflow-hidden")
        .to("body")
        .pop_focus()
}

/// The core components' `<.modal>` (hidden until [`show_modal`]) around
/// `inner`, in a focus wrap; escape, a click away or the close button
/// closes it.
fn modal(id: &str, inner: Rendered) -> Rendered {
    let remove = hide_modal(id);
    let cancel = JS::new().exec("phx-remove");
    let dismiss = JS::new().exec("data-cancel").to(format!("#{id}"));
    html!(
        r#"<div id={id} phx-remove={remove} data-cancel={cancel} class="relative z-50 hidden">
  <div id="{id}-bg" class="bg-zinc-50/90 fixed inset-0 transition-opacity" aria-hidden="true"></div>
  <div class="fixed inset-0 overflow-y-auto" aria-labelledby="{id}-title" aria-describedby="{id}-description" role="dialog" aria-modal="true" tabindex="0">
    <div class="flex min-h-full items-center justify-center">
      <div class="w-full max-w-3xl p-4 sm:p-6 lg:py-8">
        <div id="{id}-container" phx-hook="Phoenix.FocusWrap" phx-window-keydown={&dismiss} phx-key="escape" phx-click-away={&dismiss} class="shadow-zinc-700/10 ring-zinc-700/10 relative hidden rounded-2xl bg-white p-14 shadow-lg ring-1 transition">
          <div id="{id}-container-start" tabindex="0" aria-hidden="true"></div>
          <div class="absolute top-6 right-5">
            <button phx-click={&dismiss} type="button" class="-m-3 flex-none p-3 opacity-20 hover:opacity-40" aria-label="close">x</button>
          </div>
          <div id="{id}-content">
            {inner}
          </div>
          <div id="{id}-container-end" tabindex="0" aria-hidden="true"></div>
        </div>
      </div>
    </div>
  </div>
</div>"#
    )
}

/// A tooltip `id` showing `inner` while `label`'s button is hovered or
/// focused (the `PortalTooltip` hook); teleported to `<body>` when
/// `teleported`, else rendered in place.
fn tooltip(id: &str, teleported: bool, label: &str, inner: Rendered) -> Rendered {
    let show = JS::new()
        .show()
        .to(format!("#{id}"))
        .transition((
            "transform ease-out duration-200 transition origin-bottom",
            "scale-95 translate-y-0.5 opacity-0",
            "scale-100 translate-y-0 opacity-100",
        ))
        .display("block")
        .time(200)
        .blocking(false);
    let hide = JS::new()
        .hide()
        .to(format!("#{id}"))
        .transition((
            "transition ease-in duration-100",
            "opacity-100",
            "opacity-0",
        ))
        .time(100)
        .blocking(false);
    let keep_style = JS::new().ignore_attributes(&["style"]);
    let tip = html!(
        r#"<div id={id} phx-mounted={keep_style} role="tooltip" class="hidden absolute top-0 left-0 z-50 bg-sky-800 text-white text-xs p-1">
  {inner}
</div>"#
    );
    let tip = if teleported {
        portal(&format!("{id}-portal"), "body", None, tip)
    } else {
        tip
    };
    let escape = JS::new().dispatch("phx:hide-tooltip");
    html!(
        r#"<div id="{id}-wrapper" class="relative inline-block w-fit" phx-hook="PortalTooltip" data-id={id} data-show={show} data-hide={hide} data-position="top" phx-window-keydown={escape} phx-key="escape">
  <div id="{id}-activator" aria-describedby={id} data-activator>
    <button class="{BUTTON}">{label}</button>
  </div>
  {tip}
</div>"#
    )
}

// ---------------------------------------------------------------------------
// The page

/// `/portal`: what is shown (the first modal, the nested portals), the
/// tick count, the clicks on the nested portal's button, the `param` of
/// the URL and the one the patch buttons patch to next.
pub struct PortalLive {
    param_current: Option<String>,
    param_next: i64,
    count: u64,
    render_modal: bool,
    render_nested_portals: bool,
    nested_portal_count: u64,
}

/// The page's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalEvent {
    /// Counts a tick.
    Tick,
    /// Shows or removes the first modal's portal.
    ToggleModal,
    /// Shows or removes the nested portals.
    ToggleNestedPortals,
    /// The button in the inner nested portal.
    NestedPortalClick,
    /// The suite's `evalLV`: `send(self(), :tick)` counts a tick.
    #[serde(rename = "sandbox:eval")]
    Eval {
        /// The Elixir code.
        value: String,
    },
}

/// The page's timer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PortalInfo {
    /// One second passed.
    Tick,
}

impl LiveView for PortalLive {
    type Event = PortalEvent;
    type Info = PortalInfo;

    fn mount(m: &Mount) -> Update<Self> {
        let view = PortalLive {
            param_current: None,
            param_next: 0,
            count: 0,
            render_modal: true,
            render_nested_portals: true,
            nested_portal_count: 0,
        };
        let commands = if m.params.get("tick") == Some("false") {
            vec![]
        } else {
            vec![Command::Repeat {
                key: "tick".into(),
                every: Duration::from_secs(1),
                info: PortalInfo::Tick,
            }]
        };
        (view, commands)
    }

    fn handle_params(self, params: &Params, _url: &Url) -> Update<Self> {
        let view = PortalLive {
            param_current: params.get("param").map(str::to_owned),
            param_next: unique_integer(),
            ..self
        };
        (view, vec![])
    }

    fn handle_info(mut self, PortalInfo::Tick: PortalInfo) -> Update<Self> {
        self.count += 1;
        (self, vec![])
    }

    fn handle_event(mut self, event: PortalEvent) -> Update<Self> {
        match event {
            PortalEvent::Tick => self.count += 1,
            PortalEvent::ToggleModal => self.render_modal = !self.render_modal,
            PortalEvent::ToggleNestedPortals => {
                self.render_nested_portals = !self.render_nested_portals;
            }
            PortalEvent::NestedPortalClick => self.nested_portal_count += 1,
            PortalEvent::Eval { value } => {
                let answer = if value.trim() == "send(self(), :tick)" {
                    self.count += 1;
                    json!({ "result": "tick" })
                } else {
                    json!({ "result": format!("unknown code: {value}") })
                };
                return (self, vec![Command::Reply(answer)]);
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let patch = JS::new().patch(&format!("/portal?param={}", self.param_next));
        let count = self.count;
        let first = self.render_modal.then(|| {
            let content = html!(
                r#"This is a modal.
<p>DOM patching works as expected: {count}</p>
<button class="{BUTTON}" phx-click={&patch}>Patch this LiveView</button>"#
            );
            let inner = modal("my-modal", content);
            let inner = html!(
                r#"{inner}

<div id="hook-test" phx-hook="Phoenix.LiveViewTest.E2E.PortalLive.InsidePortal">This should get a data attribute</div>"#
            );
            portal("portal-source", "#root-portal", None, inner)
        });
        let second = {
            let red_box = html!(
                r#"<div id="inner-red-box" class="absolute top-0 right-0 bg-red-500 size-32" phx-click-away={JS::new().hide()}>
  test
</div>"#
            );
            let red_box = portal(
                "modal-2-inner-portal-2",
                "#my-modal-2-content",
                Some("contents"),
                red_box,
            );
            let grey_box = html!(
                r#"<div class="size-96 bg-gray-300 absolute top-0 right-0">
  {red_box}
</div>"#
            );
            let grey_box = portal(
                "modal-2-inner-portal",
                "#my-modal-2-content",
                Some("contents"),
                grey_box,
            );
            let content = html!(
                r#"This is a second modal.
{grey_box}"#
            );
            portal(
                "portal-source-2",
                "#app-portal",
                None,
                modal("my-modal-2", content),
            )
        };
        let lc = portal(
            "portal-with-live-component",
            "#root-portal",
            None,
            html!(r#"{live_component::<PortalLc>("lc", ())}"#),
        );
        let with_portal = tooltip(
            "tooltip-example-portal",
            true,
            "Hover me",
            html!("Hey there! {count}"),
        );
        let without_portal = tooltip(
            "tooltip-example-no-portal",
            false,
            "Hover me (no portal)",
            html!("Hey there! {count}"),
        );
        let nested = self.render_nested_portals.then(|| {
            let inner = html!(
                r#"<div id="inner-portal" class="border border-green-400 p-2 m-2">
  <h4>Inner Portal (nested inside outer)</h4>
  <p id="nested-portal-content">Tick count: {count}</p>
  <button class="{BUTTON}" phx-click="nested_portal_click">Click nested portal button</button>
</div>"#
            );
            let inner = portal("inner-portal-source", "body", None, inner);
            let outer = html!(
                r#"<div id="outer-portal" class="border border-blue-400 p-4 m-2">
  <h3>Outer Portal</h3>
  {inner}
</div>"#
            );
            portal("nested-portal-source", "#root-portal", None, outer)
        });
        let menu = portal(
            "teleported-menu",
            "body",
            None,
            html!(
                r##"<div id="teleported-menu-content" class="hidden z-[100] fixed top-0 left-0 border border-red-500 p-4 bg-white">
  <button class="{BUTTON}" phx-click={JS::new().hide().to("#teleported-menu-content")}>Close menu</button>
</div>"##
            ),
        );
        let menu_modal = modal(
            "non-teleported-modal",
            html!(
                r##"This is a non-teleported modal. Open the menu and click an item. The modal must not close.
<button class="{BUTTON}" phx-click={JS::new().show().to("#teleported-menu-content")}>Open menu</button>
{menu}"##
            ),
        );
        html!(
            r##"<h1>Modal example</h1>

<p>Current param: {self.param_current}</p>

<button class="{BUTTON}" phx-click={&patch}>Patch this LiveView</button>

<button class="{BUTTON}" phx-click={show_modal("my-modal")}>Open modal</button>
<button class="{BUTTON}" phx-click="toggle_modal">Toggle modal render</button>
<button class="{BUTTON}" phx-click={show_modal("my-modal-2").show().to("#inner-red-box")}>Open second modal</button>
<button class="{BUTTON}" phx-click={JS::new().push("tick")}>Tick</button>

<button class="{BUTTON}" phx-click={JS::new().navigate("/form")}>Live navigate</button>

{first}

{second}

{lc}

{live_render::<NestedLive>("nested")}

<div class="border border-sky-600 overflow-hidden mt-8 p-4 flex gap-4">
  {with_portal}
  {without_portal}
</div>

<div class="border border-purple-600 mt-8 p-4">
  <h2>Nested Portal Test</h2>
  <button class="{BUTTON}" phx-click="toggle_nested_portals">Toggle nested portals</button>
  <p>Nested portal count: <span id="nested-portal-count">{self.nested_portal_count}</span></p>
  {nested}
</div>

{menu_modal}

<button class="{BUTTON}" phx-click={show_modal("non-teleported-modal")}>Open non-teleported modal</button>"##
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| live_layout(inner))
    }
}

// ---------------------------------------------------------------------------
// The nested LiveViews

/// The page's child LiveView `nested`: counts its `event`s, which come from
/// its own button and from a button it teleports to `<body>`; it teleports
/// a child LiveView of its own there too.
pub struct NestedLive {
    count: u64,
}

/// The event of [`NestedLive`] and [`NestedTeleportedLive`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NestedEvent {
    /// A button was clicked.
    Event,
}

impl LiveView for NestedLive {
    type Event = NestedEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (NestedLive { count: 0 }, vec![])
    }

    fn handle_event(self, NestedEvent::Event: NestedEvent) -> Update<Self> {
        let count = self.count + 1;
        (NestedLive { count }, vec![])
    }

    fn render(&self) -> Rendered {
        let button = portal(
            "nested-lv-button",
            "body",
            None,
            html!(
                r#"<button phx-click="event">Trigger event in nested LV (from teleported button)</button>"#
            ),
        );
        let child = portal(
            "nested-lv",
            "body",
            None,
            html!(r#"{live_render::<NestedTeleportedLive>("nested-teleported")}"#),
        );
        html!(
            r#"<div class="border border-orange-200">
  <h1>Nested LiveView</h1>

  <p id="nested-event-count">{self.count}</p>

  <button phx-click="event">Trigger event in nested LV</button>

  {button}

  {child}
</div>"#
        )
    }
}

/// [`NestedLive`]'s child `nested-teleported`, teleported to `<body>`: a
/// button whose event it ignores.
pub struct NestedTeleportedLive;

impl LiveView for NestedTeleportedLive {
    type Event = NestedEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (NestedTeleportedLive, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<div class="border border-green-200">
  <h1>Nested teleport LiveView</h1>
  <button phx-click="event">Toggle event in teleported LV</button>
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// The LiveComponent

/// The component `lc`, teleported to `#root-portal`: a stream of items,
/// two at first, and two buttons that insert a new item first, one of them
/// teleported out of the component to `<body>`.
pub struct PortalLc {
    items: Stream<Item>,
    /// Inserted items so far (the next one is `1000 + inserted`).
    inserted: u64,
}

/// The component's event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalLcEvent {
    /// Inserts a new item first.
    Prepend,
}

impl LiveComponent for PortalLc {
    type Props = ();
    type Event = PortalLcEvent;
    type Info = ();

    fn mount((): (), _: &Context) -> ComponentUpdate<Self> {
        let items = items_stream(vec![item(1, "Item 1"), item(2, "Item 2")]);
        (PortalLc { items, inserted: 0 }, vec![])
    }

    /// The parent passes nothing, so this is never called with new props.
    fn update(self, (): (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn handle_event(
        mut self,
        PortalLcEvent::Prepend: PortalLcEvent,
        _: &Context,
    ) -> ComponentUpdate<Self> {
        let id = 1000 + self.inserted;
        self.inserted += 1;
        self.items
            .insert_with(item(id, format!("Item {id}")), Insert::at(0));
        (self, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        let button = portal(
            "teleported-from-lc-button",
            "body",
            None,
            html!(
                r#"<button id="lcbtn" phx-hook="Phoenix.LiveViewTest.E2E.PortalLive.LC.TeleportedLCButton">Prepend item (teleported)</button>"#
            ),
        );
        html!(
            r#"<div id="teleported-lc" class="border border-red-200">
  <h1>LiveComponent</h1>

  <ul id="stream-in-lc" phx-update="stream">
    {#for (id, item) in &self.items}<li id={id}>
      {item.name}
    </li>{/for}
  </ul>

  <button phx-click="prepend" phx-target={myself}>Prepend item</button>

  {button}
</div>"#
        )
    }
}
