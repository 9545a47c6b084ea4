//! The test app (virtual clock, pub/sub, router) and the per-view handle.

use crate::dom;
use crate::routing;
use crate::typed::{self, Typed};
use crate::TestError;
use liveview_core::diff::merge::Client;
use liveview_core::event::{ClientEvent, EventValue};
use liveview_core::protocol::Router;
use liveview_core::runtime::{AnyView, InputError, JoinInput, Joined, Navigation, Output, Reply};
use liveview_core::trace::{MemorySink, Recorder, TraceOutput};
use liveview_core::view::{Flash, Session, Url};
use liveview_core::{LiveView, Time};
use serde::Serialize;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;
use std::time::Duration;

/// The topic [`LiveViewTest::send_info`] delivers on (it reaches only that view).
pub const SEND_INFO_TOPIC: &str = "liveview-test:send_info";

/// How many broadcast deliveries or timer firings one action may cause before
/// the harness reports a runaway loop.
const RUNAWAY_LIMIT: usize = 100_000;

/// A deterministic app for tests: a virtual clock, an in-memory pub/sub
/// shared by every view mounted from it, and (optionally) a [`Router`].
///
/// Cloning gives another handle to the same app. [`Harness`] is another name
/// for it.
///
/// ```
/// use liveview_core::{html, protocol::Router, LiveView, Mount, Rendered, Update};
/// use liveview_test::TestApp;
/// # #[derive(Default)] struct Counter { count: i64 }
/// # #[derive(Debug, serde::Deserialize)] #[serde(rename_all = "snake_case")] enum Ev { Inc }
/// # impl LiveView for Counter {
/// #     type Event = Ev;
/// #     type Info = ();
/// #     fn mount(_: &Mount) -> Update<Self> { (Counter::default(), vec![]) }
/// #     fn handle_event(self, _: Ev) -> Update<Self> { (Counter { count: self.count + 1 }, vec![]) }
/// #     fn render(&self) -> Rendered {
/// #         html!(r#"<span id="count">{self.count}</span><button id="inc" phx-click="inc">+</button>"#)
/// #     }
/// # }
/// let app = TestApp::with_router(Router::new().live::<Counter>("/counter"));
/// let view = app.mount("/counter").unwrap();
/// view.click("#inc").unwrap();
/// assert_eq!(view.text("#count").unwrap(), "1");
/// ```
#[derive(Clone)]
pub struct TestApp {
    inner: Rc<RefCell<Inner>>,
}

/// Another name for [`TestApp`].
pub type Harness = TestApp;

struct Inner {
    clock: Time,
    router: Option<Router>,
    session: Session,
    record: bool,
    views: Vec<Slot>,
    subscribers: BTreeMap<String, BTreeSet<usize>>,
    queue: VecDeque<(String, Value, Option<usize>)>,
}

struct Slot {
    view: Box<dyn AnyView>,
    route: Option<String>,
    url: Url,
    connected: bool,
    ended: Option<String>,
    log: Log,
    trace: Option<MemorySink>,
    typed: Option<Box<dyn Typed>>,
}

/// What a mount's join function returns: the view, its join reply and,
/// for views mounted by type, typed access to the driver.
type Mounted = Result<(Box<dyn AnyView>, Joined, Option<Box<dyn Typed>>), Navigation>;

#[derive(Default)]
struct Log {
    produced: Vec<TraceOutput>,
    pushed_events: Vec<(String, Value)>,
    title: Option<String>,
    flash: Flash,
    navigations: Vec<Navigation>,
    last_diff: Option<String>,
    hook_reply: Option<Value>,
    /// The official client's view of the page: the join's rendered tree with
    /// every diff merged in (a model of `Rendered.mergeDiff`).
    client: Option<Client>,
    /// Why the client model could not merge a diff.
    client_error: Option<String>,
}

impl Log {
    /// Starts the client model from the join's rendered JSON.
    fn joined(&mut self, rendered: &str) {
        self.extras(rendered);
        match serde_json::from_str(rendered)
            .map_err(|e| e.to_string())
            .and_then(|v| Client::join(v).map_err(|e| e.message().to_owned()))
        {
            Ok(c) => self.client = Some(c),
            Err(e) => self.client_error = Some(format!("the join's rendered JSON: {e}")),
        }
    }

    /// A diff sent to the client (reply or push): merged into the client model.
    fn diff(&mut self, diff: String) {
        self.extras(&diff);
        if let Some(client) = self.client.as_mut() {
            let merged = serde_json::from_str(&diff)
                .map_err(|e| e.to_string())
                .and_then(|v| {
                    client
                        .apply(v)
                        .map(drop)
                        .map_err(|e| e.message().to_owned())
                });
            if let Err(e) = merged {
                self.client_error.get_or_insert(format!("diff {diff}: {e}"));
            }
        }
        self.last_diff = Some(diff);
    }

    /// Reads the top-level extras of a rendered or diff JSON: title, push events, hook reply.
    fn extras(&mut self, json: &str) {
        let Ok(Value::Object(m)) = serde_json::from_str::<Value>(json) else {
            return;
        };
        if let Some(Value::String(t)) = m.get("t") {
            self.title = Some(t.clone());
        }
        if let Some(Value::Array(events)) = m.get("e") {
            for e in events {
                if let Some([Value::String(name), payload, ..]) = e.as_array().map(Vec::as_slice) {
                    self.pushed_events.push((name.clone(), payload.clone()));
                }
            }
        }
        if let Some(r) = m.get("r") {
            self.hook_reply = Some(r.clone());
        }
    }

    fn navigation(&mut self, nav: &Navigation, url: &mut Url, ended: &mut Option<String>) {
        match nav {
            Navigation::Patch { to, .. } => {
                if let Ok(u) = Url::parse(to) {
                    *url = u;
                }
            }
            Navigation::Navigate { to, flash, .. } => {
                self.flash = flash.clone();
                *ended = Some(format!("it navigated to {to}"));
            }
            Navigation::Redirect { to, flash } => {
                self.flash = flash.clone();
                *ended = Some(format!("it redirected to {to}"));
            }
            other => *ended = Some(format!("it navigated away ({other:?})")),
        }
        self.navigations.push(nav.clone());
    }
}

impl Default for TestApp {
    fn default() -> TestApp {
        TestApp::new()
    }
}

impl TestApp {
    /// An app without a router: mount views with [`TestApp::mount_view`].
    pub fn new() -> TestApp {
        TestApp {
            inner: Rc::new(RefCell::new(Inner {
                clock: Time::ZERO,
                router: None,
                session: Session::default(),
                record: false,
                views: Vec::new(),
                subscribers: BTreeMap::new(),
                queue: VecDeque::new(),
            })),
        }
    }

    /// An app whose views are found by route ([`TestApp::mount`]).
    pub fn with_router(router: Router) -> TestApp {
        let app = TestApp::new();
        app.inner.borrow_mut().router = Some(router);
        app
    }

    /// The session every later mount gets.
    pub fn with_session(self, session: Session) -> TestApp {
        self.inner.borrow_mut().session = session;
        self
    }

    /// Records a trace of every view mounted from now on (see [`LiveViewTest::trace`]).
    pub fn record_traces(self) -> TestApp {
        self.inner.borrow_mut().record = true;
        self
    }

    /// The virtual clock (starts at [`Time::ZERO`]).
    pub fn now(&self) -> Time {
        self.inner.borrow().clock
    }

    /// Joins the view routed at `url` (connected: effects run).
    pub fn mount(&self, url: &str) -> Result<LiveViewTest, TestError> {
        self.mount_routed(url, true)
    }

    /// Renders the view routed at `url` as the HTTP request would (not connected:
    /// no timers, no subscriptions, no events).
    pub fn dead_render(&self, url: &str) -> Result<LiveViewTest, TestError> {
        self.mount_routed(url, false)
    }

    /// Joins a view of type `V` at `url` without a router.
    pub fn mount_view<V: LiveView>(&self, url: &str) -> Result<LiveViewTest, TestError> {
        self.mount_with(url, true, None, |now, input| {
            Ok(join_typed::<V>(now, input))
        })
    }

    /// Dead-renders a view of type `V` at `url` without a router.
    pub fn dead_render_view<V: LiveView>(&self, url: &str) -> Result<LiveViewTest, TestError> {
        self.mount_with(url, false, None, |now, input| {
            Ok(join_typed::<V>(now, input))
        })
    }

    fn mount_routed(&self, url: &str, connected: bool) -> Result<LiveViewTest, TestError> {
        let parsed = parse_url(url)?;
        let path = parsed.path().to_owned();
        let routed = {
            let inner = self.inner.borrow();
            let router = inner.router.as_ref().ok_or_else(|| {
                TestError::Other(
                    "this TestApp has no router: use TestApp::with_router, or mount_view::<V>"
                        .into(),
                )
            })?;
            routing::pattern(router, &path).ok_or(TestError::NoRoute { path: path.clone() })?
        };
        let inner = Rc::clone(&self.inner);
        self.mount_with(url, connected, Some(routed), move |now, input| {
            let inner = inner.borrow();
            match inner
                .router
                .as_ref()
                .and_then(|r| routing::join(r, now, input))
            {
                Some((_, result)) => Ok(result.map(|(v, j)| (v, j, None))),
                None => Err(TestError::NoRoute { path }),
            }
        })
    }

    fn mount_with<F>(
        &self,
        url: &str,
        connected: bool,
        route: Option<String>,
        join: F,
    ) -> Result<LiveViewTest, TestError>
    where
        F: FnOnce(Time, JoinInput) -> Result<Mounted, TestError>,
    {
        let parsed = parse_url(url)?;
        let (now, session, record) = {
            let i = self.inner.borrow();
            (i.clock, i.session.clone(), i.record)
        };
        let input = JoinInput {
            connected,
            url: parsed.clone(),
            path_params: Default::default(),
            pattern: None,
            session,
            flash: Flash::default(),
            connect_params: None,
        };
        let trace = record.then(MemorySink::new);
        let label = route.clone().unwrap_or_else(|| parsed.path().to_owned());
        let (view, joined, typed) = match &trace {
            Some(sink) => {
                let mut refused = None;
                let mut typed = None;
                let r = Recorder::join(Box::new(sink.clone()), &label, now, input, |now, input| {
                    match join(now, input) {
                        Ok(Ok((view, joined, t))) => {
                            typed = t;
                            Ok((view, joined))
                        }
                        Ok(Err(nav)) => Err(nav),
                        Err(e) => {
                            refused = Some(e);
                            Err(Navigation::Redirect {
                                to: String::new(),
                                flash: Flash::default(),
                            })
                        }
                    }
                });
                if let Some(e) = refused {
                    return Err(e);
                }
                let (rec, joined) = r.map_err(TestError::JoinRedirected)?;
                (Box::new(rec) as Box<dyn AnyView>, joined, typed)
            }
            None => join(now, input)?.map_err(TestError::JoinRedirected)?,
        };
        let mut log = Log::default();
        log.joined(&joined.rendered);
        log.produced.push(TraceOutput::joined(&joined));
        let mut url = parsed;
        let mut ended = None;
        if let Some(nav) = &joined.live_patch {
            log.navigation(nav, &mut url, &mut ended);
        }
        let id = {
            let mut inner = self.inner.borrow_mut();
            inner.views.push(Slot {
                view,
                route,
                url,
                connected,
                ended,
                log,
                trace,
                typed,
            });
            inner.views.len() - 1
        };
        let handle = LiveViewTest {
            inner: Rc::clone(&self.inner),
            id,
        };
        self.inner.borrow_mut().settle(id)?;
        Ok(handle)
    }

    /// Advances the virtual clock by `by`, firing every timer of every view due
    /// in that span in due order (the clock is set to each deadline as it fires).
    pub fn advance(&self, by: Duration) -> Result<(), TestError> {
        self.inner.borrow_mut().advance(by)
    }

    /// Publishes `info` on `topic` through the shared pub/sub: every view
    /// subscribed to `topic` receives it.
    pub fn broadcast<I: Serialize>(&self, topic: &str, info: &I) -> Result<(), TestError> {
        let payload = to_json(info)?;
        let mut inner = self.inner.borrow_mut();
        inner.queue.push_back((topic.to_owned(), payload, None));
        inner.deliver()?;
        inner.advance(Duration::ZERO)
    }
}

fn join_typed<V: LiveView>(now: Time, input: JoinInput) -> Mounted {
    typed::join_with_access::<V>(now, input).map(|(v, j, t)| (v, j, Some(t)))
}

fn parse_url(url: &str) -> Result<Url, TestError> {
    Url::parse(url).map_err(|e| TestError::Other(e.to_string()))
}

fn to_json<I: Serialize>(info: &I) -> Result<Value, TestError> {
    serde_json::to_value(info)
        .map_err(|e| TestError::Other(format!("the info does not serialize to JSON: {e}")))
}

fn describe(event: &ClientEvent) -> String {
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

impl Inner {
    fn slot(&mut self, id: usize) -> &mut Slot {
        &mut self.views[id]
    }

    /// Drains one view's outputs, delivers the broadcasts they caused, then
    /// runs whatever became due at the current time (infos left over when a
    /// driver's per-round info budget ran out are due immediately).
    fn settle(&mut self, id: usize) -> Result<(), TestError> {
        self.drain(id);
        self.deliver()?;
        self.advance(Duration::ZERO)
    }

    fn drain(&mut self, id: usize) {
        loop {
            let slot = &mut self.views[id];
            let Some(out) = slot.view.poll_output() else {
                break;
            };
            slot.log.produced.push(TraceOutput::polled(Some(&out)));
            match out {
                Output::Push(diff) => {
                    slot.log.diff(diff);
                }
                Output::Navigate(nav) => {
                    let Slot {
                        log, url, ended, ..
                    } = slot;
                    log.navigation(&nav, url, ended);
                }
                Output::Subscribe(topic) => {
                    self.subscribers.entry(topic).or_default().insert(id);
                }
                Output::Unsubscribe(topic) => {
                    if let Some(s) = self.subscribers.get_mut(&topic) {
                        s.remove(&id);
                    }
                }
                Output::Broadcast { topic, payload } => {
                    self.queue.push_back((topic, payload, None))
                }
                other => {
                    slot.log.client_error.get_or_insert(format!(
                        "the harness does not know the view output {other:?}"
                    ));
                }
            }
        }
    }

    /// Delivers queued pub/sub messages (and the broadcasts they cause) until none is left.
    fn deliver(&mut self) -> Result<(), TestError> {
        let mut n = 0usize;
        while let Some((topic, payload, only)) = self.queue.pop_front() {
            let targets: Vec<usize> = match only {
                Some(id) => vec![id],
                None => self
                    .subscribers
                    .get(&topic)
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default(),
            };
            for id in targets {
                n += 1;
                if n > RUNAWAY_LIMIT {
                    self.queue.clear();
                    return Err(TestError::Runaway {
                        what: format!("more than {RUNAWAY_LIMIT} pub/sub deliveries (last on topic {topic:?})"),
                    });
                }
                let now = self.clock;
                let slot = self.slot(id);
                if slot.ended.is_some() || !slot.connected {
                    continue;
                }
                if let Err(error) = slot.view.handle_pubsub(now, &topic, &payload) {
                    slot.log.produced.push(TraceOutput::error(&error));
                    let html = slot.view.render_html();
                    self.queue.clear();
                    return Err(TestError::Refused {
                        input: format!("the info {payload} on topic {topic:?}"),
                        error,
                        html,
                    });
                }
                slot.log.produced.push(TraceOutput::Ok);
                self.drain(id);
            }
        }
        Ok(())
    }

    fn advance(&mut self, by: Duration) -> Result<(), TestError> {
        let target = self.clock + by;
        let mut fired = 0usize;
        loop {
            let next = self
                .views
                .iter()
                .enumerate()
                .filter(|(_, s)| s.ended.is_none())
                .filter_map(|(id, s)| s.view.poll_timeout().map(|t| (t, id)))
                .min();
            let Some((at, id)) = next.filter(|(at, _)| *at <= target) else {
                break;
            };
            fired += 1;
            if fired > RUNAWAY_LIMIT {
                return Err(TestError::Runaway {
                    what: format!("more than {RUNAWAY_LIMIT} timer firings in one advance"),
                });
            }
            self.clock = self.clock.max(at);
            let now = self.clock;
            self.slot(id).view.handle_timeout(now);
            self.drain(id);
            self.deliver()?;
        }
        self.clock = self.clock.max(target);
        Ok(())
    }
}

/// A handle on one mounted view, for driving it like a browser would and
/// inspecting what it rendered and produced.
///
/// Every action drains the view's outputs and delivers the broadcasts they
/// cause before it returns; actions return the view's HTML afterwards.
pub struct LiveViewTest {
    inner: Rc<RefCell<Inner>>,
    id: usize,
}

/// Which key event.
#[derive(Clone, Copy)]
enum KeyKind {
    Up,
    Down,
}

impl LiveViewTest {
    fn with<T>(&self, f: impl FnOnce(&Slot) -> T) -> T {
        f(&self.inner.borrow().views[self.id])
    }

    /// The current HTML of the view (the server's render).
    ///
    /// Every action and inspection that returns a `Result` also checks that
    /// the client's page — the join's rendered tree with every diff merged in
    /// as the official client merges them — is exactly this HTML, and fails
    /// with [`TestError::DiffMismatch`] otherwise.
    pub fn render(&self) -> String {
        self.with(|s| s.view.render_html())
    }

    /// The current HTML, after checking that the client's merge of every
    /// diff sent so far gives exactly the server's render (Invariant 5).
    fn page(&self) -> Result<String, TestError> {
        self.with(|s| {
            let server = s.view.render_html();
            if let Some(e) = &s.log.client_error {
                return Err(TestError::DiffMismatch {
                    reason: e.clone(),
                    server,
                    client: String::new(),
                });
            }
            let Some(client) = &s.log.client else {
                return Ok(server);
            };
            let client = client.to_html().map_err(|e| TestError::DiffMismatch {
                reason: format!("the merged tree does not render: {}", e.message()),
                server: server.clone(),
                client: String::new(),
            })?;
            if client != server {
                let reason = match &s.log.last_diff {
                    Some(d) => format!("the pages differ after the diff {d}"),
                    None => "the pages differ after the join".to_owned(),
                };
                return Err(TestError::DiffMismatch {
                    reason,
                    server,
                    client,
                });
            }
            Ok(server)
        })
    }

    /// The URL the view is at (after live patches).
    pub fn url(&self) -> String {
        self.with(|s| s.url.to_string())
    }

    /// The virtual clock.
    pub fn now(&self) -> Time {
        self.inner.borrow().clock
    }

    fn live(&self) -> Result<(), TestError> {
        self.with(|s| {
            if !s.connected {
                return Err(TestError::NotConnected);
            }
            match &s.ended {
                Some(how) => Err(TestError::Ended { how: how.clone() }),
                None => Ok(()),
            }
        })
    }

    /// Sends a client event and processes the reply and every output it causes.
    fn send(&self, event: ClientEvent) -> Result<String, TestError> {
        self.live()?;
        let mut inner = self.inner.borrow_mut();
        let now = inner.clock;
        let slot = inner.slot(self.id);
        let input = describe(&event);
        let result = slot.view.handle_event(now, event);
        record_reply(slot, input, result)?;
        inner.settle(self.id)?;
        drop(inner);
        self.page()
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
            });
        }
        let mut out = html;
        for e in events {
            out = self.send(e)?;
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
    pub fn submit(&self, sel: &str, fields: &[(&str, &str)]) -> Result<String, TestError> {
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
        let body = dom::urlencode(&dom::merge_fields(dom::form_pairs(&form), fields));
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

    /// A live patch to `url` (absolute path, or `?query` relative to the current path).
    pub fn patch(&self, url: &str) -> Result<String, TestError> {
        self.live()?;
        let current = self.with(|s| s.url.clone());
        let full = if url.starts_with('?') {
            format!("{}{url}", current.path())
        } else {
            url.to_owned()
        };
        let target = parse_url(&full)?;
        {
            let inner = self.inner.borrow();
            if let (Some(router), Some(route)) =
                (inner.router.as_ref(), inner.views[self.id].route.as_ref())
            {
                let to = routing::pattern(router, target.path());
                if to.as_ref() != Some(route) {
                    return Err(TestError::PatchToOtherView {
                        url: full,
                        current: route.clone(),
                        target: to,
                    });
                }
            }
        }
        let mut inner = self.inner.borrow_mut();
        let now = inner.clock;
        let slot = inner.slot(self.id);
        slot.url = target.clone();
        let result = slot.view.handle_params(now, target);
        record_reply(slot, format!("live patch to {full:?}"), result)?;
        inner.settle(self.id)?;
        drop(inner);
        self.page()
    }

    /// Advances the shared virtual clock by `by`, firing every due timer of
    /// every view of the app in due order. Returns this view's HTML.
    pub fn advance(&self, by: Duration) -> Result<String, TestError> {
        self.inner.borrow_mut().advance(by)?;
        self.page()
    }

    /// Publishes `info` on `topic` through the app's pub/sub (every subscribed
    /// view receives it). Returns this view's HTML.
    pub fn broadcast<I: Serialize>(&self, topic: &str, info: &I) -> Result<String, TestError> {
        let payload = to_json(info)?;
        let mut inner = self.inner.borrow_mut();
        inner.queue.push_back((topic.to_owned(), payload, None));
        inner.deliver()?;
        inner.advance(Duration::ZERO)?;
        drop(inner);
        self.page()
    }

    /// Sends the view one of its own infos (as a process message would), to
    /// this view only. The view must have been mounted by type
    /// ([`TestApp::mount_view`]); views found through the router take infos
    /// only through their subscriptions ([`LiveViewTest::broadcast`]).
    pub fn send_info<I: Serialize>(&self, info: &I) -> Result<String, TestError> {
        self.live()?;
        if self.with(|s| s.typed.is_none()) {
            return Err(TestError::Other(
                "send_info needs a view mounted by type (TestApp::mount_view::<V>); a routed view takes infos \
                 through its pub/sub subscriptions: use broadcast(topic, info)"
                    .into(),
            ));
        }
        let payload = to_json(info)?;
        let mut inner = self.inner.borrow_mut();
        inner
            .queue
            .push_back((SEND_INFO_TOPIC.to_owned(), payload, Some(self.id)));
        inner.deliver()?;
        inner.advance(Duration::ZERO)?;
        drop(inner);
        self.page()
    }

    /// Stops the view (as when the socket closes): its timers end and it unsubscribes.
    pub fn stop(&self) {
        let mut inner = self.inner.borrow_mut();
        let slot = inner.slot(self.id);
        if slot.ended.is_none() {
            slot.view.stop();
            slot.ended = Some("it was stopped".into());
        }
        inner.drain(self.id);
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

    /// Every `push_event` the view made so far: (name, payload), in order.
    pub fn pushed_events(&self) -> Vec<(String, Value)> {
        self.with(|s| s.log.pushed_events.clone())
    }

    /// The page title the view set last, if any.
    pub fn title(&self) -> Option<String> {
        self.with(|s| s.log.title.clone())
    }

    /// The view's flash: for a view mounted by type, the driver's current
    /// flash (`PutFlash`, `ClearFlash`); for a routed view, the flash carried
    /// by its last navigation or redirect.
    pub fn flash(&self) -> Flash {
        self.with(|s| match (&s.typed, s.log.flash.is_empty()) {
            (Some(t), true) => t.flash(),
            _ => s.log.flash.clone(),
        })
    }

    /// Runs `f` on the state of a view mounted by type `V`; `None` when the
    /// view is not a `V` mounted with [`TestApp::mount_view`].
    ///
    /// Prefer asserting on the HTML; this is for state the page does not show.
    pub fn state<V: LiveView, R>(&self, f: impl FnOnce(&V) -> R) -> Option<R> {
        self.with(|s| {
            s.typed
                .as_deref()
                .and_then(|t| typed::with_state::<V, R>(t, f))
        })
    }

    /// Every navigation the view asked for (patches, navigates, redirects), in order.
    pub fn navigations(&self) -> Vec<Navigation> {
        self.with(|s| s.log.navigations.clone())
    }

    /// The `to` of the last live patch, if any.
    pub fn patched_to(&self) -> Option<String> {
        self.with(|s| {
            s.log.navigations.iter().rev().find_map(|n| match n {
                Navigation::Patch { to, .. } => Some(to.clone()),
                _ => None,
            })
        })
    }

    /// Where the view navigated or redirected to, if it did (it has then ended).
    pub fn redirected_to(&self) -> Option<String> {
        self.with(|s| {
            s.log.navigations.iter().rev().find_map(|n| match n {
                Navigation::Navigate { to, .. } | Navigation::Redirect { to, .. } => {
                    Some(to.clone())
                }
                _ => None,
            })
        })
    }

    /// The topics the view is subscribed to.
    pub fn subscriptions(&self) -> Vec<String> {
        self.with(|s| s.view.subscriptions())
    }

    /// The number of live timers.
    pub fn timer_count(&self) -> usize {
        self.with(|s| s.view.timer_count())
    }

    /// The last diff the view sent (reply or push), as JSON.
    pub fn last_diff(&self) -> Option<Value> {
        self.with(|s| {
            s.log
                .last_diff
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
        })
    }

    /// The last hook reply (`"r"` of a reply), if any.
    pub fn hook_reply(&self) -> Option<Value> {
        self.with(|s| s.log.hook_reply.clone())
    }

    /// Everything the view produced, in order, as trace output lines
    /// (join result, replies, pushes, navigations, pub/sub...).
    pub fn produced(&self) -> Vec<TraceOutput> {
        self.with(|s| s.log.produced.clone())
    }

    /// Whether the view has ended (navigated away, redirected, stopped).
    pub fn is_ended(&self) -> bool {
        self.with(|s| s.ended.is_some())
    }

    /// The trace recorded for this view, when the app was made with
    /// [`TestApp::record_traces`].
    pub fn trace(&self) -> Option<String> {
        self.with(|s| s.trace.as_ref().map(MemorySink::text))
    }
}

/// Logs a reply (or turns a refusal into an error with the HTML).
fn record_reply(
    slot: &mut Slot,
    input: String,
    result: Result<Reply, InputError>,
) -> Result<(), TestError> {
    slot.log.produced.push(TraceOutput::reply_result(&result));
    match result {
        Ok(reply) => {
            if let Some(diff) = reply.diff {
                slot.log.diff(diff);
            }
            if let Some(nav) = &reply.navigation {
                let Slot {
                    log, url, ended, ..
                } = slot;
                log.navigation(nav, url, ended);
            }
            Ok(())
        }
        Err(error) => {
            if error == InputError::Ended {
                slot.ended
                    .get_or_insert_with(|| "the view refused input: ended".into());
            }
            Err(TestError::Refused {
                input,
                error,
                html: slot.view.render_html(),
            })
        }
    }
}
