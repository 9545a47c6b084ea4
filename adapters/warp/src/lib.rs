//! The warp adapter of liveview.
#![warn(missing_docs)]
