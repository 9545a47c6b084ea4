//! Issue routes about LiveComponents beside nested (child) LiveViews: a
//! child with a component of its own, shown and removed again, whose
//! component messages must reach the child and not the page
//! (`/issues/3953`), and a child whose slow event keeps a locked part of
//! the page locked while the page updates a component inside it
//! (`/issues/4209`).

use super::issues_components::with_hooks;
use liveview_core::nested::live_render;
use liveview_core::prelude::*;
use liveview_core::view::ViewLayout;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// /issues/3953

/// `/issues/3953`: a component, and a button that shows or removes a child
/// LiveView `nested_view` holding a component too.
pub struct Issue3953 {
    show: bool,
}

/// The button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3953Event {
    /// Shows or removes the child.
    Toggle,
}

impl LiveView for Issue3953 {
    type Event = Issue3953Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3953 { show: false }, vec![])
    }

    fn handle_event(self, Issue3953Event::Toggle: Issue3953Event) -> Update<Self> {
        (Issue3953 { show: !self.show }, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"{live_component::<Issue3953Component>("comp", ())}
<button phx-click="toggle">Show</button>
{#if self.show}{live_render::<Issue3953Nested>("nested_view")}{/if}"#
        )
    }
}

/// `/issues/3953`'s child: text and a component.
pub struct Issue3953Nested;

impl LiveView for Issue3953Nested {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue3953Nested, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"Nested Content
{live_component::<Issue3953Component>("comp2", ())}"#
        )
    }
}

/// `/issues/3953`'s component, in the page and in the child: a `<div>`.
pub struct Issue3953Component;

impl LiveComponent for Issue3953Component {
    type Props = ();
    type Event = ();
    type Info = ();

    fn mount((): (), _: &Context) -> ComponentUpdate<Self> {
        (Issue3953Component, vec![])
    }

    fn update(self, (): (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        html!(
            r#"<div>
  Component
</div>"#
        )
    }
}

// ---------------------------------------------------------------------------
// /issues/4209

/// `/issues/4209`: a counter, a panel with a component labelled `child 0`
/// whose hook's button pushes `hold-lock` to the child LiveView below (so
/// the client locks the panel until the child answers), and the child,
/// which asks the page to count and to relabel the component `child 1`.
pub struct Issue4209 {
    outside_count: u64,
}

/// What the child asks of the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue4209Info {
    /// Counts one more.
    BumpOutside,
    /// Relabels the panel's component `child 1`.
    UpdateChild,
}

/// The panel's colocated hook: its button pushes `hold-lock` to the child.
const HOOKS_4209: &str = r##"<script>
  window.hooks["Phoenix.LiveViewTest.E2E.Issue4209Live.LockedPanel"] = {
    mounted() {
      const start = this.el.querySelector("#start-locked-update");
      start.addEventListener("click", () => this.pushEventTo("#slow-target-child", "hold-lock", {}));
    },
  };
</script>
"##;

impl LiveView for Issue4209 {
    type Event = ();
    type Info = Issue4209Info;

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4209 { outside_count: 0 }, vec![])
    }

    fn handle_info(mut self, info: Issue4209Info) -> Update<Self> {
        match info {
            Issue4209Info::BumpOutside => {
                self.outside_count += 1;
                (self, vec![])
            }
            Issue4209Info::UpdateChild => {
                let relabel =
                    Command::send_update::<Issue4209Child>("locked-child", "child 1".to_owned());
                (self, vec![relabel])
            }
        }
    }

    fn render(&self) -> Rendered {
        let child = live_render::<Issue4209SlowTarget>("slow-target-live");
        html!(
            r#"<div id="outside-count">{self.outside_count}</div>
<div id="locked-panel" phx-hook="Phoenix.LiveViewTest.E2E.Issue4209Live.LockedPanel">
  {live_component::<Issue4209Child>("locked-child", "child 0".to_owned())}
  <button id="start-locked-update" type="button">Start locked update</button>
</div>
<div id="slow-target">
  {child}
</div>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| with_hooks(HOOKS_4209, inner))
    }
}

/// `/issues/4209`'s component: its label, given by the page and replaced
/// by the page's `send_update`.
pub struct Issue4209Child {
    label: String,
}

impl LiveComponent for Issue4209Child {
    /// The label.
    type Props = String;
    type Event = ();
    /// A new label.
    type Info = String;

    fn mount(label: String, _: &Context) -> ComponentUpdate<Self> {
        (Issue4209Child { label }, vec![])
    }

    fn update(self, label: String, _: &Context) -> ComponentUpdate<Self> {
        (Issue4209Child { label }, vec![])
    }

    fn handle_info(self, label: String, _: &Context) -> ComponentUpdate<Self> {
        (Issue4209Child { label }, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        html!(
            r#"<div id="locked-child-content">
  <span id="locked-child-label">{self.label}</span>
</div>"#
        )
    }
}

/// `/issues/4209`'s child LiveView: its `hold-lock` sends the page both of
/// its infos, then works 800 ms before it answers (the suite's child
/// sleeps): a task, with the reply held until it ends, so the page goes on
/// while the client keeps the panel locked.
pub struct Issue4209SlowTarget;

/// The hook's event.
#[derive(Debug, Deserialize)]
pub enum Issue4209SlowEvent {
    /// Asks the page to count and to relabel its component.
    #[serde(rename = "hold-lock")]
    HoldLock {},
}

/// The child's 800 ms of work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Issue4209Work;

impl LiveView for Issue4209SlowTarget {
    type Event = Issue4209SlowEvent;
    type Info = Issue4209Work;

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4209SlowTarget, vec![])
    }

    fn handle_event(self, Issue4209SlowEvent::HoldLock {}: Issue4209SlowEvent) -> Update<Self> {
        let commands = vec![
            Command::send_parent(Issue4209Info::BumpOutside),
            Command::send_parent(Issue4209Info::UpdateChild),
            Command::start_async("hold", Issue4209Work),
            Command::hold_reply("hold"),
        ];
        (self, commands)
    }

    fn handle_async(self, _: String, _: Result<Issue4209Work, AsyncError>) -> Update<Self> {
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(r#"<div id="slow-target-child">slow target</div>"#)
    }
}

/// The runner of `/issues/4209`'s work: 800 ms.
pub fn issue_4209_tasks(tasks: liveview_core::tasks::Tasks) -> liveview_core::tasks::Tasks {
    tasks.view::<Issue4209SlowTarget, _, _, _>(|work| async move {
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        Ok::<_, String>(work)
    })
}
