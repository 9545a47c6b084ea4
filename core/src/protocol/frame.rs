//! The Phoenix channels V2 serializer: `[join_ref, ref, topic, event, payload]`.
//!
//! Decoding is for client pushes (text frames, PROTOCOL §2.2): `join_ref` and
//! `ref` are strings or `null`, `topic` and `event` are strings, and the
//! payload must be a JSON object. Binary pushes (upload chunks) are decoded by
//! [`decode_binary`].
//!
//! Encoding writes the JSON text directly; payloads that are already JSON (a
//! rendered tree, a diff) are embedded verbatim, never re-parsed.
//!
//! ```
//! use liveview_core::protocol::frame::{self, Status};
//! let f = frame::decode(r#"[null,"13","phoenix","heartbeat",{}]"#, 1 << 20).unwrap();
//! assert_eq!(f.reference.as_deref(), Some("13"));
//! let reply = frame::encode_reply(f.join_ref.as_deref(), f.reference.as_deref(), &f.topic, Status::Ok, "{}");
//! assert_eq!(reply, r#"[null,"13","phoenix","phx_reply",{"status":"ok","response":{}}]"#);
//! ```

use serde_json::{Map, Value};
use std::fmt;

/// One decoded client push.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientFrame {
    /// The channel's join ref (`null` for the `phoenix` topic).
    pub join_ref: Option<String>,
    /// The push's ref; replies echo it.
    pub reference: Option<String>,
    /// The topic (`phoenix`, `lv:<id>`, ...).
    pub topic: String,
    /// The event (`phx_join`, `event`, `heartbeat`, ...).
    pub event: String,
    /// The payload object.
    pub payload: Map<String, Value>,
}

/// One decoded binary push (PROTOCOL §2.2): an upload chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinaryPush<'a> {
    /// The channel's join ref.
    pub join_ref: Option<String>,
    /// The push's ref.
    pub reference: Option<String>,
    /// The topic (`lvu:<entry ref>`).
    pub topic: String,
    /// The event (`chunk`).
    pub event: String,
    /// The raw payload bytes.
    pub payload: &'a [u8],
}

/// What is wrong with a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameErrorKind {
    /// The frame is larger than the configured maximum.
    TooLarge {
        /// The frame's size in bytes.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The text is not JSON.
    Json(String),
    /// The JSON is not an array.
    NotArray,
    /// The array does not have 5 elements.
    WrongLength(usize),
    /// `join_ref` is neither a string nor `null`.
    BadJoinRef,
    /// `ref` is neither a string nor `null`.
    BadRef,
    /// `topic` is not a string.
    BadTopic,
    /// `event` is not a string.
    BadEvent,
    /// The payload is not a JSON object.
    PayloadNotObject,
    /// A binary frame shorter than its header says.
    Truncated,
    /// A binary frame whose kind byte is not 0 (push).
    BadBinaryKind(u8),
    /// A binary header field that is not UTF-8.
    BadUtf8,
}

/// A frame that could not be decoded, with whatever could be salvaged (so
/// that the push can still be answered with an error reply).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameError {
    /// What is wrong.
    pub kind: FrameErrorKind,
    /// The join ref, if it could be read.
    pub join_ref: Option<String>,
    /// The ref, if it could be read.
    pub reference: Option<String>,
    /// The topic, if it could be read.
    pub topic: Option<String>,
}

impl FrameError {
    fn bare(kind: FrameErrorKind) -> FrameError {
        FrameError {
            kind,
            join_ref: None,
            reference: None,
            topic: None,
        }
    }
}

impl fmt::Display for FrameErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameErrorKind::TooLarge { len, max } => {
                write!(f, "frame of {len} bytes exceeds the maximum of {max}")
            }
            FrameErrorKind::Json(e) => write!(f, "frame is not valid JSON: {e}"),
            FrameErrorKind::NotArray => f.write_str("frame is not a JSON array"),
            FrameErrorKind::WrongLength(n) => write!(f, "frame has {n} elements, expected 5"),
            FrameErrorKind::BadJoinRef => f.write_str("join_ref must be a string or null"),
            FrameErrorKind::BadRef => f.write_str("ref must be a string or null"),
            FrameErrorKind::BadTopic => f.write_str("topic must be a string"),
            FrameErrorKind::BadEvent => f.write_str("event must be a string"),
            FrameErrorKind::PayloadNotObject => f.write_str("payload must be a JSON object"),
            FrameErrorKind::Truncated => f.write_str("binary frame is truncated"),
            FrameErrorKind::BadBinaryKind(k) => {
                write!(f, "binary frame kind {k} is not a push (0)")
            }
            FrameErrorKind::BadUtf8 => f.write_str("binary frame header is not UTF-8"),
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}
impl std::error::Error for FrameError {}

fn opt_string(v: Value, err: FrameErrorKind) -> Result<Option<String>, FrameErrorKind> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(err),
    }
}

#[derive(serde::Deserialize)]
struct WellFormed(
    Option<String>,
    Option<String>,
    String,
    String,
    Map<String, Value>,
);

/// Decodes a text frame of at most `max_bytes` bytes.
pub fn decode(text: &str, max_bytes: usize) -> Result<ClientFrame, FrameError> {
    if text.len() > max_bytes {
        return Err(FrameError::bare(FrameErrorKind::TooLarge {
            len: text.len(),
            max: max_bytes,
        }));
    }
    // Fast path: the well-formed shape, straight into its fields.
    if let Ok(WellFormed(join_ref, reference, topic, event, payload)) = serde_json::from_str(text) {
        return Ok(ClientFrame {
            join_ref,
            reference,
            topic,
            event,
            payload,
        });
    }
    // Slow path: find out what exactly is wrong.
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Err(salvage_header(text, FrameErrorKind::Json(e.to_string()))),
    };
    let Value::Array(items) = value else {
        return Err(FrameError::bare(FrameErrorKind::NotArray));
    };
    if items.len() != 5 {
        return Err(FrameError::bare(FrameErrorKind::WrongLength(items.len())));
    }
    let mut it = items.into_iter();
    let mut next = || it.next().unwrap_or(Value::Null);
    let (jr, rf, topic, event, payload) = (next(), next(), next(), next(), next());
    let mut err = FrameError::bare(FrameErrorKind::BadJoinRef);
    // Salvage what can be read, so that an error reply can be addressed.
    let join_ref = opt_string(jr, FrameErrorKind::BadJoinRef);
    let reference = opt_string(rf, FrameErrorKind::BadRef);
    err.join_ref = join_ref.clone().ok().flatten();
    err.reference = reference.clone().ok().flatten();
    let topic = match topic {
        Value::String(s) => Some(s),
        _ => None,
    };
    err.topic = topic.clone();
    let fail = |mut err: FrameError, kind| {
        err.kind = kind;
        Err(err)
    };
    let join_ref = match join_ref {
        Ok(j) => j,
        Err(k) => return fail(err, k),
    };
    let reference = match reference {
        Ok(r) => r,
        Err(k) => return fail(err, k),
    };
    let Some(topic) = topic else {
        return fail(err, FrameErrorKind::BadTopic);
    };
    let Value::String(event) = event else {
        return fail(err, FrameErrorKind::BadEvent);
    };
    let Value::Object(payload) = payload else {
        return fail(err, FrameErrorKind::PayloadNotObject);
    };
    Ok(ClientFrame {
        join_ref,
        reference,
        topic,
        event,
        payload,
    })
}

/// For a frame that is not valid JSON as a whole (typically a payload nested
/// deeper than serde_json's recursion limit of 128): if it is a 5-element
/// array whose header fields parse, keep them so that the push can get an
/// error reply instead of a closed socket. The payload is skipped without
/// building it (serde_json skips ignored values iteratively, so any depth is
/// safe).
fn salvage_header(text: &str, kind: FrameErrorKind) -> FrameError {
    type Header = (Value, Value, Value, Value, serde::de::IgnoredAny);
    let mut err = FrameError::bare(kind);
    if let Ok((jr, rf, Value::String(topic), _, _)) = serde_json::from_str::<Header>(text) {
        if let (Ok(join_ref), Ok(reference)) = (
            opt_string(jr, FrameErrorKind::BadJoinRef),
            opt_string(rf, FrameErrorKind::BadRef),
        ) {
            err.join_ref = join_ref;
            err.reference = reference;
            err.topic = Some(topic);
        }
    }
    err
}

/// Decodes a binary push (PROTOCOL §2.2) of at most `max_bytes` bytes:
/// `kind(0) | len(join_ref) | len(ref) | len(topic) | len(event) | join_ref | ref | topic | event | payload`.
pub fn decode_binary(bytes: &[u8], max_bytes: usize) -> Result<BinaryPush<'_>, FrameError> {
    if bytes.len() > max_bytes {
        return Err(FrameError::bare(FrameErrorKind::TooLarge {
            len: bytes.len(),
            max: max_bytes,
        }));
    }
    if bytes.len() < 5 {
        return Err(FrameError::bare(FrameErrorKind::Truncated));
    }
    if bytes[0] != 0 {
        return Err(FrameError::bare(FrameErrorKind::BadBinaryKind(bytes[0])));
    }
    let lens = [
        bytes[1] as usize,
        bytes[2] as usize,
        bytes[3] as usize,
        bytes[4] as usize,
    ];
    let header: usize = 5 + lens.iter().sum::<usize>();
    if bytes.len() < header {
        return Err(FrameError::bare(FrameErrorKind::Truncated));
    }
    let mut at = 5;
    let mut fields: [String; 4] = Default::default();
    for (i, len) in lens.iter().enumerate() {
        let s = std::str::from_utf8(&bytes[at..at + len])
            .map_err(|_| FrameError::bare(FrameErrorKind::BadUtf8))?;
        fields[i] = s.to_owned();
        at += len;
    }
    let [jr, rf, topic, event] = fields;
    let none_if_empty = |s: String| if s.is_empty() { None } else { Some(s) };
    Ok(BinaryPush {
        join_ref: none_if_empty(jr),
        reference: none_if_empty(rf),
        topic,
        event,
        payload: &bytes[header..],
    })
}

/// Appends `s` as a JSON string literal.
pub fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{:04x}", b));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A JSON string literal for `s`.
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_json_str(&mut out, s);
    out
}

fn write_opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => write_json_str(out, s),
        None => out.push_str("null"),
    }
}

fn header(
    out: &mut String,
    join_ref: Option<&str>,
    reference: Option<&str>,
    topic: &str,
    event: &str,
) {
    out.push('[');
    write_opt(out, join_ref);
    out.push(',');
    write_opt(out, reference);
    out.push(',');
    write_json_str(out, topic);
    out.push(',');
    write_json_str(out, event);
    out.push(',');
}

/// The status of a reply.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// `"ok"`.
    Ok,
    /// `"error"`.
    Error,
}

/// Encodes `[join_ref, ref, topic, "phx_reply", {"status": …, "response": <response_json>}]`.
/// `response_json` must be a JSON object; it is embedded verbatim.
pub fn encode_reply(
    join_ref: Option<&str>,
    reference: Option<&str>,
    topic: &str,
    status: Status,
    response_json: &str,
) -> String {
    let mut out = String::with_capacity(64 + topic.len() + response_json.len());
    header(&mut out, join_ref, reference, topic, "phx_reply");
    out.push_str(match status {
        Status::Ok => r#"{"status":"ok","response":"#,
        Status::Error => r#"{"status":"error","response":"#,
    });
    out.push_str(response_json);
    out.push_str("}]");
    out
}

/// Encodes an error reply `{"status":"error","response":{"reason": reason}}`.
pub fn encode_error_reply(
    join_ref: Option<&str>,
    reference: Option<&str>,
    topic: &str,
    reason: &str,
) -> String {
    let mut response = String::with_capacity(reason.len() + 14);
    response.push_str(r#"{"reason":"#);
    write_json_str(&mut response, reason);
    response.push('}');
    encode_reply(join_ref, reference, topic, Status::Error, &response)
}

/// Encodes a push `[join_ref, ref, topic, event, <payload_json>]`; `payload_json`
/// (a JSON object) is embedded verbatim.
pub fn encode_push(
    join_ref: Option<&str>,
    reference: Option<&str>,
    topic: &str,
    event: &str,
    payload_json: &str,
) -> String {
    let mut out = String::with_capacity(32 + topic.len() + event.len() + payload_json.len());
    header(&mut out, join_ref, reference, topic, event);
    out.push_str(payload_json);
    out.push(']');
    out
}

/// Encodes any frame from a payload value (for tests and tools; the socket uses
/// the string encoders).
pub fn encode_value(
    join_ref: Option<&str>,
    reference: Option<&str>,
    topic: &str,
    event: &str,
    payload: &Value,
) -> String {
    encode_push(join_ref, reference, topic, event, &payload.to_string())
}

#[cfg(test)]
mod tests {
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn decode_never_panics(s in ".{0,64}") {
            let _ = decode(&s, MAX);
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
}
