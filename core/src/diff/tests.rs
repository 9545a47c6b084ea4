//! Unit and property tests of the diff encoder against the client merge model.

use super::merge::{self, Client};
use super::testgen::{gen_sequence, OwnedExtras, Pool, Rng};
use super::{diff, full, Extras};
use crate::template::{Comprehension, Dynamic, EntryKey, Html, Rendered, Statics};
use proptest::prelude::*;
use serde_json::{json, Value};

const NONE: Extras<'static> = Extras {
    components: "",
    title: None,
    events: &[],
    reply: None,
};

static ROOT: Statics = Statics::new(&["<ul>", "</ul>"], 1);
static LI: Statics = Statics::new(&["<li>", "</li>"], 2);
static ROW: Statics = Statics::new(&["<tr id=\"row-", "\"><td>", "</td></tr>"], 3);
static B: Statics = Statics::new(&["<b>", "</b>"], 4);
static I: Statics = Statics::new(&["<i>", "|", "</i>"], 5);
static TWO: Statics = Statics::new(&["", "|", ""], 6);

fn text(s: &str) -> Dynamic {
    Dynamic::Text(Html::escape(s))
}

fn list(statics: &'static Statics, entries: &[(Option<i64>, &str)]) -> Dynamic {
    let mut c = Comprehension::new(statics);
    for (k, v) in entries {
        c.push(k.map(EntryKey::Int), vec![text(v)]);
    }
    Dynamic::List(c)
}

fn root(d: Dynamic) -> Rendered {
    Rendered::new(&ROOT, vec![d])
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("invalid JSON ({e}): {s}"))
}

/// Merges `diff(a, b)` into `full(a)` with the model and checks it is `full(b)` and renders `b`.
fn check_step(a: &Rendered, b: &Rendered) -> Option<String> {
    let d = diff(a, b, &NONE);
    let fa = parse(&full(a, &NONE));
    let fb = parse(&full(b, &NONE));
    match &d {
        Some(d) => {
            let merged = merge::merge(&fa, parse(d))
                .unwrap_or_else(|e| panic!("merge failed: {e}\ndiff: {d}"));
            assert_eq!(merged, fb, "diff: {d}");
            assert_eq!(merge::to_html(&merged).unwrap(), b.to_html());
        }
        None => assert_eq!(fa, fb),
    }
    d
}

#[test]
fn full_render_format() {
    let r = Rendered::new(
        &TWO,
        vec![
            text("a\"b"),
            Dynamic::Nested(Rendered::new(&B, vec![text("<x>")])),
        ],
    );
    assert_eq!(
        full(&r, &NONE),
        r#"{"0":"a&quot;b","1":{"0":"&lt;x&gt;","s":["<b>","</b>"]},"s":["","|",""]}"#
    );
    let l = root(list(&LI, &[(Some(1), "a"), (Some(2), "b")]));
    assert_eq!(
        full(&l, &NONE),
        r#"{"0":{"s":["<li>","</li>"],"k":{"0":{"0":"a"},"1":{"0":"b"},"kc":2}},"s":["<ul>","</ul>"]}"#
    );
    let empty = root(list(&LI, &[]));
    assert_eq!(
        full(&empty, &NONE),
        r#"{"0":{"s":["<li>","</li>"],"k":{"kc":0}},"s":["<ul>","</ul>"]}"#
    );
    static BARE: Statics = Statics::new(&["<hr>"], 7);
    assert_eq!(
        full(&Rendered::new(&BARE, vec![]), &NONE),
        r#"{"s":["<hr>"]}"#
    );
}

#[test]
fn full_render_carries_extras() {
    let r = Rendered::new(&B, vec![text("x")]);
    let events = [("hi".to_owned(), json!({"a": [1, "\n"]}))];
    let reply = json!({"ok": true});
    let x = Extras {
        components: "",
        title: Some("T\"1"),
        events: &events,
        reply: Some(&reply),
    };
    let v = parse(&full(&r, &x));
    assert_eq!(
        v,
        json!({"0": "x", "s": ["<b>", "</b>"], "t": "T\"1", "e": [["hi", {"a": [1, "\n"]}]], "r": {"ok": true}})
    );
}

#[test]
fn unchanged_is_none_and_extras_alone_are_sent() {
    let r = root(list(&LI, &[(Some(1), "a")]));
    assert_eq!(diff(&r, &r.clone(), &NONE), None);
    let x = Extras {
        title: Some("x"),
        ..NONE
    };
    assert_eq!(diff(&r, &r, &x).unwrap(), r#"{"t":"x"}"#);
    let events = [("e".to_owned(), json!(null))];
    let x = Extras {
        events: &events,
        ..NONE
    };
    assert_eq!(diff(&r, &r, &x).unwrap(), r#"{"e":[["e",null]]}"#);
}

#[test]
fn changed_text_and_nested() {
    let a = Rendered::new(
        &TWO,
        vec![
            text("a"),
            Dynamic::Nested(Rendered::new(&B, vec![text("x")])),
        ],
    );
    let b = Rendered::new(
        &TWO,
        vec![
            text("a"),
            Dynamic::Nested(Rendered::new(&B, vec![text("y")])),
        ],
    );
    assert_eq!(check_step(&a, &b).unwrap(), r#"{"1":{"0":"y"}}"#);
    // new statics: the whole subtree with "s"
    let c = Rendered::new(
        &TWO,
        vec![
            text("a"),
            Dynamic::Nested(Rendered::new(&I, vec![text("1"), text("2")])),
        ],
    );
    assert_eq!(
        check_step(&b, &c).unwrap(),
        r#"{"1":{"0":"1","1":"2","s":["<i>","|","</i>"]}}"#
    );
    // kind changes
    let d = Rendered::new(&TWO, vec![text("a"), text("plain")]);
    assert_eq!(check_step(&c, &d).unwrap(), r#"{"1":"plain"}"#);
    let e = Rendered::new(&TWO, vec![text("a"), list(&LI, &[(None, "q")])]);
    assert_eq!(
        check_step(&d, &e).unwrap(),
        r#"{"1":{"s":["<li>","</li>"],"k":{"0":{"0":"q"},"kc":1}}}"#
    );
    assert_eq!(
        check_step(&e, &b).unwrap(),
        r#"{"1":{"0":"y","s":["<b>","</b>"]}}"#
    );
    // new root statics: the full render
    let f = Rendered::new(&B, vec![text("z")]);
    assert_eq!(check_step(&b, &f).unwrap(), full(&f, &NONE));
}

#[test]
fn equal_statics_at_another_address_are_the_same_template() {
    let copy: &'static Statics = Box::leak(Box::new(Statics::new(&["<b>", "</b>"], 4)));
    let look_alike: &'static Statics = Box::leak(Box::new(Statics::new(&["<b>", "</b>"], 99)));
    let a = root(Dynamic::Nested(Rendered::new(&B, vec![text("x")])));
    let b = root(Dynamic::Nested(Rendered::new(copy, vec![text("x")])));
    assert_eq!(diff(&a, &b, &NONE), None);
    let c = root(Dynamic::Nested(Rendered::new(look_alike, vec![text("x")])));
    assert_eq!(
        check_step(&a, &c).unwrap(),
        r#"{"0":{"0":"x","s":["<b>","</b>"]}}"#
    );
}

#[test]
fn list_recipes() {
    let ab = root(list(&LI, &[(None, "a"), (None, "b")]));
    let a_b2 = root(list(&LI, &[(None, "a"), (None, "B")]));
    assert_eq!(
        check_step(&ab, &a_b2).unwrap(),
        r#"{"0":{"k":{"1":{"0":"B"},"kc":2}}}"#
    );
    let abc = root(list(&LI, &[(None, "a"), (None, "b"), (None, "c")]));
    assert_eq!(
        check_step(&ab, &abc).unwrap(),
        r#"{"0":{"k":{"2":{"0":"c"},"kc":3}}}"#
    );
    assert_eq!(check_step(&abc, &ab).unwrap(), r#"{"0":{"k":{"kc":2}}}"#);
    let none = root(list(&LI, &[]));
    assert_eq!(check_step(&ab, &none).unwrap(), r#"{"0":{"k":{"kc":0}}}"#);
    let other = root(list(&B, &[(None, "a")]));
    assert_eq!(
        check_step(&ab, &other).unwrap(),
        r#"{"0":{"s":["<b>","</b>"],"k":{"0":{"0":"a"},"kc":1}}}"#
    );
}

#[test]
fn keyed_moves_use_old_indexes_and_km() {
    let a = root(list(&LI, &[(Some(1), "a"), (Some(2), "b")]));
    let b = root(list(&LI, &[(Some(2), "B"), (Some(1), "a"), (Some(3), "c")]));
    assert_eq!(
        check_step(&a, &b).unwrap(),
        r#"{"0":{"k":{"0":[1,{"0":"B"}],"1":0,"2":{"0":"c"},"kc":3,"km":true}}}"#
    );
    // deleting the first entry moves the others up
    let c = root(list(&LI, &[(Some(1), "a"), (Some(3), "c")]));
    assert_eq!(
        check_step(&b, &c).unwrap(),
        r#"{"0":{"k":{"0":1,"1":2,"kc":2,"km":true}}}"#
    );
    // a new key at an old index is sent in full, not merged with the old entry
    let d = root(list(&LI, &[(Some(9), "a"), (Some(3), "c")]));
    assert_eq!(
        check_step(&c, &d).unwrap(),
        r#"{"0":{"k":{"0":{"0":"a"},"kc":2}}}"#
    );
}

#[test]
fn duplicate_and_missing_keys_still_merge() {
    let a = root(list(
        &LI,
        &[(Some(1), "a"), (Some(1), "b"), (None, "c"), (Some(2), "d")],
    ));
    let b = root(list(
        &LI,
        &[
            (Some(2), "d"),
            (Some(1), "b"),
            (Some(1), "x"),
            (Some(1), "y"),
            (None, "c"),
        ],
    ));
    check_step(&a, &b).unwrap();
    check_step(&b, &a).unwrap();
}

#[test]
fn nested_list_entries_diff_inside() {
    let entry = |v: &str| {
        let mut c = Comprehension::new(&TWO);
        c.push(
            Some(EntryKey::Str("k".into())),
            vec![text("x"), Dynamic::Nested(Rendered::new(&B, vec![text(v)]))],
        );
        root(Dynamic::List(c))
    };
    assert_eq!(
        check_step(&entry("1"), &entry("2")).unwrap(),
        r#"{"0":{"k":{"0":{"1":{"0":"2"}},"kc":1}}}"#
    );
}

/// The `/list` view: a keyed table of `n` rows.
fn table(n: usize, bumped: Option<usize>) -> Rendered {
    static CELLS: Statics = Statics::new(
        &[
            "<tr id=\"row-",
            "\"><td>",
            "</td><td class=\"v\">",
            "</td></tr>",
        ],
        8,
    );
    let mut c = Comprehension::with_capacity(&CELLS, n);
    for i in 0..n {
        let v = if bumped == Some(i) { 1 } else { 0 };
        c.push(
            Some(EntryKey::Int(i as i64)),
            vec![
                text(&i.to_string()),
                text(&i.to_string()),
                text(&v.to_string()),
            ],
        );
    }
    Rendered::new(&ROW, vec![text("t"), Dynamic::List(c)])
}

#[test]
fn one_bumped_row_of_a_thousand_is_a_small_diff() {
    let a = table(1000, None);
    let b = table(1000, Some(7));
    let d = check_step(&a, &b).unwrap();
    assert_eq!(d, r#"{"1":{"k":{"7":{"2":"1"},"kc":1000}}}"#);
    assert!(d.len() < 120);
}

#[test]
fn merge_model_agrees_on_a_hand_checked_sequence() {
    let states = [
        root(list(&LI, &[(Some(1), "a"), (Some(2), "b")])),
        root(list(&LI, &[(Some(2), "b"), (Some(3), "c")])),
        root(text("gone")),
        root(list(&LI, &[(Some(3), "c")])),
    ];
    let mut client = Client::join(parse(&full(&states[0], &NONE))).unwrap();
    for w in states.windows(2) {
        if let Some(d) = diff(&w[0], &w[1], &NONE) {
            client.apply(parse(&d)).unwrap();
        }
        assert_eq!(client.to_html().unwrap(), w[1].to_html());
    }
}

fn run_sequence(seed: u64, steps: usize) -> Result<(), TestCaseError> {
    let mut rng = Rng::new(seed);
    let pool = Pool::new(&mut rng);
    let states = gen_sequence(&mut rng, &pool, steps);
    prop_assert_eq!(diff(&states[0], &states[0], &NONE), None);
    let mut client = Client::join(parse(&full(&states[0], &NONE)))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    for w in states.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let extras = OwnedExtras::random(&mut rng);
        let (title, events, reply) = extras.parts();
        let x = Extras {
            components: "",
            title,
            events,
            reply,
        };
        let fa = parse(&full(a, &NONE));
        let fb = parse(&full(b, &NONE));
        match diff(a, b, &x) {
            None => {
                prop_assert!(x.is_empty());
                prop_assert_eq!(&fa, &fb);
            }
            Some(d) => {
                let dv = parse(&d);
                let merged = merge::merge(&fa, dv.clone())
                    .map_err(|e| TestCaseError::fail(format!("merge: {e}\ndiff: {d}")))?;
                prop_assert_eq!(&merged, &fb, "diff: {}", d);
                let html =
                    merge::to_html(&merged).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(html, b.to_html());
                let got = client
                    .apply(dv)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(got.title.as_ref().and_then(Value::as_str), title);
                prop_assert_eq!(got.events.len(), events.len());
                prop_assert_eq!(got.reply.as_ref(), reply);
            }
        }
        prop_assert_eq!(diff(b, b, &NONE), None);
    }
    let last = states.last().expect("non-empty");
    prop_assert_eq!(
        client
            .to_html()
            .map_err(|e| TestCaseError::fail(e.to_string()))?,
        last.to_html()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `merge(full(a), diff(a, b)) == full(b)`, it renders `b`, and a client
    /// applying a whole sequence of diffs ends on the last render.
    #[test]
    fn diffs_merge_to_the_next_render(seed in any::<u64>(), steps in 1usize..7) {
        run_sequence(seed, steps)?;
    }
}

/// The random sequences reach every form of diff (so the property above is not vacuous).
#[test]
fn generator_reaches_every_diff_form() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..400u64 {
        let mut rng = Rng::new(seed);
        let pool = Pool::new(&mut rng);
        let states = gen_sequence(&mut rng, &pool, 5);
        for w in states.windows(2) {
            let Some(d) = diff(&w[0], &w[1], &NONE) else {
                seen.insert("none");
                continue;
            };
            for (form, needle) in [
                ("km", "\"km\":true"),
                ("move+diff", ":["),
                ("json escape", "\\u00"),
                ("quote escape", "\\\""),
                ("kc", "\"kc\":"),
            ] {
                if d.contains(needle) {
                    seen.insert(form);
                }
            }
            if d.starts_with('{') && parse(&d).get("s").is_some() {
                seen.insert("root replaced");
            }
            let v = parse(&d);
            fn walk(v: &Value, seen: &mut std::collections::BTreeSet<&'static str>) {
                if let Value::Object(o) = v {
                    if let Some(Value::Object(k)) = o.get("k") {
                        for (i, e) in k {
                            match e {
                                Value::Number(_) if i != "kc" => {
                                    seen.insert("bare move");
                                }
                                Value::Object(_) => {
                                    seen.insert("entry object");
                                }
                                _ => {}
                            }
                        }
                        if k.len() == 1 {
                            seen.insert("kc only");
                        }
                    }
                    if o.get("s").is_some() && o.get("k").is_some() {
                        seen.insert("list replaced");
                    }
                    o.values().for_each(|x| walk(x, seen));
                } else if let Value::Array(a) = v {
                    a.iter().for_each(|x| walk(x, seen));
                }
            }
            walk(&v, &mut seen);
        }
    }
    let want = [
        "none",
        "km",
        "move+diff",
        "bare move",
        "json escape",
        "quote escape",
        "kc",
        "kc only",
        "entry object",
        "root replaced",
        "list replaced",
    ];
    for w in want {
        assert!(
            seen.contains(w),
            "the generator never produced a diff with {w}: {seen:?}"
        );
    }
}

/// The random sequences share list chunks between renders (so the diff's
/// skipping of shared chunks is exercised by the property above and by the
/// real-client oracle), and a diff over shared chunks equals the diff over
/// unshared copies.
#[test]
fn generated_sequences_share_chunks() {
    fn lists<'a>(d: &'a [Dynamic], out: &mut Vec<&'a Comprehension>) {
        for d in d {
            match d {
                Dynamic::Text(_) | Dynamic::Component(_) => {}
                Dynamic::Nested(r) => lists(r.dynamics(), out),
                Dynamic::List(c) => {
                    out.push(c);
                    for e in c.entries() {
                        lists(e.dynamics, out);
                    }
                }
            }
        }
    }
    /// The same tree with every list rebuilt entry by entry (nothing shared).
    fn unshared(r: &Rendered) -> Rendered {
        fn dynamic(d: &Dynamic) -> Dynamic {
            match d {
                Dynamic::Text(_) | Dynamic::Component(_) => d.clone(),
                Dynamic::Nested(r) => Dynamic::Nested(unshared(r)),
                Dynamic::List(c) => {
                    let mut copy = Comprehension::new(c.statics());
                    for e in c.entries() {
                        copy.push(e.key.cloned(), e.dynamics.iter().map(dynamic).collect());
                    }
                    Dynamic::List(copy.finish())
                }
            }
        }
        Rendered::new(r.statics(), r.dynamics().iter().map(dynamic).collect())
    }
    let mut shared_pairs = 0;
    for seed in 0..300 {
        let mut rng = Rng::new(seed);
        let pool = Pool::new(&mut rng);
        let states = gen_sequence(&mut rng, &pool, 4);
        for w in states.windows(2) {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            lists(w[0].dynamics(), &mut a);
            lists(w[1].dynamics(), &mut b);
            if a.iter().any(|x| {
                b.iter()
                    .any(|y| (0..x.len().min(y.len())).any(|i| x.shared_from(y, i) > 0))
            }) {
                shared_pairs += 1;
                let fresh = unshared(&w[1]);
                assert_eq!(fresh, w[1]);
                assert_eq!(diff(&w[0], &w[1], &NONE), diff(&w[0], &fresh, &NONE));
            }
        }
    }
    assert!(shared_pairs > 20, "only {shared_pairs} pairs share chunks");
}
