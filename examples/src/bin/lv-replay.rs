//! `lv-replay FILE...`: replays traces recorded by the example server
//! (`LIVEVIEW_TRACE_DIR=DIR`) against the conformance app's views and reports
//! the first output that differs. Exits 0 when every trace matches, 1 on a
//! divergence, 2 on a usage or read error.
//!
//! ```sh
//! LIVEVIEW_TRACE_DIR=/tmp/traces cargo run --release -p liveview-examples
//! # ... use the app in a browser ...
//! cargo run -p liveview-examples --bin lv-replay -- /tmp/traces/*.trace.jsonl
//! ```

fn main() -> std::process::ExitCode {
    liveview_test::replay_main(liveview_examples::router())
}
