//! Client events: what arrives on the wire, and its typed decoding.
//!
//! The protocol layer turns an `event` push into a [`ClientEvent`]; the
//! driver decodes it into the view's `Event` type with [`decode`]. The event
//! is presented to serde as an **externally tagged enum**: the event name
//! selects the variant (so `#[serde(rename_all = "kebab-case")]`,
//! `#[serde(rename = "...")]` and `#[serde(other)]` work as usual) and the
//! value fills its content:
//!
//! | binding | kind | value |
//! | --- | --- | --- |
//! | `phx-click` (+ `phx-value-*`) | `click` | map of strings (`{"i": "3", "value": ""}`) |
//! | `phx-keyup` / `phx-keydown` | `keyup` / `keydown` | map with `key` |
//! | `phx-change` / `phx-submit` | `form` | urlencoded string; nested names (`user[name]`) become nested maps |
//! | hook `pushEvent` | `hook` | any JSON |
//!
//! How the content is read:
//!
//! * A **unit variant** accepts any value (a plain button sends `{"value": ""}`).
//! * **Struct and newtype variants** read the value leniently, because the
//!   client sends every attribute as a string: `"3"` decodes into a `usize`,
//!   `"true"`/`"on"`/`"false"`/`"off"` into a `bool`, `""` (or `null`) into
//!   `None`, and numbers or booleans into a `String` (an `<li>`'s value is the
//!   number `0`). A single string decodes into a one-element `Vec`. Any other
//!   JSON passes through unchanged, so a hook payload can be a
//!   `serde_json::Value` or any deserializable type.
//! * **Forms** (`EventValue::Form`) are decoded with nested names (see
//!   [`form`]) and then the event's `meta` map is merged on top, as Phoenix
//!   does; `_target` (the name of the changed input) becomes its path, a list
//!   of strings (`"user[name]"` → `["user", "name"]`). The client also sends
//!   `_unused_<name>` fields (inputs the user has not touched yet) and the
//!   form's `_csrf_token`; they are in the map like any other field. Serde
//!   ignores fields a struct does not name (unless `deny_unknown_fields`), so
//!   views that do not care need nothing; declare `_target: Vec<String>` or an
//!   `_unused_name: Option<String>` field to read them.
//!
//! Two things to know when writing the types: an unchecked checkbox is not
//! sent at all, so give `bool` fields `#[serde(default)]`; and
//! `#[serde(flatten)]` or `#[serde(untagged)]` make serde buffer the values
//! first, which loses the string-to-number leniency inside them.
//!
//! Errors ([`DecodeError`]) name the event and, for a bad field, its path and
//! the expected type; they never repeat a value the client sent (a form may
//! hold a password) nor list the view's other events.
//!
//! ```
//! use liveview_core::event::{decode, ClientEvent, EventValue};
//! use serde::Deserialize;
//! use serde_json::json;
//!
//! #[derive(Debug, PartialEq, Deserialize)]
//! #[serde(rename_all = "snake_case")]
//! enum Event {
//!     Inc { step: Option<u32> },
//!     Key { key: String },
//!     Save { user: User },
//!     Reset,
//! }
//! #[derive(Debug, PartialEq, Deserialize)]
//! struct User { name: String }
//!
//! let click = ClientEvent::json("click", "inc", json!({"step": "2", "value": ""}));
//! assert_eq!(decode::<Event>(&click).unwrap(), Event::Inc { step: Some(2) });
//!
//! let key = ClientEvent::json("keyup", "key", json!({"key": "Enter", "value": ""}));
//! assert_eq!(decode::<Event>(&key).unwrap(), Event::Key { key: "Enter".into() });
//!
//! let form = ClientEvent::form("save", "user%5Bname%5D=Grace&go=yes");
//! assert_eq!(decode::<Event>(&form).unwrap(), Event::Save { user: User { name: "Grace".into() } });
//!
//! let plain = ClientEvent::json("click", "reset", json!({"value": ""}));
//! assert_eq!(decode::<Event>(&plain).unwrap(), Event::Reset);
//!
//! let err = decode::<Event>(&ClientEvent::json("click", "nope", json!({}))).unwrap_err();
//! assert_eq!(err.event, "nope");
//! assert!(err.reason.contains("unknown event"));
//! ```

mod de;
pub mod form;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The built-in event that clears a flash kind (`phx-click="lv:clear-flash"`
/// with `phx-value-key="info"`); the driver handles it without the view.
pub const CLEAR_FLASH: &str = "lv:clear-flash";

/// An event pushed by the client, before decoding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientEvent {
    /// The DOM event type: `click`, `keyup`, `keydown`, `focus`, `blur`, `form`, `hook`, ...
    pub kind: String,
    /// The event name (the value of `phx-click` etc.).
    pub name: String,
    /// The event's value.
    pub value: EventValue,
    /// Extra form metadata (`_target`, form `phx-value-*`), merged over form values.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub meta: Map<String, Value>,
    /// The target component id, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<u64>,
    /// The files a form's upload inputs hold (a `phx-change` of a form with
    /// [`live_file_input`](crate::upload::live_file_input)s): upload ref →
    /// entries, added to the uploads before the handler runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploads: Option<Map<String, Value>>,
}

/// The value of a [`ClientEvent`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventValue {
    /// A urlencoded form (`phx-change`, `phx-submit`).
    Form(String),
    /// Any JSON value (click/key metadata maps, hook payloads).
    Json(Value),
}

/// Why a client event could not be decoded into a view's `Event` type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The event name.
    pub event: String,
    /// What went wrong (unknown event, missing field, wrong type...).
    pub reason: String,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot decode event {:?}: {}", self.event, self.reason)
    }
}
impl std::error::Error for DecodeError {}

impl ClientEvent {
    /// An event whose value is JSON (clicks, keys, focus/blur, hooks).
    pub fn json(kind: impl Into<String>, name: impl Into<String>, value: Value) -> ClientEvent {
        ClientEvent {
            kind: kind.into(),
            name: name.into(),
            value: EventValue::Json(value),
            meta: Map::new(),
            cid: None,
            uploads: None,
        }
    }

    /// A form event (`phx-change`/`phx-submit`) with a urlencoded value.
    pub fn form(name: impl Into<String>, urlencoded: impl Into<String>) -> ClientEvent {
        ClientEvent {
            kind: "form".into(),
            name: name.into(),
            value: EventValue::Form(urlencoded.into()),
            meta: Map::new(),
            cid: None,
            uploads: None,
        }
    }

    /// The same event with `meta` (form `_target`, form `phx-value-*`).
    pub fn with_meta(mut self, meta: Map<String, Value>) -> ClientEvent {
        self.meta = meta;
        self
    }
}

/// The deepest JSON nesting an event value (or a `meta` entry) may have; the
/// same as serde_json's parser limit, so that every frame the socket accepts
/// fits. Deeper values (only possible when a `ClientEvent` is built in code)
/// are refused with a [`DecodeError`] before anything recurses into them.
pub const MAX_VALUE_DEPTH: usize = 128;

/// Whether `v` nests arrays/objects deeper than [`MAX_VALUE_DEPTH`], checked
/// without recursion.
fn too_deep(v: &Value) -> bool {
    let mut stack = vec![(v, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        let children: &mut dyn Iterator<Item = &Value> = match v {
            Value::Array(items) => &mut items.iter(),
            Value::Object(map) => &mut map.values(),
            _ => continue,
        };
        if depth + 1 > MAX_VALUE_DEPTH {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

fn depth_error(name: &str) -> DecodeError {
    DecodeError {
        event: error_name(name),
        reason: format!("the event value is nested deeper than {MAX_VALUE_DEPTH} levels"),
    }
}

/// The longest event name repeated in a [`DecodeError`].
const MAX_NAME_IN_ERROR: usize = 128;

fn error_name(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_IN_ERROR {
        name.to_owned()
    } else {
        let mut short: String = name.chars().take(MAX_NAME_IN_ERROR).collect();
        short.push('…');
        short
    }
}

/// The value of an event as the view's `Event` type sees it: a form decoded
/// into nested maps with `meta` merged on top (and `_target` as a path), or
/// the JSON value (with `meta` merged on top when both are maps).
///
/// ```
/// use liveview_core::event::{event_value, ClientEvent};
/// use serde_json::json;
/// let ev = ClientEvent::form("validate", "user%5Bname%5D=Grace")
///     .with_meta(json!({"_target": "user[name]"}).as_object().unwrap().clone());
/// assert_eq!(event_value(&ev).unwrap(), json!({"user": {"name": "Grace"}, "_target": ["user", "name"]}));
/// ```
pub fn event_value(ev: &ClientEvent) -> Result<Value, DecodeError> {
    let deep_value = matches!(&ev.value, EventValue::Json(v) if too_deep(v));
    if deep_value || ev.meta.values().any(too_deep) {
        return Err(depth_error(&ev.name));
    }
    match &ev.value {
        EventValue::Form(urlencoded) => {
            let fail = |reason: String| DecodeError {
                event: error_name(&ev.name),
                reason,
            };
            let mut map = form::decode_nested(urlencoded).map_err(|e| fail(e.0))?;
            for (k, v) in &ev.meta {
                map.insert(k.clone(), v.clone());
            }
            if let Some(Value::String(target)) = map.get("_target") {
                let path: Vec<Value> = form::split_name(target)
                    .map_err(|e| fail(format!("_target: {}", e.0)))?
                    .into_iter()
                    .map(|s| Value::String(s.to_owned()))
                    .collect();
                map.insert("_target".into(), Value::Array(path));
            }
            Ok(Value::Object(map))
        }
        EventValue::Json(Value::Object(obj)) if !ev.meta.is_empty() => {
            let mut map = obj.clone();
            for (k, v) in &ev.meta {
                map.insert(k.clone(), v.clone());
            }
            Ok(Value::Object(map))
        }
        EventValue::Json(v) => Ok(v.clone()),
    }
}

/// Decodes a client event into a view's `Event` type (see the module docs).
pub fn decode<E: DeserializeOwned>(ev: &ClientEvent) -> Result<E, DecodeError> {
    match &ev.value {
        // Nothing to merge: decoded in place, without the copy `event_value` makes.
        EventValue::Json(v) if ev.meta.is_empty() => decode_value(&ev.name, v),
        _ => deserialize(&ev.name, &event_value(ev)?),
    }
}

/// Decodes an event given by name and already decoded value (see
/// [`event_value`]). A value nested deeper than [`MAX_VALUE_DEPTH`] is refused.
pub fn decode_value<E: DeserializeOwned>(name: &str, value: &Value) -> Result<E, DecodeError> {
    if too_deep(value) {
        return Err(depth_error(name));
    }
    deserialize(name, value)
}

fn deserialize<E: DeserializeOwned>(name: &str, value: &Value) -> Result<E, DecodeError> {
    E::deserialize(de::EventDeserializer { name, value }).map_err(|e| DecodeError {
        event: error_name(name),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
