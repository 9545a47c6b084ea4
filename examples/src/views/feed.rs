//! `/feed?n=N`: the rows of `/list`, as a stream. The server holds no row:
//! `append` adds one at the end, `bump` re-sends one row with a new value
//! (updated in place on the client), `remove` deletes one, and `keep`
//! appends while keeping only the last 100 rows on the page, `reset`
//! starts over; `insert` takes every option of a stream insert.

use super::list::{rows_param, MAX_ROWS};
use liveview_core::stream::{Insert, Stream};
use liveview_core::{html, LiveView, Mount, Rendered, Update};
use serde::Deserialize;

/// One row: its index and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    /// The row's index (its DOM id is `rows-{i}`).
    pub i: usize,
    /// The row's value.
    pub v: u64,
}

/// The state: the stream of rows and how many there are (the next index).
#[derive(Clone, Debug)]
pub struct Feed {
    rows: Stream<Row>,
    len: usize,
    /// Events handled, shown on the page (tests wait for it).
    seq: u64,
}

/// The page's buttons.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Appends a row with value 0.
    Append,
    /// Appends a row and keeps the last 100 on the page.
    Keep,
    /// Re-sends row `i` with value `v`.
    Bump {
        /// The row.
        i: usize,
        /// Its new value.
        v: u64,
    },
    /// Deletes row `i`.
    Remove {
        /// The row.
        i: usize,
    },
    /// Any insert: row `i` with value `v`, at an index (or appended), with
    /// a limit, or only as an update. The browser's stream oracle test
    /// (`tests/tests/stream_oracle.rs`) sends these.
    Insert {
        /// The row.
        i: usize,
        /// Its value.
        v: u64,
        /// Its index; `None` appends.
        at: Option<usize>,
        /// Rows kept after the insert: the first `n`, or the last `-n`.
        limit: Option<i64>,
        /// Only update the row if the page shows it.
        update_only: bool,
    },
    /// Empties the page, then appends rows `0..n`.
    Reset {
        /// How many rows.
        n: usize,
    },
}

impl Feed {
    /// How many rows were ever appended.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no row was ever appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The rows waiting for the next render (none once rendered).
    pub fn pending(&self) -> usize {
        self.rows.pending()
    }
}

impl LiveView for Feed {
    type Event = Event;
    type Info = ();

    fn mount(mount: &Mount) -> Update<Self> {
        let n = rows_param(mount);
        let mut rows = Stream::new("rows", |r: &Row| r.i);
        rows.extend((0..n).map(|i| Row { i, v: 0 }));
        (
            Feed {
                rows,
                len: n,
                seq: 0,
            },
            vec![],
        )
    }

    fn handle_event(mut self, event: Event) -> Update<Self> {
        self.seq += 1;
        match event {
            Event::Append => {
                self.rows.insert(Row { i: self.len, v: 0 });
                self.len += 1;
            }
            Event::Keep => {
                let row = Row { i: self.len, v: 0 };
                self.rows.insert_with(row, Insert::append().limit(-100));
                self.len += 1;
            }
            Event::Bump { i, v } if i < self.len => {
                self.rows.insert(Row { i, v });
            }
            Event::Bump { .. } => {}
            Event::Remove { i } => {
                self.rows.delete(&Row { i, v: 0 });
            }
            Event::Insert {
                i,
                v,
                at,
                limit,
                update_only,
            } if i < MAX_ROWS => {
                let mut how = at.map_or(Insert::append(), Insert::at);
                if let Some(n) = limit {
                    how = how.limit(n);
                }
                if update_only {
                    how = how.update_only();
                }
                self.rows.insert_with(Row { i, v }, how);
                self.len = self.len.max(i + 1);
            }
            Event::Insert { .. } => {}
            Event::Reset { n } => {
                let n = n.min(MAX_ROWS);
                self.rows.reset().extend((0..n).map(|i| Row { i, v: 0 }));
                self.len = n;
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>Feed</h1>
<button id="append" phx-click="append">append</button> <button id="keep" phx-click="keep">append, keep 100</button> <button id="reset" phx-click="reset" phx-value-n="10">reset to 10 rows</button> events: <span id="seq">{self.seq}</span>
<table><tbody id="rows" phx-update="stream">{#for (id, r) in &self.rows}<tr id="{id}"><td>{r.i}</td><td class="v">{r.v}</td><td><button phx-click="bump" phx-value-i="{r.i}" phx-value-v="{r.v + 1}">bump</button> <button phx-click="remove" phx-value-i="{r.i}">remove</button></td></tr>{/for}</tbody></table>"#
        )
    }
}
