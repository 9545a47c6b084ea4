//! The Phoenix channels V2 serializer: `[join_ref, ref, topic, event, payload]`.
//!
//! Decoding is for client pushes (text frames, PROTOCOL §2.2): `join_ref` and
//! `ref` are strings or `null`, `topic` and `event` are strings, and the
//! payload must be a JSON object. Binary pushes (upload chunks) are decoded by
//! [`decode_binary`].
//!
//! The payload of an `event` push becomes a [`ClientEvent`](crate::event::ClientEvent)
//! in [`decode_client_event`] (`event.rs`), the one decoder of client events.
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
use std::borrow::Cow;
use std::fmt;

mod event;

pub use event::decode_client_event;
pub(crate) use event::event_of;

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
#[non_exhaustive]
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

/// The parts of an `event` push's payload (PROTOCOL §5.1), read straight from
/// the frame text by [`decode_borrowed`] (no intermediate JSON map).
#[derive(Debug, PartialEq, serde::Deserialize)]
pub(crate) struct EventParts {
    /// `"type"`: `click`, `form`, `keyup`, …; `null` (a push from
    /// `liveSocket.execJS` without an event type) reads as `""`.
    #[serde(rename = "type", deserialize_with = "null_as_empty")]
    pub kind: String,
    /// `"event"`: the event name.
    pub event: String,
    /// `"value"`: `None` when absent (a `null` is `Some(Value::Null)`).
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Value>,
    /// `"meta"` (`null` reads as absent).
    #[serde(default)]
    pub meta: Option<Map<String, Value>>,
    /// `"cid"`, checked by the socket.
    #[serde(default, deserialize_with = "present")]
    pub cid: Option<Value>,
    /// `"uploads"`: the files of a form's upload inputs.
    #[serde(default, deserialize_with = "present")]
    pub uploads: Option<Value>,
}

/// A string that may be `null` (read as empty); the field must be present.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    <Option<String> as serde::Deserialize>::deserialize(d).map(Option::unwrap_or_default)
}

/// A field that is present (even as `null`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    <Value as serde::Deserialize>::deserialize(d).map(Some)
}

/// The payload of a [`Decoded`] frame.
#[derive(Debug, PartialEq)]
pub(crate) enum Payload {
    /// An `event` push whose payload has the usual shape.
    Event(EventParts),
    /// Any other payload object.
    Object(Map<String, Value>),
}

impl Payload {
    /// The payload as a JSON object (an [`Payload::Event`] is put back together).
    pub(crate) fn into_object(self) -> Map<String, Value> {
        match self {
            Payload::Object(m) => m,
            Payload::Event(p) => {
                let mut m = Map::new();
                m.insert("type".into(), Value::String(p.kind));
                m.insert("event".into(), Value::String(p.event));
                if let Some(v) = p.value {
                    m.insert("value".into(), v);
                }
                if let Some(meta) = p.meta {
                    m.insert("meta".into(), Value::Object(meta));
                }
                if let Some(cid) = p.cid {
                    m.insert("cid".into(), cid);
                }
                if let Some(uploads) = p.uploads {
                    m.insert("uploads".into(), uploads);
                }
                m
            }
        }
    }
}

/// A text frame decoded for the socket: the header strings borrow from the
/// frame text unless they contain escapes.
#[derive(Debug, PartialEq)]
pub(crate) struct Decoded<'a> {
    /// The channel's join ref.
    pub join_ref: Option<Cow<'a, str>>,
    /// The push's ref.
    pub reference: Option<Cow<'a, str>>,
    /// The topic.
    pub topic: Cow<'a, str>,
    /// The event.
    pub event: Cow<'a, str>,
    /// The payload.
    pub payload: Payload,
}

impl From<ClientFrame> for Decoded<'static> {
    fn from(f: ClientFrame) -> Self {
        Decoded {
            join_ref: f.join_ref.map(Cow::Owned),
            reference: f.reference.map(Cow::Owned),
            topic: Cow::Owned(f.topic),
            event: Cow::Owned(f.event),
            payload: Payload::Object(f.payload),
        }
    }
}

/// A JSON string that borrows from the input when it has no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Str<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A `T` read only from a JSON object (derived structs would also accept an array).
struct ObjectOnly<T>(T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = ObjectOnly<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(ObjectOnly)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// `[join_ref, ref, topic, event, payload]`, with the payload's type chosen by the event.
impl<'de> serde::Deserialize<'de> for Decoded<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, IgnoredAny, SeqAccess};
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Decoded<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[join_ref, ref, topic, event, payload]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Decoded<'de>, A::Error> {
                let short = || A::Error::custom("fewer than 5 elements");
                let join_ref: Option<Str<'de>> = seq.next_element()?.ok_or_else(short)?;
                let reference: Option<Str<'de>> = seq.next_element()?.ok_or_else(short)?;
                let topic: Str<'de> = seq.next_element()?.ok_or_else(short)?;
                let event: Str<'de> = seq.next_element()?.ok_or_else(short)?;
                let payload = if event.0 == "event" {
                    let ObjectOnly(parts) = seq.next_element()?.ok_or_else(short)?;
                    Payload::Event(parts)
                } else {
                    Payload::Object(seq.next_element()?.ok_or_else(short)?)
                };
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(A::Error::custom("more than 5 elements"));
                }
                Ok(Decoded {
                    join_ref: join_ref.map(|s| s.0),
                    reference: reference.map(|s| s.0),
                    topic: topic.0,
                    event: event.0,
                    payload,
                })
            }
        }
        d.deserialize_seq(V)
    }
}

/// Decodes a text frame of at most `max_bytes` bytes for the socket. Accepts
/// exactly what [`decode`] accepts, with the same errors; a well-formed frame
/// is read in one pass without building a JSON map for an `event` payload.
pub(crate) fn decode_borrowed(text: &str, max_bytes: usize) -> Result<Decoded<'_>, FrameError> {
    if text.len() <= max_bytes {
        if let Ok(d) = serde_json::from_str::<Decoded<'_>>(text) {
            return Ok(d);
        }
    }
    // Anything unusual (an `event` payload of another shape, or an error):
    // the general decoder, which also says what exactly is wrong.
    decode(text, max_bytes).map(Decoded::from)
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

/// Encodes an ok reply whose response is the concatenation of `parts` (which
/// must form one JSON object), without assembling the response first.
pub(crate) fn encode_ok_reply_parts(
    join_ref: Option<&str>,
    reference: Option<&str>,
    topic: &str,
    parts: &[&str],
) -> String {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = String::with_capacity(64 + topic.len() + len);
    header(&mut out, join_ref, reference, topic, "phx_reply");
    out.push_str(r#"{"status":"ok","response":"#);
    for p in parts {
        out.push_str(p);
    }
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

/// The serializer rule: the client must ask for `vsn` ~> 2.0 (2.x.y, the
/// V2 JSON arrays this codec speaks) in the socket's query. The one check of
/// it, used by the socket machine and by the adapters' upgrade handlers.
pub fn check_vsn(query: &str) -> Result<(), String> {
    let Some(v) = super::auth::query_value(query, "vsn") else {
        return Err(
            "missing vsn: this server speaks the Phoenix channels V2 serializer (vsn=2.0.0)".into(),
        );
    };
    let mut parts = v.split('.');
    let major = parts.next().and_then(|p| p.parse::<u32>().ok());
    let minor_ok = parts.next().is_none_or(|p| p.parse::<u32>().is_ok());
    if major == Some(2) && minor_ok {
        Ok(())
    } else {
        Err(format!("unsupported vsn {v:?}: this server speaks ~> 2.0"))
    }
}

#[cfg(test)]
pub(crate) mod tests;
