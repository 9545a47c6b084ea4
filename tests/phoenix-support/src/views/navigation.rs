//! `/navigation/*`: live navigation between two views of one live session
//! (A patches itself and navigates to B from the server; B streams 100
//! items and shows one at `/navigation/b/:id`), a patch loop that crashes its view
//! (`/navigation/redirectloop`), and a page without a LiveView
//! (`/navigation/dead`), all inside the navigation layout: a sidebar of live
//! links, and a `LiveSocket` that logs `phx:navigate` and
//! `phx:before-navigate` and can prevent navigation.

use super::{live_link, Live};
use crate::layout::SuiteRoot;
use liveview_core::prelude::*;
use liveview_core::protocol::Layout;
use liveview_core::stream::Stream;
use liveview_core::view::{LayoutContext, LiveLayout};
use serde::Deserialize;

const BOOT: &str = r#"<script src="/assets/phoenix/phoenix.min.js"></script>
<script type="module">
  import { LiveSocket } from "/assets/phoenix_live_view/phoenix_live_view.esm.js";
  const token = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  const liveSocket = new LiveSocket("/live", window.Phoenix.Socket, {
    params: { _csrf_token: token },
    reloadJitterMin: 50,
    reloadJitterMax: 500,
  });
  liveSocket.connect();
  window.liveSocket = liveSocket;
  window.liveNavigationPreventEnabled = false;
  window.addEventListener("phx:before-navigate", (e) => {
    console.log("before navigate event", JSON.stringify(e.detail));
    if (window.liveNavigationPreventEnabled) e.preventDefault();
  });
  window.addEventListener("phx:navigate", (e) => {
    console.log("navigate event", JSON.stringify(e.detail));
  });
  window.addEventListener("change", (e) => {
    if (e.target && e.target.id === "prevent-navigation-toggle") {
      window.liveNavigationPreventEnabled = e.target.checked;
    }
  });
</script>
<style>
  html, body { margin: 0; padding: 0; font-family: system-ui, sans-serif; font-size: 1rem; }
</style>
"#;

const LINK: &str = "background-color: #f1f5f9; padding: 0.5rem;";

/// The navigation pages' markup around `inner`: the boot script, then a
/// sidebar of live links beside the content.
fn navigation_page(inner: Rendered) -> Rendered {
    let link = |to: &str, text: &str| live_link(Live::Navigate, to, false, Some(LINK), text);
    let boot = Html::raw(BOOT);
    let (a, b, other, dead) = (
        link("/navigation/a", "LiveView A"),
        link("/navigation/b", "LiveView B"),
        link("/stream", "LiveView (other session)"),
        link("/navigation/dead", "Dead View"),
    );
    html!(
        r#"{boot}<div style="display: flex; width: 100%; height: 100vh;">
  <div style="position: fixed; height: 100vh; background-color: #f8fafc; border-right: 1px solid; width: 20rem; display: flex; flex-direction: column; padding: 1rem; gap: 0.5rem;">
    <h1 style="margin-bottom: 1rem; font-size: 1.125rem; line-height: 1.75rem;">Navigation</h1>
    <label style="display: flex; align-items: center; gap: 0.5rem; background-color: #e2e8f0; padding: 0.5rem; cursor: pointer;">
      <input id="prevent-navigation-toggle" type="checkbox" />
      <span>Prevent navigation</span>
    </label>
    {a}
    {b}
    {other}
    {dead}
  </div>
  <div style="margin-left: 22rem; flex: 1; padding: 2rem;">
{inner}
  </div>
</div>"#
    )
}

/// The live layout of the `navigation` live session.
pub fn navigation_layout() -> LiveLayout {
    LiveLayout::new(|_: &LayoutContext<'_>, inner: Rendered| navigation_page(inner))
}

/// `/navigation/dead`: the navigation markup in a page with no LiveView.
pub fn dead_page() -> String {
    let body = navigation_page(html!("<h1>Dead view</h1>")).to_html();
    SuiteRoot::default().render(None, "no-live-view-here", &body)
}

const BUTTON: &str = "padding: 0.5rem 1rem; background-color: #e2e8f0; display: inline-flex; align-items: center; border-radius: 0.375rem; cursor: pointer;";

/// A live link styled as the suite's buttons.
fn button_link(how: Live, to: &str, replace: bool, text: &str) -> Rendered {
    live_link(how, to, replace, Some(BUTTON), text)
}

/// `/navigation/a`: shows its `param`, patches itself with a new one, and
/// navigates to B from the server.
pub struct ALive {
    param: Option<String>,
    next: u64,
}

/// A's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AEvent {
    /// Navigates to B from the server.
    ServerNavigate,
}

impl LiveView for ALive {
    type Event = AEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (
            ALive {
                param: None,
                next: 0,
            },
            vec![],
        )
    }

    fn handle_params_with(self, params: &Params, _url: &Url, cx: &Context) -> Update<Self> {
        // A fresh value for the next patch (the suite uses a unique integer).
        let next = cx.now.as_micros().max(self.next + 1);
        let param = params.get("param").map(str::to_owned);
        (ALive { param, next }, vec![])
    }

    fn handle_event(self, AEvent::ServerNavigate: AEvent) -> Update<Self> {
        (self, vec![Command::push_navigate("/navigation/b")])
    }

    fn render(&self) -> Rendered {
        let to = format!("/navigation/a?param={}", self.next);
        let patch = button_link(Live::Patch, &to, false, "Patch this LiveView");
        let replace = button_link(Live::Patch, &to, true, "Patch (Replace)");
        let to42 = button_link(
            Live::Navigate,
            "/navigation/b#items-item-42",
            false,
            "Navigate to 42",
        );
        let param = self.param.as_deref().unwrap_or("");
        html!(
            r#"<h1>This is page A</h1>
<p>Current param: {param}</p>
{patch}
{replace}
{to42}
<button type="button" phx-click="server_navigate" style="{BUTTON}">Server Navigate</button>"#
        )
    }
}

/// An item of B's list.
#[derive(Clone, Debug)]
pub struct BItem {
    n: u32,
}

/// `/navigation/b` (a stream of 100 items, in a scroll container with
/// `?container`) and `/navigation/b/:id` (one item). Each `handle_params`
/// of the list streams its items (again).
pub struct BLive {
    container: bool,
    id: Option<String>,
    items: Stream<BItem>,
}

impl LiveView for BLive {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let view = BLive {
            container: false,
            id: None,
            items: Stream::new("items", |i: &BItem| format!("item-{}", i.n)),
        };
        (view, vec![])
    }

    fn handle_params(mut self, params: &Params, _url: &Url) -> Update<Self> {
        self.container = params.get("container").is_some();
        self.id = params.get("id").map(str::to_owned);
        if self.id.is_none() {
            self.items.extend((1..=100).map(|n| BItem { n }));
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let scroll = if self.container {
            "height: 85vh; overflow-y: scroll; "
        } else {
            ""
        };
        let style = format!(
            "{scroll}width: 100%; border: 1px solid #e2e8f0; border-radius: 0.375rem; position: relative;"
        );
        let item_style = "display: inline-flex; align-items: center; gap: 0.5rem;";
        let link = |i: &BItem| {
            let to = format!("/navigation/b/item-{}", i.n);
            live_link(
                Live::Patch,
                &to,
                false,
                Some(item_style),
                &format!("Item {}", i.n),
            )
        };
        html!(
            r##"<h1>This is page B</h1>
<a href="#items-item-42" style="margin-bottom: 8px; {BUTTON}">Go to 42.</a>
{#if let Some(id) = &self.id}<div><p>Item {id}</p></div>{:else}<div id="my-scroll-container" style="{style}">
  <ul id="items" style="padding: 1rem; list-style: none;" phx-update="stream">{#for (id, item) in &self.items}
    <li id={id} style="padding: 0.5rem; border-bottom: 1px solid #e2e8f0;">{link(&item)}</li>{/for}
  </ul>
</div>{/if}"##
        )
    }
}

/// `/navigation/redirectloop`: its link patches to `?loop=true`, whose
/// `handle_params` patches there again: a loop that crashes the view. The
/// client rejoins, and a mount with `loop` set says so instead of looping.
pub struct RedirectLoopLive {
    message: Option<&'static str>,
    looping: bool,
}

impl LiveView for RedirectLoopLive {
    type Event = ();
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let rejoined = m.params.get("loop").is_some();
        let view = RedirectLoopLive {
            message: rejoined.then_some("Too many redirects"),
            looping: !rejoined,
        };
        (view, vec![])
    }

    fn handle_params(self, params: &Params, _url: &Url) -> Update<Self> {
        if params.get("loop").is_some() && self.looping {
            (
                self,
                vec![Command::push_patch("/navigation/redirectloop?loop=true")],
            )
        } else {
            (self, vec![])
        }
    }

    fn render(&self) -> Rendered {
        let to = "/navigation/redirectloop?loop=true";
        let link = live_link(Live::Patch, to, false, None, "Redirect Loop");
        html!(
            r#"{#if let Some(m) = self.message}<div id="message">{m}</div>{/if}
{link}"#
        )
    }
}
