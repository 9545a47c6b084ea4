//! The suite's way of slowing a view down on purpose, on our server.
//!
//! A spec asks the view for its process id (`evalLV`), attaches a hook
//! that blocks each of the view's events until the test sends the process
//! `{:sync, event}` (`evalPlug` → `POST /eval`), and looks at the client's
//! loading and locked states in between. Our views never block, so the
//! app holds the frames instead, with the warp adapter's
//! [`FrameGate`](liveview_warp::FrameGate): once a page's view has asked
//! for the hook, each of its events (but `ping`) waits for its `sync`.
//!
//! The "process id" a view gives is its page's CSRF token (from its connect
//! params), which the gate also reads from the page's `phx_join`, so a
//! `sync` finds the right channel.

use liveview_warp::{FrameGate, HeldFrame};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// The code whose evaluation attaches the blocking hook.
const ATTACH: &str = "attach_hook(socket, :sync, :handle_event";

/// How long an event waits for its `sync` at most (then it goes through,
/// so a failed test does not hold its socket forever).
const WAIT_AT_MOST: Duration = Duration::from_secs(30);

/// The "process id" of a view mounted with these connect params: its
/// page's CSRF token (`None` on the dead render).
pub fn page_token(mount: &liveview_core::Mount) -> Option<String> {
    mount
        .connect_params
        .as_ref()
        .and_then(|p| p.get("_csrf_token"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A gated view's reply to the suite's `evalLV` code: its process id for
/// `inspect(self())`, `nil` for attaching the blocking hook (the gate saw
/// the request in the frame), an explanation for anything else.
pub fn eval_reply(code: &str, page_token: Option<&str>) -> Value {
    let result = if code.contains("inspect(self())") {
        serde_json::json!({ "lv_pid": ["0", page_token, "0"] })
    } else if code.contains(ATTACH) {
        Value::Null
    } else {
        serde_json::json!(format!("unknown code: {code}"))
    };
    serde_json::json!({ "result": result })
}

/// The gates of every page.
#[derive(Default)]
pub struct SyncGates {
    state: Mutex<State>,
    opened: Notify,
}

#[derive(Default)]
struct State {
    /// Page CSRF token → channel topic, from joins.
    topics: HashMap<String, String>,
    /// Topics whose events wait for a `sync`.
    synced: HashSet<String>,
    /// (topic, event) → `sync`s received and not used yet.
    permits: HashMap<(String, String), usize>,
}

impl SyncGates {
    /// The gate to give the warp adapter.
    pub fn gate(self: &Arc<Self>) -> FrameGate {
        let gates = Arc::clone(self);
        Arc::new(move |frame: &str| gates.check(frame))
    }

    fn check(self: &Arc<Self>, frame: &str) -> Option<HeldFrame> {
        if !frame.contains("\"phx_join\"") && !frame.contains("\"event\"") {
            return None;
        }
        let Ok(Value::Array(parts)) = serde_json::from_str::<Value>(frame) else {
            return None;
        };
        let (topic, kind, payload) = (
            parts.get(2)?.as_str()?,
            parts.get(3)?.as_str()?,
            parts.get(4)?,
        );
        let mut state = self.state.lock().ok()?;
        match kind {
            "phx_join" => {
                if let Some(token) = payload["params"]["_csrf_token"].as_str() {
                    state.topics.insert(token.to_owned(), topic.to_owned());
                }
                // A new join is a new view, without the hook: a child view's
                // topic (`lv:nested`) is the same on every page.
                state.synced.remove(topic);
                state.permits.retain(|(t, _), _| t != topic);
                None
            }
            "event" => {
                let event = payload["event"].as_str()?;
                if event == "sandbox:eval" {
                    if payload["value"]["value"]
                        .as_str()
                        .is_some_and(|c| c.contains(ATTACH))
                    {
                        state.synced.insert(topic.to_owned());
                    }
                    return None;
                }
                if event == "ping" || !state.synced.contains(topic) {
                    return None;
                }
                let key = (topic.to_owned(), event.to_owned());
                drop(state);
                let gates = Arc::clone(self);
                Some(Box::pin(async move { gates.wait(key).await }))
            }
            _ => None,
        }
    }

    /// Waits for a `sync` of `key` and uses it up.
    async fn wait(&self, key: (String, String)) {
        let deadline = tokio::time::Instant::now() + WAIT_AT_MOST;
        loop {
            let opened = self.opened.notified();
            tokio::pin!(opened);
            opened.as_mut().enable();
            if self.take(&key) {
                return;
            }
            if tokio::time::timeout_at(deadline, opened).await.is_err() {
                tracing::warn!(?key, "no sync came: letting the event through");
                return;
            }
        }
    }

    fn take(&self, key: &(String, String)) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return true;
        };
        match state.permits.get_mut(key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// Answers `POST /eval` code of the form
    /// `send(IEx.Helpers.pid(0, TOKEN, 0), {:sync, "event"}); nil`: lets the
    /// page's next `event` through. `None` for other code.
    pub fn eval(&self, code: &str) -> Option<Result<(), String>> {
        let rest = code.trim().strip_prefix("send(IEx.Helpers.pid(")?;
        let (pid, rest) = rest.split_once("), {:sync, \"")?;
        let (event, _) = rest.split_once("\"})")?;
        let token = pid.split(',').nth(1)?.trim();
        let mut state = self.state.lock().ok()?;
        let Some(topic) = state.topics.get(token).cloned() else {
            return Some(Err(format!("no page joined with the id {token}")));
        };
        *state.permits.entry((topic, event.to_owned())).or_default() += 1;
        drop(state);
        self.opened.notify_waiters();
        Some(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn events_of_a_synced_page_wait_for_their_sync() {
        let gates = Arc::new(SyncGates::default());
        let gate = gates.gate();
        let join = r#"["1","1","lv:phx-a","phx_join",{"params":{"_csrf_token":"TOKEN"}}]"#;
        assert!(gate(join).is_none());
        let event = |name: &str, value: &str| {
            serde_json::json!(["1", "2", "lv:phx-a", "event", {"type": "click", "event": name, "value": {"value": value}}])
                .to_string()
        };
        // Before the hook, nothing waits.
        assert!(gate(&event("validate", "")).is_none());
        assert!(gate(&event(
            "sandbox:eval",
            "attach_hook(socket, :sync, :handle_event, fn ...)"
        ))
        .is_none());
        assert!(gate(&event("ping", "")).is_none());
        let held = gate(&event("validate", "")).expect("held");
        let code = r#"send(IEx.Helpers.pid(0, TOKEN, 0), {:sync, "validate"}); nil"#;
        assert_eq!(gates.eval(code), Some(Ok(())));
        tokio::time::timeout(Duration::from_secs(1), held)
            .await
            .expect("released by its sync");
        assert!(gates.eval("1 + 1").is_none());
        let other = r#"send(IEx.Helpers.pid(0, OTHER, 0), {:sync, "save"}); nil"#;
        assert!(matches!(gates.eval(other), Some(Err(_))));
    }
}
