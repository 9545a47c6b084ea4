//! `/rows?n=N`: the rows of `/list`, each a LiveComponent that bumps its own
//! value (the list of components measured against the keyed list).

use super::list::rows_param;
use liveview_core::component::{live_component, Cid, ComponentUpdate, LiveComponent};
use liveview_core::{html, Command, Context, LiveView, Mount, Rendered, Update};
use serde::{Deserialize, Serialize};

/// One row: its index (from the parent) and its own value.
#[derive(Clone, Debug)]
pub struct Row {
    i: usize,
    v: u64,
}

/// A row's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowEvent {
    /// `phx-click="bump" phx-target={myself}`.
    Bump,
    /// Tells the parent the row's value (the parent shows the last one
    /// told): `phx-click="report"` on the index cell.
    Report,
}

/// What `send_update` can tell a row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowInfo {
    /// Sets the row's value.
    Set(u64),
}

impl LiveComponent for Row {
    type Props = usize;
    type Event = RowEvent;
    type Info = RowInfo;

    fn mount(i: usize, _: &Context) -> ComponentUpdate<Self> {
        (Row { i, v: 0 }, vec![])
    }

    fn update(self, i: usize, _: &Context) -> ComponentUpdate<Self> {
        (Row { i, ..self }, vec![])
    }

    fn handle_event(self, event: RowEvent, _: &Context) -> ComponentUpdate<Self> {
        match event {
            RowEvent::Bump => (
                Row {
                    v: self.v + 1,
                    ..self
                },
                vec![],
            ),
            RowEvent::Report => {
                let told = Info::Told {
                    i: self.i,
                    v: self.v,
                };
                (self, vec![Command::send_parent(told)])
            }
        }
    }

    fn handle_info(self, RowInfo::Set(v): RowInfo, _: &Context) -> ComponentUpdate<Self> {
        (Row { v, ..self }, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        html!(
            r#"<tr id="row-{self.i}"><td phx-click="report" phx-target={myself}>{self.i}</td><td class="v">{self.v}</td><td><button phx-click="bump" phx-target={myself}>bump</button></td></tr>"#
        )
    }
}

/// The view: how many rows, and the last value a row reported.
#[derive(Clone, Debug)]
pub struct Rows {
    n: usize,
    told: Option<(usize, u64)>,
}

/// Messages rows send their parent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Info {
    /// Row `i` has value `v`.
    Told {
        /// The row.
        i: usize,
        /// Its value.
        v: u64,
    },
}

/// The view's own events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Shows `n` rows (rows past `n` are removed, and destroyed once the
    /// client says they are gone).
    Resize {
        /// How many.
        n: usize,
    },
    /// Resets row `i` to 0 with `send_update`.
    Reset {
        /// The row.
        i: usize,
    },
}

impl LiveView for Rows {
    type Event = Event;
    type Info = Info;

    fn mount(mount: &Mount) -> Update<Self> {
        (
            Rows {
                n: rows_param(mount),
                told: None,
            },
            vec![],
        )
    }

    fn handle_event(self, event: Event) -> Update<Self> {
        match event {
            Event::Resize { n } => (
                Rows {
                    n: n.min(super::list::MAX_ROWS),
                    ..self
                },
                vec![],
            ),
            Event::Reset { i } => (self, vec![Command::send_update::<Row>(i, RowInfo::Set(0))]),
        }
    }

    fn handle_info(self, Info::Told { i, v }: Info) -> Update<Self> {
        (
            Rows {
                told: Some((i, v)),
                ..self
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>Rows</h1>{#if let Some((i, v)) = self.told}<p id="told">row {i} has {v}</p>{/if}
<table id="rows">{#for i in 0..self.n; key = i}{live_component::<Row>(i, i)}{/for}</table>"#
        )
    }
}
