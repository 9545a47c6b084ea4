//! `/nested?children=N`: a page of `N` child LiveViews (2 by default, at
//! most 64), each a counter of its own on its own channel, that tells the
//! page its count; the page shows the last count it heard.

use liveview_core::nested::live_render;
use liveview_core::{html, Command, LiveView, Mount, Rendered, Update};
use serde::{Deserialize, Serialize};

/// The most children a page renders (a socket holds at most 64 views).
const MAX_CHILDREN: usize = 63;

/// The page: how many children, and the last count one of them reported.
#[derive(Clone, Debug, Default)]
pub struct Nested {
    children: usize,
    last: Option<(usize, i64)>,
}

/// What a child tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PageInfo {
    /// Child `i` counts `n`.
    Counted(usize, i64),
}

impl LiveView for Nested {
    type Event = ();
    type Info = PageInfo;

    fn mount(m: &Mount) -> Update<Self> {
        let children = m
            .params
            .parse::<usize>("children")
            .unwrap_or(2)
            .min(MAX_CHILDREN);
        (
            Nested {
                children,
                last: None,
            },
            vec![],
        )
    }

    fn handle_info(self, PageInfo::Counted(i, n): PageInfo) -> Update<Self> {
        (
            Nested {
                last: Some((i, n)),
                ..self
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        let last = match self.last {
            Some((i, n)) => format!("child {i} counts {n}"),
            None => "no count yet".to_owned(),
        };
        html!(
            r#"<h1>Nested views</h1>
<p id="last">{last}</p>
{#for i in 0..self.children}{live_render::<Child>(format!("child-{i}")).session("i", i)}{/for}"#
        )
    }
}

/// A child: a counter that reports to its page.
#[derive(Clone, Debug, Default)]
pub struct Child {
    i: usize,
    count: i64,
}

/// The child's button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildEvent {
    /// Adds one.
    Inc,
}

impl LiveView for Child {
    type Event = ChildEvent;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let i = m
            .session
            .get("i")
            .and_then(|v| v.as_u64())
            .unwrap_or_default() as usize;
        (Child { i, count: 0 }, vec![])
    }

    fn handle_event(self, ChildEvent::Inc: ChildEvent) -> Update<Self> {
        let count = self.count + 1;
        let told = Command::send_parent(PageInfo::Counted(self.i, count));
        (Child { count, ..self }, vec![told])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<p>child {self.i}: <span class="count">{self.count}</span> <button phx-click="inc">+</button></p>"#
        )
    }
}
