// The `event_decode` check, shared by the fuzz target (fuzz/fuzz_targets/event_decode.rs)
// and the regression replay (core/tests/fuzz_regressions.rs); included with `include!`.
//
// Typed event decoding (click maps, key events, nested urlencoded forms, hook
// payloads) never panics, whatever the client sends.
use liveview_core::event::{decode, ClientEvent, EventValue};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct User {
    name: String,
    age: Option<u32>,
    tags: Option<Vec<String>>,
    address: Option<BTreeMap<String, String>>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    Inc,
    Bump { i: usize },
    Key { key: String },
    Save { user: User },
    Hook(Value),
    Flag { on: bool, level: Option<i64> },
    #[serde(other)]
    Unknown,
}

/// Runs the check on one input; panics on a finding.
pub fn check(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest).into_owned();
    let names = ["inc", "bump", "key", "save", "hook", "flag", "other"];
    let name = names[usize::from(selector) % names.len()].to_owned();
    let value = if selector & 0x80 == 0 {
        EventValue::Form(text.clone())
    } else {
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => EventValue::Json(v),
            Err(_) => EventValue::Form(text.clone()),
        }
    };
    let mut meta = Map::new();
    if selector & 0x40 != 0 {
        meta.insert("_target".into(), Value::String(text));
    }
    let ev = ClientEvent { kind: "form".into(), name, value, meta, cid: None, uploads: None };
    let _ = decode::<Event>(&ev);
}
