// The `diff_roundtrip` check, shared by the fuzz target (fuzz/fuzz_targets/diff_roundtrip.rs)
// and the regression replay (core/tests/fuzz_regressions.rs); included with `include!`.
//
// Diff round trip over trees built from fuzz input: merging `diff(a, b)`
// into `full(a)` with the client's merge model gives `full(b)`, and its HTML
// is `b`'s.
use liveview_core::diff::merge::{merge, to_html};
use liveview_core::diff::{diff, full, Extras};
use liveview_core::template::{Comprehension, Dynamic, EntryKey, Rendered, Statics, ToDynamic};

static S0: Statics = Statics::new(&["<p>x</p>"], 10);
static S1: Statics = Statics::new(&["<b>", "</b>"], 11);
static S2: Statics = Statics::new(&["<i a=\"", "\">", "</i>"], 12);
static S3: Statics = Statics::new(&["<li>", "|", "|", "</li>"], 13);
static POOL: [&Statics; 4] = [&S0, &S1, &S2, &S3];
const TEXTS: [&str; 6] = ["", "a", "<&>", "\"q\"", "ü\n\t", "long text long text long text long"];

/// Reads bytes as a little tree-building program.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn rendered(&mut self, depth: u8) -> Rendered {
        let s = POOL[usize::from(self.byte()) % POOL.len()];
        let dynamics = (0..s.holes()).map(|_| self.dynamic(depth)).collect();
        Rendered::new(s, dynamics)
    }

    fn dynamic(&mut self, depth: u8) -> Dynamic {
        let b = self.byte();
        match b % 4 {
            1 if depth > 0 => Dynamic::Nested(self.rendered(depth - 1)),
            2 if depth > 0 => {
                let s = POOL[usize::from(self.byte()) % POOL.len()];
                let keyed = b & 0x10 != 0;
                let n = usize::from(self.byte() % 6);
                let mut c = Comprehension::with_capacity(s, n);
                for _ in 0..n {
                    let key = keyed.then(|| EntryKey::from(i64::from(self.byte() % 8)));
                    let d = (0..s.holes()).map(|_| self.dynamic(depth - 1)).collect();
                    c.push(key, d);
                }
                Dynamic::List(c)
            }
            _ => TEXTS[usize::from(b >> 2) % TEXTS.len()].to_dynamic(),
        }
    }
}

/// Runs the check on one input; panics on a finding.
pub fn check(data: &[u8]) {
    let mut r = Reader(data);
    let a = r.rendered(3);
    let b = r.rendered(3);
    let none = Extras::default();
    let start: serde_json::Value = serde_json::from_str(&full(&a, &none)).expect("full is JSON");
    let want: serde_json::Value = serde_json::from_str(&full(&b, &none)).expect("full is JSON");
    let merged = match diff(&a, &b, &none) {
        Some(d) => merge(&start, serde_json::from_str(&d).expect("diff is JSON")).expect("the client can merge it"),
        None => start,
    };
    assert_eq!(merged, want);
    assert_eq!(to_html(&merged).expect("renders"), b.to_html());
}
