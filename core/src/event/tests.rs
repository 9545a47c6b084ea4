//! Decoding tests: every captured payload shape of PROTOCOL.md §5.1, forms, leniency, errors.

use super::*;
use proptest::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// A `ClientEvent` from the payload of a captured `event` push.
fn from_payload(p: Value) -> ClientEvent {
    let value = match &p["value"] {
        Value::String(s) if p["type"] == "form" => EventValue::Form(s.clone()),
        v => EventValue::Json(v.clone()),
    };
    ClientEvent {
        kind: p["type"].as_str().unwrap_or_default().to_owned(),
        name: p["event"].as_str().unwrap_or_default().to_owned(),
        value,
        meta: obj(p.get("meta").cloned().unwrap_or(json!({}))),
        cid: p.get("cid").and_then(Value::as_u64),
        uploads: None,
    }
}

#[derive(Debug, PartialEq, Deserialize)]
struct User {
    name: String,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Captured {
    Inc {
        step: u32,
    },
    Key {
        key: String,
    },
    Toggle,
    Validate {
        user: User,
        _target: Vec<String>,
    },
    Save {
        user: User,
        go: String,
    },
    A {
        id: u64,
        value: String,
    },
    B,
    C {
        value: bool,
    },
    Fo {
        value: String,
    },
    Bl(BTreeMap<String, String>),
    #[serde(rename = "lv:clear-flash")]
    ClearFlash {
        key: String,
    },
}

#[test]
fn captured_payloads_decode() {
    let cases = [
        (
            json!({"type":"click","event":"inc","value":{"step":"2","value":""}}),
            Captured::Inc { step: 2 },
        ),
        (
            json!({"type":"keyup","event":"key","value":{"key":"Enter","value":""}}),
            Captured::Key {
                key: "Enter".into(),
            },
        ),
        (
            json!({"type":"click","event":"toggle","value":{"value":""},"cid":1}),
            Captured::Toggle,
        ),
        (
            json!({"type":"form","event":"validate","value":"user%5Bname%5D=Grace","meta":{"_target":"user[name]"},"uploads":{}}),
            Captured::Validate {
                user: User {
                    name: "Grace".into(),
                },
                _target: vec!["user".into(), "name".into()],
            },
        ),
        (
            json!({"type":"form","event":"save","value":"user%5Bname%5D=Grace&go=yes","meta":{}}),
            Captured::Save {
                user: User {
                    name: "Grace".into(),
                },
                go: "yes".into(),
            },
        ),
        (
            json!({"type":"click","event":"a","value":{"id":"7","value":0}}),
            Captured::A {
                id: 7,
                value: "0".into(),
            },
        ),
        (json!({"type":"click","event":"b","value":{}}), Captured::B),
        (
            json!({"type":"click","event":"c","value":{"value":"on"}}),
            Captured::C { value: true },
        ),
        (
            json!({"type":"focus","event":"fo","value":{"value":"v"}}),
            Captured::Fo { value: "v".into() },
        ),
        (
            json!({"type":"blur","event":"bl","value":{"value":"v"}}),
            Captured::Bl([("value".to_owned(), "v".to_owned())].into_iter().collect()),
        ),
        (
            json!({"type":"click","event":"lv:clear-flash","value":{"key":"info"}}),
            Captured::ClearFlash { key: "info".into() },
        ),
    ];
    for (payload, expected) in cases {
        let ev = from_payload(payload.clone());
        assert_eq!(decode::<Captured>(&ev), Ok(expected), "{payload}");
    }
}

#[test]
fn cid_is_not_part_of_the_value() {
    let ev = from_payload(json!({"type":"click","event":"toggle","value":{"value":""},"cid":1}));
    assert_eq!(ev.cid, Some(1));
    assert_eq!(event_value(&ev).unwrap(), json!({"value": ""}));
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Lenient {
    Opt { n: Option<u32>, s: Option<String> },
    Flags { a: bool, b: bool, c: bool, d: bool },
    Nums { i: i32, f: f64, u: u8, big: u64 },
    Ch { c: char },
    List { tags: Vec<String> },
    Nested { sort: Order },
    Hook(Value),
    Point(i32, i32),
    Typed(Payload),
    Defaults(#[serde(default)] Payload),
    Unit(()),
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Order {
    Asc,
    Desc,
    By { field: String },
}

#[derive(Debug, Default, PartialEq, Deserialize)]
struct Payload {
    #[serde(default)]
    x: i64,
    #[serde(default)]
    label: Option<String>,
}

fn j(name: &str, value: Value) -> Result<Lenient, DecodeError> {
    decode(&ClientEvent::json("hook", name, value))
}

#[test]
fn empty_string_is_none() {
    assert_eq!(
        j("opt", json!({"n": "", "s": ""})),
        Ok(Lenient::Opt { n: None, s: None })
    );
    assert_eq!(
        j("opt", json!({"n": "5", "s": "x"})),
        Ok(Lenient::Opt {
            n: Some(5),
            s: Some("x".into())
        })
    );
    assert_eq!(
        j("opt", json!({"n": 5, "s": null})),
        Ok(Lenient::Opt {
            n: Some(5),
            s: None
        })
    );
    assert_eq!(j("opt", json!({})), Ok(Lenient::Opt { n: None, s: None }));
}

#[test]
fn strings_are_booleans() {
    assert_eq!(
        j(
            "flags",
            json!({"a": "true", "b": "on", "c": "false", "d": "off"})
        ),
        Ok(Lenient::Flags {
            a: true,
            b: true,
            c: false,
            d: false
        })
    );
    assert_eq!(
        j(
            "flags",
            json!({"a": true, "b": false, "c": " on ", "d": "false"})
        ),
        Ok(Lenient::Flags {
            a: true,
            b: false,
            c: true,
            d: false
        })
    );
    let err = j(
        "flags",
        json!({"a": "yes", "b": "on", "c": "on", "d": "on"}),
    )
    .unwrap_err();
    assert!(
        err.reason.contains("at `a`") && err.reason.contains("expected a boolean"),
        "{err}"
    );
    let err = j("flags", json!({"a": 1, "b": "on", "c": "on", "d": "on"})).unwrap_err();
    assert!(err.reason.contains("found a number"), "{err}");
}

#[test]
fn strings_are_numbers() {
    assert_eq!(
        j(
            "nums",
            json!({"i": "-3", "f": "1.5", "u": " 7 ", "big": "18446744073709551615"})
        ),
        Ok(Lenient::Nums {
            i: -3,
            f: 1.5,
            u: 7,
            big: u64::MAX
        })
    );
    assert_eq!(
        j("nums", json!({"i": -3, "f": 2, "u": 7, "big": 1})),
        Ok(Lenient::Nums {
            i: -3,
            f: 2.0,
            u: 7,
            big: 1
        })
    );
    let err = j("nums", json!({"i": "1", "f": "1", "u": "300", "big": "1"})).unwrap_err();
    assert!(
        err.reason.contains("at `u`") && err.reason.contains("u8"),
        "{err}"
    );
    let err = j("nums", json!({"i": "1", "f": "1", "u": 300, "big": "1"})).unwrap_err();
    assert!(err.reason.contains("at `u`"), "{err}");
    let err = j("nums", json!({"i": "", "f": "1", "u": "1", "big": "1"})).unwrap_err();
    assert!(err.reason.contains("empty string"), "{err}");
    let err = j("nums", json!({"i": [1], "f": "1", "u": "1", "big": "1"})).unwrap_err();
    assert!(err.reason.contains("found a list"), "{err}");
}

#[test]
fn chars_lists_and_nested_enums() {
    assert_eq!(j("ch", json!({"c": "x"})), Ok(Lenient::Ch { c: 'x' }));
    assert!(j("ch", json!({"c": "xy"})).is_err());
    assert_eq!(
        j("list", json!({"tags": ["a", "b"]})),
        Ok(Lenient::List {
            tags: vec!["a".into(), "b".into()]
        })
    );
    assert_eq!(
        j("list", json!({"tags": "a"})),
        Ok(Lenient::List {
            tags: vec!["a".into()]
        })
    );
    assert_eq!(
        j("nested", json!({"sort": "desc"})),
        Ok(Lenient::Nested { sort: Order::Desc })
    );
    assert_eq!(
        j("nested", json!({"sort": {"by": {"field": "name"}}})),
        Ok(Lenient::Nested {
            sort: Order::By {
                field: "name".into()
            }
        })
    );
    let err = j("nested", json!({"sort": "sideways"})).unwrap_err();
    assert!(
        err.reason.contains("at `sort`") && err.reason.contains("unknown variant"),
        "{err}"
    );
    let _ = Order::Asc;
}

#[test]
fn hook_payloads_pass_through() {
    let payload = json!({"a": [1, 2.5, null, true], "b": {"c": "d"}});
    assert_eq!(j("hook", payload.clone()), Ok(Lenient::Hook(payload)));
    assert_eq!(
        j("hook", json!("just a string")),
        Ok(Lenient::Hook(json!("just a string")))
    );
    assert_eq!(j("point", json!([3, "-4"])), Ok(Lenient::Point(3, -4)));
    let err = j("point", json!([3])).unwrap_err();
    assert!(err.reason.contains("1 elements"), "{err}");
    assert_eq!(
        j("typed", json!({"x": "12", "label": "hi"})),
        Ok(Lenient::Typed(Payload {
            x: 12,
            label: Some("hi".into())
        }))
    );
    assert_eq!(
        j("typed", json!(null)),
        Ok(Lenient::Typed(Payload::default()))
    );
    assert_eq!(
        j("defaults", json!({})),
        Ok(Lenient::Defaults(Payload::default()))
    );
    assert_eq!(j("unit", json!({})), Ok(Lenient::Unit(())));
    assert_eq!(j("unit", json!("")), Ok(Lenient::Unit(())));
    assert!(j("unit", json!({"a": 1})).is_err());
}

#[test]
fn unit_variants_accept_any_value() {
    for v in [
        json!({"value": ""}),
        json!({}),
        json!(null),
        json!(7),
        json!([1]),
        json!("x"),
    ] {
        assert_eq!(
            decode::<Captured>(&ClientEvent::json("click", "toggle", v)),
            Ok(Captured::Toggle)
        );
    }
    assert_eq!(
        decode::<Captured>(&ClientEvent::form("toggle", "a=1&b[c]=2")),
        Ok(Captured::Toggle)
    );
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WithOther {
    Known {
        n: u8,
    },
    #[serde(other)]
    Unknown,
}

#[test]
fn serde_other_fallback() {
    let ev = ClientEvent::json("click", "something-else", json!({"n": "x"}));
    assert_eq!(decode::<WithOther>(&ev), Ok(WithOther::Unknown));
    let ev = ClientEvent::json("click", "known", json!({"n": "4"}));
    assert_eq!(decode::<WithOther>(&ev), Ok(WithOther::Known { n: 4 }));
}

#[test]
fn unknown_events_name_the_event_only() {
    let err = decode::<Captured>(&ClientEvent::json("click", "launch", json!({}))).unwrap_err();
    assert_eq!(err.event, "launch");
    assert!(err.reason.contains("unknown event"), "{err}");
    for variant in ["inc", "toggle", "validate", "clear-flash"] {
        assert!(
            !err.reason.contains(variant),
            "the error lists the view's events: {err}"
        );
    }
    assert!(err.to_string().contains("\"launch\""));
    let long = "x".repeat(10_000);
    let err = decode::<Captured>(&ClientEvent::json("click", long, json!({}))).unwrap_err();
    assert!(err.event.chars().count() <= 129 && err.event.ends_with('…'));
}

#[test]
fn errors_never_repeat_values() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    enum E {
        #[serde(rename = "login")]
        Login { pin: u32 },
        #[serde(rename = "mode")]
        Mode { mode: Order },
    }
    let err = decode::<E>(&ClientEvent::form("login", "pin=hunter2")).unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(
        err.reason.contains("at `pin`") && err.reason.contains("u32"),
        "{err}"
    );
    let err = decode::<E>(&ClientEvent::json(
        "click",
        "mode",
        json!({"mode": "s3cret"}),
    ))
    .unwrap_err();
    assert!(!err.to_string().contains("s3cret"), "{err}");
    assert!(
        err.reason
            .contains("at `mode`: unknown variant, expected one of [\"asc\", \"desc\", \"by\"]"),
        "{err}"
    );
    let err = decode::<E>(&ClientEvent::json(
        "click",
        "login",
        json!({"pin": {"deep": "s3cret"}}),
    ))
    .unwrap_err();
    assert!(!err.to_string().contains("s3cret"), "{err}");
    assert!(err.reason.contains("found a map"), "{err}");
}

#[test]
fn missing_and_unknown_fields() {
    let err =
        decode::<Captured>(&ClientEvent::json("keyup", "key", json!({"value": ""}))).unwrap_err();
    assert!(err.reason.contains("missing field `key`"), "{err}");
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        a: String,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    enum E {
        #[serde(rename = "s")]
        S(Strict),
    }
    let err = decode::<E>(&ClientEvent::json(
        "click",
        "s",
        json!({"a": "1", "zz": "2"}),
    ))
    .unwrap_err();
    assert!(err.reason.contains("unknown field \"zz\""), "{err}");
}

#[test]
fn wrong_value_shapes_are_clear_errors() {
    let err = decode::<Captured>(&ClientEvent::json("keyup", "key", json!("Enter"))).unwrap_err();
    assert!(
        err.reason.contains("expected a map, found a string"),
        "{err}"
    );
    let err = decode::<Captured>(&ClientEvent::json("keyup", "key", json!({"key": {"a": 1}})))
        .unwrap_err();
    assert!(
        err.reason
            .contains("at `key`: expected a string, found a map"),
        "{err}"
    );
    let err = decode::<Lenient>(&ClientEvent::json(
        "hook",
        "list",
        json!({"tags": [1, {"x": 1}]}),
    ))
    .unwrap_err();
    assert!(err.reason.contains("at `tags.1`"), "{err}");
}

#[derive(Debug, PartialEq, Deserialize)]
struct Profile {
    name: String,
    #[serde(default)]
    tags: Vec<String>,
    address: Option<Address>,
    age: Option<u8>,
    admin: Option<bool>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct Address {
    city: String,
    zip: u32,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FormEvent {
    Save {
        user: Profile,
    },
    Validate {
        user: Profile,
        _target: Vec<String>,
    },
    Increment {
        increment: u32,
        note: String,
        _unused_note: Option<String>,
    },
}

#[test]
fn nested_forms() {
    let ev = ClientEvent::form(
        "save",
        "user%5Bname%5D=Ada+Lovelace&user[tags][]=math&user[tags][]=poetry&user[address][city]=London&user[address][zip]=01234&user[age]=36&user[admin]=on",
    );
    assert_eq!(
        decode::<FormEvent>(&ev),
        Ok(FormEvent::Save {
            user: Profile {
                name: "Ada Lovelace".into(),
                tags: vec!["math".into(), "poetry".into()],
                address: Some(Address {
                    city: "London".into(),
                    zip: 1234
                }),
                age: Some(36),
                admin: Some(true),
            }
        })
    );
    let ev = ClientEvent::form(
        "save",
        "user[name]=x&user[age]=&user[_unused_age]=&_csrf_token=tok",
    );
    assert_eq!(
        decode::<FormEvent>(&ev),
        Ok(FormEvent::Save {
            user: Profile {
                name: "x".into(),
                tags: vec![],
                address: None,
                age: None,
                admin: None
            }
        })
    );
    let err = decode::<FormEvent>(&ClientEvent::form(
        "save",
        "user[name]=x&user[address][city]=Paris&user[address][zip]=75O01",
    ))
    .unwrap_err();
    assert!(err.reason.contains("at `user.address.zip`"), "{err}");
    assert!(!err.reason.contains("75O01"), "{err}");
}

#[test]
fn meta_merges_over_the_form_and_target_becomes_a_path() {
    let meta = obj(json!({"_target": "user[name]", "extra": "1"}));
    let ev = ClientEvent::form("validate", "user%5Bname%5D=Grace&_target=ignored&extra=0")
        .with_meta(meta);
    assert_eq!(
        event_value(&ev).unwrap(),
        json!({"user": {"name": "Grace"}, "_target": ["user", "name"], "extra": "1"})
    );
    let ev = ClientEvent::form("validate", "user[name]=G")
        .with_meta(obj(json!({"_target": "undefined"})));
    assert_eq!(event_value(&ev).unwrap()["_target"], json!(["undefined"]));
    let ev = ClientEvent::form("validate", "user[name]=G")
        .with_meta(obj(json!({"_target": "user[name]"})));
    assert_eq!(
        decode::<FormEvent>(&ev),
        Ok(FormEvent::Validate {
            user: Profile {
                name: "G".into(),
                tags: vec![],
                address: None,
                age: None,
                admin: None
            },
            _target: vec!["user".into(), "name".into()],
        })
    );
    let deep_target = format!("a{}", "[b]".repeat(40));
    let ev = ClientEvent::form("validate", "").with_meta(obj(json!({ "_target": deep_target })));
    let err = event_value(&ev).unwrap_err();
    assert!(
        err.reason.contains("_target") && err.reason.contains("deeper"),
        "{err}"
    );
}

#[test]
fn unused_fields_as_the_client_sends_them() {
    // jest view_test.ts: "increment=1&_unused_note=&note=2"
    let ev = ClientEvent::form("increment", "increment=1&_unused_note=&note=2");
    assert_eq!(
        decode::<FormEvent>(&ev),
        Ok(FormEvent::Increment {
            increment: 1,
            note: "2".into(),
            _unused_note: None
        })
    );
}

#[test]
fn repeated_keys_and_percent_decoding_through_decode() {
    #[derive(Debug, PartialEq, Deserialize)]
    enum E {
        #[serde(rename = "q")]
        Q { q: String, ids: Vec<u32> },
    }
    let ev = ClientEvent::form(
        "q",
        "q=first&q=a+b%26c%3D%E2%9C%93&ids[]=1&ids[]=%32&ids[]=3",
    );
    assert_eq!(
        decode::<E>(&ev),
        Ok(E::Q {
            q: "a b&c=✓".into(),
            ids: vec![1, 2, 3]
        })
    );
}

#[test]
fn bounded_forms_fail_clearly() {
    let deep = format!("a{}=1", "[x]".repeat(64));
    let err = decode::<FormEvent>(&ClientEvent::form("save", deep)).unwrap_err();
    assert_eq!(err.event, "save");
    assert!(err.reason.contains("deeper than 32 levels"), "{err}");
    let long = format!("user[name]={}", "y".repeat(form::MAX_FORM_BYTES));
    let err = decode::<FormEvent>(&ClientEvent::form("save", long)).unwrap_err();
    assert!(err.reason.contains("limit"), "{err}");
    assert!(err.reason.len() < 200);
}

#[test]
fn non_enum_targets_see_a_single_entry_map() {
    let ev = ClientEvent::json("click", "inc", json!({"step": "2"}));
    let m: HashMap<String, Value> = decode(&ev).unwrap();
    assert_eq!(
        m,
        [("inc".to_owned(), json!({"step": "2"}))]
            .into_iter()
            .collect()
    );
    #[derive(Debug, PartialEq, Deserialize)]
    struct Only {
        inc: Option<BTreeMap<String, u32>>,
    }
    assert_eq!(
        decode::<Only>(&ev),
        Ok(Only {
            inc: Some([("step".to_owned(), 2)].into_iter().collect())
        })
    );
}

#[test]
fn json_meta_merges_over_maps() {
    let ev = ClientEvent::json("click", "inc", json!({"step": "1"}))
        .with_meta(obj(json!({"step": "5"})));
    assert_eq!(event_value(&ev).unwrap(), json!({"step": "5"}));
    let ev = ClientEvent::json("hook", "inc", json!([1])).with_meta(obj(json!({"step": "5"})));
    assert_eq!(event_value(&ev).unwrap(), json!([1]));
}

fn name_segment() -> impl Strategy<Value = String> {
    "[a-z_]{1,6}"
}

fn nested_value(depth: u32) -> impl Strategy<Value = Value> {
    let leaf = "[ -~äöü✓]{0,8}".prop_map(Value::String);
    leaf.prop_recursive(depth, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec("[ -~✓]{0,6}".prop_map(Value::String), 1..4)
                .prop_map(Value::Array),
            prop::collection::btree_map(name_segment(), inner, 1..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Encodes a value the way a browser does for nested names.
fn encode(prefix: &str, v: &Value, out: &mut form_urlencoded::Serializer<'_, String>) {
    match v {
        Value::String(s) => {
            out.append_pair(prefix, s);
        }
        Value::Array(items) => {
            for item in items {
                if let Value::String(s) = item {
                    out.append_pair(&format!("{prefix}[]"), s);
                }
            }
        }
        Value::Object(m) => {
            for (k, v) in m {
                encode(&format!("{prefix}[{k}]"), v, out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Encoding nested maps and lists with bracket names and decoding gives them back.
    #[test]
    fn nested_forms_roundtrip(root in prop::collection::btree_map(name_segment(), nested_value(3), 0..5)) {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &root {
            encode(k, v, &mut ser);
        }
        let encoded = ser.finish();
        let decoded = form::decode_nested(&encoded).unwrap();
        let expected: Map<String, Value> = root.into_iter().collect();
        prop_assert_eq!(Value::Object(decoded), Value::Object(expected));
    }

    /// Arbitrary form strings and JSON values never panic the decoder.
    #[test]
    fn arbitrary_input_never_panics(
        name in "[a-z:_-]{0,8}",
        form in "[a-z\\[\\]=&%+0-9]{0,64}",
        json_text in "[\\[\\]{}\",:0-9a-z ]{0,32}",
    ) {
        let _ = decode::<FormEvent>(&ClientEvent::form(name.clone(), form.clone()));
        let _ = decode::<Lenient>(&ClientEvent::form(name.clone(), form));
        if let Ok(v) = serde_json::from_str::<Value>(&json_text) {
            let _ = decode::<Lenient>(&ClientEvent::json("hook", name.clone(), v.clone()));
            let _ = decode::<Captured>(&ClientEvent::json("click", name, v));
        }
    }
}

#[test]
fn unchecked_checkboxes_need_a_default() {
    #[derive(Debug, PartialEq, Deserialize)]
    enum E {
        #[serde(rename = "save")]
        Save {
            #[serde(default)]
            agree: bool,
            #[serde(default)]
            news: bool,
        },
    }
    let ev = ClientEvent::form("save", "agree=on");
    assert_eq!(
        decode::<E>(&ev),
        Ok(E::Save {
            agree: true,
            news: false
        })
    );
}

/// `n` nested arrays around an empty one, built without recursion.
fn nested_arrays(n: usize) -> Value {
    let mut v = json!([]);
    for _ in 0..n {
        v = Value::Array(vec![v]);
    }
    v
}

#[test]
fn values_nested_deeper_than_the_limit_are_refused() {
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum E {
        Hook(Value),
        Data { list: Value },
        Plain,
    }
    // The deepest value a frame can carry decodes.
    let ok = ClientEvent::json("hook", "hook", nested_arrays(MAX_VALUE_DEPTH - 1));
    assert!(decode::<E>(&ok).is_ok());
    for ev in [
        ClientEvent::json("hook", "hook", nested_arrays(1000)),
        ClientEvent::json("click", "plain", nested_arrays(MAX_VALUE_DEPTH)),
        ClientEvent::json("click", "data", json!({"list": nested_arrays(1000)})),
        ClientEvent::form("data", "a=1").with_meta(obj(json!({"list": nested_arrays(1000)}))),
    ] {
        let err = decode::<E>(&ev).unwrap_err();
        assert_eq!(err.event, ev.name);
        assert!(
            err.reason.contains("nested deeper than 128 levels"),
            "{err}"
        );
        assert!(event_value(&ev).is_err());
    }
    let err = decode_value::<E>("hook", &nested_arrays(1000)).unwrap_err();
    assert!(err.reason.contains("nested deeper"), "{err}");
}

/// Every binding's value with the wrong JSON type: a clear error naming the
/// event and what was expected, never a panic and never the value itself.
#[test]
fn wrong_payload_types_for_every_event_kind() {
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum E {
        Inc { step: u32 },
        Key { key: String },
        Save { user: User },
        Hook { points: Vec<i64>, label: String },
        Pair(u32, u32),
        Pick(usize),
    }
    let cases: Vec<(ClientEvent, &str)> = vec![
        // click value as a number, a string, a list, null
        (
            ClientEvent::json("click", "inc", json!(12345)),
            "expected a map, found a number",
        ),
        (
            ClientEvent::json("click", "inc", json!("7")),
            "found a string",
        ),
        (
            ClientEvent::json("click", "inc", json!([1, 2])),
            "found a list",
        ),
        (
            ClientEvent::json("click", "inc", json!({"step": "x"})),
            "at `step`",
        ),
        (
            ClientEvent::json("click", "inc", json!({"step": -1})),
            "at `step`",
        ),
        (
            ClientEvent::json("click", "inc", json!({"step": {"a": 1}})),
            "found a map",
        ),
        // key event without a key, with a non-string key
        (
            ClientEvent::json("keyup", "key", json!({"value": ""})),
            "missing field `key`",
        ),
        (
            ClientEvent::json("keydown", "key", json!({"key": ["a"]})),
            "found a list",
        ),
        (
            ClientEvent::json("keydown", "key", json!(null)),
            "missing field `key`",
        ),
        // a form whose value is a map or a number (as a hook could send it)
        (
            ClientEvent::json("form", "save", json!({"user": 5})),
            "at `user`",
        ),
        (
            ClientEvent::json("form", "save", json!(3.5)),
            "found a number",
        ),
        (ClientEvent::form("save", "user=flat"), "at `user`"),
        (ClientEvent::form("save", "other=1"), "missing field `user`"),
        // hook payload shapes
        (
            ClientEvent::json("hook", "hook", json!({"points": "1,2", "label": "a"})),
            "at `points",
        ),
        (
            ClientEvent::json("hook", "hook", json!({"points": [1, "x"], "label": "a"})),
            "at `points.1`",
        ),
        (
            ClientEvent::json("hook", "hook", json!({"points": [1]})),
            "missing field `label`",
        ),
        (
            ClientEvent::json("hook", "hook", json!([[1], "a"])),
            "found a list",
        ),
        (ClientEvent::json("hook", "pair", json!([1])), "1 elements"),
        (
            ClientEvent::json("hook", "pair", json!({"a": 1})),
            "found a map",
        ),
        (
            ClientEvent::json("hook", "pick", json!({"i": 1})),
            "found a map",
        ),
        (
            ClientEvent::json("hook", "pick", json!(true)),
            "found a boolean",
        ),
    ];
    let mut wrong = Vec::new();
    for (ev, want) in cases {
        match decode::<E>(&ev) {
            Ok(v) => wrong.push(format!("{ev:?} decoded to {v:?}")),
            Err(err) => {
                assert_eq!(err.event, ev.name);
                assert!(!err.reason.contains("12345"), "repeats the value: {err}");
                if !err.reason.contains(want) {
                    wrong.push(format!("{ev:?}: {err} does not say {want:?}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
