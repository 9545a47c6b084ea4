//! Makes the official client bundles available to `include_bytes!`.
//!
//! The npm packages are pinned in `assets/package.json` + `assets/package-lock.json`.
//! When `assets/node_modules` lacks them, this runs `npm ci` there (it needs Node.js
//! and npm on PATH). The bundles are then copied into `OUT_DIR`, from where
//! `src/assets.rs` embeds them.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (file under node_modules, name in OUT_DIR)
const FILES: &[(&str, &str)] = &[
    ("phoenix/priv/static/phoenix.mjs", "phoenix.mjs"),
    ("phoenix/priv/static/phoenix.mjs.map", "phoenix.mjs.map"),
    (
        "phoenix_live_view/priv/static/phoenix_live_view.esm.js",
        "phoenix_live_view.esm.js",
    ),
    (
        "phoenix_live_view/priv/static/phoenix_live_view.esm.js.map",
        "phoenix_live_view.esm.js.map",
    ),
    ("phoenix/package.json", "phoenix.package.json"),
    (
        "phoenix_live_view/package.json",
        "phoenix_live_view.package.json",
    ),
];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let assets = manifest.join("assets");
    let modules = assets.join("node_modules");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=assets/package.json");
    println!("cargo:rerun-if-changed=assets/package-lock.json");
    println!("cargo:rerun-if-changed=assets/app.js");

    let missing = FILES.iter().any(|(src, _)| !modules.join(src).is_file());
    if missing {
        npm_ci(&assets);
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    for (src, dst) in FILES {
        let from = modules.join(src);
        println!("cargo:rerun-if-changed={}", from.display());
        if let Err(e) = fs::copy(&from, out.join(dst)) {
            panic!(
                "liveview-warp: cannot copy {} after `npm ci` in {}: {e}",
                from.display(),
                assets.display()
            );
        }
    }
    check_version(&out.join("phoenix.package.json"), "1.8.16");
    check_version(&out.join("phoenix_live_view.package.json"), "1.2.12");
}

fn npm_ci(dir: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let status = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(dir)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!(
            "liveview-warp: `npm ci` in {} failed ({s}); it installs the official Phoenix LiveView \
             client (phoenix_live_view 1.2.12, phoenix 1.8.16) that the server embeds",
            dir.display()
        ),
        Err(e) => panic!(
            "liveview-warp: cannot run `npm` ({e}). Building liveview-warp needs Node.js and npm \
             to fetch the official Phoenix LiveView client once (into {}/node_modules). \
             Install them, e.g. `apt-get install nodejs npm`, and build again.",
            dir.display()
        ),
    }
}

fn check_version(package_json: &Path, want: &str) {
    let text = fs::read_to_string(package_json).unwrap_or_default();
    let needle = format!("\"version\": \"{want}\"");
    if !text.contains(&needle) {
        panic!(
            "liveview-warp: {} is not version {want}; delete adapters/warp/assets/node_modules and build again",
            package_json.display()
        );
    }
}
