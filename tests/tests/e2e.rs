//! Browser end-to-end tests: the release build of `liveview-examples`, driven by
//! headless Chromium with the official `phoenix_live_view` client
//! (`tests/e2e/browser.test.mjs`, Node's test runner + playwright-core).
//!
//! Needs Node.js 20+ with npm, and Chromium (`/usr/bin/chromium`, or `CHROMIUM`).
//! A missing tool fails the test with an install hint; it is never skipped.
//! `bash scripts/test` installs everything.

mod server {
    //! Builds the example server once (release) and runs it on a free loopback port.

    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    pub use liveview_tests::{build_example_server as build, workspace};

    /// A running server, killed on drop.
    pub struct Server {
        child: Child,
        /// `http://127.0.0.1:PORT`
        pub url: String,
        /// `127.0.0.1:PORT`
        pub addr: String,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// Starts the binary on a free port, recording every joined view into
    /// `trace_dir`, and waits until `/counter` answers 200.
    pub fn start(bin: &PathBuf, trace_dir: &std::path::Path) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(bin)
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .env("QUIET", "1")
            .env("LIVEVIEW_TRACE_DIR", trace_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut server = Server {
            child,
            url: format!("http://{addr}"),
            addr,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.try_wait().expect("poll the server") {
                panic!("the example server exited early: {status}");
            }
            if http_status(&server.addr, "/counter") == Some(200) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "the example server did not answer GET /counter within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The status code of a plain `GET path`, or `None` if the server is not answering.
    pub fn http_status(addr: &str, path: &str) -> Option<u16> {
        let mut s = TcpStream::connect(addr).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut head = [0u8; 12];
        s.read_exact(&mut head).ok()?;
        std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
    }
}

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

    let e2e = server::workspace().join("tests/e2e");
    npm_install(&e2e);
    let bin = server::build();
    let traces = server::workspace().join("target/e2e-traces");
    let _ = std::fs::remove_dir_all(&traces);
    std::fs::create_dir_all(&traces).expect("create target/e2e-traces");
    let server = server::start(&bin, &traces);

    let shots = server::workspace().join("target/e2e-screenshots");
    let out = Command::new("node")
        .args([
            "--test",
            "--test-concurrency=1",
            "--test-reporter=spec",
            "browser.test.mjs",
        ])
        .current_dir(&e2e)
        .env("LIVEVIEW_URL", &server.url)
        .env("CHROMIUM", &browser)
        .env("SCREENSHOT_DIR", &shots)
        .output()
        .expect("run node --test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    let log = server::workspace().join("target/e2e-output.log");
    let _ = std::fs::create_dir_all(log.parent().expect("target/"));
    let _ = std::fs::write(&log, format!("{stdout}\n{stderr}"));
    // The server must have survived the whole run.
    assert_eq!(
        server::http_status(&server.addr, "/counter"),
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
