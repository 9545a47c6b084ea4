//! Browser end-to-end tests: the release build of `liveview-examples`, driven by
//! headless Chromium with the official `phoenix_live_view` client
//! (`tests/e2e/browser.test.mjs`, Node's test runner + playwright-core).
//!
//! Needs Node.js 20+ with npm, and Chromium (`/usr/bin/chromium`, or `CHROMIUM`).
//! A missing tool fails the test with an install hint; it is never skipped.
//! `bash scripts/test` installs everything.

use liveview_tests::{run_node_tests, workspace, Server};
use std::path::{Path, PathBuf};

#[test]
fn browser_end_to_end() {
    let traces = workspace().join("target/e2e-traces");
    let _ = std::fs::remove_dir_all(&traces);
    std::fs::create_dir_all(&traces).expect("create target/e2e-traces");
    // Every joined view is recorded into `traces`, to be replayed below.
    let server = Server::launch()
        .env("LIVEVIEW_TRACE_DIR", traces.to_string_lossy())
        .start();
    let shots = workspace().join("target/e2e-screenshots");
    run_node_tests(
        "browser.test.mjs",
        &[
            ("LIVEVIEW_URL", format!("http://{}", server.addr())),
            ("SCREENSHOT_DIR", shots.to_string_lossy().into_owned()),
        ],
    );
    // The server must have survived the whole run.
    assert_eq!(
        server.get("/counter", &[]).map(|r| r.status),
        Some(200),
        "the server still answers"
    );
    drop(server);
    replay_browser_session(&traces);
}

/// Every view the browser joined was recorded by the server; each trace must
/// replay against the same views with no divergence.
fn replay_browser_session(dir: &Path) {
    let router = liveview_examples::router();
    let mut routes = std::collections::BTreeMap::<String, usize>::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read the trace directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".trace.jsonl"))
        .collect();
    files.sort();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read a trace");
        match liveview_test::replay(&router, &text) {
            Ok(report) => *routes.entry(report.route).or_default() += report.inputs,
            Err(divergence) => panic!("{} diverged on replay:\n{divergence}", file.display()),
        }
    }
    println!(
        "replayed {} browser-recorded traces without divergence: {routes:?}",
        files.len()
    );
    for route in [
        "/counter",
        "/dashboard",
        "/search",
        "/form",
        "/chat",
        "/list",
        "/nav",
        "/report",
    ] {
        assert!(
            routes.get(route).is_some_and(|&inputs| inputs > 1),
            "no recorded browser session of {route} with inputs beyond the join: {routes:?}"
        );
    }
}
