//! The one panic guard between the socket and its views.
//!
//! Every call the socket makes into a view — mounting it included — goes
//! through [`guard`], so a panicking handler, render or `Drop` becomes a
//! [`Crashed`] value the socket answers with `phx_error`, never an unwound
//! socket. Nothing else in the socket catches panics.

use crate::runtime::AnyView;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A view (or its mount) panicked.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) struct Crashed;

/// Runs `f`, turning a panic into [`Crashed`].
///
/// `AssertUnwindSafe` is sound here because a view that panicked is never
/// called again: the socket retires its channel and drops it (through
/// [`GuardedView::discard`]).
pub(super) fn guard<T>(f: impl FnOnce() -> T) -> Result<T, Crashed> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| Crashed)
}

/// A joined view, reachable only through the guard.
pub(super) struct GuardedView(Box<dyn AnyView>);

impl GuardedView {
    pub(super) fn new(view: Box<dyn AnyView>) -> GuardedView {
        GuardedView(view)
    }

    /// Calls into the view with mutable access.
    pub(super) fn call<T>(&mut self, f: impl FnOnce(&mut dyn AnyView) -> T) -> Result<T, Crashed> {
        let view = &mut *self.0;
        guard(|| f(view))
    }

    /// Reads from the view.
    pub(super) fn peek<T>(&self, f: impl FnOnce(&dyn AnyView) -> T) -> Result<T, Crashed> {
        let view = &*self.0;
        guard(|| f(view))
    }

    /// The view itself, for inspection by the adapter or a test.
    pub(super) fn get(&self) -> &dyn AnyView {
        &*self.0
    }

    /// Drops the view; a panic in its `Drop` is contained.
    pub(super) fn discard(self) {
        let _ = guard(move || drop(self.0));
    }
}
