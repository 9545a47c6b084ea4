//! # liveview-test
//!
//! The deterministic test harness of liveview: views are tested without IO,
//! on a virtual clock, through the very socket machine the server runs, and
//! recorded sessions can be replayed against new code.
//!
//! Each simulated page is what a browser tab is: the page is loaded over
//! "HTTP" ([`App::render_request`](liveview_core::protocol::App::render_request),
//! with a cookie jar), then one
//! [`SocketMachine`](liveview_core::protocol::SocketMachine) is opened for it
//! and fed exactly the frames the official phoenix_live_view 1.2 client
//! sends (`phx_join`, `event`, `live_patch`, `phx_leave`, heartbeats). Its
//! replies and pushes are applied by a model of the client; its pub/sub
//! requests go to a [`PubSub`](liveview_core::pubsub::PubSub) backend shared
//! by the app's pages. Every protocol rule (same view on a patch, live
//! sessions, the end of a view, dropping undecodable pub/sub messages) is the
//! machine's: the thing tested is the thing shipped.
//!
//! * [`TestApp`] (alias [`Harness`]) holds the app (router and configuration),
//!   a virtual clock starting at [`Time::ZERO`](liveview_core::Time::ZERO),
//!   the pub/sub backend and the cookie jar.
//! * [`LiveViewTest`] is a handle on one page. It finds elements in the
//!   view's HTML by CSS selector and sends the events the official client
//!   would send for them ([`click`](LiveViewTest::click),
//!   [`submit`](LiveViewTest::submit), [`change`](LiveViewTest::change),
//!   [`keyup`](LiveViewTest::keyup), [`follow_patch`](LiveViewTest::follow_patch), ...),
//!   moves time ([`advance`](LiveViewTest::advance)), and shows what the view
//!   rendered and produced ([`text`](LiveViewTest::text),
//!   [`pushed_events`](LiveViewTest::pushed_events),
//!   [`navigations`](LiveViewTest::navigations), ...). After every step it
//!   checks that the page the client built from the join reply and every
//!   diff is the server's render.
//! * Child views ([`live_render`](liveview_core::nested::live_render)) are
//!   joined on the page's socket as the client joins them, and shown inside
//!   their containers; [`LiveViewTest::live_child`] drives one,
//!   [`LiveViewTest::navigate`] navigates live (sticky children stay).
//! * Uploads go through the real protocol:
//!   [`LiveViewTest::file_input`] selects [`File`]s in a view's (or a
//!   component's) live file input, sending the form's `phx-change` with
//!   them; [`LiveViewTest::render_upload`] sends a file as far as the test
//!   says (preflight, upload channel, binary chunks, a `progress` per
//!   chunk); a refused step is [`TestError::UploadRefused`]. The chunks go
//!   to an in-memory writer ([`LiveViewTest::uploaded_files`]) or to the
//!   app's writers ([`TestApp::with_upload_writers`]), and their results
//!   go back to the socket at once, in order.
//! * [`replay`] replays a trace recorded by
//!   [`Recorder`] and reports the first
//!   [`Divergence`]; [`replay_main`] is the body of a `lv-replay` binary.
//!
//! | module | what it holds |
//! | --- | --- |
//! | `app` | [`TestApp`]: app, clock, pub/sub backend, cookie jar |
//! | `page` | [`LiveViewTest`]: the actions and inspections of one page |
//! | `browser` | the simulated page: dead render, socket machine, applying its outputs; its child views (`browser/children.rs`); what a test looks at (`browser/inspect.rs`); the client's side of uploads (`browser/uploads.rs`) |
//! | `client` | the client's frames and its model of the page (merged diffs) |
//! | `world` | what pages share, and the run loop: pub/sub delivery, timers, heartbeats |
//! | `pubsub` | the mailbox each page registers with the backend |
//! | `http` | the cookie jar and reading a dead-rendered page |
//! | `recording` | the trace factory that records every join |
//! | `dom` | CSS selectors, bindings and forms in the HTML |
//! | `replay` | replaying traces |
//! | `tasks` | the views' async work, completed by the test |
//! | `uploads` | [`File`], [`FileUpload`] and the upload actions of a page |
//! | `writers` | where a page's uploads are written: the memory writer, the app's writers |
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
mod browser;
mod client;
mod dom;
mod error;
mod http;
mod page;
mod pubsub;
mod recording;
mod replay;
mod tasks;
mod uploads;
mod world;
mod writers;

pub use app::{Harness, TestApp, TEST_SECRET};
pub use error::TestError;
pub use page::LiveViewTest;
pub use replay::{
    join_typed, replay, replay_cli, replay_main, replay_with, Divergence, JoinResult, ReplayReport,
};
pub use uploads::{File, FileUpload};
pub use writers::{UploadedFile, WRITER_WAIT};

pub use liveview_core::trace::{MemorySink, Recorder, TraceOutput, TraceSink};
