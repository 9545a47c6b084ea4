//! Replays the kept fuzz inputs (`fuzz/regressions/<target>/*`: crashes the
//! fuzzers found, and interesting seeds) through the same checks the cargo-fuzz
//! targets run (`fuzz/checks/<target>.rs`, included here). Runs with a plain
//! `cargo test`; the fuzzers themselves run only with `bash scripts/fuzz`.

use std::fs;
use std::path::PathBuf;

mod frame_decode {
    include!("../../fuzz/checks/frame_decode.rs");
}
mod event_decode {
    include!("../../fuzz/checks/event_decode.rs");
}
mod form_decode {
    include!("../../fuzz/checks/form_decode.rs");
}
mod token_verify {
    include!("../../fuzz/checks/token_verify.rs");
}
mod diff_roundtrip {
    include!("../../fuzz/checks/diff_roundtrip.rs");
}

/// Runs `check` on every file of `fuzz/regressions/<target>/`; there must be some.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    for file in files {
        let data = fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails its check", file.display());
    }
}

#[test]
fn frame_decode_regressions() {
    replay("frame_decode", frame_decode::check);
}

#[test]
fn event_decode_regressions() {
    replay("event_decode", event_decode::check);
}

#[test]
fn form_decode_regressions() {
    replay("form_decode", form_decode::check);
}

#[test]
fn token_verify_regressions() {
    replay("token_verify", token_verify::check);
}

#[test]
fn diff_roundtrip_regressions() {
    replay("diff_roundtrip", diff_roundtrip::check);
}
