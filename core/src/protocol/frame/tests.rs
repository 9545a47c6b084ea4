use super::*;
use serde_json::json;

const MAX: usize = 1 << 20;

/// Every frame captured in PROTOCOL.md (client and server side).
const CAPTURED: &[&str] = &[
    r#"[null,"13","phoenix","heartbeat",{}]"#,
    r#"[null,"13","phoenix","phx_reply",{"status":"ok","response":{}}]"#,
    r#"["4","4","lv:phx-F1","phx_join",{"url":"http://localhost:4000/counter?x=1","params":{"_csrf_token":"CSRF123","_track_static":["http://localhost:4000/assets/app.css"],"_mounts":0,"_mount_attempts":0},"session":"SESSION_TOKEN","static":"STATIC_TOKEN","sticky":false}]"#,
    r#"["13","13","lv:child1","phx_join",{"params":{"_csrf_token":"CSRF123","_mounts":0,"_mount_attempts":0},"session":"CHILD_SESSION","static":null,"sticky":false}]"#,
    r#"["7","7","lv:sticky1","phx_join",{"params":{"_csrf_token":"CSRF123","_mounts":0,"_mount_attempts":0},"session":"STK","static":null,"sticky":true}]"#,
    r#"["14","14","lv:phx-F3","phx_join",{"redirect":"http://localhost:4000/b","params":{"_csrf_token":"CSRF123","_mounts":0,"_mount_attempts":0,"_live_referer":"http://localhost:4000/a"},"session":"S","static":"ST","sticky":false}]"#,
    r#"["9","10","lv:phx-F3","event",{"type":"form","event":"v","value":"q=typed","meta":{"_target":"q"},"uploads":{}}]"#,
    r#"["4","8","lv:phx-F1","event",{"type":"click","event":"inc","value":{"step":"2","value":""}}]"#,
    r#"["4","9","lv:phx-F1","event",{"type":"keyup","event":"key","value":{"key":"Enter","value":""}}]"#,
    r#"["4","8","lv:phx-F2","event",{"type":"click","event":"toggle","value":{"value":""},"cid":1}]"#,
    r#"["4","10","lv:phx-F1","event",{"type":"form","event":"validate","value":"user%5Bname%5D=Grace","meta":{"_target":"user[name]"},"uploads":{}}]"#,
    r#"["4","11","lv:phx-F1","event",{"type":"form","event":"save","value":"user%5Bname%5D=Grace&go=yes","meta":{}}]"#,
    r#"["4","8","lv:phx-F7","event",{"type":"click","event":"a","value":{"id":"7","value":0}}]"#,
    r#"["4","9","lv:phx-F7","event",{"type":"click","event":"b","value":{}}]"#,
    r#"["4","10","lv:phx-F7","event",{"type":"click","event":"c","value":{"value":"on"}}]"#,
    r#"["4","11","lv:phx-F7","event",{"type":"focus","event":"fo","value":{"value":"v"}}]"#,
    r#"["4","12","lv:phx-F7","event",{"type":"blur","event":"bl","value":{"value":"v"}}]"#,
    r#"["4","12","lv:phx-F1","live_patch",{"url":"http://localhost:4000/counter?page=2"}]"#,
    r#"["4","8","lv:phx-F4","cids_will_destroy",{"cids":[2]}]"#,
    r#"["4","9","lv:phx-F4","cids_destroyed",{"cids":[2]}]"#,
    r#"["4","10","lv:phx-F2","allow_upload",{"ref":"phx-UPREF","entries":[{"last_modified":1700000000000,"name":"hello.txt","size":12,"type":"text/plain","ref":"0"}],"cid":1}]"#,
    r#"["4","15","lv:phx-F2","progress",{"event":null,"ref":"phx-UPREF","entry_ref":"0","progress":41,"cid":1}]"#,
    r#"["13","13","lvu:0","phx_join",{"token":"ENTRY_TOKEN"}]"#,
    r#"["13","13","lvu:0","phx_reply",{"status":"ok","response":{}}]"#,
    r#"["4",null,"lv:phx-F1","diff",{"0":"pushed","t":"New"}]"#,
];

#[test]
fn every_captured_frame_parses_and_round_trips() {
    for text in CAPTURED {
        let f = decode(text, MAX).unwrap_or_else(|e| panic!("{text}: {e}"));
        let payload = Value::Object(f.payload.clone());
        let again = encode_value(
            f.join_ref.as_deref(),
            f.reference.as_deref(),
            &f.topic,
            &f.event,
            &payload,
        );
        let a: Value = serde_json::from_str(text).unwrap();
        let b: Value = serde_json::from_str(&again).unwrap();
        assert_eq!(a, b, "{text}");
        assert_eq!(decode(&again, MAX).unwrap(), f);
    }
}

#[test]
fn decoded_fields() {
    let f = decode(CAPTURED[2], MAX).unwrap();
    assert_eq!(f.join_ref.as_deref(), Some("4"));
    assert_eq!(f.reference.as_deref(), Some("4"));
    assert_eq!(f.topic, "lv:phx-F1");
    assert_eq!(f.event, "phx_join");
    assert_eq!(f.payload["session"], json!("SESSION_TOKEN"));
    let h = decode(CAPTURED[0], MAX).unwrap();
    assert_eq!(h.join_ref, None);
}

#[test]
fn server_frames_are_encoded_byte_exact() {
    assert_eq!(
        encode_reply(None, Some("13"), "phoenix", Status::Ok, "{}"),
        r#"[null,"13","phoenix","phx_reply",{"status":"ok","response":{}}]"#
    );
    assert_eq!(
        encode_reply(Some("13"), Some("13"), "lvu:0", Status::Ok, "{}"),
        r#"["13","13","lvu:0","phx_reply",{"status":"ok","response":{}}]"#
    );
    assert_eq!(
        encode_push(
            Some("4"),
            None,
            "lv:phx-F1",
            "diff",
            r#"{"0":"pushed","t":"New"}"#
        ),
        r#"["4",null,"lv:phx-F1","diff",{"0":"pushed","t":"New"}]"#
    );
    assert_eq!(
        encode_error_reply(Some("4"), Some("9"), "lv:x", "unmatched topic"),
        r#"["4","9","lv:x","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]"#
    );
}

#[test]
fn embedded_json_is_verbatim() {
    // Not re-parsed: even key order and whitespace are kept.
    let diff = r#"{"z":1, "a":"x"}"#;
    let s = encode_reply(
        Some("1"),
        Some("2"),
        "t",
        Status::Ok,
        &format!(r#"{{"diff":{diff}}}"#),
    );
    assert!(s.contains(diff));
}

#[test]
fn strings_are_escaped() {
    let nasty = "a\"b\\c\nd\u{1}e\u{7f}é</script>";
    let s = encode_push(Some(nasty), None, nasty, nasty, "{}");
    let v: Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v[0], json!(nasty));
    assert_eq!(v[2], json!(nasty));
    assert_eq!(v[3], json!(nasty));
    assert_eq!(json_str("\u{0}\t"), r#""\u0000\t""#);
}

#[test]
fn malformed_shapes_have_clear_errors() {
    let kind = |t: &str| decode(t, MAX).unwrap_err().kind;
    assert!(matches!(kind("nope"), FrameErrorKind::Json(_)));
    assert_eq!(kind(r#"{"a":1}"#), FrameErrorKind::NotArray);
    assert_eq!(
        kind(r#"[null,"1","t","e"]"#),
        FrameErrorKind::WrongLength(4)
    );
    assert_eq!(
        kind(r#"[null,"1","t","e",{},1]"#),
        FrameErrorKind::WrongLength(6)
    );
    assert_eq!(kind(r#"[1,"1","t","e",{}]"#), FrameErrorKind::BadJoinRef);
    assert_eq!(kind(r#"[null,2,"t","e",{}]"#), FrameErrorKind::BadRef);
    assert_eq!(kind(r#"[null,"1",3,"e",{}]"#), FrameErrorKind::BadTopic);
    assert_eq!(kind(r#"[null,"1","t",null,{}]"#), FrameErrorKind::BadEvent);
    assert_eq!(
        kind(r#"[null,"1","t","e",[]]"#),
        FrameErrorKind::PayloadNotObject
    );
    assert_eq!(
        kind(r#"[null,"1","t","e","x"]"#),
        FrameErrorKind::PayloadNotObject
    );
    assert_eq!(
        decode("[null,\"1\",\"t\",\"e\",{}]", 5).unwrap_err().kind,
        FrameErrorKind::TooLarge { len: 21, max: 5 }
    );
    // What could be read is salvaged for the error reply.
    let e = decode(r#"["4","9","lv:x","event",[1]]"#, MAX).unwrap_err();
    assert_eq!(
        (
            e.join_ref.as_deref(),
            e.reference.as_deref(),
            e.topic.as_deref()
        ),
        (Some("4"), Some("9"), Some("lv:x"))
    );
    assert!(e.to_string().contains("object"));
}

/// `n` nested arrays: `[[[…]]]`.
fn nested(n: usize) -> String {
    let mut s = "[".repeat(n);
    s.push_str(&"]".repeat(n));
    s
}

#[test]
fn deeply_nested_frames_are_refused_without_overflowing_the_stack() {
    // 100 000 levels: far beyond serde_json's recursion limit (128). Built
    // naively this would overflow the stack; it must be a clear error.
    let e = decode(&nested(100_000), MAX).unwrap_err();
    assert!(
        matches!(&e.kind, FrameErrorKind::Json(m) if m.contains("recursion limit")),
        "{e}"
    );
    assert_eq!((e.join_ref, e.reference, e.topic), (None, None, None));
    // Unbalanced (truncated) deep nesting as well.
    let e = decode(&"{\"a\":".repeat(100_000), MAX).unwrap_err();
    assert!(matches!(e.kind, FrameErrorKind::Json(_)), "{e}");
}

#[test]
fn deeply_nested_payloads_keep_the_header_for_an_error_reply() {
    for payload in [
        format!("{{\"a\":{}}}", nested(100_000)),
        format!(
            r#"{{"type":"hook","event":"h","value":{}}}"#,
            nested(100_000)
        ),
        format!(
            r#"{{"type":"click","event":"inc","value":{{"v":{}}}}}"#,
            nested(200)
        ),
    ] {
        let text = format!(r#"["4","9","lv:phx-F1","event",{payload}]"#);
        let e = decode(&text, MAX).unwrap_err();
        assert!(
            matches!(&e.kind, FrameErrorKind::Json(m) if m.contains("recursion limit")),
            "{e}"
        );
        assert_eq!(
            (
                e.join_ref.as_deref(),
                e.reference.as_deref(),
                e.topic.as_deref()
            ),
            (Some("4"), Some("9"), Some("lv:phx-F1"))
        );
        assert!(e.to_string().contains("recursion limit"), "{e}");
    }
    // Just under the limit still decodes: the frame array and the payload
    // object take two levels, the value the rest.
    let ok = format!(r#"["4","9","lv:x","event",{{"value":{}}}]"#, nested(125));
    assert!(decode(&ok, MAX).is_ok());
    // A header that cannot be read is not salvaged.
    let e = decode(&format!(r#"[4,"9","lv:x","event",{}]"#, nested(1000)), MAX).unwrap_err();
    assert_eq!((e.join_ref, e.reference, e.topic), (None, None, None));
}

#[test]
fn numbers_decode_correctly_rounded_and_round_trip() {
    // Found by the frame_decode fuzz target: without correctly rounded
    // parsing, a long integer literal decodes one ulp off, and re-encoding
    // the frame then decodes to another number.
    let text = r#"["2","9","l","",{"n":288888888888888888888888888888888888888888888888888888888888888888,"f":1.2345678901234567e89}]"#;
    let f = decode(text, MAX).unwrap();
    assert_eq!(f.payload["n"].as_f64(), Some(2.888888888888889e65));
    assert_eq!(f.payload["f"].as_f64(), Some(1.2345678901234567e89));
    let again = encode_value(None, None, "l", "", &Value::Object(f.payload.clone()));
    assert_eq!(decode(&again, MAX).unwrap().payload, f.payload);
}

fn binary(jr: &str, rf: &str, topic: &str, event: &str, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![
        0,
        jr.len() as u8,
        rf.len() as u8,
        topic.len() as u8,
        event.len() as u8,
    ];
    for s in [jr, rf, topic, event] {
        b.extend_from_slice(s.as_bytes());
    }
    b.extend_from_slice(payload);
    b
}

#[test]
fn binary_push_decodes() {
    // The captured chunk: [0,2,2,5,5] "13" "14" "lvu:0" "chunk" + "hello".
    let b = binary("13", "14", "lvu:0", "chunk", b"hello");
    assert_eq!(&b[..5], &[0, 2, 2, 5, 5]);
    let p = decode_binary(&b, MAX).unwrap();
    assert_eq!(p.join_ref.as_deref(), Some("13"));
    assert_eq!(p.reference.as_deref(), Some("14"));
    assert_eq!(p.topic, "lvu:0");
    assert_eq!(p.event, "chunk");
    assert_eq!(p.payload, b"hello");
}

#[test]
fn malformed_binary_has_clear_errors() {
    let kind = |b: &[u8]| decode_binary(b, MAX).unwrap_err().kind;
    assert_eq!(kind(&[]), FrameErrorKind::Truncated);
    assert_eq!(kind(&[0, 1, 1]), FrameErrorKind::Truncated);
    assert_eq!(kind(&[1, 0, 0, 0, 0]), FrameErrorKind::BadBinaryKind(1));
    assert_eq!(kind(&[0, 9, 0, 0, 0, b'a']), FrameErrorKind::Truncated);
    assert_eq!(kind(&[0, 1, 0, 0, 0, 0xff]), FrameErrorKind::BadUtf8);
    let b = binary("1", "2", "t", "e", &[0; 100]);
    assert!(matches!(
        decode_binary(&b, 50).unwrap_err().kind,
        FrameErrorKind::TooLarge { .. }
    ));
}

/// Small JSON values of every kind.
pub(crate) fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e3f64..1e3).prop_map(|f| json!(f)),
        "[a-z=&%0-9]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,5}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    #[test]
    fn decode_never_panics(s in ".{0,64}") {
        let _ = decode(&s, MAX);
    }
    #[test]
    fn borrowed_decoding_agrees_on_event_frames(
        fields in proptest::collection::vec((0usize..7, arb_value()), 0..7),
        event in proptest::sample::select(vec!["event", "live_patch", "phx_join"]),
        jr in proptest::option::of("[a-z0-9\"\\\\]{0,3}"),
        text in proptest::bool::ANY,
    ) {
        const KEYS: [&str; 7] = ["type", "event", "value", "meta", "cid", "uploads", "type"];
        // Written by hand so that duplicate keys reach the decoder.
        let mut payload = String::from("{");
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                payload.push(',');
            }
            let v = match (k, text) {
                (0, true) => json!("click"),
                (1, true) => json!("inc"),
                _ => v.clone(),
            };
            payload.push_str(&format!("{}:{}", json_str(KEYS[*k]), v));
        }
        payload.push('}');
        let frame = encode_push(jr.as_deref(), Some("1"), "lv:x", event, &payload);
        same_as_decode(&frame, MAX);
    }
    #[test]
    fn binary_decode_never_panics(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
        let _ = decode_binary(&b, MAX);
    }
    #[test]
    fn push_round_trips(jr in proptest::option::of(".{0,8}"), rf in proptest::option::of(".{0,8}"),
                        topic in ".{0,16}", event in ".{0,16}", v in ".{0,16}") {
        let payload = json!({"value": v});
        let s = encode_value(jr.as_deref(), rf.as_deref(), &topic, &event, &payload);
        let f = decode(&s, MAX).unwrap();
        proptest::prop_assert_eq!(f.join_ref, jr);
        proptest::prop_assert_eq!(f.reference, rf);
        proptest::prop_assert_eq!(f.topic, topic);
        proptest::prop_assert_eq!(f.event, event);
        proptest::prop_assert_eq!(Value::Object(f.payload), payload);
    }
}

/// `decode_borrowed` must accept exactly what `decode` accepts, with the same
/// header, the same payload object and the same errors.
fn same_as_decode(text: &str, max: usize) {
    match (decode(text, max), decode_borrowed(text, max)) {
        (Ok(f), Ok(d)) => {
            assert_eq!(d.join_ref.as_deref(), f.join_ref.as_deref(), "{text}");
            assert_eq!(d.reference.as_deref(), f.reference.as_deref(), "{text}");
            assert_eq!(d.topic, f.topic, "{text}");
            assert_eq!(d.event, f.event, "{text}");
            let mut expected = f.payload;
            if matches!(d.payload, Payload::Event(_)) {
                // Only the fields the socket reads are kept; a `null` meta reads as none.
                expected.retain(|k, v| {
                    ["type", "event", "value", "cid", "uploads"].contains(&k.as_str())
                        || (k == "meta" && !v.is_null())
                });
            }
            assert_eq!(d.payload.into_object(), expected, "{text}");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "{text}"),
        (a, b) => panic!("{text}: decode {a:?} but decode_borrowed {b:?}"),
    }
}

#[test]
fn borrowed_decoding_agrees_with_decode() {
    let odd = [
        "nope",
        r#"{"a":1}"#,
        r#"[null,"1","t","e"]"#,
        r#"[null,"1","t","e",{},1]"#,
        r#"[null,"1","t","event",{"type":"click","event":"x"},1]"#,
        r#"[1,"1","t","e",{}]"#,
        r#"[null,"1","t",null,{}]"#,
        r#"["4","9","lv:x","event",[1]]"#,
        r#"["4","9","lv:x","event",["click","inc",{}]]"#,
        r#"["4","9","lv:x","event",{"type":1,"event":"inc"}]"#,
        r#"["4","9","lv:x","event",{"type":"click","event":"inc","event":"dup"}]"#,
        r#"["4","9","lv:x","event",{"type":"click","event":"inc","meta":5}]"#,
        r#"["4","9","lv:x","event",{"type":"click","event":"inc","value":null,"cid":null}]"#,
        r#"["4","9","lv:x","event",{"type":"form","event":"s","value":"a=1","meta":null}]"#,
        r#"["4\n","9\u0041","lv:\"x","ev\u0065nt",{"type":"cl\u0069ck","event":"inc"}]"#,
        "  [null , \"1\" ,\"phoenix\", \"heartbeat\" , { } ]  ",
        r#"[null,"1","phoenix","heartbeat",{}] x"#,
    ];
    for text in CAPTURED.iter().chain(odd.iter()) {
        same_as_decode(text, MAX);
    }
    same_as_decode(CAPTURED[7], 10);
}

#[test]
fn borrowed_decoding_borrows_plain_strings_and_splits_events() {
    let d = decode_borrowed(CAPTURED[9], MAX).unwrap();
    assert!(matches!(d.topic, Cow::Borrowed("lv:phx-F2")));
    assert!(matches!(d.join_ref, Some(Cow::Borrowed("4"))));
    assert_eq!(
        d.payload,
        Payload::Event(EventParts {
            kind: "click".into(),
            event: "toggle".into(),
            value: Some(json!({"value": ""})),
            meta: None,
            cid: Some(json!(1)),
            uploads: None,
        })
    );
    // An escaped string is unescaped into an owned one.
    let d = decode_borrowed(r#"["a\"b",null,"t","e",{}]"#, MAX).unwrap();
    assert_eq!(d.join_ref.as_deref(), Some("a\"b"));
    // An event payload of another shape is kept as an object, for the socket to explain.
    let d = decode_borrowed(r#"["4","9","lv:x","event",{"type":1}]"#, MAX).unwrap();
    assert_eq!(
        d.payload,
        Payload::Object(json!({"type": 1}).as_object().unwrap().clone())
    );
}

#[test]
fn vsn_must_be_2_x() {
    assert!(super::check_vsn("_csrf_token=a&vsn=2.0.0").is_ok());
    assert!(super::check_vsn("vsn=2.1").is_ok());
    assert!(super::check_vsn("vsn=1.0.0").is_err());
    assert!(super::check_vsn("vsn=3.0.0").is_err());
    assert!(super::check_vsn("vsn=2.x").is_err());
    assert!(super::check_vsn("_csrf_token=a").is_err());
    assert!(super::check_vsn("").is_err());
}
