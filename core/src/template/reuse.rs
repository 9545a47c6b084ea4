//! Reusing the previous render's list entries ([`render_reusing`]).
//!
//! While a render runs inside [`render_reusing`], each [`Comprehension`]
//! created (by `html!`'s `{#for}`) takes the previous tree's next unclaimed
//! list made with the same statics, in tree order. Entries are then reused
//! only when they are equal to the previous ones (same index, same key, equal
//! dynamics), so the result never depends on which previous list was picked:
//! a memoised render always equals a fresh one.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

use super::list::ChunkRef;
use super::{Comprehension, Dynamic, Rendered, Statics};

/// The previous render's lists, by the address of their statics, in tree order.
type Previous = HashMap<usize, VecDeque<Vec<ChunkRef>>>;

thread_local! {
    static PREVIOUS: RefCell<Previous> = RefCell::new(HashMap::new());
}

/// Runs `render` (a view's render) so that the lists it builds share their
/// unchanged entries with `prev`, the view's previous render.
///
/// The tree `render` returns is equal to what it would return on its own; it
/// only shares memory with `prev`, which lets [`crate::diff::diff`] skip the
/// shared parts of lists. The driver renders this way; nothing else is needed
/// in a view.
///
/// ```
/// use liveview_core::{html, template::render_reusing};
/// let view = |rows: &[u32]| html!("<ul>{#for r in rows; key = *r}<li>{r}</li>{/for}</ul>");
/// let rows: Vec<u32> = (0..100).collect();
/// let before = view(&rows);
/// let mut more = rows.clone();
/// more.push(100);
/// let after = render_reusing(&before, || view(&more));
/// assert_eq!(after, view(&more));
/// assert_eq!(
///     liveview_core::diff::diff(&before, &after, &Default::default()).unwrap(),
///     r#"{"0":{"k":{"100":{"0":"100"},"kc":101}}}"#
/// );
/// ```
pub fn render_reusing<R>(prev: &Rendered, render: impl FnOnce() -> R) -> R {
    let mut lists = Previous::new();
    collect(prev.dynamics(), &mut lists);
    let outer = PREVIOUS.with(|p| p.replace(lists));
    /// Puts back the outer state (a render inside a render), also on unwinding.
    struct Restore(Option<Previous>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(outer) = self.0.take() {
                // Ignored only while the thread is being torn down.
                let _ = PREVIOUS.try_with(|p| *p.borrow_mut() = outer);
            }
        }
    }
    let _restore = Restore(Some(outer));
    render()
}

/// The sealed chunks of the next unclaimed previous list with these statics
/// (empty outside [`render_reusing`]).
pub(crate) fn take_previous(statics: &'static Statics) -> Vec<ChunkRef> {
    PREVIOUS
        .try_with(|p| {
            let mut p = p.borrow_mut();
            if p.is_empty() {
                return Vec::new();
            }
            let key = statics as *const Statics as usize;
            p.get_mut(&key)
                .and_then(VecDeque::pop_front)
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

fn collect(dynamics: &[Dynamic], into: &mut Previous) {
    for d in dynamics {
        match d {
            Dynamic::Text(_) | Dynamic::Component(_) => {}
            Dynamic::Nested(r) => collect(r.dynamics(), into),
            Dynamic::List(c) => collect_list(c, into),
        }
    }
}

fn collect_list(c: &Comprehension, into: &mut Previous) {
    // Recorded even without chunks, so that later lists of the same statics
    // keep their order.
    into.entry(c.statics() as *const Statics as usize)
        .or_default()
        .push_back(c.sealed_chunks().to_vec());
    if c.has_nested() {
        for e in c.entries() {
            collect(e.dynamics, into);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{diff, Extras};
    use crate::template::EntryKey;
    use crate::{html, ToDynamic};
    use proptest::prelude::*;

    fn table(rows: &[(u32, String)], title: &str) -> Rendered {
        html!(
            r#"<h1>{title}</h1><table>{#for (k, v) in rows; key = *k}<tr id="r{k}"><td>{v}</td><td>{#for c in v.chars().take(2)}<b>{c}</b>{/for}</td></tr>{/for}</table>{#if rows.len() > 3}<p>{#for (k, _) in rows.iter().rev(); key = *k}<i>{k}</i>{/for}</p>{/if}"#
        )
    }

    fn lists(r: &Rendered) -> Vec<&Comprehension> {
        fn walk<'a>(d: &'a [Dynamic], out: &mut Vec<&'a Comprehension>) {
            for d in d {
                match d {
                    Dynamic::Text(_) | Dynamic::Component(_) => {}
                    Dynamic::Nested(r) => walk(r.dynamics(), out),
                    Dynamic::List(c) => {
                        out.push(c);
                        for e in c.entries() {
                            walk(e.dynamics, out);
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(r.dynamics(), &mut out);
        out
    }

    #[test]
    fn unchanged_chunks_are_shared_and_equal() {
        let rows: Vec<(u32, String)> = (0..100).map(|i| (i, format!("v{i}"))).collect();
        let before = table(&rows, "t");
        let mut changed = rows.clone();
        changed[40].1 = "changed".into();
        let after = render_reusing(&before, || table(&changed, "t"));
        assert_eq!(after, table(&changed, "t"));
        let (a, b) = (lists(&before)[0], lists(&after)[0]);
        let shared: Vec<usize> = (0..a.len())
            .step_by(32)
            .map(|i| a.shared_from(b, i))
            .collect();
        // Entry 40 is in the second chunk: the others are shared whole.
        assert_eq!(shared, [32, 0, 32, 4]);
        assert_eq!(
            diff(&before, &after, &Extras::default()).unwrap(),
            r#"{"1":{"k":{"40":{"1":"changed","2":{"k":{"0":{"0":"c"},"1":{"0":"h"},"kc":2}}},"kc":100}}}"#
        );
        // Nothing is taken from a previous tree outside `render_reusing`.
        assert_eq!(take_previous(a.statics()).len(), 0);
    }

    #[test]
    fn a_render_without_changes_shares_everything() {
        let rows: Vec<(u32, String)> = (0..70).map(|i| (i, i.to_string())).collect();
        let before = table(&rows, "t");
        let after = render_reusing(&before, || table(&rows, "t"));
        for (a, b) in lists(&before).iter().zip(lists(&after)).take(1) {
            assert_eq!(a.shared_from(b, 0), 32);
            assert_eq!(a.shared_from(b, 64), 6);
        }
        assert_eq!(diff(&before, &after, &Extras::default()), None);
    }

    #[test]
    fn renders_nest_and_unwind() {
        static ROW: Statics = Statics::new(&["<li>", "</li>"], 7);
        let list = |n: usize| {
            let mut c = Comprehension::new(&ROW);
            for i in 0..n {
                c.push(Some(EntryKey::from(i)), vec![i.to_dynamic()]);
            }
            Rendered::new(&ROW_ROOT, vec![Dynamic::List(c.finish())])
        };
        static ROW_ROOT: Statics = Statics::new(&["<ul>", "</ul>"], 8);
        let prev = list(40);
        let inner_prev = list(33);
        let next = render_reusing(&prev, || {
            let inner = render_reusing(&inner_prev, || list(34));
            assert_eq!(inner, list(34));
            // The outer render's previous lists are back after the inner one.
            list(41)
        });
        assert_eq!(next, list(41));
        let r = std::panic::catch_unwind(|| render_reusing(&prev, || panic!("render failed")));
        assert!(r.is_err());
        assert_eq!(take_previous(&ROW).len(), 0);
    }

    #[test]
    fn reused_entries_evaluate_each_value_once_in_order() {
        use std::cell::RefCell;
        let log = RefCell::new(Vec::new());
        let seen = |what: &str, i: usize| {
            log.borrow_mut().push(format!("{what}{i}"));
            i
        };
        let view = |n: usize| {
            html!(
                r#"<ul>{#for i in 0..n; key = seen("k", i)}<li id="{seen("a", i)}">{format!("<{}>", seen("b", i))}</li>{/for}</ul>"#
            )
        };
        let before = view(32);
        log.borrow_mut().clear();
        let after = render_reusing(&before, || view(33));
        assert_eq!(log.borrow().len(), 3 * 33);
        assert_eq!(
            log.borrow()[30 * 3..],
            ["k30", "a30", "b30", "k31", "a31", "b31", "k32", "a32", "b32"]
        );
        assert_eq!(after, view(33));
        assert!(after
            .to_html()
            .ends_with(r#"<li id="31">&lt;31&gt;</li><li id="32">&lt;32&gt;</li></ul>"#));
        // The first 32 entries were reused: their chunk is shared.
        let (a, b) = (lists(&before)[0], lists(&after)[0]);
        assert_eq!(a.shared_from(b, 0), 32);
        assert_eq!(b.shared_from(a, 32), 0);
    }

    /// A random table: `(key, value)` rows, with duplicate keys possible.
    fn rows() -> impl Strategy<Value = Vec<(u32, String)>> {
        prop::collection::vec((0u32..80, "[a-c<]{0,3}"), 0..90)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A render reusing any previous tree equals a fresh render, and the
        /// diff against it is the diff against the fresh render.
        #[test]
        fn memoised_render_equals_fresh_render(
            a in rows(),
            edits in prop::collection::vec((0usize..90, "[a-c]{0,2}"), 0..4),
            title in "[ab]",
        ) {
            let before = table(&a, "a");
            let mut b = a.clone();
            for (i, v) in edits {
                if b.is_empty() {
                    b.push((i as u32, v));
                } else {
                    let at = i % b.len();
                    b[at].1 = v;
                }
            }
            let fresh = table(&b, &title);
            let reused = render_reusing(&before, || table(&b, &title));
            prop_assert_eq!(&reused, &fresh);
            prop_assert_eq!(reused.to_html(), fresh.to_html());
            let none = Extras::default();
            prop_assert_eq!(diff(&before, &reused, &none), diff(&before, &fresh, &none));
            // And against an unrelated previous tree.
            let other = render_reusing(&table(&a[..a.len() / 2], "x"), || table(&b, &title));
            prop_assert_eq!(&other, &fresh);
        }
    }
}
