//! The conformance app (`shared/conformance/APP.md`) on liveview: every route,
//! one view module each, served by [`liveview_warp`].
//!
//! Run it with `cargo run --release -p liveview-examples` and open
//! <http://127.0.0.1:3000/>. `PORT` and `HOST` override the address,
//! `LIVEVIEW_SECRET` (32+ bytes) the signing secret (random per start
//! otherwise), `RUST_LOG` filters the log (the library's `tracing` events on
//! stderr; default `info`), `QUIET=1` silences it, and
//! `LIVEVIEW_TRACE_DIR=DIR` records every joined view to `DIR/*.trace.jsonl`
//! (replay them with `liveview-test`), and `LIVEVIEW_REDIS_URL` (with
//! `LIVEVIEW_REDIS_NAMESPACE`, default `liveview`) carries pub/sub over Redis
//! between several server nodes ([`liveview_redis`]).
#![warn(missing_docs)]

pub mod views;

/// The README, whose Rust code blocks are compiled as doc tests of this crate.
/// (Its "Testing your views" example shows a `#[test]` function as users write
/// it; the doc test compiles it, `cargo test` in a user's crate runs it.)
#[allow(clippy::test_attr_in_doctest)]
#[doc = include_str!("../../README.md")]
pub mod readme {}

use liveview_core::protocol::{App, Config, DefaultLayout, Router};
use std::sync::Arc;

/// Extra `<head>` HTML of the example pages.
const HEAD: &str = r#"<link rel="icon" href="data:,">
<style>
body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
button { font-size: 1rem; padding: .25rem .75rem; }
#count, #ticks, #page { font-size: 2rem; font-weight: bold; }
.error { color: #b00; margin-left: .5rem; }
table { border-collapse: collapse; }
td { padding: 0 .5rem; }
.phx-loading { opacity: .6; }
</style>"#;

/// Every route of the conformance app, plus the landing page `/`, `/report` and `/upload`.
pub fn router() -> Router {
    Router::new()
        .live::<views::home::Home>("/")
        .live::<views::counter::Counter>("/counter")
        .live::<views::dashboard::Dashboard>("/dashboard")
        .live::<views::search::Search>("/search")
        .live::<views::form::Form>("/form")
        .live::<views::chat::Chat>("/chat")
        .live::<views::list::List>("/list")
        .live::<views::feed::Feed>("/feed")
        .live::<views::rows::Rows>("/rows")
        .live::<views::nav::Nav>("/nav")
        .live::<views::nested::Nested>("/nested")
        .live::<views::report::Report>("/report")
        .live::<views::upload::Upload>("/upload")
}

/// The runners of the views' async work (`/search` and `/report`).
pub fn tasks() -> liveview_core::tasks::Tasks {
    let tasks = liveview_core::tasks::Tasks::new();
    views::report::tasks(views::search::tasks(tasks))
}

/// The configuration of the example app: tokens signed by `secret` (at
/// least 32 bytes), the default layout with a little CSS.
///
/// # Panics
/// When the secret is shorter than 32 bytes.
pub fn config(secret: Vec<u8>) -> Config {
    let mut config = Config::new(secret).expect("the example app's secret");
    // An empty icon (browsers ask for /favicon.ico otherwise, and the 404 shows
    // as a console error) and a little CSS.
    let head = format!("{}\n{}", DefaultLayout::CLIENT_SCRIPT, HEAD);
    config.layout = Arc::new(DefaultLayout::new("liveview examples").head(head));
    config
}

/// The app, with tokens signed by `secret` (at least 32 bytes).
///
/// ```
/// let app = liveview_examples::app(vec![7; 32]);
/// assert!(app.router.route("/counter").is_some());
/// assert!(app.router.route("/nope").is_none());
/// ```
pub fn app(secret: Vec<u8>) -> Arc<App> {
    Arc::new(App::new(router(), config(secret)))
}
