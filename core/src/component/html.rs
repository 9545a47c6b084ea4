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
