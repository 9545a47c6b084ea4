//! A view's held reply ([`Command::HoldReply`](crate::Command::HoldReply)):
//! the reply to an event waits for one of the view's tasks; the frames the
//! view makes meanwhile follow it, and the client's later pushes for the
//! view wait for it.

use super::outbox::Ref;
use super::SocketMachine;
use crate::time::Time;

/// A reply held until a task of its view ends, and the frames the view
/// produced meanwhile: they follow the reply, so the client applies the
/// view's diffs in the order they were made.
pub(super) struct Held {
    pub(super) join_ref: Option<String>,
    pub(super) reference: Option<String>,
    pub(super) diff: Option<String>,
    /// The task, by its id in the view.
    pub(super) task: u64,
    pub(super) frames: Vec<String>,
}

impl SocketMachine {
    /// Whether the view on `topic` holds a reply (its pushes wait).
    pub(super) fn holds(&self, topic: &str) -> bool {
        self.channels
            .get(topic)
            .is_some_and(|ch| ch.view().held.is_some())
    }

    /// Sends the reply the view on `topic` held for its task `task`, then
    /// handles the pushes that waited for it, in order.
    pub(super) fn release_held(&mut self, now: Time, topic: &str, task: u64) {
        for text in self.send_held_reply(topic, task) {
            self.handle_text(now, &text);
        }
    }

    /// Sends the reply the view on `topic` held for its task `task` (and
    /// the frames that followed it); returns the pushes that waited for it.
    pub(super) fn send_held_reply(&mut self, topic: &str, task: u64) -> Vec<String> {
        let Some(ch) = self.channels.get_mut(topic) else {
            return Vec::new();
        };
        let vc = ch.view_mut();
        if vc.held.as_ref().is_none_or(|h| h.task != task) {
            return Vec::new();
        }
        let Some(held) = vc.held.take() else {
            return Vec::new();
        };
        let waiting = std::mem::take(&mut vc.waiting);
        self.send_held(topic, held);
        waiting.into()
    }

    /// A held reply, then the frames that waited for it.
    pub(super) fn send_held(&mut self, topic: &str, held: Held) {
        let r = Ref {
            join_ref: held.join_ref.as_deref(),
            reference: held.reference.as_deref(),
            topic,
        };
        self.outbox.reply_diff(&r, held.diff.as_deref());
        for f in held.frames {
            self.outbox.send(f);
        }
    }
}
