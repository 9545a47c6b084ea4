//! [`Comprehension`]: the entries of a list, stored in shared chunks.

use std::fmt;
use std::sync::Arc;

use super::{reuse, Dynamic, EntryKey, EntryRef, Statics};
use crate::stream::StreamOps;

/// log2 of the number of entries in a chunk.
const CHUNK_BITS: u32 = 5;
/// Entries per chunk: the unit of sharing between two renders of a list.
pub(crate) const CHUNK: usize = 1 << CHUNK_BITS;

/// Up to [`CHUNK`] consecutive entries, flat: their keys, and their dynamics
/// back to back (`holes` per entry).
#[derive(Clone, Debug, Default)]
pub(crate) struct Chunk {
    keys: Vec<Option<EntryKey>>,
    dynamics: Vec<Dynamic>,
    /// Whether some entry holds a nested template or list.
    nested: bool,
}

impl Chunk {
    fn with_capacity(entries: usize, holes: usize) -> Chunk {
        Chunk {
            keys: Vec::with_capacity(entries),
            dynamics: Vec::with_capacity(entries * holes),
            nested: false,
        }
    }

    /// A copy of the first `len` entries.
    fn prefix(&self, len: usize, holes: usize) -> Chunk {
        let mut c = Chunk::with_capacity(CHUNK, holes);
        c.keys.extend_from_slice(&self.keys[..len]);
        c.dynamics.extend_from_slice(&self.dynamics[..len * holes]);
        c.nested = self.nested;
        c
    }
}

/// A sealed chunk, immutable and shareable between renders, of which a list
/// uses the first `len` entries.
#[derive(Clone, Debug)]
pub(crate) struct ChunkRef {
    chunk: Arc<Chunk>,
    len: usize,
}

/// The entries of a list: sealed chunks (each full, except possibly the last
/// one, which is then a prefix of a chunk shared with an earlier render and
/// followed by an empty tail), then the open tail chunk being filled.
#[derive(Debug, Default)]
struct ListStore {
    sealed: Vec<ChunkRef>,
    tail: Chunk,
    len: usize,
    /// The expected number of entries (`with_capacity`), to size the chunks.
    hint: usize,
    /// Whether some entry may hold a nested template or list (so that
    /// [`reuse`] knows whether to look for lists inside the entries).
    nested: bool,
    /// While the list is being built during a [`reuse::render_reusing`]: the
    /// sealed chunks of the previous render's list made by the same template.
    /// An entry equal to the one at the same index there (same key, equal
    /// dynamics) is taken from it instead of being stored again.
    prev: Vec<ChunkRef>,
    /// A stream's list: the operations its render carries.
    stream: Option<StreamOps>,
}

impl Clone for ListStore {
    fn clone(&self) -> ListStore {
        ListStore {
            sealed: self.sealed.clone(),
            tail: self.tail.clone(),
            len: self.len,
            hint: self.hint,
            nested: self.nested,
            prev: Vec::new(),
            stream: self.stream.clone(),
        }
    }
}

/// A list: every entry is rendered with the same statics.
///
/// Entries are stored flat in chunks of 32 — a vector of keys and a vector
/// holding the dynamics of the entries back to back — so a list of `n` entries
/// costs a few allocations per 32 entries, not per entry. Chunks are
/// immutable once full and shared between renders: when a view is rendered
/// with [`render_reusing`](super::render_reusing) (the driver does), an entry
/// that equals the previous render's entry at the same index (same key, equal
/// dynamics) is not stored again, whole unchanged chunks are shared with the
/// previous tree, and [`diff`](crate::diff::diff) skips shared chunks without
/// looking at their entries.
///
/// ```
/// use liveview_core::{Comprehension, Statics, ToDynamic};
/// static ROW: Statics = Statics::new(&["<li>", "</li>"], 1);
/// let mut list = Comprehension::with_capacity(&ROW, 2);
/// list.push_entry(Some(7.into()), [ "a".to_dynamic() ]);
/// list.push_entry(Some(9.into()), [ "b".to_dynamic() ]);
/// let list = list.finish();
/// assert_eq!(list.len(), 2);
/// assert_eq!(list.entry(1).dynamics, &[ "b".to_dynamic() ]);
/// let mut html = String::new();
/// list.write_html(&mut html);
/// assert_eq!(html, "<li>a</li><li>b</li>");
/// ```
#[derive(Clone)]
pub struct Comprehension {
    statics: &'static Statics,
    /// Boxed so that a list costs one pointer inside a [`Dynamic`]: keeping
    /// `Dynamic` small makes every template's dynamics vector smaller.
    store: Box<ListStore>,
}

impl Comprehension {
    /// An empty list of entries rendered with `statics`.
    pub fn new(statics: &'static Statics) -> Comprehension {
        Comprehension::with_capacity(statics, 0)
    }

    /// An empty list with room for `n` entries.
    ///
    /// During [`render_reusing`](super::render_reusing), the list picks up the
    /// previous render's list of the same statics, to reuse its unchanged entries.
    pub fn with_capacity(statics: &'static Statics, n: usize) -> Comprehension {
        Comprehension {
            statics,
            store: Box::new(ListStore {
                sealed: Vec::with_capacity(n.div_ceil(CHUNK)),
                hint: n,
                prev: reuse::take_previous(statics),
                ..ListStore::default()
            }),
        }
    }

    /// The list of a stream's render: its entries are the inserted items
    /// (pushed next), `ops` what the client does with them.
    pub fn for_stream(statics: &'static Statics, ops: StreamOps, n: usize) -> Comprehension {
        Comprehension {
            statics,
            store: Box::new(ListStore {
                sealed: Vec::with_capacity(n.div_ceil(CHUNK)),
                hint: n,
                stream: Some(ops),
                ..ListStore::default()
            }),
        }
    }

    /// The stream operations of a stream's list; `None` for other lists.
    pub fn stream(&self) -> Option<&StreamOps> {
        self.store.stream.as_ref()
    }

    /// Forgets the entries and operations of every stream's list in this
    /// list's entries, and in this list if it is one (keeping the stream's
    /// reference): what the server keeps of a render once it is sent.
    pub(crate) fn forget_stream_items(&mut self) {
        let store = &mut *self.store;
        if let Some(ops) = &mut store.stream {
            ops.forget();
            store.sealed = Vec::new();
            store.tail = Chunk::default();
            store.len = 0;
            store.nested = false;
            return;
        }
        if !store.nested {
            return;
        }
        for r in &mut store.sealed {
            if r.chunk.dynamics.iter().any(holds_stream_items) {
                let chunk = Arc::make_mut(&mut r.chunk);
                chunk
                    .dynamics
                    .iter_mut()
                    .for_each(Dynamic::forget_stream_items);
            }
        }
        store
            .tail
            .dynamics
            .iter_mut()
            .for_each(Dynamic::forget_stream_items);
    }

    /// Appends an entry.
    ///
    /// # Panics
    /// If the number of dynamics does not match the statics.
    pub fn push(&mut self, key: Option<EntryKey>, dynamics: Vec<Dynamic>) {
        self.push_dynamics(key, dynamics);
    }

    /// Appends an entry from an array of dynamics (no allocation of its own;
    /// this is what `html!` uses).
    ///
    /// # Panics
    /// If `N` does not match the statics.
    #[inline]
    pub fn push_entry<const N: usize>(&mut self, key: Option<EntryKey>, dynamics: [Dynamic; N]) {
        self.push_dynamics(key, dynamics);
    }

    #[inline]
    fn push_dynamics<D>(&mut self, key: Option<EntryKey>, dynamics: D)
    where
        D: AsRef<[Dynamic]> + IntoIterator<Item = Dynamic>,
    {
        let h = self.statics.holes();
        let new = dynamics.as_ref();
        assert_eq!(new.len(), h, "list entry with the wrong number of dynamics");
        if self.reuse_entry(&key, |prev| prev == new) {
            return;
        }
        let store = &mut *self.store;
        let nested = new.iter().any(|d| !matches!(d, Dynamic::Text(_)));
        store.nested |= nested;
        let o = store.len & (CHUNK - 1);
        if o == 0 {
            // Room for the expected rest of the list, up to a chunk.
            let room = match store.hint.checked_sub(store.len) {
                Some(rest) if rest > 0 => rest.min(CHUNK),
                _ => 4,
            };
            store.tail = Chunk::with_capacity(room, h);
        } else if store.tail.keys.is_empty() {
            // Entries `k*CHUNK..i` are a prefix of a shared chunk: this one
            // differs, so the chunk becomes our own.
            let shared = store
                .sealed
                .pop()
                .expect("a list's partial chunk is sealed or the tail");
            store.tail = shared.chunk.prefix(shared.len, h);
        }
        store.tail.nested |= nested;
        store.tail.keys.push(key);
        store.tail.dynamics.extend(dynamics);
        store.len += 1;
        if store.tail.keys.len() == CHUNK {
            let full = std::mem::take(&mut store.tail);
            store.sealed.push(ChunkRef {
                chunk: Arc::new(full),
                len: CHUNK,
            });
        }
    }

    /// Appends the previous render's entry at the next index, shared rather
    /// than copied, if it has this key and `same` holds for its dynamics;
    /// returns whether it did (otherwise nothing is appended).
    ///
    /// `same` must hold only when the previous dynamics are exactly those the
    /// new entry would have: `html!` builds it from
    /// [`ToDynamic::same_as`](super::ToDynamic::same_as), which lets an
    /// unchanged entry be reused without formatting its values. Outside
    /// [`render_reusing`](super::render_reusing) there is no previous entry
    /// and this returns `false` at once.
    #[inline]
    pub fn reuse_entry(
        &mut self,
        key: &Option<EntryKey>,
        same: impl FnOnce(&[Dynamic]) -> bool,
    ) -> bool {
        let store = &mut *self.store;
        let i = store.len;
        let (k, o) = (i >> CHUNK_BITS, i & (CHUNK - 1));
        let Some(p) = store.prev.get(k) else {
            return false;
        };
        // Still on the previous render's chunk `k`: entries `k*CHUNK..i`
        // were all taken from it (or `i` starts the chunk).
        let on_prev = if o == 0 {
            store.sealed.len() == k
        } else {
            store.tail.keys.is_empty()
                && store.sealed.len() == k + 1
                && Arc::ptr_eq(&store.sealed[k].chunk, &p.chunk)
        };
        let h = self.statics.holes();
        if !(on_prev && o < p.len && p.chunk.keys[o] == *key) {
            return false;
        }
        let prev = &p.chunk.dynamics[o * h..(o + 1) * h];
        if !same(prev) {
            return false;
        }
        store.nested |= p.chunk.nested;
        if o == 0 {
            store.sealed.push(ChunkRef {
                chunk: Arc::clone(&p.chunk),
                len: 1,
            });
        } else {
            store.sealed[k].len += 1;
        }
        store.len += 1;
        true
    }

    /// Ends building: seals the last entries so that a later render can share
    /// them, and lets go of the previous render's list. Optional (a list that
    /// is not finished is complete and correct); `html!` calls it.
    pub fn finish(mut self) -> Comprehension {
        let store = &mut *self.store;
        store.prev = Vec::new();
        if !store.tail.keys.is_empty() {
            let len = store.tail.keys.len();
            let mut tail = std::mem::take(&mut store.tail);
            tail.keys.shrink_to_fit();
            tail.dynamics.shrink_to_fit();
            store.sealed.push(ChunkRef {
                chunk: Arc::new(tail),
                len,
            });
        }
        self
    }

    /// The statics every entry is rendered with.
    pub fn statics(&self) -> &'static Statics {
        self.statics
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.store.len
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.store.len == 0
    }

    /// The chunk holding entry `i`, and `i`'s offset in it.
    #[inline]
    fn locate(&self, i: usize) -> (&Chunk, usize) {
        assert!(
            i < self.store.len,
            "entry {i} of a list of {}",
            self.store.len
        );
        let k = i >> CHUNK_BITS;
        let chunk = match self.store.sealed.get(k) {
            Some(r) => &*r.chunk,
            None => &self.store.tail,
        };
        (chunk, i & (CHUNK - 1))
    }

    /// The key of entry `i`.
    ///
    /// # Panics
    /// If `i >= len()`.
    #[inline]
    pub fn key(&self, i: usize) -> Option<&EntryKey> {
        let (c, o) = self.locate(i);
        c.keys[o].as_ref()
    }

    /// Entry `i`.
    ///
    /// # Panics
    /// If `i >= len()`.
    #[inline]
    pub fn entry(&self, i: usize) -> EntryRef<'_> {
        let h = self.statics.holes();
        let (c, o) = self.locate(i);
        EntryRef {
            key: c.keys[o].as_ref(),
            dynamics: &c.dynamics[o * h..(o + 1) * h],
        }
    }

    /// The entries, in order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = EntryRef<'_>> + Clone + '_ {
        (0..self.len()).map(move |i| self.entry(i))
    }

    /// Whether entries carry keys.
    pub fn is_keyed(&self) -> bool {
        !self.is_empty() && self.key(0).is_some()
    }

    /// How many entries from index `i` on are known to be identical (same key,
    /// same dynamics) in `self` and `other` because both share the chunk
    /// holding them; 0 when that is not known.
    #[inline]
    pub(crate) fn shared_from(&self, other: &Comprehension, i: usize) -> usize {
        let k = i >> CHUNK_BITS;
        match (self.store.sealed.get(k), other.store.sealed.get(k)) {
            (Some(a), Some(b)) if Arc::ptr_eq(&a.chunk, &b.chunk) => {
                a.len.min(b.len).saturating_sub(i & (CHUNK - 1))
            }
            _ => 0,
        }
    }

    /// The sealed chunks, for a later render to reuse.
    pub(crate) fn sealed_chunks(&self) -> &[ChunkRef] {
        &self.store.sealed
    }

    /// Whether some entry may hold a nested template or list.
    pub(crate) fn has_nested(&self) -> bool {
        self.store.nested
    }

    /// Appends the HTML of every entry to `out`.
    pub fn write_html(&self, out: &mut String) {
        self.write_html_in(out, &crate::component::NoComponents);
    }

    pub(crate) fn write_html_in(
        &self,
        out: &mut String,
        trees: &dyn crate::component::ComponentTrees,
    ) {
        let parts = self.statics.parts();
        for e in self.entries() {
            super::write_filled_in(parts, e.dynamics, out, trees);
        }
    }
}

/// Lists are equal when their statics and entries are, however they are stored.
impl PartialEq for Comprehension {
    fn eq(&self, other: &Comprehension) -> bool {
        if self.statics != other.statics
            || self.len() != other.len()
            || self.store.stream != other.store.stream
        {
            return false;
        }
        let mut i = 0;
        while i < self.len() {
            let shared = self.shared_from(other, i);
            if shared > 0 {
                i += shared;
            } else if self.entry(i) == other.entry(i) {
                i += 1;
            } else {
                return false;
            }
        }
        true
    }
}

impl fmt::Debug for Comprehension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Comprehension")
            .field("statics", &self.statics)
            .field("entries", &self.entries().collect::<Vec<_>>())
            .field("stream", &self.store.stream)
            .finish()
    }
}

/// Whether `d` holds a stream's list with entries or operations.
fn holds_stream_items(d: &Dynamic) -> bool {
    match d {
        Dynamic::Text(_) | Dynamic::Component(_) => false,
        Dynamic::Nested(r) => r.dynamics().iter().any(holds_stream_items),
        Dynamic::List(c) => match c.stream() {
            Some(ops) => !ops.is_empty() || !c.is_empty(),
            None => {
                c.has_nested()
                    && c.entries()
                        .any(|e| e.dynamics.iter().any(holds_stream_items))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::ToDynamic;
    use proptest::prelude::*;

    static ROW: Statics = Statics::new(&["<li>", "-", "</li>"], 3);

    fn entry(i: usize) -> (Option<EntryKey>, [Dynamic; 2]) {
        (
            Some(EntryKey::from(i)),
            [i.to_dynamic(), (i * 2).to_dynamic()],
        )
    }

    #[test]
    fn entries_across_chunks_and_after_finish() {
        let mut c = Comprehension::with_capacity(&ROW, 70);
        for i in 0..70 {
            let (k, d) = entry(i);
            c.push_entry(k, d);
        }
        assert_eq!(c.store.sealed.len(), 2);
        assert_eq!(c.store.tail.keys.capacity(), 6, "sized from the hint");
        let mut c = c.finish();
        assert_eq!((c.store.sealed.len(), c.len()), (3, 70));
        for i in [0, 31, 32, 63, 64, 69] {
            let (k, d) = entry(i);
            assert_eq!(c.key(i), k.as_ref());
            assert_eq!(c.entry(i).dynamics, &d);
        }
        // Pushing after `finish` copies the partial last chunk back into the tail.
        let (k, d) = entry(70);
        c.push_entry(k, d);
        assert_eq!(c.len(), 71);
        assert_eq!(c.entry(70).dynamics, &entry(70).1);
        assert_eq!(c.entry(69).dynamics, &entry(69).1);
        let mut html = String::new();
        c.write_html(&mut html);
        assert!(html.starts_with("<li>0-0</li><li>1-2</li>"), "{html}");
        assert!(html.ends_with("<li>70-140</li>"), "{html}");
        assert!(c.is_keyed());
        let copy = c.clone();
        assert_eq!(copy, c);
        assert_eq!(copy.shared_from(&c, 0), CHUNK);
    }

    #[test]
    #[should_panic(expected = "entry 3 of a list of 3")]
    fn entries_out_of_range_panic_clearly() {
        let mut c = Comprehension::new(&ROW);
        for i in 0..3 {
            let (k, d) = entry(i);
            c.push_entry(k, d);
        }
        let _ = c.entry(3);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        /// However a list was split into chunks (pushed, finished, pushed
        /// again), it equals and renders like the same entries pushed at once.
        #[test]
        fn layout_does_not_change_equality(n in 0usize..100, cut in 0usize..100, change in 0usize..100) {
            let cut = cut.min(n);
            let mut a = Comprehension::with_capacity(&ROW, cut);
            for i in 0..cut {
                let (k, d) = entry(i);
                a.push_entry(k, d);
            }
            let mut a = a.finish();
            for i in cut..n {
                let (k, d) = entry(i);
                a.push(k, d.to_vec());
            }
            let mut b = Comprehension::new(&ROW);
            for i in 0..n {
                let (k, d) = entry(i);
                b.push_entry(k, d);
            }
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(a.entries().collect::<Vec<_>>(), b.entries().collect::<Vec<_>>());
            let mut c = Comprehension::new(&ROW);
            for i in 0..n {
                let (k, mut d) = entry(i);
                if i == change {
                    d[1] = "x".to_dynamic();
                }
                c.push_entry(k, d);
            }
            prop_assert_eq!(a == c, change >= n);
        }
    }
}
