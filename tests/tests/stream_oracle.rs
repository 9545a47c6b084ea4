//! The official client as the oracle of streams: random sequences of stream
//! operations on the example app's `/feed` are played in the harness, which
//! predicts after each step the rows the page shows (its client model of
//! the stream, checked against the server's own renders); then headless
//! Chromium with the official `phoenix_live_view` client plays the same
//! operations against the release server (`tests/e2e/streams.test.mjs`), and
//! after each step its DOM must show exactly the predicted rows, in order.
//!
//! Needs Node.js 20+ with npm, and Chromium, like `e2e.rs`.

use liveview_test::{TestApp, TestError};
use liveview_tests::{run_node_tests, workspace, Server};
use serde_json::{json, Value};

/// Cases, and operations per case.
const CASES: u64 = 6;
const STEPS: usize = 30;

/// A small deterministic generator (xorshift64*), so the cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One random `/feed` event: (name, value).
fn random_op(rng: &mut Rng) -> (&'static str, Value) {
    match rng.below(20) {
        0..=12 => {
            let at = match rng.below(4) {
                0 => json!(0),
                1 => json!(rng.below(8)),
                _ => Value::Null,
            };
            let limit = match rng.below(5) {
                0 => json!(-(rng.below(6) as i64) - 1),
                1 => json!(rng.below(6) + 1),
                _ => Value::Null,
            };
            (
                "insert",
                json!({
                    "i": rng.below(14),
                    "v": rng.below(1000),
                    "at": at,
                    "limit": limit,
                    "update_only": rng.below(6) == 0,
                }),
            )
        }
        13..=18 => ("remove", json!({ "i": rng.below(14) })),
        _ => ("reset", json!({ "n": rng.below(4) })),
    }
}

/// The rows the page shows: (DOM id, value), in order.
fn rows(lv: &liveview_test::LiveViewTest) -> Result<Vec<(String, String)>, TestError> {
    let ids = lv.stream_ids("rows")?;
    let values = lv.texts("#rows td.v")?;
    assert_eq!(ids.len(), values.len(), "one value per row");
    Ok(ids.into_iter().zip(values).collect())
}

/// Plays every case in the harness: `[{path, steps: [{event, value, rows}]}]`.
fn predicted_cases() -> Result<Value, TestError> {
    let app = TestApp::with_router(liveview_examples::router());
    let mut cases = Vec::new();
    for case in 0..CASES {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (case + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        let path = "/feed?n=5";
        let lv = app.mount(path)?;
        let mut steps = Vec::new();
        for _ in 0..STEPS {
            let (event, value) = random_op(&mut rng);
            lv.event(event, value.clone())?;
            steps.push(json!({ "event": event, "value": value, "rows": rows(&lv)? }));
        }
        cases.push(json!({ "path": path, "initial": rows(&app.mount(path)?)?, "steps": steps }));
    }
    Ok(Value::Array(cases))
}

#[test]
fn the_official_client_shows_the_predicted_stream_items() {
    let cases = predicted_cases().expect("the harness plays every case");
    let file = workspace().join("target/stream-oracle-cases.json");
    std::fs::create_dir_all(file.parent().expect("target/")).expect("create target/");
    std::fs::write(&file, serde_json::to_string_pretty(&cases).unwrap()).expect("write the cases");
    let server = Server::launch().start();
    run_node_tests(
        "streams.test.mjs",
        &[
            ("LIVEVIEW_URL", format!("http://{}", server.addr())),
            ("STREAM_CASES", file.to_string_lossy().into_owned()),
        ],
    );
}
