//! `/issues/*` views whose LiveComponents carry hooks (the suite's
//! colocated hooks and `@pre_script`): hooks that push events to their
//! component, and a component root whose id changes under its hook.

use super::issues_components::with_hooks;
use liveview_core::prelude::*;
use liveview_core::view::ViewLayout;
use serde::Deserialize;

// ---------------------------------------------------------------------------
// /issues/4066

/// `/issues/4066?delay=N`: a component's input whose hook pushes an event
/// to it N ms after each input; the view can remove the component
/// meanwhile.
pub struct Issue4066 {
    mounted: u64,
    delay: String,
    render_lc: bool,
}

/// The toggle button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue4066Event {
    /// Shows or hides the component.
    Toggle,
}

/// The colocated hook of `/issues/4066`'s component.
const HOOKS_4066: &str = r#"<script>
  window.hooks["Phoenix.LiveViewTest.E2E.Issue4066Live.LiveComponent.MyHook"] = {
    mounted() {
      this.el.addEventListener("input", () => {
        setTimeout(() => {
          this.pushEventTo(this.el, "do-something", { value: 100 });
          this.liveSocket.js().setAttribute(document.body, "data-pushed", "yes");
        }, parseInt(this.el.dataset.delay));
      });
    },
  };
</script>
"#;

impl LiveView for Issue4066 {
    type Event = Issue4066Event;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let view = Issue4066 {
            mounted: m.now.as_micros(),
            delay: m.params.get("delay").unwrap_or("3000").to_owned(),
            render_lc: true,
        };
        (view, vec![])
    }

    fn handle_event(self, Issue4066Event::Toggle: Issue4066Event) -> Update<Self> {
        let render_lc = !self.render_lc;
        (Issue4066 { render_lc, ..self }, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<p id="render-time">{self.mounted}</p>
<button phx-click="toggle">Toggle</button>
{#if self.render_lc}{live_component::<Issue4066Component>("foo", self.delay.clone())}{/if}"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| with_hooks(HOOKS_4066, inner))
    }
}

/// `/issues/4066`'s component: the input and its delay.
pub struct Issue4066Component {
    delay: String,
}

/// The hook's event.
#[derive(Debug, Deserialize)]
pub enum Issue4066ComponentEvent {
    /// `do-something` (ignored).
    #[serde(rename = "do-something")]
    DoSomething {},
}

impl LiveComponent for Issue4066Component {
    /// The delay, in ms.
    type Props = String;
    type Event = Issue4066ComponentEvent;
    type Info = ();

    fn mount(delay: String, _: &Context) -> ComponentUpdate<Self> {
        (Issue4066Component { delay }, vec![])
    }

    fn update(self, delay: String, _: &Context) -> ComponentUpdate<Self> {
        (Issue4066Component { delay }, vec![])
    }

    fn handle_event(self, _: Issue4066ComponentEvent, _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        html!(
            r#"<input phx-hook="Phoenix.LiveViewTest.E2E.Issue4066Live.LiveComponent.MyHook" data-delay="{self.delay}" target={myself} id="foo" />"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/4088

/// `/issues/4088`: a component whose hook pushes three events to it as it
/// mounts, each changing its content while its container is locked.
pub struct Issue4088;

/// The colocated hook of `/issues/4088`'s component.
const HOOKS_4088: &str = r#"<script>
  window.hooks["Phoenix.LiveViewTest.E2E.Issue4088Live.LC.MyHook"] = {
    mounted() {
      this.pushEventTo(this.el, "my_update", {});
      this.pushEventTo(this.el, "my_update", {});
      this.pushEventTo(this.el, "my_update", {});
    },
  };
</script>
"#;

impl LiveView for Issue4088 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4088, vec![])
    }

    fn render(&self) -> Rendered {
        html!(r#"{live_component::<Issue4088Component>("lc", ())}"#)
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| with_hooks(HOOKS_4088, inner))
    }
}

/// `/issues/4088`'s component: a value each event changes (the suite's is
/// random).
pub struct Issue4088Component {
    test: String,
    updates: u64,
}

/// The hook's event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue4088Event {
    /// `my_update`.
    MyUpdate {},
}

impl LiveComponent for Issue4088Component {
    type Props = ();
    type Event = Issue4088Event;
    type Info = ();

    fn mount(_: (), _: &Context) -> ComponentUpdate<Self> {
        let lc = Issue4088Component {
            test: "value".into(),
            updates: 0,
        };
        (lc, vec![])
    }

    fn update(self, _: (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn handle_event(
        self,
        Issue4088Event::MyUpdate {}: Issue4088Event,
        cx: &Context,
    ) -> ComponentUpdate<Self> {
        let updates = self.updates + 1;
        let test = format!("0.{}{updates}", cx.now.as_micros() % 1_000_000);
        (Issue4088Component { test, updates }, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        html!(
            r#"<div id="foo" phx-hook="Phoenix.LiveViewTest.E2E.Issue4088Live.LC.MyHook" phx-target={myself}>
  {self.test}
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/4334

/// `/issues/4334`: a component whose root (with a hook) changes its id: the
/// hook mounts again and the new children stay.
pub struct Issue4334;

/// The page's hook, as the suite's `@pre_script`.
const HOOKS_4334: &str = r#"<script>
  window.hooks.RootChange = {
    mounted() {
      console.log("MyHook mounted");
    },
    updated() {
      console.log("MyHook updated");
    },
  };
</script>
"#;

impl LiveView for Issue4334 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4334, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<main style="max-width: 48rem; margin: 4rem auto; font-family: system-ui;">
  <h1>LiveComponent root ID corruption repro</h1>
  <p id="instructions">
    Click the button. The component root changes from <code>old-root</code>
    to <code>new-root</code>. On affected LiveView versions, the replacement root remains
    but all of its new children disappear.
  </p>
  {live_component::<Issue4334Component>("demo-component", ())}
</main>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| with_hooks(HOOKS_4334, inner))
    }
}

/// `/issues/4334`'s component: whether its root id changed.
pub struct Issue4334Component {
    changed: bool,
}

/// The component's button.
#[derive(Debug, Deserialize)]
pub enum Issue4334Event {
    /// `phx-click="change-root-id"`.
    #[serde(rename = "change-root-id")]
    ChangeRootId {},
}

impl LiveComponent for Issue4334Component {
    type Props = ();
    type Event = Issue4334Event;
    type Info = ();

    fn mount(_: (), _: &Context) -> ComponentUpdate<Self> {
        (Issue4334Component { changed: false }, vec![])
    }

    fn update(self, _: (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn handle_event(self, _: Issue4334Event, _: &Context) -> ComponentUpdate<Self> {
        (Issue4334Component { changed: true }, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        let (root, child, text) = if self.changed {
            ("new-root", "new-child", "NEW CHILD SHOULD REMAIN VISIBLE")
        } else {
            ("old-root", "old-child", "Old child is visible")
        };
        html!(
            r#"<section id="{root}" data-testid="component-root" phx-hook="RootChange" style="min-height: 10rem; margin-top: 2rem; padding: 1.5rem; border: 4px solid #dc2626;">
  <button id="change-root" phx-click="change-root-id" phx-target={myself} style="padding: 0.75rem 1rem; background: #111827; color: white;">
    Change component root ID
  </button>
  <p id="{child}" style="font-size: 1.25rem;">
    {text}
  </p>
</section>"#
        )
    }
}
