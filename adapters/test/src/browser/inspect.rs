//! What a test looks at on a page: its views (the page's and its
//! children's), the HTML the client shows checked against the servers'
//! renders, title, flash, what the views produced, traces.

use super::children::Child;
use super::{check, Page};
use crate::TestError;
use liveview_core::runtime::AnyView;
use liveview_core::trace::{MemorySink, TraceLine, TraceOutput};
use liveview_core::view::Flash;
use serde_json::Value;
use std::sync::Arc;

impl Page {
    /// The joined view, while it lives.
    pub(crate) fn view(&self) -> Option<&dyn AnyView> {
        let s = self.socket.as_ref()?;
        s.machine.view(&s.topic)
    }

    /// Whether the page has a socket (not a dead render).
    pub(crate) fn connected(&self) -> bool {
        self.socket.is_some()
    }

    /// The oldest message waiting in the page's mailbox (its publish order).
    pub(crate) fn inbox_head(&self) -> Option<u64> {
        self.socket.as_ref().and_then(|s| s.inbox.head())
    }

    /// Takes the oldest waiting pub/sub message.
    pub(crate) fn inbox_pop(&self) -> Option<(Arc<str>, Arc<Value>)> {
        self.socket.as_ref().and_then(|s| s.inbox.pop())
    }

    /// Whether the page's mailbox overflowed.
    pub(crate) fn overflowed(&self) -> bool {
        self.socket.as_ref().is_some_and(|s| s.inbox.overflowed())
    }

    /// Takes an unreported crash.
    pub(crate) fn take_crash(&mut self) -> bool {
        std::mem::take(&mut self.crashed)
    }

    /// The server's render while the view lives; else what the client
    /// shows; for a dead render, the page's HTML. Child views show inside
    /// their containers.
    pub(crate) fn html(&self) -> String {
        self.html_of(None)
    }

    /// [`html`](Self::html) of the page (`None`) or of its child view `id`.
    pub(crate) fn html_of(&self, target: Option<&str>) -> String {
        let server = |c: &Child| {
            let s = self.socket.as_ref()?;
            Some(s.machine.view(&c.topic)?.render_html())
        };
        if let Some(id) = target {
            let own = self.child(id).and_then(server).unwrap_or_default();
            return self.compose_child(own, &server);
        }
        if let Some(v) = self.view() {
            return self.compose(v.render_html(), &server);
        }
        match self.client.html() {
            Some(Ok(html)) => html,
            _ => self.loaded.html.clone(),
        }
    }

    /// The HTML of the page or its child `target`, after checking that the
    /// client's page is the server's render, for the page's view and each
    /// of its children.
    pub(crate) fn checked_html_of(&self, target: Option<&str>) -> Result<String, TestError> {
        let Some(view) = self.view() else {
            return Ok(self.html_of(target));
        };
        // A view whose reply is held has rendered what the client gets with it.
        let holds = |topic: &str| self.held_replies.iter().any(|(t, _)| t == topic);
        if let Some(s) = self.socket.as_ref() {
            if !holds(&s.topic) {
                check(&self.client, view.render_html())?;
            }
            for c in self.children.iter().filter(|c| c.live_now()) {
                if let Some(v) = s.machine.view(&c.topic).filter(|_| !holds(&c.topic)) {
                    check(&c.client, v.render_html())?;
                }
            }
        }
        Ok(self.html_of(target))
    }

    /// The joined view (`None`) or child view, while it lives.
    pub(crate) fn view_of(&self, target: Option<&str>) -> Option<&dyn AnyView> {
        match target {
            None => self.view(),
            Some(id) => {
                let s = self.socket.as_ref()?;
                s.machine.view(&self.child(id)?.topic)
            }
        }
    }

    /// The page title: the view's last, or the dead render's.
    pub(crate) fn title(&self) -> Option<String> {
        match &self.socket {
            Some(_) => self.client.title.clone(),
            None => self.loaded.title.clone(),
        }
    }

    /// The view's flash (see [`LiveViewTest::flash`](crate::LiveViewTest::flash)).
    pub(crate) fn flash(&self) -> Flash {
        if self.client.flash.is_empty() {
            if let Some(f) = self.flash_of.and_then(|f| f(self.view()?.as_any())) {
                return f;
            }
        }
        self.client.flash.clone()
    }

    /// Everything the page's views produced, from their traces (idle polls left out).
    pub(crate) fn produced(&self) -> Vec<TraceOutput> {
        let mut out = Vec::new();
        for sink in &self.sinks {
            for line in sink.lines().iter().skip(1) {
                if let Ok(TraceLine::Output(o)) = TraceLine::parse(line) {
                    if o != TraceOutput::Idle {
                        out.push(o);
                    }
                }
            }
        }
        out
    }

    /// The trace of the page's current view (`None`) or of its child
    /// `target`, when recording: the last one whose join names its DOM id.
    pub(crate) fn trace_of(&self, target: Option<&str>) -> Option<String> {
        if !self.record {
            return None;
        }
        let id = target.unwrap_or(&self.loaded.id);
        let named = |sink: &&MemorySink| {
            sink.lines().get(1).is_some_and(|line| {
                matches!(TraceLine::parse(line), Ok(TraceLine::Input(ref i)) if i.dom_id() == Some(id))
            })
        };
        self.sinks
            .iter()
            .rev()
            .find(named)
            .or_else(|| target.is_none().then(|| self.sinks.last()).flatten())
            .map(MemorySink::text)
    }
}
