//! The suite's views, one module per route (or group of routes), and the
//! function components they share.

pub mod colocated;
pub mod components;
pub mod errors;
pub mod form;
pub mod form_feedback;
pub mod form_nested;
pub mod form_stream;
pub mod form_unsaved;
pub mod highlight;
pub mod issues;
pub mod issues_components;
pub mod issues_components_hooks;
pub mod issues_components_lists;
pub mod issues_dom;
pub mod issues_forms;
pub mod issues_navigation;
pub mod issues_nested;
pub mod issues_nested_components;
pub mod issues_streams;
pub mod issues_uploads;
pub mod js;
pub mod keyed;
pub mod navigation;
pub mod portal;
pub mod select;
pub mod streams;
pub mod uploads;

use liveview_core::prelude::*;

/// How a live link moves: Phoenix's `<.link patch>` and `<.link navigate>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Live {
    /// `handle_params` on the same view (`data-phx-link="patch"`).
    Patch,
    /// Another view over the same socket (`data-phx-link="redirect"`).
    Navigate,
}

/// A live link to `to` showing `text`: it pushes a history entry, or
/// replaces the current one; `style` is an inline style, if any.
pub fn live_link(how: Live, to: &str, replace: bool, style: Option<&str>, text: &str) -> Rendered {
    let kind = match how {
        Live::Patch => "patch",
        Live::Navigate => "redirect",
    };
    let state = if replace { "replace" } else { "push" };
    html!(
        r#"{#if let Some(style) = style}<a href="{to}" data-phx-link="{kind}" data-phx-link-state="{state}" style="{style}">{text}</a>{:else}<a href="{to}" data-phx-link="{kind}" data-phx-link-state="{state}">{text}</a>{/if}"#
    )
}

/// Phoenix's `<.portal>`: `inner` is rendered where it stands (inside a
/// `<template>`) and the client moves it to `target` (a CSS selector), one
/// wrapper element around it as the client requires.
pub fn portal(id: &str, target: &str, inner: Rendered) -> Rendered {
    html!(
        r#"<template id="{id}" data-phx-portal="{target}"><div id="_lv_portal_wrap_{id}">{inner}</div></template>"#
    )
}
