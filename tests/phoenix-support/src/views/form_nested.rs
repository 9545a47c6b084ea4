//! `/form/nested`: the form of `/form` inside a child LiveView (DOM id
//! `nested`): the page renders [`FormNestedLive`], giving it its URL
//! params as the child's session, and the child builds the same form from
//! them (a child is not mounted at a URL). Nested views have no
//! `handle_params`, so the suite's tests that patch skip this route.

use super::form::{FormEvent, FormLive};
use liveview_core::prelude::*;
use std::collections::BTreeMap;

/// The page: only the child, given the page's URL params.
pub struct NestedFormLive {
    params: BTreeMap<String, String>,
}

impl LiveView for NestedFormLive {
    type Event = ();
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let params = m
            .params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        (NestedFormLive { params }, vec![])
    }

    fn render(&self) -> Rendered {
        let child = self
            .params
            .iter()
            .fold(live_render::<FormNestedLive>("nested"), |child, (k, v)| {
                child.session(k.as_str(), v)
            });
        html!("{child}")
    }
}

/// The child `nested`: `/form`'s view ([`FormLive`]) with the params its
/// session holds.
pub struct FormNestedLive(FormLive);

impl LiveView for FormNestedLive {
    type Event = FormEvent;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let params: Params = m
            .session
            .iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?)))
            .collect();
        let page_token = crate::sync_gate::page_token(m);
        (FormNestedLive(FormLive::new(&params, page_token)), vec![])
    }

    fn handle_event(self, event: FormEvent) -> Update<Self> {
        let (view, commands) = self.0.handle_event(event);
        (FormNestedLive(view), commands)
    }

    fn render(&self) -> Rendered {
        self.0.render()
    }
}
