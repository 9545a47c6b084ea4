//! The suite's views, one module per route (or group of routes).

pub mod form_unsaved;
pub mod issues;
pub mod js;
pub mod navigation;
pub mod select;
