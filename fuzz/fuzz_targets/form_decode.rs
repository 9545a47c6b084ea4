//! Urlencoded form decoding with nested names never panics and stays within
//! its bounds; a form event's value carries `_target` as a path.
//! The check itself is in `fuzz/checks/form_decode.rs`.
#![no_main]

mod check {
    include!("../checks/form_decode.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
