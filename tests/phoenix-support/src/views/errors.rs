//! `/errors`: a view that crashes on request — in its dead mount
//! (`?dead-mount=raise`: HTTP 500), in its connected mount
//! (`?connected-mount=raise`: the client reloads, then fails safe) or in an
//! event — with a layout whose `LiveSocket` reloads and rejoins quickly.
//!
//! With `?child` the page renders a child LiveView ([`ErrorChildLive`]) that
//! crashes on request too. With `?connected-child-mount-raise=N` the
//! child's connected mount fails its first `N` times (the client rejoins
//! the child alone, and gives up after `maxChildJoinTries`); with
//! `?connected-child-mount-raise=link` the child is linked to the page and
//! fails once, on the page's first connected mount, so the page crashes
//! with it and both mount again.
//!
//! The suite's child asks its parent process, from its mount, whether to
//! fail; our mounts cannot wait for a message, so the page keeps the count
//! of failures in [`FAILS`], under a nonce it gives the child in its session.

use liveview_core::prelude::*;
use liveview_core::view::ViewLayout;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// The child mounts still to fail, by the nonce of the page's connected
/// mount that rendered the child: (failures wanted, failures so far). An
/// entry goes once the child mounted.
static FAILS: Mutex<BTreeMap<u64, (u32, u32)>> = Mutex::new(BTreeMap::new());

/// The last nonce given out.
static NONCE: AtomicU64 = AtomicU64::new(0);

/// The page; `rendered_at` is the mount's time.
pub struct ErrorLive {
    rendered_at: u64,
    /// `?child` or `?connected-child-mount-raise`: the page renders the child.
    child: bool,
    /// The child is linked: its crash crashes the page.
    link: bool,
    /// The key of the child's failures in [`FAILS`] (connected mounts only).
    nonce: Option<u64>,
}

/// The page's (and the child's) one event.
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
        let raise = m.params.get("connected-child-mount-raise");
        let link = raise == Some("link");
        let child = raise.is_some() || m.params.get("child").is_some();
        // Failures wanted and already had: the linked child fails on the
        // page's first connected mount only (else the page, which mounts
        // fine, would crash and rejoin forever).
        let fails = match raise {
            Some("link") => {
                let first = m
                    .connect_params
                    .as_ref()
                    .and_then(|p| p.get("_mounts"))
                    .and_then(Value::as_u64)
                    == Some(0);
                (1, u32::from(!first))
            }
            Some(n) => (n.parse().unwrap_or(0), 0),
            None => (0, 0),
        };
        let nonce = (m.connected && child).then(|| {
            let nonce = NONCE.fetch_add(1, Ordering::Relaxed) + 1;
            let mut fails_by_nonce = FAILS.lock().unwrap_or_else(PoisonError::into_inner);
            fails_by_nonce.insert(nonce, fails);
            nonce
        });
        let view = ErrorLive {
            rendered_at,
            child,
            link,
            nonce,
        };
        (view, vec![])
    }

    fn handle_event(self, ErrorEvent::Boom: ErrorEvent) -> Update<Self> {
        panic!("boom");
    }

    fn render(&self) -> Rendered {
        let states = Html::raw(STATES);
        let child = self.child.then(|| {
            let child = live_render::<ErrorChildLive>("child").session("nonce", self.nonce);
            if self.link {
                child.linked()
            } else {
                child
            }
        });
        html!(
            r#"<p id="render-time">main rendered at: {self.rendered_at}</p>
<button phx-click="boom">Crash main</button>
{states}
<div style="border: 1px solid lightgray; padding: 4px; margin-top: 16px;">{#if let Some(child) = child}{child}{/if}</div>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let boot = Html::raw(BOOT);
            html!("{boot}{inner}")
        })
    }
}

/// The child of `/errors?child` (DOM id `child`): says whether it is
/// connected, shows its mount's time and crashes on its button. Its
/// connected mount fails while the page's count in [`FAILS`] says so.
pub struct ErrorChildLive {
    connected: bool,
    rendered_at: u64,
}

/// The child's connection states, as the page's (the page's style applies).
const CHILD_STATES: &str = r#"<p class="if-phx-error">Error</p>
<p class="if-phx-client-error">Client Error</p>
<p class="if-phx-server-error">Server Error</p>
<p class="if-phx-disconnected">Disconnected</p>
<p class="if-phx-loading">Loading</p>"#;

impl LiveView for ErrorChildLive {
    type Event = ErrorEvent;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let nonce = m.session.get("nonce").and_then(Value::as_u64);
        if let (true, Some(nonce)) = (m.connected, nonce) {
            let mut fails_by_nonce = FAILS.lock().unwrap_or_else(PoisonError::into_inner);
            match fails_by_nonce.get_mut(&nonce) {
                Some((want, have)) if *have < *want => {
                    *have += 1;
                    drop(fails_by_nonce);
                    panic!("boom");
                }
                _ => {
                    fails_by_nonce.remove(&nonce);
                }
            }
        }
        let child = ErrorChildLive {
            connected: m.connected,
            rendered_at: m.now.as_micros(),
        };
        (child, vec![])
    }

    fn handle_event(self, ErrorEvent::Boom: ErrorEvent) -> Update<Self> {
        panic!("boom");
    }

    fn render(&self) -> Rendered {
        let state = if self.connected {
            "Child connected"
        } else {
            "Child rendered (dead)"
        };
        let states = Html::raw(CHILD_STATES);
        html!(
            r#"{state}
<p id="child-render-time">child rendered at: {self.rendered_at}</p>
<button phx-click="boom">Crash child</button>
{states}"#
        )
    }
}
