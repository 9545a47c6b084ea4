//! The components of one view: cids, states, the trees the client has, and
//! the render pass that fills a diff's `"c"` map.

use super::call::{AnyProps, ComponentCall};
use super::erased::AnyComponent;
use super::html::{starts_with_element, ComponentTrees};
use super::Cid;
use crate::diff;
use crate::template::{Dynamic, Rendered, Statics};
use crate::view::{Command, ComponentRef, Context};
use serde_json::Value;
use std::any::Any;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// Ids → cids of one component type (ids are the app's; FNV, as for DOM ids).
type Ids = HashMap<String, u32, BuildHasherDefault<crate::stream::IdHasher>>;

/// The cids met in one render pass (cids are small and dense).
#[derive(Default)]
struct Seen(Vec<u64>);

impl Seen {
    /// Whether `cid` is new to this pass (and marks it).
    fn insert(&mut self, cid: u32) -> bool {
        let (word, bit) = (cid as usize / 64, cid % 64);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        let new = self.0[word] & (1 << bit) == 0;
        self.0[word] |= 1 << bit;
        new
    }
}

/// A component of a view, for inspection
/// ([`ViewDriver::components`](crate::runtime::ViewDriver::components)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentInfo {
    /// Its cid.
    pub cid: u32,
    /// Its type name.
    pub component: &'static str,
    /// The id the parent rendered it with.
    pub id: String,
    /// Whether the client said it is being removed (`cids_will_destroy`)
    /// and it was not rendered again since.
    pub marked_for_deletion: bool,
}

struct Entry {
    name: &'static str,
    id: String,
    props: Box<dyn AnyProps>,
    component: Box<dyn AnyComponent>,
    /// The tree the client has; `None` when it has none (new, revived, or
    /// the client replaced its whole tree), so the next render is sent in full.
    sent: Option<Rendered>,
    /// `cids_will_destroy` named it and it was not rendered since.
    marked: bool,
    /// Queued for this pass's renders.
    dirty: bool,
}

/// What one render pass produced.
#[derive(Default)]
pub(crate) struct Pass {
    /// The members of the `"c"` object (`"1":{…},"2":{…}`), or empty.
    pub(crate) json: String,
    /// Commands of the components mounted or updated in the pass, in order.
    pub(crate) commands: Vec<(Cid, Vec<Command<Value>>)>,
}

/// The components of one view.
///
/// Cids start at 1 and are never reused. A component lives from the first
/// render that names its id until the client confirms it gone
/// ([`destroyed`](Self::destroyed)) or the view ends.
pub(crate) struct Components {
    next_cid: u32,
    entries: HashMap<u32, Entry, BuildHasherDefault<crate::stream::IdHasher>>,
    /// Per component type (a few): its name, and its ids → cids.
    by_id: Vec<(&'static str, Ids)>,
    /// Components to render in the next pass, in the order they were touched.
    dirty: Vec<u32>,
    /// (type, root statics) → the cid of a component whose tree the client
    /// has with those statics: a new one can share them (`"s": -cid`).
    shared: HashMap<(&'static str, usize), u32>,
}

impl Default for Components {
    fn default() -> Components {
        Components {
            next_cid: 1,
            entries: HashMap::default(),
            by_id: Vec::new(),
            dirty: Vec::new(),
            shared: HashMap::new(),
        }
    }
}

fn statics_key(s: &'static Statics) -> usize {
    s as *const Statics as usize
}

impl Components {
    /// The ids of the components of the type named `name`.
    fn ids(&self, name: &str) -> Option<&Ids> {
        self.by_id
            .iter()
            .find(|(n, _)| std::ptr::eq(*n, name) || *n == name)
            .map(|(_, ids)| ids)
    }

    /// Whether `cid` is one of the view's components.
    pub(crate) fn contains(&self, cid: u32) -> bool {
        self.entries.contains_key(&cid)
    }

    /// The cid a [`ComponentRef`] names, if it exists.
    pub(crate) fn lookup(&self, to: &ComponentRef) -> Option<u32> {
        match to {
            ComponentRef::Cid(cid) => self.contains(*cid).then_some(*cid),
            ComponentRef::Id { component, id } => self.ids(component)?.get(id.as_str()).copied(),
        }
    }

    /// The components, in cid order.
    pub(crate) fn list(&self) -> Vec<super::ComponentInfo> {
        let mut list: Vec<super::ComponentInfo> = self
            .entries
            .iter()
            .map(|(cid, e)| super::ComponentInfo {
                cid: *cid,
                component: e.name,
                id: e.id.clone(),
                marked_for_deletion: e.marked,
            })
            .collect();
        list.sort_by_key(|c| c.cid);
        list
    }

    /// The state of component `cid`, for typed access.
    pub(crate) fn state(&self, cid: u32) -> Option<&dyn Any> {
        self.entries.get(&cid).map(|e| e.component.state())
    }

    /// Runs `f` on component `cid`; `None` if there is no such component.
    /// (Queue it for the next render with [`touch`](Self::touch).)
    /// Component `cid`.
    pub(crate) fn get(&self, cid: u32) -> Option<&dyn AnyComponent> {
        Some(&*self.entries.get(&cid)?.component)
    }

    /// Component `cid`, mutably.
    pub(crate) fn component_mut(&mut self, cid: u32) -> Option<&mut dyn AnyComponent> {
        Some(&mut *self.entries.get_mut(&cid)?.component)
    }

    pub(crate) fn handle<R>(
        &mut self,
        cid: u32,
        f: impl FnOnce(&mut dyn AnyComponent) -> R,
    ) -> Option<R> {
        let entry = self.entries.get_mut(&cid)?;
        Some(f(&mut *entry.component))
    }

    /// Queues component `cid` for the next render pass.
    pub(crate) fn touch(&mut self, cid: u32) {
        if let Some(entry) = self.entries.get_mut(&cid) {
            if !entry.dirty {
                entry.dirty = true;
                self.dirty.push(cid);
            }
        }
    }

    /// The type and name of component `cid`, whose tasks run with the
    /// runner registered for that type.
    pub(crate) fn runner(&self, cid: u32) -> Option<(std::any::TypeId, &'static str)> {
        let e = self.entries.get(&cid)?;
        Some((e.props.component_type(), e.name))
    }

    /// Forgets the stream items of every tree kept (once sent).
    pub(crate) fn forget_stream_items(&mut self) {
        for e in self.entries.values_mut() {
            if let Some(t) = &mut e.sent {
                t.forget_stream_items();
            }
        }
    }

    /// Whether a render pass has components to render even without the parent.
    pub(crate) fn has_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// `cids_will_destroy`: marks these components; a render that names one
    /// of them again revives it. Unknown cids are ignored.
    pub(crate) fn will_destroy(&mut self, cids: &[u32]) {
        for cid in cids {
            if let Some(e) = self.entries.get_mut(cid) {
                e.marked = true;
            }
        }
    }

    /// `cids_destroyed`: deletes the marked components among `cids` and
    /// returns their cids (the others were rendered again meanwhile).
    pub(crate) fn destroyed(&mut self, cids: &[u32]) -> Vec<u32> {
        let mut gone = Vec::new();
        for cid in cids {
            if self.entries.get(cid).is_some_and(|e| e.marked) {
                if let Some(e) = self.entries.remove(cid) {
                    if let Some((_, ids)) = self.by_id.iter_mut().find(|(n, _)| *n == e.name) {
                        ids.remove(&e.id);
                    }
                    self.dirty.retain(|c| c != cid);
                    gone.push(*cid);
                }
            }
        }
        if !gone.is_empty() {
            self.shared.retain(|_, c| !gone.contains(c));
        }
        gone
    }

    /// The client replaced its whole tree (a full render of the parent):
    /// it has no component any more.
    pub(crate) fn client_forgot(&mut self) {
        for e in self.entries.values_mut() {
            e.sent = None;
        }
        self.shared.clear();
    }

    /// A render pass: finds the components `root` (the parent's new render,
    /// if it rendered) names, mounts the new ones and updates those whose
    /// props changed, renders every component queued, and writes what the
    /// client needs into `"c"`.
    ///
    /// # Panics
    /// When two components of one type have the same id in the pass, or a
    /// component sent in full does not start with an element (the client
    /// could not mark it).
    pub(crate) fn render(
        &mut self,
        root: Option<&Rendered>,
        cx: &Context,
        ids: &mut crate::upload::Ids,
    ) -> Pass {
        let mut pass = Pass::default();
        let mut seen = Seen::default();
        if let Some(root) = root {
            self.resolve(root.dynamics(), cx, &mut seen, &mut pass.commands);
        }
        let mut first = true;
        let mut fresh: Vec<(u32, Rendered)> = Vec::new();
        let mut in_pass: HashMap<(&'static str, usize), usize> = HashMap::new();
        let mut i = 0;
        while i < self.dirty.len() {
            let cid = self.dirty[i];
            i += 1;
            let Some(entry) = self.entries.get_mut(&cid) else {
                continue;
            };
            entry.dirty = false;
            if let Some(uploads) = entry.component.uploads() {
                uploads.bind_refs(|_| ids.upload_ref());
            }
            let component = &entry.component;
            let tree = crate::stream::rendering_component(cid, || component.render(Cid(cid)));
            let name = entry.name;
            self.resolve(tree.dynamics(), cx, &mut seen, &mut pass.commands);
            let key = (name, statics_key(tree.statics()));
            self.encode(
                cid,
                &tree,
                key,
                &fresh,
                &in_pass,
                &mut pass.json,
                &mut first,
            );
            in_pass.entry(key).or_insert(fresh.len());
            fresh.push((cid, tree));
        }
        self.dirty.clear();
        for (cid, tree) in fresh {
            if let Some(e) = self.entries.get_mut(&cid) {
                self.shared
                    .insert((e.name, statics_key(tree.statics())), cid);
                e.sent = Some(tree);
            }
        }
        pass
    }

    /// Writes component `cid`'s entry of `"c"` for its new `tree`.
    #[allow(clippy::too_many_arguments)]
    fn encode(
        &self,
        cid: u32,
        tree: &Rendered,
        key: (&'static str, usize),
        fresh: &[(u32, Rendered)],
        in_pass: &HashMap<(&'static str, usize), usize>,
        out: &mut String,
        first: &mut bool,
    ) {
        let Some(entry) = self.entries.get(&cid) else {
            return;
        };
        let mark = out.len();
        if !*first {
            out.push(',');
        }
        out.push('"');
        out.push_str(&cid.to_string());
        out.push_str("\":");
        let wrote = match &entry.sent {
            Some(prev) if prev.statics() == tree.statics() => diff::component_diff(out, prev, tree),
            _ => {
                assert!(
                    starts_with_element(tree.statics().parts()[0]),
                    "component {} (id {:?}) must render one HTML element at its root, \
                     not {:?}",
                    entry.name,
                    entry.id,
                    tree.statics().parts()[0]
                );
                // A tree the client already has with these statics: one
                // it had before this diff (-cid), or one earlier in it (cid).
                let old = self.shared.get(&key).filter(|c| **c != cid).and_then(|c| {
                    let e = self.entries.get(c)?;
                    let sent = e.sent.as_ref()?;
                    (!e.marked && sent.statics() == tree.statics()).then(|| (-i64::from(*c), sent))
                });
                let base = old.or_else(|| {
                    in_pass
                        .get(&key)
                        .map(|i| (i64::from(fresh[*i].0), &fresh[*i].1))
                });
                match base {
                    Some((sref, base)) => diff::component_shared(out, sref, base, tree),
                    None => diff::component_full(out, tree),
                }
                true
            }
        };
        if wrote {
            *first = false;
        } else {
            out.truncate(mark);
        }
    }

    /// Gives a cid to every component call in `dynamics` (recursively,
    /// not into components' own trees): mounts new ones, updates those
    /// whose props changed, revives marked ones, and queues them.
    fn resolve(
        &mut self,
        dynamics: &[Dynamic],
        cx: &Context,
        seen: &mut Seen,
        commands: &mut Vec<(Cid, Vec<Command<Value>>)>,
    ) {
        for d in dynamics {
            match d {
                Dynamic::Text(_) => {}
                Dynamic::Nested(r) => self.resolve(r.dynamics(), cx, seen, commands),
                Dynamic::List(c) => {
                    if c.has_nested() {
                        for e in c.entries() {
                            self.resolve(e.dynamics, cx, seen, commands);
                        }
                    }
                }
                Dynamic::Component(call) => self.resolve_call(call, cx, seen, commands),
            }
        }
    }

    fn resolve_call(
        &mut self,
        call: &ComponentCall,
        cx: &Context,
        seen: &mut Seen,
        commands: &mut Vec<(Cid, Vec<Command<Value>>)>,
    ) {
        let name = call.component();
        // A call from an earlier render (a list entry the render reused)
        // knows its cid: no lookup by id, if it is still that component's.
        let known = match call.cid() {
            0 => None,
            cid => self
                .entries
                .get(&cid)
                .filter(|e| std::ptr::eq(e.name, name) && e.id == call.id)
                .map(|_| cid),
        }
        .or_else(|| {
            self.ids(name)
                .and_then(|ids| ids.get(call.id.as_str()))
                .copied()
        });
        let (cid, queue) = match known {
            Some(cid) => {
                let entry = self.entries.get_mut(&cid).expect("by_id names live cids");
                // The client has no tree for it (it replaced its whole
                // tree): it is sent again.
                let mut queue = entry.sent.is_none();
                if entry.marked {
                    // Revived: the client may have dropped it, and its
                    // children are found again by rendering it in full.
                    entry.marked = false;
                    entry.sent = None;
                    queue = true;
                }
                if !entry.props.same(&*call.props) {
                    entry.props = call.props.clone_box();
                    let cx = cx.for_component(Cid(cid));
                    let cmds = entry.component.update(&*call.props, &cx);
                    commands.push((Cid(cid), cmds));
                    queue = true;
                }
                (cid, queue)
            }
            None => {
                let cid = self.next_cid;
                self.next_cid += 1;
                let cx = cx.for_component(Cid(cid));
                let (component, cmds) = call.props.mount(&cx);
                commands.push((Cid(cid), cmds));
                self.entries.insert(
                    cid,
                    Entry {
                        name,
                        id: call.id.clone(),
                        props: call.props.clone_box(),
                        component,
                        sent: None,
                        marked: false,
                        dirty: false,
                    },
                );
                let at = match self.by_id.iter().position(|(n, _)| *n == name) {
                    Some(at) => at,
                    None => {
                        self.by_id.push((name, Ids::default()));
                        self.by_id.len() - 1
                    }
                };
                self.by_id[at].1.insert(call.id.clone(), cid);
                (cid, true)
            }
        };
        assert!(
            seen.insert(cid),
            "found duplicate ID {:?} for component {name} when rendering template",
            call.id
        );
        call.set_cid(cid);
        if queue {
            if let Some(e) = self.entries.get_mut(&cid) {
                if !e.dirty {
                    e.dirty = true;
                    self.dirty.push(cid);
                }
            }
        }
    }
}

/// What a page's writer needs: each component's tree as the client has it.
pub(crate) struct Page<'a> {
    pub(crate) components: &'a Components,
    pub(crate) connected: bool,
}

impl ComponentTrees for Page<'_> {
    fn tree(&self, cid: u32) -> Option<&Rendered> {
        self.components.entries.get(&cid)?.sent.as_ref()
    }
    fn mark_roots(&self) -> bool {
        self.connected
    }
}

impl Components {
    /// Every tree the client has, for the stream model.
    pub(crate) fn trees(&self) -> impl Iterator<Item = &Rendered> {
        self.entries.values().filter_map(|e| e.sent.as_ref())
    }
}
