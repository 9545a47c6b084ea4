//! Running the Node test files of `tests/e2e` (headless Chromium driven by
//! playwright-core, with the official `phoenix_live_view` client).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `node --test` on `script` (a file in `tests/e2e`) with `env` set
/// (besides `CHROMIUM`), after checking for Node.js 20+, npm and Chromium
/// (a missing tool fails with an install hint; nothing is skipped) and
/// installing the npm packages when missing. Writes the output to
/// `target/{script}.log` and returns stdout; panics unless every test
/// passed and at least one ran.
pub fn run_node_tests(script: &str, env: &[(&str, String)]) -> String {
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
    let e2e = crate::workspace().join("tests/e2e");
    npm_install(&e2e);

    let mut cmd = Command::new("node");
    cmd.args([
        "--test",
        "--test-concurrency=1",
        "--test-reporter=spec",
        script,
    ])
    .current_dir(&e2e)
    .env("CHROMIUM", &browser);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run node --test");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    let log = crate::workspace().join(format!("target/{script}.log"));
    let _ = std::fs::create_dir_all(log.parent().expect("target/"));
    let _ = std::fs::write(&log, format!("{stdout}\n{stderr}"));
    assert!(
        out.status.success(),
        "the browser tests of {script} failed (see the output above)"
    );
    let passed = stdout.lines().any(|l| {
        l.trim_start_matches(['ℹ', ' ', '#']).starts_with("pass ") && !l.contains("pass 0")
    });
    assert!(passed, "node ran no passing test of {script}:\n{stdout}");
    stdout
}

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
