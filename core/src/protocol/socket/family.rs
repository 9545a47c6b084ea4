//! A socket's parent and child views ([`crate::nested`]): the infos they
//! send each other, a child's patches (the page's view handles them), and
//! the parents that just navigated away.

use super::channel::{InfoRefused, Retire};
use super::guard::Crashed;
use super::outbox::nav_payload;
use super::{SocketMachine, SocketOutput, MAIL_BUDGET};
use crate::protocol::frame;
use crate::runtime::Navigation;
use crate::time::Time;
use crate::view::Url;
use serde_json::Value;

/// An info from one view of the socket to its parent or child.
pub(super) struct Mail {
    pub(super) to: String,
    pub(super) from: String,
    pub(super) to_parent: bool,
    pub(super) info: Value,
}

impl SocketMachine {
    /// Notes that the view on `topic` ended by navigating away: a child
    /// joining it now is told `parent_redirect` (the client retries the
    /// child as it follows the navigation) rather than `stale` (a reload).
    pub(super) fn navigated_away(&mut self, topic: &str) {
        if self.navigated.len() >= 16 {
            self.navigated.remove(0);
        }
        self.navigated.push(topic.to_owned());
    }

    /// A view's patch: a `live_patch` push on its topic, or, from a child
    /// with a parent, handed to the page's view (Phoenix sends a child's
    /// `push_patch` to the root view).
    pub(super) fn send_patch(
        &mut self,
        now: Time,
        jr: Option<&str>,
        topic: &str,
        nav: &Navigation,
    ) {
        let child = self
            .channels
            .get(topic)
            .is_some_and(|c| c.view().parent.is_some());
        if child {
            self.patches.push_back((topic.to_owned(), nav.clone()));
        } else {
            let (event, obj) = nav_payload(&self.app, now, nav);
            self.outbox
                .send(frame::encode_push(jr, None, topic, event, &obj));
        }
    }

    /// The page's view handles a child's patch: its `handle_params` runs
    /// with the URL, and the client is told (`live_patch`, then the diff).
    /// A URL the page's view does not serve crashes the child, as Phoenix
    /// raises in the child.
    fn patch_root(&mut self, now: Time, from: &str, nav: Navigation) {
        let Navigation::Patch { to, replace } = &nav else {
            return;
        };
        let mut root = from.to_owned();
        while let Some(parent) = self
            .channels
            .get(&root)
            .and_then(|c| c.view().parent.clone())
        {
            root = parent;
        }
        let Some(ch) = self.channels.get(&root) else {
            return;
        };
        let url = Url::parse(to).ok();
        let served = url.as_ref().is_some_and(|u| {
            self.app
                .router
                .live_patch(ch.view().route, u.path())
                .is_some()
        });
        let (Some(url), true) = (url, served) else {
            return self.retire(now, from, Retire::Crash);
        };
        let jr = ch.join_ref.clone();
        let result = match self.channels.get_mut(&root) {
            Some(ch) => ch.view_mut().view.call(|v| v.handle_params(now, url)),
            None => return,
        };
        match result {
            Err(Crashed) => self.retire(now, &root, Retire::Crash),
            Ok(Err(_)) => self.drain(now, &root),
            Ok(Ok(reply)) => {
                let jr = jr.as_deref();
                let patch = Navigation::Patch {
                    to: to.clone(),
                    replace: *replace,
                };
                let (event, obj) = nav_payload(&self.app, now, &patch);
                self.outbox
                    .send(frame::encode_push(jr, None, &root, event, &obj));
                if let Some(nav) = &reply.navigation {
                    let (event, obj) = nav_payload(&self.app, now, nav);
                    self.outbox
                        .send(frame::encode_push(jr, None, &root, event, &obj));
                }
                if let Some(d) = &reply.diff {
                    self.outbox
                        .send(frame::encode_push(jr, None, &root, "diff", d));
                }
                match reply.navigation {
                    Some(Navigation::Patch { .. }) | None => self.drain(now, &root),
                    Some(_) => {
                        self.navigated_away(&root);
                        self.retire(now, &root, Retire::Close)
                    }
                }
            }
        }
    }

    /// Delivers the infos views sent their parents and children, in order
    /// (at most [`MAIL_BUDGET`] per input: views that keep messaging each
    /// other get the rest on the next `handle_timeout`). Only the outermost
    /// call delivers; the drains it causes queue more.
    pub(super) fn deliver_mail(&mut self, now: Time) {
        if self.delivering {
            return;
        }
        self.delivering = true;
        let mut budget = MAIL_BUDGET;
        while budget > 0 {
            // Children's patches first: they were asked for before the mail
            // that their handling may send.
            if let Some((from, nav)) = self.patches.pop_front() {
                budget -= 1;
                self.patch_root(now, &from, nav);
                continue;
            }
            let Some(Mail {
                to,
                from,
                to_parent,
                info,
            }) = self.mail.pop_front()
            else {
                break;
            };
            budget -= 1;
            // A parent is the one its child's channel names; a child must
            // be the sender's own.
            let allowed = self
                .channels
                .get(&to)
                .is_some_and(|ch| to_parent || ch.view().parent.as_deref() == Some(from.as_str()));
            let result = match self.channels.get_mut(&to) {
                Some(ch) if allowed => ch.view_mut().view.call(|v| v.handle_info_value(now, &info)),
                _ => {
                    self.outbox.out.push_back(SocketOutput::Dropped {
                        topic: from,
                        reason: format!(
                            "no view {} related to the sender is joined",
                            frame::json_str(&to)
                        ),
                    });
                    continue;
                }
            };
            if let Err(InfoRefused::Undecodable(reason)) = self.finish_info(now, &to, result) {
                self.outbox
                    .out
                    .push_back(SocketOutput::Dropped { topic: to, reason });
            }
        }
        self.delivering = false;
    }
}
