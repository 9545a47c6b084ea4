//! `/`: links to every route.

use liveview_core::{html, LiveView, Mount, Rendered, Update};
use serde::Deserialize;

/// The landing page has no state.
#[derive(Clone, Debug, Default)]
pub struct Home;

/// No events.
#[derive(Debug, Deserialize)]
pub enum Event {}

impl LiveView for Home {
    type Event = Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Home, vec![])
    }

    fn handle_event(self, event: Event) -> Update<Self> {
        match event {}
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>liveview examples</h1>
<ul id="routes">
  <li><a href="/counter">/counter</a>: a counter</li>
  <li><a href="/dashboard?ms=1000">/dashboard</a>: a timer</li>
  <li><a href="/search">/search</a>: a search with a deferred result</li>
  <li><a href="/form">/form</a>: validation</li>
  <li><a href="/chat">/chat</a>: pub/sub between tabs</li>
  <li><a href="/list?n=100">/list</a>: a keyed list</li>
  <li><a href="/feed?n=100">/feed</a>: the same rows as a stream, which the server does not keep</li>
  <li><a href="/nav?page=1">/nav</a>: live patches</li>
  <li><a href="/report">/report</a>: async work (start_async)</li>
  <li><a href="/nested?children=3">/nested</a>: child LiveViews, each on its own channel</li>
  <li><a href="/upload">/upload</a>: file uploads with progress</li>
</ul>"#
        )
    }
}
