//! Random templates, render trees and render sequences for the diff property
//! tests and the real-client oracle test (`tests/tests/oracle.rs` includes this
//! file with `#[path]`, so it only names `crate::template` and `serde_json`).
//!
//! Everything is driven by a small seeded generator, so a failing case is
//! reproduced from its seed.

#![allow(dead_code)]

use crate::template::{
    render_reusing, Comprehension, Dynamic, Entry, EntryKey, Html, Rendered, Statics,
};
use serde_json::{json, Value};

/// SplitMix64: a tiny deterministic generator.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Characters that need JSON or HTML escaping, plus a few plain and non-ASCII ones.
const ALPHABET: &[char] = &[
    'a', 'b', 'c', ' ', '<', '>', '&', '"', '\'', '\\', '/', '\n', '\t', '\r', '\u{0}', '\u{1}',
    '\u{1f}', '\u{7f}', 'é', '→', '😀', '\u{2028}', '{', '}', '[', ']', ':', ',',
];

fn random_string(rng: &mut Rng, max_len: usize) -> String {
    let n = rng.below(max_len + 1);
    (0..n).map(|_| *rng.pick(ALPHABET)).collect()
}

fn leak_statics(parts: Vec<String>, fingerprint: u64) -> &'static Statics {
    let parts: Vec<&'static str> = parts
        .into_iter()
        .map(|p| &*Box::leak(p.into_boxed_str()))
        .collect();
    Box::leak(Box::new(Statics::new(
        Box::leak(parts.into_boxed_slice()),
        fingerprint,
    )))
}

/// A set of random templates that trees draw their statics from.
pub struct Pool {
    templates: Vec<&'static Statics>,
}

impl Pool {
    /// 4–9 random templates with 0–3 holes, plus an equal copy of one (same
    /// parts and fingerprint, another address) and a look-alike of another
    /// (same parts, another fingerprint).
    pub fn new(rng: &mut Rng) -> Pool {
        let n = 4 + rng.below(6);
        let mut specs: Vec<(Vec<String>, u64)> = Vec::new();
        for _ in 0..n {
            let holes = match rng.below(20) {
                0..=1 => 0,
                2..=8 => 1,
                9..=14 => 2,
                _ => 3,
            };
            let parts = (0..=holes)
                .map(|_| {
                    if rng.chance(25) {
                        "<div id=\"x\">".to_owned()
                    } else {
                        random_string(rng, 5)
                    }
                })
                .collect();
            specs.push((parts, rng.next_u64()));
        }
        let (same_parts, same_fp) = specs[rng.below(n)].clone();
        specs.push((same_parts, same_fp));
        let (look_alike, _) = specs[rng.below(n)].clone();
        specs.push((look_alike, rng.next_u64()));
        Pool {
            templates: specs.into_iter().map(|(p, f)| leak_statics(p, f)).collect(),
        }
    }

    fn any(&self, rng: &mut Rng) -> &'static Statics {
        self.templates[rng.below(self.templates.len())]
    }

    /// Another template with as many holes as `s`, if the pool has one.
    fn sibling(&self, rng: &mut Rng, s: &Statics) -> Option<&'static Statics> {
        let same: Vec<&'static Statics> = self
            .templates
            .iter()
            .copied()
            .filter(|t| t.holes() == s.holes() && !std::ptr::eq(*t, s))
            .collect();
        if same.is_empty() {
            None
        } else {
            Some(same[rng.below(same.len())])
        }
    }
}

/// A random text dynamic: often one of a few common values (so that
/// successive renders share values), else a random string, escaped or raw.
pub fn random_text(rng: &mut Rng) -> Html {
    if rng.chance(40) {
        const COMMON: [&str; 5] = ["", "a", "b", "0", "<i>"];
        let s = COMMON[rng.below(COMMON.len())];
        return Html::escape(s);
    }
    let s = random_string(rng, 8);
    if rng.chance(70) {
        Html::escape(&s)
    } else {
        Html::raw(s)
    }
}

/// A random tree at most `depth` levels deep.
pub fn gen_rendered(rng: &mut Rng, pool: &Pool, depth: usize) -> Rendered {
    let s = pool.any(rng);
    let dynamics = (0..s.holes())
        .map(|_| gen_dynamic(rng, pool, depth))
        .collect();
    Rendered::new(s, dynamics)
}

/// A random dynamic: text, nested template or list.
pub fn gen_dynamic(rng: &mut Rng, pool: &Pool, depth: usize) -> Dynamic {
    let r = rng.below(100);
    if depth == 0 || r < 50 {
        Dynamic::Text(random_text(rng))
    } else if r < 72 {
        Dynamic::Nested(gen_rendered(rng, pool, depth - 1))
    } else {
        Dynamic::List(gen_list(rng, pool, depth - 1))
    }
}

fn random_key(rng: &mut Rng) -> EntryKey {
    if rng.chance(70) {
        EntryKey::Int(rng.below(16) as i64)
    } else {
        EntryKey::Str(format!("k{}", rng.below(16)))
    }
}

/// A key not used by `entries` (mostly; a duplicate now and then).
fn fresh_key(rng: &mut Rng, entries: &[Entry]) -> EntryKey {
    for _ in 0..32 {
        let k = random_key(rng);
        if rng.chance(3) || !entries.iter().any(|e| e.key.as_ref() == Some(&k)) {
            return k;
        }
    }
    EntryKey::Str(format!("u{}", rng.next_u64()))
}

fn gen_entry(
    rng: &mut Rng,
    pool: &Pool,
    s: &Statics,
    key: Option<EntryKey>,
    depth: usize,
) -> Entry {
    Entry {
        key,
        dynamics: (0..s.holes())
            .map(|_| gen_dynamic(rng, pool, depth))
            .collect(),
    }
}

/// A random list of 0–6 entries, keyed most of the time; now and then, a
/// list of text entries long enough to span several chunks (30–74 entries),
/// so that renders share chunks.
pub fn gen_list(rng: &mut Rng, pool: &Pool, depth: usize) -> Comprehension {
    let s = pool.any(rng);
    let keyed = rng.chance(65);
    let n = if depth == 0 && rng.chance(12) {
        30 + rng.below(45)
    } else {
        rng.below(7)
    };
    let mut entries: Vec<Entry> = Vec::new();
    for _ in 0..n {
        let key = if keyed && !rng.chance(3) {
            Some(fresh_key(rng, &entries))
        } else {
            None
        };
        let e = gen_entry(rng, pool, s, key, depth);
        entries.push(e);
    }
    build_list(s, entries)
}

fn build_list(s: &'static Statics, entries: Vec<Entry>) -> Comprehension {
    let mut c = Comprehension::with_capacity(s, entries.len());
    for e in entries {
        c.push(e.key, e.dynamics);
    }
    c.finish()
}

/// The next state: random changes spread over the tree (values, kinds,
/// statics, list insertions, deletions, moves), sometimes none at all.
pub fn mutate_rendered(rng: &mut Rng, pool: &Pool, r: &Rendered, depth: usize) -> Rendered {
    if rng.chance(4) {
        return gen_rendered(rng, pool, depth);
    }
    let dynamics: Vec<Dynamic> = r
        .dynamics()
        .iter()
        .map(|d| {
            if rng.chance(45) {
                mutate_dynamic(rng, pool, d, depth)
            } else {
                d.clone()
            }
        })
        .collect();
    let statics = match rng.chance(5) {
        true => pool.sibling(rng, r.statics()).unwrap_or(r.statics()),
        false => r.statics(),
    };
    Rendered::new(statics, dynamics)
}

fn mutate_dynamic(rng: &mut Rng, pool: &Pool, d: &Dynamic, depth: usize) -> Dynamic {
    if rng.chance(8) {
        return gen_dynamic(rng, pool, depth);
    }
    match d {
        Dynamic::Text(_) => Dynamic::Text(random_text(rng)),
        Dynamic::Nested(r) => {
            Dynamic::Nested(mutate_rendered(rng, pool, r, depth.saturating_sub(1)))
        }
        Dynamic::List(c) => Dynamic::List(mutate_list(rng, pool, c, depth.saturating_sub(1))),
        // A kind this generator does not know yet: a fresh one instead.
        #[allow(unreachable_patterns)]
        _ => gen_dynamic(rng, pool, depth),
    }
}

fn mutate_entry(rng: &mut Rng, pool: &Pool, e: &Entry, depth: usize) -> Entry {
    Entry {
        key: e.key.clone(),
        dynamics: e
            .dynamics
            .iter()
            .map(|d| {
                if rng.chance(50) {
                    mutate_dynamic(rng, pool, d, depth)
                } else {
                    d.clone()
                }
            })
            .collect(),
    }
}

fn mutate_list(rng: &mut Rng, pool: &Pool, c: &Comprehension, depth: usize) -> Comprehension {
    if rng.chance(5) {
        return gen_list(rng, pool, depth);
    }
    let s = c.statics();
    let keyed = if c.is_empty() {
        rng.chance(65)
    } else {
        c.is_keyed()
    };
    let mut entries: Vec<Entry> = c.entries().map(|e| e.to_entry()).collect();
    for _ in 0..rng.below(5) {
        let n = entries.len();
        match rng.below(7) {
            0 if n > 0 => {
                entries.remove(rng.below(n));
            }
            1 => {
                let key = if keyed && !rng.chance(3) {
                    Some(fresh_key(rng, &entries))
                } else {
                    None
                };
                let e = gen_entry(rng, pool, s, key, depth);
                entries.insert(rng.below(n + 1), e);
            }
            2 if n > 1 => {
                let e = entries.remove(rng.below(n));
                entries.insert(rng.below(n), e);
            }
            3 if n > 1 => {
                let (i, j) = (rng.below(n), rng.below(n));
                entries.swap(i, j);
            }
            4 if n > 0 => {
                let i = rng.below(n);
                entries[i] = mutate_entry(rng, pool, &entries[i], depth);
            }
            5 if n > 1 && rng.chance(30) => entries.reverse(),
            _ if n > 0 => {
                let i = rng.below(n);
                entries[i] = mutate_entry(rng, pool, &entries[i], depth);
            }
            _ => {}
        }
    }
    build_list(s, entries)
}

/// Top-level extras owned by a test case.
#[derive(Clone, Debug, Default)]
pub struct OwnedExtras {
    /// `"t"`.
    pub title: Option<String>,
    /// `"e"`.
    pub events: Vec<(String, Value)>,
    /// `"r"`.
    pub reply: Option<Value>,
}

impl OwnedExtras {
    /// Random extras, empty most of the time.
    pub fn random(rng: &mut Rng) -> OwnedExtras {
        let mut x = OwnedExtras::default();
        if rng.chance(15) {
            x.title = Some(random_string(rng, 6));
        }
        if rng.chance(15) {
            for _ in 0..1 + rng.below(2) {
                x.events.push((
                    random_string(rng, 4),
                    json!({"v": random_string(rng, 4), "n": rng.below(9)}),
                ));
            }
        }
        if rng.chance(10) {
            x.reply = Some(json!({"ok": random_string(rng, 3)}));
        }
        x
    }

    /// Borrowed as [`Extras`](super::Extras)-shaped fields: (title, events, reply).
    pub fn parts(&self) -> (Option<&str>, &[(String, Value)], Option<&Value>) {
        (self.title.as_deref(), &self.events, self.reply.as_ref())
    }
}

/// A random sequence of `steps + 1` related states. Each state is made the
/// way the driver renders, reusing the previous one
/// ([`render_reusing`]): unchanged list entries share their chunks, which
/// the diff skips.
pub fn gen_sequence(rng: &mut Rng, pool: &Pool, steps: usize) -> Vec<Rendered> {
    let mut states = vec![gen_rendered(rng, pool, 3)];
    for _ in 0..steps {
        let last = states.last().expect("non-empty");
        let next = if rng.chance(8) {
            last.clone()
        } else {
            render_reusing(last, || mutate_rendered(rng, pool, last, 3))
        };
        states.push(next);
    }
    states
}
