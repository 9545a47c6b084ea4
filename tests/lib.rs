//! Shared helpers of the cross-crate tests.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The workspace root. Read from `CARGO_MANIFEST_DIR` at run time (cargo sets
/// it for every test binary) so a binary built in one checkout never points at
/// another; the compile-time value is the fallback.
pub fn workspace() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `cargo build --release -p liveview-examples --bin liveview-examples`,
/// returning the binary's path. Every test that needs a server uses this one
/// release build (cargo makes later calls no-ops).
pub fn build_example_server() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "liveview-examples",
            "--bin",
            "liveview-examples",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(workspace())
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo build");
    assert!(
        out.status.success(),
        "cargo build --release -p liveview-examples failed"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| {
            m["reason"] == "compiler-artifact" && m["target"]["name"] == "liveview-examples"
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no liveview-examples executable")
}
