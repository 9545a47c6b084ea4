//! The deterministic test harness of liveview.
#![warn(missing_docs)]
