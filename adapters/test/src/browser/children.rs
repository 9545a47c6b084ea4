//! The page's child views ([`liveview_core::nested`]), as the official
//! client handles them: after every exchange the page looks for child
//! containers its views show (`data-phx-session` with a token, and
//! `data-phx-parent-id` or `data-phx-sticky`), joins the new ones on its
//! socket, leaves those whose container went away (a sticky child stays),
//! forgets those the server closed and rejoins those that crashed. The
//! page's HTML shows each child's HTML inside its container.

use super::{Answer, Page};
use crate::client::{self, ClientModel, Frame, JoinParams};
use crate::dom;
use crate::world::Env;
use crate::TestError;
use serde_json::Value;

/// How many times a child is joined in a row before the page gives up on
/// it (the client's `maxChildJoinTries` default).
const MAX_JOINS: u32 = 5;

/// A child view joined on the page's socket.
pub(crate) struct Child {
    /// Its DOM id.
    pub(crate) id: String,
    pub(crate) topic: String,
    pub(crate) join_ref: String,
    /// The token of its container.
    token: String,
    /// What the client shows of it.
    pub(crate) client: ClientModel,
    sticky: bool,
    /// Joins since it last joined successfully.
    attempts: u32,
    /// Joined and not ended.
    live: bool,
    /// The server closed it, or the page gave up on it.
    gone: bool,
}

impl Child {
    /// Joined and not ended.
    pub(crate) fn live_now(&self) -> bool {
        self.live
    }
}

impl Page {
    /// The children the page's views show containers for: (id, token, sticky).
    fn wanted_children(&self) -> Vec<(String, String, bool)> {
        let mut htmls = Vec::new();
        if let Some(Ok(h)) = self.client.html() {
            htmls.push(h);
        }
        for c in &self.children {
            if let Some(Ok(h)) = c.client.html() {
                htmls.push(h);
            }
        }
        let mut wanted = Vec::new();
        for html in htmls {
            let doc = dom::parse(&html);
            for el in dom::all(&doc, "[data-phx-session]").unwrap_or_default() {
                let (Some(id), Some(token)) = (el.attr("id"), el.attr("data-phx-session")) else {
                    continue;
                };
                let sticky = el.attr("data-phx-sticky").is_some();
                if token.is_empty() || (!sticky && el.attr("data-phx-parent-id").is_none()) {
                    continue;
                }
                if !wanted
                    .iter()
                    .any(|(w, _, _): &(String, String, bool)| w == id)
                {
                    wanted.push((id.to_owned(), token.to_owned(), sticky));
                }
            }
        }
        wanted
    }

    /// Joins, leaves and rejoins children until the page's views and its
    /// children agree (a child may render children of its own).
    pub(super) fn sync_children(&mut self, env: &mut Env) -> Result<(), TestError> {
        let joined = self.socket.as_ref().is_some_and(|s| !s.join_ref.is_empty());
        if self.syncing || !joined || self.ended.is_some() {
            return Ok(());
        }
        self.syncing = true;
        let result = self.sync_children_now(env);
        self.syncing = false;
        result
    }

    fn sync_children_now(&mut self, env: &mut Env) -> Result<(), TestError> {
        // Each round joins or leaves at least one child, or stops.
        for _ in 0..liveview_core::protocol::socket::MAX_CHANNELS * 4 {
            self.children.retain(|c| !c.gone);
            let wanted = self.wanted_children();
            // Leave children whose container is gone (a sticky one stays
            // on the page, as the client moves it into the next view).
            let left = self
                .children
                .iter()
                .position(|c| c.live && !c.sticky && !wanted.iter().any(|(id, _, _)| *id == c.id));
            if let Some(i) = left {
                let c = self.children.remove(i);
                let Some(s) = self.socket.as_mut() else {
                    return Ok(());
                };
                let reference = s.next_ref();
                s.machine
                    .handle_text(env.clock, &client::leave(&c.join_ref, &reference, &c.topic));
                self.pump_frames(env, Some(&reference))?;
                continue;
            }
            let next = wanted.into_iter().find_map(|(id, token, sticky)| {
                match self.children.iter().position(|c| c.id == id) {
                    None => Some((id, token, sticky)),
                    Some(i) => {
                        let c = &self.children[i];
                        // A new token is a new child (its parent rendered it again).
                        let retry = c.attempts < MAX_JOINS || c.token != token;
                        (!c.live && retry).then_some((id, token, sticky))
                    }
                }
            });
            let Some((id, token, sticky)) = next else {
                return Ok(());
            };
            let i = match self.children.iter().position(|c| c.id == id) {
                Some(i) => {
                    if self.children[i].token != token {
                        self.children[i].attempts = 0;
                        self.children[i].token = token;
                    }
                    i
                }
                None => {
                    self.children.push(Child {
                        topic: format!("lv:{id}"),
                        id,
                        join_ref: String::new(),
                        token,
                        client: ClientModel::default(),
                        sticky,
                        attempts: 0,
                        live: false,
                        gone: false,
                    });
                    self.children.len() - 1
                }
            };
            self.join_child(env, i)?;
        }
        Err(TestError::Other(
            "the page's child views did not settle (children joined and left in a loop)".into(),
        ))
    }

    /// Joins child `i` with its container's token.
    fn join_child(&mut self, env: &mut Env, i: usize) -> Result<(), TestError> {
        let Some(s) = self.socket.as_mut() else {
            return Ok(());
        };
        let reference = s.next_ref();
        let c = &mut self.children[i];
        c.attempts += 1;
        c.join_ref = reference.clone();
        let frame = client::join(
            &reference,
            &c.topic,
            &JoinParams {
                csrf: &self.loaded.csrf,
                session: &c.token,
                statics: "",
                url: "",
                redirect: false,
            },
        );
        s.machine.handle_text(env.clock, &frame);
        let topic = c.topic.clone();
        match self.pump_frames(env, Some(&reference))? {
            Answer::Ok => {}
            Answer::Navigated(nav) => self.record_navigation(nav),
            // Retried (up to MAX_JOINS) on the next round.
            Answer::Refused(reason) => self.child_failures.push(format!("{topic}: {reason}")),
            Answer::None | Answer::LinkRedirect => {}
        }
        Ok(())
    }

    /// A frame on a child's topic; the answer when it is the awaited reply.
    pub(super) fn on_child_frame(
        &mut self,
        env: &Env,
        f: Frame,
        awaited: Option<&str>,
    ) -> Option<Answer> {
        let i = self.children.iter().position(|c| c.topic == f.topic)?;
        if f.event == "phx_reply" {
            let held = self.take_held_reply(&f);
            if !held && (awaited.is_none() || f.reference.as_deref() != awaited) {
                return None;
            }
            let response = f.payload.get("response").cloned().unwrap_or_default();
            if !held {
                self.last_response = Some(response.clone());
            }
            if f.payload.get("status").and_then(Value::as_str) != Some("ok") {
                let answer = self.on_error(env, &response);
                return (!held).then_some(answer);
            }
            let c = &mut self.children[i];
            if let Some(rendered) = response.get("rendered") {
                c.client = ClientModel::default();
                c.client.joined(rendered);
                c.live = true;
                c.attempts = 0;
            }
            if let Some(diff) = response.get("diff") {
                c.client.diff(diff);
            }
            for key in ["live_patch", "live_redirect", "redirect"] {
                if let Some(obj) = response.get(key) {
                    self.navigated(env, key, obj);
                }
            }
            return (!held).then_some(Answer::Ok);
        }
        if f.join_ref.as_deref() != Some(self.children[i].join_ref.as_str()) {
            return None;
        }
        match f.event.as_str() {
            "diff" => self.children[i].client.diff(&f.payload),
            "live_patch" | "live_redirect" | "redirect" => {
                self.navigated(env, &f.event, &f.payload)
            }
            "phx_close" => {
                let c = &mut self.children[i];
                c.live = false;
                c.gone = true;
            }
            "phx_error" => {
                // The client rejoins it; the test hears of the crash.
                self.children[i].live = false;
                self.crashed = true;
            }
            _ => {}
        }
        None
    }

    /// The ids of the live children, in the order they joined.
    pub(crate) fn child_ids(&self) -> Vec<String> {
        self.children
            .iter()
            .filter(|c| c.live)
            .map(|c| c.id.clone())
            .collect()
    }

    /// The child `id`, if the page has joined it.
    pub(crate) fn child(&self, id: &str) -> Option<&Child> {
        self.children.iter().find(|c| c.id == id && c.live)
    }

    /// Whether `c`'s container is in another child's HTML (it is composed there).
    fn children_contain(&self, c: &Child) -> bool {
        let key = format!(" id=\"{}\" data-phx-session=\"", c.id);
        self.children.iter().any(|o| {
            o.id != c.id
                && o.client
                    .html()
                    .and_then(Result::ok)
                    .is_some_and(|h| h.contains(&key))
        })
    }

    /// `html` with each live child's HTML (`html_of`) inside its container.
    pub(super) fn compose(
        &self,
        html: String,
        html_of: &dyn Fn(&Child) -> Option<String>,
    ) -> String {
        self.compose_at(html, html_of, true)
    }

    /// [`compose`](Self::compose) for a child's own HTML.
    pub(super) fn compose_child(
        &self,
        html: String,
        html_of: &dyn Fn(&Child) -> Option<String>,
    ) -> String {
        self.compose_at(html, html_of, false)
    }

    /// [`compose`](Self::compose); `top` for the page's own HTML, where
    /// sticky children without a container go.
    fn compose_at(
        &self,
        html: String,
        html_of: &dyn Fn(&Child) -> Option<String>,
        top: bool,
    ) -> String {
        let mut out = html;
        for c in self.children.iter().filter(|c| c.live) {
            let key = format!(" id=\"{}\" data-phx-session=\"", c.id);
            let Some(at) = out.find(&key) else {
                // A sticky child whose container the view does not render:
                // the client keeps it, at the end of the page.
                if top && c.sticky && !self.children_contain(c) {
                    if let Some(inner) = html_of(c) {
                        out.push_str(&self.compose_at(inner, html_of, false));
                    }
                }
                continue;
            };
            let Some(end) = out[at..].find('>').map(|e| at + e + 1) else {
                continue;
            };
            let Some(inner) = html_of(c) else { continue };
            // A connected render leaves the container empty.
            if out[end..].starts_with("</") {
                let inner = self.compose_at(inner, html_of, false);
                out.insert_str(end, &inner);
            }
        }
        out
    }
}
