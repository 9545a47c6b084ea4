//! [`StreamDom`]: the stream items a page shows, as the client's DOM patch
//! keeps them.
//!
//! The server forgets a stream's items once it has sent them; the client
//! keeps them in its DOM and places each one as the `"stream"` entry says
//! (`dom_patch.ts` in phoenix_live_view 1.2). This model applies the same
//! rules to HTML strings, so that tests can know what a page shows:
//!
//! 1. every insert of the render is read into a map by DOM id (a later entry
//!    of the list replaces an earlier one: with Phoenix's latest-first order,
//!    an id's earliest insert wins);
//! 2. a reset removes every item of the stream, then each deleted DOM id is
//!    removed;
//! 3. each entry of the render, in order, is matched by its root element's
//!    `id`: an item already shown is updated in place; otherwise, unless its
//!    insert is `update_only`, it is inserted at `at` (`-1` appends, `n`
//!    inserts before the `n`th item, past the end appends) and the limit is
//!    applied (`n > 0` keeps the first `n` items, `n < 0` the last `-n`).
//!
//! Not modeled: elements of the container that are not stream items (the
//! client orders stream items before them).

use super::StreamOps;
use crate::component::{
    expand_placeholders, write_tree, ComponentTrees, NoComponents, Placeholders,
};
use crate::template::{write_filled_in, Dynamic, Rendered};
use std::collections::HashMap;
use std::sync::Arc;

/// One item the client shows: its DOM id and its HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamItem {
    /// The `id` of the item's root element.
    pub dom_id: String,
    /// The item's HTML.
    pub html: String,
}

/// The items a page shows, per stream reference; see the [module docs](self).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamDom {
    containers: Vec<(Arc<str>, Vec<StreamItem>)>,
}

impl StreamDom {
    /// An empty model.
    pub fn new() -> StreamDom {
        StreamDom::default()
    }

    /// Applies one render of a stream: its operations and its entries' HTML,
    /// in the list's order.
    pub fn apply<I>(&mut self, ops: &StreamOps, entries: I)
    where
        I: IntoIterator<Item = String>,
    {
        self.apply_items(
            ops,
            entries
                .into_iter()
                .map(|html| (root_id(&html).unwrap_or_default(), html)),
        );
    }

    /// [`apply`](Self::apply) with each entry's DOM id given (an entry whose
    /// HTML holds component placeholders has its id in the component).
    pub(crate) fn apply_items<I>(&mut self, ops: &StreamOps, entries: I)
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let inserts: HashMap<&str, &super::StreamInsert> =
            ops.inserts.iter().map(|i| (i.dom_id.as_str(), i)).collect();
        let at = self.container(&ops.stream_ref);
        if ops.reset {
            self.containers[at].1.clear();
        }
        for id in &ops.deletes {
            self.remove(at, id);
        }
        let items = &mut self.containers[at].1;
        for (dom_id, html) in entries {
            if let Some(item) = items.iter_mut().find(|i| i.dom_id == dom_id) {
                item.html = html;
                continue;
            }
            let Some(insert) = inserts.get(dom_id.as_str()) else {
                // An entry without a matching insert is appended as is.
                items.push(StreamItem { dom_id, html });
                continue;
            };
            if insert.update_only {
                continue;
            }
            let item = StreamItem { dom_id, html };
            match usize::try_from(insert.at) {
                Ok(i) if i < items.len() => items.insert(i, item),
                _ => items.push(item),
            }
            match insert.limit {
                Some(n) if n < 0 => {
                    let keep = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
                    if items.len() > keep {
                        items.drain(..items.len() - keep);
                    }
                }
                Some(n) => items.truncate(usize::try_from(n).unwrap_or(usize::MAX)),
                None => {}
            }
        }
    }

    /// The items of the stream with this reference, in page order.
    pub fn items(&self, stream_ref: &str) -> &[StreamItem] {
        self.containers
            .iter()
            .find(|(r, _)| &**r == stream_ref)
            .map_or(&[], |(_, items)| items)
    }

    /// Appends the HTML of the stream's items to `out`.
    pub fn write_items(&self, stream_ref: &str, out: &mut String) {
        self.write_items_in(stream_ref, out, |_, _| {});
    }

    /// [`write_items`](Self::write_items), with `component` writing each
    /// component an item holds (items keep placeholders for them).
    pub(crate) fn write_items_in(
        &self,
        stream_ref: &str,
        out: &mut String,
        mut component: impl FnMut(u32, &mut String),
    ) {
        for item in self.items(stream_ref) {
            expand_placeholders(&item.html, out, &mut component);
        }
    }

    /// The references of the streams with a container.
    pub fn refs(&self) -> impl Iterator<Item = &str> {
        self.containers.iter().map(|(r, _)| &**r)
    }

    /// Forgets the containers of the streams for which `keep` is false (the
    /// page no longer shows them, so the client lost their items).
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.containers.retain(|(r, _)| keep(r));
    }

    fn container(&mut self, stream_ref: &Arc<str>) -> usize {
        match self.containers.iter().position(|(r, _)| r == stream_ref) {
            Some(i) => i,
            None => {
                self.containers.push((Arc::clone(stream_ref), Vec::new()));
                self.containers.len() - 1
            }
        }
    }

    /// Removes the element with this id: from the stream's own container
    /// first, else from any (the client looks the id up in the document).
    fn remove(&mut self, own: usize, dom_id: &str) {
        let order = std::iter::once(own).chain((0..self.containers.len()).filter(|&i| i != own));
        for c in order {
            let items = &mut self.containers[c].1;
            if let Some(i) = items.iter().position(|i| i.dom_id == dom_id) {
                items.remove(i);
                return;
            }
        }
    }
}

/// The `id` attribute of the first element in `html`, with character
/// references decoded (what the client's `el.id` reads).
pub fn root_id(html: &str) -> Option<String> {
    let start = html.find('<')?;
    let rest = &html[start + 1..];
    let end = rest.find('>')?;
    let tag = &rest[..end];
    // Skip the tag name, then read `name="value"` / `name='value'` / `name=value` / `name`.
    let mut s = tag.trim_start_matches(|c: char| !c.is_whitespace() && c != '/');
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if s.is_empty() {
            return None;
        }
        let name_end = s
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(s.len());
        let name = &s[..name_end];
        s = s[name_end..].trim_start();
        let mut value = None;
        if let Some(after) = s.strip_prefix('=') {
            let after = after.trim_start();
            let (v, rest) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let close = body.find(q).unwrap_or(body.len());
                    (&body[..close], &body[(close + 1).min(body.len())..])
                }
                _ => {
                    let close = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..close], &after[close..])
                }
            };
            value = Some(v);
            s = rest;
        }
        if name.eq_ignore_ascii_case("id") {
            return Some(unescape(value.unwrap_or("")));
        }
    }
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Rendered trees: what the server's own render says the page shows.
impl StreamDom {
    /// Applies every stream's list in `tree` that carries operations, then
    /// forgets the streams `tree` no longer shows.
    pub fn apply_render(&mut self, tree: &Rendered) {
        self.apply_page(std::iter::once(tree));
    }

    /// [`apply_render`](Self::apply_render) for a page of several trees (a
    /// view's and its components'): the streams none of them shows are
    /// forgotten.
    pub fn apply_page<'a>(&mut self, trees: impl Iterator<Item = &'a Rendered>) {
        self.apply_page_in(trees, &NoComponents);
    }

    /// [`apply_page`](Self::apply_page) with the page's components (items
    /// that hold components keep placeholders for them; their DOM ids are
    /// read from the components' HTML in `components`).
    pub(crate) fn apply_page_in<'a>(
        &mut self,
        trees: impl Iterator<Item = &'a Rendered>,
        components: &dyn ComponentTrees,
    ) {
        let mut seen = Vec::new();
        for tree in trees {
            self.apply_dynamics(tree.dynamics(), &mut seen, components);
        }
        self.retain(|r| seen.iter().any(|s: &Arc<str>| &**s == r));
    }

    fn apply_dynamics(
        &mut self,
        dynamics: &[Dynamic],
        seen: &mut Vec<Arc<str>>,
        components: &dyn ComponentTrees,
    ) {
        for d in dynamics {
            match d {
                // A component's tree is a tree of the page of its own.
                Dynamic::Text(_) | Dynamic::Component(_) => {}
                Dynamic::Nested(r) => self.apply_dynamics(r.dynamics(), seen, components),
                Dynamic::List(c) => {
                    if let Some(ops) = c.stream() {
                        seen.push(Arc::clone(&ops.stream_ref));
                        if !ops.is_empty() || !c.is_empty() {
                            let parts = c.statics().parts();
                            let entries: Vec<(String, String)> = c
                                .entries()
                                .map(|e| {
                                    let mut html = String::new();
                                    write_filled_in(parts, e.dynamics, &mut html, &Placeholders);
                                    let id = if html.contains('\u{0}') {
                                        let mut full = String::new();
                                        write_filled_in(parts, e.dynamics, &mut full, components);
                                        root_id(&full)
                                    } else {
                                        root_id(&html)
                                    };
                                    (id.unwrap_or_default(), html)
                                })
                                .collect();
                            self.apply_items(ops, entries);
                        }
                    }
                    // Entries, a stream's too, may hold other streams.
                    for e in c.entries() {
                        self.apply_dynamics(e.dynamics, seen, components);
                    }
                }
            }
        }
    }

    /// The HTML of `tree` (a render whose stream items were forgotten) with
    /// the items this model holds in each stream's list.
    pub fn html(&self, tree: &Rendered) -> String {
        self.html_in(tree, &NoComponents)
    }

    /// [`html`](Self::html) with the components `trees` holds in place.
    pub(crate) fn html_in(&self, tree: &Rendered, trees: &dyn ComponentTrees) -> String {
        let mut out = String::new();
        self.write_rendered(tree.statics().parts(), tree.dynamics(), &mut out, trees);
        out
    }

    fn write_rendered(
        &self,
        parts: &[&str],
        dynamics: &[Dynamic],
        out: &mut String,
        trees: &dyn ComponentTrees,
    ) {
        for (i, d) in dynamics.iter().enumerate() {
            out.push_str(parts[i]);
            match d {
                Dynamic::Text(h) => out.push_str(h.as_str()),
                Dynamic::Nested(r) => {
                    self.write_rendered(r.statics().parts(), r.dynamics(), out, trees)
                }
                Dynamic::List(c) => match c.stream() {
                    Some(ops) => self.write_items_in(&ops.stream_ref, out, |cid, out| {
                        write_tree(trees, cid, out, |t, out| {
                            self.write_rendered(t.statics().parts(), t.dynamics(), out, trees)
                        })
                    }),
                    None => {
                        let parts = c.statics().parts();
                        for e in c.entries() {
                            self.write_rendered(parts, e.dynamics, out, trees);
                        }
                    }
                },
                Dynamic::Component(call) => write_tree(trees, call.cid(), out, |t, out| {
                    self.write_rendered(t.statics().parts(), t.dynamics(), out, trees)
                }),
            }
        }
        if let Some(last) = parts.get(dynamics.len()) {
            out.push_str(last);
        }
    }
}
