//! The payload of an `event` push (PROTOCOL §5.1) as a [`ClientEvent`]: the
//! one decoder of client events, used by the socket machine and the fuzzers.

use super::Payload;
use crate::event::{ClientEvent, EventValue};
use serde_json::{Map, Value};

/// Decodes an `event` payload (PROTOCOL §5.1) into a [`ClientEvent`].
pub fn decode_client_event(payload: &Map<String, Value>) -> Result<ClientEvent, String> {
    let kind = match payload.get("type") {
        Some(Value::String(s)) => s.clone(),
        // `liveSocket.execJS(el, js)` pushes with no event type.
        Some(Value::Null) => String::new(),
        _ => return Err("event payload needs a string (or null) \"type\"".into()),
    };
    let name = match payload.get("event") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("event payload needs a string \"event\"".into()),
    };
    client_event(
        kind,
        name,
        payload.get("value").cloned(),
        payload.get("meta").cloned(),
        payload.get("cid"),
        payload.get("uploads").cloned(),
    )
}

/// The [`ClientEvent`] of an `event` push's payload, moved out of its parts
/// (same result as [`decode_client_event`] on the payload object).
pub(crate) fn event_of(payload: Payload) -> Result<ClientEvent, String> {
    match payload {
        Payload::Event(p) => client_event(
            p.kind,
            p.event,
            p.value,
            p.meta.map(Value::Object),
            p.cid.as_ref(),
            p.uploads,
        ),
        Payload::Object(m) => decode_client_event(&m),
    }
}

/// A [`ClientEvent`] from the parts of an `event` payload (`None` = absent),
/// checked as [`decode_client_event`] documents.
fn client_event(
    kind: String,
    name: String,
    value: Option<Value>,
    meta: Option<Value>,
    cid: Option<&Value>,
    uploads: Option<Value>,
) -> Result<ClientEvent, String> {
    let uploads = match uploads {
        // The client sends `{}` with every form event: no files.
        Some(Value::Object(m)) if m.is_empty() => None,
        Some(Value::Object(m)) => Some(m),
        None | Some(Value::Null) => None,
        Some(_) => return Err("event \"uploads\" must be an object".into()),
    };
    let value = if kind == "form" {
        match value {
            Some(Value::String(s)) => EventValue::Form(s),
            None | Some(Value::Null) => EventValue::Form(String::new()),
            Some(_) => return Err("the value of a form event must be a urlencoded string".into()),
        }
    } else {
        EventValue::Json(value.unwrap_or_else(|| Value::Object(Map::new())))
    };
    let meta = match meta {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err("event \"meta\" must be an object".into()),
    };
    // The client drops non-numeric cids; accept integers (and integer strings).
    let cid = match cid {
        Some(Value::Number(n)) => Some(
            n.as_u64()
                .ok_or("event \"cid\" must be a non-negative integer")?,
        ),
        Some(Value::String(s)) => Some(s.parse().map_err(|_| "event \"cid\" must be an integer")?),
        _ => None,
    };
    Ok(ClientEvent {
        kind,
        name,
        value,
        meta,
        cid,
        uploads,
    })
}
