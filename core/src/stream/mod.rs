//! Streams: large collections the server does not keep (Phoenix's `stream/4`).
//!
//! A [`Stream`] lives in the view's state and holds only the operations asked
//! for since the last render: items to insert, DOM ids to delete, a reset. A
//! template renders it with `{#for (dom_id, item) in &self.songs}` inside a
//! container with an `id` and `phx-update="stream"`; rendering hands the
//! pending operations to the rendered tree, so after the render the stream
//! is empty again and the server holds none of the items. The client keeps
//! them in its DOM: the diff carries the new items' entries and a `"stream"`
//! entry (`[ref, inserts, deletes]`, plus `true` on a reset) that tells the
//! client where each goes ([`StreamOps`]).
//!
//! ```
//! use liveview_core::{html, stream::{Insert, Stream}};
//!
//! struct Song { id: u32, title: String }
//!
//! let mut songs = Stream::new("songs", |s: &Song| s.id);
//! songs.extend([Song { id: 1, title: "One".into() }, Song { id: 2, title: "Two".into() }]);
//! songs.insert_with(Song { id: 0, title: "Zero".into() }, Insert::prepend());
//! assert_eq!(songs.pending(), 3);
//! let page = html!(r#"<ul id="songs" phx-update="stream">{#for (id, s) in &songs}<li id={id}>{s.title}</li>{/for}</ul>"#);
//! // The dead render shows the items in the order they were added ...
//! assert_eq!(
//!     page.to_html(),
//!     r#"<ul id="songs" phx-update="stream"><li id="songs-1">One</li><li id="songs-2">Two</li><li id="songs-0">Zero</li></ul>"#
//! );
//! // ... and the stream forgot them.
//! assert_eq!(songs.pending(), 0);
//! ```
//!
//! # Semantics (as Phoenix's)
//!
//! * Inserting an item whose DOM id the client already shows updates that
//!   element in place (it does not move); [`Insert::update_only`] inserts
//!   nothing when the client does not show it.
//! * [`Insert::limit`] prunes the container on the client after the insert:
//!   a positive limit keeps the first `n` children, a negative one the last
//!   `n`. The dead render ignores limits and positions (it shows the items in
//!   the order they were added), as Phoenix's does.
//! * [`Stream::reset`] empties the container on the client before this
//!   render's inserts.
//! * Operations wait until the stream is rendered; render each stream in one
//!   place of the template (a second loop over it sees nothing).

mod dom;
mod ops;
#[cfg(test)]
mod tests;

pub use dom::{root_id, StreamDom, StreamItem};
pub use ops::{StreamInsert, StreamOps};

use crate::template::{Comprehension, ListSource, Statics};
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

/// Where and how an item is inserted ([`Stream::insert_with`]): Phoenix's
/// `at`, `limit` and `update_only` options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insert {
    at: i64,
    limit: Option<i64>,
    update_only: bool,
}

impl Default for Insert {
    fn default() -> Insert {
        Insert::append()
    }
}

impl Insert {
    /// At the end of the container (`at: -1`, the default).
    pub const fn append() -> Insert {
        Insert {
            at: -1,
            limit: None,
            update_only: false,
        }
    }

    /// At the start of the container (`at: 0`).
    pub const fn prepend() -> Insert {
        Insert::at(0)
    }

    /// At `index` among the container's children (past the end appends).
    pub const fn at(index: usize) -> Insert {
        Insert {
            at: if index > i64::MAX as usize {
                i64::MAX
            } else {
                index as i64
            },
            limit: None,
            update_only: false,
        }
    }

    /// After inserting, the client keeps the first `n` children (`n > 0`)
    /// or the last `-n` (`n < 0`) and removes the others.
    pub const fn limit(self, n: i64) -> Insert {
        Insert {
            limit: Some(n),
            ..self
        }
    }

    /// Only update the item if the client shows it; never add it.
    pub const fn update_only(self) -> Insert {
        Insert {
            update_only: true,
            ..self
        }
    }

    /// The wire value of `at`: `-1` appends, `n >= 0` inserts at index `n`.
    pub const fn position(&self) -> i64 {
        self.at
    }
}

/// One pending insert.
#[derive(Clone)]
struct Pending<T> {
    dom_id: String,
    how: Insert,
    item: T,
}

/// The operations asked for since the last render, in the order they were asked.
#[derive(Clone)]
struct Ops<T> {
    inserts: Vec<Pending<T>>,
    deletes: Vec<String>,
    reset: bool,
}

impl<T> Default for Ops<T> {
    fn default() -> Ops<T> {
        Ops {
            inserts: Vec::new(),
            deletes: Vec::new(),
            reset: false,
        }
    }
}

type DomIdFn<T> = Arc<dyn Fn(&T) -> String + Send + Sync>;

/// A stream of items of type `T`: see the [module docs](self).
///
/// The methods take `&mut self` and return it, so operations chain:
/// `me.songs.reset().extend(found)`.
pub struct Stream<T> {
    name: Arc<str>,
    dom_id: DomIdFn<T>,
    /// Taken by the render, which runs on `&self`.
    ops: Mutex<Ops<T>>,
}

impl<T> Stream<T> {
    /// A stream named `name` whose items have the DOM id `"{name}-{id(item)}"`
    /// (Phoenix's default, from the item's `id`).
    ///
    /// The name is also the stream's reference on the wire (in a
    /// component, after the component's cid: `"3-items"`), so it must be
    /// unique in the view or component.
    ///
    /// # Panics
    /// If `name` is empty or holds anything but ASCII letters, digits, `_`
    /// and `-` (it ends up in a CSS attribute selector on the client).
    pub fn new<K: fmt::Display>(
        name: &str,
        id: impl Fn(&T) -> K + Send + Sync + 'static,
    ) -> Stream<T> {
        let prefix = format!("{name}-");
        Stream::with_dom_id(name, move |item| {
            let mut dom_id = String::with_capacity(prefix.len() + 8);
            dom_id.push_str(&prefix);
            let _ = write!(dom_id, "{}", id(item));
            dom_id
        })
    }

    /// A stream whose items' DOM ids are `dom_id(item)` (Phoenix's
    /// `stream_configure(socket, name, dom_id: …)`). Ids must be unique in
    /// the page.
    ///
    /// # Panics
    /// As [`new`](Self::new), for the name.
    pub fn with_dom_id(
        name: &str,
        dom_id: impl Fn(&T) -> String + Send + Sync + 'static,
    ) -> Stream<T> {
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "a stream name is ASCII letters, digits, `_` and `-`; got {name:?}"
        );
        Stream {
            name: name.into(),
            dom_id: Arc::new(dom_id),
            ops: Mutex::new(Ops::default()),
        }
    }

    /// The stream's name (also its reference on the wire).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The DOM id of `item`.
    pub fn dom_id(&self, item: &T) -> String {
        (self.dom_id)(item)
    }

    fn ops(&mut self) -> &mut Ops<T> {
        self.ops.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `item` (Phoenix's `stream_insert/3`).
    pub fn insert(&mut self, item: T) -> &mut Self {
        self.insert_with(item, Insert::append())
    }

    /// Inserts `item` where and how `how` says (`stream_insert/4`).
    pub fn insert_with(&mut self, item: T, how: Insert) -> &mut Self {
        let dom_id = self.dom_id(&item);
        self.ops().inserts.push(Pending { dom_id, how, item });
        self
    }

    /// Appends every item, in order (Phoenix's `stream/3`).
    pub fn extend(&mut self, items: impl IntoIterator<Item = T>) -> &mut Self {
        self.extend_with(items, Insert::append())
    }

    /// Inserts every item, in order, each as `how` says (`stream/4`).
    pub fn extend_with(&mut self, items: impl IntoIterator<Item = T>, how: Insert) -> &mut Self {
        for item in items {
            self.insert_with(item, how);
        }
        self
    }

    /// Empties the client's container before this render's inserts
    /// (`stream(socket, name, items, reset: true)`); inserts asked for
    /// before the reset in the same update still count.
    pub fn reset(&mut self) -> &mut Self {
        self.ops().reset = true;
        self
    }

    /// Removes `item` from the client's container (`stream_delete/3`).
    pub fn delete(&mut self, item: &T) -> &mut Self {
        let id = self.dom_id(item);
        self.delete_by_dom_id(id)
    }

    /// Removes the element with this DOM id (`stream_delete_by_dom_id/3`).
    pub fn delete_by_dom_id(&mut self, dom_id: impl Into<String>) -> &mut Self {
        self.ops().deletes.push(dom_id.into());
        self
    }

    /// How many operations (inserts and deletes) wait for the next render.
    pub fn pending(&self) -> usize {
        let ops = self.ops.lock().unwrap_or_else(PoisonError::into_inner);
        ops.inserts.len() + ops.deletes.len()
    }

    /// Takes the pending operations: the wire metadata (in Phoenix's order,
    /// the latest first) and the items to render (each DOM id once, its latest
    /// insert, in the order those were asked for).
    fn take(&self) -> (StreamOps, Vec<(String, T)>) {
        let ops = std::mem::take(&mut *self.ops.lock().unwrap_or_else(PoisonError::into_inner));
        // In a component, the reference is the component's own: the client
        // resets a stream by its reference across the whole page.
        let stream_ref = match OWNER.with(Cell::get) {
            None => Arc::clone(&self.name),
            Some(cid) => Arc::from(format!("{cid}-{}", self.name)),
        };
        let meta = StreamOps {
            stream_ref,
            inserts: ops
                .inserts
                .iter()
                .rev()
                .map(|p| StreamInsert {
                    dom_id: p.dom_id.clone(),
                    at: p.how.at,
                    limit: p.how.limit,
                    update_only: p.how.update_only,
                })
                .collect(),
            deletes: ops.deletes.into_iter().rev().collect(),
            reset: ops.reset,
        };
        // An insert is rendered unless the same id is inserted again later.
        let mut keep = vec![true; ops.inserts.len()];
        if ops.inserts.len() > 1 {
            let mut later: HashSet<&str, BuildHasherDefault<IdHasher>> =
                HashSet::with_capacity_and_hasher(ops.inserts.len(), Default::default());
            for (i, p) in ops.inserts.iter().enumerate().rev() {
                keep[i] = later.insert(&p.dom_id);
            }
        }
        let items = ops
            .inserts
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(p, _)| (p.dom_id, p.item))
            .collect();
        (meta, items)
    }
}

impl<T: Clone> Clone for Stream<T> {
    fn clone(&self) -> Stream<T> {
        let ops = self
            .ops
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Stream {
            name: Arc::clone(&self.name),
            dom_id: Arc::clone(&self.dom_id),
            ops: Mutex::new(ops),
        }
    }
}

impl<T> fmt::Debug for Stream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ops = self.ops.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Stream")
            .field("name", &self.name)
            .field("inserts", &ops.inserts.len())
            .field("deletes", &ops.deletes.len())
            .field("reset", &ops.reset)
            .finish()
    }
}

/// `{#for (dom_id, item) in &stream}`: the loop renders the pending inserts
/// (taking them) into a list that carries the stream's operations.
impl<T> ListSource for &Stream<T> {
    type Iter = std::vec::IntoIter<(String, T)>;

    fn into_list(self, statics: &'static Statics) -> (Comprehension, Self::Iter) {
        let (ops, items) = self.take();
        RENDERED.with(|n| n.set(n.get().wrapping_add(1)));
        (
            Comprehension::for_stream(statics, ops, items.len()),
            items.into_iter(),
        )
    }
}

/// FNV-1a, for the set of DOM ids a render checks for repeats: short
/// strings made by the server, so no protection against chosen collisions
/// is needed and SipHash's cost is not.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

thread_local! {
    /// How many streams this thread has rendered: the driver looks at it
    /// around a render to know whether the tree holds stream items to forget.
    static RENDERED: Cell<u64> = const { Cell::new(0) };
}

/// A counter that changes whenever a stream is rendered on this thread
/// (compare two readings taken around a render).
pub fn render_count() -> u64 {
    RENDERED.with(Cell::get)
}

thread_local! {
    /// The cid of the component rendering on this thread, if any.
    static OWNER: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Runs `render` as the render of component `cid`: the streams it renders
/// get references of that component's (`"{cid}-{name}"`), as Phoenix gives
/// each component's streams references of their own, so two components
/// of one type with a stream of one name do not share it on the page.
pub(crate) fn rendering_component<R>(cid: u32, render: impl FnOnce() -> R) -> R {
    struct Restore(Option<u32>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OWNER.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(OWNER.with(|o| o.replace(Some(cid))));
    render()
}
