//! `/components`: Phoenix's function components at work, one tab each (so
//! far `focus_wrap`: a dropdown menu and a box that keep keyboard focus
//! inside), styled with Tailwind.

use super::issues::focus_wrap;
use crate::layout::with_tailwind;
use liveview_core::prelude::*;
use liveview_core::view::ViewLayout;

/// The page; `tab` is the active tab.
pub struct ComponentsLive {
    tab: String,
}

const TAB: &str = "whitespace-nowrap py-2 px-1 border-b-2 font-medium text-sm transition-colors";

/// A tab's patch link, marked when it is the active one.
fn tab_link(tab: &str, active: &str, to: &str, text: &str) -> Rendered {
    let look = if tab == active {
        "border-blue-500 text-blue-600"
    } else {
        "border-transparent text-gray-500 hover:text-gray-700 hover:border-gray-300"
    };
    html!(
        r#"<a href="{to}" data-phx-link="patch" data-phx-link-state="push" class="{TAB} {look}">{text}</a>"#
    )
}

const MENU_ITEM: &str = "block w-full text-left px-4 py-2 text-sm text-gray-700 hover:bg-gray-100 focus:bg-gray-100 focus:outline-none";
const GREEN: &str = "px-3 py-2 bg-green-600 text-white rounded hover:bg-green-700 focus:outline-none focus:ring-2 focus:ring-green-500";

/// The `focus_wrap` tab: a dropdown whose items keep focus, and a box.
fn focus_wrap_demo() -> Rendered {
    let open = JS::new()
        .toggle()
        .to("#dropdown-menu")
        .focus_first()
        .to("#dropdown-content");
    let close = JS::new().hide().to("#dropdown-menu");
    let items = html!(
        r#"<button phx-click="{close}" class="{MENU_ITEM}">Edit Profile</button>
<button phx-click="{close}" class="{MENU_ITEM}">Settings</button>
<button phx-click="{close}" class="{MENU_ITEM}">Sign Out</button>"#
    );
    let menu = focus_wrap("dropdown-content", "py-1", items);
    let boxed = html!(
        r#"<div class="space-y-3">
  <h4 class="font-medium">Focus Trapped Container</h4>
  <p class="text-sm text-gray-600">Tab through these elements and notice how focus cycles within this container.</p>
  <div class="grid grid-cols-2 gap-3">
    <button class="{GREEN}">Button 1</button>
    <button class="{GREEN}">Button 2</button>
  </div>
  <input type="text" placeholder="Input within container" class="w-full px-3 py-2 border border-gray-300 rounded focus:outline-none focus:ring-2 focus:ring-green-500" />
</div>"#
    );
    let container = focus_wrap(
        "simple-focus-container",
        "border-2 border-dashed border-gray-300 p-4 rounded",
        boxed,
    );
    html!(
        r#"<div class="space-y-6">
  <div>
    <h2 class="text-xl font-semibold mb-4">Phoenix.Component.focus_wrap Demo</h2>
    <p class="text-gray-600 mb-6">focus_wrap keeps tab focus inside a container: modals, dialogs and menus need it.</p>
  </div>
  <div class="space-y-4">
    <h3 class="text-lg font-medium">Dropdown Menu Example</h3>
    <p class="text-sm text-gray-600">The button opens a menu whose items keep focus.</p>
    <div class="relative inline-block">
      <button id="dropdown-button" phx-click="{open}" class="px-4 py-2 bg-gray-600 text-white rounded hover:bg-gray-700 focus:outline-none focus:ring-2 focus:ring-gray-500">Options ▼</button>
      <div id="dropdown-menu" class="hidden absolute left-0 mt-2 bg-white border border-gray-300 rounded shadow-lg z-10">
        {menu}
      </div>
    </div>
  </div>
  <div class="space-y-4">
    <h3 class="text-lg font-medium">Simple Focus Container</h3>
    <p class="text-sm text-gray-600">Tab cycles within this box.</p>
    {container}
  </div>
</div>"#
    )
}

impl LiveView for ComponentsLive {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (ComponentsLive { tab: String::new() }, vec![])
    }

    fn handle_params(self, params: &Params, _url: &Url) -> Update<Self> {
        let tab = params.get("tab").unwrap_or("focus_wrap").to_owned();
        (ComponentsLive { tab }, vec![])
    }

    fn render(&self) -> Rendered {
        let tabs = tab_link(
            "focus_wrap",
            &self.tab,
            "/components?tab=focus_wrap",
            "Focus Wrap",
        );
        let demo = (self.tab == "focus_wrap").then(focus_wrap_demo);
        html!(
            r#"<div class="p-6">
  <h1 class="text-2xl font-bold mb-6">Phoenix Components Demo</h1>
  <div class="border-b border-gray-200 mb-6">
    <nav class="-mb-px flex space-x-8">{tabs}</nav>
  </div>
  <div class="mt-6">{#if let Some(demo) = demo}<div>{demo}</div>{/if}</div>
</div>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(with_tailwind)
    }
}
