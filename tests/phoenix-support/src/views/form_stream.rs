//! `/form/stream`: a form holding a stream whose items carry hooks, for the
//! client's locked forms: each change and submit inserts an item, a
//! counter in the inputs ticks every 100 ms, and the suite makes the events
//! wait (see `sync_gate`) to look at the form while it is locked.

use liveview_core::prelude::*;
use liveview_core::stream::Stream;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// The page: the counter, the stream of numbered items and the next item's
/// number.
pub struct FormStreamLive {
    count: u64,
    stream_count: u64,
    items: Stream<u64>,
    /// The page's CSRF token: what the view gives the suite as its process
    /// id (see `sync_gate`).
    page_token: Option<String>,
}

/// The form's and hooks' events.
#[derive(Debug, Deserialize)]
pub enum FormStreamEvent {
    /// The hooks' `pushEvent("ping")`, answered with an empty reply.
    #[serde(rename = "ping")]
    Ping,
    /// `phx-change`: inserts an item.
    #[serde(rename = "validate")]
    Validate,
    /// `phx-submit`: inserts an item.
    #[serde(rename = "save")]
    Save,
    /// Code the suite sends (`evalLV`): asking for the view's process id,
    /// and attaching the hook that makes its events wait (held by the
    /// app's frame gate, see `sync_gate`).
    #[serde(rename = "sandbox:eval")]
    Eval {
        /// The Elixir code.
        value: String,
    },
}

/// The timer.
#[derive(Clone, Debug, PartialEq, serde::Serialize, Deserialize)]
pub enum FormStreamInfo {
    /// Every 100 ms: the counter goes up.
    Tick,
}

impl FormStreamLive {
    /// One more on the counter and one more item.
    fn insert(&mut self) {
        self.count += 1;
        self.stream_count += 1;
        self.items.insert(self.stream_count);
    }
}

impl LiveView for FormStreamLive {
    type Event = FormStreamEvent;
    type Info = FormStreamInfo;

    fn mount(m: &Mount) -> Update<Self> {
        let mut items = Stream::new("items", |n: &u64| *n);
        items.extend([1, 2, 3]);
        let page_token = crate::sync_gate::page_token(m);
        let view = FormStreamLive {
            count: 0,
            stream_count: 3,
            items,
            page_token,
        };
        let tick = m
            .connected
            .then(|| Command::repeat("tick", Duration::from_millis(100), FormStreamInfo::Tick));
        (view, tick.into_iter().collect())
    }

    fn handle_event(mut self, event: FormStreamEvent) -> Update<Self> {
        match event {
            FormStreamEvent::Ping => return (self, vec![Command::Reply(json!({}))]),
            FormStreamEvent::Validate | FormStreamEvent::Save => self.insert(),
            FormStreamEvent::Eval { value } => {
                let reply = crate::sync_gate::eval_reply(&value, self.page_token.as_deref());
                return (self, vec![Command::Reply(reply)]);
            }
        }
        (self, vec![])
    }

    fn handle_info(mut self, FormStreamInfo::Tick: FormStreamInfo) -> Update<Self> {
        self.count += 1;
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"{self.count}
<form id="test-form" phx-change="validate" phx-submit="save">
  <input name="myname" value={self.count} />
  <input id="other" name="other" value={self.count} />
  <div id="form-stream-hook" phx-hook="FormHook" phx-update="ignore"></div>
  <ul id="form-stream" phx-update="stream">
    {#for (id, n) in &self.items}<li id={id} phx-hook="FormStreamHook">
      *%{{id: {n}}}
    </li>{/for}
  </ul>
  <button id="submit" phx-disable-with="Saving...">Submit</button>
</form>"#
        )
    }
}
