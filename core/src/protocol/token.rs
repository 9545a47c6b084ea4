//! Signed, expiring tokens.
