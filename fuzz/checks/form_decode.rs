// The `form_decode` check, shared by the fuzz target (fuzz/fuzz_targets/form_decode.rs)
// and the regression replay (core/tests/fuzz_regressions.rs); included with `include!`.
//
// Urlencoded form decoding with nested names (`user[tags][]=a`) never panics,
// stays within its bounds (name depth, field count), and a form event's value
// is the decoded form with `_target` turned into a path.
use liveview_core::event::form::{decode_nested, split_name, MAX_DEPTH, MAX_FORM_FIELDS};
use liveview_core::event::{event_value, ClientEvent};
use serde_json::{Map, Value};

/// Nesting depth of a value (a string is 0), without recursion.
fn depth(v: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(v, 0usize)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    deepest
}

/// Runs the check on one input; panics on a finding.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let decoded = decode_nested(&text);
    if let Ok(map) = &decoded {
        let fields = text.split('&').filter(|p| !p.is_empty()).count();
        assert!(fields <= MAX_FORM_FIELDS, "{fields} fields accepted");
        // One level per name segment (a key or a `[]` list).
        let d = depth(&Value::Object(map.clone()));
        assert!(d <= MAX_DEPTH, "depth {d} accepted");
    }
    for name in text.split('&').map(|p| p.split('=').next().unwrap_or_default()) {
        if let Ok(segments) = split_name(name) {
            assert!(!segments.is_empty() && segments.len() <= MAX_DEPTH);
        }
    }
    // As a form event, with the first field's name as `_target`.
    let target = text.split(['&', '=']).next().unwrap_or_default().to_owned();
    let mut meta = Map::new();
    meta.insert("_target".into(), Value::String(target.clone()));
    let ev = ClientEvent::form("change", text.clone().into_owned()).with_meta(meta);
    match (event_value(&ev), decoded) {
        (Ok(Value::Object(v)), Ok(_)) => {
            let path = split_name(&target).expect("the target decoded, so its name splits");
            let want: Vec<Value> = path.into_iter().map(|s| Value::String(s.to_owned())).collect();
            assert_eq!(v.get("_target"), Some(&Value::Array(want)));
        }
        (Ok(other), _) => panic!("a form event decoded to a non-map: {other}"),
        (Err(e), _) => assert!(!e.reason.is_empty(), "an error without a reason"),
    }
}
