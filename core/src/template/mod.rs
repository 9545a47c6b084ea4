//! The template model.
//!
//! A template is split at compile time (by [`html!`](crate::html)) into
//! [`Statics`] — the literal HTML between holes, with a fingerprint — and, at
//! render time, a list of [`Dynamic`] values filling the holes. Rendering a view
//! gives a [`Rendered`] tree; the [`diff`](crate::diff) module turns two trees
//! into the JSON the official client merges.
//!
//! Text dynamics are HTML-escaped when they are made ([`Html::escape`], and
//! every [`ToDynamic`] impl for strings and displayable values); raw HTML is an
//! explicit opt-in ([`Raw`]).

use crate::component::{write_tree, ComponentTrees, NoComponents};

mod attr;
mod escape;
mod form;
mod html;
mod list;
mod reuse;
mod source;
mod to_dynamic;

pub use attr::{attr, AttrValue};
pub use escape::{escape_html, escape_into};
pub use form::{Form, FormField};
pub use html::Html;
pub use list::Comprehension;
pub use reuse::render_reusing;
pub use source::ListSource;
pub use to_dynamic::{Raw, ToDynamic};

/// The static parts of one template: `parts.len() == holes + 1`.
///
/// Made at compile time by `html!`; the fingerprint identifies the template
/// (its statics and its place in the source), so that a diff can tell "same
/// template, new values" from "different template".
#[derive(Debug)]
pub struct Statics {
    parts: &'static [&'static str],
    fingerprint: u64,
}

impl Statics {
    /// Statics from their parts and fingerprint (normally written by `html!`).
    pub const fn new(parts: &'static [&'static str], fingerprint: u64) -> Statics {
        Statics { parts, fingerprint }
    }

    /// The literal HTML pieces, one more than the number of holes.
    pub fn parts(&self) -> &'static [&'static str] {
        self.parts
    }

    /// The template's fingerprint.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The number of dynamic holes.
    pub fn holes(&self) -> usize {
        self.parts.len().saturating_sub(1)
    }
}

impl PartialEq for Statics {
    fn eq(&self, other: &Statics) -> bool {
        std::ptr::eq(self, other)
            || (self.fingerprint == other.fingerprint && self.parts == other.parts)
    }
}
impl Eq for Statics {}

/// One filled hole of a template.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Dynamic {
    /// Escaped (or explicitly raw) HTML text.
    Text(Html),
    /// A nested template (a conditional branch, a sub-template).
    Nested(Rendered),
    /// A list rendered from one template per entry.
    List(Comprehension),
    /// A LiveComponent ([`live_component`](crate::component::live_component)):
    /// the diff sends its cid, its render travels in the `"c"` map.
    Component(Box<crate::component::ComponentCall>),
}

impl Dynamic {
    /// The empty text dynamic.
    pub fn empty() -> Dynamic {
        Dynamic::Text(Html::empty())
    }
}

/// A rendered template: its statics and the values of its holes.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    statics: &'static Statics,
    dynamics: Vec<Dynamic>,
}

impl Rendered {
    /// A rendered template. `dynamics.len()` must equal `statics.holes()`.
    ///
    /// # Panics
    /// If the number of dynamics does not match the statics (a bug in the caller;
    /// `html!` always gets it right).
    pub fn new(statics: &'static Statics, dynamics: Vec<Dynamic>) -> Rendered {
        assert_eq!(
            dynamics.len(),
            statics.holes(),
            "a template with {} holes got {} dynamics",
            statics.holes(),
            dynamics.len()
        );
        Rendered { statics, dynamics }
    }

    /// The statics of this template.
    pub fn statics(&self) -> &'static Statics {
        self.statics
    }

    /// The values of the holes, in order.
    pub fn dynamics(&self) -> &[Dynamic] {
        &self.dynamics
    }

    /// The HTML this tree stands for.
    ///
    /// ```
    /// use liveview_core::html;
    /// let name = "<Ada>";
    /// assert_eq!(html!("<p>Hi {name}</p>").to_html(), "<p>Hi &lt;Ada&gt;</p>");
    /// ```
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        self.write_html(&mut out);
        out
    }

    /// Appends the HTML this tree stands for to `out`. A component in it
    /// writes nothing: its render lives with the view's driver
    /// ([`ViewDriver::render_html`](crate::runtime::ViewDriver::render_html)
    /// shows a page with its components).
    pub fn write_html(&self, out: &mut String) {
        self.write_html_in(out, &NoComponents);
    }

    /// Appends the HTML of this tree, with the components `trees` holds.
    pub(crate) fn write_html_in(&self, out: &mut String, trees: &dyn ComponentTrees) {
        write_filled_in(self.statics.parts(), &self.dynamics, out, trees);
    }
}

/// Appends the static `parts` with the HTML of the `dynamics` between
/// them: one template (or one list entry) as HTML, with the components
/// `trees` holds.
#[inline]
pub(crate) fn write_filled_in(
    parts: &[&str],
    dynamics: &[Dynamic],
    out: &mut String,
    trees: &dyn ComponentTrees,
) {
    for (part, d) in parts.iter().zip(dynamics) {
        out.push_str(part);
        d.write_html_in(out, trees);
    }
    if let Some(last) = parts.get(dynamics.len()) {
        out.push_str(last);
    }
}

impl Rendered {
    /// Forgets the items of every stream rendered in this tree (keeping each
    /// stream's reference): the driver keeps a sent render this way, so the
    /// server holds no stream item.
    pub fn forget_stream_items(&mut self) {
        self.dynamics
            .iter_mut()
            .for_each(Dynamic::forget_stream_items);
    }
}

impl Dynamic {
    /// See [`Rendered::forget_stream_items`].
    pub fn forget_stream_items(&mut self) {
        match self {
            Dynamic::Text(_) => {}
            Dynamic::Nested(r) => r.forget_stream_items(),
            Dynamic::List(c) => c.forget_stream_items(),
            // A component's tree is kept (and forgotten) by the driver.
            Dynamic::Component(_) => {}
        }
    }

    /// Appends the HTML this dynamic stands for to `out` (a component
    /// writes nothing; see [`Rendered::write_html`]).
    pub fn write_html(&self, out: &mut String) {
        self.write_html_in(out, &NoComponents);
    }

    pub(crate) fn write_html_in(&self, out: &mut String, trees: &dyn ComponentTrees) {
        match self {
            Dynamic::Text(h) => out.push_str(h.as_str()),
            Dynamic::Nested(r) => r.write_html_in(out, trees),
            Dynamic::List(c) => c.write_html_in(out, trees),
            Dynamic::Component(call) => {
                write_tree(trees, call.cid(), out, |t, out| t.write_html_in(out, trees))
            }
        }
    }
}

/// The key of a list entry: entries with equal keys are "the same item" across renders.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKey {
    /// An integer key.
    Int(i64),
    /// A string key.
    Str(String),
}

macro_rules! entry_key_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for EntryKey {
            fn from(v: $t) -> EntryKey { EntryKey::Int(v as i64) }
        }
    )*};
}
entry_key_from_int!(i8, i16, i32, i64, u8, u16, u32, usize, isize);

impl From<u64> for EntryKey {
    fn from(v: u64) -> EntryKey {
        match i64::try_from(v) {
            Ok(i) => EntryKey::Int(i),
            Err(_) => EntryKey::Str(v.to_string()),
        }
    }
}
impl From<&str> for EntryKey {
    fn from(v: &str) -> EntryKey {
        EntryKey::Str(v.to_owned())
    }
}
impl From<String> for EntryKey {
    fn from(v: String) -> EntryKey {
        EntryKey::Str(v)
    }
}
impl From<&String> for EntryKey {
    fn from(v: &String) -> EntryKey {
        EntryKey::Str(v.clone())
    }
}

/// One entry of a list, owned: its key and the values of the entry template's holes.
///
/// Lists store their entries flat ([`Comprehension`]); this type is for
/// building and comparing entries outside a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The entry's key; `None` in an unkeyed list (the position is the key).
    pub key: Option<EntryKey>,
    /// The values of the holes of the comprehension's statics.
    pub dynamics: Vec<Dynamic>,
}

/// A borrowed entry of a [`Comprehension`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EntryRef<'a> {
    /// The entry's key; `None` in an unkeyed list.
    pub key: Option<&'a EntryKey>,
    /// The values of the holes of the comprehension's statics.
    pub dynamics: &'a [Dynamic],
}

impl EntryRef<'_> {
    /// An owned copy of the entry.
    pub fn to_entry(&self) -> Entry {
        Entry {
            key: self.key.cloned(),
            dynamics: self.dynamics.to_vec(),
        }
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn a_dynamic_stays_small() {
        // Every template's dynamics vector holds these: keep them compact.
        assert!(
            std::mem::size_of::<Dynamic>() <= 40,
            "Dynamic is {} bytes",
            std::mem::size_of::<Dynamic>()
        );
    }
}
