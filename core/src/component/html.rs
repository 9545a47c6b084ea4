//! A page's HTML with its components in place: what the dead render sends
//! and (with each component's root marked) what the client shows.

use crate::template::Rendered;

/// Where a page's writer finds the trees of the components it meets.
pub(crate) trait ComponentTrees {
    /// The tree component `cid` shows, if any.
    fn tree(&self, cid: u32) -> Option<&Rendered>;
    /// Whether each component's root element carries
    /// `data-phx-component="cid"`, as the client's DOM does (the connected
    /// page); the dead render has no cids.
    fn mark_roots(&self) -> bool;
    /// Whether a component is written as a placeholder ([`placeholder`])
    /// instead of its HTML: how the stream models keep items that hold
    /// components, whose HTML changes when they render alone.
    fn placeholders(&self) -> bool {
        false
    }
}

/// Components as placeholders (see [`ComponentTrees::placeholders`]).
pub(crate) struct Placeholders;

impl ComponentTrees for Placeholders {
    fn tree(&self, _: u32) -> Option<&Rendered> {
        None
    }
    fn mark_roots(&self) -> bool {
        false
    }
    fn placeholders(&self) -> bool {
        true
    }
}

/// Writes the placeholder of component `cid`.
pub(crate) fn placeholder(cid: u32, out: &mut String) {
    out.push('\u{0}');
    out.push_str(&cid.to_string());
    out.push('\u{0}');
}

/// Copies `html` to `out`, with `component` writing each placeholder's
/// component in its place.
pub(crate) fn expand_placeholders(
    html: &str,
    out: &mut String,
    mut component: impl FnMut(u32, &mut String),
) {
    let mut rest = html;
    while let Some(start) = rest.find('\u{0}') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('\u{0}') else {
            out.push_str(&rest[start..]);
            return;
        };
        if let Ok(cid) = after[..end].parse() {
            component(cid, out);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
}

/// No components: a tree's component slots write nothing.
pub(crate) struct NoComponents;

impl ComponentTrees for NoComponents {
    fn tree(&self, _: u32) -> Option<&Rendered> {
        None
    }
    fn mark_roots(&self) -> bool {
        false
    }
}

/// Writes component `cid`'s tree with `write`, marking its root element
/// when `trees` says so.
pub(crate) fn write_tree(
    trees: &dyn ComponentTrees,
    cid: u32,
    out: &mut String,
    write: impl FnOnce(&Rendered, &mut String),
) {
    if trees.placeholders() {
        placeholder(cid, out);
        return;
    }
    let Some(tree) = trees.tree(cid) else {
        return;
    };
    if !trees.mark_roots() {
        write(tree, out);
        return;
    }
    let start = out.len();
    write(tree, out);
    mark_root(out, start, cid);
}

/// Inserts ` data-phx-component="cid"` after the name of the first tag at
/// or after `start` (the client's `modifyRoot` does the same).
pub(crate) fn mark_root(html: &mut String, start: usize, cid: u32) {
    let Some(lt) = html[start..].find('<').map(|i| start + i) else {
        return;
    };
    let name_end = html[lt + 1..]
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .map_or(html.len(), |i| lt + 1 + i);
    html.insert_str(name_end, &format!(" data-phx-component=\"{cid}\""));
}

/// Whether a component's template can be marked by the client: it must
/// start (after whitespace) with an element's opening tag.
pub(crate) fn starts_with_element(first_static: &str) -> bool {
    let s = first_static.trim_start();
    let mut chars = s.chars();
    chars.next() == Some('<') && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
}
