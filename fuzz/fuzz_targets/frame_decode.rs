//! The V2 frame codec and the client-event payload decoder never panic, and
//! accept nothing over the size limit.
//! The check itself is in `fuzz/checks/frame_decode.rs`.
#![no_main]

mod check {
    include!("../checks/frame_decode.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
