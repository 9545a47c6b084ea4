//! [`StreamOps`]: what a render of a stream tells the client.

use std::sync::Arc;

/// One insert as the client reads it: `[dom_id, at, limit, update_only]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamInsert {
    /// The DOM id of the inserted element.
    pub dom_id: String,
    /// `-1` appends, `n >= 0` inserts at index `n`.
    pub at: i64,
    /// Keep the first `n` (`n > 0`) or last `-n` children after the insert.
    pub limit: Option<i64>,
    /// Update the element only if the client shows it.
    pub update_only: bool,
}

/// The `"stream"` entry of a stream's list in a render:
/// `[ref, inserts, deletes]`, or `[ref, inserts, deletes, true]` on a reset.
///
/// Inserts and deletes are in Phoenix's order, the latest first. The client
/// reads the inserts into a map by DOM id, so when one id was inserted
/// several times in one render, its earliest insert's position and limit are
/// the ones applied; the list's entries hold each id once, with the content
/// of its latest insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamOps {
    /// The stream's reference (its name): the client marks the stream's
    /// elements with it, and a reset removes the elements that carry it.
    pub stream_ref: Arc<str>,
    /// The inserts, latest first.
    pub inserts: Vec<StreamInsert>,
    /// DOM ids to remove, latest first.
    pub deletes: Vec<String>,
    /// Empty the container before inserting.
    pub reset: bool,
}

impl StreamOps {
    /// No operation: a stream rendered with nothing pending.
    pub fn none(stream_ref: Arc<str>) -> StreamOps {
        StreamOps {
            stream_ref,
            inserts: Vec::new(),
            deletes: Vec::new(),
            reset: false,
        }
    }

    /// Whether the render changes nothing on the client.
    pub fn is_empty(&self) -> bool {
        self.inserts.is_empty() && self.deletes.is_empty() && !self.reset
    }

    /// The operations without the items: what a sent render leaves behind.
    pub(crate) fn forget(&mut self) {
        self.inserts = Vec::new();
        self.deletes = Vec::new();
        self.reset = false;
    }
}
