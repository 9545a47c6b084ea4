//! Live sessions end to end on the socket machine: the session function on
//! the dead render, `on_mount` hooks and `LiveView::on_mount` on the dead
//! render and on join, the boundary between live sessions for live
//! navigation and live patches, per-session layouts, `live_socket_id`, and
//! what `mount` and handlers read (time, connect params).

use super::testing::{connect, drain, frames, join_payload, load_request, send, Page, T0};
use super::{App, Config, DefaultLayout, LiveSession, OnMount, PageRequest, Router};
use crate::protocol::live_session::{disconnect_payload, LIVE_SOCKET_ID};
use crate::protocol::socket::{SocketMachine, SocketOutput};
use crate::view::{Context, LiveView, Mount, Session, Update};
use crate::{html, Rendered, Time};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Shows the signed-in user, the mount's time and connect params, and
/// stamps events with their time.
struct Account {
    user: String,
    mounted_at: u64,
    tz: String,
    clicked_at: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum AccountEvent {
    Stamp,
}

impl LiveView for Account {
    type Event = AccountEvent;
    type Info = ();
    fn mount(m: &Mount) -> Update<Self> {
        let user = m.session.get("user").and_then(Value::as_str).unwrap_or("?");
        let tz = m
            .connect_params
            .as_ref()
            .and_then(|p| p.get("tz"))
            .and_then(Value::as_str)
            .unwrap_or("none");
        let view = Account {
            user: user.to_owned(),
            mounted_at: m.now.as_micros(),
            tz: tz.to_owned(),
            clicked_at: 0,
        };
        (view, vec![])
    }
    fn handle_event_with(self, AccountEvent::Stamp: AccountEvent, cx: &Context) -> Update<Self> {
        let clicked_at = cx.now.as_micros();
        (Account { clicked_at, ..self }, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<p id="user">{self.user}</p><p id="at">{self.mounted_at}</p><p id="tz">{self.tz}</p><p id="click">{self.clicked_at}</p>"#
        )
    }
}

/// Another view of the same live session.
struct Settings;
impl LiveView for Settings {
    type Event = ();
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Settings, vec![])
    }
    fn render(&self) -> Rendered {
        html!("<p>settings</p>")
    }
}

/// A public view outside the gated session.
struct Public;
impl LiveView for Public {
    type Event = ();
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Public, vec![])
    }
    fn render(&self) -> Rendered {
        html!("<p>public</p>")
    }
}

/// Refuses to mount on its own (no state is built) unless `?ok` is given.
struct Picky;
impl LiveView for Picky {
    type Event = ();
    type Info = ();
    fn on_mount(m: &Mount) -> OnMount {
        match m.params.get("ok") {
            Some(_) => OnMount::Continue,
            None => OnMount::redirect("/"),
        }
    }
    fn mount(m: &Mount) -> Update<Self> {
        assert!(
            m.params.get("ok").is_some(),
            "mount runs only after on_mount continued"
        );
        (Picky, vec![])
    }
    fn render(&self) -> Rendered {
        html!("<p>picky</p>")
    }
}

fn app() -> Arc<App> {
    let gated = LiveSession::new("account")
        .session(|req| {
            let mut s = Session::default();
            if let Some(user) = req.cookie("user") {
                s.insert("user", json!(user));
                s.insert(LIVE_SOCKET_ID, json!(format!("users_socket:{user}")));
            }
            if let Some(agent) = req.header("user-agent") {
                s.insert("agent", json!(agent));
            }
            s
        })
        .on_mount(|m| match m.session.get("user") {
            Some(_) => OnMount::Continue,
            None => OnMount::redirect_with_flash("/login", "error", "sign in first"),
        })
        .layout(DefaultLayout::new("Account area"));
    let router = Router::new()
        .live::<Public>("/")
        .live::<Picky>("/picky")
        .live_session(gated, |r| {
            r.live::<Account>("/account")
                .live::<Settings>("/account/settings")
        });
    Arc::new(App::new(router, Config::new(vec![3u8; 32]).unwrap()))
}

/// Dead-renders `url` with the cookie header `cookie` and a user agent.
fn load(app: &App, url: &str, cookie: &str) -> (Page, String) {
    let headers = vec![("user-agent".to_owned(), "test-agent".to_owned())];
    let req = PageRequest {
        url,
        cookie: Some(cookie),
        headers: &headers,
        ..Default::default()
    };
    load_request(app, &req, 5)
}

fn join_at(m: &mut SocketMachine, p: &Page, now: Time, payload: Value) -> Vec<SocketOutput> {
    send(m, now, json!(["1", "1", p.topic, "phx_join", payload]))
}

#[test]
fn the_session_function_reads_the_request_and_the_view_sees_it_on_both_renders() {
    let app = app();
    let (page, body) = load(&app, "/account", "user=ada");
    assert!(body.contains(r#"<p id="user">ada</p>"#), "{body}");
    assert!(body.contains("Account area"), "the live session's layout");
    let mut m = connect(&app, &page);
    let mut payload = join_payload(&page, "/account");
    payload["params"]["tz"] = json!("Europe/Paris");
    let later = T0 + Duration::from_secs(5);
    let out = frames(&join_at(&mut m, &page, later, payload));
    let rendered = &out[0][4]["response"]["rendered"];
    assert_eq!(rendered["0"], "ada", "{rendered}");
    // mount saw the adapter's time and the client's connect params.
    assert_eq!(rendered["1"], later.as_micros().to_string());
    assert_eq!(rendered["2"], "Europe/Paris");
    // A handler reads the time of its input through the context.
    let at = later + Duration::from_millis(250);
    let ev =
        json!(["1", "2", page.topic, "event", {"type": "click", "event": "stamp", "value": {}}]);
    let out = frames(&send(&mut m, at, ev));
    assert_eq!(
        out[0][4]["response"]["diff"],
        json!({"3": at.as_micros().to_string()})
    );
    // The dead render has no connect params.
    assert!(body.contains(r#"<p id="tz">none</p>"#));
}

#[test]
fn on_mount_hooks_gate_the_dead_render_and_the_join() {
    let app = app();
    // Dead render without a user: 302 to the login page, with the flash.
    let req = PageRequest {
        url: "/account",
        ..Default::default()
    };
    let resp = app.render_request(T0, &req, [5; 16]);
    assert_eq!(
        (resp.status, resp.header("location")),
        (302, Some("/login"))
    );
    assert!(resp
        .headers
        .iter()
        .any(|(k, v)| k == "set-cookie" && v.starts_with("__phoenix_flash__=")));
    // A page of the gated session rendered for a user, whose session token
    // is then replayed by a page of the default session: the hooks run on
    // join too. Here: a public page's token used to join /account is refused
    // (another live session), and a gated token mounts.
    let (public, _) = load(&app, "/", "");
    let mut m = connect(&app, &public);
    let out = frames(&join_at(
        &mut m,
        &public,
        T0,
        join_payload(&public, "/account"),
    ));
    assert_eq!(
        out[0][4],
        json!({"status": "error", "response": {"reason": "unauthorized"}})
    );
    assert_eq!(m.stats().views, 0);
}

#[test]
fn a_join_whose_hook_halts_answers_with_the_redirect_and_mounts_nothing() {
    // The hook runs on join with the session the page was signed with: a
    // session function whose result changes between the dead render and
    // the join cannot apply, so gate on data the token carries.
    let gated = LiveSession::new("admin").on_mount(|m| {
        if m.connected && m.session.get("admin").is_none() {
            OnMount::redirect("/")
        } else {
            OnMount::Continue
        }
    });
    let router = Router::new().live_session(gated, |r| r.live::<Settings>("/admin"));
    let app = Arc::new(App::new(router, Config::new(vec![3u8; 32]).unwrap()));
    let (page, _) = load(&app, "/admin", "x=1");
    let mut m = connect(&app, &page);
    let out = frames(&join_at(&mut m, &page, T0, join_payload(&page, "/admin")));
    assert_eq!(
        out[0][4],
        json!({"status": "error", "response": {"redirect": {"to": "/"}}})
    );
    assert_eq!(m.stats().views, 0);
}

#[test]
fn live_navigation_and_patches_stay_inside_one_live_session() {
    let app = app();
    let (page, _) = load(&app, "/account", "user=ada");
    let mut m = connect(&app, &page);
    let out = frames(&join_at(&mut m, &page, T0, join_payload(&page, "/account")));
    assert_eq!(out[0][4]["status"], "ok");
    // A live patch to a route of another view (even in the same session) or
    // of another session: the client must navigate instead.
    for url in ["/account/settings", "/"] {
        let patch =
            json!(["1", "3", page.topic, "live_patch", {"url": format!("http://localhost{url}")}]);
        let out = frames(&send(&mut m, T0, patch));
        assert_eq!(
            out[0][4]["response"],
            json!({"link_redirect": true}),
            "{url}"
        );
    }
    // Live navigation (a re-join with `redirect`) within the session mounts...
    let mut nav = join_payload(&page, "/account");
    nav["redirect"] = json!("http://localhost/account/settings");
    nav.as_object_mut().unwrap().remove("url");
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "4", page.topic, "phx_join", nav]),
    ));
    let reply = out.iter().find(|f| f[3] == "phx_reply").unwrap();
    assert_eq!(reply[4]["status"], "ok", "{out:?}");
    // ...but into another live session it is refused, so the client loads the page.
    let mut nav = join_payload(&page, "/account");
    nav["redirect"] = json!("http://localhost/");
    nav.as_object_mut().unwrap().remove("url");
    let out = frames(&send(
        &mut m,
        T0,
        json!(["5", "5", page.topic, "phx_join", nav]),
    ));
    let reply = out.iter().find(|f| f[3] == "phx_reply").unwrap();
    assert_eq!(
        reply[4],
        json!({"status": "error", "response": {"reason": "unauthorized"}})
    );
}

#[test]
fn a_view_can_refuse_to_mount_without_building_a_state() {
    let app = app();
    let resp = app.render_page(T0, "/picky", [1; 16]);
    assert_eq!((resp.status, resp.header("location")), (302, Some("/")));
    let (page, body) = load(&app, "/picky?ok=1", "");
    assert!(body.contains("<p>picky</p>"));
    let mut m = connect(&app, &page);
    // Joined at a URL without `ok`: the join is answered with the redirect.
    let out = frames(&join_at(&mut m, &page, T0, join_payload(&page, "/picky")));
    assert_eq!(
        out[0][4],
        json!({"status": "error", "response": {"redirect": {"to": "/"}}})
    );
}

#[test]
fn publishing_disconnect_on_the_live_socket_id_closes_the_users_sockets() {
    let app = app();
    let (page, _) = load(&app, "/account", "user=ada");
    let mut m = connect(&app, &page);
    let outs = join_at(&mut m, &page, T0, join_payload(&page, "/account"));
    assert!(
        outs.contains(&SocketOutput::Subscribe("users_socket:ada".into())),
        "{outs:?}"
    );
    // Another message on that topic changes nothing.
    m.handle_pubsub(T0, "users_socket:ada", &json!({"event": "other"}));
    assert!(drain(&mut m).is_empty());
    assert_eq!(m.stats().views, 1);
    m.handle_pubsub(T0, "users_socket:ada", &disconnect_payload());
    let outs = drain(&mut m);
    assert!(
        outs.contains(&SocketOutput::Unsubscribe("users_socket:ada".into())),
        "{outs:?}"
    );
    assert_eq!(
        outs.last(),
        Some(&SocketOutput::Close {
            code: 1000,
            reason: "disconnected".into()
        })
    );
    assert!(m.is_closed());
    assert_eq!(m.stats(), Default::default());
}

#[test]
fn a_pubsub_payload_a_view_cannot_decode_is_reported_and_the_view_goes_on() {
    use crate::Command;
    #[derive(Default)]
    struct Listener(u32);
    impl LiveView for Listener {
        type Event = ();
        type Info = u32;
        fn mount(_: &Mount) -> Update<Self> {
            (Listener(0), vec![Command::Subscribe("numbers".into())])
        }
        fn handle_info(self, n: u32) -> Update<Self> {
            (Listener(self.0 + n), vec![])
        }
        fn render(&self) -> Rendered {
            html!("<b>{self.0}</b>")
        }
    }
    let router = Router::new().live::<Listener>("/l");
    let app = Arc::new(App::new(router, Config::new(vec![3u8; 32]).unwrap()));
    let (page, _) = load(&app, "/l", "");
    let mut m = connect(&app, &page);
    join_at(&mut m, &page, T0, join_payload(&page, "/l"));
    m.handle_pubsub(T0, "numbers", &json!("not a number"));
    let outs = drain(&mut m);
    assert!(
        matches!(&outs[..], [SocketOutput::Dropped { topic, reason }] if topic == "numbers" && reason.contains("Info")),
        "{outs:?}"
    );
    m.handle_pubsub(T0, "numbers", &json!(2));
    let out = frames(&drain(&mut m));
    assert_eq!(out[0][4], json!({"0": "2"}));
    // send_info reaches the view alone, and a wrong shape is a clear error.
    assert!(m.send_info(T0, &page.topic, &json!(5)).is_ok());
    assert_eq!(frames(&drain(&mut m))[0][4], json!({"0": "7"}));
    let err = m.send_info(T0, &page.topic, &json!({"x": 1})).unwrap_err();
    assert!(err.contains("does not decode"), "{err}");
    assert!(m
        .send_info(T0, "lv:nope", &json!(1))
        .unwrap_err()
        .contains("no view"));
}
