//! `/list?n=N`: N rows; `bump` changes one of them.

use liveview_core::{html, LiveView, Mount, Rendered, Update};
use serde::Deserialize;

/// Upper bound on `n`, so that a URL cannot make the server allocate without limit.
pub const MAX_ROWS: usize = 100_000;

/// The state: one value per row.
#[derive(Clone, Debug)]
pub struct List {
    rows: Vec<u64>,
}

/// The rows' buttons.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// `phx-click="bump" phx-value-i="I"`.
    Bump {
        /// The row.
        i: usize,
    },
}

impl LiveView for List {
    type Event = Event;
    type Info = ();

    fn mount(mount: &Mount) -> Update<Self> {
        let n = mount
            .params
            .parse::<usize>("n")
            .unwrap_or(100)
            .min(MAX_ROWS);
        (List { rows: vec![0; n] }, vec![])
    }

    fn handle_event(mut self, event: Event) -> Update<Self> {
        match event {
            Event::Bump { i } => {
                if let Some(v) = self.rows.get_mut(i) {
                    *v += 1;
                }
                (self, vec![])
            }
        }
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>List</h1>
<table id="rows">{#for (i, v) in self.rows.iter().enumerate(); key = i}<tr id="row-{i}"><td>{i}</td><td class="v">{v}</td><td><button phx-click="bump" phx-value-i="{i}">bump</button></td></tr>{/for}</table>"#
        )
    }
}
