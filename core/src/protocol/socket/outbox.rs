//! The socket's outbound side: the queue of [`SocketOutput`]s, replies
//! addressed by [`Ref`], navigation frames, and the per-topic subscription
//! counts that turn many views' subscriptions into one per socket.

use super::SocketOutput;
use crate::protocol::auth;
use crate::protocol::frame::{self, Status};
use crate::protocol::App;
use crate::runtime::Navigation;
use crate::small_map::{SmallMap, SmallSet};
use crate::time::Time;
use crate::view::Flash;
use std::collections::VecDeque;

/// The outbound side: frames and pub/sub requests, and the per-topic
/// subscription counts.
#[derive(Default)]
pub(super) struct Outbox {
    pub(super) out: VecDeque<SocketOutput>,
    /// Topic → how many of this socket's views are subscribed to it.
    pub(super) subscriptions: SmallMap<String, usize>,
}

impl Outbox {
    pub(super) fn send(&mut self, text: String) {
        self.out.push_back(SocketOutput::Send(text));
    }

    pub(super) fn reply(&mut self, f: &Ref<'_>, status: Status, response: &str) {
        self.send(frame::encode_reply(
            f.join_ref,
            f.reference,
            f.topic,
            status,
            response,
        ));
    }

    /// The reply to an event or a live patch: `{"diff": …}`, or `{}` without a diff.
    pub(super) fn reply_diff(&mut self, f: &Ref<'_>, diff: Option<&str>) {
        self.send(match diff {
            Some(d) => frame::encode_ok_reply_parts(
                f.join_ref,
                f.reference,
                f.topic,
                &["{\"diff\":", d, "}"],
            ),
            None => frame::encode_reply(f.join_ref, f.reference, f.topic, Status::Ok, "{}"),
        });
    }

    pub(super) fn error(&mut self, f: &Ref<'_>, reason: &str) {
        self.send(frame::encode_error_reply(
            f.join_ref,
            f.reference,
            f.topic,
            reason,
        ));
    }

    /// One more holder of `topic` (a view, or the socket itself for a
    /// `live_socket_id`); the first asks the adapter to subscribe.
    pub(super) fn acquire(&mut self, topic: String) {
        let n = self.subscriptions.get_or_insert_with(topic.clone(), || 0);
        *n += 1;
        if *n == 1 {
            self.out.push_back(SocketOutput::Subscribe(topic));
        }
    }

    /// A view (whose subscriptions are `subs`) subscribes to `topic`; the
    /// socket asks the adapter only for the first view on a topic.
    pub(super) fn subscribe(&mut self, subs: &mut SmallSet<String>, topic: String) {
        if subs.insert(topic.clone()) {
            self.acquire(topic);
        }
    }

    /// A view unsubscribes from `topic`; the socket lets go of it with the last view.
    pub(super) fn unsubscribe(&mut self, subs: &mut SmallSet<String>, topic: &str) {
        if subs.remove(topic) {
            self.release(topic);
        }
    }

    /// One holder of `topic` fewer; the last lets the adapter unsubscribe.
    pub(super) fn release(&mut self, topic: &str) {
        if let Some(n) = self.subscriptions.get_mut(topic) {
            *n -= 1;
            if *n == 0 {
                self.subscriptions.remove(topic);
                self.out
                    .push_back(SocketOutput::Unsubscribe(topic.to_owned()));
            }
        }
    }
}

/// The address of a push, for its reply.
#[derive(Clone, Copy)]
pub(super) struct Ref<'a> {
    pub(super) join_ref: Option<&'a str>,
    pub(super) reference: Option<&'a str>,
    pub(super) topic: &'a str,
}

fn kind(replace: bool) -> &'static str {
    if replace {
        "replace"
    } else {
        "push"
    }
}

/// `{"to":…,"kind":…}` (+ `"flash"` when `flash` is given).
fn nav_object(to: &str, kind: Option<&str>, flash: Option<&str>) -> String {
    let mut s = String::with_capacity(to.len() + 64);
    s.push_str("{\"to\":");
    frame::write_json_str(&mut s, to);
    if let Some(k) = kind {
        s.push_str(",\"kind\":");
        frame::write_json_str(&mut s, k);
    }
    if let Some(f) = flash {
        s.push_str(",\"flash\":");
        frame::write_json_str(&mut s, f);
    }
    s.push('}');
    s
}

/// A navigation as the event name and object the client expects
/// (`live_patch`, `live_redirect`, `redirect`).
pub(super) fn nav_payload(app: &App, now: Time, nav: &Navigation) -> (&'static str, String) {
    let flash_token = |f: &Flash| (!f.is_empty()).then(|| auth::sign_flash(&app.config, now, f));
    match nav {
        Navigation::Patch { to, replace } => {
            ("live_patch", nav_object(to, Some(kind(*replace)), None))
        }
        Navigation::Navigate { to, replace, flash } => (
            "live_redirect",
            nav_object(to, Some(kind(*replace)), flash_token(flash).as_deref()),
        ),
        Navigation::Redirect { to, flash } => (
            "redirect",
            nav_object(to, None, flash_token(flash).as_deref()),
        ),
    }
}
