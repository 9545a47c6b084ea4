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

/// Makes a spawned server die with the test process (Linux: `PR_SET_DEATHSIG`),
/// so an aborted test never leaves a server running.
#[cfg(target_os = "linux")]
pub fn kill_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Makes a spawned server die with the test process (a no-op off Linux).
#[cfg(not(target_os = "linux"))]
pub fn kill_with_parent(_: &mut Command) {}

/// The value of attribute `name` on the tag that contains `marker` in `html`.
pub fn attr(html: &str, marker: &str, name: &str) -> Option<String> {
    let at = html.find(marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(tag[i..i + tag[i..].find('"')?].to_string())
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
