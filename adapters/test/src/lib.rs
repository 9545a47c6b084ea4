//! # liveview-test
//!
//! The deterministic test harness of liveview: views are tested without IO,
//! on a virtual clock, through the same sans-IO driver the server runs, and
//! recorded sessions can be replayed against new code.
//!
//! * [`TestApp`] (alias [`Harness`]) holds a virtual clock starting at
//!   [`Time::ZERO`](liveview_core::Time::ZERO), an in-memory pub/sub shared by
//!   every view mounted from it, and optionally a router.
//! * [`LiveViewTest`] is a handle on one mounted view. It finds elements in the
//!   view's HTML by CSS selector and sends the events the official client
//!   would send for them ([`click`](LiveViewTest::click),
//!   [`submit`](LiveViewTest::submit), [`change`](LiveViewTest::change),
//!   [`keyup`](LiveViewTest::keyup), [`follow_patch`](LiveViewTest::follow_patch), ...),
//!   moves time ([`advance`](LiveViewTest::advance)), and shows what the view
//!   rendered and produced ([`text`](LiveViewTest::text),
//!   [`pushed_events`](LiveViewTest::pushed_events),
//!   [`navigations`](LiveViewTest::navigations), ...).
//! * [`replay`] replays a trace recorded by
//!   [`Recorder`] and reports the first
//!   [`Divergence`]; [`replay_main`] is the body of a `lv-replay` binary.
//!
//! ```
//! use liveview_core::{html, LiveView, Mount, Rendered, Update};
//! use liveview_test::{TestApp, TestError};
//! use serde::Deserialize;
//!
//! #[derive(Default)]
//! struct Counter { count: i64 }
//!
//! #[derive(Debug, Deserialize)]
//! #[serde(rename_all = "snake_case")]
//! enum Event { Inc, Add { by: i64 } }
//!
//! impl LiveView for Counter {
//!     type Event = Event;
//!     type Info = ();
//!     fn mount(_: &Mount) -> Update<Self> { (Counter::default(), vec![]) }
//!     fn handle_event(self, e: Event) -> Update<Self> {
//!         match e {
//!             Event::Inc => (Counter { count: self.count + 1 }, vec![]),
//!             Event::Add { by } => (Counter { count: self.count + by }, vec![]),
//!         }
//!     }
//!     fn render(&self) -> Rendered {
//!         html!(r#"<span id="count">{self.count}</span>
//! <button id="inc" phx-click="inc">+</button>
//! <button id="add5" phx-click="add" phx-value-by="5">+5</button>"#)
//!     }
//! }
//!
//! fn main() -> Result<(), TestError> {
//!     let app = TestApp::new();
//!     let view = app.mount_view::<Counter>("/counter")?;
//!     view.click("#inc")?;
//!     view.click("#add5")?;
//!     assert_eq!(view.text("#count")?, "6");
//!     assert!(view.click("#nope").unwrap_err().to_string().contains("matched no element"));
//!     Ok(())
//! }
//! ```
//!
//! See the crate's README ("Testing your views") for a complete walkthrough.
#![warn(missing_docs)]

mod app;
mod dom;
mod error;
mod replay;
mod routing;
mod typed;

pub use app::{Harness, LiveViewTest, TestApp, SEND_INFO_TOPIC};
pub use error::TestError;
pub use replay::{replay, replay_cli, replay_main, replay_with, Divergence, ReplayReport};
pub use typed::{join_typed, TypedView};

pub use liveview_core::trace::{MemorySink, Recorder, TraceOutput, TraceSink};
