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

/// Panics unless `node` runs; installs the pinned client if needed (once,
/// whichever test asks first).
fn prepare() -> PathBuf {
    static READY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    READY.get_or_init(install).clone()
}

fn install() -> PathBuf {
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
        components: "",
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

// ---------------------------------------------------------------------------
// Components: sessions of a view with LiveComponents, driven by the real
// driver, replayed through the official client.

mod components {
    use liveview_core::component::{live_component, Cid, ComponentUpdate, LiveComponent};
    use liveview_core::diff::merge::Client;
    use liveview_core::event::ClientEvent;
    use liveview_core::runtime::{JoinInput, Output, ViewDriver};
    use liveview_core::{html, Context, LiveView, Mount, Rendered, Time, Update, Url};
    use serde::Deserialize;
    use serde_json::{json, Value};

    /// A badge inside an item: a component in a component.
    pub struct Badge {
        text: String,
        hits: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum BadgeEvent {
        Hit,
    }

    impl LiveComponent for Badge {
        type Props = String;
        type Event = BadgeEvent;
        type Info = ();
        fn mount(text: String, _: &Context) -> ComponentUpdate<Self> {
            (Badge { text, hits: 0 }, vec![])
        }
        fn update(self, text: String, _: &Context) -> ComponentUpdate<Self> {
            (Badge { text, ..self }, vec![])
        }
        fn handle_event(self, BadgeEvent::Hit: BadgeEvent, _: &Context) -> ComponentUpdate<Self> {
            (
                Badge {
                    hits: self.hits + 1,
                    ..self
                },
                vec![],
            )
        }
        fn render(&self, myself: Cid) -> Rendered {
            html!(r#"<b phx-click="hit" phx-target={myself}>{self.text}:{self.hits}</b>"#)
        }
    }

    /// An item: two templates (a mode of its own), a badge child sometimes.
    pub struct Item {
        label: String,
        badge: bool,
        wide: bool,
        clicks: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum ItemEvent {
        Click,
        Widen,
    }

    impl LiveComponent for Item {
        type Props = (String, bool);
        type Event = ItemEvent;
        type Info = ();
        fn mount((label, badge): (String, bool), _: &Context) -> ComponentUpdate<Self> {
            (
                Item {
                    label,
                    badge,
                    wide: false,
                    clicks: 0,
                },
                vec![],
            )
        }
        fn update(self, (label, badge): (String, bool), _: &Context) -> ComponentUpdate<Self> {
            (
                Item {
                    label,
                    badge,
                    ..self
                },
                vec![],
            )
        }
        fn handle_event(self, event: ItemEvent, _: &Context) -> ComponentUpdate<Self> {
            match event {
                ItemEvent::Click => (
                    Item {
                        clicks: self.clicks + 1,
                        ..self
                    },
                    vec![],
                ),
                ItemEvent::Widen => (
                    Item {
                        wide: !self.wide,
                        ..self
                    },
                    vec![],
                ),
            }
        }
        fn render(&self, myself: Cid) -> Rendered {
            let badge = format!("badge-{}", self.label);
            if self.wide {
                html!(
                    r#"<div class="wide" id="i{myself}"><span>{self.label}</span>{#if self.badge}{live_component::<Badge>(badge, self.label.clone())}{/if}<i>{self.clicks}</i></div>"#
                )
            } else {
                html!(
                    r#"<li id="i{myself}" phx-click="click" phx-target={myself}>{self.label} ({self.clicks}){#if self.badge} {live_component::<Badge>(badge, self.label.clone())}{/if}</li>"#
                )
            }
        }
    }

    pub struct Items {
        rows: Vec<(u32, String, bool)>,
        title: u32,
        boxed: bool,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Event {
        Add { id: u32 },
        Remove { id: u32 },
        Rename { id: u32 },
        Badge { id: u32 },
        Retitle,
        Rebox,
        Reverse,
    }

    impl LiveView for Items {
        type Event = Event;
        type Info = ();
        fn mount(_: &Mount) -> Update<Self> {
            let rows = (0..3).map(|i| (i, format!("r{i}"), i == 1)).collect();
            (
                Items {
                    rows,
                    title: 0,
                    boxed: false,
                },
                vec![],
            )
        }
        fn handle_event(mut self, event: Event) -> Update<Self> {
            match event {
                Event::Add { id } => {
                    if !self.rows.iter().any(|r| r.0 == id) {
                        self.rows.insert(
                            id as usize % (self.rows.len() + 1),
                            (id, format!("r{id}"), false),
                        );
                    }
                }
                Event::Remove { id } => self.rows.retain(|r| r.0 != id),
                Event::Rename { id } => self
                    .rows
                    .iter_mut()
                    .filter(|r| r.0 == id)
                    .for_each(|r| r.1.push('x')),
                Event::Badge { id } => self
                    .rows
                    .iter_mut()
                    .filter(|r| r.0 == id)
                    .for_each(|r| r.2 = !r.2),
                Event::Retitle => self.title += 1,
                Event::Rebox => self.boxed = !self.boxed,
                Event::Reverse => self.rows.reverse(),
            }
            (self, vec![])
        }
        fn render(&self) -> Rendered {
            let list = html!(
                r#"{#for (id, label, badge) in &self.rows; key = *id}{live_component::<Item>(id, (label.clone(), *badge))}{/for}"#
            );
            if self.boxed {
                html!(r#"<section><h2>{self.title}</h2><ol>{list}</ol></section>"#)
            } else {
                html!(r#"<h1>{self.title}</h1><ul>{list}</ul>"#)
            }
        }
    }

    /// A tiny deterministic generator.
    pub struct Lcg(u64);
    impl Lcg {
        pub fn new(seed: u64) -> Lcg {
            Lcg(seed)
        }
        pub fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    /// One session: the messages the client gets (join, diffs, prunes) and
    /// the page (without `data-phx-component`) after each.
    pub fn session(rng: &mut Lcg, steps: usize) -> (Vec<Value>, Vec<String>) {
        let input = JoinInput {
            connected: true,
            url: Url::parse("/items").unwrap(),
            ..Default::default()
        };
        let (mut view, joined) = ViewDriver::<Items>::join(Time::ZERO, input).unwrap();
        let first: Value = serde_json::from_str(&joined.rendered).unwrap();
        let mut model = Client::join(first.clone()).unwrap();
        let page = |v: &ViewDriver<Items>| strip(&v.render_html());
        let mut messages = vec![first];
        let mut htmls = vec![page(&view)];
        let mut now = Time::ZERO;
        for _ in 0..steps {
            now = now + std::time::Duration::from_millis(1);
            let cids: Vec<u32> = view.components().iter().map(|c| c.cid).collect();
            let id = rng.below(6) as u32;
            let (cid, name, value) = match rng.below(10) {
                0 => (None, "add", json!({"id": id})),
                1 => (None, "remove", json!({"id": id})),
                2 => (None, "rename", json!({"id": id})),
                3 => (None, "badge", json!({"id": id})),
                4 => (None, "retitle", json!({})),
                5 => (None, "rebox", json!({})),
                6 => (None, "reverse", json!({})),
                n => {
                    if cids.is_empty() {
                        continue;
                    }
                    let cid = cids[rng.below(cids.len() as u64) as usize];
                    let is_badge = view
                        .components()
                        .iter()
                        .any(|c| c.cid == cid && c.component.ends_with("Badge"));
                    let name = match (is_badge, n) {
                        (true, _) => "hit",
                        (false, 7) => "widen",
                        _ => "click",
                    };
                    (Some(cid), name, json!({}))
                }
            };
            let mut ev = ClientEvent::json("click", name, value);
            ev.cid = cid.map(u64::from);
            let reply = view.handle_event(now, ev).unwrap();
            let mut diffs = reply.diff.into_iter().collect::<Vec<_>>();
            while let Some(out) = view.poll_output() {
                if let Output::Push(d) = out {
                    diffs.push(d);
                }
            }
            for d in diffs {
                let d: Value = serde_json::from_str(&d).unwrap();
                let before = model.shown_cids();
                model.apply(d.clone()).unwrap();
                messages.push(d);
                htmls.push(page(&view));
                let after = model.shown_cids();
                let gone: Vec<u32> = before.into_iter().filter(|c| !after.contains(c)).collect();
                if !gone.is_empty() {
                    view.cids_will_destroy(now, &gone).unwrap();
                    let deleted = view.cids_destroyed(now, &gone).unwrap();
                    model.prune(&deleted);
                    messages.push(json!({"__prune": deleted}));
                    htmls.push(page(&view));
                }
            }
        }
        (messages, htmls)
    }

    /// The page without the attribute the oracle strips.
    fn strip(html: &str) -> String {
        let mut out = String::with_capacity(html.len());
        let mut rest = html;
        while let Some(i) = rest.find(" data-phx-component=\"") {
            out.push_str(&rest[..i]);
            rest = &rest[i + 21..];
            rest = &rest[rest.find('"').map_or(rest.len(), |e| e + 1)..];
        }
        out.push_str(rest);
        out
    }
}

/// Component sessions (cids in lists, `"c"` with shared statics old and
/// new, components in components, templates that change, removals, the
/// client's cleanup and revivals) through the official client: no throw,
/// and after every message the page the server rendered.
#[test]
fn the_official_client_renders_our_components() {
    let dir = prepare();
    let mut rng = components::Lcg::new(SEED);
    let sessions: Vec<(Vec<Value>, Vec<String>)> = (0..200)
        .map(|_| components::session(&mut rng, 25))
        .collect();
    let cases: Vec<Case> = sessions
        .iter()
        .map(|(messages, htmls)| Case {
            messages: messages.iter().map(Value::to_string).collect(),
            html: htmls.last().cloned().unwrap_or_default(),
            extras: Vec::new(),
            htmls: htmls.clone(),
        })
        .collect();
    let results = run_oracle(&dir, &cases);
    let shared = cases
        .iter()
        .flat_map(|c| &c.messages)
        .filter(|m| m.contains("\"s\":-"))
        .count();
    assert!(
        shared > 0,
        "no session shared the statics of an old component"
    );
    for (i, (case, result)) in cases.iter().zip(&results).enumerate() {
        if let Some(err) = result.get("error") {
            panic!(
                "session {i}: the client threw at message {}: {}\n  messages: [{}]",
                result["step"],
                err.as_str().unwrap_or("?"),
                case.messages.join(",")
            );
        }
        let steps = result["steps"].as_array().expect("steps");
        assert_eq!(steps.len(), case.htmls.len(), "session {i}");
        for (j, (s, want)) in steps.iter().zip(&case.htmls).enumerate() {
            assert_eq!(
                s["html"].as_str().unwrap_or("<none>"),
                want,
                "session {i}, after message {j}: {}",
                case.messages[j]
            );
        }
    }
}
