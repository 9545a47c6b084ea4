//! The harness's view of the router: find a route for a path and join its view.

use liveview_core::protocol::Router;
use liveview_core::runtime::{AnyView, JoinInput, Joined, Navigation};
use liveview_core::Time;

/// The result of a join.
pub(crate) type JoinResult = Result<(Box<dyn AnyView>, Joined), Navigation>;

/// The route pattern serving `path`, if any.
pub(crate) fn pattern(_router: &Router, _path: &str) -> Option<String> {
    // Filled in once the router's surface lands on main.
    None
}

/// Finds the route for `input.url`, fills in its path params and joins its view.
/// `None` when no route matches.
pub(crate) fn join(
    _router: &Router,
    _now: Time,
    _input: JoinInput,
) -> Option<(String, JoinResult)> {
    None
}
