//! `/list?n=N`: N rows; `bump` changes one of them.

use liveview_core::im::Vector;
use liveview_core::{html, LiveView, Mount, Rendered, Update};
use serde::Deserialize;

/// Upper bound on `n`, so that a URL cannot make the server allocate without limit.
pub const MAX_ROWS: usize = 100_000;

/// The `n` query parameter: how many rows (100 by default, at most [`MAX_ROWS`]).
pub fn rows_param(mount: &Mount) -> usize {
    mount
        .params
        .parse::<usize>("n")
        .unwrap_or(100)
        .min(MAX_ROWS)
}

/// The state: one value per row (a persistent vector: cloning the state is O(1)).
#[derive(Clone, Debug)]
pub struct List {
    rows: Vector<u64>,
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
        let n = rows_param(mount);
        (
            List {
                rows: std::iter::repeat_n(0, n).collect(),
            },
            vec![],
        )
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

#[cfg(test)]
mod tests {
    use super::*;
    use liveview_core::Params;

    fn mount(n: Option<&str>) -> List {
        let params: Params = n.map(|n| ("n", n)).into_iter().collect();
        List::mount(&Mount {
            params,
            ..Mount::default()
        })
        .0
    }

    #[test]
    fn rows_default_to_100_and_are_capped() {
        assert_eq!(mount(None).rows.len(), 100);
        assert_eq!(mount(Some("1000")).rows.len(), 1000);
        assert_eq!(mount(Some("999999999999")).rows.len(), MAX_ROWS);
        assert_eq!(mount(Some("x")).rows.len(), 100);
    }

    #[test]
    fn bump_changes_one_row_and_ignores_rows_out_of_range() {
        let l = mount(Some("5"));
        let (l, _) = l.handle_event(Event::Bump { i: 3 });
        let (l, _) = l.handle_event(Event::Bump { i: 3 });
        let (l, _) = l.handle_event(Event::Bump { i: 99 });
        assert_eq!(l.rows, Vector::from(vec![0, 0, 0, 2, 0]));
        let html = l.render().to_html();
        assert!(
            html.contains(r#"<tr id="row-3"><td>3</td><td class="v">2</td>"#),
            "{html}"
        );
        assert!(html.contains(r#"phx-click="bump" phx-value-i="4""#));
    }
}
