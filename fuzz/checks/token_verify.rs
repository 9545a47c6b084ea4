// The `token_verify` check, shared by the fuzz target (fuzz/fuzz_targets/token_verify.rs)
// and the regression replay (core/tests/fuzz_regressions.rs); included with `include!`.
//
// Token verification never panics, never accepts a token signed with
// another secret, and always accepts what it signed (within max age).
use liveview_core::protocol::token::{sign, verify};
use liveview_core::Time;
use std::time::Duration;

const SECRET: &[u8] = b"fuzzing-secret-fuzzing-secret-0123456789";
const OTHER: &[u8] = b"another-secret-another-secret-0123456789";

/// Runs the check on one input; panics on a finding.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let now = Time::from_millis(1_700_000_000_000);
    let max_age = Duration::from_secs(3600);
    // Arbitrary input is refused or accepted without panicking.
    let _ = verify(SECRET, now, &text, max_age);
    // What we sign verifies, and only with our secret.
    let token = sign(SECRET, now, &text);
    assert_eq!(verify(SECRET, now, &token, max_age).as_deref(), Ok(&*text));
    assert!(verify(OTHER, now, &token, max_age).is_err());
    // Flipping any one byte of the token makes it invalid.
    if !data.is_empty() {
        let mut bytes = token.clone().into_bytes();
        let i = usize::from(data[0]) % bytes.len();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        if let Ok(tampered) = String::from_utf8(bytes) {
            if tampered != token {
                assert!(verify(SECRET, now, &tampered, max_age).is_err());
            }
        }
    }
}
