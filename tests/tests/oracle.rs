//! The real-client oracle: thousands of random render sequences are encoded
//! with `liveview_core::diff` (`full` for the join, `diff` for every step) and
//! played through the official `phoenix_live_view` 1.2.12 client code
//! (`tests/oracle/oracle.mjs`, which runs the shipped bundle's `Rendered`
//! class in Node). For every case the client must throw nothing and end on
//! exactly `Rendered::to_html()` of the last state; after every message its
//! HTML must be that of the state the message encodes, and the extras it
//! extracts (title, events, reply) must be the ones sent.
//!
//! Needs `node` (and `npm`, the first time) on PATH; fails loudly otherwise.

use liveview_core::diff::{diff, full, Extras};
use liveview_core::template::{Comprehension, Dynamic, EntryKey, Html, Rendered, Statics};
use liveview_core::CLIENT_VERSION;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The random generators are shared with the core property tests; they name
/// `crate::template`, which this module provides.
mod template {
    pub use liveview_core::template::*;
}
#[path = "../../core/src/diff/testgen.rs"]
mod testgen;

use testgen::{gen_sequence, OwnedExtras, Pool, Rng};

const SEED: u64 = 0x5EED_0F11_FE00;
const CASES: usize = 3000;
const BATCH: usize = 1000;

fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oracle")
}

/// Panics unless `node` runs; installs the pinned client if needed.
fn prepare() -> PathBuf {
    let dir = oracle_dir();
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "the real-client oracle test needs Node.js: `node --version` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "the real-client oracle test needs Node.js (>= 18) on PATH, and `node` could not be run: {e}. \
             Install Node.js; this test never skips."
        ),
    }
    if installed_version(&dir).as_deref() != Some(CLIENT_VERSION) {
        eprintln!(
            "oracle: installing phoenix_live_view {CLIENT_VERSION} with `npm ci` in {}",
            dir.display()
        );
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "could not run `npm ci` in {} (is npm on PATH?): {e}",
                    dir.display()
                )
            });
        assert!(
            status.success(),
            "`npm ci` failed in {} ({status})",
            dir.display()
        );
        assert_eq!(
            installed_version(&dir).as_deref(),
            Some(CLIENT_VERSION),
            "`npm ci` did not install phoenix_live_view {CLIENT_VERSION}"
        );
    }
    dir
}

/// The version of `phoenix_live_view` in `dir/node_modules`, if any.
fn installed_version(dir: &Path) -> Option<String> {
    let pkg =
        std::fs::read_to_string(dir.join("node_modules/phoenix_live_view/package.json")).ok()?;
    let pkg: Value = serde_json::from_str(&pkg).ok()?;
    pkg.get("version")?.as_str().map(str::to_owned)
}

/// One case: the messages the client receives and what it must end on.
struct Case {
    messages: Vec<String>,
    html: String,
    /// (title, events, reply) per message.
    extras: Vec<OwnedExtras>,
    /// The HTML of the state each message brings the client to.
    htmls: Vec<String>,
}

impl Case {
    fn from_states(rng: &mut Rng, states: &[Rendered]) -> Case {
        let mut messages = Vec::new();
        let mut extras = Vec::new();
        let mut htmls = Vec::new();
        let x = OwnedExtras::random(rng);
        messages.push(full(&states[0], &as_extras(&x)));
        extras.push(x);
        htmls.push(states[0].to_html());
        for w in states.windows(2) {
            let x = OwnedExtras::random(rng);
            if let Some(d) = diff(&w[0], &w[1], &as_extras(&x)) {
                messages.push(d);
                extras.push(x);
                htmls.push(w[1].to_html());
            }
        }
        let html = states.last().expect("non-empty").to_html();
        Case {
            messages,
            html,
            extras,
            htmls,
        }
    }
}

fn as_extras(x: &OwnedExtras) -> Extras<'_> {
    let (title, events, reply) = x.parts();
    Extras {
        title,
        events,
        reply,
    }
}

/// Runs the oracle CLI over a batch of cases; one result object per case.
fn run_oracle(dir: &Path, cases: &[Case]) -> Vec<Value> {
    let mut input = String::from("[");
    for (i, c) in cases.iter().enumerate() {
        if i > 0 {
            input.push(',');
        }
        input.push('[');
        input.push_str(&c.messages.join(","));
        input.push(']');
    }
    input.push(']');
    let mut child = Command::new("node")
        .arg("oracle.mjs")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start `node oracle.mjs`: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .expect("node oracle.mjs did not finish");
    writer
        .join()
        .expect("stdin writer")
        .expect("writing the cases to node");
    assert!(
        out.status.success(),
        "node oracle.mjs failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("node oracle.mjs printed invalid JSON ({e})"));
    assert_eq!(
        results.len(),
        cases.len(),
        "the oracle answered a different number of cases"
    );
    results
}

/// What is wrong with one result, if anything.
fn check(case: &Case, result: &Value) -> Option<String> {
    if let Some(err) = result.get("error") {
        return Some(format!(
            "the client threw at message {}: {}",
            result["step"],
            err.as_str().unwrap_or("?")
        ));
    }
    let html = result
        .get("html")
        .and_then(Value::as_str)
        .unwrap_or("<no html>");
    if html != case.html {
        return Some(format!(
            "final HTML differs:\n  client: {html:?}\n  server: {:?}",
            case.html
        ));
    }
    let steps = result
        .get("steps")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if steps.len() != case.extras.len() {
        return Some(format!(
            "{} steps reported for {} messages",
            steps.len(),
            case.extras.len()
        ));
    }
    for (i, ((s, x), want)) in steps.iter().zip(&case.extras).zip(&case.htmls).enumerate() {
        let got = s.get("html").and_then(Value::as_str).unwrap_or("<no html>");
        if got != want {
            return Some(format!(
                "after message {i} the HTML differs:\n  client: {got:?}\n  server: {want:?}"
            ));
        }
        let title = s.get("title").and_then(Value::as_str);
        let events: Vec<Value> = x
            .events
            .iter()
            .map(|(n, p)| Value::Array(vec![Value::String(n.clone()), p.clone()]))
            .collect();
        let reply = s.get("reply").filter(|r| !r.is_null());
        if title != x.title.as_deref()
            || s.get("events") != Some(&Value::Array(events))
            || reply != x.reply.as_ref()
        {
            return Some(format!(
                "message {i}: the client extracted {s} from extras {x:?}"
            ));
        }
    }
    None
}

/// The `/list` view: one bumped row in a keyed table (also in the bench).
fn table_case() -> Case {
    static TABLE: Statics = Statics::new(&["<table id=\"rows\">", "</table>"], 1);
    static ROW: Statics = Statics::new(
        &[
            "<tr id=\"row-",
            "\"><td>",
            "</td><td class=\"v\">",
            "</td><td><button phx-click=\"bump\" phx-value-i=\"",
            "\">+</button></td></tr>",
        ],
        2,
    );
    let table = |bumped: Option<usize>| {
        let mut c = Comprehension::with_capacity(&ROW, 1000);
        for i in 0..1000usize {
            let v = if bumped == Some(i) { 1 } else { 0 };
            let i_s = Html::escape(&i.to_string());
            c.push(
                Some(EntryKey::from(i)),
                vec![
                    Dynamic::Text(i_s.clone()),
                    Dynamic::Text(i_s.clone()),
                    Dynamic::Text(Html::escape(&v.to_string())),
                    Dynamic::Text(i_s),
                ],
            );
        }
        Rendered::new(&TABLE, vec![Dynamic::List(c)])
    };
    let states = [table(None), table(Some(7)), table(Some(999))];
    let d = diff(&states[0], &states[1], &Extras::default()).expect("a change");
    assert!(
        d.len() < 120,
        "bumping one row of 1000 sent {} bytes: {d}",
        d.len()
    );
    Case::from_states(&mut Rng::new(0), &states)
}

#[test]
fn the_official_client_renders_our_diffs() {
    let dir = prepare();
    let mut rng = Rng::new(SEED);
    let mut cases = vec![table_case()];
    while cases.len() < CASES {
        let pool = Pool::new(&mut rng);
        let steps = 1 + rng.below(6);
        let states = gen_sequence(&mut rng, &pool, steps);
        cases.push(Case::from_states(&mut rng, &states));
    }
    let messages: usize = cases.iter().map(|c| c.messages.len()).sum();
    let mut failures = Vec::new();
    for (b, batch) in cases.chunks(BATCH).enumerate() {
        let results = run_oracle(&dir, batch);
        for (i, (case, result)) in batch.iter().zip(&results).enumerate() {
            if let Some(why) = check(case, result) {
                failures.push(format!(
                    "case {}: {why}\n  messages: [{}]",
                    b * BATCH + i,
                    case.messages.join(",")
                ));
            }
        }
    }
    println!(
        "oracle: {} cases ({messages} messages) checked against phoenix_live_view {CLIENT_VERSION}",
        cases.len()
    );
    if !failures.is_empty() {
        let shown: Vec<&String> = failures.iter().take(5).collect();
        panic!(
            "{} of {} cases disagree with the official client; first ones:\n{}",
            failures.len(),
            cases.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n\n")
        );
    }
}
