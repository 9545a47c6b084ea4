//! Routing: path patterns to views.

/// Maps path patterns (`/counter`, `/users/:id`) to views.
#[derive(Default)]
pub struct Router {}
