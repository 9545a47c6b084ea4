//! The harness's view of the router: find a route for a path and join its view.

use liveview_core::protocol::Router;
use liveview_core::runtime::{AnyView, JoinInput, Joined, Navigation};
use liveview_core::Time;

/// The result of a join.
pub(crate) type JoinResult = Result<(Box<dyn AnyView>, Joined), Navigation>;

/// The route pattern serving `path`, if any.
pub(crate) fn pattern(router: &Router, path: &str) -> Option<String> {
    router
        .route(path)
        .map(|(route, _)| route.pattern().to_owned())
}

/// Finds the route for `input.url`, fills in its path params and joins its
/// view; returns the route's pattern with the result. `None` when no route
/// matches.
pub(crate) fn join(
    router: &Router,
    now: Time,
    mut input: JoinInput,
) -> Option<(String, JoinResult)> {
    let (route, params) = router.route(input.url.path())?;
    input.path_params = params;
    Some((route.pattern().to_owned(), route.join(now, input)))
}
