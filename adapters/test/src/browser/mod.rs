//! One simulated browser page: loaded over HTTP (the dead render), then,
//! when connected, one [`SocketMachine`] joined to the page's view and fed
//! exactly the frames the official client sends. What the machine answers
//! is applied as the client applies it ([`ClientModel`]); its pub/sub
//! requests go to the app's backend. Every protocol decision is the
//! machine's: this module only sends frames and reads outputs.

mod children;
mod inspect;
mod uploads;

use crate::client::{self, absolute, ClientModel, Frame, JoinParams};
use crate::http::{read_page, LoadedPage};
use crate::pubsub::Inbox;
use crate::world::Env;
use crate::TestError;
use liveview_core::event::ClientEvent;
use liveview_core::protocol::auth;
use liveview_core::protocol::{
    App, ConnectInfo, PageRequest, SocketMachine, SocketOutput, UploadIo,
};
use liveview_core::runtime::Navigation;
use liveview_core::trace::MemorySink;
use liveview_core::view::{Flash, Url};
use liveview_core::Time;
use serde_json::Value;
use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

/// How often the client sends a heartbeat (`heartbeatIntervalMs`).
pub(crate) const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);

/// Reads the flash of a view mounted by type from its driver.
pub(crate) type FlashFn = fn(&dyn Any) -> Option<Flash>;

/// How the server answered the push the page was waiting for.
enum Answer {
    /// No reply came.
    None,
    /// `ok` (its diff, rendered tree or navigation already applied).
    Ok,
    /// `ok` with `link_redirect`: the client must navigate.
    LinkRedirect,
    /// An error reply with a `reason`.
    Refused(String),
    /// An error reply to a join that navigated instead (`redirect` / `live_redirect`).
    Navigated(Navigation),
}

/// The page's WebSocket: its machine, the joined topic and the client's refs.
struct Socket {
    machine: SocketMachine,
    topic: String,
    /// The join ref of the current channel (empty once left).
    join_ref: String,
    refs: u64,
    inbox: Arc<Inbox>,
    next_heartbeat: Time,
}

impl Socket {
    fn next_ref(&mut self) -> String {
        self.refs += 1;
        self.refs.to_string()
    }
}

/// One simulated page. See the [module docs](self).
pub(crate) struct Page {
    app: Arc<App>,
    /// The URL the page is at (after live patches and navigation).
    pub(crate) url: Url,
    loaded: LoadedPage,
    socket: Option<Socket>,
    /// Why the view ended, once it has.
    pub(crate) ended: Option<String>,
    /// The client's page and what the server told it.
    pub(crate) client: ClientModel,
    /// Pub/sub messages a view dropped: (topic, reason).
    pub(crate) dropped: Vec<(String, String)>,
    /// The traces of every view this page joined, in order.
    sinks: Vec<MemorySink>,
    record: bool,
    flash_of: Option<FlashFn>,
    /// A crash not yet reported to the test.
    crashed: bool,
    /// The view's async work, waiting for the test.
    pub(crate) tasks: crate::tasks::PageTasks,
    /// The names of the form controls the user has typed into or
    /// submitted (the client sends `_unused_` markers for the others).
    pub(crate) used_inputs: std::collections::BTreeSet<String>,
    /// The child views joined on the page's socket ([`children`]).
    children: Vec<children::Child>,
    /// `sync_children` is running.
    syncing: bool,
    /// Child joins the server refused: "topic: reason".
    pub(crate) child_failures: Vec<String>,
    /// (topic, ref) of events whose reply a view holds (`Command::HoldReply`).
    held_replies: Vec<(String, String)>,
    /// The response of the last awaited reply (for preflights and upload channels).
    last_response: Option<Value>,
    /// The files the test selected in live file inputs ([`uploads`]).
    selected: Vec<uploads::Selected>,
    /// The next file ref (the client's page-wide counter).
    next_file_ref: u64,
    /// The writers of the page's uploads, and the memory writer's files.
    pub(crate) writers: crate::writers::PageWriters,
}

impl Page {
    /// Loads `url` over HTTP (the dead render); when `connected`, opens a
    /// socket and joins the page's view.
    pub(crate) fn load(
        env: &mut Env,
        app: Arc<App>,
        url: &str,
        connected: bool,
        flash_of: Option<FlashFn>,
    ) -> Result<Page, TestError> {
        let parsed = Url::parse(url).map_err(|e| TestError::Other(e.to_string()))?;
        let cookie = env.cookies.header();
        let response = app.render_request(
            env.clock,
            &PageRequest {
                url,
                cookie: cookie.as_deref(),
                session: env.session.clone(),
                headers: &[],
            },
            env.entropy(),
        );
        env.cookies.store(&response);
        match response.status {
            200 => {}
            302 => {
                let to = response.header("location").unwrap_or("/").to_owned();
                let flash = env
                    .cookies
                    .get(auth::FLASH_COOKIE)
                    .and_then(|t| auth::verify_flash(&app.config, env.clock, t))
                    .unwrap_or_default();
                return Err(TestError::JoinRedirected(Navigation::Redirect {
                    to,
                    flash,
                }));
            }
            404 => {
                return Err(TestError::NoRoute {
                    path: parsed.path().to_owned(),
                })
            }
            status => {
                return Err(TestError::Other(format!(
                    "the dead render of {url:?} answered HTTP {status}"
                )))
            }
        }
        let loaded = read_page(&response.body)
            .map_err(|e| TestError::Other(format!("the dead render of {url:?}: {e}")))?;
        let mut page = Page {
            app,
            url: parsed,
            loaded,
            socket: None,
            ended: None,
            client: ClientModel::default(),
            dropped: Vec::new(),
            sinks: Vec::new(),
            record: env.record,
            flash_of,
            crashed: false,
            tasks: Default::default(),
            used_inputs: Default::default(),
            children: Vec::new(),
            syncing: false,
            child_failures: Vec::new(),
            held_replies: Vec::new(),
            last_response: None,
            selected: Vec::new(),
            next_file_ref: 0,
            writers: Default::default(),
        };
        if connected {
            page.connect(env);
            let url = absolute(&page.url.to_string());
            match page.join(env, &url, false)? {
                Answer::Ok => {}
                Answer::Navigated(nav) => {
                    page.close(env);
                    return Err(TestError::JoinRedirected(nav));
                }
                Answer::Refused(reason) => {
                    page.close(env);
                    return Err(TestError::JoinRefused { reason });
                }
                Answer::None | Answer::LinkRedirect => {
                    page.close(env);
                    return Err(TestError::Other("the join got no reply".into()));
                }
            }
        }
        Ok(page)
    }

    /// Opens the page's WebSocket (the socket's CSRF token, `vsn`, the jar's cookies).
    fn connect(&mut self, env: &mut Env) {
        let csrf: String = form_urlencoded::byte_serialize(self.loaded.csrf.as_bytes()).collect();
        let connect = ConnectInfo {
            query: format!("_csrf_token={csrf}&vsn=2.0.0"),
            cookie: env.cookies.header(),
            origin: Some(client::ORIGIN.to_owned()),
        };
        self.socket = Some(Socket {
            machine: SocketMachine::new(Arc::clone(&self.app), env.clock, connect),
            topic: format!("lv:{}", self.loaded.id),
            join_ref: String::new(),
            refs: 0,
            inbox: Inbox::new(Arc::clone(&env.sequence)),
            next_heartbeat: env.clock + HEARTBEAT_EVERY,
        });
    }

    /// Joins the page's topic at `url` (`redirect` on live navigation).
    fn join(&mut self, env: &mut Env, url: &str, redirect: bool) -> Result<Answer, TestError> {
        let Some(s) = self.socket.as_mut() else {
            return Ok(Answer::None);
        };
        let reference = s.next_ref();
        let frame = client::join(
            &reference,
            &s.topic,
            &JoinParams {
                csrf: &self.loaded.csrf,
                session: &self.loaded.session,
                statics: &self.loaded.statics,
                url,
                redirect,
            },
        );
        s.join_ref = reference.clone();
        self.client = ClientModel {
            navigations: std::mem::take(&mut self.client.navigations),
            pushed_events: std::mem::take(&mut self.client.pushed_events),
            ..ClientModel::default()
        };
        self.exchange(env, &frame, &reference)
    }

    /// Sends one frame and applies everything the machine answers.
    fn exchange(
        &mut self,
        env: &mut Env,
        frame: &str,
        reference: &str,
    ) -> Result<Answer, TestError> {
        if let Some(s) = self.socket.as_mut() {
            s.machine.handle_text(env.clock, frame);
        }
        self.pump(env, Some(reference))
    }

    /// Drains the machine's outputs ([`pump_frames`](Self::pump_frames)),
    /// then reports the components the diffs removed from the page, as the
    /// client does: `cids_will_destroy`, then `cids_destroyed` for those
    /// still gone, and prunes the ones the server deleted.
    fn pump(&mut self, env: &mut Env, awaited: Option<&str>) -> Result<Answer, TestError> {
        let answer = self.pump_cleanup(env, awaited)?;
        self.sync_children(env)?;
        Ok(answer)
    }

    /// [`pump_frames`](Self::pump_frames), then the client's component cleanup.
    fn pump_cleanup(&mut self, env: &mut Env, awaited: Option<&str>) -> Result<Answer, TestError> {
        let answer = self.pump_frames(env, awaited)?;
        loop {
            let cids = std::mem::take(&mut self.client.destroyed);
            if cids.is_empty() {
                return Ok(answer);
            }
            let Some(s) = self.socket.as_mut() else {
                return Ok(answer);
            };
            let reference = s.next_ref();
            let frame = client::cids(
                &s.join_ref,
                &reference,
                &s.topic,
                "cids_will_destroy",
                &cids,
            );
            s.machine.handle_text(env.clock, &frame);
            self.pump_frames(env, Some(&reference))?;
            let shown = self.client.shown_cids();
            let gone: Vec<u32> = cids.into_iter().filter(|c| !shown.contains(c)).collect();
            let Some(s) = self.socket.as_mut() else {
                return Ok(answer);
            };
            if gone.is_empty() {
                continue;
            }
            let reference = s.next_ref();
            let frame = client::cids(&s.join_ref, &reference, &s.topic, "cids_destroyed", &gone);
            s.machine.handle_text(env.clock, &frame);
            self.pump_frames(env, Some(&reference))?;
        }
    }

    /// Drains the machine's outputs: frames to the client model, pub/sub
    /// requests to the backend. Returns the answer to `awaited`.
    fn pump_frames(&mut self, env: &mut Env, awaited: Option<&str>) -> Result<Answer, TestError> {
        let mut answer = Answer::None;
        let mut bad = None;
        while let Some(s) = self.socket.as_mut() {
            let Some(out) = s.machine.poll_output() else {
                if self.ended.is_some() && !s.machine.is_closed() {
                    // The view is gone: the page's socket goes too.
                    s.machine.close(env.clock);
                    continue;
                }
                break;
            };
            match out {
                SocketOutput::Send(text) => match client::read(&text) {
                    Ok(f) => {
                        if let Some(a) = self.on_frame(env, f, awaited) {
                            answer = a;
                        }
                    }
                    Err(e) => {
                        bad.get_or_insert(e);
                    }
                },
                SocketOutput::Subscribe(t) => env.pubsub.subscribe(&t, s.inbox.id, s.inbox.clone()),
                SocketOutput::Unsubscribe(t) => env.pubsub.unsubscribe(&t, s.inbox.id),
                SocketOutput::Broadcast { topic, payload } => env.pubsub.publish(&topic, &payload),
                SocketOutput::Close { code, reason } => {
                    s.inbox.close();
                    self.ended
                        .get_or_insert(format!("the socket was closed ({code} {reason})"));
                }
                SocketOutput::Dropped { topic, reason } => self.dropped.push((topic, reason)),
                SocketOutput::StartTask(task) => self.tasks.started(task, env.clock),
                SocketOutput::CancelTask { id } => self.tasks.cancelled(id),
                // The writers' results go back at once, in order.
                SocketOutput::UploadOpen(start) => {
                    let opened = self.writers.open(&env.upload_writers, &start);
                    s.machine
                        .handle_upload(env.clock, start.id, UploadIo::Opened(opened));
                }
                SocketOutput::UploadWrite { id, bytes } => {
                    let written = self.writers.write(id, &bytes);
                    s.machine
                        .handle_upload(env.clock, id, UploadIo::Written(written));
                }
                SocketOutput::UploadClose { id, done } => {
                    if let Some(closed) = self.writers.close(id, done) {
                        s.machine
                            .handle_upload(env.clock, id, UploadIo::Closed(closed));
                    }
                }
                SocketOutput::UploadDiscard { id } => self.writers.discard(id),
                other => {
                    bad.get_or_insert(format!(
                        "the harness does not know the socket output {other:?}"
                    ));
                }
            }
        }
        self.sinks.extend(env.collector.take());
        match bad {
            Some(e) => Err(TestError::Other(e)),
            None => Ok(answer),
        }
    }

    /// Applies one server frame; the answer when it is the awaited reply.
    fn on_frame(&mut self, env: &Env, f: Frame, awaited: Option<&str>) -> Option<Answer> {
        let s = self.socket.as_ref()?;
        if f.topic.starts_with("lvu:") {
            return self.on_upload_frame(f, awaited);
        }
        if f.topic != s.topic {
            // A child's, or a heartbeat reply.
            return self.on_child_frame(env, f, awaited);
        }
        if f.event == "phx_reply" {
            let held = self.take_held_reply(&f);
            if !held && (awaited.is_none() || f.reference.as_deref() != awaited) {
                return None;
            }
            let response = f.payload.get("response").cloned().unwrap_or_default();
            if !held {
                self.last_response = Some(response.clone());
            }
            let answer = if f.payload.get("status").and_then(Value::as_str) == Some("ok") {
                self.on_ok(env, &response)
            } else {
                self.on_error(env, &response)
            };
            return (!held).then_some(answer);
        }
        if f.join_ref.as_deref() != Some(s.join_ref.as_str()) {
            return None; // a push of a channel the client has left
        }
        match f.event.as_str() {
            "diff" => self.client.diff(&f.payload),
            "live_patch" | "live_redirect" | "redirect" => {
                self.navigated(env, &f.event, &f.payload)
            }
            "phx_close" => {
                self.ended
                    .get_or_insert_with(|| "the server closed the channel".into());
            }
            "phx_error" => {
                self.crashed = true;
                self.ended.get_or_insert_with(|| {
                    "it crashed: the server sent phx_error (channel_crash)".into()
                });
            }
            _ => {}
        }
        None
    }

    /// Whether `f` is the reply of an event whose reply was held (it is
    /// then no longer awaited).
    fn take_held_reply(&mut self, f: &Frame) -> bool {
        match self
            .held_replies
            .iter()
            .position(|(t, r)| *t == f.topic && Some(r.as_str()) == f.reference.as_deref())
        {
            Some(i) => {
                self.held_replies.remove(i);
                true
            }
            None => false,
        }
    }

    fn on_ok(&mut self, env: &Env, response: &Value) -> Answer {
        if let Some(rendered) = response.get("rendered") {
            self.client.joined(rendered);
        }
        if let Some(diff) = response.get("diff") {
            self.client.diff(diff);
        }
        // The reply to `cids_destroyed`: the client forgets those components.
        if let Some(Value::Array(cids)) = response.get("cids") {
            let cids: Vec<u32> = cids
                .iter()
                .filter_map(|c| c.as_u64().and_then(|c| u32::try_from(c).ok()))
                .collect();
            if let Some(tree) = self.client.tree.as_mut() {
                tree.prune(&cids);
            }
        }
        for key in ["live_patch", "live_redirect", "redirect"] {
            if let Some(obj) = response.get(key) {
                self.navigated(env, key, obj);
            }
        }
        if response.get("link_redirect") == Some(&Value::Bool(true)) {
            return Answer::LinkRedirect;
        }
        Answer::Ok
    }

    fn on_error(&mut self, env: &Env, response: &Value) -> Answer {
        for key in ["live_redirect", "redirect"] {
            if let Some(nav) = response
                .get(key)
                .and_then(|obj| client::navigation(&self.app.config, env.clock, key, obj))
            {
                return Answer::Navigated(nav);
            }
        }
        Answer::Refused(match response.get("reason") {
            Some(Value::String(r)) => r.clone(),
            _ => response.to_string(),
        })
    }

    /// The server asked for a navigation: a patch moves the URL, anything
    /// else ends the view (the page stops there).
    fn navigated(&mut self, env: &Env, event: &str, obj: &Value) {
        if let Some(nav) = client::navigation(&self.app.config, env.clock, event, obj) {
            self.record_navigation(nav);
        }
    }

    /// Records a navigation the server asked for and applies it.
    fn record_navigation(&mut self, nav: Navigation) {
        match &nav {
            Navigation::Patch { to, .. } => {
                if let Ok(u) = Url::parse(to) {
                    self.url = u;
                }
            }
            Navigation::Navigate { to, flash, .. } => {
                self.client.flash = flash.clone();
                self.ended = Some(format!("it navigated to {to}"));
            }
            Navigation::Redirect { to, flash } => {
                self.client.flash = flash.clone();
                self.ended = Some(format!("it redirected to {to}"));
            }
            other => self.ended = Some(format!("it navigated away ({other:?})")),
        }
        self.client.navigations.push(nav);
    }

    // ---- what a test does ----

    /// Sends a client event; an error reply is [`TestError::Refused`].
    pub(crate) fn push_event(
        &mut self,
        env: &mut Env,
        target: Option<&str>,
        event: ClientEvent,
    ) -> Result<(), TestError> {
        let input = client::describe(&event);
        let (topic, join_ref) = match target {
            None => match self.socket.as_ref() {
                Some(s) => (s.topic.clone(), s.join_ref.clone()),
                None => return Err(TestError::NotConnected),
            },
            Some(id) => match self.child(id) {
                Some(c) => (c.topic.clone(), c.join_ref.clone()),
                None => return Err(TestError::NoChild { id: id.to_owned() }),
            },
        };
        let Some(s) = self.socket.as_mut() else {
            return Err(TestError::NotConnected);
        };
        let reference = s.next_ref();
        let frame = client::event(&join_ref, &reference, &topic, &event);
        let answer = self.exchange(env, &frame, &reference)?;
        if matches!(answer, Answer::None) && self.ended.is_none() && !self.crashed {
            // A held reply (`Command::HoldReply`): it comes when its task
            // ends, and is applied then.
            self.held_replies.push((topic, reference));
            return Ok(());
        }
        self.answered(answer, input)
    }

    /// A client-initiated live patch to `full` (a path and query). The
    /// machine decides whether it stays on the view; on `link_redirect` the
    /// page navigates as the client does.
    pub(crate) fn patch(&mut self, env: &mut Env, full: &str) -> Result<(), TestError> {
        let target = Url::parse(full).map_err(|e| TestError::Other(e.to_string()))?;
        let Some(s) = self.socket.as_mut() else {
            return Err(TestError::NotConnected);
        };
        let reference = s.next_ref();
        let frame = client::live_patch(&s.join_ref, &reference, &s.topic, &absolute(full));
        let before = std::mem::replace(&mut self.url, target);
        match self.exchange(env, &frame, &reference)? {
            Answer::LinkRedirect => {
                self.url = before;
                self.navigate(env, full)
            }
            answer @ (Answer::Refused(_) | Answer::None) => {
                self.url = before;
                self.answered(answer, format!("live patch to {full:?}"))
            }
            answer => self.answered(answer, format!("live patch to {full:?}")),
        }
    }

    /// Live navigation to `full` (the client's `replaceMain`): leave the
    /// channel, join the same topic with `redirect`; a refused join loads
    /// the page over HTTP instead.
    pub(crate) fn navigate(&mut self, env: &mut Env, full: &str) -> Result<(), TestError> {
        let Some(s) = self.socket.as_mut() else {
            return Err(TestError::NotConnected);
        };
        let reference = s.next_ref();
        let frame = client::leave(&s.join_ref, &reference, &s.topic);
        s.join_ref.clear();
        self.exchange(env, &frame, &reference)?;
        let target = Url::parse(full).map_err(|e| TestError::Other(e.to_string()))?;
        match self.join(env, &absolute(full), true)? {
            Answer::Ok => {
                self.url = target;
                // A new view: new form controls.
                self.used_inputs.clear();
                Ok(())
            }
            Answer::Navigated(nav) => {
                self.record_navigation(nav);
                Ok(())
            }
            Answer::Refused(reason) if reason == "unauthorized" || reason == "stale" => {
                self.reload(env, full)
            }
            Answer::Refused(reason) => {
                self.ended = Some(format!(
                    "its live navigation to {full} was refused: {reason}"
                ));
                Err(TestError::JoinRefused { reason })
            }
            Answer::None | Answer::LinkRedirect => Err(TestError::Other(
                "the live navigation's join got no reply".into(),
            )),
        }
    }

    /// A full page load of `full` in place of this page (new dead render, new socket).
    fn reload(&mut self, env: &mut Env, full: &str) -> Result<(), TestError> {
        self.close(env);
        self.ended = Some(format!("the page was left for {full}"));
        let mut next = Page::load(env, Arc::clone(&self.app), full, true, self.flash_of)?;
        let mut sinks = std::mem::take(&mut self.sinks);
        sinks.append(&mut next.sinks);
        next.sinks = sinks;
        next.dropped = std::mem::take(&mut self.dropped);
        next.record = self.record;
        *self = next;
        Ok(())
    }

    /// The outcome of a push as an action's result.
    fn answered(&mut self, answer: Answer, input: String) -> Result<(), TestError> {
        match answer {
            Answer::Ok | Answer::LinkRedirect => Ok(()),
            Answer::Refused(reason) => Err(TestError::Refused {
                input,
                reason,
                html: self.html(),
            }),
            Answer::Navigated(nav) => Err(TestError::JoinRedirected(nav)),
            Answer::None => Err(TestError::Other(format!("{input} got no reply"))),
        }
    }

    /// An info for the view alone ([`SocketMachine::send_info`]).
    pub(crate) fn send_info(
        &mut self,
        env: &mut Env,
        target: Option<&str>,
        info: &Value,
    ) -> Result<(), TestError> {
        let topic = match target {
            None => self.socket.as_ref().map(|s| s.topic.clone()),
            Some(id) => self.child(id).map(|c| c.topic.clone()),
        };
        let (Some(s), Some(topic)) = (self.socket.as_mut(), topic) else {
            return Err(TestError::NotConnected);
        };
        let sent = s.machine.send_info(env.clock, &topic, info);
        self.pump(env, None)?;
        sent.map_err(|reason| TestError::Refused {
            input: format!("the info {info}"),
            reason,
            html: self.html(),
        })
    }

    /// A `send_update` to a component of the view ([`SocketMachine::send_update`]).
    pub(crate) fn send_update(
        &mut self,
        env: &mut Env,
        to: liveview_core::view::ComponentRef,
        update: Value,
    ) -> Result<(), TestError> {
        let Some(s) = self.socket.as_mut() else {
            return Err(TestError::NotConnected);
        };
        let input = format!("send_update to {to:?} with {update}");
        let sent = s.machine.send_update(env.clock, &s.topic, to, update);
        self.pump(env, None)?;
        sent.map_err(|reason| TestError::Refused {
            input,
            reason,
            html: self.html(),
        })
    }

    /// A pub/sub message from the page's mailbox.
    pub(crate) fn handle_pubsub(
        &mut self,
        env: &mut Env,
        topic: &str,
        payload: &Value,
    ) -> Result<(), TestError> {
        if let Some(s) = self.socket.as_mut() {
            s.machine.handle_pubsub(env.clock, topic, payload);
            self.pump(env, None)?;
        }
        Ok(())
    }

    /// The outcome of task `id`, handed to the machine now.
    pub(crate) fn complete_task(
        &mut self,
        env: &mut Env,
        id: u64,
        outcome: Result<Value, liveview_core::AsyncError>,
    ) -> Result<(), TestError> {
        let Some(s) = self.socket.as_mut() else {
            return Err(TestError::NotConnected);
        };
        s.machine.handle_async(env.clock, id, outcome);
        self.pump(env, None).map(|_| ())
    }

    /// When the page next needs [`Page::on_time`]: the machine's deadline,
    /// the next heartbeat, or a task outcome a runner scheduled.
    pub(crate) fn deadline(&self) -> Option<Time> {
        let s = self.socket.as_ref()?;
        let t = s.machine.poll_timeout()?.min(s.next_heartbeat);
        Some(self.tasks.next_due().map_or(t, |due| due.min(t)))
    }

    /// Sends the heartbeat when due, then runs the machine's due timers.
    pub(crate) fn on_time(&mut self, env: &mut Env) -> Result<(), TestError> {
        let now = env.clock;
        let Some(s) = self.socket.as_mut() else {
            return Ok(());
        };
        if s.next_heartbeat <= now {
            while s.next_heartbeat <= now {
                s.next_heartbeat = s.next_heartbeat + HEARTBEAT_EVERY;
            }
            let reference = s.next_ref();
            let frame = client::heartbeat(&reference);
            self.exchange(env, &frame, &reference)?;
        }
        if let Some(s) = self.socket.as_mut() {
            if s.machine.poll_timeout().is_some_and(|t| t <= now) {
                s.machine.handle_timeout(now);
                self.pump(env, None)?;
            }
        }
        for (id, outcome) in self.tasks.take_due(now) {
            self.complete_task(env, id, outcome)?;
        }
        Ok(())
    }

    /// The socket goes away: every view stops and unsubscribes.
    pub(crate) fn close(&mut self, env: &mut Env) {
        if let Some(s) = self.socket.as_mut() {
            s.machine.close(env.clock);
            // Only pub/sub bookkeeping comes out of a close.
            let _ = self.pump(env, None);
            if let Some(s) = self.socket.as_ref() {
                s.inbox.close();
            }
        }
    }
}

/// Checks that the client's page of one view is the server's render.
pub(super) fn check(client: &ClientModel, server: String) -> Result<(), TestError> {
    match client.html() {
        None => Ok(()),
        Some(Err(reason)) => Err(TestError::DiffMismatch {
            reason,
            server,
            client: String::new(),
        }),
        Some(Ok(shown)) if shown != server => {
            let reason = match &client.last_diff {
                Some(d) => format!("the pages differ after the diff {d}"),
                None => "the pages differ after the join".to_owned(),
            };
            Err(TestError::DiffMismatch {
                reason,
                server,
                client: shown,
            })
        }
        Some(Ok(_)) => Ok(()),
    }
}
