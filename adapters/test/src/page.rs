//! [`LiveViewTest`]: a handle on one simulated browser page, to drive it
//! like a user (clicks, forms, keys, patches) and look at what it shows.

use crate::app::to_json;
use crate::dom;
use crate::world::World;
use crate::TestError;
use liveview_core::component::{ComponentInfo, LiveComponent};
use liveview_core::event::{ClientEvent, EventValue};
use liveview_core::runtime::{Navigation, ViewDriver};
use liveview_core::stream::StreamItem;
use liveview_core::trace::TraceOutput;
use liveview_core::view::{ComponentRef, Flash};
use liveview_core::{LiveView, Time};
use serde::Serialize;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// A handle on one simulated page: its view, joined over a socket machine
/// (or only dead-rendered), for driving it like a browser would and
/// inspecting what it rendered and produced.
///
/// Every action sends what the official client sends, applies the server's
/// answers, delivers the pub/sub messages and runs the timers they cause
/// before it returns; actions return the page's HTML afterwards.
pub struct LiveViewTest {
    world: Rc<RefCell<World>>,
    id: usize,
    /// A child view of the page ([`LiveViewTest::live_child`]): its DOM id.
    child: Option<String>,
}

/// Which key event.
#[derive(Clone, Copy)]
enum KeyKind {
    Up,
    Down,
}

impl LiveViewTest {
    pub(crate) fn new(world: Rc<RefCell<World>>, id: usize) -> LiveViewTest {
        LiveViewTest {
            world,
            id,
            child: None,
        }
    }

    /// The child view this handle drives (`None`: the page's view).
    pub(crate) fn scope(&self) -> Option<&str> {
        self.child.as_deref()
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&crate::browser::Page) -> T) -> T {
        f(&self.world.borrow().pages[self.id])
    }

    /// Runs `f` on this page with the shared environment, then settles the app.
    pub(crate) fn act(
        &self,
        f: impl FnOnce(&mut crate::browser::Page, &mut crate::world::Env) -> Result<(), TestError>,
    ) -> Result<String, TestError> {
        {
            let mut world = self.world.borrow_mut();
            let World { env, pages } = &mut *world;
            let done = f(&mut pages[self.id], env);
            match (done, world.settle()) {
                // A crash says more than the error reply it caused.
                (_, Err(e @ TestError::Crashed { .. })) | (Err(e), _) | (Ok(()), Err(e)) => {
                    return Err(e)
                }
                (Ok(()), Ok(())) => {}
            }
        }
        self.page()
    }

    /// The current HTML of the view (the server's render, with the stream
    /// items the client shows; once the view has ended, the page the client
    /// last showed).
    ///
    /// Every action and inspection that returns a `Result` also checks that
    /// the client's page — the join's rendered tree with every diff merged in
    /// as the official client merges them — is exactly this HTML, and fails
    /// with [`TestError::DiffMismatch`] otherwise.
    pub fn render(&self) -> String {
        self.with(|p| p.html_of(self.child.as_deref()))
    }

    /// The current HTML, after checking that the client's merge of every
    /// diff sent so far gives exactly the server's render.
    pub(crate) fn page(&self) -> Result<String, TestError> {
        self.with(|p| p.checked_html_of(self.child.as_deref()))
    }

    /// The URL the page is at (after live patches and navigation).
    pub fn url(&self) -> String {
        self.with(|p| p.url.to_string())
    }

    /// The virtual clock.
    pub fn now(&self) -> Time {
        self.world.borrow().env.clock
    }

    pub(crate) fn live(&self) -> Result<(), TestError> {
        self.with(|p| {
            if !p.connected() {
                return Err(TestError::NotConnected);
            }
            match (&p.ended, &self.child) {
                (Some(how), _) => Err(TestError::Ended { how: how.clone() }),
                (None, Some(id)) if p.child(id).is_none() => {
                    Err(TestError::NoChild { id: id.clone() })
                }
                (None, _) => Ok(()),
            }
        })
    }

    /// Sends a client event and processes the reply and every output it causes.
    fn send(&self, event: ClientEvent) -> Result<String, TestError> {
        self.send_to(self.child.as_deref(), event)
    }

    /// Sends a client event to the page's view (`None`) or one of its children.
    fn send_to(&self, target: Option<&str>, event: ClientEvent) -> Result<String, TestError> {
        self.live()?;
        self.act(|page, env| page.push_event(env, target, event))
    }

    fn element_event(
        &self,
        sel: &str,
        attr: &str,
        kind: &str,
        extra: Map<String, Value>,
    ) -> Result<String, TestError> {
        self.live()?;
        let html = self.page()?;
        let doc = dom::parse(&html);
        let el = dom::one(&doc, sel, &html)?;
        let pushes = dom::binding(&el, attr, sel)?;
        let mut events = Vec::new();
        for push in pushes {
            let mut value = extra.clone();
            value.extend(dom::event_meta(&el));
            value.extend(push.value);
            let target = push
                .target
                .or_else(|| el.attr("phx-target").map(str::to_owned));
            let cid = dom::target_cid(&doc, target.as_deref(), &html)?;
            events.push(ClientEvent {
                kind: kind.to_owned(),
                name: push.event,
                value: EventValue::Json(Value::Object(value)),
                meta: Map::new(),
                cid,
                uploads: None,
            });
        }
        // The event goes to the view the element is in (a child view's
        // container holds the child's elements).
        let owner = dom::owner_view(&el).or_else(|| self.child.clone());
        let mut out = html;
        for e in events {
            out = self.send_to(owner.as_deref(), e)?;
        }
        Ok(out)
    }

    /// Clicks the element `sel` matches: reads its `phx-click` (an event name or
    /// a JS command with `push`) and sends what the official client sends — a
    /// value map of its `phx-value-*` attributes (strings) plus `value` when the
    /// element has a value property (`""` for a button).
    pub fn click(&self, sel: &str) -> Result<String, TestError> {
        self.element_event(sel, "phx-click", "click", Map::new())
    }

    /// A `keyup` on `sel` (its `phx-keyup`, or `phx-window-keyup`), with `key`.
    /// An element with `phx-key` only reacts to that key, as in the browser:
    /// other keys send nothing.
    pub fn keyup(&self, sel: &str, key: &str) -> Result<String, TestError> {
        self.key(sel, key, KeyKind::Up)
    }

    /// A `keydown` on `sel` (its `phx-keydown`, or `phx-window-keydown`), with `key`.
    pub fn keydown(&self, sel: &str, key: &str) -> Result<String, TestError> {
        self.key(sel, key, KeyKind::Down)
    }

    fn key(&self, sel: &str, key: &str, kind: KeyKind) -> Result<String, TestError> {
        let (kind, attr, window) = match kind {
            KeyKind::Up => ("keyup", "phx-keyup", "phx-window-keyup"),
            KeyKind::Down => ("keydown", "phx-keydown", "phx-window-keydown"),
        };
        let html = self.page()?;
        let doc = dom::parse(&html);
        let el = dom::one(&doc, sel, &html)?;
        let attr = if el.attr(attr).is_none() && el.attr(window).is_some() {
            window
        } else {
            attr
        };
        if let Some(only) = el.attr("phx-key") {
            if !only.eq_ignore_ascii_case(key) {
                return Ok(html);
            }
        }
        let mut extra = Map::new();
        extra.insert("key".into(), Value::String(key.to_owned()));
        self.element_event(sel, attr, kind, extra)
    }

    /// A `focus` on `sel` (its `phx-focus`).
    pub fn focus(&self, sel: &str) -> Result<String, TestError> {
        self.element_event(sel, "phx-focus", "focus", Map::new())
    }

    /// A `blur` on `sel` (its `phx-blur`).
    pub fn blur(&self, sel: &str) -> Result<String, TestError> {
        self.element_event(sel, "phx-blur", "blur", Map::new())
    }

    /// Submits the form `sel` matches (its `phx-submit`), with its current
    /// values from the HTML and `fields` put over them, urlencoded as the
    /// client's `FormData`. Every field name must exist in the form.
    ///
    /// As the client does, a form whose live file inputs hold files not yet
    /// uploaded ([`file_input`](Self::file_input)) uploads them to the end
    /// first; a form whose upload input shows errors
    /// (`data-phx-error-refs`) is not submitted (an error).
    pub fn submit(&self, sel: &str, fields: &[(&str, &str)]) -> Result<String, TestError> {
        self.live()?;
        self.page()?;
        let scope = self.child.clone();
        self.act(|page, env| page.uploads_before_submit(env, scope.as_deref(), sel))?;
        self.form_event(sel, "phx-submit", fields, None)
    }

    /// A `phx-change` on the form `sel`, after setting `fields`; `_target` is
    /// the first field's name (as when the user typed into it).
    pub fn change(&self, sel: &str, fields: &[(&str, &str)]) -> Result<String, TestError> {
        let target = fields
            .first()
            .map(|(n, _)| (*n).to_owned())
            .unwrap_or_else(|| "undefined".to_owned());
        self.form_event(sel, "phx-change", fields, Some(target))
    }

    fn form_event(
        &self,
        sel: &str,
        attr: &str,
        fields: &[(&str, &str)],
        target: Option<String>,
    ) -> Result<String, TestError> {
        self.live()?;
        let html = self.page()?;
        let doc = dom::parse(&html);
        let form = dom::one(&doc, sel, &html)?;
        let pushes = dom::binding(&form, attr, sel)?;
        let available = dom::form_field_names(&form);
        for (name, _) in fields {
            if !available.iter().any(|a| a == name) {
                return Err(TestError::UnknownField {
                    form: sel.to_owned(),
                    name: (*name).to_owned(),
                    available: available.clone(),
                });
            }
        }
        // What the user touched: the fields set now, and on a submit every
        // control of the form (the client's focused and submitted marks).
        let pairs = dom::merge_fields(dom::form_pairs(&form), fields);
        let body = {
            let mut world = self.world.borrow_mut();
            let used = &mut world.pages[self.id].used_inputs;
            used.extend(fields.iter().map(|(n, _)| (*n).to_owned()));
            if attr == "phx-submit" {
                used.extend(available.iter().cloned());
            }
            dom::urlencode(&dom::with_unused_markers(&form, pairs, used))
        };
        let mut events = Vec::new();
        for push in pushes {
            let mut meta = Map::new();
            if let Some(t) = &target {
                meta.insert("_target".into(), Value::String(t.clone()));
            }
            meta.extend(dom::phx_values(&form));
            meta.extend(push.value);
            let t = push
                .target
                .or_else(|| form.attr("phx-target").map(str::to_owned));
            let cid = dom::target_cid(&doc, t.as_deref(), &html)?;
            events.push(ClientEvent {
                kind: "form".into(),
                name: push.event,
                value: EventValue::Form(body.clone()),
                meta,
                cid,
                uploads: None,
            });
        }
        let mut out = html;
        for e in events {
            out = self.send(e)?;
        }
        Ok(out)
    }

    /// A hook's `pushEvent(name, payload)`. The view's `Command::Reply`, if
    /// any, is then in [`LiveViewTest::hook_reply`].
    pub fn hook_event(&self, name: &str, payload: Value) -> Result<String, TestError> {
        self.send(ClientEvent {
            kind: "hook".into(),
            name: name.to_owned(),
            value: EventValue::Json(payload),
            meta: Map::new(),
            cid: None,
            uploads: None,
        })
    }

    /// A raw `click` event with this name and JSON value, bypassing the HTML.
    pub fn event(&self, name: &str, value: Value) -> Result<String, TestError> {
        self.send(ClientEvent {
            kind: "click".into(),
            name: name.to_owned(),
            value: EventValue::Json(value),
            meta: Map::new(),
            cid: None,
            uploads: None,
        })
    }

    /// Sends any client event as is.
    pub fn client_event(&self, event: ClientEvent) -> Result<String, TestError> {
        self.send(event)
    }

    /// Follows the `data-phx-link="patch"` link `sel` matches: the view's
    /// `handle_params` runs with its `href`. Fails if the link is not a patch
    /// link, or if the URL is served by another route (the client would remount).
    pub fn follow_patch(&self, sel: &str) -> Result<String, TestError> {
        self.live()?;
        let html = self.page()?;
        let doc = dom::parse(&html);
        let el = dom::one(&doc, sel, &html)?;
        let kind = el.attr("data-phx-link");
        if kind != Some("patch") {
            return Err(TestError::BadBinding {
                selector: sel.to_owned(),
                attr: "data-phx-link".into(),
                value: kind.unwrap_or("").to_owned(),
                reason: "not a live patch link (expected data-phx-link=\"patch\")".into(),
            });
        }
        let href = el.attr("href").ok_or_else(|| TestError::NoBinding {
            selector: sel.to_owned(),
            attr: "href".into(),
            element: el.html(),
        })?;
        let href = href.to_owned();
        self.patch(&href)
    }

    /// A live patch to `url` (absolute path, or `?query` relative to the
    /// current path): the client's `live_patch`. When the socket answers
    /// that the URL is not this view's (`link_redirect`: another view or live
    /// session), the page navigates there like the client: a live
    /// navigation, or a full page load across live sessions.
    pub fn patch(&self, url: &str) -> Result<String, TestError> {
        self.live()?;
        let full = if url.starts_with('?') {
            format!("{}{url}", self.with(|p| p.url.path().to_owned()))
        } else {
            url.to_owned()
        };
        self.act(|page, env| page.patch(env, &full))
    }

    /// Advances the shared virtual clock by `by`, firing every due timer of
    /// every page of the app in due order. Returns this page's HTML.
    pub fn advance(&self, by: Duration) -> Result<String, TestError> {
        self.world.borrow_mut().advance(by)?;
        self.page()
    }

    /// Publishes `info` on `topic` through the app's pub/sub (every subscribed
    /// page receives it). Returns this page's HTML.
    pub fn broadcast<I: Serialize>(&self, topic: &str, info: &I) -> Result<String, TestError> {
        let payload = to_json(info)?;
        {
            let mut world = self.world.borrow_mut();
            world.env.pubsub.publish(topic, &payload);
            world.settle()?;
        }
        self.page()
    }

    /// Sends the view one of its own infos (as a process message would), to
    /// this view only, through
    /// [`SocketMachine::send_info`](liveview_core::protocol::SocketMachine::send_info).
    /// An info that does not decode into the view's `Info` type is
    /// [`TestError::Refused`].
    pub fn send_info<I: Serialize>(&self, info: &I) -> Result<String, TestError> {
        self.live()?;
        let payload = to_json(info)?;
        self.act(|page, env| page.send_info(env, self.child.as_deref(), &payload))
    }

    /// Stops the view as when the socket closes: its timers end and it unsubscribes.
    pub fn stop(&self) {
        let mut world = self.world.borrow_mut();
        let World { env, pages } = &mut *world;
        let page = &mut pages[self.id];
        if page.ended.is_none() {
            page.close(env);
            page.ended = Some("it was stopped".into());
        }
    }

    // ---- inspection ----

    /// Whether `sel` matches at least one element.
    pub fn has_element(&self, sel: &str) -> Result<bool, TestError> {
        Ok(self.count(sel)? > 0)
    }

    /// How many elements `sel` matches.
    pub fn count(&self, sel: &str) -> Result<usize, TestError> {
        let html = self.page()?;
        Ok(dom::all(&dom::parse(&html), sel)?.len())
    }

    /// The text content of the one element `sel` matches.
    pub fn text(&self, sel: &str) -> Result<String, TestError> {
        let html = self.page()?;
        let doc = dom::parse(&html);
        Ok(dom::text(&dom::one(&doc, sel, &html)?))
    }

    /// The text of every element `sel` matches, in document order.
    pub fn texts(&self, sel: &str) -> Result<Vec<String>, TestError> {
        let html = self.page()?;
        Ok(dom::all(&dom::parse(&html), sel)?
            .iter()
            .map(dom::text)
            .collect())
    }

    /// The value of attribute `attr` on the one element `sel` matches.
    pub fn attr(&self, sel: &str, attr: &str) -> Result<Option<String>, TestError> {
        let html = self.page()?;
        let doc = dom::parse(&html);
        Ok(dom::one(&doc, sel, &html)?.attr(attr).map(str::to_owned))
    }

    /// The items the client shows for the stream named `name`
    /// ([`Stream::name`](liveview_core::stream::Stream::name)), in page
    /// order: each item's DOM id and HTML.
    ///
    /// The server forgets a stream's items once sent; these are the client
    /// model's, checked after every step against the items the server's own
    /// renders imply (see [`render`](Self::render)).
    pub fn stream(&self, name: &str) -> Result<Vec<StreamItem>, TestError> {
        self.page()?;
        Ok(self.with(|p| {
            p.client
                .tree
                .as_ref()
                .map(|c| c.streams().items(name).to_vec())
                .unwrap_or_default()
        }))
    }

    /// The DOM ids of the stream's items, in page order.
    pub fn stream_ids(&self, name: &str) -> Result<Vec<String>, TestError> {
        Ok(self.stream(name)?.into_iter().map(|i| i.dom_id).collect())
    }

    /// Checks that the stream shows exactly these DOM ids, in this order;
    /// the error lists what it shows instead.
    pub fn assert_stream(&self, name: &str, dom_ids: &[&str]) -> Result<(), TestError> {
        let shown = self.stream_ids(name)?;
        if shown.iter().map(String::as_str).eq(dom_ids.iter().copied()) {
            Ok(())
        } else {
            Err(TestError::Other(format!(
                "stream {name:?} shows {shown:?}, expected {dom_ids:?}"
            )))
        }
    }

    /// Every `push_event` the view made so far: (name, payload), in order.
    pub fn pushed_events(&self) -> Vec<(String, Value)> {
        self.with(|p| p.client.pushed_events.clone())
    }

    /// The page title the view set last, if any.
    pub fn title(&self) -> Option<String> {
        self.with(|p| p.title())
    }

    /// The view's flash: the flash carried by its last navigation or
    /// redirect; otherwise, for a view mounted by type, the driver's current
    /// flash (`PutFlash`, `ClearFlash`).
    pub fn flash(&self) -> Flash {
        self.with(|p| p.flash())
    }

    /// Runs `f` on the state of the page's view if it is a `V` (mounted by
    /// type or through the router); `None` otherwise, or once it has ended.
    ///
    /// Prefer asserting on the HTML; this is for state the page does not show.
    pub fn state<V: LiveView, R>(&self, f: impl FnOnce(&V) -> R) -> Option<R> {
        self.with(|p| {
            p.view_of(self.child.as_deref())?
                .as_any()
                .downcast_ref::<ViewDriver<V>>()?
                .state()
                .map(f)
        })
    }

    /// A handle on the page's child view `id` (rendered with
    /// [`live_render`](liveview_core::nested::live_render) and joined, as
    /// Phoenix's `find_live_child`): its actions go to the child's channel,
    /// its HTML is the child's, [`state`](Self::state) is the child's.
    /// Page-level things (URL, navigation, time) are the page's.
    pub fn live_child(&self, id: &str) -> Result<LiveViewTest, TestError> {
        self.live()?;
        if self.with(|p| p.child(id).is_none()) {
            return Err(TestError::NoChild { id: id.to_owned() });
        }
        Ok(LiveViewTest {
            world: Rc::clone(&self.world),
            id: self.id,
            child: Some(id.to_owned()),
        })
    }

    /// The DOM ids of the page's live child views, in the order they joined.
    pub fn children(&self) -> Vec<String> {
        self.with(|p| p.child_ids())
    }

    /// Child joins the server refused, as "lv:id: reason" (the page retries
    /// a failed child join, as the client does, up to five times).
    pub fn child_failures(&self) -> Vec<String> {
        self.with(|p| p.child_failures.clone())
    }

    /// Live navigation to `url` (a path), as a `data-phx-link="redirect"`
    /// link does: the page's view is left and the new one joined on the same
    /// socket, so sticky child views stay, with their state. A URL of
    /// another live session loads the page over HTTP.
    pub fn navigate(&self, url: &str) -> Result<String, TestError> {
        self.live()?;
        let url = url.to_owned();
        self.act(|page, env| page.navigate(env, &url))
    }

    /// Runs `f` on the state of the component of type `C` rendered with
    /// `id` by the page's view (a `V`); `None` if there is none.
    pub fn component_state<V: LiveView, C: LiveComponent, R>(
        &self,
        id: &str,
        f: impl FnOnce(&C) -> R,
    ) -> Option<R> {
        self.with(|p| {
            p.view()?
                .as_any()
                .downcast_ref::<ViewDriver<V>>()?
                .component_state::<C>(id)
                .map(f)
        })
    }

    /// The components of the page's view (a `V`), in cid order.
    pub fn components<V: LiveView>(&self) -> Vec<ComponentInfo> {
        self.with(|p| {
            p.view()
                .and_then(|v| v.as_any().downcast_ref::<ViewDriver<V>>())
                .map(ViewDriver::components)
        })
        .unwrap_or_default()
    }

    /// Sends `update` to the component of type `C` with `id`, as
    /// [`Command::send_update`](liveview_core::Command::send_update) does:
    /// its `handle_info` gets it, and the page gets the diff. No such
    /// component is [`TestError::Refused`].
    pub fn send_update<C: LiveComponent>(
        &self,
        id: &str,
        update: &C::Info,
    ) -> Result<String, TestError> {
        self.live()?;
        let update = to_json(update)?;
        let to = ComponentRef::Id {
            component: std::any::type_name::<C>().to_owned(),
            id: id.to_owned(),
        };
        self.act(|page, env| page.send_update(env, to, update))
    }

    /// Every navigation the view asked for (patches, navigates, redirects), in order.
    pub fn navigations(&self) -> Vec<Navigation> {
        self.with(|p| p.client.navigations.clone())
    }

    /// The `to` of the last live patch, if any.
    pub fn patched_to(&self) -> Option<String> {
        self.with(|p| {
            p.client.navigations.iter().rev().find_map(|n| match n {
                Navigation::Patch { to, .. } => Some(to.clone()),
                _ => None,
            })
        })
    }

    /// Where the view navigated or redirected to, if it did (it has then ended).
    pub fn redirected_to(&self) -> Option<String> {
        self.with(|p| {
            p.client.navigations.iter().rev().find_map(|n| match n {
                Navigation::Navigate { to, .. } | Navigation::Redirect { to, .. } => {
                    Some(to.clone())
                }
                _ => None,
            })
        })
    }

    /// The topics the view is subscribed to.
    pub fn subscriptions(&self) -> Vec<String> {
        self.with(|p| p.view().map(|v| v.subscriptions()).unwrap_or_default())
    }

    /// The number of live timers.
    pub fn timer_count(&self) -> usize {
        self.with(|p| p.view().map_or(0, |v| v.timer_count()))
    }

    /// The last diff the view sent (reply or push), as JSON.
    pub fn last_diff(&self) -> Option<Value> {
        self.with(|p| {
            p.client
                .last_diff
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
        })
    }

    /// The last hook reply (`"r"` of a reply), if any.
    pub fn hook_reply(&self) -> Option<Value> {
        self.with(|p| p.client.hook_reply.clone())
    }

    /// Everything the page's views produced, in order, as trace output lines
    /// (join result, replies, pushes, navigations, pub/sub...), read from
    /// the traces the socket machine recorded.
    pub fn produced(&self) -> Vec<TraceOutput> {
        self.with(|p| p.produced())
    }

    /// The pub/sub messages the view dropped because they did not decode
    /// into its `Info` type: (topic, reason), in order. The view went on, as
    /// on the server.
    pub fn dropped(&self) -> Vec<(String, String)> {
        self.with(|p| p.dropped.clone())
    }

    /// Whether the view has ended (navigated away, redirected, stopped,
    /// crashed, or its socket closed).
    pub fn is_ended(&self) -> bool {
        self.with(|p| p.ended.is_some())
    }

    /// The trace recorded for the page's current view, when the app was
    /// made with [`TestApp::record_traces`](crate::TestApp::record_traces).
    pub fn trace(&self) -> Option<String> {
        self.with(|p| p.trace_of(self.child.as_deref()))
    }
}
