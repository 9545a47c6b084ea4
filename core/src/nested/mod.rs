//! Nested LiveViews: a view that renders another view (Phoenix's
//! `live_render`).
//!
//! A child view has its own state, its own channel (`lv:<id>`) on the same
//! socket and its own session, given by its parent. Put
//! `{live_render::<Child>("id")}` in the parent's template:
//!
//! * on the **dead render** the child is mounted (not connected) and its
//!   HTML is rendered inline, in a container carrying its id, its parent's
//!   id and (when sticky) its session token;
//! * once **connected** the container is rendered empty with the child's
//!   signed session token, and the official client joins the child on its
//!   own channel, naming the parent's id (`data-phx-parent-id`).
//!
//! The token names the child's view type, its parent, the session the
//! parent gave it and whether it is sticky or linked; it is verified like
//! a page's session token when the child joins.
//!
//! | option | Phoenix | effect |
//! | --- | --- | --- |
//! | [`ChildCall::session`] | `session: %{…}` | what the child's `mount` reads in [`Mount::session`](crate::Mount::session) |
//! | [`ChildCall::sticky`] | `sticky: true` | the child has no parent: it stays mounted, with its state, across live navigation of the page |
//! | [`ChildCall::container`] | `container: {:section, class: …}` | the container's tag and class |
//! | [`ChildCall::linked`] | `Process.link(socket.parent_pid)` in the child | a crash of the child crashes its parent too |
//!
//! # Messages
//!
//! A child sends its parent an info with
//! [`Command::send_parent`](crate::Command::send_parent) (decoded into the
//! parent's `Info`, as Phoenix's `send(socket.parent_pid, msg)`); a parent
//! sends a child an info with [`Command::send_child`](crate::Command::send_child).
//! Both are delivered by the socket after the sender's input is done.
//!
//! # Navigation
//!
//! A child's `push_patch` patches the page: the page's view runs
//! `handle_params` with the URL and the client is told, as Phoenix sends a
//! child's patch to the root view (a URL the page's view does not serve
//! crashes the child, as Phoenix raises). A child's `push_navigate` moves
//! the page; a sticky child stays mounted across it.
//!
//! # Lifetimes
//!
//! A child ends with its parent (however the parent ends: leave, navigation,
//! crash); its channel is closed (`phx_close`). A crash of a child ends the
//! child alone (`phx_error`; the client rejoins it) unless it is
//! [linked](ChildCall::linked). A sticky child ends only when the client
//! leaves it or the socket closes.

use crate::protocol::router::{join_view, JoinFn};
use crate::runtime::JoinInput;
use crate::template::{Dynamic, Html, ToDynamic};
use crate::time::Time;
use crate::view::{LiveView, Session, Url};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Renders the LiveView `C` as a child of the view being rendered, with
/// the DOM id `id` (unique on the page, as Phoenix requires). Put the
/// result in a template hole: `{live_render::<Player>("player").sticky()}`.
pub fn live_render<C: LiveView>(id: impl Into<String>) -> ChildCall {
    ChildCall {
        id: id.into(),
        view: std::any::type_name::<C>(),
        join: join_view::<C>,
        session: Session::default(),
        sticky: false,
        linked: false,
        tag: "div".into(),
        class: None,
    }
}

/// A child view in a parent's render ([`live_render`]). Renders as the
/// child's container.
#[derive(Clone)]
pub struct ChildCall {
    pub(crate) id: String,
    pub(crate) view: &'static str,
    pub(crate) join: JoinFn,
    pub(crate) session: Session,
    pub(crate) sticky: bool,
    pub(crate) linked: bool,
    pub(crate) tag: String,
    pub(crate) class: Option<String>,
}

impl fmt::Debug for ChildCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildCall")
            .field("id", &self.id)
            .field("view", &self.view)
            .field("sticky", &self.sticky)
            .finish()
    }
}

impl ChildCall {
    /// Adds `key: value` to the session the child's `mount` gets.
    ///
    /// # Panics
    /// If `value` does not serialize to JSON.
    pub fn session(mut self, key: impl Into<String>, value: impl serde::Serialize) -> ChildCall {
        let value = serde_json::to_value(value).expect("a child's session value must serialize");
        self.session.insert(key, value);
        self
    }

    /// The child has no parent: it keeps its state across live navigation
    /// (render it in a live layout, or in every view that shows it).
    pub fn sticky(mut self) -> ChildCall {
        self.sticky = true;
        self
    }

    /// A crash of the child crashes its parent too (and so the parent's
    /// other children), as an Elixir child that links to its parent.
    pub fn linked(mut self) -> ChildCall {
        self.linked = true;
        self
    }

    /// The container's tag (`div` by default) and, if given, its class.
    pub fn container(mut self, tag: &str, class: Option<&str>) -> ChildCall {
        assert!(
            !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "live_render: {tag:?} is not a tag name"
        );
        self.tag = tag.to_owned();
        self.class = class.map(str::to_owned);
        self
    }

    /// The child's DOM id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key a rendered container is cached under: everything it shows.
    fn cache_key(&self) -> String {
        let session = serde_json::to_string(&self.session).unwrap_or_default();
        format!(
            "{}\u{0}{session}\u{0}{}{}\u{0}{}\u{0}{}",
            self.view,
            self.sticky as u8,
            self.linked as u8,
            self.tag,
            self.class.as_deref().unwrap_or("")
        )
    }
}

impl ToDynamic for ChildCall {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Text(render_child(self))
    }

    /// Whether the container rendered last time is still this call's
    /// (asked of list entries a render may reuse; it renders nothing).
    fn same_as(&self, prev: &Dynamic) -> bool {
        let Dynamic::Text(prev) = prev else {
            return false;
        };
        let key = self.cache_key();
        SCOPES.with(|s| {
            s.borrow().last().is_some_and(|scope| {
                scope
                    .cache
                    .entries
                    .get(&self.id)
                    .is_some_and(|(k, html)| *k == key && html == prev)
            })
        })
    }
}

/// What a child's session token says ([`NestedHost::sign_child`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ChildToken {
    /// The child's DOM id (its topic is `lv:<id>`).
    pub id: String,
    /// The child's view type.
    pub view: String,
    /// The parent's DOM id; `None` for a sticky child.
    pub parent: Option<String>,
    /// The session the parent gave.
    pub session: Session,
    /// The URL of the page.
    pub url: String,
    /// A crash of the child crashes its parent.
    pub linked: bool,
}

/// What the app provides to render children: signing their tokens, and
/// knowing their views by name when they join.
/// [`App`](crate::protocol::App) implements it; a view gets it through
/// [`JoinInput::nested`](crate::runtime::JoinInput::nested).
pub trait NestedHost: Send + Sync {
    /// Signs the session token of a child rendered at `now`.
    fn sign_child(&self, now: Time, token: &ChildToken) -> String;
    /// Notes how to mount the view named `view` when a child of that type joins.
    fn register_child(&self, view: &'static str, join: JoinFn);
}

/// A view's place among nested views: how it renders its children.
#[derive(Clone)]
pub struct NestedCx {
    /// Signs and registers children.
    pub host: Arc<dyn NestedHost>,
    /// This view's DOM id (its children's `data-phx-parent-id`).
    pub id: String,
}

impl fmt::Debug for NestedCx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NestedCx").field("id", &self.id).finish()
    }
}

/// Two contexts are equal when they are for the same DOM id (the host is
/// the app's, one per process).
impl PartialEq for NestedCx {
    fn eq(&self, other: &NestedCx) -> bool {
        self.id == other.id
    }
}

/// The containers a view rendered for its children, by child id, so that
/// rendering them again sends nothing (their token is signed once).
#[derive(Default)]
pub(crate) struct ChildCache {
    entries: HashMap<String, (String, Html)>,
    /// The view's URL (what a child's token carries).
    url: Option<Url>,
}

impl ChildCache {
    /// Keeps the view's URL (copied only when it changed).
    pub(crate) fn set_url(&mut self, url: &Url) {
        if self.url.as_ref() != Some(url) {
            self.url = Some(url.clone());
        }
    }
}

/// The render in progress on this thread.
struct Scope {
    cx: Arc<NestedCx>,
    connected: bool,
    now: Time,
    cache: ChildCache,
    /// The children rendered in this pass (a repeated id is an error).
    seen: Vec<String>,
}

thread_local! {
    static SCOPES: RefCell<Vec<Scope>> = const { RefCell::new(Vec::new()) };
}

/// Runs `render` with children rendered for the view `cx` (a view's render,
/// or its components'). Returns the cache back with `render`'s result.
pub(crate) fn rendering<R>(
    cx: Arc<NestedCx>,
    connected: bool,
    now: Time,
    cache: ChildCache,
    render: impl FnOnce() -> R,
) -> (R, ChildCache) {
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            SCOPES.with(|s| s.borrow_mut().pop());
        }
    }
    SCOPES.with(|s| {
        s.borrow_mut().push(Scope {
            cx,
            connected,
            now,
            cache,
            seen: Vec::new(),
        })
    });
    let pop = Pop;
    let out = render();
    let cache = SCOPES.with(|s| {
        let mut s = s.borrow_mut();
        let top = s.last_mut().expect("the scope pushed above");
        std::mem::take(&mut top.cache)
    });
    drop(pop);
    (out, cache)
}

/// The container of `call`, for the view being rendered.
fn render_child(call: &ChildCall) -> Html {
    // Read what is needed and release the borrow: a dead render of the
    // child renders its own children (a scope of its own).
    let found = SCOPES.with(|s| {
        let mut s = s.borrow_mut();
        let scope = s.last_mut()?;
        if scope.seen.contains(&call.id) {
            drop(s);
            panic!(
                "live_render: two children with the id {:?} in one render; a child's id must be unique",
                call.id
            );
        }
        scope.seen.push(call.id.clone());
        let key = call.cache_key();
        if let Some((k, html)) = scope.cache.entries.get(&call.id) {
            if *k == key {
                return Some(Ok(html.clone()));
            }
        }
        let url = scope.cache.url.clone().unwrap_or_default();
        Some(Err((Arc::clone(&scope.cx), scope.connected, scope.now, url, key)))
    });
    let (cx, connected, now, url, key) = match found {
        None => panic!(
            "live_render::<{}> rendered outside a view mounted by an App (Router::mount or a socket's join)",
            call.view
        ),
        Some(Ok(html)) => return html,
        Some(Err(miss)) => miss,
    };
    cx.host.register_child(call.view, call.join);
    let token = ChildToken {
        id: call.id.clone(),
        view: call.view.to_owned(),
        parent: (!call.sticky).then(|| cx.id.clone()),
        session: call.session.clone(),
        url: url.to_string(),
        linked: call.linked,
    };
    let html = if connected {
        let signed = cx.host.sign_child(now, &token);
        Html::raw(container(call, &cx.id, &signed, ""))
    } else {
        // The dead render: the child's HTML inline. Phoenix gives a
        // non-sticky child its token only once the parent is connected
        // (the client joins it then); a sticky one joins on its own.
        let signed = if call.sticky {
            cx.host.sign_child(now, &token)
        } else {
            String::new()
        };
        let inner = dead_render(call, &cx, now, &url);
        Html::raw(container(call, &cx.id, &signed, &inner))
    };
    if connected {
        SCOPES.with(|s| {
            if let Some(scope) = s.borrow_mut().last_mut() {
                scope
                    .cache
                    .entries
                    .insert(call.id.clone(), (key, html.clone()));
            }
        });
    }
    html
}

/// Mounts the child disconnected and renders its HTML.
fn dead_render(call: &ChildCall, parent: &NestedCx, now: Time, url: &Url) -> String {
    let input = JoinInput {
        connected: false,
        url: url.clone(),
        session: call.session.clone(),
        nested: Some(NestedCx {
            host: Arc::clone(&parent.host),
            id: call.id.clone(),
        }),
        ..JoinInput::default()
    };
    match (call.join)(now, input) {
        Ok((mut view, _)) => {
            let html = view.render_html();
            view.stop();
            html
        }
        Err(nav) => panic!(
            "live_render::<{}>: a child's mount navigated ({nav:?}); only the page's view may",
            call.view
        ),
    }
}

/// The container element: `<tag id data-phx-session data-phx-static
/// data-phx-parent-id|data-phx-sticky class>inner</tag>`.
fn container(call: &ChildCall, parent_id: &str, token: &str, inner: &str) -> String {
    use crate::template::escape_into;
    let mut s = String::with_capacity(token.len() + inner.len() + 128);
    s.push('<');
    s.push_str(&call.tag);
    s.push_str(" id=\"");
    escape_into(&call.id, &mut s);
    s.push_str("\" data-phx-session=\"");
    escape_into(token, &mut s);
    s.push_str("\" data-phx-static=\"\"");
    if call.sticky {
        s.push_str(" data-phx-sticky=\"true\"");
    } else {
        s.push_str(" data-phx-parent-id=\"");
        escape_into(parent_id, &mut s);
        s.push('"');
    }
    if let Some(class) = &call.class {
        s.push_str(" class=\"");
        escape_into(class, &mut s);
        s.push('"');
    }
    s.push('>');
    s.push_str(inner);
    s.push_str("</");
    s.push_str(&call.tag);
    s.push('>');
    s
}

#[cfg(test)]
mod tests;
