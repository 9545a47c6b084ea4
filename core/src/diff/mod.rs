//! The Phoenix LiveView 1.x rendered/diff JSON encoder.
//!
//! [`full`] encodes a whole [`Rendered`] tree (the `"rendered"` of a join
//! reply); [`diff`] encodes what changed between two renders of a view, in the
//! format the official `phoenix_live_view` 1.2 client merges
//! (PROTOCOL.md §4). JSON is written straight into a `String`.
//!
//! Shape of the output:
//!
//! * a template node is `{"0":…,"1":…,"s":[statics…]}`; text dynamics are JSON
//!   strings (already HTML-escaped by the template layer);
//! * a list is `{"s":[…],"k":{"0":{"0":…},…,"kc":N}}`;
//! * in a diff, a node whose statics are unchanged sends only the slots that
//!   changed (recursively), and is left out when nothing in it changed; a node
//!   whose statics changed, or a slot that changed kind (text / template /
//!   list), is sent complete, with `"s"`;
//! * a list with unchanged statics sends `{"k":{…,"kc":N}}`: entries are paired
//!   by key (keyed lists) or by position (unkeyed); a paired entry at its old
//!   index sends only its changed slots, a paired entry at a new index is a
//!   move (`oldIndex` or `[oldIndex, entryDiff]`, with `"km":true`), an
//!   unpaired entry is sent complete (the client merges it into whatever entry
//!   was at that index, so every slot is sent);
//! * a stream's list ([`crate::stream`]) carries `"stream":[ref, inserts,
//!   deletes]` (plus `true` on a reset); in a diff it is sent, every entry in
//!   full, only when its render has operations (the client empties a stream's
//!   entries after rendering them);
//! * a component ([`crate::component`]) is its cid, a JSON number; the
//!   driver's component pass writes the components' trees into `"c"`: in
//!   full with `"r":1`, as changes against what the client has, or as
//!   changes against another component of the same template whose statics
//!   it shares (`"s": -cid` or `"s": cid`, [`Extras::components`]);
//! * top-level extras: `"c"`, `"t"` (title), `"e"` (events), `"r"` (reply).
//!
//! No `"p"` template tables are used: the client accepts inline statics
//! arrays everywhere.
//!
//! [`merge`] is a model of the client's merge and render, for tests.
//!
//! ```
//! use liveview_core::diff::{diff, full, Extras};
//! use liveview_core::template::{Dynamic, Html, Rendered, Statics};
//!
//! static S: Statics = Statics::new(&["<p>", "</p>"], 1);
//! let a = Rendered::new(&S, vec![Dynamic::Text(Html::escape("a"))]);
//! let b = Rendered::new(&S, vec![Dynamic::Text(Html::escape("<b>"))]);
//! assert_eq!(full(&a, &Extras::default()), r#"{"0":"a","s":["<p>","</p>"]}"#);
//! assert_eq!(diff(&a, &b, &Extras::default()).unwrap(), r#"{"0":"&lt;b&gt;"}"#);
//! assert_eq!(diff(&a, &a, &Extras::default()), None);
//! let title = Extras { title: Some("Hi"), ..Extras::default() };
//! assert_eq!(diff(&a, &a, &title).unwrap(), r#"{"t":"Hi"}"#);
//! ```

mod json;
pub mod merge;

#[cfg(test)]
mod testgen;

use crate::stream::StreamOps;
use crate::template::{Comprehension, Dynamic, EntryKey, EntryRef, Rendered, Statics};
use serde_json::Value;
use std::collections::HashMap;

use json::{write_index_key, write_str, write_usize, write_value};

/// Top-level extras of a diff: components, title, push events, hook reply.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras<'a> {
    /// The members of the components map `"c"` (`"1":{…},…`, written by
    /// the driver's component pass); empty for none.
    pub components: &'a str,
    /// New page title (`"t"`).
    pub title: Option<&'a str>,
    /// Push events (`"e"`).
    pub events: &'a [(String, Value)],
    /// Hook reply (`"r"` at the top level).
    pub reply: Option<&'a Value>,
}

impl Extras<'_> {
    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.components.is_empty()
            && self.title.is_none()
            && self.events.is_empty()
            && self.reply.is_none()
    }
}

/// The full rendered JSON of a tree (for a join), with the extras at the top level.
///
/// Every dynamic is present, every node carries its statics as an array.
pub fn full(r: &Rendered, extras: &Extras<'_>) -> String {
    let mut out = String::with_capacity(256);
    out.push('{');
    write_full_members(&mut out, r.statics(), r.dynamics());
    let mut first = false;
    write_extras(&mut out, extras, &mut first);
    out.push('}');
    out
}

/// The diff JSON from `prev` to `next`, or `None` when nothing changed and there are no extras.
///
/// When the root statics differ, this is the full render of `next` (which the
/// client substitutes for its whole tree).
pub fn diff(prev: &Rendered, next: &Rendered, extras: &Extras<'_>) -> Option<String> {
    if prev.statics() != next.statics() {
        return Some(full(next, extras));
    }
    let mut out = String::with_capacity(64);
    out.push('{');
    let mut first = true;
    diff_members(&mut out, prev.dynamics(), next.dynamics(), &mut first);
    write_extras(&mut out, extras, &mut first);
    if first {
        return None;
    }
    out.push('}');
    Some(out)
}

/// A diff of the extras alone (the view did not render: only components
/// changed, or a title or event was sent), or `None` when they are empty.
pub fn extras_only(extras: &Extras<'_>) -> Option<String> {
    if extras.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(64);
    out.push('{');
    let mut first = true;
    write_extras(&mut out, extras, &mut first);
    out.push('}');
    Some(out)
}

/// Writes `,` unless this is the first member of an object.
#[inline]
fn sep(out: &mut String, first: &mut bool) {
    if *first {
        *first = false;
    } else {
        out.push(',');
    }
}

fn write_extras(out: &mut String, extras: &Extras<'_>, first: &mut bool) {
    if !extras.components.is_empty() {
        sep(out, first);
        out.push_str("\"c\":{");
        out.push_str(extras.components);
        out.push('}');
    }
    if let Some(t) = extras.title {
        sep(out, first);
        out.push_str("\"t\":");
        write_str(out, t);
    }
    if !extras.events.is_empty() {
        sep(out, first);
        out.push_str("\"e\":[");
        for (i, (name, payload)) in extras.events.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            write_str(out, name);
            out.push(',');
            write_value(out, payload);
            out.push(']');
        }
        out.push(']');
    }
    if let Some(r) = extras.reply {
        sep(out, first);
        out.push_str("\"r\":");
        write_value(out, r);
    }
}

// ---------------------------------------------------------------------------
// Full renders

fn write_statics(out: &mut String, statics: &Statics) {
    out.push_str("\"s\":[");
    for (i, part) in statics.parts().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, part);
    }
    out.push(']');
}

/// `"0":…,"1":…,"s":[…]` (no braces).
fn write_full_members(out: &mut String, statics: &Statics, dynamics: &[Dynamic]) {
    for (i, d) in dynamics.iter().enumerate() {
        write_index_key(out, i);
        write_full_dynamic(out, d);
        out.push(',');
    }
    write_statics(out, statics);
}

fn write_full_dynamic(out: &mut String, d: &Dynamic) {
    match d {
        Dynamic::Text(h) => write_str(out, h.as_str()),
        Dynamic::Nested(r) => {
            out.push('{');
            write_full_members(out, r.statics(), r.dynamics());
            out.push('}');
        }
        Dynamic::List(c) => write_full_list(out, c),
        Dynamic::Component(call) => write_usize(out, call.cid() as usize),
    }
}

/// An entry with every dynamic in full: `{"0":…,…}`.
fn write_full_entry(out: &mut String, dynamics: &[Dynamic]) {
    out.push('{');
    for (i, d) in dynamics.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_index_key(out, i);
        write_full_dynamic(out, d);
    }
    out.push('}');
}

fn write_full_list(out: &mut String, c: &Comprehension) {
    out.push('{');
    write_statics(out, c.statics());
    out.push(',');
    write_all_entries(out, c);
    out.push('}');
}

/// `"k":{every entry in full,"kc":n}`, then a stream's `,"stream":[…]`.
fn write_all_entries(out: &mut String, c: &Comprehension) {
    out.push_str("\"k\":{");
    for (i, e) in c.entries().enumerate() {
        write_index_key(out, i);
        write_full_entry(out, e.dynamics);
        out.push(',');
    }
    out.push_str("\"kc\":");
    write_usize(out, c.len());
    out.push('}');
    if let Some(ops) = c.stream() {
        out.push_str(",\"stream\":");
        write_stream_ops(out, ops);
    }
}

/// `[ref, [[dom_id, at, limit, update_only], …], [deleted ids…]]`, with a
/// fourth `true` on a reset (the client takes any fourth element as a reset).
fn write_stream_ops(out: &mut String, ops: &StreamOps) {
    out.push('[');
    write_str(out, &ops.stream_ref);
    out.push_str(",[");
    for (i, ins) in ops.inserts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        write_str(out, &ins.dom_id);
        out.push(',');
        write_i64(out, ins.at);
        out.push(',');
        match ins.limit {
            Some(n) => write_i64(out, n),
            None => out.push_str("null"),
        }
        out.push_str(if ins.update_only { ",true]" } else { ",false]" });
    }
    out.push_str("],[");
    for (i, id) in ops.deletes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, id);
    }
    out.push(']');
    if ops.reset {
        out.push_str(",true");
    }
    out.push(']');
}

fn write_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    write_usize(out, usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX));
}

/// A stream's list in a diff: the client emptied its entries after the last
/// render that carried operations, so a render with operations sends every
/// entry in full, and one without has nothing to say.
fn diff_stream_list(out: &mut String, next: &Comprehension) -> bool {
    match next.stream() {
        Some(ops) if !ops.is_empty() => {
            out.push('{');
            write_all_entries(out, next);
            out.push('}');
            true
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Components (entries of "c")

/// A component's tree in full: `{"0":…,"s":[…],"r":1}` (the client marks
/// the root element of a component; it must be one).
pub(crate) fn component_full(out: &mut String, tree: &Rendered) {
    out.push('{');
    write_full_members(out, tree.statics(), tree.dynamics());
    out.push_str(",\"r\":1}");
}

/// A component's changes against the tree the client has for it (same
/// statics): `{"0":…}`. `false` (with garbage to truncate) when nothing changed.
pub(crate) fn component_diff(out: &mut String, prev: &Rendered, next: &Rendered) -> bool {
    out.push('{');
    let mut first = true;
    diff_members(out, prev.dynamics(), next.dynamics(), &mut first);
    out.push('}');
    !first
}

/// A new component sharing the statics of another one, `base`, whose tree
/// the client has (`sref` = -cid) or gets in the same diff (`sref` = cid):
/// the client clones that tree and merges these changes over it.
pub(crate) fn component_shared(out: &mut String, sref: i64, base: &Rendered, next: &Rendered) {
    out.push_str("{\"s\":");
    write_i64(out, sref);
    let mut first = false;
    diff_members(out, base.dynamics(), next.dynamics(), &mut first);
    out.push('}');
}

// ---------------------------------------------------------------------------
// Diffs

/// Writes `"i":<diff>` members for the slots that changed between two
/// dynamics lists of the same statics.
fn diff_members(out: &mut String, prev: &[Dynamic], next: &[Dynamic], first: &mut bool) {
    for (i, (p, n)) in prev.iter().zip(next).enumerate() {
        if same_text(p, n) {
            continue;
        }
        let mark = out.len();
        let was_first = *first;
        sep(out, first);
        write_index_key(out, i);
        if !diff_dynamic(out, p, n) {
            out.truncate(mark);
            *first = was_first;
        }
    }
}

/// Both are the same text (the cheap, common "unchanged" case; short texts
/// are compared inline, see [`Html`](crate::template::Html)'s `PartialEq`).
#[inline]
fn same_text(prev: &Dynamic, next: &Dynamic) -> bool {
    matches!((prev, next), (Dynamic::Text(a), Dynamic::Text(b)) if a == b)
}

/// Writes the diff of one slot; returns `false` (leaving garbage for the
/// caller to truncate) when the slot did not change.
fn diff_dynamic(out: &mut String, prev: &Dynamic, next: &Dynamic) -> bool {
    match (prev, next) {
        (Dynamic::Text(a), Dynamic::Text(b)) => {
            if a == b {
                return false;
            }
            write_str(out, b.as_str());
            true
        }
        (Dynamic::Nested(a), Dynamic::Nested(b)) if a.statics() == b.statics() => {
            out.push('{');
            let mut first = true;
            diff_members(out, a.dynamics(), b.dynamics(), &mut first);
            out.push('}');
            !first
        }
        (Dynamic::Component(a), Dynamic::Component(b)) if a.cid() == b.cid() => false,
        (Dynamic::List(a), Dynamic::List(b))
            if a.statics() == b.statics() && a.stream().is_some() == b.stream().is_some() =>
        {
            if b.stream().is_some() {
                diff_stream_list(out, b)
            } else {
                diff_list(out, a, b)
            }
        }
        _ => {
            write_full_dynamic(out, next);
            true
        }
    }
}

/// Writes `"i":{changed slots}` for an entry that stayed at index `i`, or nothing.
fn diff_entry_in_place(
    out: &mut String,
    i: usize,
    prev: EntryRef<'_>,
    next: EntryRef<'_>,
    first: &mut bool,
) {
    // Most entries of a big list are unchanged text: skip them without writing anything.
    if prev
        .dynamics
        .iter()
        .zip(next.dynamics)
        .all(|(p, n)| same_text(p, n))
    {
        return;
    }
    let mark = out.len();
    let was_first = *first;
    sep(out, first);
    write_index_key(out, i);
    out.push('{');
    let mut inner_first = true;
    diff_members(out, prev.dynamics, next.dynamics, &mut inner_first);
    if inner_first {
        out.truncate(mark);
        *first = was_first;
    } else {
        out.push('}');
    }
}

fn diff_list(out: &mut String, prev: &Comprehension, next: &Comprehension) -> bool {
    let (old_len, new_len) = (prev.len(), next.len());
    out.push_str("{\"k\":{");
    let mut first = true;
    let mut moved = false;
    // Entries that keep their key at their index (all of them in an unkeyed
    // list, most of them usually) are diffed in place; `pair_entries` pairs
    // those the same way, so the pairing table is only built from the first
    // entry whose key changed.
    //
    // Entries in a chunk both lists share (a render reusing the previous one)
    // are identical at the same index: skipped without being looked at.
    let common = old_len.min(new_len);
    let mut i = 0;
    while i < common {
        let shared = prev.shared_from(next, i);
        if shared > 0 {
            i += shared;
            continue;
        }
        if prev.key(i) != next.key(i) {
            break;
        }
        diff_entry_in_place(out, i, prev.entry(i), next.entry(i), &mut first);
        i += 1;
    }
    let i = i.min(common);
    let pairs = if i < common {
        pair_entries(prev, next)
    } else {
        Vec::new()
    };
    for (i, e) in (i..new_len).map(|i| (i, next.entry(i))) {
        match pairs.get(i).copied().flatten() {
            Some(j) if j == i => diff_entry_in_place(out, i, prev.entry(j), e, &mut first),
            Some(j) => {
                moved = true;
                sep(out, &mut first);
                write_index_key(out, i);
                let mark = out.len();
                out.push('[');
                write_usize(out, j);
                out.push_str(",{");
                let mut inner_first = true;
                diff_members(out, prev.entry(j).dynamics, e.dynamics, &mut inner_first);
                if inner_first {
                    out.truncate(mark);
                    write_usize(out, j);
                } else {
                    out.push_str("}]");
                }
            }
            None => {
                sep(out, &mut first);
                write_index_key(out, i);
                write_full_entry(out, e.dynamics);
            }
        }
    }
    if first && old_len == new_len {
        return false;
    }
    sep(out, &mut first);
    out.push_str("\"kc\":");
    write_usize(out, new_len);
    if moved {
        out.push_str(",\"km\":true");
    }
    out.push_str("}}");
    true
}

/// For every new entry, the index of the old entry it continues, if any.
///
/// An entry first pairs with the old entry at its own index when the keys are
/// equal (both `None` in an unkeyed list); the remaining keyed entries pair
/// with the first unused old entry of the same key. Each old entry is used at
/// most once, so duplicate keys are handled (extra duplicates are new entries).
fn pair_entries(old: &Comprehension, new: &Comprehension) -> Vec<Option<usize>> {
    let mut used = vec![false; old.len()];
    let mut pairs = vec![None; new.len()];
    for i in 0..old.len().min(new.len()) {
        if old.key(i) == new.key(i) {
            pairs[i] = Some(i);
            used[i] = true;
        }
    }
    // key -> first unused old index with that key; `next_same[j]` chains the
    // later old indices with the same key.
    let mut head: HashMap<&EntryKey, usize> = HashMap::with_capacity(old.len());
    let mut next_same = vec![usize::MAX; old.len()];
    for j in (0..old.len()).rev() {
        if used[j] {
            continue;
        }
        if let Some(k) = old.key(j) {
            if let Some(later) = head.insert(k, j) {
                next_same[j] = later;
            }
        }
    }
    for (i, pair) in pairs.iter_mut().enumerate() {
        if pair.is_some() {
            continue;
        }
        let Some(k) = new.key(i) else { continue };
        if let Some(&j) = head.get(k) {
            *pair = Some(j);
            if next_same[j] == usize::MAX {
                head.remove(k);
            } else {
                head.insert(k, next_same[j]);
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests;
