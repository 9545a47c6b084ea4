//! The client side of a simulated page: the frames the official
//! phoenix_live_view 1.2 client sends (join, events, live patches, leave,
//! heartbeats), reading the frames the socket sends back, and the client's
//! model of the page built from the join reply and every diff.

use liveview_core::diff::merge::Client;
use liveview_core::event::{ClientEvent, EventValue};
use liveview_core::protocol::{auth, Config};
use liveview_core::runtime::Navigation;
use liveview_core::view::Flash;
use liveview_core::Time;
use serde_json::{json, Map, Value};

/// The origin the simulated browser is at: joins and patches carry
/// absolute URLs, as `window.location.href` is.
pub(crate) const ORIGIN: &str = "http://localhost";

/// The absolute URL of a path.
pub(crate) fn absolute(path_and_query: &str) -> String {
    format!("{ORIGIN}{path_and_query}")
}

fn frame(
    join_ref: Option<&str>,
    reference: &str,
    topic: &str,
    event: &str,
    payload: Value,
) -> String {
    json!([join_ref, reference, topic, event, payload]).to_string()
}

/// What a view's join needs from its page.
pub(crate) struct JoinParams<'a> {
    /// The CSRF token of the page's meta tag.
    pub(crate) csrf: &'a str,
    /// `data-phx-session`.
    pub(crate) session: &'a str,
    /// `data-phx-static`.
    pub(crate) statics: &'a str,
    /// The absolute URL: `url` on a page load, `redirect` on live navigation.
    pub(crate) url: &'a str,
    /// Whether this join is a live navigation.
    pub(crate) redirect: bool,
}

/// `phx_join` on `topic` (the join's ref is its `join_ref`).
pub(crate) fn join(reference: &str, topic: &str, p: &JoinParams<'_>) -> String {
    let key = if p.redirect { "redirect" } else { "url" };
    let payload = json!({
        key: p.url,
        "params": {"_csrf_token": p.csrf, "_mounts": 0},
        "session": p.session,
        "static": p.statics,
    });
    frame(Some(reference), reference, topic, "phx_join", payload)
}

/// An `event` push, as the client encodes a [`ClientEvent`].
pub(crate) fn event(join_ref: &str, reference: &str, topic: &str, e: &ClientEvent) -> String {
    let mut p = Map::new();
    p.insert("type".into(), Value::String(e.kind.clone()));
    p.insert("event".into(), Value::String(e.name.clone()));
    p.insert(
        "value".into(),
        match &e.value {
            EventValue::Form(s) => Value::String(s.clone()),
            EventValue::Json(v) => v.clone(),
        },
    );
    if e.kind == "form" || !e.meta.is_empty() {
        p.insert("meta".into(), Value::Object(e.meta.clone()));
    }
    if let Some(cid) = e.cid {
        p.insert("cid".into(), cid.into());
    }
    if let Some(uploads) = &e.uploads {
        p.insert("uploads".into(), Value::Object(uploads.clone()));
    }
    frame(Some(join_ref), reference, topic, "event", Value::Object(p))
}

/// Any push on a channel (`allow_upload`, `progress`, an upload channel's
/// `phx_join`).
pub(crate) fn push(
    join_ref: &str,
    reference: &str,
    topic: &str,
    event: &str,
    payload: Value,
) -> String {
    frame(Some(join_ref), reference, topic, event, payload)
}

/// A binary push (an upload chunk), as Phoenix's serializer encodes it:
/// kind 0, the lengths of join ref, ref, topic and event, those four, the
/// payload.
pub(crate) fn binary_push(
    join_ref: &str,
    reference: &str,
    topic: &str,
    event: &str,
    payload: &[u8],
) -> Result<Vec<u8>, String> {
    let mut b = vec![0u8];
    for s in [join_ref, reference, topic, event] {
        let len = u8::try_from(s.len())
            .map_err(|_| format!("{s:?} is too long for a binary frame's header"))?;
        b.push(len);
    }
    for s in [join_ref, reference, topic, event] {
        b.extend_from_slice(s.as_bytes());
    }
    b.extend_from_slice(payload);
    Ok(b)
}

/// A client-initiated `live_patch` to an absolute URL.
pub(crate) fn live_patch(join_ref: &str, reference: &str, topic: &str, url: &str) -> String {
    frame(
        Some(join_ref),
        reference,
        topic,
        "live_patch",
        json!({ "url": url }),
    )
}

/// `cids_will_destroy` or `cids_destroyed` with these cids.
pub(crate) fn cids(
    join_ref: &str,
    reference: &str,
    topic: &str,
    event: &str,
    cids: &[u32],
) -> String {
    frame(
        Some(join_ref),
        reference,
        topic,
        event,
        json!({ "cids": cids }),
    )
}

/// `phx_leave` of the channel.
pub(crate) fn leave(join_ref: &str, reference: &str, topic: &str) -> String {
    frame(Some(join_ref), reference, topic, "phx_leave", json!({}))
}

/// The socket's heartbeat.
pub(crate) fn heartbeat(reference: &str) -> String {
    frame(None, reference, "phoenix", "heartbeat", json!({}))
}

/// A frame from the server.
#[derive(Debug)]
pub(crate) struct Frame {
    /// The join ref (set on channel pushes).
    pub(crate) join_ref: Option<String>,
    /// The ref (set on replies).
    pub(crate) reference: Option<String>,
    /// The topic.
    pub(crate) topic: String,
    /// The event (`phx_reply`, `diff`, `live_patch`, ...).
    pub(crate) event: String,
    /// The payload.
    pub(crate) payload: Value,
}

/// Reads a server frame (`[join_ref, ref, topic, event, payload]`).
pub(crate) fn read(text: &str) -> Result<Frame, String> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("the server sent invalid JSON {text}: {e}"))?;
    match v {
        Value::Array(mut a) if a.len() == 5 => {
            let payload = a.pop().unwrap_or_default();
            let str_of = |v: &Value| v.as_str().map(str::to_owned);
            match (str_of(&a[2]), str_of(&a[3])) {
                (Some(topic), Some(event)) => Ok(Frame {
                    join_ref: str_of(&a[0]),
                    reference: str_of(&a[1]),
                    topic,
                    event,
                    payload,
                }),
                _ => Err(format!(
                    "the server sent a frame without topic or event: {text}"
                )),
            }
        }
        _ => Err(format!(
            "the server sent a frame that is not a 5-array: {text}"
        )),
    }
}

/// The navigation a `live_patch`, `live_redirect` or `redirect` object
/// describes (`{"to", "kind"?, "flash"?}`), its flash token verified.
pub(crate) fn navigation(
    config: &Config,
    now: Time,
    event: &str,
    obj: &Value,
) -> Option<Navigation> {
    let to = obj.get("to")?.as_str()?.to_owned();
    let replace = obj.get("kind").and_then(Value::as_str) == Some("replace");
    let flash = || {
        obj.get("flash")
            .and_then(Value::as_str)
            .and_then(|t| auth::verify_flash(config, now, t))
            .unwrap_or_default()
    };
    match event {
        "live_patch" => Some(Navigation::Patch { to, replace }),
        "live_redirect" => Some(Navigation::Navigate {
            to,
            replace,
            flash: flash(),
        }),
        "redirect" => Some(Navigation::Redirect { to, flash: flash() }),
        _ => None,
    }
}

/// The client's model of one page: the rendered tree (join reply plus every
/// diff, merged as the official client merges them) and what the diffs
/// carried (title, push events, hook replies), plus the navigations it was told.
#[derive(Default)]
pub(crate) struct ClientModel {
    /// The merged tree.
    pub(crate) tree: Option<Client>,
    /// Why a join reply or a diff could not be merged.
    pub(crate) error: Option<String>,
    /// The last diff (reply or push), as JSON text.
    pub(crate) last_diff: Option<String>,
    /// Every push event, in order.
    pub(crate) pushed_events: Vec<(String, Value)>,
    /// The title set last.
    pub(crate) title: Option<String>,
    /// The last hook reply.
    pub(crate) hook_reply: Option<Value>,
    /// The flash carried by the last navigation away.
    pub(crate) flash: Flash,
    /// Every navigation the server asked for.
    pub(crate) navigations: Vec<Navigation>,
    /// Components diffs removed from the page, which the client reports
    /// (`cids_will_destroy`, then `cids_destroyed`).
    pub(crate) destroyed: Vec<u32>,
}

impl ClientModel {
    /// Starts the tree from a join reply's `rendered`.
    pub(crate) fn joined(&mut self, rendered: &Value) {
        self.extras(rendered);
        match Client::join(rendered.clone()) {
            Ok(c) => {
                self.tree = Some(c);
                self.error = None;
            }
            Err(e) => {
                self.tree = None;
                self.error = Some(format!("the join's rendered JSON: {}", e.message()));
            }
        }
    }

    /// Merges a diff (from a reply or a `diff` push).
    pub(crate) fn diff(&mut self, diff: &Value) {
        self.extras(diff);
        if let Some(tree) = self.tree.as_mut() {
            let before = tree.shown_cids();
            if let Err(e) = tree.apply(diff.clone()) {
                self.error
                    .get_or_insert(format!("diff {diff}: {}", e.message()));
            }
            if !before.is_empty() {
                let after = tree.shown_cids();
                for cid in before {
                    if !after.contains(&cid) && !self.destroyed.contains(&cid) {
                        self.destroyed.push(cid);
                    }
                }
            }
        }
        self.last_diff = Some(diff.to_string());
    }

    /// Top-level extras of a rendered tree or diff: title, push events, hook reply.
    fn extras(&mut self, v: &Value) {
        if let Some(Value::String(t)) = v.get("t") {
            self.title = Some(t.clone());
        }
        if let Some(Value::Array(events)) = v.get("e") {
            for e in events {
                if let Some([Value::String(name), payload, ..]) = e.as_array().map(Vec::as_slice) {
                    self.pushed_events.push((name.clone(), payload.clone()));
                }
            }
        }
        if let Some(r) = v.get("r") {
            self.hook_reply = Some(r.clone());
        }
    }

    /// The cids the page shows now.
    pub(crate) fn shown_cids(&self) -> Vec<u32> {
        self.tree
            .as_ref()
            .map(Client::shown_cids)
            .unwrap_or_default()
    }

    /// The page's HTML as the client shows it.
    pub(crate) fn html(&self) -> Option<Result<String, String>> {
        if let Some(e) = &self.error {
            return Some(Err(e.clone()));
        }
        self.tree.as_ref().map(|t| {
            t.to_html()
                .map_err(|e| format!("the merged tree does not render: {}", e.message()))
        })
    }
}

/// A client event, described for error messages.
pub(crate) fn describe(event: &ClientEvent) -> String {
    let value = match &event.value {
        EventValue::Form(s) => format!("{s:?}"),
        EventValue::Json(v) => v.to_string(),
    };
    let cid = event
        .cid
        .map(|c| format!(" (component {c})"))
        .unwrap_or_default();
    format!(
        "{} event {:?}{cid} with value {value}",
        event.kind, event.name
    )
}
