//! Live layouts: markup around a view's render, inside the LiveView container.
//!
//! A page has two layouts, as in Phoenix. The *root* layout
//! ([`protocol::Layout`](crate::protocol::Layout)) is the HTML document around
//! the container, rendered once by the dead render. A *live* layout is part
//! of the view's render: it sits inside the container, is sent again on every
//! join (a live navigation within its live session shows the new view's
//! layout without a page load) and is diffed like the rest of the render, so
//! a layout that shows the flash updates when the flash changes.
//!
//! A live session gives its views a [`LiveLayout`]
//! ([`LiveSession::live_layout`](crate::protocol::LiveSession::live_layout));
//! a view keeps it, drops it or uses its own through [`LiveView::layout`]
//! (Phoenix's `use Phoenix.LiveView, layout: …` and mount's `layout: false`).
//!
//! ```
//! use liveview_core::prelude::*;
//! use liveview_core::view::{LayoutContext, LiveLayout};
//!
//! let app_layout = LiveLayout::new(|cx: &LayoutContext<'_>, inner: Rendered| {
//!     let info = cx.flash.get("info").unwrap_or("");
//!     html!(r#"<nav><a href="/">Home</a></nav><p class="flash">{info}</p><main>{inner}</main>"#)
//! });
//! let session = LiveSession::new("app").live_layout(app_layout);
//! # let _ = session;
//! ```

use super::{Flash, LiveView, Url};
use crate::template::Rendered;
use std::fmt;
use std::sync::Arc;

/// What a live layout may read besides the view's render.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct LayoutContext<'a> {
    /// The view's flash (Phoenix's `@flash`).
    pub flash: &'a Flash,
    /// The view's current URL (for marking the active link).
    pub url: &'a Url,
}

impl<'a> LayoutContext<'a> {
    /// A context for rendering a layout outside a driver (tests, previews).
    pub fn new(flash: &'a Flash, url: &'a Url) -> LayoutContext<'a> {
        LayoutContext { flash, url }
    }
}

/// The function a [`LiveLayout`] holds.
type LayoutFn = dyn Fn(&LayoutContext<'_>, Rendered) -> Rendered + Send + Sync;

/// A live layout shared by the views of a live session: a function of the
/// [`LayoutContext`] and the view's render (`inner`, Phoenix's
/// `@inner_content`) returning the render the client gets. Cheap to clone.
#[derive(Clone)]
pub struct LiveLayout(Arc<LayoutFn>);

impl LiveLayout {
    /// A layout rendered by `f`; `f` must put `inner` somewhere in its result.
    pub fn new(
        f: impl Fn(&LayoutContext<'_>, Rendered) -> Rendered + Send + Sync + 'static,
    ) -> LiveLayout {
        LiveLayout(Arc::new(f))
    }

    /// Wraps `inner` in this layout.
    pub fn render(&self, cx: &LayoutContext<'_>, inner: Rendered) -> Rendered {
        (self.0)(cx, inner)
    }
}

impl fmt::Debug for LiveLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LiveLayout(..)")
    }
}

/// Two layouts are equal when they are the same layout (clones of one).
impl PartialEq for LiveLayout {
    fn eq(&self, other: &LiveLayout) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Which live layout wraps a view's render ([`LiveView::layout`]).
pub enum ViewLayout<V: LiveView> {
    /// The live session's layout, if it has one (the default).
    Session,
    /// No live layout: the render alone (Phoenix's `layout: false`).
    None,
    /// The view's own layout, which may read the view's state.
    Own(fn(&V, &LayoutContext<'_>, Rendered) -> Rendered),
}

impl<V: LiveView> ViewLayout<V> {
    /// Renders `view` wrapped in the layout this choice names; `session` is
    /// the live session's layout.
    pub fn wrap(&self, view: &V, session: Option<&LiveLayout>, cx: &LayoutContext<'_>) -> Rendered {
        match self {
            ViewLayout::Session => match session {
                Some(layout) => layout.render(cx, view.render()),
                None => view.render(),
            },
            ViewLayout::None => view.render(),
            ViewLayout::Own(f) => f(view, cx, view.render()),
        }
    }
}

impl<V: LiveView> fmt::Debug for ViewLayout<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ViewLayout::Session => f.write_str("Session"),
            ViewLayout::None => f.write_str("None"),
            ViewLayout::Own(_) => f.write_str("Own(..)"),
        }
    }
}
