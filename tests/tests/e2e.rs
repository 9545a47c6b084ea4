//! Browser end-to-end tests: the release build of `liveview-examples`, driven by
//! headless Chromium with the official `phoenix_live_view` client
//! (`tests/e2e/browser.test.mjs`, Node's test runner + playwright-core).
//!
//! Needs Node.js 20+ with npm, and Chromium (`/usr/bin/chromium`, or `CHROMIUM`).
//! A missing tool fails the test with an install hint; it is never skipped.
//! `bash scripts/test` installs everything.

use liveview_tests::{workspace, Server};
use std::path::{Path, PathBuf};
use std::process::Command;

fn require(tool: &str, args: &[&str], hint: &str) -> String {
    match Command::new(tool).args(args).output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        Ok(o) => panic!("`{tool} {}` failed ({}). {hint}", args.join(" "), o.status),
        Err(e) => panic!("`{tool}` is missing ({e}). {hint}"),
    }
}

fn chromium() -> PathBuf {
    let path =
        PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    assert!(
        path.is_file(),
        "Chromium is missing at {}: the browser tests need it. Install Debian's package with \
         `apt-get update && apt-get install -y chromium` (or run `bash scripts/test`, which does), \
         or set CHROMIUM=/path/to/chromium",
        path.display()
    );
    path
}

/// `npm ci` in tests/e2e when playwright-core is not installed.
fn npm_install(dir: &Path) {
    if dir
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("cannot run npm ({e}); install Node.js 20+ and npm"));
    assert!(status.success(), "`npm ci` in {} failed", dir.display());
}

#[test]
fn browser_end_to_end() {
    let node_hint = "Install Node.js 20+ and npm, e.g. `apt-get install -y nodejs npm`, or run `bash scripts/test`.";
    let version = require("node", &["--version"], node_hint);
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    assert!(
        major >= 20,
        "Node.js {version} is too old for playwright-core: need 20 or later. {node_hint}"
    );
    require("npm", &["--version"], node_hint);
    let browser = chromium();

    let e2e = workspace().join("tests/e2e");
    npm_install(&e2e);
    let traces = workspace().join("target/e2e-traces");
    let _ = std::fs::remove_dir_all(&traces);
    std::fs::create_dir_all(&traces).expect("create target/e2e-traces");
    // Every joined view is recorded into `traces`, to be replayed below.
    let server = Server::launch()
        .env("LIVEVIEW_TRACE_DIR", traces.to_string_lossy())
        .start();
    let url = format!("http://{}", server.addr());

    let shots = workspace().join("target/e2e-screenshots");
    let out = Command::new("node")
        .args([
            "--test",
            "--test-concurrency=1",
            "--test-reporter=spec",
            "browser.test.mjs",
        ])
        .current_dir(&e2e)
        .env("LIVEVIEW_URL", &url)
        .env("CHROMIUM", &browser)
        .env("SCREENSHOT_DIR", &shots)
        .output()
        .expect("run node --test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    let log = workspace().join("target/e2e-output.log");
    let _ = std::fs::create_dir_all(log.parent().expect("target/"));
    let _ = std::fs::write(&log, format!("{stdout}\n{stderr}"));
    // The server must have survived the whole run.
    assert_eq!(
        server.get("/counter", &[]).map(|r| r.status),
        Some(200),
        "the server still answers"
    );
    drop(server);
    assert!(
        out.status.success(),
        "browser tests failed (see the output above)"
    );
    let passed = stdout.lines().any(|l| {
        l.trim_start_matches(['ℹ', ' ', '#']).starts_with("pass ") && !l.contains("pass 0")
    });
    assert!(passed, "node ran no passing test:\n{stdout}");
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
    ] {
        assert!(
            routes.get(route).is_some_and(|&inputs| inputs > 1),
            "no recorded browser session of {route} with inputs beyond the join: {routes:?}"
        );
    }
}
