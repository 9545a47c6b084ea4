use super::super::auth::SessionData;
use super::super::testing::{
    attr, connect, drain, fake_app, frames, join_outputs, join_payload, load_page, send, Page, T0,
};
use super::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

fn page(app: &App, url: &str, e: u8) -> Page {
    load_page(app, url, e, None).0
}

fn join(m: &mut SocketMachine, p: &Page, jr: &str, url: &str) -> Vec<Value> {
    frames(&join_outputs(m, p, jr, url))
}

fn event(
    m: &mut SocketMachine,
    p: &Page,
    jr: &str,
    rf: &str,
    name: &str,
    value: Value,
) -> Vec<Value> {
    frames(&send(
        m,
        T0,
        json!([jr, rf, p.topic, "event", {"type": "click", "event": name, "value": value}]),
    ))
}

fn ok(jr: &str, rf: &str, topic: &str, response: Value) -> Value {
    json!([jr, rf, topic, "phx_reply", {"status": "ok", "response": response}])
}

fn err(jr: Option<&str>, rf: &str, topic: &str, reason: &str) -> Value {
    json!([jr, rf, topic, "phx_reply", {"status": "error", "response": {"reason": reason}}])
}

fn setup(url: &str) -> (Arc<App>, Page, SocketMachine) {
    let app = Arc::new(fake_app());
    let p = page(&app, url, 1);
    let m = connect(&app, &p);
    (app, p, m)
}

/// Joins `/ticker` (a timer), two `/chat` views (one topic) and
/// `/counter` on one socket.
fn busy_socket() -> (Arc<App>, Vec<Page>, SocketMachine) {
    let app = Arc::new(fake_app());
    let (first, _) = load_page(&app, "/ticker", 1, None);
    let mut m = connect(&app, &first);
    join(&mut m, &first, "1", "/ticker");
    let mut pages = vec![first];
    for (i, url) in [(2, "/chat"), (3, "/chat"), (4, "/counter")] {
        let (p, _) = load_page(&app, url, i, Some(&pages[0].cookie));
        let out = join(&mut m, &p, &i.to_string(), url);
        assert_eq!(out[0][4]["status"], "ok", "{out:?}");
        pages.push(p);
    }
    (app, pages, m)
}

#[test]
fn stats_count_views_timers_and_subscriptions() {
    let (_, pages, mut m) = busy_socket();
    let live = SocketStats {
        views: 4,
        timers: 1,
        subscriptions: 2,
        topics: 1,
        tasks: 0,
        uploads: 0,
    };
    assert_eq!(m.stats(), live);
    // A timer tick keeps the one timer.
    m.handle_timeout(T0 + Duration::from_secs(1));
    drain(&mut m);
    assert_eq!(m.stats(), live);
    // Leaving a chat view drops its subscription, not the shared topic.
    send(
        &mut m,
        T0,
        json!(["2", "9", pages[1].topic, "phx_leave", {}]),
    );
    assert_eq!(
        m.stats(),
        SocketStats {
            views: 3,
            subscriptions: 1,
            ..live
        }
    );
    // Leaving the ticker drops its timer.
    send(
        &mut m,
        T0,
        json!(["1", "10", pages[0].topic, "phx_leave", {}]),
    );
    assert_eq!(
        m.stats(),
        SocketStats {
            views: 2,
            timers: 0,
            subscriptions: 1,
            topics: 1,
            tasks: 0,
            uploads: 0,
        }
    );
    m.close(T0);
    assert_eq!(
        drain(&mut m),
        vec![SocketOutput::Unsubscribe("chat".into())]
    );
    assert_eq!(m.stats(), SocketStats::default());
}

#[test]
fn stats_are_zero_after_close_heartbeat_timeout_or_crash() {
    let (_, _, mut m) = busy_socket();
    m.close(T0);
    drain(&mut m);
    assert_eq!(m.stats(), SocketStats::default());

    let (app, _, mut m) = busy_socket();
    m.handle_timeout(T0 + app.config.heartbeat_timeout);
    assert!(m.is_closed());
    assert_eq!(m.stats(), SocketStats::default());

    // A crashing view is dropped with its subscription.
    let (_, _, mut m) = busy_socket();
    m.handle_pubsub(T0, "chat", &json!("panic"));
    drain(&mut m);
    assert_eq!(
        m.stats(),
        SocketStats {
            views: 2,
            timers: 1,
            subscriptions: 0,
            topics: 0,
            tasks: 0,
            uploads: 0,
        }
    );
    // A fatal frame closes the socket and stops every view.
    m.handle_text(T0, "not json");
    assert!(m.is_closed());
    assert_eq!(m.stats(), SocketStats::default());
}

#[test]
fn heartbeat() {
    let (_, _, mut m) = setup("/counter");
    let out = send(&mut m, T0, json!([null, "13", "phoenix", "heartbeat", {}]));
    assert_eq!(
        out,
        vec![SocketOutput::Send(
            r#"[null,"13","phoenix","phx_reply",{"status":"ok","response":{}}]"#.into()
        )]
    );
    let out = frames(&send(
        &mut m,
        T0,
        json!([null, "14", "phoenix", "nope", {}]),
    ));
    assert_eq!(out, vec![err(None, "14", "phoenix", "unmatched topic")]);
}

#[test]
fn join_ok() {
    let (_, p, mut m) = setup("/users/7?x=1");
    let out = join(&mut m, &p, "4", "/users/7?x=1");
    assert_eq!(out.len(), 1);
    let reply = &out[0];
    assert_eq!(reply[0], "4");
    assert_eq!(reply[1], "4");
    assert_eq!(reply[2], p.topic.as_str());
    assert_eq!(reply[4]["status"], "ok");
    let resp = &reply[4]["response"];
    assert_eq!(resp["liveview_version"], "1.2.12");
    assert_eq!(resp["rendered"]["connected"], true);
    assert_eq!(resp["rendered"]["url"], "/users/7?x=1");
    assert_eq!(resp["rendered"]["params"], json!({"id": "7"}));
    assert!(resp.get("live_patch").is_none());
    assert_eq!(m.topics().collect::<Vec<_>>(), vec![p.topic.as_str()]);
}

#[test]
fn join_reply_embeds_the_rendered_json_verbatim() {
    let (_, p, mut m) = setup("/counter");
    m.handle_text(
        T0,
        &json!(["4", "4", p.topic, "phx_join", join_payload(&p, "/counter")]).to_string(),
    );
    let Some(SocketOutput::Send(s)) = m.poll_output() else {
        panic!("no reply")
    };
    assert!(s.starts_with(&format!(
        r#"["4","4","{}","phx_reply",{{"status":"ok","response":{{"rendered":{{"#,
        p.topic
    )));
    assert!(s.ends_with(r#","liveview_version":"1.2.12"}}]"#), "{s}");
}

#[test]
fn join_with_live_patch() {
    let (_, p, mut m) = setup("/counter");
    // The page was rendered at /counter; the client is at /patched now (same session is fine).
    let out = join(&mut m, &p, "4", "/patched");
    assert_eq!(
        out[0][4]["response"]["live_patch"],
        json!({"to": "/patched?p=1", "kind": "replace"})
    );
}

#[test]
fn join_that_navigates_is_an_error_reply_with_the_target() {
    let (app, p, mut m) = setup("/counter");
    let out = join(&mut m, &p, "4", "/redirect");
    assert_eq!(out[0][4]["status"], "error");
    let redirect = &out[0][4]["response"]["redirect"];
    assert_eq!(redirect["to"], "/elsewhere");
    let flash = auth::verify_flash(&app.config, T0, redirect["flash"].as_str().unwrap()).unwrap();
    assert_eq!(flash.get("info"), Some("moved"));
    let out = join(&mut m, &p, "5", "/navigate");
    assert_eq!(
        out[0][4]["response"],
        json!({"live_redirect": {"to": "/counter", "kind": "replace"}})
    );
    assert_eq!(m.topics().count(), 0);
}

#[test]
fn join_stale_sessions() {
    let (app, p, mut m) = setup("/counter");
    // Tampered token.
    let mut tampered = p.session.clone().into_bytes();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    let mut payload = join_payload(&p, "/counter");
    payload["session"] = json!(String::from_utf8(tampered).unwrap());
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "4", p.topic, "phx_join", payload]),
    ));
    assert_eq!(out, vec![err(Some("4"), "4", &p.topic, "stale")]);
    // A valid session of another container.
    let other = page(&app, "/counter", 2);
    let mut payload = join_payload(&p, "/counter");
    payload["session"] = json!(other.session);
    let out = frames(&send(
        &mut m,
        T0,
        json!(["5", "5", p.topic, "phx_join", payload]),
    ));
    assert_eq!(out, vec![err(Some("5"), "5", &p.topic, "stale")]);
    // Expired.
    let late = T0 + app.config.session_max_age + Duration::from_secs(10);
    let mut m2 = connect(&app, &p);
    let out = frames(&send(
        &mut m2,
        late,
        json!(["6", "6", p.topic, "phx_join", join_payload(&p, "/counter")]),
    ));
    // The CSRF token expired too: that is reported first.
    assert_eq!(out[0][4]["status"], "error");
    // Session expired but a fresh CSRF token: stale.
    let fresh_csrf = auth::sign_csrf(&app.config, late, p.cookie.trim_start_matches("_lv_csrf="));
    let p2 = Page {
        csrf: fresh_csrf,
        ..page(&app, "/counter", 1)
    };
    let mut m3 = connect(&app, &p2);
    m3.csrf = Ok(());
    let out = frames(&send(
        &mut m3,
        late,
        json!(["7", "7", p.topic, "phx_join", join_payload(&p2, "/counter")]),
    ));
    assert_eq!(out, vec![err(Some("7"), "7", &p.topic, "stale")]);
    // Missing session, unroutable URL.
    let mut payload = join_payload(&p, "/counter");
    payload.as_object_mut().unwrap().remove("session");
    let out = frames(&send(
        &mut m,
        T0,
        json!(["8", "8", p.topic, "phx_join", payload]),
    ));
    assert_eq!(out, vec![err(Some("8"), "8", &p.topic, "stale")]);
    let out = join(&mut m, &p, "9", "/nowhere");
    assert_eq!(out, vec![err(Some("9"), "9", &p.topic, "stale")]);
    assert_eq!(m.topics().count(), 0);
}

#[test]
fn join_unauthorized_csrf() {
    let (app, p, mut m) = setup("/counter");
    // A join token from another browser (bound to another cookie).
    let other = page(&app, "/counter", 9);
    let mut payload = join_payload(&p, "/counter");
    payload["params"]["_csrf_token"] = json!(other.csrf);
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "4", p.topic, "phx_join", payload]),
    ));
    assert_eq!(out, vec![err(Some("4"), "4", &p.topic, "unauthorized")]);
    // Missing join token.
    let mut payload = join_payload(&p, "/counter");
    payload["params"] = json!({});
    let out = frames(&send(
        &mut m,
        T0,
        json!(["5", "5", p.topic, "phx_join", payload]),
    ));
    assert_eq!(out, vec![err(Some("5"), "5", &p.topic, "unauthorized")]);
    // The socket's query token does not match the cookie: every join refused.
    let query = format!("_csrf_token={}&vsn=2.0.0", other.csrf);
    let mut bad = SocketMachine::new(
        app.clone(),
        T0,
        ConnectInfo {
            query,
            cookie: Some(p.cookie.clone()),
            ..Default::default()
        },
    );
    assert_eq!(
        join(&mut bad, &p, "4", "/counter"),
        vec![err(Some("4"), "4", &p.topic, "unauthorized")]
    );
    // No query token at all.
    let mut none = SocketMachine::new(
        app.clone(),
        T0,
        ConnectInfo {
            query: "vsn=2.0.0".into(),
            ..Default::default()
        },
    );
    assert_eq!(
        join(&mut none, &p, "4", "/counter"),
        vec![err(Some("4"), "4", &p.topic, "unauthorized")]
    );
    // Without a cookie, authentic tokens are enough.
    let query = format!("_csrf_token={}&vsn=2.0.0", p.csrf);
    let mut cookieless = SocketMachine::new(
        app.clone(),
        T0,
        ConnectInfo {
            query,
            ..Default::default()
        },
    );
    assert_eq!(
        join(&mut cookieless, &p, "4", "/counter")[0][4]["status"],
        "ok"
    );
    // A forged token is refused even without a cookie.
    let forged = crate::protocol::token::sign(b"not the secret", T0, r#"{"k":"csrf","v":"x"}"#);
    let mut payload = join_payload(&p, "/counter");
    payload["params"]["_csrf_token"] = json!(forged);
    let out = frames(&send(
        &mut cookieless,
        T0,
        json!(["5", "5", "lv:x", "phx_join", payload]),
    ));
    assert_eq!(out, vec![err(Some("5"), "5", "lv:x", "unauthorized")]);
}

#[test]
fn unsupported_vsn_closes() {
    let app = Arc::new(fake_app());
    let mut m = SocketMachine::new(
        app,
        T0,
        ConnectInfo {
            query: "vsn=1.0.0".into(),
            ..Default::default()
        },
    );
    assert!(matches!(
        drain(&mut m).as_slice(),
        [SocketOutput::Close { code: 1002, .. }]
    ));
    assert!(m.is_closed());
}

#[test]
fn unmatched_topics() {
    let (_, p, mut m) = setup("/counter");
    // Event before join.
    assert_eq!(
        event(&mut m, &p, "4", "5", "inc", json!({})),
        vec![err(Some("4"), "5", &p.topic, "unmatched topic")]
    );
    // Join on a topic that is not lv:*.
    let out = frames(&send(
        &mut m,
        T0,
        json!(["6", "6", "room:1", "phx_join", {}]),
    ));
    assert_eq!(out, vec![err(Some("6"), "6", "room:1", "unmatched topic")]);
    let out = frames(&send(&mut m, T0, json!(["7", "7", "lv:", "phx_join", {}])));
    assert_eq!(out, vec![err(Some("7"), "7", "lv:", "unmatched topic")]);
}

#[test]
fn events_and_replies() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    assert_eq!(
        event(&mut m, &p, "4", "5", "inc", json!({"value": ""})),
        vec![ok("4", "5", &p.topic, json!({"diff": {"0": "1"}}))]
    );
    assert_eq!(
        event(&mut m, &p, "4", "6", "noop", json!({})),
        vec![ok("4", "6", &p.topic, json!({}))]
    );
    // An event that also pushes: the reply first, then the push.
    let out = event(&mut m, &p, "4", "7", "info", json!({}));
    assert_eq!(
        out,
        vec![
            ok("4", "7", &p.topic, json!({"diff": {"0": "a"}})),
            json!(["4", null, p.topic, "diff", {"0": "b"}])
        ]
    );
}

#[test]
fn event_payload_decoding() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    let form = json!(["4", "10", p.topic, "event", {"type": "form", "event": "echo", "value": "user%5Bname%5D=Grace",
                      "meta": {"_target": "user[name]"}, "uploads": {}}]);
    let out = frames(&send(&mut m, T0, form));
    assert_eq!(
        out[0][4]["response"]["diff"],
        json!({"kind": "form", "name": "echo", "value": {"form": "user%5Bname%5D=Grace"}, "meta": {"_target": "user[name]"}})
    );
    // The decoder keeps the cid (the event is for a component)...
    let click =
        json!({"type": "click", "event": "echo", "value": {"id": "7", "value": 0}, "cid": 1});
    let decoded = frame::decode_client_event(click.as_object().unwrap()).unwrap();
    assert_eq!((decoded.name.as_str(), decoded.cid), ("echo", Some(1)));
    // `liveSocket.execJS(el, '[["push", …]]')` pushes with a null type: a plain event.
    let pushed = json!({"type": null, "event": "echo", "value": {"n": 1}});
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "10", p.topic, "event", pushed]),
    ));
    assert_eq!(
        out[0][4]["response"]["diff"],
        json!({"kind": "", "name": "echo", "value": {"json": {"n": 1}}})
    );
    // ...and the socket hands it to the view with its cid (the driver
    // routes it to the component, or refuses a cid it does not have).
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "11", p.topic, "event", click]),
    ));
    assert_eq!(
        out[0][4]["response"]["diff"],
        json!({"cid": 1, "kind": "click", "name": "echo", "value": {"json": {"id": "7", "value": 0}}})
    );
    let click = json!(["4", "11", p.topic, "event", {"type": "click", "event": "echo", "value": {"id": "7", "value": 0}}]);
    let out = frames(&send(&mut m, T0, click));
    assert_eq!(
        out[0][4]["response"]["diff"],
        json!({"kind": "click", "name": "echo", "value": {"json": {"id": "7", "value": 0}}})
    );
    // Bad payloads: an error reply, the view lives on.
    for (rf, payload) in [
        ("12", json!({"event": "inc"})),
        ("13", json!({"type": "click"})),
        (
            "14",
            json!({"type": "form", "event": "inc", "value": {"a": 1}}),
        ),
        ("15", json!({"type": "click", "event": "inc", "meta": 3})),
        ("16", json!({"type": "click", "event": "inc", "cid": -1})),
    ] {
        let out = frames(&send(
            &mut m,
            T0,
            json!(["4", rf, p.topic, "event", payload]),
        ));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0][1], rf);
        assert_eq!(out[0][4]["status"], "error", "{payload}");
    }
    // The view's own decode error: an error reply naming the problem, the view lives on.
    let out = event(&mut m, &p, "4", "17", "bad", json!({}));
    assert_eq!(out[0][4]["status"], "error");
    assert!(out[0][4]["response"]["reason"]
        .as_str()
        .unwrap()
        .contains("unknown variant"));
    assert_eq!(
        event(&mut m, &p, "4", "18", "inc", json!({}))[0][4]["response"],
        json!({"diff": {"0": "1"}})
    );
}

#[test]
fn unknown_channel_events_get_error_replies() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "5", p.topic, "frobnicate", {}]),
    ));
    assert_eq!(
        out,
        vec![err(
            Some("4"),
            "5",
            &p.topic,
            "unknown event \"frobnicate\""
        )]
    );
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "6", p.topic, "allow_upload", {"ref": "x", "entries": []}]),
    ));
    assert_eq!(
        out,
        vec![err(Some("4"), "6", &p.topic, "this view has no uploads")]
    );
}

#[test]
fn stale_join_refs_are_ignored() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    assert!(event(&mut m, &p, "2", "5", "inc", json!({})).is_empty());
    assert!(frames(&send(
        &mut m,
        T0,
        json!([null, "6", p.topic, "event", {"type": "click", "event": "inc"}])
    ))
    .is_empty());
    assert_eq!(
        event(&mut m, &p, "4", "7", "inc", json!({}))[0][4]["response"],
        json!({"diff": {"0": "1"}})
    );
}

#[test]
fn leave() {
    let (_, p, mut m) = setup("/chat");
    let outs = send(
        &mut m,
        T0,
        json!(["4", "4", p.topic, "phx_join", join_payload(&p, "/chat")]),
    );
    assert!(outs.contains(&SocketOutput::Subscribe("chat".into())));
    let outs = send(&mut m, T0, json!(["4", "5", p.topic, "phx_leave", {}]));
    assert_eq!(
        outs,
        vec![
            SocketOutput::Send(frame::encode_reply(
                Some("4"),
                Some("5"),
                &p.topic,
                Status::Ok,
                "{}"
            )),
            SocketOutput::Unsubscribe("chat".into()),
            SocketOutput::Send(frame::encode_push(
                Some("4"),
                Some("4"),
                &p.topic,
                "phx_close",
                "{}"
            )),
        ]
    );
    // Leaving again (the client sometimes does): ok {}, nothing else.
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "6", p.topic, "phx_leave", {}]),
    ));
    assert_eq!(out, vec![ok("4", "6", &p.topic, json!({}))]);
    assert_eq!(
        event(&mut m, &p, "4", "7", "inc", json!({})),
        vec![err(Some("4"), "7", &p.topic, "unmatched topic")]
    );
    assert_eq!(m.subscriptions().count(), 0);
}

#[test]
fn duplicate_join_closes_the_old_channel() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    event(&mut m, &p, "4", "5", "inc", json!({}));
    let out = join(&mut m, &p, "9", "/counter");
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], json!(["4", "4", p.topic, "phx_close", {}]));
    assert_eq!(out[1][4]["status"], "ok");
    assert_eq!(out[1][4]["response"]["rendered"]["0"], "0", "a fresh mount");
    // Pushes for the old join are ignored; the new join serves.
    assert!(event(&mut m, &p, "4", "10", "inc", json!({})).is_empty());
    assert_eq!(
        event(&mut m, &p, "9", "11", "inc", json!({}))[0][4]["response"],
        json!({"diff": {"0": "1"}})
    );
    assert_eq!(m.topics().count(), 1);
}

#[test]
fn live_navigation_rejoins_the_same_topic() {
    let (app, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    let out = event(&mut m, &p, "4", "5", "navigate", json!({}));
    assert_eq!(out.len(), 3, "{out:?}");
    assert_eq!(
        out[0],
        json!(["4", null, p.topic, "diff", {"e": [["bye", {}]]}])
    );
    assert_eq!(out[1][1], "5");
    let lr = &out[1][4]["response"]["live_redirect"];
    assert_eq!((&lr["to"], &lr["kind"]), (&json!("/other"), &json!("push")));
    assert_eq!(out[2], json!(["4", "4", p.topic, "phx_close", {}]));
    // The client leaves (ok), then joins the same topic with `redirect` and the flash.
    assert_eq!(
        frames(&send(
            &mut m,
            T0,
            json!(["4", "6", p.topic, "phx_leave", {}])
        )),
        vec![ok("4", "6", &p.topic, json!({}))]
    );
    let mut payload = join_payload(&p, "/other");
    let payload_obj = payload.as_object_mut().unwrap();
    payload_obj.remove("url");
    payload_obj.insert("redirect".into(), json!("http://localhost:4000/other"));
    payload_obj.insert("flash".into(), lr["flash"].clone());
    let out = frames(&send(
        &mut m,
        T0,
        json!(["7", "7", p.topic, "phx_join", payload]),
    ));
    assert_eq!(out.len(), 1);
    let rendered = &out[0][4]["response"]["rendered"];
    assert_eq!(rendered["url"], "/other");
    assert_eq!(rendered["flash"], json!({"info": "bye"}));
    let _ = app;
}

#[test]
fn patch_is_pushed_before_the_reply() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    let out = event(&mut m, &p, "4", "5", "patch", json!({}));
    assert_eq!(
        out,
        vec![
            json!(["4", null, p.topic, "live_patch", {"to": "/counter?page=2", "kind": "push"}]),
            ok("4", "5", &p.topic, json!({"diff": {"0": "1"}})),
        ]
    );
    assert_eq!(m.topics().count(), 1);
}

#[test]
fn redirect_reply_then_close() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    let out = event(&mut m, &p, "4", "5", "redirect", json!({}));
    assert_eq!(
        out,
        vec![
            ok(
                "4",
                "5",
                &p.topic,
                json!({"redirect": {"to": "/elsewhere"}})
            ),
            json!(["4", "4", p.topic, "phx_close", {}])
        ]
    );
    assert_eq!(m.topics().count(), 0);
}

#[test]
fn view_initiated_navigation() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    let out = event(&mut m, &p, "4", "5", "later_patch", json!({}));
    assert_eq!(
        out[1],
        json!(["4", null, p.topic, "live_patch", {"to": "/counter?later=1", "kind": "replace"}])
    );
    let out = event(&mut m, &p, "4", "6", "later_navigate", json!({}));
    assert_eq!(
        out,
        vec![
            ok("4", "6", &p.topic, json!({})),
            json!(["4", null, p.topic, "redirect", {"to": "/later"}]),
            json!(["4", "4", p.topic, "phx_close", {}]),
        ]
    );
    assert_eq!(m.topics().count(), 0);
}

#[test]
fn client_live_patch() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "12", p.topic, "live_patch", {"url": "http://localhost:4000/counter?page=2"}]),
    ));
    assert_eq!(
        out,
        vec![ok(
            "4",
            "12",
            &p.topic,
            json!({"diff": {"url": "/counter?page=2"}})
        )]
    );
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "13", p.topic, "live_patch", {"url": "http://localhost:4000/other"}]),
    ));
    assert_eq!(
        out,
        vec![ok("4", "13", &p.topic, json!({"link_redirect": true}))]
    );
    // Another route of the same view type is still a patch.
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "15", p.topic, "live_patch", {"url": "http://localhost:4000/users/5"}]),
    ));
    assert_eq!(
        out,
        vec![ok(
            "4",
            "15",
            &p.topic,
            json!({"diff": {"url": "/users/5"}})
        )]
    );
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "14", p.topic, "live_patch", {}]),
    ));
    assert_eq!(out[0][4]["status"], "error");
}

#[test]
fn component_cleanup() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "8", p.topic, "cids_will_destroy", {"cids": [2]}]),
    ));
    assert_eq!(out, vec![ok("4", "8", &p.topic, json!({}))]);
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "9", p.topic, "cids_destroyed", {"cids": [2, 5]}]),
    ));
    // Components this view does not have are not deleted (as in Phoenix).
    assert_eq!(out, vec![ok("4", "9", &p.topic, json!({"cids": []}))]);
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "10", p.topic, "cids_destroyed", {"cids": ["x"]}]),
    ));
    assert_eq!(out[0][4]["status"], "error");
}

fn two_chats() -> (Arc<App>, Page, Page, SocketMachine) {
    let app = Arc::new(fake_app());
    let a = page(&app, "/chat", 1);
    // Same browser: the second page reuses the CSRF cookie.
    let req = super::super::PageRequest {
        url: "/chat",
        cookie: Some(&a.cookie),
        ..Default::default()
    };
    let resp = app.render_request(T0, &req, [2; 16]);
    let b = Page {
        id: attr(&resp.body, "data-phx-main", "id"),
        topic: format!("lv:{}", attr(&resp.body, "data-phx-main", "id")),
        session: attr(&resp.body, "data-phx-main", "data-phx-session"),
        csrf: attr(&resp.body, "<meta name=\"csrf-token\"", "content"),
        cookie: a.cookie.clone(),
    };
    let m = connect(&app, &a);
    (app, a, b, m)
}

#[test]
fn pubsub_is_reference_counted_and_delivered() {
    let (_, a, b, mut m) = two_chats();
    let outs = send(
        &mut m,
        T0,
        json!(["4", "4", a.topic, "phx_join", join_payload(&a, "/chat")]),
    );
    assert_eq!(
        outs.iter()
            .filter(|o| matches!(o, SocketOutput::Subscribe(_)))
            .count(),
        1
    );
    let outs = send(
        &mut m,
        T0,
        json!(["5", "5", b.topic, "phx_join", join_payload(&b, "/chat")]),
    );
    assert_eq!(
        outs.iter()
            .filter(|o| matches!(o, SocketOutput::Subscribe(_)))
            .count(),
        0,
        "subscribed once per socket"
    );
    assert_eq!(m.subscriptions().collect::<Vec<_>>(), vec![("chat", 2)]);
    // A broadcast goes to the adapter.
    let outs = send(
        &mut m,
        T0,
        json!(["4", "6", a.topic, "event", {"type": "click", "event": "send", "value": {"body": "hi"}}]),
    );
    assert!(outs.contains(&SocketOutput::Broadcast {
        topic: "chat".into(),
        payload: json!({"body": "hi"})
    }));
    // Delivery to both views.
    m.handle_pubsub(T0, "chat", &json!({"body": "hi"}));
    let out = frames(&drain(&mut m));
    assert_eq!(out.len(), 2);
    let mut topics: Vec<&str> = out.iter().map(|f| f[2].as_str().unwrap()).collect();
    topics.sort();
    let mut expected = vec![a.topic.as_str(), b.topic.as_str()];
    expected.sort();
    assert_eq!(topics, expected);
    assert!(out
        .iter()
        .all(|f| f[3] == "diff" && f[4]["msg"]["body"] == "hi" && f[1].is_null()));
    // Other topics reach nobody.
    m.handle_pubsub(T0, "elsewhere", &json!(1));
    assert!(drain(&mut m).is_empty());
    // Leaving one keeps the socket subscribed; leaving both unsubscribes.
    let outs = send(&mut m, T0, json!(["4", "7", a.topic, "phx_leave", {}]));
    assert!(!outs
        .iter()
        .any(|o| matches!(o, SocketOutput::Unsubscribe(_))));
    let outs = send(&mut m, T0, json!(["5", "8", b.topic, "phx_leave", {}]));
    assert_eq!(
        outs.iter()
            .filter(|o| matches!(o, SocketOutput::Unsubscribe(_)))
            .count(),
        1
    );
}

#[test]
fn view_unsubscribe_is_counted() {
    let (_, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    let outs = send(
        &mut m,
        T0,
        json!(["4", "5", p.topic, "event", {"type": "hook", "event": "sub", "value": {"topic": "t1"}}]),
    );
    assert!(outs.contains(&SocketOutput::Subscribe("t1".into())));
    let outs = send(
        &mut m,
        T0,
        json!(["4", "6", p.topic, "event", {"type": "hook", "event": "unsub", "value": {"topic": "t1"}}]),
    );
    assert!(outs.contains(&SocketOutput::Unsubscribe("t1".into())));
    // Unsubscribing again does nothing.
    let outs = send(
        &mut m,
        T0,
        json!(["4", "7", p.topic, "event", {"type": "hook", "event": "unsub", "value": {"topic": "t1"}}]),
    );
    assert!(!outs
        .iter()
        .any(|o| matches!(o, SocketOutput::Unsubscribe(_))));
}

#[test]
fn panics_are_contained() {
    let (_, a, b, mut m) = two_chats();
    join(&mut m, &a, "4", "/chat");
    join(&mut m, &b, "5", "/chat");
    // A panic while handling a push: phx_error, and no reply to the push.
    let outs = send(
        &mut m,
        T0,
        json!(["4", "6", a.topic, "event", {"type": "click", "event": "panic"}]),
    );
    let out = frames(&outs);
    assert_eq!(
        out,
        vec![json!(["4", "4", a.topic, "phx_error", {"reason": "channel_crash"}])]
    );
    // Its subscription is released, the socket stays subscribed for the other view.
    assert_eq!(m.subscriptions().collect::<Vec<_>>(), vec![("chat", 1)]);
    assert!(!m.is_closed());
    // The other view still works; the crashed topic is gone.
    assert_eq!(
        event(&mut m, &b, "5", "7", "inc", json!({}))[0][4]["response"],
        json!({"diff": {"0": "1"}})
    );
    assert_eq!(
        event(&mut m, &a, "4", "8", "inc", json!({})),
        vec![err(Some("4"), "8", &a.topic, "unmatched topic")]
    );
    // A panic in pub/sub delivery: phx_error, and the last subscriber unsubscribes.
    m.handle_pubsub(T0, "chat", &json!("panic"));
    let outs = drain(&mut m);
    assert!(outs.contains(&SocketOutput::Unsubscribe("chat".into())));
    assert_eq!(
        frames(&outs),
        vec![json!(["5", "5", b.topic, "phx_error", {"reason": "channel_crash"}])]
    );
    // The client rejoins after a crash: a fresh mount.
    assert_eq!(join(&mut m, &a, "9", "/chat")[0][4]["status"], "ok");
    // The socket still answers heartbeats.
    assert_eq!(
        frames(&send(
            &mut m,
            T0,
            json!([null, "10", "phoenix", "heartbeat", {}])
        ))[0][4]["status"],
        "ok"
    );
}

#[test]
fn join_panic_is_an_error_reply() {
    let (_, p, mut m) = setup("/counter");
    assert_eq!(
        join(&mut m, &p, "4", "/boom"),
        vec![err(Some("4"), "4", &p.topic, "join crashed")]
    );
    assert_eq!(join(&mut m, &p, "5", "/counter")[0][4]["status"], "ok");
}

#[test]
fn heartbeat_timeout_closes() {
    let (app, p, mut m) = setup("/chat");
    join(&mut m, &p, "4", "/chat");
    let hb = app.config.heartbeat_timeout;
    assert_eq!(m.poll_timeout(), Some(T0 + hb));
    // Any frame counts as life.
    let t1 = T0 + Duration::from_secs(30);
    send(&mut m, t1, json!([null, "5", "phoenix", "heartbeat", {}]));
    assert_eq!(m.poll_timeout(), Some(t1 + hb));
    m.handle_timeout(t1 + (hb - Duration::from_millis(1)));
    assert!(drain(&mut m).is_empty());
    m.handle_timeout(t1 + hb);
    let outs = drain(&mut m);
    assert_eq!(
        outs,
        vec![
            SocketOutput::Unsubscribe("chat".into()),
            SocketOutput::Close {
                code: 1001,
                reason: "heartbeat timeout".into()
            }
        ]
    );
    assert!(m.is_closed());
    assert_eq!(m.poll_timeout(), None);
    m.handle_text(t1 + hb, r#"[null,"6","phoenix","heartbeat",{}]"#);
    assert!(drain(&mut m).is_empty(), "nothing after close");
}

#[test]
fn view_timers_drive_poll_timeout() {
    let (_, p, mut m) = setup("/ticker");
    join(&mut m, &p, "4", "/ticker");
    let tick = T0 + Duration::from_secs(1);
    assert_eq!(m.poll_timeout(), Some(tick));
    m.handle_timeout(tick);
    assert_eq!(
        frames(&drain(&mut m)),
        vec![json!(["4", null, p.topic, "diff", {"tick": 1}])]
    );
    assert_eq!(m.poll_timeout(), Some(tick + Duration::from_secs(1)));
}

#[test]
fn close_unsubscribes_everything() {
    let (_, a, b, mut m) = two_chats();
    join(&mut m, &a, "4", "/chat");
    join(&mut m, &b, "5", "/chat");
    send(
        &mut m,
        T0,
        json!(["4", "6", a.topic, "event", {"type": "hook", "event": "sub", "value": {"topic": "extra"}}]),
    );
    m.close(T0);
    let mut outs = drain(&mut m);
    outs.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outs,
        vec![
            SocketOutput::Unsubscribe("chat".into()),
            SocketOutput::Unsubscribe("extra".into())
        ]
    );
    assert_eq!(m.topics().count(), 0);
    assert_eq!(m.subscriptions().count(), 0);
    assert!(m.is_closed());
}

#[test]
fn binary_frames_get_an_error_reply() {
    let (_, _, mut m) = setup("/counter");
    let mut b = vec![0, 2, 2, 5, 5];
    b.extend_from_slice(b"1314lvu:0chunkhello");
    m.handle_binary(T0, &b);
    // No upload channel is joined on that topic.
    assert_eq!(
        frames(&drain(&mut m)),
        vec![err(Some("13"), "14", "lvu:0", "unmatched topic")]
    );
    let mut b = vec![0, 2, 2, 5, 5];
    b.extend_from_slice(b"1314lv:xxchunkhello");
    m.handle_binary(T0, &b);
    assert_eq!(
        frames(&drain(&mut m)),
        vec![err(
            Some("13"),
            "14",
            "lv:xx",
            "binary pushes go to upload channels (lvu:)"
        )]
    );
    m.handle_binary(T0, &[7, 7]);
    assert!(matches!(
        drain(&mut m).as_slice(),
        [SocketOutput::Close { code: 1007, .. }]
    ));
}

#[test]
fn malformed_text_frames() {
    let (app, p, mut m) = setup("/counter");
    join(&mut m, &p, "4", "/counter");
    // Addressable: an error reply, the socket lives.
    let out = frames(&send(
        &mut m,
        T0,
        json!(["4", "5", p.topic, "event", "not an object"]),
    ));
    assert_eq!(out[0][1], "5");
    assert_eq!(out[0][4]["status"], "error");
    assert!(out[0][4]["response"]["reason"]
        .as_str()
        .unwrap()
        .contains("object"));
    assert!(!m.is_closed());
    // Too large: 1009.
    m.handle_text(T0, &" ".repeat(app.config.max_frame_bytes + 1));
    assert!(matches!(
        drain(&mut m).as_slice(),
        [.., SocketOutput::Close { code: 1009, .. }]
    ));
    // Garbage: 1007.
    let (_, _, mut m) = setup("/counter");
    m.handle_text(T0, "{not json");
    assert!(matches!(
        drain(&mut m).as_slice(),
        [SocketOutput::Close { code: 1007, .. }]
    ));
}

#[test]
fn channel_limit() {
    let app = Arc::new(fake_app());
    let first = page(&app, "/counter", 0);
    let mut m = connect(&app, &first);
    for i in 0..=MAX_CHANNELS {
        // Pages rendered for the same browser (same cookie), each with its own id.
        let id = format!("phx-{i}");
        let session = auth::sign_session(
            &app.config,
            T0,
            &SessionData {
                id: id.clone(),
                url: "/counter".into(),
                ..Default::default()
            },
        );
        let p = Page {
            topic: format!("lv:{id}"),
            id,
            session,
            csrf: first.csrf.clone(),
            cookie: first.cookie.clone(),
        };
        let jr = (i + 1).to_string();
        let out = join(&mut m, &p, &jr, "/counter");
        if i < MAX_CHANNELS {
            assert_eq!(out[0][4]["status"], "ok", "{i}");
        } else {
            assert_eq!(out[0][4]["status"], "error");
            assert!(out[0][4]["response"]["reason"]
                .as_str()
                .unwrap()
                .contains("too many channels"));
        }
    }
    assert_eq!(m.topics().count(), MAX_CHANNELS);
    let _ = first.id;
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
    /// Arbitrary frames never panic the machine, and every addressable push on a
    /// joined topic gets exactly one reply.
    #[test]
    fn arbitrary_frames_never_panic(event in "[a-z_]{0,12}", value in ".{0,12}", rf in 10u32..1000) {
        let (_, p, mut m) = setup("/counter");
        join(&mut m, &p, "4", "/counter");
        let out = frames(&send(&mut m, T0, json!(["4", rf.to_string(), p.topic, event, {"type": "click", "event": value}])));
        let replies = out.iter().filter(|f| f[3] == "phx_reply" && f[1] == rf.to_string().as_str()).count();
        proptest::prop_assert_eq!(replies, 1);
    }

    /// Random sessions of joins, events, leaves, crashes, pub/sub and timers:
    /// every push gets exactly one reply (none for a stale join_ref, and
    /// `phx_error` instead for one that crashed its view), replies
    /// answer only the push at hand, and pub/sub requests stay balanced
    /// (subscribe once, unsubscribe once, nothing left after `close`).
    #[test]
    fn random_sessions_keep_the_protocol_invariants(
        ops in proptest::collection::vec((0u8..8, 0usize..3, 0usize..14), 1..40)
    ) {
        const URLS: [&str; 6] = ["/counter", "/chat", "/ticker", "/redirect", "/boom", "/patched"];
        const EVENTS: [&str; 14] = ["inc", "noop", "patch", "navigate", "redirect", "panic", "bad", "send",
                                    "info", "sub", "unsub", "later_navigate", "later_patch", "zzz"];
        let app = Arc::new(fake_app());
        let first = page(&app, "/counter", 0);
        let pages: Vec<Page> = (0..3u8)
            .map(|i| {
                let id = format!("phx-p{i}");
                let session = auth::sign_session(&app.config, T0,
                    &SessionData { id: id.clone(), url: "/counter".into(), ..Default::default() });
                Page { topic: format!("lv:{id}"), id, session, csrf: first.csrf.clone(), cookie: first.cookie.clone() }
            })
            .collect();
        let mut m = connect(&app, &first);
        let mut current: Vec<Option<String>> = vec![None; 3];
        let mut balance: BTreeMap<String, i32> = BTreeMap::new();
        let mut now = T0;
        for (n, (kind, pi, arg)) in ops.into_iter().enumerate() {
            let rf = (n + 10).to_string();
            let p = &pages[pi];
            let jr = current[pi].clone().unwrap_or_else(|| "999".into());
            let (frame, expected) = match kind {
                0 => (Some(json!([rf, rf, p.topic, "phx_join", join_payload(p, URLS[arg % URLS.len()])])), 1),
                1 | 2 => {
                    let value = json!({"topic": "chat"});
                    (Some(json!([jr, rf, p.topic, "event", {"type": "click", "event": EVENTS[arg], "value": value}])), 1)
                }
                3 => (Some(json!([jr, rf, p.topic, "phx_leave", {}])), 1),
                4 => {
                    let expected = if current[pi].is_some() { 0 } else { 1 };
                    (Some(json!(["0", rf, p.topic, "event", {"type": "click", "event": "inc"}])), expected)
                }
                5 => (Some(json!([null, rf, "phoenix", "heartbeat", {}])), 1),
                6 => {
                    m.handle_pubsub(now, "chat", &if arg == 0 { json!("panic") } else { json!({"n": arg}) });
                    (None, 0)
                }
                _ => {
                    now = now + Duration::from_millis(300 * arg as u64);
                    m.handle_timeout(now);
                    (None, 0)
                }
            };
            if let Some(f) = &frame {
                m.handle_text(now, &f.to_string());
            }
            let outs = drain(&mut m);
            if m.is_closed() {
                break;
            }
            let mut replies = 0;
            for o in &outs {
                match o {
                    SocketOutput::Subscribe(t) => *balance.entry(t.clone()).or_default() += 1,
                    SocketOutput::Unsubscribe(t) => *balance.entry(t.clone()).or_default() -= 1,
                    SocketOutput::Send(text) => {
                        let v: Value = serde_json::from_str(text).unwrap();
                        proptest::prop_assert_eq!(v.as_array().map(Vec::len), Some(5));
                        let topic = v[2].as_str().unwrap().to_owned();
                        let idx = pages.iter().position(|p| p.topic == topic);
                        match v[3].as_str().unwrap() {
                            "phx_reply" => {
                                proptest::prop_assert_eq!(v[1].as_str(), Some(rf.as_str()), "{}", text);
                                replies += 1;
                                if kind == 0 && v[4]["status"] == "ok" {
                                    current[idx.unwrap()] = Some(rf.clone());
                                }
                            }
                            "phx_close" | "phx_error" => {
                                let i = idx.unwrap();
                                proptest::prop_assert_eq!(v[0].as_str(), v[1].as_str());
                                if current[i].as_deref() == v[0].as_str() {
                                    current[i] = None;
                                }
                            }
                            "diff" | "live_patch" | "live_redirect" | "redirect" => {
                                proptest::prop_assert!(v[1].is_null());
                                proptest::prop_assert!(current[idx.unwrap()].is_some());
                            }
                            other => proptest::prop_assert!(false, "unexpected event {}", other),
                        }
                    }
                    SocketOutput::Broadcast { .. }
                    | SocketOutput::Dropped { .. }
                    | SocketOutput::StartTask(_)
                    | SocketOutput::CancelTask { .. } => {}
                    SocketOutput::UploadOpen(_)
                    | SocketOutput::UploadWrite { .. }
                    | SocketOutput::UploadClose { .. }
                    | SocketOutput::UploadDiscard { .. } => {
                        proptest::prop_assert!(false, "no upload was started")
                    }
                    SocketOutput::Close { .. } => proptest::prop_assert!(false, "closed"),
                }
            }
            // A push whose handling crashed the view gets phx_error instead
            // of a reply, as when a Phoenix channel process dies.
            let crashed = matches!(kind, 1 | 2) && outs.iter().any(|o| matches!(o,
                SocketOutput::Send(t) if t.contains("\"phx_error\"") && t.contains(&p.topic)));
            let expected = if crashed { 0 } else { expected };
            proptest::prop_assert_eq!(replies, expected, "op {:?}", (kind, pi, arg));
            for (t, b) in &balance {
                proptest::prop_assert!((0..=1).contains(b), "{} subscribed {} times", t, b);
            }
            let counted: usize = m.subscriptions().map(|(_, n)| n).sum();
            let per_view: usize = m.topics().map(|t| m.view(t).unwrap().subscriptions().len()).sum();
            proptest::prop_assert_eq!(counted, per_view);
            let stats = m.stats();
            proptest::prop_assert_eq!(stats.subscriptions, counted);
            proptest::prop_assert_eq!(stats.topics, m.subscriptions().count());
            proptest::prop_assert_eq!(stats.views, m.topics().count());
        }
        m.close(now);
        for o in drain(&mut m) {
            if let SocketOutput::Unsubscribe(t) = o {
                *balance.entry(t).or_default() -= 1;
            }
        }
        proptest::prop_assert!(balance.values().all(|b| *b == 0), "{:?}", balance);
        proptest::prop_assert_eq!(m.stats(), SocketStats::default());
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// The socket's one-pass event decoding gives what `decode_client_event`
    /// gives on the payload object: the same event or the same error.
    #[test]
    fn event_of_agrees_with_decode_client_event(
        fields in proptest::collection::vec((0usize..6, frame::tests::arb_value()), 0..6),
        kind in proptest::sample::select(vec!["\"click\"", "\"form\"", "\"keyup\"", "null"]),
    ) {
        const KEYS: [&str; 6] = ["type", "event", "value", "meta", "cid", "uploads"];
        let mut payload = format!(r#"{{"type":{kind},"event":"go""#);
        for (k, v) in &fields {
            payload.push_str(&format!(",{}:{}", frame::json_str(KEYS[*k]), v));
        }
        payload.push('}');
        let text = frame::encode_push(Some("4"), Some("5"), "lv:x", "event", &payload);
        let general = frame::decode(&text, 1 << 20).map(|f| frame::decode_client_event(&f.payload));
        let fast = frame::decode_borrowed(&text, 1 << 20).map(|d| frame::event_of(d.payload));
        proptest::prop_assert_eq!(general, fast, "{}", text);
    }
}
