//! Diff round trip over trees built from fuzz input: merging `diff(a, b)`
//! into `full(a)` with the client's merge model gives `full(b)`, and its HTML
//! is `b`'s.
//! The check itself is in `fuzz/checks/diff_roundtrip.rs`.
#![no_main]

mod check {
    include!("../checks/diff_roundtrip.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
