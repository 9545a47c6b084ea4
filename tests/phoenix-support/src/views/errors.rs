//! `/errors`: a view that crashes on request — in its dead mount
//! (`?dead-mount=raise`: HTTP 500), in its connected mount
//! (`?connected-mount=raise`: the client reloads, then fails safe) or in an
//! event — with a layout whose `LiveSocket` reloads and rejoins quickly.

use liveview_core::prelude::*;
use liveview_core::view::ViewLayout;
use serde::Deserialize;

/// The page; `rendered_at` is the mount's time.
pub struct ErrorLive {
    rendered_at: u64,
}

/// The page's one event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorEvent {
    /// Crashes the view.
    Boom,
}

/// Boots the client with short reload and rejoin delays and five reloads
/// before failsafe mode.
const BOOT: &str = r#"<script src="/assets/phoenix/phoenix.min.js"></script>
<script type="module">
  import { LiveSocket } from "/assets/phoenix_live_view/phoenix_live_view.esm.js";
  const token = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  const liveSocket = new LiveSocket("/live", window.Phoenix.Socket, {
    params: { _csrf_token: token },
    reloadJitterMax: 50,
    reloadJitterMin: 50,
    maxReloads: 5,
    failsafeJitter: 1000,
    maxChildJoinTries: 3,
    rejoinAfterMs: (_tries) => 50,
  });
  liveSocket.connect();
  window.liveSocket = liveSocket;
</script>
"#;

/// Shows each of the container's connection states as a line.
const STATES: &str = r#"<p class="if-phx-error">Error</p>
<p class="if-phx-client-error">Client Error</p>
<p class="if-phx-server-error">Server Error</p>
<p class="if-phx-disconnected">Disconnected</p>
<p class="if-phx-loading">Loading</p>
<style>
  [data-phx-session] .if-phx-error, [data-phx-session] .if-phx-client-error,
  [data-phx-session] .if-phx-server-error, [data-phx-session] .if-phx-disconnected,
  [data-phx-session] .if-phx-loading { display: none; }
  [data-phx-session].phx-error > .if-phx-error,
  [data-phx-session].phx-client-error > .if-phx-client-error,
  [data-phx-session].phx-server-error > .if-phx-server-error,
  [data-phx-session].phx-disconnected > .if-phx-disconnected,
  [data-phx-session].phx-loading > .if-phx-loading { display: block; }
</style>"#;

impl LiveView for ErrorLive {
    type Event = ErrorEvent;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        if m.params.get("dead-mount") == Some("raise") {
            panic!("boom");
        }
        if m.connected && m.params.get("connected-mount") == Some("raise") {
            panic!("boom");
        }
        let rendered_at = m.now.as_micros();
        (ErrorLive { rendered_at }, vec![])
    }

    fn handle_event(self, ErrorEvent::Boom: ErrorEvent) -> Update<Self> {
        panic!("boom");
    }

    fn render(&self) -> Rendered {
        let states = Html::raw(STATES);
        html!(
            r#"<p id="render-time">main rendered at: {self.rendered_at}</p>
<button phx-click="boom">Crash main</button>
{states}
<div style="border: 1px solid lightgray; padding: 4px; margin-top: 16px;"></div>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let boot = Html::raw(BOOT);
            html!("{boot}{inner}")
        })
    }
}
