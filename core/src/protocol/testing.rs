//! A fake [`AnyView`] for the protocol's unit tests: scripted behaviour keyed
//! on the mount path and the event name, independent of the real driver.

use super::{App, Config, Router};
use crate::event::{ClientEvent, DecodeError, EventValue};
use crate::runtime::{AnyView, InputError, JoinInput, Joined, Navigation, Output, Reply};
use crate::time::Time;
use crate::view::{Flash, Url};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::time::Duration;

pub(crate) const FAKE_SECRET: &str = "fake secret fake secret fake secret!!";

pub(crate) struct FakeView {
    count: i64,
    connected: bool,
    flash: Flash,
    subs: Vec<String>,
    out: VecDeque<Output>,
    timer: Option<Time>,
    ticks: u64,
}

fn flash(kind: &str, msg: &str) -> Flash {
    let mut f = Flash::default();
    f.put(kind, msg);
    f
}

pub(crate) fn fake_join(
    now: Time,
    input: JoinInput,
) -> Result<(Box<dyn AnyView>, Joined), Navigation> {
    let path = input.url.path().to_owned();
    let mut view = FakeView {
        count: 0,
        connected: input.connected,
        flash: input.flash.clone(),
        subs: vec![],
        out: VecDeque::new(),
        timer: None,
        ticks: 0,
    };
    let mut live_patch = None;
    match path.as_str() {
        "/boom" => panic!("mount exploded"),
        "/redirect" => {
            return Err(Navigation::Redirect {
                to: "/elsewhere".into(),
                flash: flash("info", "moved"),
            })
        }
        "/navigate" => {
            return Err(Navigation::Navigate {
                to: "/counter".into(),
                replace: true,
                flash: Flash::default(),
            })
        }
        "/patched" => {
            live_patch = Some(Navigation::Patch {
                to: "/patched?p=1".into(),
                replace: true,
            })
        }
        "/chat" if input.connected => {
            view.subs.push("chat".into());
            view.out.push_back(Output::Subscribe("chat".into()));
        }
        "/ticker" if input.connected => view.timer = Some(now + Duration::from_secs(1)),
        _ => {}
    }
    let rendered = json!({
        "0": view.count.to_string(),
        "url": input.url.to_string(),
        "params": input.path_params,
        "session": input.session,
        "flash": input.flash,
        "connected": input.connected,
        "t": "Fake",
    })
    .to_string();
    Ok((
        Box::new(view),
        Joined {
            rendered,
            live_patch,
        },
    ))
}

fn diff(v: Value) -> Option<String> {
    Some(v.to_string())
}

impl AnyView for FakeView {
    fn handle_async(
        &mut self,
        _: Time,
        _: u64,
        _: Result<serde_json::Value, crate::view::AsyncError>,
    ) -> Result<(), InputError> {
        Ok(())
    }
    fn pending_tasks(&self) -> Vec<crate::runtime::PendingTask> {
        Vec::new()
    }
    fn handle_info_value(&mut self, _: Time, _: &serde_json::Value) -> Result<(), InputError> {
        Ok(())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn type_name(&self) -> &'static str {
        "FakeView"
    }
    fn render_html(&self) -> String {
        let mut s = format!(r#"<span id="count">{}</span>"#, self.count);
        if !self.connected {
            s.push_str("<i>dead</i>");
        }
        if let Some(info) = self.flash.get("info") {
            s.push_str(&format!("<b>{info}</b>"));
        }
        s
    }
    fn render_full(&mut self) -> String {
        json!({"0": self.count.to_string()}).to_string()
    }
    fn handle_event(&mut self, _now: Time, event: ClientEvent) -> Result<Reply, InputError> {
        let mut reply = Reply::default();
        match event.name.as_str() {
            "inc" => {
                self.count += 1;
                reply.diff = diff(json!({"0": self.count.to_string()}));
            }
            "noop" => {}
            "echo" => reply.diff = diff(serde_json::to_value(&event).unwrap_or(Value::Null)),
            "patch" => {
                self.count += 1;
                reply.diff = diff(json!({"0": self.count.to_string()}));
                reply.navigation = Some(Navigation::Patch {
                    to: "/counter?page=2".into(),
                    replace: false,
                });
            }
            "navigate" => {
                reply.diff = diff(json!({"e": [["bye", {}]]}));
                reply.navigation = Some(Navigation::Navigate {
                    to: "/other".into(),
                    replace: false,
                    flash: flash("info", "bye"),
                });
            }
            "redirect" => {
                reply.navigation = Some(Navigation::Redirect {
                    to: "/elsewhere".into(),
                    flash: Flash::default(),
                })
            }
            "panic" => panic!("handler exploded"),
            "bad" => {
                return Err(InputError::Decode(DecodeError {
                    event: event.name.clone(),
                    reason: "unknown variant".into(),
                }))
            }
            "send" => self.out.push_back(Output::Broadcast {
                topic: "chat".into(),
                payload: event_json(&event.value),
            }),
            "info" => {
                reply.diff = diff(json!({"0": "a"}));
                self.out
                    .push_back(Output::Push(json!({"0": "b"}).to_string()));
            }
            "sub" => {
                let topic = event_json(&event.value)["topic"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                if !self.subs.contains(&topic) {
                    self.subs.push(topic.clone());
                    self.out.push_back(Output::Subscribe(topic));
                }
            }
            "unsub" => {
                let topic = event_json(&event.value)["topic"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                self.subs.retain(|t| *t != topic);
                self.out.push_back(Output::Unsubscribe(topic));
            }
            "later_navigate" => self.out.push_back(Output::Navigate(Navigation::Redirect {
                to: "/later".into(),
                flash: Flash::default(),
            })),
            "later_patch" => self.out.push_back(Output::Navigate(Navigation::Patch {
                to: "/counter?later=1".into(),
                replace: true,
            })),
            _ => {
                return Err(InputError::Decode(DecodeError {
                    event: event.name.clone(),
                    reason: "unknown event".into(),
                }))
            }
        }
        Ok(reply)
    }
    fn handle_params(&mut self, _now: Time, url: Url) -> Result<Reply, InputError> {
        Ok(Reply {
            diff: diff(json!({"url": url.to_string()})),
            navigation: None,
            hold: None,
        })
    }
    fn handle_pubsub(
        &mut self,
        _now: Time,
        topic: &str,
        payload: &Value,
    ) -> Result<(), InputError> {
        if payload == "panic" {
            panic!("pubsub exploded");
        }
        self.out.push_back(Output::Push(
            json!({"topic": topic, "msg": payload}).to_string(),
        ));
        Ok(())
    }
    fn poll_timeout(&self) -> Option<Time> {
        self.timer
    }
    fn handle_timeout(&mut self, now: Time) {
        if let Some(t) = self.timer {
            if t <= now {
                self.ticks += 1;
                self.out
                    .push_back(Output::Push(json!({"tick": self.ticks}).to_string()));
                self.timer = Some(t + Duration::from_secs(1));
            }
        }
    }
    fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }
    fn stop(&mut self) {
        self.timer = None;
        for t in self.subs.drain(..) {
            self.out.push_back(Output::Unsubscribe(t));
        }
    }
    fn timer_count(&self) -> usize {
        usize::from(self.timer.is_some())
    }
    fn subscriptions(&self) -> Vec<String> {
        self.subs.clone()
    }
}

fn event_json(v: &EventValue) -> Value {
    match v {
        EventValue::Json(v) => v.clone(),
        EventValue::Form(s) => Value::String(s.clone()),
    }
}

pub(crate) fn fake_app() -> App {
    let mut router = Router::new();
    for p in [
        "/counter",
        "/other",
        "/chat",
        "/redirect",
        "/navigate",
        "/patched",
        "/boom",
        "/ticker",
        "/users/:id",
    ] {
        let name = if p == "/other" {
            "OtherView"
        } else {
            "FakeView"
        };
        router = router.live_with(p, name, fake_join);
    }
    App::new(
        router,
        Config::new(FAKE_SECRET.as_bytes().to_vec()).unwrap(),
    )
}

// ---------------------------------------------------------------- a socket-level test client
//
// What the official client does, frame by frame: load a page (dead render),
// connect with its CSRF token and cookie, join, push. Shared by the socket
// machine's tests with fake views and with real views.

use super::socket::{ConnectInfo, SocketMachine, SocketOutput};
use std::sync::Arc;

/// The time every socket test runs at.
pub(crate) const T0: Time = Time::from_millis(1_700_000_000_000);

/// What a client reads off a dead-rendered page.
pub(crate) struct Page {
    pub(crate) id: String,
    pub(crate) topic: String,
    pub(crate) session: String,
    pub(crate) csrf: String,
    /// The CSRF cookie (`name=value`) the page set, or the one sent with the request.
    pub(crate) cookie: String,
}

/// The value of attribute `name` in the tag that contains `marker`.
pub(crate) fn attr(html: &str, marker: &str, name: &str) -> String {
    let at = html.find(marker).unwrap();
    let start = html[..=at].rfind('<').unwrap();
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    let key = format!(" {name}=\"");
    let i = tag.find(&key).unwrap() + key.len();
    tag[i..i + tag[i..].find('"').unwrap()].to_owned()
}

/// Dead-renders `url` (with entropy `[e; 16]` and the browser's `cookie`, if
/// any); returns what the client reads and the page's HTML.
pub(crate) fn load_page(app: &App, url: &str, e: u8, cookie: Option<&str>) -> (Page, String) {
    let req = super::PageRequest {
        url,
        cookie,
        ..Default::default()
    };
    load_request(app, &req, e)
}

/// Dead-renders `req` with entropy `[e; 16]`; what the client reads (its
/// cookie: the request's cookies with the one the page set) and the HTML.
pub(crate) fn load_request(app: &App, req: &super::PageRequest<'_>, e: u8) -> (Page, String) {
    let resp = app.render_request(T0, req, [e; 16]);
    assert_eq!(resp.status, 200, "{}: {resp:?}", req.url);
    let set = resp
        .header("set-cookie")
        .map(|c| c.split(';').next().unwrap().to_owned());
    // As a browser keeps them: the page's cookie replaces one of the same name.
    let cookie = match (req.cookie.filter(|c| !c.is_empty()), set) {
        (Some(sent), Some(set)) => {
            let name = set.split('=').next().unwrap_or_default();
            let kept = sent
                .split("; ")
                .filter(|c| c.split('=').next() != Some(name));
            kept.chain([set.as_str()]).collect::<Vec<_>>().join("; ")
        }
        (Some(sent), None) => sent.to_owned(),
        (None, Some(set)) => set,
        (None, None) => panic!("a page without a cookie of its own"),
    };
    let id = attr(&resp.body, "data-phx-main", "id");
    let page = Page {
        topic: format!("lv:{id}"),
        id,
        session: attr(&resp.body, "data-phx-main", "data-phx-session"),
        csrf: attr(&resp.body, "<meta name=\"csrf-token\"", "content"),
        cookie,
    };
    (page, resp.body)
}

/// Opens a socket as the client does after loading `p`.
pub(crate) fn connect(app: &Arc<App>, p: &Page) -> SocketMachine {
    let query = format!("_csrf_token={}&_mounts=0&vsn=2.0.0", p.csrf);
    SocketMachine::new(
        app.clone(),
        T0,
        ConnectInfo {
            query,
            cookie: Some(p.cookie.clone()),
            origin: None,
        },
    )
}

/// Every output the machine has ready.
pub(crate) fn drain(m: &mut SocketMachine) -> Vec<SocketOutput> {
    std::iter::from_fn(|| m.poll_output()).collect()
}

/// Handles one text frame at `now` and drains the outputs.
pub(crate) fn send(m: &mut SocketMachine, now: Time, frame: Value) -> Vec<SocketOutput> {
    m.handle_text(now, &frame.to_string());
    drain(m)
}

/// The text frames among the outputs, parsed.
pub(crate) fn frames(outs: &[SocketOutput]) -> Vec<Value> {
    outs.iter()
        .filter_map(|o| match o {
            SocketOutput::Send(s) => Some(serde_json::from_str(s).expect("frames are JSON")),
            _ => None,
        })
        .collect()
}

/// The `phx_join` payload the official client sends for `p` at `url` (a path).
pub(crate) fn join_payload(p: &Page, url: &str) -> Value {
    json!({"url": format!("http://localhost:4000{url}"),
           "params": {"_csrf_token": p.csrf, "_mounts": 0, "_mount_attempts": 0},
           "session": p.session, "static": null, "sticky": false})
}

/// Joins `p`'s topic with join ref `jr`; the outputs.
pub(crate) fn join_outputs(
    m: &mut SocketMachine,
    p: &Page,
    jr: &str,
    url: &str,
) -> Vec<SocketOutput> {
    send(
        m,
        T0,
        json!([jr, jr, p.topic, "phx_join", join_payload(p, url)]),
    )
}
