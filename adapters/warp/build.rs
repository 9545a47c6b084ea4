//! Makes the official client bundles available to `include_bytes!`.
//!
//! The npm packages are pinned in `assets/package.json` + `assets/package-lock.json`.
//! They are taken from the first of:
//!
//! 1. `LIVEVIEW_CLIENT_DIR`: a `node_modules` folder that holds them (offline
//!    builds; it is only read);
//! 2. `assets/node_modules`, if an `npm ci` was run there by hand (only read);
//! 3. `OUT_DIR/client/node_modules`: this script copies `package.json`,
//!    `package-lock.json` and `.npmrc` to `OUT_DIR/client` and runs `npm ci`
//!    there (it needs Node.js and npm on PATH). A stamp with the hash of those
//!    files skips it on later builds until the lockfile changes.
//!
//! On docs.rs (`DOCS_RS` set, no network) the bundles are left empty.
//!
//! The source tree is never written to, so a read-only checkout or a published
//! crate builds. The bundles are then copied into `OUT_DIR`, from where
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

/// What `npm ci` needs, copied from `assets/` (the `.npmrc`, optional, keeps
/// npm's settings the same as in the source tree: lockfiles without registry
/// addresses).
const NPM_FILES: &[&str] = &["package.json", "package-lock.json", ".npmrc"];

const CLIENT_DIR_VAR: &str = "LIVEVIEW_CLIENT_DIR";
const STAMP: &str = "liveview-lockfile.stamp";

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let assets = manifest.join("assets");
    println!("cargo:rerun-if-changed=build.rs");
    for f in NPM_FILES {
        println!("cargo:rerun-if-changed=assets/{f}");
    }
    println!("cargo:rerun-if-env-changed={CLIENT_DIR_VAR}");
    println!("cargo:rerun-if-env-changed=DOCS_RS");

    let client_dir = env::var_os(CLIENT_DIR_VAR).filter(|v| !v.is_empty());
    let (modules, origin) = if let Some(dir) = client_dir {
        let dir = PathBuf::from(dir);
        if let Some(missing) = first_missing(&dir) {
            panic!(
                "liveview-warp: {CLIENT_DIR_VAR}={} lacks {missing}: it must be a node_modules \
                 folder holding npm phoenix 1.8.16 and phoenix_live_view 1.2.12 \
                 (e.g. after `npm ci` in a copy of adapters/warp/assets)",
                dir.display()
            );
        }
        (dir.clone(), format!("{CLIENT_DIR_VAR}={}", dir.display()))
    } else if first_missing(&assets.join("node_modules")).is_none() {
        let dir = assets.join("node_modules");
        let origin = dir.display().to_string();
        (dir, origin)
    } else if env::var_os("DOCS_RS").is_some() {
        // docs.rs builds offline and only needs the API: empty bundles.
        for (_, dst) in FILES {
            let to = out.join(dst);
            fs::write(&to, b"")
                .unwrap_or_else(|e| panic!("liveview-warp: cannot write {}: {e}", to.display()));
        }
        return;
    } else {
        let dir = out.join("client");
        npm_ci_once(&assets, &dir);
        (dir.join("node_modules"), "the build's own `npm ci`".into())
    };

    // The build's own copy is in OUT_DIR, which nobody else changes.
    let external = !modules.starts_with(&out);
    for (src, dst) in FILES {
        let from = modules.join(src);
        if external {
            println!("cargo:rerun-if-changed={}", from.display());
        }
        if let Err(e) = fs::copy(&from, out.join(dst)) {
            panic!("liveview-warp: cannot copy {}: {e}", from.display());
        }
    }
    check_version(&modules, "phoenix", "1.8.16", &origin);
    check_version(&modules, "phoenix_live_view", "1.2.12", &origin);
}

/// The first of [`FILES`] missing under the node_modules folder `dir`.
fn first_missing(dir: &Path) -> Option<&'static str> {
    FILES
        .iter()
        .map(|(src, _)| *src)
        .find(|src| !dir.join(src).is_file())
}

/// Runs `npm ci` in `dir` (a copy of the npm files of `assets`) unless its
/// stamp says it already ran for these exact files.
fn npm_ci_once(assets: &Path, dir: &Path) {
    let mut inputs = Vec::new();
    for f in NPM_FILES {
        let path = assets.join(f);
        match fs::read(&path) {
            Ok(bytes) => inputs.push((*f, bytes)),
            // Not packaged: npm's defaults apply (`npm ci` writes no lockfile).
            Err(e) if *f == ".npmrc" && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("liveview-warp: cannot read {}: {e}", path.display()),
        }
    }
    let stamp = format!("{:016x}\n", fnv1a(inputs.iter().flat_map(|(_, b)| b)));
    let stamp_path = dir.join(STAMP);
    let modules = dir.join("node_modules");
    if fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp)
        && first_missing(&modules).is_none()
    {
        return;
    }
    let _ = fs::remove_file(&stamp_path);
    fs::create_dir_all(dir)
        .unwrap_or_else(|e| panic!("liveview-warp: cannot create {}: {e}", dir.display()));
    for (name, bytes) in &inputs {
        let to = dir.join(name);
        fs::write(&to, bytes)
            .unwrap_or_else(|e| panic!("liveview-warp: cannot write {}: {e}", to.display()));
    }
    npm_ci(dir);
    if let Some(missing) = first_missing(&modules) {
        panic!(
            "liveview-warp: `npm ci` in {} did not install {missing}",
            dir.display()
        );
    }
    fs::write(&stamp_path, stamp)
        .unwrap_or_else(|e| panic!("liveview-warp: cannot write {}: {e}", stamp_path.display()));
}

/// FNV-1a 64 over `bytes`.
fn fnv1a<'a>(bytes: impl Iterator<Item = &'a u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn npm_ci(dir: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let status = Command::new(npm)
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--prefer-offline",
        ])
        .current_dir(dir)
        .status();
    let offline = format!(
        "To build without npm, point {CLIENT_DIR_VAR} at a node_modules folder that holds \
         them (e.g. after `npm ci` in a copy of adapters/warp/assets on another machine)."
    );
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!(
            "liveview-warp: `npm ci` in {} failed ({s}); it installs the official Phoenix \
             LiveView client (npm phoenix_live_view 1.2.12, phoenix 1.8.16) that the server \
             embeds, and needs the npm registry (or npm's cache). {offline}",
            dir.display()
        ),
        Err(e) => panic!(
            "liveview-warp: cannot run `{npm}` ({e}). Building liveview-warp needs Node.js and \
             npm to fetch the official Phoenix LiveView client (npm phoenix_live_view 1.2.12, \
             phoenix 1.8.16) once, into {}; install them (e.g. `apt-get install nodejs npm`) \
             and build again. {offline}",
            dir.display()
        ),
    }
}

/// Panics unless `modules/package` is version `want`.
fn check_version(modules: &Path, package: &str, want: &str, origin: &str) {
    let package_json = modules.join(package).join("package.json");
    let text = fs::read_to_string(&package_json).unwrap_or_default();
    let needle = format!("\"version\": \"{want}\"");
    if !text.contains(&needle) {
        panic!(
            "liveview-warp: the npm {package} from {origin} is not version {want} (see {}); \
             install the versions pinned in adapters/warp/assets/package-lock.json",
            package_json.display()
        );
    }
}
