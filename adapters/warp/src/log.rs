//! Minimal logging to stderr, silenced by `QUIET=1`.

use std::fmt::Arguments;
use std::sync::OnceLock;

/// Whether logging is silenced (`QUIET=1` in the environment, read once).
pub fn quiet() -> bool {
    static QUIET: OnceLock<bool> = OnceLock::new();
    *QUIET.get_or_init(|| std::env::var("QUIET").is_ok_and(|v| v == "1"))
}

/// Logs an informational line.
pub fn info(args: Arguments<'_>) {
    if !quiet() {
        eprintln!("liveview: {args}");
    }
}

/// Logs a warning line.
pub fn warn(args: Arguments<'_>) {
    if !quiet() {
        eprintln!("liveview: warning: {args}");
    }
}
