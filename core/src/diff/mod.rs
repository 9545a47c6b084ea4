//! The Phoenix LiveView 1.x rendered/diff JSON encoder. (Skeleton.)

use crate::template::Rendered;
use serde_json::Value;

/// Top-level extras of a diff: title, push events, hook reply.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras<'a> {
    /// New page title (`"t"`).
    pub title: Option<&'a str>,
    /// Push events (`"e"`).
    pub events: &'a [(String, Value)],
    /// Hook reply (`"r"` at the top level).
    pub reply: Option<&'a Value>,
}

/// The full rendered JSON of a tree (for a join).
pub fn full(_r: &Rendered, _extras: &Extras<'_>) -> String {
    todo!()
}

/// The diff JSON from `prev` to `next`, or `None` when nothing changed and there are no extras.
pub fn diff(_prev: &Rendered, _next: &Rendered, _extras: &Extras<'_>) -> Option<String> {
    todo!()
}
