//! The suite's layouts. The root layout is the document around the
//! container (the CSRF meta tag, no `<html>`, `<head>` or `<body>`); the
//! live layout, inside the container, boots the client: the Phoenix socket
//! script, the `LiveSocket` with the suite's hooks and uploaders, a little
//! CSS, then the view.

use liveview_core::prelude::*;
use liveview_core::protocol::Layout;
use liveview_core::view::{LayoutContext, LiveLayout};

/// The root layout of every page.
pub struct SuiteRoot;

/// Boots the official client as the suite's live layout does: hooks of its
/// own, hooks pages add to `window.hooks`, the colocated hooks; an external
/// uploader `TestExternal`; `cascadePhxRemoveOnNavigation` from the query.
const BOOT: &str = r#"<script>
  window.hooks = {};
</script>
<script src="/assets/phoenix/phoenix.min.js"></script>
<script type="module">
  import { LiveSocket } from "/assets/phoenix_live_view/phoenix_live_view.esm.js";
  import { hooks as colocated } from "/assets/colocated/index.js";

  const pingOnMount = {
    mounted() {
      this.pushEvent("ping", {}, () => (this.el.innerText += "pong"));
    },
  };
  const uploaders = {
    TestExternal(entries) {
      for (const entry of entries) {
        document.documentElement.dataset.externalUploadStarted = entry.ref;
        entry.onCancel(() => {
          document.documentElement.dataset.externalUploadAborted = entry.ref;
        });
      }
    },
  };
  const token = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  const cascade = new URLSearchParams(window.location.search).get("cascadePhxRemoveOnNavigation");
  const liveSocket = new LiveSocket("/live", window.Phoenix.Socket, {
    params: { _csrf_token: token },
    hooks: { FormHook: pingOnMount, FormStreamHook: pingOnMount, ...window.hooks, ...colocated },
    uploaders,
    cascadePhxRemoveOnNavigation: cascade !== "false",
  });
  liveSocket.connect();
  window.liveSocket = liveSocket;
</script>
<style>
  * { font-size: 1.1rem; }
</style>
"#;

impl Layout for SuiteRoot {
    fn render(&self, _title: Option<&str>, csrf_token: &str, inner: &str) -> String {
        // No <html>, <head> or <body>, as the suite's root layout.
        let token = liveview_core::template::escape_html(csrf_token);
        format!("<!DOCTYPE html>\n<meta name=\"csrf-token\" content=\"{token}\" />\n{inner}\n")
    }
}

/// The live layout of the `default` live session.
pub fn suite_live_layout() -> LiveLayout {
    LiveLayout::new(|_: &LayoutContext<'_>, inner: Rendered| {
        let boot = Html::raw(BOOT);
        html!("{boot}{inner}")
    })
}
