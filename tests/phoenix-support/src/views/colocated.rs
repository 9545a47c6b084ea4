//! `/colocated`: what Phoenix's colocated hooks, JS and CSS produce, written
//! out by hand (there is no compile step extracting them here): a hook
//! from `/assets/colocated/index.js` under its fully qualified name, a
//! runtime hook defined by a script in the page, a colocated JS function
//! that runs JS commands the server pushes, global and scoped CSS from
//! `/assets/colocated/colocated.css` (scopes through `phx-css-*` and
//! `phx-r` root attributes, as Phoenix's root tag attribute marks them),
//! and code blocks highlighted on the server.

use super::highlight;
use liveview_core::prelude::*;
use liveview_core::view::ViewLayout;
use serde::Deserialize;
use serde_json::json;

/// The page: the phone number last submitted.
pub struct ColocatedLive {
    phone: Option<String>,
}

/// The phone form's params.
#[derive(Debug, Default, Deserialize)]
pub struct UserParams {
    #[serde(default)]
    phone_number: Option<String>,
}

/// The page's events.
#[derive(Debug, Deserialize)]
pub enum ColocatedEvent {
    /// The phone form.
    #[serde(rename = "submit-phone")]
    SubmitPhone {
        /// The form's `user[...]` fields.
        #[serde(default)]
        user: UserParams,
    },
    /// Asks the server for a JS command to run.
    #[serde(rename = "push-js")]
    PushJs {},
}

/// Boots the client with the colocated hooks and runs the colocated JS
/// `js_exec`; loads the colocated CSS.
const BOOT: &str = r#"<script src="/assets/phoenix/phoenix.min.js"></script>
<script type="module">
  import { LiveSocket } from "/assets/phoenix_live_view/phoenix_live_view.esm.js";
  import { default as colocated, hooks } from "/assets/colocated/index.js";
  const token = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  const liveSocket = new LiveSocket("/live", window.Phoenix.Socket, {
    params: { _csrf_token: token },
    reloadJitterMin: 50,
    reloadJitterMax: 500,
    hooks,
  });
  liveSocket.connect();
  window.liveSocket = liveSocket;
  colocated.js_exec(liveSocket);
</script>
<link rel="stylesheet" href="/assets/colocated/colocated.css" />
"#;

/// A runtime hook: defined by the page's own script, which the client
/// evaluates when it patches it in.
const RUNTIME_HOOK: &str = r#"<script data-phx-runtime-hook="Phoenix.LiveViewTest.E2E.ColocatedLive.Runtime">
window["phx_hook_Phoenix.LiveViewTest.E2E.ColocatedLive.Runtime"] = function() {
  return {
    mounted() {
      this.js().show(this.el);
    }
  }
}
</script>"#;

/// The highlighter's colours (a dark theme) for the classes it emits.
const HIGHLIGHT_CSS: &str = ".highlight { padding: 8px; border-radius: 4px; background: #272822; color: #f8f8f2; } \
.highlight .kd, .highlight .k { color: #66d9ef; } .highlight .nc { color: #a6e22e; } \
.highlight .na { color: #a6e22e; } .highlight .nt { color: #f92672; } \
.highlight .s, .highlight .sx { color: #e6db74; } .highlight .ss { color: #ae81ff; } \
.highlight .mi { color: #ae81ff; } .highlight .c1 { color: #75715e; } .highlight .o { color: #f92672; }";

/// A module of the highlighter's kind, for the first code block.
const SAMPLE_MODULE: &str = r#"defmodule Demo.Highlight do
  # turns a <pre> block into highlighted HTML at compile time
  def transform({"pre", attrs, children, _meta}, _opts) do
    code = Enum.join(children)
    {:ok, {"pre", [{"class", "highlight"} | attrs], [render(code)], %{}}}
  end

  defp render(code), do: String.trim(code)
end
"#;

/// A LiveView with a HEEx template, for the second code block.
const SAMPLE_VIEW: &str = r#"defmodule DemoWeb.ThermostatLive do
  use DemoWeb, :live_view

  def render(assigns) do
    ~H"""
    Now at {@temperature} degrees
    <button phx-click="warmer">warmer</button>
    """
  end

  def mount(_params, _session, socket) do
    {:ok, assign(socket, :temperature, 20)}
  end

  def handle_event("warmer", _params, socket) do
    {:noreply, update(socket, :temperature, &(&1 + 1))}
  end
end
"#;

/// A `<pre>` block of highlighted Elixir.
fn code_block(code: &str) -> Rendered {
    let css = Html::raw(format!("<style>{HIGHLIGHT_CSS}</style>"));
    let code = Html::raw(highlight::elixir(code));
    html!(
        r#"<pre class="highlight" language="elixir" phx-no-curly-interpolation>{css}{code}</pre>"#
    )
}

/// Three paragraphs that flex (or not) inside a scoped flex container.
fn flex_items(flex: bool) -> Rendered {
    let (yes, text) = if flex {
        ("yes", "Should")
    } else {
        ("no", "Shouldn't")
    };
    html!(r#"{#for x in 1..=3}<p phx-r data-test-inclusive="{yes}">{text} Flex {x}</p>{/for}"#)
}

/// A slot's content in the blue scope's template: a root there, so a
/// scope root (not styled itself) whose child is in scope again.
fn slotted() -> Rendered {
    html!(
        r#"<span phx-r phx-css-blue data-test-scoped="none" class="test-scoped-css">
  Should have no background (scope root)
  <span data-test-scoped="blue" class="test-scoped-css">Should have blue background</span>
</span>"#
    )
}

/// The scoped CSS demo: the blue scope with slots rendered directly and
/// through components that bring scopes of their own (yellow, green).
fn scoped_css() -> Rendered {
    let (one, two, three, four, five) = (slotted(), slotted(), slotted(), slotted(), slotted());
    html!(
        r#"<div phx-r phx-css-blue>
  <span data-test-scoped="blue" class="test-scoped-css">Should have blue background</span>
  {one}
  {two}
  <div phx-r phx-css-yellow>
    <span data-test-scoped="yellow" class="test-scoped-css">Should have yellow background</span>
    {three}
  </div>
  {four}
  <div phx-r phx-css-green>
    <span data-test-scoped="green" class="test-scoped-css">Should have green background</span>
    {five}
  </div>
</div>"#
    )
}

impl LiveView for ColocatedLive {
    type Event = ColocatedEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (ColocatedLive { phone: None }, vec![])
    }

    fn handle_event(self, event: ColocatedEvent) -> Update<Self> {
        match event {
            ColocatedEvent::SubmitPhone { user } => (
                ColocatedLive {
                    phone: user.phone_number,
                },
                vec![],
            ),
            ColocatedEvent::PushJs {} => {
                let cmd = JS::new().toggle().to("#hello").to_json();
                (
                    self,
                    vec![Command::push_event("js:exec", json!({ "cmd": cmd }))],
                )
            }
        }
    }

    fn render(&self) -> Rendered {
        let runtime = Html::raw(RUNTIME_HOOK);
        let (module, view) = (code_block(SAMPLE_MODULE), code_block(SAMPLE_VIEW));
        let scoped = scoped_css();
        let (inclusive, exclusive) = (flex_items(true), flex_items(false));
        html!(
            r#"<form phx-submit="submit-phone">
  <input type="text" name="user[phone_number]" id="user-phone-number" phx-hook="Phoenix.LiveViewTest.E2E.ColocatedLive.PhoneNumber" />
</form>
<p id="phone">{self.phone.as_deref().unwrap_or_default()}</p>
<div id="runtime" phx-hook="Phoenix.LiveViewTest.E2E.ColocatedLive.Runtime" style="display: none;">Runtime hook works!</div>
{runtime}
<hr />
<button phx-click="push-js">Push JS from server</button>
<h1 id="hello">Hello!</h1>
<hr />
{module}
<p phx-r data-test="global" class="test-global-css">Should have red background</p>
{scoped}
<p phx-r data-test="scoped" class="test-scoped-css">Should have no background (out of scope)</p>
<div phx-r phx-css-inclusive data-test-lower-bound-container class="container">
  {inclusive}
</div>
<div phx-r phx-css-exclusive data-test-lower-bound-container class="container">
  {exclusive}
</div>
{view}"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let boot = Html::raw(BOOT);
            html!("{boot}{inner}")
        })
    }
}
