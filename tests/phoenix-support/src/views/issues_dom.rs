//! Issue routes about the client's DOM handling: a modal with click-away
//! and a form (`/issues/3040`), nested hooks whose inner id changes
//! (`/issues/3651`), a hook outside the LiveView (`/issues/4147`) and
//! `phx-patch-focused` on focused elements (`/issues/4323`).

use crate::layout::{suite_page, Extras};
use liveview_core::js::Transition;
use liveview_core::prelude::*;
use liveview_core::view::ViewLayout;
use serde::Deserialize;
use serde_json::json;

/// `/issues/3040`: a modal opened by a patch, holding a form; submitting
/// the form is not a click away, and the modal closes on a click outside
/// or Escape (patching back).
pub struct Issue3040 {
    modal_open: bool,
    submitted: bool,
}

/// The modal form's submit.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3040Event {
    /// `phx-submit`.
    Submit {},
}

/// The few utility classes the modal uses.
const MODAL_CSS: &str = r#"<style>
.fixed { position: fixed } .absolute { position: absolute } .relative { position: relative }
.inset-0 { inset: 0px } .right-5 { right: 1.25rem } .top-6 { top: 1.5rem } .z-50 { z-index: 50 }
.-m-3 { margin: -0.75rem } .flex { display: flex } .hidden { display: none }
.min-h-full { min-height: 100% } .w-full { width: 100% } .max-w-3xl { max-width: 48rem }
.flex-none { flex: none } .items-center { align-items: center } .justify-center { justify-content: center }
.overflow-y-auto { overflow-y: auto } .rounded-2xl { border-radius: 1rem }
.bg-white { background-color: rgb(255 255 255 / 1) } .bg-gray-200 { background-color: rgb(229 231 235 / 1) }
.bg-zinc-50\/90 { background-color: rgb(250 250 250 / 0.9) }
.p-14 { padding: 3.5rem } .p-3 { padding: 0.75rem } .p-4 { padding: 1rem } .opacity-20 { opacity: 0.2 }
.transition { transition-property: color, background-color, border-color, text-decoration-color, fill, stroke, opacity, box-shadow, transform, filter, backdrop-filter; transition-timing-function: cubic-bezier(0.4, 0, 0.2, 1); transition-duration: 150ms }
.transition-opacity { transition-property: opacity; transition-timing-function: cubic-bezier(0.4, 0, 0.2, 1); transition-duration: 150ms }
.hover\:opacity-40:hover { opacity: 0.4 }
@media (min-width: 640px) { .sm\:p-6 { padding: 1.5rem } }
@media (min-width: 1024px) { .lg\:py-8 { padding-top: 2rem; padding-bottom: 2rem } }
</style>"#;

const SHOW: (&str, &str, &str) = (
    "transition-all transform ease-out duration-300",
    "opacity-0 translate-y-4 sm:translate-y-0 sm:scale-95",
    "opacity-100 translate-y-0 sm:scale-100",
);
const HIDE: (&str, &str, &str) = (
    "transition-all transform ease-in duration-200",
    "opacity-100 translate-y-0 sm:scale-100",
    "opacity-0 translate-y-4 sm:translate-y-0 sm:scale-95",
);

/// The core components' `show_modal`.
fn show_modal(id: &str) -> JS {
    JS::new()
        .show()
        .to(format!("#{id}"))
        .show()
        .to(format!("#{id}-bg"))
        .transition(Transition::new(
            "transition-all transform ease-out duration-300",
            "opacity-0",
            "opacity-100",
        ))
        .show()
        .to(format!("#{id}-container"))
        .transition(Transition::new(SHOW.0, SHOW.1, SHOW.2))
        .add_class("overflow-hidden")
        .to("body")
        .focus_first()
        .to(format!("#{id}-content"))
}

/// The core components' `hide_modal`.
fn hide_modal(id: &str) -> JS {
    JS::new()
        .hide()
        .to(format!("#{id}-bg"))
        .transition(Transition::new(
            "transition-all transform ease-in duration-200",
            "opacity-100",
            "opacity-0",
        ))
        .hide()
        .to(format!("#{id}-container"))
        .time(200)
        .transition(Transition::new(HIDE.0, HIDE.1, HIDE.2))
        .hide()
        .to(format!("#{id}"))
        .transition(Transition::new("block", "block", "hidden"))
        .remove_class("overflow-hidden")
        .to("body")
        .pop_focus()
}

/// The core components' `<.modal show>` around `inner`; `on_cancel` runs
/// when it is dismissed.
fn modal(id: &str, on_cancel: JS, inner: Rendered) -> Rendered {
    let mounted = show_modal(id);
    let remove = hide_modal(id);
    let cancel = on_cancel.exec("phx-remove");
    let dismiss = JS::new().exec("data-cancel").to(format!("#{id}"));
    html!(
        r#"<div id={id} phx-mounted={mounted} phx-remove={remove} data-cancel={cancel} class="relative z-50 hidden">
  <div id="{id}-bg" class="bg-zinc-50/90 fixed inset-0 transition-opacity" aria-hidden="true"></div>
  <div class="fixed inset-0 overflow-y-auto" aria-labelledby="{id}-title" aria-describedby="{id}-description" role="dialog" aria-modal="true" tabindex="0">
    <div class="flex min-h-full items-center justify-center">
      <div class="w-full max-w-3xl p-4 sm:p-6 lg:py-8">
        <div id="{id}-container" phx-hook="Phoenix.FocusWrap" phx-window-keydown={dismiss} phx-key="escape" phx-click-away={dismiss} class="bg-gray-200 relative hidden rounded-2xl bg-white p-14 ring-1 transition">
          <span id="{id}-container-start" tabindex="0" aria-hidden="true"></span>
          <div class="absolute top-6 right-5">
            <button phx-click={dismiss} type="button" class="-m-3 flex-none p-3 opacity-20 hover:opacity-40" aria-label="close">x</button>
          </div>
          <div id="{id}-content">{inner}</div>
          <span id="{id}-container-end" tabindex="0" aria-hidden="true"></span>
        </div>
      </div>
    </div>
  </div>
</div>"#
    )
}

impl LiveView for Issue3040 {
    type Event = Issue3040Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let view = Issue3040 {
            modal_open: false,
            submitted: false,
        };
        (view, vec![])
    }

    fn handle_params(self, params: &Params, _url: &Url) -> Update<Self> {
        let modal_open = params.get("modal").is_some();
        (Issue3040 { modal_open, ..self }, vec![])
    }

    fn handle_event(self, Issue3040Event::Submit {}: Issue3040Event) -> Update<Self> {
        (
            Issue3040 {
                submitted: true,
                ..self
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        let css = Html::raw(MODAL_CSS);
        let link = super::live_link(
            super::Live::Patch,
            "/issues/3040?modal=true",
            false,
            None,
            "Add new",
        );
        let dialog = self.modal_open.then(|| {
            let form = html!(
                r#"<form phx-submit="submit">
  <input type="text" name="name" />
  {#if self.submitted}<p>Form was submitted!</p>{/if}
</form>"#
            );
            modal("my-modal", JS::new().patch("/issues/3040"), form)
        });
        html!(
            r#"{css}
{link}
{#if let Some(dialog) = dialog}{dialog}{/if}"#
        )
    }
}

/// `/issues/3651`: an outer hook that pushes an event on mount around an
/// inner hook whose id changes once connected; the inner hook's old
/// instance must be destroyed, not left to multiply events.
pub struct Issue3651 {
    id: u32,
    counter: u32,
}

/// The hooks' events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue3651Event {
    /// The outer hook's mount.
    Lol {},
    /// The inner hook's answer to `myevent`.
    Reload {},
}

/// The id change, sent to itself once connected.
#[derive(Clone, Debug, PartialEq, serde::Serialize, Deserialize)]
pub enum Issue3651Info {
    /// Render the inner hook with id 2.
    ChangeId,
}

/// The two hooks, defined before the `LiveSocket` reads `window.hooks`.
const HOOKS_3651: &str = r#"<script>
  window.hooks.OuterHook = {
    mounted() {
      this.pushEvent("lol");
    },
  };
  window.hooks.InnerHook = {
    mounted() {
      console.log("MOUNTED", this.el);
      this.handleEvent("myevent", this._handleEvent(this));
    },
    destroyed() {
      document.getElementById("notice").innerHTML = "";
      console.log("DESTROYED", this.el);
    },
    _handleEvent(self) {
      return () => {
        setTimeout(() => {
          console.warn("reloading", self.el);
          self.pushEvent("reload", {});
        }, 50);
      };
    },
  };
</script>
"#;

impl LiveView for Issue3651 {
    type Event = Issue3651Event;
    type Info = Issue3651Info;

    fn mount(m: &Mount) -> Update<Self> {
        let mut commands = vec![Command::push_event("myevent", json!({}))];
        if m.connected {
            commands.push(Command::SendInfo(Issue3651Info::ChangeId));
        }
        (Issue3651 { id: 1, counter: 0 }, commands)
    }

    fn handle_info(self, Issue3651Info::ChangeId: Issue3651Info) -> Update<Self> {
        (Issue3651 { id: 2, ..self }, vec![])
    }

    fn handle_event(self, event: Issue3651Event) -> Update<Self> {
        match event {
            Issue3651Event::Lol {} => (self, vec![]),
            Issue3651Event::Reload {} => {
                let counter = self.counter + 1;
                assert!(counter <= 4096, "that's enough, bye!");
                (
                    Issue3651 { counter, ..self },
                    vec![Command::push_event("myevent", json!({}))],
                )
            }
        }
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<div id="main" phx-hook="OuterHook">
  <div phx-hook="InnerHook" id="id-{self.id}"></div>
  Nested hooks where the inner one's id changes: its old instance must be destroyed.
</div>
<div>The page stops after 4096 events.</div>
<div style="color: blue; font-size: 20px" id="counter">
  Total Event Calls: <span id="total">{self.counter}</span>
</div>
<div style="color: red; font-size: 72px" id="notice" phx-update="ignore">
  I will disappear if the bug is not present.
</div>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            suite_page(
                Extras {
                    pre_script: Some(HOOKS_3651),
                    ..Extras::default()
                },
                inner,
            )
        })
    }
}

/// `/issues/4147`: the root layout holds an element with a colocated hook
/// outside the LiveView; it mounts once, also across a reconnect.
pub struct Issue4147;

/// What `/issues/4147`'s root layout renders before the container.
pub const IN_ROOT_4147: &str =
    r#"<div id="foobar" phx-hook="Phoenix.LiveViewTest.E2E.Issue4147Live.HookOutside"></div>"#;

impl LiveView for Issue4147 {
    type Event = ();
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4147, vec![])
    }

    fn render(&self) -> Rendered {
        html!("<h1>Inside</h1>")
    }
}

/// `/issues/4323`: focused elements keep their content across patches
/// unless they opt in with `phx-patch-focused` (form-associated custom
/// elements defined by the root layout, and native inputs).
pub struct Issue4323 {
    counter: u64,
}

/// What `/issues/4323`'s root layout renders before the container: two
/// form-associated custom elements.
pub const IN_ROOT_4323: &str = r#"<script>
  class Issue4323Face extends HTMLElement {
    static formAssociated = true;
    constructor() {
      super();
      this.attachInternals();
    }
  }
  customElements.define("issue-4323-face", Issue4323Face);

  class Issue4323DelegatesFace extends HTMLElement {
    static formAssociated = true;
    constructor() {
      super();
      this.attachInternals();
      this.attachShadow({ mode: "open", delegatesFocus: true });
      this.shadowRoot.innerHTML = '<input type="text"><slot></slot>';
    }
  }
  customElements.define("issue-4323-delegates-face", Issue4323DelegatesFace);
</script>"#;

/// The suite's `evalLV`.
#[derive(Debug, Deserialize)]
pub enum EvalEvent {
    /// Code the suite sends; the known strings are answered.
    #[serde(rename = "sandbox:eval")]
    Eval {
        /// The Elixir code.
        value: String,
    },
}

impl LiveView for Issue4323 {
    type Event = EvalEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Issue4323 { counter: 0 }, vec![])
    }

    fn handle_event(self, EvalEvent::Eval { value }: EvalEvent) -> Update<Self> {
        const INCREMENT: &str =
            "{:noreply, Phoenix.Component.assign(socket, :counter, socket.assigns.counter + 1)}";
        if value.trim() == INCREMENT {
            let view = Issue4323 {
                counter: self.counter + 1,
            };
            (view, vec![Command::Reply(json!({ "result": null }))])
        } else {
            let unknown = json!({ "result": format!("unknown code: {value}") });
            (self, vec![Command::Reply(unknown)])
        }
    }

    fn render(&self) -> Rendered {
        let n = self.counter;
        html!(
            r#"<form id="test-form">
  <issue-4323-face id="face-default" tabindex="0">
    <span id="face-default-child">count:{n}</span>
  </issue-4323-face>
  <issue-4323-face id="face-opt-in" tabindex="0" phx-patch-focused>
    <span id="face-opt-in-child">count:{n}</span>
  </issue-4323-face>
  <issue-4323-delegates-face id="face-delegates" phx-patch-focused>
    <span id="face-delegates-child">count:{n}</span>
  </issue-4323-delegates-face>
  <input id="native-default" value={n} />
  <input id="native-opt-in" value={n} phx-patch-focused />
</form>"#
        )
    }
}
