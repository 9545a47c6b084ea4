//! Small ordered maps and sets kept in one sorted `Vec`.
//!
//! A socket holds a handful of channels, a view a handful of subscriptions.
//! `BTreeMap` allocates a whole node (room for 11 entries) for the first
//! one: about 1.1 KiB for a socket's one channel, held for the socket's
//! life. These keep the same order and lookups in storage that grows one
//! entry at a time while small, and is given back when emptied, so an idle
//! socket costs its entries and little more. Lookups are binary searches;
//! inserts and removals move the entries after them, which is cheap at the
//! sizes these hold (a socket's channels are capped at 64).

use std::borrow::Borrow;

/// Up to this many entries the storage grows by one entry at a time.
const EXACT_UP_TO: usize = 8;

/// An ordered map in a sorted `Vec` (see the [module docs](self)).
#[derive(Clone, Debug)]
pub(crate) struct SmallMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    /// An empty map (no allocation).
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// How many entries it holds.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    fn find<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value under `key`.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value under `key`, mutably.
    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self.find(key) {
            Ok(i) => Some(&mut self.entries[i].1),
            Err(_) => None,
        }
    }

    /// Whether `key` is present.
    pub(crate) fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).is_ok()
    }

    /// Puts `value` under `key`; the value it replaces, if any.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.grow();
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value under `key`, inserting `make()` first when absent.
    pub(crate) fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.grow();
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Takes the entry under `key` out.
    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let i = self.find(key).ok()?;
        let (_, v) = self.entries.remove(i);
        self.shrink();
        Some(v)
    }

    /// Removes every entry and gives the storage back.
    pub(crate) fn clear(&mut self) {
        self.entries = Vec::new();
    }

    /// The entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Room for one more entry: exactly one while small, then doubling.
    fn grow(&mut self) {
        let (len, cap) = (self.entries.len(), self.entries.capacity());
        if len == cap {
            if cap < EXACT_UP_TO {
                self.entries.reserve_exact(1);
            } else {
                self.entries.reserve(1);
            }
        }
    }

    /// Gives storage back once it is mostly unused (all of it when empty).
    fn shrink(&mut self) {
        let (len, cap) = (self.entries.len(), self.entries.capacity());
        if len == 0 {
            self.entries = Vec::new();
        } else if cap > EXACT_UP_TO && len <= cap / 4 {
            self.entries.shrink_to(len * 2);
        }
    }
}

impl<K, V> IntoIterator for SmallMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// An ordered set in a sorted `Vec` (see the [module docs](self)).
#[derive(Clone, Debug)]
pub(crate) struct SmallSet<K> {
    map: SmallMap<K, ()>,
}

impl<K> Default for SmallSet<K> {
    fn default() -> Self {
        SmallSet {
            map: SmallMap::default(),
        }
    }
}

impl<K: Ord> SmallSet<K> {
    /// An empty set (no allocation).
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// How many members it holds.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether `key` is a member.
    pub(crate) fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.contains_key(key)
    }

    /// Adds `key`; `false` if it was already there.
    pub(crate) fn insert(&mut self, key: K) -> bool {
        self.map.insert(key, ()).is_none()
    }

    /// Removes `key`; `false` if it was not there.
    pub(crate) fn remove<Q>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.remove(key).is_some()
    }

    /// The members in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &K> {
        self.map.keys()
    }
}

impl<K> IntoIterator for SmallSet<K> {
    type Item = K;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(K, ())>, fn((K, ())) -> K>;

    fn into_iter(self) -> Self::IntoIter {
        self.map.into_iter().map(|(k, ())| k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn storage_grows_one_entry_at_a_time_while_small_and_is_freed_when_empty() {
        let mut m = SmallMap::new();
        assert_eq!(m.entries.capacity(), 0);
        m.insert("b".to_string(), 1);
        assert_eq!(m.entries.capacity(), 1);
        m.insert("a".to_string(), 2);
        assert_eq!(m.entries.capacity(), 2);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(m.remove("a"), Some(2));
        assert_eq!(m.remove("a"), None);
        assert_eq!(m.remove("b"), Some(1));
        assert_eq!(m.entries.capacity(), 0);
    }

    #[test]
    fn a_set_is_ordered_and_deduplicated() {
        let mut s = SmallSet::new();
        assert!(s.insert("chat".to_string()));
        assert!(!s.insert("chat".to_string()));
        assert!(s.insert("alerts".to_string()));
        assert!(s.contains("chat"));
        assert_eq!(s.iter().collect::<Vec<_>>(), ["alerts", "chat"]);
        assert!(s.remove("chat"));
        assert!(!s.remove("chat"));
        assert_eq!(s.len(), 1);
        assert_eq!(s.into_iter().collect::<Vec<_>>(), ["alerts"]);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u32),
        Upsert(u8, u32),
        Remove(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..40, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            (0u8..40, any::<u32>()).prop_map(|(k, v)| Op::Upsert(k, v)),
            (0u8..40).prop_map(Op::Remove),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Every operation answers as `BTreeMap` does, and iteration order matches.
        #[test]
        fn behaves_like_a_btreemap(ops in proptest::collection::vec(op(), 0..200)) {
            let mut ours = SmallMap::new();
            let mut model = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        let v = u64::from(v);
                        prop_assert_eq!(ours.insert(k, v), model.insert(k, v));
                    }
                    Op::Upsert(k, v) => {
                        *ours.get_or_insert_with(k, || 0) += u64::from(v);
                        *model.entry(k).or_insert(0) += u64::from(v);
                    }
                    Op::Remove(k) => prop_assert_eq!(ours.remove(&k), model.remove(&k)),
                }
                prop_assert_eq!(ours.len(), model.len());
                prop_assert!(ours.entries.capacity() <= (4 * ours.len()).max(EXACT_UP_TO));
                for k in 0u8..40 {
                    prop_assert_eq!(ours.get(&k), model.get(&k));
                    prop_assert_eq!(ours.contains_key(&k), model.contains_key(&k));
                }
            }
            let a: Vec<_> = ours.iter().map(|(k, v)| (*k, *v)).collect();
            let b: Vec<_> = model.iter().map(|(k, v)| (*k, *v)).collect();
            prop_assert_eq!(a, b);
        }
    }
}
