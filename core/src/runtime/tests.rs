//! Driver tests: a probe view that records what it handled, unit tests of
//! each semantic, and (in `props`) properties over random input sequences.

use super::*;
use crate::template::{Comprehension, Dynamic, EntryKey, Rendered, Statics};
use crate::view::{Command, LiveView, Mount, Params, Update};
use crate::ToDynamic;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::cell::RefCell;
use std::time::Duration;

mod props;
mod tasks;

// ---------------------------------------------------------------- the probe view

static ROOT: Statics = Statics::new(&["<p id=\"m\">", "</p><a>", "</a><ul>", "</ul>"], 0x0001);
static ITEM: Statics = Statics::new(&["<li>", "</li>"], 0x0002);

/// A server-side message of the probe. `tick` names the timer it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Info {
    pub id: u32,
    pub tick: Option<String>,
    pub bump: bool,
    pub cmds: Vec<Command<Info>>,
}

impl Info {
    pub fn new(id: u32) -> Info {
        Info {
            id,
            tick: None,
            bump: true,
            cmds: vec![],
        }
    }
    pub fn quiet(id: u32) -> Info {
        Info {
            id,
            tick: None,
            bump: false,
            cmds: vec![],
        }
    }
    pub fn with(mut self, cmds: Vec<Command<Info>>) -> Info {
        self.cmds = cmds;
        self
    }
    pub fn tick(key: &str, id: u32) -> Info {
        Info {
            id,
            tick: Some(key.into()),
            bump: true,
            cmds: vec![],
        }
    }
}

/// Client events of the probe; `Run` can only be built in Rust (never decoded).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Ev {
    Bump {
        id: u32,
    },
    Noop {
        id: u32,
    },
    #[serde(skip)]
    Run {
        id: u32,
        bump: bool,
        cmds: Vec<Command<Info>>,
    },
}

pub(super) fn run(id: u32, cmds: Vec<Command<Info>>) -> Ev {
    Ev::Run {
        id,
        bump: true,
        cmds,
    }
}

/// What the probe saw and did, in order (thread-local, read by the tests).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Seen {
    Mount {
        connected: bool,
        params: Params,
    },
    Params(String),
    Event(u32),
    Info {
        id: u32,
        tick: Option<String>,
    },
    /// The probe returned `SendInfo(id)`.
    Sent(u32),
    /// The probe returned `SendAfter` (repeat: false) or `Repeat`.
    Timer {
        key: String,
        micros: u64,
        repeat: bool,
    },
    Cancel(String),
    Render,
}

thread_local! {
    static SEEN: RefCell<Vec<Seen>> = const { RefCell::new(Vec::new()) };
}

pub(super) fn take_seen() -> Vec<Seen> {
    SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()))
}
fn record(s: Seen) {
    SEEN.with(|v| v.borrow_mut().push(s));
}

/// Records the commands a handler returns, as the model checks need them.
fn note(cmds: &[Command<Info>]) {
    for c in cmds {
        match c {
            Command::SendInfo(i) => record(Seen::Sent(i.id)),
            Command::SendAfter { key, after, .. } => record(Seen::Timer {
                key: key.clone(),
                micros: after.as_micros() as u64,
                repeat: false,
            }),
            Command::Repeat { key, every, .. } => record(Seen::Timer {
                key: key.clone(),
                micros: every.as_micros() as u64,
                repeat: true,
            }),
            Command::CancelRepeat { key } => record(Seen::Cancel(key.clone())),
            _ => {}
        }
    }
}

#[derive(Debug)]
pub(super) struct Probe {
    /// Bumps so far: rendered as the marker `[hN]`.
    pub bumps: u32,
    pub url: String,
    pub connected: bool,
}

impl Probe {
    fn out(mut self, bump: bool, cmds: Vec<Command<Info>>) -> Update<Self> {
        if bump {
            self.bumps += 1;
        }
        note(&cmds);
        (self, cmds)
    }
}

impl LiveView for Probe {
    type Event = Ev;
    type Info = Info;

    fn mount(m: &Mount) -> Update<Self> {
        record(Seen::Mount {
            connected: m.connected,
            params: m.params.clone(),
        });
        let cmds = match m.session.get("mount") {
            Some(v) => serde_json::from_value(v.clone()).expect("test session holds commands"),
            None => vec![],
        };
        Probe {
            bumps: 0,
            url: m.url.to_string(),
            connected: m.connected,
        }
        .out(false, cmds)
    }

    fn handle_params(mut self, params: &Params, url: &crate::view::Url) -> Update<Self> {
        record(Seen::Params(url.to_string()));
        self.url = url.to_string();
        let mut cmds = vec![];
        if let Some(to) = params.get("patch_to") {
            cmds.push(Command::push_patch(to));
        }
        if params.get("loop").is_some() {
            let n = params.parse::<u32>("loop").unwrap_or(0) + 1;
            cmds.push(Command::push_patch(format!("/loop?loop={n}")));
        }
        if let Some(to) = params.get("navigate_to") {
            cmds.push(Command::push_navigate(to));
        }
        if let Some(title) = params.get("title") {
            cmds.push(Command::PageTitle(title.to_owned()));
        }
        self.out(false, cmds)
    }

    fn handle_event(self, event: Ev) -> Update<Self> {
        match event {
            Ev::Bump { id } => {
                record(Seen::Event(id));
                self.out(true, vec![])
            }
            Ev::Noop { id } => {
                record(Seen::Event(id));
                self.out(false, vec![])
            }
            Ev::Run { id, bump, cmds } => {
                record(Seen::Event(id));
                self.out(bump, cmds)
            }
        }
    }

    fn handle_info(self, info: Info) -> Update<Self> {
        record(Seen::Info {
            id: info.id,
            tick: info.tick.clone(),
        });
        self.out(info.bump, info.cmds)
    }

    fn render(&self) -> Rendered {
        record(Seen::Render);
        let mut items = Comprehension::new(&ITEM);
        for i in 0..(self.bumps % 4) {
            items.push(
                Some(EntryKey::from(i + self.bumps / 4)),
                vec![format!("item {i}").to_dynamic()],
            );
        }
        Rendered::new(
            &ROOT,
            vec![
                format!("[h{}]", self.bumps).to_dynamic(),
                self.url.to_dynamic(),
                Dynamic::List(items),
            ],
        )
    }
}

// ---------------------------------------------------------------- helpers

pub(super) fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL")
}

pub(super) fn join_at(
    u: &str,
    connected: bool,
    mount: Vec<Command<Info>>,
) -> (ViewDriver<Probe>, Joined) {
    let mut session = Session::default();
    if !mount.is_empty() {
        session.insert("mount", serde_json::to_value(mount).unwrap());
    }
    let input = JoinInput {
        connected,
        url: url(u),
        session,
        ..Default::default()
    };
    ViewDriver::join(Time::ZERO, input).expect("join")
}

pub(super) fn join(mount: Vec<Command<Info>>) -> ViewDriver<Probe> {
    let (d, _) = join_at("/probe", true, mount);
    take_seen();
    d
}

fn drain(d: &mut ViewDriver<Probe>) -> Vec<Output> {
    std::iter::from_fn(|| d.poll_output()).collect()
}

fn ms(n: u64) -> Time {
    Time::from_millis(n)
}

fn dur(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn handled_infos(seen: &[Seen]) -> Vec<u32> {
    seen.iter()
        .filter_map(|s| {
            if let Seen::Info { id, .. } = s {
                Some(*id)
            } else {
                None
            }
        })
        .collect()
}

fn renders(seen: &[Seen]) -> usize {
    seen.iter().filter(|s| **s == Seen::Render).count()
}

/// The top-level object of a diff or rendered JSON.
fn parse(json: &str) -> serde_json::Map<String, Value> {
    serde_json::from_str::<Value>(json)
        .expect("diff is JSON")
        .as_object()
        .cloned()
        .expect("diff is an object")
}

fn push_json(o: &Output) -> serde_json::Map<String, Value> {
    match o {
        Output::Push(d) => parse(d),
        other => panic!("expected a push, got {other:?}"),
    }
}

// ---------------------------------------------------------------- join

#[test]
fn push_events_and_the_title_of_mount_reach_the_join_reply() {
    let mount = vec![
        Command::push_event("ready", json!({"n": 1})),
        Command::PageTitle("Hello".into()),
    ];
    let (mut d, joined) = join_at("/probe", true, mount);
    let rendered = parse(&joined.rendered);
    assert_eq!(rendered["e"], json!([["ready", {"n": 1}]]));
    assert_eq!(rendered["t"], json!("Hello"));
    // Sent once: nothing is left for later.
    assert!(drain(&mut d).is_empty());
}

#[test]
fn join_mounts_then_params_then_renders_once() {
    take_seen();
    let mut path_params = Params::default();
    path_params.insert("id", "7");
    let mut flash = Flash::default();
    flash.put("info", "welcome");
    let input = JoinInput {
        connected: true,
        url: url("http://localhost:4000/users/7?id=9&tab=a"),
        path_params,
        flash: flash.clone(),
        ..Default::default()
    };
    let (d, joined) = ViewDriver::<Probe>::join(ms(5), input).unwrap();
    let expected: Params = [("id", "7"), ("tab", "a")].into_iter().collect();
    assert_eq!(
        take_seen(),
        vec![
            Seen::Mount {
                connected: true,
                params: expected
            },
            Seen::Params("/users/7?id=9&tab=a".into()),
            Seen::Render
        ]
    );
    assert_eq!(joined.live_patch, None);
    let rendered = parse(&joined.rendered);
    assert!(
        rendered.contains_key("s") || rendered.contains_key("p"),
        "{rendered:?}"
    );
    assert_eq!(d.flash(), &flash);
    assert_eq!(d.url().to_string(), "/users/7?id=9&tab=a");
    assert!(d.is_connected() && !d.is_ended());
    assert_eq!(
        d.render_html(),
        "<p id=\"m\">[h0]</p><a>/users/7?id=9&amp;tab=a</a><ul></ul>"
    );
}

#[test]
fn dead_render_drops_every_effect() {
    let mount = vec![
        Command::SendInfo(Info::new(1)),
        Command::SendAfter {
            key: "a".into(),
            after: dur(5),
            info: Info::tick("a", 2),
        },
        Command::repeat("r", dur(5), Info::tick("r", 3)),
        Command::Subscribe("t".into()),
        Command::broadcast("t", Info::new(4)),
        Command::PageTitle("Dead".into()),
    ];
    let (mut d, joined) = join_at("/dead", false, mount);
    assert!(!d.is_connected() && !d.state().unwrap().connected);
    assert_eq!(d.timer_count(), 0);
    assert!(d.subscriptions().is_empty());
    assert_eq!(d.poll_timeout(), None);
    assert_eq!(d.poll_output(), None);
    assert_eq!(d.title(), Some("Dead"));
    assert_eq!(parse(&joined.rendered)["t"], json!("Dead"));
    assert_eq!(d.render_html(), "<p id=\"m\">[h0]</p><a>/dead</a><ul></ul>");
    // Inputs to a dead view still drop their effects.
    d.handle_info(ms(1), Info::new(5));
    d.handle_typed_event(
        ms(1),
        run(
            1,
            vec![
                Command::SendInfo(Info::new(6)),
                Command::Subscribe("u".into()),
            ],
        ),
    )
    .unwrap();
    assert_eq!(d.poll_output(), None);
    assert!(d.subscriptions().is_empty());
    assert!(handled_infos(&take_seen()).is_empty());
}

#[test]
fn join_fails_with_navigation_from_mount_or_params() {
    let (d, joined) = join_at("/x", true, vec![]);
    drop((d, joined));
    let input = |u: &str, mount: Vec<Command<Info>>| {
        let mut session = Session::default();
        session.insert("mount", serde_json::to_value(mount).unwrap());
        JoinInput {
            connected: true,
            url: url(u),
            session,
            ..Default::default()
        }
    };
    let err = ViewDriver::<Probe>::join(
        ms(0),
        input(
            "/x",
            vec![
                Command::put_flash("error", "nope"),
                Command::Redirect {
                    to: "/login".into(),
                },
            ],
        ),
    )
    .err()
    .unwrap();
    let mut flash = Flash::default();
    flash.put("error", "nope");
    assert_eq!(
        err,
        Navigation::Redirect {
            to: "/login".into(),
            flash: flash.clone()
        }
    );
    let err = ViewDriver::<Probe>::join(
        ms(0),
        input(
            "/x",
            vec![Command::PushNavigate {
                to: "/y".into(),
                replace: true,
            }],
        ),
    )
    .err()
    .unwrap();
    assert_eq!(
        err,
        Navigation::Navigate {
            to: "/y".into(),
            replace: true,
            flash: Flash::default()
        }
    );
    let err = ViewDriver::<Probe>::join(ms(0), input("/x?navigate_to=/z", vec![]))
        .err()
        .unwrap();
    assert!(matches!(err, Navigation::Navigate { ref to, .. } if to == "/z"));
    take_seen();
}

#[test]
fn push_patch_during_join_becomes_live_patch() {
    take_seen();
    let (d, joined) = join_at("/a?patch_to=/a%3Ftab%3D2&title=T", true, vec![]);
    assert_eq!(
        joined.live_patch,
        Some(Navigation::Patch {
            to: "/a?tab=2".into(),
            replace: false
        })
    );
    let seen = take_seen();
    assert_eq!(
        seen.iter().filter(|s| matches!(s, Seen::Params(_))).count(),
        2
    );
    assert!(seen.contains(&Seen::Params("/a?tab=2".into())));
    assert_eq!(renders(&seen), 1);
    assert_eq!(d.url().to_string(), "/a?tab=2");
    assert_eq!(d.state().unwrap().url, "/a?tab=2");
    assert_eq!(parse(&joined.rendered)["t"], json!("T"));
}

// ---------------------------------------------------------------- events

#[test]
fn event_reply_carries_the_diff() {
    let mut d = join(vec![]);
    let reply = d
        .handle_event(
            ms(1),
            ClientEvent::json("click", "bump", json!({"id": "3", "value": ""})),
        )
        .unwrap();
    assert_eq!(take_seen(), vec![Seen::Event(3), Seen::Render]);
    let diff = parse(reply.diff.as_deref().unwrap());
    assert_eq!(diff["0"], json!("[h1]"));
    assert_eq!(reply.navigation, None);
    let reply = d
        .handle_event(ms(2), ClientEvent::json("click", "noop", json!({"id": 4})))
        .unwrap();
    assert_eq!(reply, Reply::default(), "no change, no extras: no diff");
    assert_eq!(take_seen(), vec![Seen::Event(4), Seen::Render]);
    assert_eq!(d.poll_output(), None);
}

#[test]
fn undecodable_events_are_errors_and_touch_nothing() {
    let mut d = join(vec![]);
    let err = d
        .handle_event(
            ms(1),
            ClientEvent::json("click", "bump", json!({"id": "x"})),
        )
        .unwrap_err();
    match &err {
        InputError::Decode(e) => {
            assert_eq!(e.event, "bump");
            assert!(e.reason.contains("at `id`"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("bump"));
    assert!(matches!(
        d.handle_event(ms(1), ClientEvent::json("click", "run", json!({}))),
        Err(InputError::Decode(_))
    ));
    assert!(take_seen().is_empty(), "neither update nor render ran");
}

#[test]
fn client_events_never_reach_handle_info() {
    let mut d = join(vec![]);
    let forged = serde_json::to_value(Info::new(99)).unwrap();
    for name in ["info", "Info", "send_info", "run", "handle_info", "tick"] {
        for value in [
            forged.clone(),
            json!({ name: forged.clone() }),
            json!({"send_info": forged.clone()}),
        ] {
            assert!(d
                .handle_event(ms(1), ClientEvent::json("hook", name, value))
                .is_err());
        }
    }
    let form = ClientEvent::form("info", "id=99&bump=true&cmds[]=x");
    assert!(d.handle_event(ms(1), form).is_err());
    drain(&mut d);
    assert!(handled_infos(&take_seen()).is_empty());
}

#[test]
fn reply_title_and_push_events_go_in_the_diff() {
    let mut d = join(vec![]);
    let cmds = vec![
        Command::PageTitle("New".into()),
        Command::push_event("highlight", json!({"id": "count"})),
        Command::Reply(json!({"ok": true})),
    ];
    let reply = d
        .handle_typed_event(
            ms(1),
            Ev::Run {
                id: 1,
                bump: false,
                cmds,
            },
        )
        .unwrap();
    let diff = parse(reply.diff.as_deref().unwrap());
    assert_eq!(diff["t"], json!("New"));
    assert_eq!(diff["e"], json!([["highlight", {"id": "count"}]]));
    assert_eq!(diff["r"], json!({"ok": true}));
    assert_eq!(d.title(), Some("New"));
    // Extras are sent once.
    let reply = d
        .handle_typed_event(
            ms(2),
            Ev::Run {
                id: 2,
                bump: false,
                cmds: vec![],
            },
        )
        .unwrap();
    assert_eq!(reply.diff, None);
    // From an info, the title and events are pushed; a Reply is ignored.
    let info = Info::quiet(5).with(vec![
        Command::PageTitle("Pushed".into()),
        Command::push_event("e", json!(1)),
        Command::Reply(json!({"ignored": true})),
    ]);
    d.handle_info(ms(3), info);
    let out = drain(&mut d);
    assert_eq!(out.len(), 1);
    let push = push_json(&out[0]);
    assert_eq!(push["t"], json!("Pushed"));
    assert_eq!(push["e"], json!([["e", 1]]));
    assert!(!push.contains_key("r"));
}

// ---------------------------------------------------------------- infos

#[test]
fn infos_run_after_the_reply_in_send_order() {
    let mut d = join(vec![]);
    let a = Info::new(1).with(vec![Command::SendInfo(Info::new(3))]);
    let b = Info::new(2);
    let reply = d
        .handle_typed_event(
            ms(1),
            run(10, vec![Command::SendInfo(a), Command::SendInfo(b)]),
        )
        .unwrap();
    assert_eq!(parse(reply.diff.as_deref().unwrap())["0"], json!("[h1]"));
    assert_eq!(
        take_seen(),
        vec![Seen::Event(10), Seen::Sent(1), Seen::Sent(2), Seen::Render]
    );
    let out = drain(&mut d);
    let markers: Vec<Value> = out.iter().map(|o| push_json(o)["0"].clone()).collect();
    assert_eq!(markers, vec![json!("[h2]"), json!("[h3]"), json!("[h4]")]);
    assert_eq!(handled_infos(&take_seen()), vec![1, 2, 3]);
}

#[test]
fn poll_output_handles_one_info_per_output() {
    let mut d = join(vec![]);
    d.handle_typed_event(
        ms(1),
        run(
            1,
            vec![
                Command::SendInfo(Info::new(1)),
                Command::SendInfo(Info::new(2)),
            ],
        ),
    )
    .unwrap();
    take_seen();
    assert!(d.poll_output().is_some());
    assert_eq!(
        handled_infos(&take_seen()),
        vec![1],
        "the second info waits for the next poll"
    );
    assert!(d.poll_output().is_some());
    assert_eq!(handled_infos(&take_seen()), vec![2]);
    assert_eq!(d.poll_output(), None);
}

#[test]
fn quiet_infos_do_not_stop_the_drain() {
    let mut d = join(vec![]);
    let infos = vec![
        Command::SendInfo(Info::quiet(1)),
        Command::SendInfo(Info::quiet(2).with(vec![Command::SendInfo(Info::new(4))])),
        Command::SendInfo(Info::new(3)),
    ];
    d.handle_typed_event(
        ms(1),
        Ev::Run {
            id: 1,
            bump: false,
            cmds: infos,
        },
    )
    .unwrap();
    let out = drain(&mut d);
    assert_eq!(out.len(), 2);
    assert_eq!(handled_infos(&take_seen()), vec![1, 2, 3, 4]);
}

#[test]
fn an_info_loop_cannot_starve_the_adapter() {
    // An info that sends itself forever without changing anything.
    let mut d = join(vec![]);
    let mut looping = Info::quiet(7);
    let mut chain = Info::quiet(7);
    for _ in 0..(3 * INFO_BUDGET) {
        chain = Info::quiet(7).with(vec![Command::SendInfo(chain)]);
    }
    looping.cmds = vec![Command::SendInfo(chain)];
    d.handle_info(ms(1), looping);
    assert_eq!(d.poll_output(), None, "returns after the budget");
    assert_eq!(handled_infos(&take_seen()).len(), INFO_BUDGET);
    assert_eq!(d.poll_timeout(), Some(ms(1)), "asks to be called again now");
    // A client event still gets through between rounds.
    let reply = d.handle_typed_event(ms(2), run(1, vec![])).unwrap();
    assert!(reply.diff.is_some());
    take_seen();
    assert_eq!(d.poll_output(), None);
    assert_eq!(handled_infos(&take_seen()).len(), INFO_BUDGET);
    d.handle_timeout(ms(2));
    assert_eq!(d.poll_output(), None);
    d.handle_timeout(ms(2));
    assert_eq!(d.poll_output(), None);
    assert_eq!(d.poll_timeout(), None, "the chain is finite and done");
    assert_eq!(
        handled_infos(&take_seen()).len(),
        3 * INFO_BUDGET + 2 - 2 * INFO_BUDGET
    );
}

#[test]
fn handle_info_is_queued_behind_earlier_infos() {
    let mut d = join(vec![]);
    d.handle_typed_event(ms(1), run(1, vec![Command::SendInfo(Info::new(1))]))
        .unwrap();
    d.handle_info(ms(1), Info::new(2));
    drain(&mut d);
    assert_eq!(handled_infos(&take_seen()), vec![1, 2]);
}

// ---------------------------------------------------------------- timers

/// A joined view whose event at `at_ms` started a repeat `r` every 10 ms.
fn repeating_every_10ms(at_ms: u64) -> ViewDriver<Probe> {
    let mut d = join(vec![]);
    d.handle_typed_event(
        ms(at_ms),
        run(1, vec![Command::repeat("r", dur(10), Info::tick("r", 1))]),
    )
    .unwrap();
    d
}

#[test]
fn repeat_first_tick_one_period_later_and_no_drift() {
    let mut d = repeating_every_10ms(100);
    assert_eq!(d.timer_count(), 1);
    assert_eq!(d.poll_timeout(), Some(ms(110)));
    d.handle_timeout(ms(109));
    assert!(handled_infos(&take_seen()).is_empty(), "never early");
    assert_eq!(d.poll_output(), None);
    d.handle_timeout(ms(113)); // handled 3 ms late
    assert_eq!(handled_infos(&take_seen()), vec![1]);
    assert_eq!(
        d.poll_timeout(),
        Some(ms(120)),
        "next deadline from the schedule, not the handling time"
    );
    assert!(matches!(d.poll_output(), Some(Output::Push(_))));
}

#[test]
fn late_repeats_catch_up_one_tick_per_call() {
    let mut d = repeating_every_10ms(0);
    take_seen();
    d.handle_timeout(ms(55));
    assert_eq!(handled_infos(&take_seen()), vec![1], "one tick per call");
    assert_eq!(drain(&mut d).len(), 1);
    assert_eq!(
        d.poll_timeout(),
        Some(ms(20)),
        "the missed tick is still due"
    );
    for due in [20, 30, 40, 50] {
        assert_eq!(d.poll_timeout(), Some(ms(due)));
        d.handle_timeout(ms(55));
        assert_eq!(handled_infos(&take_seen()), vec![1], "tick {due} delivered");
        assert_eq!(drain(&mut d).len(), 1);
    }
    assert_eq!(d.poll_timeout(), Some(ms(60)), "caught up, grid aligned");
    d.handle_timeout(ms(60));
    assert_eq!(handled_infos(&take_seen()), vec![1]);
    assert_eq!(d.poll_timeout(), Some(ms(70)));
}

#[test]
fn repeats_later_than_the_catch_up_window_skip_missed_ticks() {
    let mut d = repeating_every_10ms(0);
    take_seen();
    let late = 10 + REPEAT_CATCH_UP.as_millis() as u64 + 35;
    d.handle_timeout(ms(late));
    assert_eq!(
        handled_infos(&take_seen()),
        vec![1],
        "one tick, not a backlog"
    );
    assert_eq!(drain(&mut d).len(), 1);
    assert_eq!(
        d.poll_timeout(),
        Some(ms(late - late % 10 + 10)),
        "the next grid point after now"
    );
}

#[test]
fn zero_period_is_raised_to_one_millisecond() {
    let mut d = join(vec![]);
    d.handle_typed_event(
        ms(5),
        run(
            1,
            vec![Command::repeat("r", Duration::ZERO, Info::tick("r", 1))],
        ),
    )
    .unwrap();
    assert_eq!(d.poll_timeout(), Some(Time::from_micros(6_000)));
    d.handle_timeout(ms(5));
    assert!(handled_infos(&take_seen()).is_empty());
}

#[test]
fn send_after_fires_once_and_keys_replace() {
    let mut d = join(vec![]);
    let cmds = vec![
        Command::SendAfter {
            key: "a".into(),
            after: dur(30),
            info: Info::tick("a", 1),
        },
        Command::SendAfter {
            key: "a".into(),
            after: dur(20),
            info: Info::tick("a", 2),
        },
        Command::SendAfter {
            key: "b".into(),
            after: dur(20),
            info: Info::tick("b", 3),
        },
    ];
    d.handle_typed_event(ms(0), run(1, cmds)).unwrap();
    assert_eq!(d.timer_count(), 2);
    take_seen();
    d.handle_timeout(ms(100));
    assert_eq!(
        handled_infos(&take_seen()),
        vec![2, 3],
        "ties fire in creation order"
    );
    assert_eq!(drain(&mut d).len(), 2);
    assert_eq!(d.timer_count(), 0);
    assert_eq!(d.poll_timeout(), None);
}

#[test]
fn timers_fire_in_due_order_each_with_its_own_render() {
    let mut d = join(vec![]);
    let cmds = vec![
        Command::repeat("slow", dur(25), Info::tick("slow", 1)),
        Command::SendAfter {
            key: "once".into(),
            after: dur(5),
            info: Info::tick("once", 2),
        },
        Command::repeat("fast", dur(10), Info::tick("fast", 3)),
    ];
    d.handle_typed_event(ms(0), run(1, cmds)).unwrap();
    take_seen();
    d.handle_timeout(ms(25));
    let seen = take_seen();
    assert_eq!(
        handled_infos(&seen),
        vec![2, 3, 1],
        "5 ms, 10 ms, 25 ms (fast's 20 ms tick waits for the next call)"
    );
    assert_eq!(renders(&seen), 3);
    let out = drain(&mut d);
    let markers: Vec<Value> = out.iter().map(|o| push_json(o)["0"].clone()).collect();
    assert_eq!(markers, vec![json!("[h2]"), json!("[h3]"), json!("[h4]")]);
    assert_eq!(d.poll_timeout(), Some(ms(20)), "fast's missed tick");
    d.handle_timeout(ms(25));
    assert_eq!(handled_infos(&take_seen()), vec![3]);
    assert_eq!(d.poll_timeout(), Some(ms(30)));
}

#[test]
fn cancel_and_replace_from_inside_a_tick() {
    let mut d = join(vec![]);
    let a = Info::tick("a", 1).with(vec![
        Command::CancelRepeat { key: "b".into() },
        Command::repeat("c", dur(1), Info::tick("c", 4)),
        Command::SendAfter {
            key: "now".into(),
            after: Duration::ZERO,
            info: Info::tick("now", 5),
        },
    ]);
    let cmds = vec![
        Command::repeat("a", dur(10), a),
        Command::repeat("b", dur(10), Info::tick("b", 2)),
        Command::repeat("c", dur(10), Info::tick("c", 3)),
    ];
    d.handle_typed_event(ms(0), run(1, cmds)).unwrap();
    take_seen();
    d.handle_timeout(ms(10));
    assert_eq!(
        handled_infos(&take_seen()),
        vec![1],
        "b was cancelled and c replaced by the first tick"
    );
    assert_eq!(
        d.poll_timeout(),
        Some(ms(10)),
        "the zero-delay timer waits for the next call"
    );
    d.handle_timeout(ms(11));
    assert_eq!(handled_infos(&take_seen()), vec![5, 4]);
    d.handle_typed_event(
        ms(11),
        run(2, vec![Command::CancelRepeat { key: "zzz".into() }]),
    )
    .unwrap();
    assert_eq!(d.timer_count(), 2);
}

// ---------------------------------------------------------------- navigation and flash

#[test]
fn push_patch_from_an_event_is_the_reply_navigation() {
    let mut d = join(vec![]);
    let cmds = vec![Command::PushPatch {
        to: "/probe?page=2".into(),
        replace: true,
    }];
    let reply = d.handle_typed_event(ms(1), run(1, cmds)).unwrap();
    assert_eq!(
        reply.navigation,
        Some(Navigation::Patch {
            to: "/probe?page=2".into(),
            replace: true
        })
    );
    assert_eq!(
        take_seen(),
        vec![
            Seen::Event(1),
            Seen::Params("/probe?page=2".into()),
            Seen::Render
        ]
    );
    let diff = parse(reply.diff.as_deref().unwrap());
    assert_eq!(diff["1"], json!("/probe?page=2"));
    assert_eq!(d.url().to_string(), "/probe?page=2");
    assert!(!d.is_ended());
}

#[test]
fn push_patch_from_an_info_is_pushed_before_the_diff() {
    let mut d = join(vec![]);
    d.handle_info(
        ms(1),
        Info::new(1).with(vec![Command::push_patch("/probe?p=1")]),
    );
    let out = drain(&mut d);
    assert_eq!(
        out[0],
        Output::Navigate(Navigation::Patch {
            to: "/probe?p=1".into(),
            replace: false
        })
    );
    assert_eq!(push_json(&out[1])["1"], json!("/probe?p=1"));
    assert_eq!(out.len(), 2);
}

#[test]
fn client_live_patch_runs_handle_params() {
    let mut d = join(vec![]);
    let reply = d
        .handle_params(ms(1), url("http://localhost:4000/probe?page=3"))
        .unwrap();
    assert_eq!(
        take_seen(),
        vec![Seen::Params("/probe?page=3".into()), Seen::Render]
    );
    assert_eq!(
        parse(reply.diff.as_deref().unwrap())["1"],
        json!("/probe?page=3")
    );
    assert_eq!(reply.navigation, None);
    let reply = d
        .handle_params(ms(2), url("/probe?patch_to=/probe%3Fpage%3D4"))
        .unwrap();
    assert_eq!(
        reply.navigation,
        Some(Navigation::Patch {
            to: "/probe?page=4".into(),
            replace: false
        })
    );
    assert_eq!(d.url().to_string(), "/probe?page=4");
    let reply = d
        .handle_params(ms(3), url("/probe?navigate_to=/other"))
        .unwrap();
    assert!(matches!(
        reply.navigation,
        Some(Navigation::Navigate { .. })
    ));
    assert_eq!(reply.diff, None);
    assert!(d.is_ended());
}

#[test]
fn a_patch_loop_crashes_the_view_and_bad_targets_are_dropped() {
    let mut d = join(vec![]);
    let looped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        d.handle_params(ms(1), url("/loop?loop=0"))
    }));
    let panic = looped.expect_err("a patch loop crashes the view");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("too many redirects"), "{message}");
    let params_runs = take_seen()
        .iter()
        .filter(|s| matches!(s, Seen::Params(_)))
        .count();
    assert_eq!(
        params_runs,
        1 + MAX_PATCH_HOPS,
        "20 patches ran, the 21st crashed"
    );

    let mut d = join(vec![]);
    let reply = d
        .handle_typed_event(ms(2), run(1, vec![Command::push_patch("not a path")]))
        .unwrap();
    assert_eq!(reply.navigation, None);
    assert_eq!(d.url().to_string(), "/probe");
}

#[test]
fn navigate_from_an_event_ends_the_view_with_the_flash() {
    let mut d = join(vec![
        Command::Subscribe("t1".into()),
        Command::Subscribe("t2".into()),
    ]);
    assert_eq!(
        drain(&mut d),
        vec![
            Output::Subscribe("t1".into()),
            Output::Subscribe("t2".into())
        ]
    );
    d.handle_typed_event(
        ms(1),
        run(1, vec![Command::repeat("r", dur(5), Info::tick("r", 1))]),
    )
    .unwrap();
    let cmds = vec![
        Command::push_navigate("/next"),
        Command::put_flash("info", "saved"),
        Command::push_event("lost", json!({})),
        Command::SendInfo(Info::new(9)),
    ];
    let reply = d.handle_typed_event(ms(2), run(2, cmds)).unwrap();
    let mut flash = Flash::default();
    flash.put("info", "saved");
    assert_eq!(
        reply.navigation,
        Some(Navigation::Navigate {
            to: "/next".into(),
            replace: false,
            flash
        })
    );
    assert_eq!(reply.diff, None);
    assert!(d.is_ended());
    assert_eq!(d.timer_count(), 0);
    assert_eq!(d.poll_timeout(), None);
    assert_eq!(
        drain(&mut d),
        vec![
            Output::Unsubscribe("t1".into()),
            Output::Unsubscribe("t2".into())
        ]
    );
    assert!(handled_infos(&take_seen()).is_empty());
    assert_eq!(
        d.handle_typed_event(ms(3), run(3, vec![])),
        Err(InputError::Ended)
    );
    assert_eq!(d.handle_params(ms(3), url("/a")), Err(InputError::Ended));
    assert_eq!(
        d.handle_pubsub(ms(3), "t1", &json!({})),
        Err(InputError::Ended)
    );
}

#[test]
fn redirect_from_an_info_is_an_output() {
    let mut d = join(vec![Command::Subscribe("t".into())]);
    drain(&mut d);
    d.handle_info(
        ms(1),
        Info::new(1).with(vec![Command::Redirect {
            to: "/login".into(),
        }]),
    );
    let out = drain(&mut d);
    assert_eq!(
        out,
        vec![
            Output::Navigate(Navigation::Redirect {
                to: "/login".into(),
                flash: Flash::default()
            }),
            Output::Unsubscribe("t".into())
        ]
    );
    assert!(d.is_ended());
}

#[test]
fn flash_commands_and_the_builtin_clear_flash() {
    let mut d = join(vec![]);
    let cmds = vec![
        Command::put_flash("info", "a"),
        Command::put_flash("error", "b"),
        Command::put_flash("x", "c"),
    ];
    d.handle_typed_event(ms(1), run(1, cmds)).unwrap();
    d.handle_typed_event(
        ms(1),
        run(
            2,
            vec![Command::ClearFlash {
                kind: Some("x".into()),
            }],
        ),
    )
    .unwrap();
    assert_eq!(
        d.flash().iter().collect::<Vec<_>>(),
        vec![("error", "b"), ("info", "a")]
    );
    take_seen();
    let reply = d
        .handle_event(
            ms(2),
            ClientEvent::json("click", "lv:clear-flash", json!({"key": "info"})),
        )
        .unwrap();
    assert_eq!(reply, Reply::default());
    assert!(take_seen().is_empty(), "the view is not involved");
    assert_eq!(d.flash().get("info"), None);
    assert_eq!(d.flash().get("error"), Some("b"));
    d.handle_event(
        ms(2),
        ClientEvent::json("click", "lv:clear-flash", json!({"value": ""})),
    )
    .unwrap();
    assert!(d.flash().is_empty());
    d.handle_typed_event(ms(1), run(3, vec![Command::put_flash("info", "again")]))
        .unwrap();
    d.handle_typed_event(ms(1), run(4, vec![Command::ClearFlash { kind: None }]))
        .unwrap();
    assert!(d.flash().is_empty());
}

// ---------------------------------------------------------------- pub/sub

#[test]
fn subscriptions_are_a_set() {
    let mut d = join(vec![]);
    let cmds = vec![
        Command::Subscribe("a".into()),
        Command::Subscribe("a".into()),
        Command::Unsubscribe("zz".into()),
        Command::Subscribe("b".into()),
        Command::Unsubscribe("b".into()),
        Command::broadcast("a", Info::new(5)),
    ];
    d.handle_typed_event(ms(1), run(1, cmds)).unwrap();
    assert_eq!(
        drain(&mut d),
        vec![
            Output::Subscribe("a".into()),
            Output::Subscribe("b".into()),
            Output::Unsubscribe("b".into()),
            Output::Broadcast {
                topic: "a".into(),
                payload: serde_json::to_value(Info::new(5)).unwrap()
            },
        ]
    );
    assert_eq!(d.subscriptions(), vec!["a".to_owned()]);
}

#[test]
fn pubsub_messages_decode_into_infos() {
    let mut d = join(vec![Command::Subscribe("room".into())]);
    drain(&mut d);
    let payload = serde_json::to_value(Info::new(42)).unwrap();
    d.handle_pubsub(ms(1), "room", &payload).unwrap();
    assert_eq!(
        handled_infos(&take_seen()),
        Vec::<u32>::new(),
        "queued, not yet handled"
    );
    let out = drain(&mut d);
    assert_eq!(out.len(), 1);
    assert_eq!(handled_infos(&take_seen()), vec![42]);
    // Not subscribed: ignored.
    d.handle_pubsub(ms(1), "elsewhere", &payload).unwrap();
    assert_eq!(drain(&mut d), vec![]);
    // Garbage: an error naming the topic, not a panic.
    let err = d
        .handle_pubsub(ms(1), "room", &json!({"nope": 1}))
        .unwrap_err();
    match err {
        InputError::Decode(e) => {
            assert_eq!(e.event, "pubsub:room");
            assert!(e.reason.contains("Info"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(drain(&mut d), vec![]);
}

// ---------------------------------------------------------------- stop and AnyView

#[test]
fn stop_ends_every_effect() {
    let mut d = join(vec![
        Command::Subscribe("x".into()),
        Command::repeat("r", dur(5), Info::tick("r", 1)),
        Command::SendInfo(Info::new(2)),
    ]);
    assert_eq!(d.poll_output(), Some(Output::Subscribe("x".into())));
    d.stop();
    d.stop();
    assert_eq!(d.timer_count(), 0);
    assert!(d.subscriptions().is_empty());
    assert_eq!(d.poll_timeout(), None);
    assert_eq!(drain(&mut d), vec![Output::Unsubscribe("x".into())]);
    d.handle_info(ms(1), Info::new(3));
    d.handle_timeout(ms(100));
    assert_eq!(drain(&mut d), vec![]);
    assert!(handled_infos(&take_seen()).is_empty());
    assert_eq!(
        d.handle_event(ms(1), ClientEvent::json("click", "bump", json!({"id": 1}))),
        Err(InputError::Ended)
    );
}

#[test]
fn any_view_erases_the_type() {
    let d = join(vec![Command::Subscribe("s".into())]);
    let mut any: Box<dyn AnyView> = Box::new(d);
    assert!(any.type_name().ends_with("Probe"));
    assert_eq!(any.poll_output(), Some(Output::Subscribe("s".into())));
    let reply = any
        .handle_event(ms(1), ClientEvent::json("click", "bump", json!({"id": 1})))
        .unwrap();
    assert!(reply.diff.is_some());
    any.handle_pubsub(ms(1), "s", &serde_json::to_value(Info::new(1)).unwrap())
        .unwrap();
    assert!(matches!(any.poll_output(), Some(Output::Push(_))));
    assert_eq!(any.subscriptions(), vec!["s".to_owned()]);
    assert_eq!(any.poll_timeout(), None);
    any.handle_timeout(ms(2));
    let rendered = any.render_full();
    assert!(parse(&rendered).contains_key("0"));
    assert!(any.render_html().contains("[h2]"));
    any.handle_params(ms(3), url("/probe?x=1")).unwrap();
    assert_eq!(any.timer_count(), 0);
    any.stop();
    assert_eq!(any.poll_output(), Some(Output::Unsubscribe("s".into())));
    take_seen();
}

#[test]
fn render_full_is_the_new_baseline() {
    let mut d = join(vec![]);
    d.handle_typed_event(ms(1), run(1, vec![])).unwrap();
    let full = parse(&d.render_full());
    assert_eq!(full["0"], json!("[h1]"));
    let reply = d.handle_typed_event(ms(2), Ev::Noop { id: 2 }).unwrap();
    assert_eq!(reply.diff, None);
    take_seen();
}

// ---------------------------------------------------------------- path params on patches

#[derive(Debug)]
struct UserPage {
    id: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum UserEvent {
    Go { to: String },
}

impl LiveView for UserPage {
    type Event = UserEvent;
    type Info = ();
    fn mount(m: &Mount) -> Update<Self> {
        (
            UserPage {
                id: m.params.get("id").unwrap_or("").to_owned(),
            },
            vec![],
        )
    }
    fn handle_params(mut self, params: &Params, _: &Url) -> Update<Self> {
        self.id = params.get("id").unwrap_or("").to_owned();
        (self, vec![])
    }
    fn handle_event(self, event: UserEvent) -> Update<Self> {
        let UserEvent::Go { to } = event;
        (self, vec![Command::push_patch(to)])
    }
    fn render(&self) -> crate::Rendered {
        crate::html!("<p>{self.id}</p>")
    }
}

fn user_page(path: &str) -> ViewDriver<UserPage> {
    let pattern = crate::view::PathPattern::parse("/users/:id").unwrap();
    let path_params = pattern.matches(path).unwrap();
    let input = JoinInput {
        connected: true,
        url: url(path),
        path_params,
        pattern: Some(pattern),
        ..Default::default()
    };
    ViewDriver::join(Time::ZERO, input).expect("join").0
}

#[test]
fn a_client_patch_reads_path_params_from_the_new_path() {
    let mut d = user_page("/users/1");
    assert_eq!(d.state().unwrap().id, "1");
    let reply = d
        .handle_params(ms(1), url("http://localhost/users/2?tab=x"))
        .unwrap();
    assert_eq!(d.state().unwrap().id, "2");
    assert_eq!(reply.diff.as_deref(), Some(r#"{"0":"2"}"#));
}

#[test]
fn a_view_patch_reads_path_params_and_a_patch_to_another_route_navigates() {
    let mut d = user_page("/users/1");
    let reply = d
        .handle_typed_event(
            ms(1),
            UserEvent::Go {
                to: "/users/3".into(),
            },
        )
        .unwrap();
    assert_eq!(d.state().unwrap().id, "3");
    assert_eq!(
        reply.navigation,
        Some(Navigation::Patch {
            to: "/users/3".into(),
            replace: false
        })
    );
    let reply = d
        .handle_typed_event(
            ms(2),
            UserEvent::Go {
                to: "/posts/9".into(),
            },
        )
        .unwrap();
    assert!(
        matches!(&reply.navigation, Some(Navigation::Navigate { to, .. }) if to == "/posts/9"),
        "{reply:?}"
    );
    assert!(d.is_ended());
}

#[test]
fn without_a_pattern_the_join_path_params_are_kept() {
    let mut path_params = Params::default();
    path_params.insert("id", "5");
    let input = JoinInput {
        connected: true,
        url: url("/users/5"),
        path_params,
        ..Default::default()
    };
    let (mut d, _) = ViewDriver::<UserPage>::join(Time::ZERO, input).unwrap();
    d.handle_params(ms(1), url("/users/6")).unwrap();
    assert_eq!(d.state().unwrap().id, "5");
}
