//! A model of how the official client merges and renders diffs, for tests.
//!
//! This follows the algorithm of `Rendered` in `phoenix_live_view` 1.2.12
//! (`extract`, `mergeDiff` → `mutableMerge` / `doMutableMerge` /
//! `mergeKeyed`, then `toOutputBuffer`), as described in PROTOCOL.md §4.3–4.4,
//! over [`serde_json::Value`] trees:
//!
//! * a diff with `"s"` replaces the node it lands on; an object without `"s"`
//!   is merged into an object already there; anything else replaces;
//! * a comprehension diff (`"k"`) merges entry objects into the entry at their
//!   index, copies moved entries (`oldIndex` / `[oldIndex, diff]`) from the tree
//!   as it was before the diff — which requires `"km": true`, as in the client —
//!   drops entries at and past the new `"kc"`, and sets `"kc"`;
//! * rendering interleaves statics and dynamics, and a comprehension renders
//!   its `"kc"` entries with its statics.
//!
//! Where the real client would throw (a move without `"km"`, a move from an
//! index that does not exist, merging into a non-object) the model returns a
//! [`MergeError`]. Where the client would silently print `undefined` or `null`
//! into the page (a missing dynamic, empty statics), the model also returns an
//! error: for a server that is always a bug.
//!
//! * streams (`"stream"`): see [`Client`], which keeps their items as the
//!   client's DOM does ([`StreamDom`]);
//! * components (`"c"`, integer dynamics): the tree keeps them under `"c"`;
//!   a diff's entries are merged as `cachedFindComponent` does (a new tree
//!   with `"s"`, changes cloned-and-merged over the one the client has, or
//!   `"s": ±cid` sharing another component's tree, old or from the same
//!   diff); a diff with root statics drops them all; a component renders
//!   where its cid is, with `data-phx-component="cid"` added to its root
//!   element, as the client does ([`Client::prune`] is `pruneCIDs`).
//!
//! Not modeled (the Rust server never sends them): template tables (`"p"`
//! and integer `"s"` outside components). The render leaves out the other
//! `data-phx-*` attributes the client adds to `"r": 1` roots.
//!
//! ```
//! use liveview_core::diff::merge::Client;
//! use serde_json::json;
//!
//! let mut client = Client::join(json!({"0": "a", "1": {"s": ["<li>", "</li>"],
//!     "k": {"0": {"0": "x"}, "1": {"0": "y"}, "kc": 2}}, "s": ["<p>", "</p><ul>", "</ul>"]})).unwrap();
//! assert_eq!(client.to_html().unwrap(), "<p>a</p><ul><li>x</li><li>y</li></ul>");
//! let extras = client.apply(json!({"1": {"k": {"0": 1, "1": [0, {"0": "X"}], "kc": 2, "km": true}},
//!                                  "t": "new title"})).unwrap();
//! assert_eq!(client.to_html().unwrap(), "<p>a</p><ul><li>y</li><li>X</li></ul>");
//! assert_eq!(extras.title, Some(json!("new title")));
//! ```

use crate::stream::{StreamDom, StreamInsert, StreamOps};
use serde_json::{Map, Value};
use std::fmt;

/// Why a diff could not be merged or a tree could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeError(String);

impl MergeError {
    fn new(msg: impl Into<String>) -> MergeError {
        MergeError(msg.into())
    }

    /// The explanation.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MergeError {}

/// The top-level extras the client takes out of a diff before merging it (`Rendered.extract`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiffExtras {
    /// `"t"`: the new page title.
    pub title: Option<Value>,
    /// `"e"`: push events, each `[name, payload]` (or `[name, payload, true]`).
    pub events: Vec<Value>,
    /// `"r"`: the hook reply.
    pub reply: Option<Value>,
}

/// Splits a diff into its renderable part and its extras (`"t"`, `"e"`, `"r"`), like `Rendered.extract`.
///
/// Errors when the diff is not an object or `"e"` is not an array.
pub fn extract(diff: Value) -> Result<(Value, DiffExtras), MergeError> {
    let Value::Object(mut d) = diff else {
        return Err(MergeError::new(format!(
            "a diff must be a JSON object, got {}",
            kind(&diff)
        )));
    };
    let reply = d.remove("r").filter(truthy);
    let title = d.remove("t");
    let events = match d.remove("e") {
        None => Vec::new(),
        Some(e) if !truthy(&e) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(MergeError::new(format!(
                "\"e\" must be an array, got {}",
                kind(&other)
            )))
        }
    };
    Ok((
        Value::Object(d),
        DiffExtras {
            title,
            events,
            reply,
        },
    ))
}

/// `mergeDiff`: merges an extracted diff into the client's tree, its
/// components (`"c"`) into the tree's `"c"`.
///
/// Errors wherever the client would throw.
pub fn merge_diff(tree: &mut Value, mut diff: Value) -> Result<(), MergeError> {
    let newc = match &mut diff {
        Value::Object(o) => o.remove("c"),
        _ => None,
    };
    if diff.get("s").is_some() {
        // The whole tree is replaced, its components with it.
        *tree = diff;
    } else {
        // like the client, an error leaves the tree partly merged
        do_mutable_merge(tree, diff)?;
    }
    let Value::Object(t) = tree else {
        return Err(MergeError::new("the tree is not an object"));
    };
    let oldc = match t.remove("c") {
        Some(Value::Object(c)) => c,
        Some(other) => {
            return Err(MergeError::new(format!(
                "the tree's \"c\" is {}",
                kind(&other)
            )))
        }
        None => Map::new(),
    };
    let mut merged = oldc.clone();
    if let Some(newc) = newc {
        let Value::Object(newc) = newc else {
            return Err(MergeError::new(format!(
                "\"c\" is {}, not an object",
                kind(&newc)
            )));
        };
        let mut cache = Map::new();
        for cid in newc.keys() {
            let c = find_component(cid, &oldc, &newc, &mut cache, 0)?;
            merged.insert(cid.clone(), c);
        }
    }
    // The client keeps `{}`; the model leaves it out when empty, so that a
    // tree without components equals the server's full render.
    if !merged.is_empty() {
        t.insert("c".into(), Value::Object(merged));
    }
    Ok(())
}

/// `cachedFindComponent`: component `cid`'s tree after this diff.
fn find_component(
    cid: &str,
    oldc: &Map<String, Value>,
    newc: &Map<String, Value>,
    cache: &mut Map<String, Value>,
    depth: usize,
) -> Result<Value, MergeError> {
    if let Some(done) = cache.get(cid) {
        return Ok(done.clone());
    }
    if depth > MAX_DEPTH {
        return Err(MergeError::new("components share statics in a cycle"));
    }
    let cdiff = newc.get(cid).ok_or_else(|| {
        MergeError::new(format!("\"c\" refers to component {cid}, not in the diff"))
    })?;
    let result = match cdiff.get("s") {
        Some(Value::Number(n)) => {
            let scid = n
                .as_i64()
                .filter(|n| *n != 0)
                .ok_or_else(|| MergeError::new(format!("component {cid} shares statics {n}")))?;
            let base = if scid > 0 {
                find_component(&scid.to_string(), oldc, newc, cache, depth + 1)?
            } else {
                oldc.get(&(-scid).to_string()).cloned().ok_or_else(|| {
                    MergeError::new(format!(
                        "component {cid} shares the statics of component {}, which the client \
                         does not have (the client would throw)",
                        -scid
                    ))
                })?
            };
            let statics = base.get("s").cloned();
            let mut merged = clone_merge(&base, cdiff)?;
            if let (Value::Object(m), Some(s)) = (&mut merged, statics) {
                m.insert("s".into(), s);
            }
            merged
        }
        Some(_) => cdiff.clone(),
        None => match oldc.get(cid) {
            None => cdiff.clone(),
            Some(old) => clone_merge(old, cdiff)?,
        },
    };
    cache.insert(cid.to_owned(), result.clone());
    Ok(result)
}

/// `cloneMerge`: `source` merged over a copy of `target` (objects without
/// `"s"` merged recursively, anything else replacing).
fn clone_merge(target: &Value, source: &Value) -> Result<Value, MergeError> {
    let (Value::Object(t), Value::Object(s)) = (target, source) else {
        return Err(MergeError::new(
            "cannot merge a component's tree that is not an object",
        ));
    };
    if s.get("k").is_some_and(truthy) {
        let mut merged = t.clone();
        merge_keyed(&mut merged, s.clone())?;
        return Ok(Value::Object(merged));
    }
    let mut merged = t.clone();
    for (key, val) in s {
        let deep = matches!(val, Value::Object(o) if !o.contains_key("s"))
            && matches!(t.get(key), Some(Value::Object(_)));
        if deep {
            merged.insert(key.clone(), clone_merge(&t[key], val)?);
        } else {
            merged.insert(key.clone(), val.clone());
        }
    }
    Ok(Value::Object(merged))
}

/// `merge_diff` on a copy: `full(a)` merged with `diff(a, b)` (extras dropped) should be `full(b)`.
pub fn merge(tree: &Value, diff: Value) -> Result<Value, MergeError> {
    let (diff, _) = extract(diff)?;
    let mut t = tree.clone();
    merge_diff(&mut t, diff)?;
    Ok(t)
}

/// `mutableMerge`: a source with `"s"` replaces the target, any other is merged into it.
pub fn mutable_merge(mut target: Value, source: Value) -> Result<Value, MergeError> {
    if source.get("s").is_some() {
        return Ok(source);
    }
    do_mutable_merge(&mut target, source)?;
    Ok(target)
}

/// `doMutableMerge`: merges the members of `source` into the object `target`.
///
/// A comprehension diff (`"k"`) goes to [`merge_keyed`]; otherwise each member
/// that is an object without `"s"` is merged into an object already at that key,
/// and every other member replaces what is there.
pub fn do_mutable_merge(target: &mut Value, source: Value) -> Result<(), MergeError> {
    let Value::Object(src) = source else {
        return Err(MergeError::new(format!(
            "cannot merge {} (not an object) into a node",
            kind(&source)
        )));
    };
    let Value::Object(t) = target else {
        return Err(MergeError::new(format!(
            "cannot merge into {} (not an object)",
            kind(target)
        )));
    };
    if src.get("k").is_some_and(truthy) {
        return merge_keyed(t, src);
    }
    for (key, val) in src {
        let merge_into = matches!(&val, Value::Object(o) if !o.contains_key("s"))
            && matches!(t.get(&key), Some(Value::Object(_)));
        if merge_into {
            if let Some(slot) = t.get_mut(&key) {
                do_mutable_merge(slot, val)?;
            }
        } else {
            t.insert(key, val);
        }
    }
    Ok(())
}

/// `mergeKeyed`: merges a comprehension diff `{"k": {…, "kc": n, "km"?}}` into a comprehension node.
pub fn merge_keyed(
    target: &mut Map<String, Value>,
    mut source: Map<String, Value>,
) -> Result<(), MergeError> {
    let Some(Value::Object(k)) = source.remove("k") else {
        return Err(MergeError::new(
            "comprehension diff: \"k\" is not an object",
        ));
    };
    if !matches!(target.get("k"), Some(Value::Object(_))) {
        return Err(MergeError::new(
            "comprehension diff merged into a node that is not a comprehension",
        ));
    }
    let km = k.get("km").is_some_and(truthy);
    // The client clones the target only when "km" is set; a move without it reads undefined and throws.
    let cloned: Option<Map<String, Value>> = if km {
        target.get("k").and_then(Value::as_object).cloned()
    } else {
        None
    };
    let moved_from = |old: &Value, i: &str| -> Result<Value, MergeError> {
        let Some(cloned) = &cloned else {
            return Err(MergeError::new(format!(
                "entry {i} moves from {old} without \"km\": true (the client throws a TypeError)"
            )));
        };
        let key = index_key(old)
            .ok_or_else(|| MergeError::new(format!("entry {i}: bad old index {old}")))?;
        cloned.get(&key).cloned().ok_or_else(|| {
            MergeError::new(format!(
                "entry {i} moves from old index {key}, which does not exist"
            ))
        })
    };
    let tk = target
        .get_mut("k")
        .and_then(Value::as_object_mut)
        .expect("checked above");
    for (i, entry) in &k {
        if i == "kc" || i == "km" {
            continue;
        }
        match entry {
            Value::Array(a) => {
                let mut e = moved_from(a.first().unwrap_or(&Value::Null), i)?;
                do_mutable_merge(&mut e, a.get(1).cloned().unwrap_or(Value::Null))?;
                tk.insert(i.clone(), e);
            }
            Value::Number(_) => {
                let e = moved_from(entry, i)?;
                tk.insert(i.clone(), e);
            }
            Value::Object(_) => {
                let slot = tk
                    .entry(i.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !truthy(slot) {
                    *slot = Value::Object(Map::new());
                }
                do_mutable_merge(slot, entry.clone())?;
            }
            Value::Null => {
                return Err(MergeError::new(format!(
                    "entry {i} is null (the client throws a TypeError)"
                )));
            }
            // strings and booleans are ignored by the client
            _ => {}
        }
    }
    let new_kc = k.get("kc").and_then(Value::as_u64);
    let old_kc = tk.get("kc").and_then(Value::as_u64);
    if let (Some(new_kc), Some(old_kc)) = (new_kc, old_kc) {
        for j in new_kc..old_kc {
            tk.remove(&j.to_string());
        }
    }
    tk.insert("kc".into(), k.get("kc").cloned().unwrap_or(Value::Null));
    if let Some(s) = source.remove("stream").filter(truthy) {
        target.insert("stream".into(), s);
    }
    if let Some(p) = source.remove("p").filter(truthy) {
        target.insert("p".into(), p);
    }
    Ok(())
}

/// The HTML a merged tree stands for (the LiveView container's inner HTML),
/// without the `data-phx-*` attributes the client adds to roots.
pub fn to_html(tree: &Value) -> Result<String, MergeError> {
    let mut out = String::new();
    node_to_html(tree, &mut out, 0, None)?;
    Ok(out)
}

const MAX_DEPTH: usize = 512;

fn node_to_html(
    node: &Value,
    out: &mut String,
    depth: usize,
    streams: Option<&StreamDom>,
) -> Result<(), MergeError> {
    let components = node.get("c").and_then(Value::as_object);
    let cx = Cx {
        components,
        streams,
        placeholders: false,
    };
    cx.node(node, out, depth)
}

/// What rendering a node needs besides the node.
#[derive(Clone, Copy)]
struct Cx<'a> {
    components: Option<&'a Map<String, Value>>,
    streams: Option<&'a StreamDom>,
    /// Components written as placeholders (a stream item's HTML, kept by
    /// the stream model while its components render on their own).
    placeholders: bool,
}

impl Cx<'_> {
    fn node(&self, node: &Value, out: &mut String, depth: usize) -> Result<(), MergeError> {
        node_in(node, out, depth, self)
    }

    /// Component `cid` in its place, its root element marked.
    fn component(&self, cid: u64, out: &mut String, depth: usize) -> Result<(), MergeError> {
        if self.placeholders {
            crate::component::placeholder(cid as u32, out);
            return Ok(());
        }
        let tree = self
            .components
            .and_then(|c| c.get(&cid.to_string()))
            .ok_or_else(|| {
                MergeError::new(format!(
                    "component {cid} is rendered but the client has no tree for it"
                ))
            })?;
        if tree.get("r") != Some(&Value::from(1)) {
            return Err(MergeError::new(format!(
                "component {cid} has no \"r\": 1 (the client could not mark its root)"
            )));
        }
        let start = out.len();
        self.node(tree, out, depth + 1)?;
        if !crate::component::starts_with_element(&out[start..]) {
            return Err(MergeError::new(format!(
                "component {cid} does not start with an element (the client throws \"malformed html\")"
            )));
        }
        crate::component::mark_root(out, start, cid as u32);
        Ok(())
    }
}

fn node_in(node: &Value, out: &mut String, depth: usize, cx: &Cx<'_>) -> Result<(), MergeError> {
    let streams = cx.streams;
    if depth > MAX_DEPTH {
        return Err(MergeError::new("tree nested too deeply"));
    }
    let Value::Object(o) = node else {
        return Err(MergeError::new(format!(
            "a node must be an object, got {}",
            kind(node)
        )));
    };
    if o.contains_key("p") {
        return Err(MergeError::new("template tables (\"p\") are not modeled"));
    }
    let statics = statics_of(o)?;
    if let Some(stream_ref) = stream_ref_of(o) {
        // The client's DOM keeps a stream's items; its tree keeps none.
        if let Some(dom) = streams {
            let mut failed = None;
            dom.write_items_in(stream_ref, out, |cid, out| {
                if let Err(e) = cx.component(u64::from(cid), out, depth) {
                    failed.get_or_insert(e);
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
        }
        return Ok(());
    }
    if let Some(k) = o.get("k").filter(|k| truthy(k)) {
        let Value::Object(k) = k else {
            return Err(MergeError::new("comprehension \"k\" is not an object"));
        };
        let kc = k
            .get("kc")
            .and_then(Value::as_u64)
            .ok_or_else(|| MergeError::new("comprehension without a numeric \"kc\""))?;
        for i in 0..kc {
            let entry = k
                .get(&i.to_string())
                .and_then(Value::as_object)
                .ok_or_else(|| {
                    MergeError::new(format!("comprehension entry {i} of {kc} is missing"))
                })?;
            dynamics_to_html(entry, statics, out, depth, cx)?;
        }
        return Ok(());
    }
    dynamics_to_html(o, statics, out, depth, cx)
}

/// The key under which the model remembers a stream's reference once the
/// client has taken its `"stream"` entry out of the tree.
const STREAM_REF: &str = "__stream_ref";

/// The stream reference of a comprehension node, if it is a stream's.
fn stream_ref_of(o: &Map<String, Value>) -> Option<&str> {
    if let Some(Value::String(r)) = o.get(STREAM_REF) {
        return Some(r);
    }
    o.get("stream")?.as_array()?.first()?.as_str()
}

/// Reads a `"stream"` entry: `[ref, [[id, at, limit, update_only], …], [ids…]]`,
/// with any fourth element meaning a reset (as the client reads it).
fn stream_ops(v: &Value) -> Result<StreamOps, MergeError> {
    let bad = |what: &str| MergeError::new(format!("stream entry {v}: {what}"));
    let a = v.as_array().ok_or_else(|| bad("not an array"))?;
    let stream_ref = a
        .first()
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the reference is not a string"))?;
    let inserts = a
        .get(1)
        .and_then(Value::as_array)
        .ok_or_else(|| bad("the inserts are not an array"))?
        .iter()
        .map(|i| {
            let i = i
                .as_array()
                .ok_or_else(|| bad("an insert is not an array"))?;
            let dom_id = i.first().and_then(Value::as_str);
            let at = i.get(1).and_then(Value::as_i64);
            let limit = match i.get(2) {
                Some(Value::Null) => Ok(None),
                Some(n) => n.as_i64().map(Some).ok_or(()),
                // The client compares `limit !== null`: an absent limit prunes everything.
                None => Err(()),
            };
            match (dom_id, at, limit) {
                (Some(d), Some(at), Ok(limit)) => Ok(StreamInsert {
                    dom_id: d.to_owned(),
                    at,
                    limit,
                    update_only: i.get(3).is_some_and(truthy),
                }),
                _ => Err(bad("an insert is not [id, at, limit|null, update_only]")),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let deletes = a
        .get(2)
        .and_then(Value::as_array)
        .ok_or_else(|| bad("the deletes are not an array"))?
        .iter()
        .map(|d| {
            d.as_str()
                .map(str::to_owned)
                .ok_or_else(|| bad("a delete is not a string"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StreamOps {
        stream_ref: stream_ref.into(),
        inserts,
        deletes,
        reset: a.len() > 3,
    })
}

/// What the client does with streams after each merge (`comprehensionToBuffer`
/// then the DOM patch): a stream's comprehension that has entries, deletes or
/// a reset hands them to the DOM ([`StreamDom`]) and is left with no entries
/// and no `"stream"` entry. Streams no longer in the tree lose their items.
fn settle_streams(tree: &mut Value, dom: &mut StreamDom) -> Result<(), MergeError> {
    let mut seen = Vec::new();
    // Stream items may hold components: rendered from the trees as merged.
    let components = tree.get("c").and_then(Value::as_object).cloned();
    settle_node(tree, dom, &mut seen, 0, components.as_ref())?;
    dom.retain(|r| seen.iter().any(|s| s == r));
    Ok(())
}

fn settle_node(
    node: &mut Value,
    dom: &mut StreamDom,
    seen: &mut Vec<String>,
    depth: usize,
    components: Option<&Map<String, Value>>,
) -> Result<(), MergeError> {
    if depth > MAX_DEPTH {
        return Err(MergeError::new("tree nested too deeply"));
    }
    let Value::Object(o) = node else {
        return Ok(());
    };
    if let Some(stream) = o.get("stream") {
        let ops = stream_ops(stream)?;
        seen.push(ops.stream_ref.to_string());
        let kc = o
            .get("k")
            .and_then(|k| k.get("kc"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if kc > 0 || !ops.deletes.is_empty() || ops.reset {
            // Nested streams inside the entries first, as the client renders inside out.
            if let Some(k) = o.get_mut("k") {
                settle_entries(k, dom, seen, depth, components)?;
            }
            let statics = statics_of(o)?;
            let mut entries = Vec::with_capacity(kc as usize);
            for i in 0..kc {
                let entry = o
                    .get("k")
                    .and_then(|k| k.get(i.to_string()))
                    .and_then(Value::as_object)
                    .ok_or_else(|| {
                        MergeError::new(format!("stream entry {i} of {kc} is missing"))
                    })?;
                let mut html = String::new();
                let mut cx = Cx {
                    components,
                    streams: Some(dom),
                    placeholders: true,
                };
                dynamics_to_html(entry, statics, &mut html, depth, &cx)?;
                // The item's id may be its component's.
                let id = if html.contains('\u{0}') {
                    cx.placeholders = false;
                    let mut full = String::new();
                    dynamics_to_html(entry, statics, &mut full, depth, &cx)?;
                    crate::stream::root_id(&full)
                } else {
                    crate::stream::root_id(&html)
                };
                entries.push((id.unwrap_or_default(), html));
            }
            dom.apply_items(&ops, entries);
            o.remove("stream");
            o.insert(STREAM_REF.into(), Value::String(ops.stream_ref.to_string()));
            let mut k = Map::new();
            k.insert("kc".into(), Value::from(0));
            o.insert("k".into(), Value::Object(k));
        }
        return Ok(());
    }
    if let Some(Value::String(r)) = o.get(STREAM_REF) {
        seen.push(r.clone());
        return Ok(());
    }
    for (key, v) in o.iter_mut() {
        match key.as_str() {
            "s" => {}
            "k" => settle_entries(v, dom, seen, depth, components)?,
            _ => settle_node(v, dom, seen, depth + 1, components)?,
        }
    }
    Ok(())
}

/// [`settle_node`] on each entry of a comprehension's `"k"`.
fn settle_entries(
    k: &mut Value,
    dom: &mut StreamDom,
    seen: &mut Vec<String>,
    depth: usize,
    components: Option<&Map<String, Value>>,
) -> Result<(), MergeError> {
    if let Value::Object(k) = k {
        for (i, e) in k.iter_mut() {
            if i != "kc" {
                settle_node(e, dom, seen, depth + 1, components)?;
            }
        }
    }
    Ok(())
}

fn statics_of(o: &Map<String, Value>) -> Result<&[Value], MergeError> {
    match o.get("s") {
        Some(Value::Array(a)) if !a.is_empty() => Ok(a),
        Some(Value::Array(_)) => Err(MergeError::new(
            "empty statics (the client would print \"undefined\")",
        )),
        Some(Value::Number(_)) => Err(MergeError::new(
            "integer statics (template tables) are not modeled",
        )),
        Some(other) => Err(MergeError::new(format!(
            "statics must be an array, got {}",
            kind(other)
        ))),
        None => Err(MergeError::new("node without statics (\"s\")")),
    }
}

fn dynamics_to_html(
    node: &Map<String, Value>,
    statics: &[Value],
    out: &mut String,
    depth: usize,
    cx: &Cx<'_>,
) -> Result<(), MergeError> {
    let part = |i: usize| -> Result<&str, MergeError> {
        statics[i]
            .as_str()
            .ok_or_else(|| MergeError::new(format!("static {i} is not a string")))
    };
    let last = statics.len() - 1;
    for i in 0..last {
        out.push_str(part(i)?);
        match node.get(&i.to_string()) {
            Some(Value::String(s)) => out.push_str(s),
            Some(v @ Value::Object(_)) => cx.node(v, out, depth + 1)?,
            Some(Value::Number(n)) => {
                let cid = n.as_u64().filter(|c| *c > 0).ok_or_else(|| {
                    MergeError::new(format!("dynamic {i} is {n}, not a component's cid"))
                })?;
                cx.component(cid, out, depth)?
            }
            Some(other) => {
                return Err(MergeError::new(format!(
                    "dynamic {i} is {} (the client would print it)",
                    kind(other)
                )))
            }
            None => {
                return Err(MergeError::new(format!(
                    "dynamic {i} is missing (the client would print \"undefined\")"
                )))
            }
        }
    }
    out.push_str(part(last)?);
    Ok(())
}

/// A client-side rendered tree: join with a full render, apply diffs, render.
///
/// Streams are kept as the client's DOM keeps them: after each join or diff,
/// each stream's new entries, deletes and reset go to a [`StreamDom`] and
/// leave the tree; the HTML shows the stream items in their lists' places.
#[derive(Clone, Debug)]
pub struct Client {
    rendered: Value,
    streams: StreamDom,
}

impl Client {
    /// `new Rendered(id, extract(rendered).diff)`: the tree of a join reply.
    pub fn join(rendered: Value) -> Result<Client, MergeError> {
        let (diff, _) = extract(rendered)?;
        let mut rendered = Value::Object(Map::new());
        merge_diff(&mut rendered, diff)?;
        let mut streams = StreamDom::new();
        settle_streams(&mut rendered, &mut streams)?;
        Ok(Client { rendered, streams })
    }

    /// Applies one diff (extract + mergeDiff) and returns its extras.
    pub fn apply(&mut self, diff: Value) -> Result<DiffExtras, MergeError> {
        let (diff, extras) = extract(diff)?;
        merge_diff(&mut self.rendered, diff)?;
        settle_streams(&mut self.rendered, &mut self.streams)?;
        Ok(extras)
    }

    /// `pruneCIDs`: forgets these components (after a `cids_destroyed` reply).
    pub fn prune(&mut self, cids: &[u32]) {
        if let Some(Value::Object(c)) = self.rendered.get_mut("c") {
            for cid in cids {
                c.remove(&cid.to_string());
            }
        }
    }

    /// The cids of the components the page shows now (what the client
    /// finds in its DOM), in render order.
    pub fn shown_cids(&self) -> Vec<u32> {
        if self.rendered.get("c").is_none() {
            return Vec::new();
        }
        let Ok(html) = self.to_html() else {
            return Vec::new();
        };
        let mut cids = Vec::new();
        let mut rest = html.as_str();
        while let Some(i) = rest.find(" data-phx-component=\"") {
            rest = &rest[i + 21..];
            if let Some(end) = rest.find('"') {
                if let Ok(cid) = rest[..end].parse() {
                    cids.push(cid);
                }
            }
        }
        cids
    }

    /// The merged tree.
    pub fn rendered(&self) -> &Value {
        &self.rendered
    }

    /// The stream items the page shows.
    pub fn streams(&self) -> &StreamDom {
        &self.streams
    }

    /// The HTML of the page: the merged tree (see [`to_html`]) with the
    /// stream items in place.
    pub fn to_html(&self) -> Result<String, MergeError> {
        let mut out = String::new();
        node_to_html(&self.rendered, &mut out, 0, Some(&self.streams))?;
        Ok(out)
    }
}

/// JavaScript truthiness of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// The object key a JSON number names (`1` → `"1"`), if it is a non-negative integer.
fn index_key(v: &Value) -> Option<String> {
    v.as_u64().map(|n| n.to_string())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// JSON trees made of the protocol's keys, so that merges get deep.
    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0u64..4).prop_map(Value::from),
            "[a-c<]{0,2}".prop_map(Value::String),
            // Stream entries, well and badly shaped.
            Just(serde_json::json!([
                "r",
                [["x", -1, null, false], ["y", 0, -1, true]],
                ["z"]
            ])),
            Just(serde_json::json!(["r", [], [], true])),
            Just(serde_json::json!(["r", [["x", 1]], [2]])),
        ];
        leaf.prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("0".to_owned()),
                        Just("1".to_owned()),
                        Just("s".to_owned()),
                        Just("k".to_owned()),
                        Just("kc".to_owned()),
                        Just("km".to_owned()),
                        Just("r".to_owned()),
                        Just("e".to_owned()),
                        Just("t".to_owned()),
                        Just("stream".to_owned()),
                        Just(STREAM_REF.to_owned()),
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Arbitrary input gives a result or an explained error, never a panic.
        #[test]
        fn never_panics(join in arb_json(), diffs in prop::collection::vec(arb_json(), 0..4)) {
            let explained = |e: MergeError| !e.message().is_empty();
            match Client::join(join) {
                Err(e) => prop_assert!(explained(e)),
                Ok(mut c) => {
                    for d in diffs {
                        if let Err(e) = c.to_html() { prop_assert!(explained(e)); }
                        if let Err(e) = c.apply(d) { prop_assert!(explained(e)); }
                    }
                    if let Err(e) = c.to_html() { prop_assert!(explained(e)); }
                }
            }
        }
    }

    fn joined(v: Value) -> Client {
        Client::join(v).unwrap()
    }

    #[test]
    fn replaces_nodes_with_statics_and_merges_others() {
        let mut c =
            joined(json!({"0": "a", "1": {"0": "x", "s": ["<b>", "</b>"]}, "s": ["", "|", ""]}));
        c.apply(json!({"1": {"0": "y"}})).unwrap();
        assert_eq!(c.to_html().unwrap(), "a|<b>y</b>");
        c.apply(json!({"1": {"0": "z", "1": "w", "s": ["<i>", "-", "</i>"]}}))
            .unwrap();
        assert_eq!(c.to_html().unwrap(), "a|<i>z-w</i>");
        c.apply(json!({"1": "plain", "0": "b"})).unwrap();
        assert_eq!(c.to_html().unwrap(), "b|plain");
        c.apply(json!({"0": "c", "1": "d", "s": ["[", ",", "]"]}))
            .unwrap();
        assert_eq!(c.to_html().unwrap(), "[c,d]");
    }

    #[test]
    fn keyed_merge_follows_the_recipes() {
        let mut c = joined(
            json!({"0": {"s": ["<li>", "</li>"], "k": {"0": {"0": "a"}, "1": {"0": "b"}, "kc": 2}},
                                  "s": ["<ul>", "</ul>"]}),
        );
        c.apply(json!({"0": {"k": {"1": {"0": "B"}, "kc": 2}}}))
            .unwrap();
        assert_eq!(c.to_html().unwrap(), "<ul><li>a</li><li>B</li></ul>");
        c.apply(json!({"0": {"k": {"2": {"0": "c"}, "kc": 3}}}))
            .unwrap();
        assert_eq!(
            c.to_html().unwrap(),
            "<ul><li>a</li><li>B</li><li>c</li></ul>"
        );
        c.apply(json!({"0": {"k": {"0": [1, {"0": "b"}], "1": 0, "kc": 2, "km": true}}}))
            .unwrap();
        assert_eq!(c.to_html().unwrap(), "<ul><li>b</li><li>a</li></ul>");
        assert_eq!(
            c.rendered()["0"]["k"],
            json!({"0": {"0": "b"}, "1": {"0": "a"}, "kc": 2})
        );
        c.apply(json!({"0": {"k": {"kc": 0}}})).unwrap();
        assert_eq!(c.to_html().unwrap(), "<ul></ul>");
    }

    #[test]
    fn moves_without_km_fail_like_the_client() {
        let mut c = joined(
            json!({"0": {"s": ["", ""], "k": {"0": {"0": "a"}, "1": {"0": "b"}, "kc": 2}}, "s": ["", ""]}),
        );
        let e = c.apply(json!({"0": {"k": {"0": 1, "kc": 1}}})).unwrap_err();
        assert!(e.message().contains("km"), "{e}");
        let e = c
            .apply(json!({"0": {"k": {"0": 5, "kc": 1, "km": true}}}))
            .unwrap_err();
        assert!(e.message().contains("does not exist"), "{e}");
    }

    #[test]
    fn extract_takes_title_events_and_reply() {
        let mut c = joined(json!({"0": "a", "s": ["", ""], "t": "T"}));
        let x = c
            .apply(json!({"t": "x", "e": [["ev", {"a": 1}]], "r": {"ok": true}}))
            .unwrap();
        assert_eq!(x.title, Some(json!("x")));
        assert_eq!(x.events, vec![json!(["ev", {"a": 1}])]);
        assert_eq!(x.reply, Some(json!({"ok": true})));
        assert_eq!(c.rendered(), &json!({"0": "a", "s": ["", ""]}));
    }

    #[test]
    fn render_errors_instead_of_printing_undefined() {
        assert!(to_html(&json!({"s": ["a", "b"]}))
            .unwrap_err()
            .message()
            .contains("missing"));
        assert!(to_html(&json!({"0": 3, "s": ["a", "b"]}))
            .unwrap_err()
            .message()
            .contains("component"));
        assert!(to_html(&json!({"s": []})).is_err());
        assert!(to_html(&json!({"0": "x"})).is_err());
        assert!(to_html(&json!({"s": 0, "p": {"0": ["a"]}})).is_err());
        assert!(to_html(&json!({"s": ["a"], "k": {"kc": 1}})).is_err());
        assert!(Client::join(json!([1])).is_err());
        // A component's tree must have a root the client can mark.
        assert!(
            Client::join(json!({"0": 1, "c": {"1": {"s": ["<p></p>"]}}, "s": ["", ""]}))
                .unwrap()
                .to_html()
                .is_err()
        );
        assert!(
            Client::join(json!({"0": 1, "c": {"1": {"s": ["text"], "r": 1}}, "s": ["", ""]}))
                .unwrap()
                .to_html()
                .is_err()
        );
        // Sharing the statics of a component the client does not have throws.
        assert!(Client::join(json!({"0": 1, "c": {"1": {"s": -2}}, "s": ["", ""]})).is_err());
    }
}
