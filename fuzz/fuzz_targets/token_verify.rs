//! Token verification never panics, never accepts a token signed with
//! another secret, and always accepts what it signed (within max age).
//! The check itself is in `fuzz/checks/token_verify.rs`.
#![no_main]

mod check {
    include!("../checks/token_verify.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
