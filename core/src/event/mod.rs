//! Client events: what arrives on the wire, and its typed decoding.
//!
//! The protocol layer turns an `event` push into a [`ClientEvent`]; the
//! driver decodes it into the view's `Event` type with [`decode`]. The event
//! name selects the variant of an (externally tagged) serde enum and the value
//! fills its fields:
//!
//! | binding | kind | value |
//! | --- | --- | --- |
//! | `phx-click` (+ `phx-value-*`) | `click` | map of strings (`{"i": "3", "value": ""}`) |
//! | `phx-keyup` / `phx-keydown` | `keyup` / `keydown` | map with `key` |
//! | `phx-change` / `phx-submit` | `form` | urlencoded string; nested names (`user[name]`) become nested maps |
//! | hook `pushEvent` | `hook` | any JSON |
//!
//! Strings are accepted where numbers or booleans are expected (`phx-value-i="3"`
//! decodes into a `usize`), as the client sends every attribute value as a string.

pub mod form;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
