//! Signed, expiring tokens.
//!
//! A token is `base64url(issued_at ‖ payload) "." base64url(HMAC-SHA256(secret, issued_at ‖ payload))`
//! where `issued_at` is the signing time in whole seconds (8 bytes, big
//! endian). The payload is readable by anyone holding the token — tokens
//! authenticate, they do not encrypt. The MAC is compared in constant time.
//!
//! The socket layer signs three kinds of token with these functions: the
//! session token (`data-phx-session`), the CSRF token (`<meta name="csrf-token">`)
//! and flash tokens. Each payload names its kind, so one can never stand in for
//! another.
//!
//! ```
//! use liveview_core::protocol::token::{sign, verify, TokenError};
//! use liveview_core::Time;
//! use std::time::Duration;
//! let secret = [7u8; 32];
//! let t = sign(&secret, Time::from_millis(1_000), r#"{"k":"x"}"#);
//! let day = Duration::from_secs(86_400);
//! assert_eq!(verify(&secret, Time::from_millis(2_000), &t, day).unwrap(), r#"{"k":"x"}"#);
//! assert_eq!(verify(&secret, Time::from_millis(1_000) + day * 2, &t, day), Err(TokenError::Expired));
//! assert_eq!(verify(&[8u8; 32], Time::from_millis(2_000), &t, day), Err(TokenError::Invalid));
//! ```

use crate::time::Time;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::time::Duration;

type HmacSha256 = Hmac<Sha256>;

/// Why a token was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Malformed, tampered with, or signed with another secret.
    Invalid,
    /// Authentic, but older than the allowed age.
    Expired,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenError::Invalid => "invalid token",
            TokenError::Expired => "expired token",
        })
    }
}
impl std::error::Error for TokenError {}

fn mac(secret: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length.
    <HmacSha256 as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

/// Signs `payload` (any string, typically JSON) at time `now`.
pub fn sign(secret: &[u8], now: Time, payload: &str) -> String {
    let mut message = Vec::with_capacity(8 + payload.len());
    message.extend_from_slice(&now.as_secs().to_be_bytes());
    message.extend_from_slice(payload.as_bytes());
    let mut m = mac(secret);
    m.update(&message);
    let tag = m.finalize().into_bytes();
    let mut out = URL_SAFE_NO_PAD.encode(&message);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(tag, &mut out);
    out
}

/// Verifies a token made by [`sign`] with the same secret and returns its
/// payload. A token issued more than `max_age` before `now` is
/// [`TokenError::Expired`] (checked only once the signature is authentic).
pub fn verify(
    secret: &[u8],
    now: Time,
    token: &str,
    max_age: Duration,
) -> Result<String, TokenError> {
    let (body, tag) = token.split_once('.').ok_or(TokenError::Invalid)?;
    let message = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| TokenError::Invalid)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| TokenError::Invalid)?;
    if message.len() < 8 {
        return Err(TokenError::Invalid);
    }
    let mut m = mac(secret);
    m.update(&message);
    // `verify_slice` compares in constant time.
    m.verify_slice(&tag).map_err(|_| TokenError::Invalid)?;
    let mut ts = [0u8; 8];
    ts.copy_from_slice(&message[..8]);
    let issued = u64::from_be_bytes(ts);
    if now.as_secs().saturating_sub(issued) > max_age.as_secs() {
        return Err(TokenError::Expired);
    }
    String::from_utf8(message[8..].to_vec()).map_err(|_| TokenError::Invalid)
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn round_trip() {
        let now = Time::from_millis(1_700_000_000_000);
        let t = sign(SECRET, now, r#"{"id":"phx-1","d":"é"}"#);
        assert!(!t.contains(['+', '/', '=', '"']), "url-safe: {t}");
        assert_eq!(
            verify(SECRET, now, &t, HOUR).unwrap(),
            r#"{"id":"phx-1","d":"é"}"#
        );
        assert_eq!(
            verify(SECRET, now + HOUR, &t, HOUR).unwrap(),
            r#"{"id":"phx-1","d":"é"}"#
        );
        // A token issued "in the future" (clock skew) is accepted.
        assert!(verify(SECRET, Time::ZERO, &t, HOUR).is_ok());
    }

    #[test]
    fn expiry() {
        let now = Time::from_millis(10_000_000);
        let t = sign(SECRET, now, "x");
        assert_eq!(
            verify(SECRET, now + HOUR + Duration::from_secs(1), &t, HOUR),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn wrong_secret_is_invalid() {
        let t = sign(SECRET, Time::ZERO, "x");
        assert_eq!(
            verify(b"another secret", Time::ZERO, &t, HOUR),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn tampering_any_byte_is_invalid() {
        let t = sign(SECRET, Time::from_millis(5_000), r#"{"id":"phx-abc"}"#);
        let bytes = t.as_bytes();
        for i in 0..bytes.len() {
            for replacement in [b'A', b'-', b'.', b'z'] {
                if bytes[i] == replacement {
                    continue;
                }
                let mut b = bytes.to_vec();
                b[i] = replacement;
                let s = String::from_utf8(b).unwrap();
                // The last character of a base64 group may carry unused bits; a change
                // there can decode to the same bytes, which is then the same token.
                let same = verify(SECRET, Time::from_millis(5_000), &s, HOUR);
                if let Ok(p) = same {
                    assert_eq!(
                        p, r#"{"id":"phx-abc"}"#,
                        "tampered token {s} verified to another payload"
                    );
                    continue;
                }
                assert_eq!(same, Err(TokenError::Invalid), "byte {i}");
            }
        }
        // Truncation, extension, garbage.
        for bad in [
            &t[..t.len() - 1],
            &format!("{t}A"),
            "",
            ".",
            "a.b",
            "AAAA.AAAA",
            &t.replace('.', ""),
        ] {
            assert_eq!(
                verify(SECRET, Time::ZERO, bad, HOUR),
                Err(TokenError::Invalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn non_canonical_base64_never_changes_the_payload() {
        // Whatever decodes and verifies must be the signed payload: the MAC covers the bytes.
        let t = sign(SECRET, Time::ZERO, "payload");
        let (body, tag) = t.split_once('.').unwrap();
        let swapped = format!("{tag}.{body}");
        assert_eq!(
            verify(SECRET, Time::ZERO, &swapped, HOUR),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn verify_never_panics(s in ".{0,80}") {
            let _ = verify(SECRET, Time::ZERO, &s, HOUR);
        }
        #[test]
        fn sign_verify(p in ".{0,64}", secs in 0u64..1_000_000_000) {
            let now = Time::from_micros(secs * 1_000_000);
            proptest::prop_assert_eq!(verify(SECRET, now, &sign(SECRET, now, &p), HOUR).unwrap(), p);
        }
    }
}
