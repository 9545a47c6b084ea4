//! The suite's layouts. The root layout is the document around the
//! container (the CSRF meta tag, no `<html>`, `<head>` or `<body>`); the
//! live layout, inside the container, boots the client: the Phoenix socket
//! script, the `LiveSocket` with the suite's hooks and uploaders, a little
//! CSS, then the view.

use liveview_core::prelude::*;
use liveview_core::protocol::Layout;
use liveview_core::view::{LayoutContext, LiveLayout};

/// The root layout of every page, with what a view renders in it before
/// the container (the suite's `render_in_root` assign), if anything.
#[derive(Clone, Copy, Debug, Default)]
pub struct SuiteRoot {
    /// Trusted HTML put before the container.
    pub in_root: &'static str,
}

/// Boots the official client as the suite's live layout does: hooks of its
/// own, hooks pages add to `window.hooks`, the colocated hooks; an external
/// uploader `TestExternal`; `cascadePhxRemoveOnNavigation` from the query.
const SOCKET: &str = r#"<script>
  window.hooks = {};
</script>
<script src="/assets/phoenix/phoenix.min.js"></script>
"#;

/// The browser build of Tailwind CSS, for views that ask for it.
const TAILWIND: &str = r#"<script src="/assets/vendor/tailwind.js"></script>
"#;

/// The rest of the boot, after any script a view runs before it.
const BOOT: &str = r#"<script type="module">
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
        // No <html>, <head> or <body>, as the suite's root layout. The empty
        // icon keeps Debian's Chromium (new headless mode) from asking for
        // /favicon.ico, which the suite's endpoint does not serve either: the
        // 404 would be a console error, and some specs require none.
        let token = liveview_core::template::escape_html(csrf_token);
        format!(
            "<!DOCTYPE html>\n<link rel=\"icon\" href=\"data:,\" />\n<meta name=\"csrf-token\" content=\"{token}\" />\n{}\n{inner}\n",
            self.in_root
        )
    }
}

/// What a view adds to the suite's live layout (Phoenix's `@tailwind` and
/// `@pre_script` assigns the layout reads).
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras {
    /// Load Tailwind CSS.
    pub tailwind: bool,
    /// A script run before the `LiveSocket` is created (HTML, trusted).
    pub pre_script: Option<&'static str>,
}

/// The suite's live layout around `inner`, with a view's extras.
pub fn suite_page(extras: Extras, inner: Rendered) -> Rendered {
    let mut head = String::from(SOCKET);
    if extras.tailwind {
        head.push_str(TAILWIND);
    }
    if let Some(script) = extras.pre_script {
        head.push_str(script);
    }
    head.push_str(BOOT);
    let head = Html::raw(head);
    html!("{head}{inner}")
}

/// The suite's live layout with Tailwind, as a view's own layout
/// (`ViewLayout::Own(layout::with_tailwind)`) for views that set the
/// suite's `@tailwind` assign.
pub fn with_tailwind<V>(_: &V, _: &LayoutContext<'_>, inner: Rendered) -> Rendered {
    suite_page(
        Extras {
            tailwind: true,
            ..Extras::default()
        },
        inner,
    )
}

/// The live layout of the `default` live session.
pub fn suite_live_layout() -> LiveLayout {
    LiveLayout::new(|_: &LayoutContext<'_>, inner: Rendered| suite_page(Extras::default(), inner))
}
