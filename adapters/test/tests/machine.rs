//! The harness runs on the real socket machine: what the machine decides
//! (dropping undecodable pub/sub messages, live sessions, refusing events
//! for components, closing a user's sockets, crashes, heartbeats) is what a
//! test sees.

mod common;

use common::*;
use liveview_core::event::{ClientEvent, EventValue};
use liveview_core::protocol::live_session::{disconnect_payload, LIVE_SOCKET_ID};
use liveview_core::protocol::{App, Config, LiveSession, OnMount, Router};
use liveview_core::pubsub::{InProcess, Mailbox, PubSub, SubscriberId};
use liveview_core::runtime::Navigation;
use liveview_core::{html, LiveView, Mount, Rendered, Session, Update};
use liveview_test::{TestApp, TestError, TEST_SECRET};
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn a_pubsub_payload_that_does_not_decode_is_dropped_and_the_view_goes_on() -> Result<(), TestError>
{
    let app = TestApp::new();
    let chat = app.mount_view::<Chat>("/chat")?;
    app.broadcast("chat", &json!({"not": "a chat message"}))?;
    let dropped = chat.dropped();
    assert_eq!(dropped.len(), 1, "{dropped:?}");
    assert_eq!(dropped[0].0, "chat");
    assert!(dropped[0].1.contains("does not decode"), "{dropped:?}");
    assert!(!chat.is_ended());
    // The view goes on.
    chat.submit("#chat-form", &[("body", "still here")])?;
    assert_eq!(chat.texts("#messages li")?, ["still here"]);
    assert_eq!(chat.dropped().len(), 1);
    Ok(())
}

#[test]
fn send_info_of_the_wrong_shape_is_a_clear_error() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Search>("/search")?;
    let err = view
        .send_info(&json!({"type": "no_such_info"}))
        .unwrap_err();
    assert!(matches!(err, TestError::Refused { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(r#"the view refused the info {"type":"no_such_info"}"#)
            && msg.contains("does not decode into the view's Info type"),
        "{msg}"
    );
    // The view goes on and takes a well-formed info.
    view.send_info(&SearchInfo::RunSearch { query: "pe".into() })?;
    assert_eq!(view.texts("#results li")?, ["peach", "pear"]);
    Ok(())
}

// ---------------------------------------------------------------- live sessions

/// `/admin`: shows the session's user (the `admin` live session guarantees one).
struct Admin {
    user: String,
}

impl LiveView for Admin {
    type Event = ();
    type Info = ();
    fn mount(m: &Mount) -> Update<Self> {
        let user = m.session.get("user").and_then(Value::as_str).unwrap_or("");
        (
            Admin {
                user: user.to_owned(),
            },
            vec![],
        )
    }
    fn render(&self) -> Rendered {
        html!(r#"<p id="user">{self.user}</p>"#)
    }
}

fn sessions_app() -> App {
    let admin = LiveSession::new("admin").on_mount(|m| match m.session.get("user") {
        Some(_) => OnMount::Continue,
        None => OnMount::redirect_with_flash("/login", "error", "log in first"),
    });
    let router = Router::new()
        .live::<Nav>("/nav")
        .live::<Counter>("/counter")
        .live_session(admin, |r| r.live::<Admin>("/admin"));
    App::new(router, Config::new(TEST_SECRET).unwrap())
}

fn user(name: &str) -> Session {
    let mut s = Session::default();
    s.insert("user", json!(name));
    s
}

#[test]
fn on_mount_redirects_without_a_user_and_mounts_with_one() -> Result<(), TestError> {
    let err = TestApp::with_app(sessions_app())
        .mount("/admin")
        .err()
        .expect("no user: redirected");
    match err {
        TestError::JoinRedirected(Navigation::Redirect { to, flash }) => {
            assert_eq!(to, "/login");
            assert_eq!(flash.get("error"), Some("log in first"));
        }
        other => panic!("expected the on_mount redirect, got {other}"),
    }
    let app = TestApp::with_app(sessions_app()).with_session(user("ada"));
    let admin = app.mount("/admin")?;
    assert_eq!(admin.text("#user")?, "ada");
    Ok(())
}

#[test]
fn a_patch_into_another_live_session_loads_the_page() -> Result<(), TestError> {
    // With a user: the socket answers link_redirect, the live navigation is
    // refused (another live session), so the client loads /admin over HTTP.
    let app = TestApp::with_app(sessions_app()).with_session(user("ada"));
    let page = app.mount("/nav")?;
    page.patch("/admin")?;
    assert_eq!(page.url(), "/admin");
    assert_eq!(page.text("#user")?, "ada");
    assert!(!page.is_ended());
    // Within the default live session, the same patch is a live navigation.
    page.patch("/nav?page=3")?;
    assert_eq!(page.text("#page")?, "3");

    // Without a user, the page load is redirected by the admin session's on_mount.
    let app = TestApp::with_app(sessions_app());
    let page = app.mount("/nav")?;
    let err = page.patch("/admin").unwrap_err();
    assert!(
        matches!(&err, TestError::JoinRedirected(Navigation::Redirect { to, .. }) if to == "/login"),
        "{err}"
    );
    assert!(page.is_ended());
    Ok(())
}

#[test]
fn a_users_sockets_close_on_the_live_socket_id_topic() -> Result<(), TestError> {
    let mut session = user("ada");
    session.insert(LIVE_SOCKET_ID, json!("users_socket:ada"));
    let app = TestApp::with_app(sessions_app()).with_session(session);
    let a = app.mount("/admin")?;
    let b = app.mount("/counter")?;
    app.broadcast("users_socket:ada", &disconnect_payload())?;
    for page in [&a, &b] {
        assert!(page.is_ended());
        let err = page.click("#inc").unwrap_err().to_string();
        assert!(
            err.contains("the socket was closed (1000 disconnected)"),
            "{err}"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- socket rules

#[test]
fn an_event_for_a_component_is_refused_by_the_socket() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Counter>("/counter")?;
    let err = view
        .client_event(ClientEvent {
            kind: "click".into(),
            name: "inc".into(),
            value: EventValue::Json(json!({})),
            meta: Map::new(),
            cid: Some(1),
            uploads: None,
        })
        .unwrap_err();
    assert!(matches!(err, TestError::Refused { .. }), "{err}");
    assert!(err.to_string().contains("targets component 1"), "{err}");
    assert_eq!(view.text("#count")?, "0");
    Ok(())
}

/// Panics on any event.
struct Fragile;

impl LiveView for Fragile {
    type Event = serde_json::Value;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Fragile, vec![])
    }
    fn handle_event(self, _: Value) -> Update<Self> {
        panic!("fragile view: handler exploded (expected by the test)")
    }
    fn render(&self) -> Rendered {
        html!(r#"<button id="b" phx-click="go">go</button>"#)
    }
}

#[test]
fn a_view_that_panics_is_a_crash_error() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Fragile>("/fragile")?;
    let err = view.click("#b").unwrap_err();
    assert!(matches!(err, TestError::Crashed { .. }), "{err}");
    assert!(view.is_ended());
    Ok(())
}

#[test]
fn heartbeats_keep_a_quiet_page_alive_over_long_advances() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Dashboard>("/dashboard?ms=60000")?;
    app.advance(Duration::from_secs(10 * 60))?;
    assert!(
        !view.is_ended(),
        "the client's heartbeats kept the socket open"
    );
    assert_eq!(view.text("#ticks")?, "10");
    view.click("#pause")?;
    assert_eq!(view.timer_count(), 0);
    Ok(())
}

/// A backend that counts what is published through it.
#[derive(Default)]
struct Counting {
    inner: InProcess,
    published: AtomicUsize,
}

impl PubSub for Counting {
    fn subscribe(&self, topic: &str, id: SubscriberId, mailbox: Arc<dyn Mailbox>) {
        self.inner.subscribe(topic, id, mailbox)
    }
    fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        self.inner.unsubscribe(topic, id)
    }
    fn publish(&self, topic: &str, payload: &Value) {
        self.published.fetch_add(1, Ordering::Relaxed);
        self.inner.publish(topic, payload)
    }
}

#[test]
fn another_pubsub_backend_plugs_in() -> Result<(), TestError> {
    let backend = Arc::new(Counting::default());
    let app = TestApp::new().with_pubsub(backend.clone());
    let alice = app.mount_view::<Chat>("/chat")?;
    let bob = app.mount_view::<Chat>("/chat")?;
    alice.submit("#chat-form", &[("body", "hi")])?;
    assert_eq!(bob.texts("#messages li")?, ["hi"]);
    assert_eq!(backend.published.load(Ordering::Relaxed), 1);
    assert_eq!(backend.inner.subscriber_count("chat"), 2);
    bob.stop();
    assert_eq!(backend.inner.subscriber_count("chat"), 1);
    Ok(())
}
