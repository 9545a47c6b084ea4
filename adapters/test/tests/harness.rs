//! The harness driving small views the way an application's tests would.

mod common;

use common::*;
use liveview_core::event::ClientEvent;
use liveview_core::protocol::Router;
use liveview_core::runtime::{AnyView, InputError, JoinInput, Joined, Navigation, Output, Reply};
use liveview_core::{Time, Url};
use liveview_test::{replay, replay_cli, TestApp, TestError, TraceOutput};
use serde_json::json;
use std::time::Duration;

// ---------------------------------------------------------------- counter

#[test]
fn counter_clicks_update_the_count() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Counter>("/counter")?;
    assert_eq!(view.text("#count")?, "0");
    view.click("#inc")?;
    view.click("#inc")?;
    let html = view.click("#dec")?;
    assert!(html.contains(r#"<span id="count">1</span>"#), "{html}");
    assert_eq!(view.text("#count")?, "1");
    // The reply to the last click carried only the changed dynamic.
    let diff = view.last_diff().expect("a diff");
    assert!(diff.to_string().contains("\"1\""), "{diff}");
    assert!(diff.get("s").is_none(), "statics are not resent: {diff}");
    Ok(())
}

#[test]
fn phx_value_and_js_push_values_are_sent_as_the_client_sends_them() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Counter>("/counter")?;
    view.click("#add5")?; // {"by": "5", "value": ""}
    assert_eq!(view.text("#count")?, "5");
    view.click("#add-js")?; // JS.push("add", value: %{by: "10"})
    assert_eq!(view.text("#count")?, "15");
    view.event("add", json!({"by": -15}))?; // a raw event
    assert_eq!(view.text("#count")?, "0");
    Ok(())
}

#[test]
fn title_push_events_flash_and_navigation_are_observable() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Counter>("/counter")?;
    view.click("#inc")?;
    view.click("#party")?;
    assert_eq!(view.title().as_deref(), Some("Count 1"));
    assert_eq!(
        view.pushed_events(),
        vec![("confetti".to_owned(), json!({"count": 1}))]
    );
    view.click("#leave")?;
    assert_eq!(view.redirected_to().as_deref(), Some("/elsewhere"));
    assert_eq!(view.flash().get("info"), Some("bye"));
    assert!(view.is_ended());
    let err = view.click("#inc").unwrap_err();
    assert!(matches!(err, TestError::Ended { .. }), "{err}");
    Ok(())
}

#[test]
fn failures_say_what_was_wrong() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Counter>("/counter")?;

    let err = view.click("#missing").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("\"#missing\" matched no element"), "{msg}");
    assert!(
        msg.contains(r#"<span id="count">0</span>"#),
        "the message shows the HTML: {msg}"
    );

    let msg = view.click("button").unwrap_err().to_string();
    assert!(msg.contains("matched 7 elements, expected one"), "{msg}");

    let msg = view.click("#plain").unwrap_err().to_string();
    assert!(
        msg.contains("has no phx-click attribute") && msg.contains("no binding"),
        "{msg}"
    );

    let msg = view.click("#bogus").unwrap_err().to_string();
    assert!(
        msg.contains("the view refused click event \"explode\""),
        "{msg}"
    );
    assert!(
        msg.contains("cannot decode event \"explode\""),
        "the driver's reason is shown: {msg}"
    );

    let msg = view.click("p[").unwrap_err().to_string();
    assert!(msg.contains("invalid CSS selector"), "{msg}");

    // A refused event changes nothing.
    assert_eq!(view.text("#count")?, "0");
    Ok(())
}

// ---------------------------------------------------------------- dashboard: virtual time

#[test]
fn timers_fire_on_the_virtual_clock_in_due_order() -> Result<(), TestError> {
    let app = TestApp::new();
    let fast = app.mount_view::<Dashboard>("/dashboard?ms=100")?;
    let slow = app.mount_view::<Dashboard>("/dashboard?ms=250")?;
    assert_eq!(fast.timer_count(), 1);
    fast.advance(Duration::from_millis(99))?;
    assert_eq!(fast.text("#ticks")?, "0");
    fast.advance(Duration::from_millis(1))?;
    assert_eq!(fast.text("#ticks")?, "1");
    app.advance(Duration::from_millis(900))?;
    assert_eq!(app.now().as_micros(), 1_000_000);
    assert_eq!(fast.text("#ticks")?, "10");
    assert_eq!(slow.text("#ticks")?, "4");
    // Each tick was pushed as a diff.
    let pushes = fast
        .produced()
        .iter()
        .filter(|o| matches!(o, TraceOutput::Push { .. }))
        .count();
    assert_eq!(pushes, 10);
    fast.click("#pause")?;
    assert_eq!(fast.timer_count(), 0);
    app.advance(Duration::from_secs(1))?;
    assert_eq!(fast.text("#ticks")?, "10");
    assert_eq!(slow.text("#ticks")?, "8");
    Ok(())
}

#[test]
fn dead_render_starts_no_effects_and_takes_no_events() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.dead_render_view::<Dashboard>("/dashboard?ms=10")?;
    assert_eq!(view.timer_count(), 0);
    view.advance(Duration::from_secs(1))?;
    assert_eq!(view.text("#ticks")?, "0");
    assert!(matches!(view.click("#pause"), Err(TestError::NotConnected)));
    Ok(())
}

#[test]
fn stopping_a_view_ends_its_timers_and_subscriptions() -> Result<(), TestError> {
    let app = TestApp::new();
    let dash = app.mount_view::<Dashboard>("/dashboard")?;
    let chat = app.mount_view::<Chat>("/chat")?;
    assert_eq!(chat.subscriptions(), vec!["chat".to_owned()]);
    dash.stop();
    chat.stop();
    assert_eq!(dash.timer_count(), 0);
    assert!(chat.subscriptions().is_empty());
    assert!(chat.produced().contains(&TraceOutput::Unsubscribe {
        topic: "chat".into()
    }));
    Ok(())
}

// ---------------------------------------------------------------- chat: shared pub/sub

#[test]
fn chat_messages_reach_every_mounted_view() -> Result<(), TestError> {
    let app = TestApp::new();
    let alice = app.mount_view::<Chat>("/chat")?;
    let bob = app.mount_view::<Chat>("/chat")?;
    alice.submit("#chat-form", &[("body", "hi bob")])?;
    bob.submit("#chat-form", &[("body", "hi <alice>")])?;
    for view in [&alice, &bob] {
        assert_eq!(view.texts("#messages li")?, ["hi bob", "hi <alice>"]);
    }
    assert!(bob.render().contains("hi &lt;alice&gt;"), "text is escaped");
    // A broadcast from the test itself (e.g. from another part of the app).
    app.broadcast(
        "chat",
        &ChatMessage {
            body: "system".into(),
        },
    )?;
    assert_eq!(alice.count("#messages li")?, 3);
    // A dead render is not subscribed.
    let dead = app.dead_render_view::<Chat>("/chat")?;
    app.broadcast(
        "chat",
        &ChatMessage {
            body: "again".into(),
        },
    )?;
    assert_eq!(dead.count("#messages li")?, 0);
    assert_eq!(bob.count("#messages li")?, 4);
    Ok(())
}

// ---------------------------------------------------------------- form: nested names, validation

#[test]
fn form_validation_and_save_with_nested_names() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<UserForm>("/form")?;
    view.change("#user-form", &[("user[name]", "Al")])?;
    assert_eq!(view.text("#name-error")?, "must be at least 3 characters");
    view.change("#user-form", &[("user[name]", "Ada")])?;
    assert!(!view.has_element("#name-error")?);
    // The input now renders the validated value; submit sends it (FormData of the current HTML).
    view.submit("#user-form", &[])?;
    assert_eq!(view.text("#saved")?, "Saved Ada");
    view.submit("#user-form", &[("user[name]", "Bo")])?;
    assert!(!view.has_element("#saved")?);
    assert!(view.has_element("#name-error")?);
    view.submit("#user-form", &[("user[name]", "<b>Bob</b>")])?;
    assert_eq!(view.text("#saved")?, "Saved <b>Bob</b>");
    assert!(view.render().contains("Saved &lt;b&gt;Bob&lt;/b&gt;"));
    Ok(())
}

#[test]
fn unknown_form_fields_are_reported() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<UserForm>("/form")?;
    let msg = view
        .submit("#user-form", &[("user[nmae]", "x")])
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("no enabled input, select or textarea named \"user[nmae]\""),
        "{msg}"
    );
    assert!(msg.contains("user[name]"), "lists the fields it has: {msg}");
    let msg = view.submit("#save", &[]).unwrap_err().to_string();
    assert!(msg.contains("has no phx-submit"), "{msg}");
    Ok(())
}

// ---------------------------------------------------------------- search: SendInfo ordering

#[test]
fn search_renders_loading_then_results() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Search>("/search")?;
    let html = view.submit("#search-form", &[("query", "b")])?;
    assert!(
        html.contains("2 results"),
        "the info was handled before submit returned: {html}"
    );
    assert_eq!(view.texts("#results li")?, ["banana", "blueberry"]);
    // The event's reply rendered `loading`; the info's render came after it, as a push.
    let produced = view.produced();
    let n = produced.len();
    match (&produced[n - 2], &produced[n - 1]) {
        (
            TraceOutput::Reply {
                diff: Some(reply), ..
            },
            TraceOutput::Push { diff: push },
        ) => {
            assert!(reply.to_string().contains("loading"), "{reply}");
            assert!(push.to_string().contains("banana"), "{push}");
        }
        other => panic!("expected a reply then a push, got {other:?}"),
    }
    Ok(())
}

#[test]
fn send_info_delivers_a_typed_info() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Search>("/search")?;
    view.send_info(&SearchInfo::RunSearch { query: "pe".into() })?;
    assert_eq!(view.texts("#results li")?, ["peach", "pear"]);
    Ok(())
}

// ---------------------------------------------------------------- nav: live patches

#[test]
fn patch_links_run_handle_params_without_remounting() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Nav>("/nav")?;
    assert_eq!(view.text("#page")?, "1");
    view.follow_patch("#next")?;
    view.follow_patch("#next")?;
    assert_eq!(view.text("#page")?, "3");
    assert_eq!(view.text("#mounts")?, "1");
    assert_eq!(view.url(), "/nav?page=3");
    // A server-side push_patch.
    view.click("#jump")?;
    assert_eq!(view.patched_to().as_deref(), Some("/nav?page=7"));
    assert_eq!(view.url(), "/nav?page=7");
    assert_eq!(view.text("#page")?, "7");
    assert_eq!(view.text("#mounts")?, "1");
    assert!(matches!(
        view.navigations().last(),
        Some(Navigation::Patch { replace: false, .. })
    ));
    let msg = view.follow_patch("#plain").unwrap_err().to_string();
    assert!(msg.contains("not a live patch link"), "{msg}");
    Ok(())
}

// ---------------------------------------------------------------- keys and hooks

#[test]
fn key_events_carry_the_key_and_respect_phx_key() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Counter>("/counter")?;
    view.keyup("#keys", "ArrowUp")?;
    view.keyup("#keys", "ArrowUp")?;
    view.keyup("#keys", "ArrowDown")?;
    assert_eq!(view.text("#count")?, "1");
    // phx-key="Enter": other keys send nothing, Enter sends {key, by, value}.
    view.keyup("#amount", "a")?;
    assert_eq!(view.text("#count")?, "1");
    view.keyup("#amount", "Enter")?;
    assert_eq!(view.text("#count")?, "101");
    let msg = view.keydown("#amount", "Enter").unwrap_err().to_string();
    assert!(msg.contains("has no phx-keydown"), "{msg}");
    Ok(())
}

#[test]
fn focus_and_blur_send_their_events() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Counter>("/counter")?;
    view.focus("#focusable")?;
    assert_eq!(view.text("#count")?, "1");
    view.blur("#focusable")?;
    assert_eq!(view.text("#count")?, "0");
    let msg = view.focus("#inc").unwrap_err().to_string();
    assert!(msg.contains("has no phx-focus"), "{msg}");
    Ok(())
}

#[test]
fn hooks_and_raw_events_reach_the_view() -> Result<(), TestError> {
    let app = TestApp::new();
    let view = app.mount_view::<Counter>("/counter")?;
    let msg = view
        .hook_event("nope", json!({"a": 1}))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("hook event \"nope\""), "{msg}");
    view.hook_event("add", json!({"by": 2}))?;
    assert_eq!(view.text("#count")?, "2");
    Ok(())
}

// ---------------------------------------------------------------- routing

fn router() -> Router {
    Router::new()
        .live::<Counter>("/counter")
        .live::<Nav>("/nav")
        .live::<Chat>("/chat")
        .live::<Dashboard>("/dashboard")
}

#[test]
fn views_are_found_by_route() -> Result<(), TestError> {
    let app = TestApp::with_router(router());
    let counter = app.mount("/counter")?;
    counter.click("#inc")?;
    assert_eq!(counter.text("#count")?, "1");

    let nav = app.mount("/nav?page=4")?;
    assert_eq!(nav.text("#page")?, "4");
    nav.follow_patch("#next")?;
    assert_eq!(nav.text("#page")?, "5");
    // A patch link to another view: the socket answers `link_redirect` and
    // the page navigates there, as the client does (a new join, same socket).
    nav.follow_patch("#away")?;
    assert_eq!(nav.url(), "/counter");
    assert_eq!(nav.text("#count")?, "0");
    assert!(!nav.is_ended());

    let dead = app.dead_render("/dashboard?ms=5")?;
    assert_eq!(dead.timer_count(), 0);
    assert!(dead.render().contains(r#"<span id="ticks">0</span>"#));

    let msg = app
        .mount("/nope")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(msg, "no live route for \"/nope\"");
    // Any joined view takes infos through the socket machine, routed or not.
    counter.send_info(&())?;
    let msg = counter.send_info(&"not unit").unwrap_err().to_string();
    assert!(msg.contains("does not decode"), "{msg}");
    Ok(())
}

#[test]
fn routed_sessions_replay_through_the_router_and_the_cli() -> Result<(), TestError> {
    let app = TestApp::with_router(router()).record_traces();
    let alice = app.mount("/chat")?;
    let bob = app.mount("/chat")?;
    alice.submit("#chat-form", &[("body", "one")])?;
    bob.submit("#chat-form", &[("body", "two")])?;
    let trace = alice.trace().expect("recording is on");
    assert!(
        trace.contains(r#""in":"pubsub","at":0,"topic":"chat""#),
        "{trace}"
    );

    let report = replay(&router(), &trace).map_err(|d| TestError::Other(d.to_string()))?;
    assert_eq!(report.route, "/chat");
    assert_eq!(report.final_html, alice.render());

    let dir = std::env::temp_dir();
    let good = dir.join(format!("lv-replay-{}-good.jsonl", std::process::id()));
    let bad = dir.join(format!("lv-replay-{}-bad.jsonl", std::process::id()));
    std::fs::write(&good, &trace).map_err(|e| TestError::Other(e.to_string()))?;
    // Tamper with the outputs only (inputs stay as recorded).
    let tampered: Vec<String> = trace
        .lines()
        .map(|l| {
            if l.starts_with(r#"{"out":"#) {
                l.replace("\"two\"", "\"2\"")
            } else {
                l.to_owned()
            }
        })
        .collect();
    assert_ne!(tampered.join("\n"), trace.trim_end());
    std::fs::write(&bad, tampered.join("\n")).map_err(|e| TestError::Other(e.to_string()))?;
    let arg = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(replay_cli(&router(), &[arg(&good)], &mut out, &mut err), 0);
    assert!(
        String::from_utf8_lossy(&out).contains(": ok: "),
        "{}",
        String::from_utf8_lossy(&out)
    );
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        replay_cli(&router(), &[arg(&good), arg(&bad)], &mut out, &mut err),
        1
    );
    let err = String::from_utf8_lossy(&err).into_owned();
    assert!(
        err.contains("diverges at line") && err.contains("expected:") && err.contains("actual:"),
        "{err}"
    );
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        replay_cli(&router(), &["/no/such/file".to_owned()], &mut out, &mut err),
        2
    );
    assert_eq!(replay_cli(&router(), &[], &mut out, &mut err), 2);
    let _ = std::fs::remove_file(good);
    let _ = std::fs::remove_file(bad);
    Ok(())
}

// ---------------------------------------------------------------- the client model catches bad diffs

/// A hand-written view whose diffs lie about its HTML.
struct Liar {
    n: u32,
}

impl AnyView for Liar {
    fn handle_info_value(&mut self, _: Time, _: &serde_json::Value) -> Result<(), InputError> {
        Ok(())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn type_name(&self) -> &'static str {
        "Liar"
    }
    fn render_html(&self) -> String {
        format!("<b>{}</b>", self.n)
    }
    fn render_full(&mut self) -> String {
        json!({"0": self.n.to_string(), "s": ["<b>", "</b>"]}).to_string()
    }
    fn handle_event(&mut self, _: Time, _: ClientEvent) -> Result<Reply, InputError> {
        self.n += 1;
        Ok(Reply {
            diff: Some(json!({"0": "999"}).to_string()),
            navigation: None,
            hold: None,
        })
    }
    fn handle_params(&mut self, _: Time, _: Url) -> Result<Reply, InputError> {
        Ok(Reply::default())
    }
    fn handle_pubsub(&mut self, _: Time, _: &str, _: &serde_json::Value) -> Result<(), InputError> {
        Ok(())
    }
    fn poll_timeout(&self) -> Option<Time> {
        None
    }
    fn handle_timeout(&mut self, _: Time) {}
    fn poll_output(&mut self) -> Option<Output> {
        None
    }
    fn stop(&mut self) {}
    fn timer_count(&self) -> usize {
        0
    }
    fn subscriptions(&self) -> Vec<String> {
        vec![]
    }
    fn handle_async(
        &mut self,
        _: Time,
        _: u64,
        _: Result<serde_json::Value, liveview_core::AsyncError>,
    ) -> Result<(), InputError> {
        Ok(())
    }
    fn pending_tasks(&self) -> Vec<liveview_core::runtime::PendingTask> {
        vec![]
    }
}

fn join_liar(_: Time, _: JoinInput) -> Result<(Box<dyn AnyView>, Joined), Navigation> {
    let mut liar = Liar { n: 0 };
    let rendered = liar.render_full();
    Ok((
        Box::new(liar),
        Joined {
            rendered,
            live_patch: None,
        },
    ))
}

#[test]
fn a_diff_that_does_not_rebuild_the_page_is_an_error() -> Result<(), TestError> {
    let app = TestApp::with_router(Router::new().live_with("/liar", "Liar", join_liar));
    let view = app.mount("/liar")?;
    assert_eq!(view.text("b")?, "0");
    let err = view.event("inc", json!({})).unwrap_err();
    assert!(matches!(err, TestError::DiffMismatch { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("<b>999</b>")
            && msg.contains("<b>1</b>")
            && msg.contains("first difference at byte 3"),
        "{msg}"
    );
    Ok(())
}

// ---------------------------------------------------------------- one view, two routes

/// Phoenix's `live "/items", ItemsLive` + `live "/items/:id", ItemsLive`:
/// patches between the two stay in the view and read the path params.
struct Items {
    id: Option<String>,
    params_calls: u32,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum ItemsEvent {
    Open { id: String },
}

impl liveview_core::LiveView for Items {
    type Event = ItemsEvent;
    type Info = ();
    fn mount(_: &liveview_core::Mount) -> liveview_core::Update<Self> {
        (
            Items {
                id: None,
                params_calls: 0,
            },
            vec![],
        )
    }
    fn handle_params(
        mut self,
        params: &liveview_core::Params,
        _: &Url,
    ) -> liveview_core::Update<Self> {
        self.id = params.get("id").map(str::to_owned);
        self.params_calls += 1;
        (self, vec![])
    }
    fn handle_event(self, ItemsEvent::Open { id }: ItemsEvent) -> liveview_core::Update<Self> {
        (
            self,
            vec![liveview_core::Command::PushPatch {
                to: format!("/items/{id}"),
                replace: false,
            }],
        )
    }
    fn render(&self) -> liveview_core::Rendered {
        let id = self.id.as_deref().unwrap_or("none");
        let calls = self.params_calls;
        liveview_core::html!(
            r#"<p id="id">{id}</p><p id="calls">{calls}</p><button id="open" phx-click="open" phx-value-id="7">7</button>"#
        )
    }
}

#[test]
fn patches_between_two_routes_of_one_view_read_their_path_params() -> Result<(), TestError> {
    let router = Router::new()
        .live::<Items>("/items")
        .live::<Items>("/items/:id");
    let app = TestApp::with_router(router);
    let view = app.mount("/items")?;
    assert_eq!(view.text("#id")?, "none");
    // The client's live patch to the other route.
    view.patch("/items/42")?;
    assert_eq!(view.text("#id")?, "42");
    // The view's own push_patch, back and forth: patches, not navigations.
    view.click("#open")?;
    assert_eq!(view.text("#id")?, "7");
    assert_eq!(view.patched_to().as_deref(), Some("/items/7"));
    view.patch("/items")?;
    assert_eq!(view.text("#id")?, "none");
    // One mount: handle_params ran after it and on each of the three patches.
    assert_eq!(view.text("#calls")?, "4");
    Ok(())
}
