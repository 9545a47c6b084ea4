//! Typed event decoding (click maps, key events, nested urlencoded forms, hook
//! payloads) never panics, whatever the client sends.
//! The check itself is in `fuzz/checks/event_decode.rs`.
#![no_main]

mod check {
    include!("../checks/event_decode.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
