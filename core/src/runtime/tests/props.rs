//! Properties over random sequences of events, infos (with `SendInfo`
//! chains), pub/sub messages, time advances and stops.

use super::*;
use crate::diff::merge::Client;
use proptest::prelude::*;
use std::collections::HashMap;

const KEYS: [&str; 3] = ["a", "b", "c"];
const TOPICS: [&str; 2] = ["t1", "t2"];
/// Ids at or above this are only ever put in client payloads.
const FORGED: u32 = 1_000_000;

#[derive(Clone, Debug)]
enum Op {
    /// A typed event with commands.
    Event {
        bump: bool,
        cmds: Vec<Command<Info>>,
    },
    /// A client event through decoding: a real one or a forged info.
    Client(ClientEvent),
    /// `handle_info`.
    Info(Info),
    /// A pub/sub message; `None` is a payload that does not decode.
    Pubsub {
        topic: String,
        info: Option<Info>,
    },
    /// Advance the clock by this many µs and call `handle_timeout`.
    Advance(u64),
    /// A client live patch.
    Patch(u32),
    Stop,
}

fn leaf_cmd(allow_exit: bool) -> impl Strategy<Value = Command<Info>> {
    let key = prop::sample::select(&KEYS[..]);
    let topic = prop::sample::select(&TOPICS[..]);
    let mut options: Vec<BoxedStrategy<Command<Info>>> = vec![
        (key.clone(), 0u64..40, any::<u16>())
            .prop_map(|(k, ms, id)| Command::SendAfter {
                key: k.into(),
                after: Duration::from_millis(ms),
                info: Info::tick(k, u32::from(id)),
            })
            .boxed(),
        (key.clone(), 0u64..25, any::<u16>())
            .prop_map(|(k, ms, id)| {
                Command::repeat(k, Duration::from_millis(ms), Info::tick(k, u32::from(id)))
            })
            .boxed(),
        key.prop_map(|k| Command::CancelRepeat { key: k.into() })
            .boxed(),
        topic
            .clone()
            .prop_map(|t| Command::Subscribe(t.into()))
            .boxed(),
        topic
            .clone()
            .prop_map(|t| Command::Unsubscribe(t.into()))
            .boxed(),
        (topic, any::<u16>())
            .prop_map(|(t, id)| Command::broadcast(t, Info::new(u32::from(id))))
            .boxed(),
        "[a-z]{1,4}".prop_map(Command::PageTitle).boxed(),
        "[a-z]{1,4}"
            .prop_map(|n| Command::push_event(n, json!({"x": 1})))
            .boxed(),
        Just(Command::push_patch("/probe?p=1")).boxed(),
    ];
    if allow_exit {
        options.push(Just(Command::push_navigate("/elsewhere")).boxed());
    }
    prop::strategy::Union::new(options)
}

fn info_strategy(depth: u32) -> BoxedStrategy<Info> {
    let base = (
        any::<u16>(),
        any::<bool>(),
        prop::collection::vec(leaf_cmd(false), 0..2),
    )
        .prop_map(|(id, bump, cmds)| Info {
            id: u32::from(id),
            tick: None,
            bump,
            cmds,
        });
    if depth == 0 {
        return base.boxed();
    }
    (base, prop::collection::vec(info_strategy(depth - 1), 0..3))
        .prop_map(|(mut info, children)| {
            info.cmds
                .extend(children.into_iter().map(Command::SendInfo));
            info
        })
        .boxed()
}

fn client_event() -> impl Strategy<Value = ClientEvent> {
    let forged = (FORGED..FORGED + 1000).prop_map(|id| {
        serde_json::to_value(Info::new(id).with(vec![Command::SendInfo(Info::new(id))])).unwrap()
    });
    prop_oneof![
        (0u32..100).prop_map(|id| ClientEvent::json(
            "click",
            "bump",
            json!({"id": id.to_string(), "value": ""})
        )),
        (0u32..100).prop_map(|id| ClientEvent::json("click", "noop", json!({"id": id}))),
        (
            prop::sample::select(vec![
                "info",
                "Info",
                "run",
                "send_info",
                "handle_info",
                "bump"
            ]),
            forged.clone()
        )
            .prop_map(|(name, v)| ClientEvent::json("hook", name, v)),
        forged.prop_map(|v| ClientEvent::json("hook", "send_info", json!({ "send_info": v }))),
        Just(ClientEvent::json(
            "click",
            "lv:clear-flash",
            json!({"key": "info"})
        )),
        (
            prop::sample::select(vec!["bump", "noop", "lv:clear-flash", "x"]),
            any_json()
        )
            .prop_map(|(name, v)| ClientEvent::json("hook", name, v)),
        (
            prop::sample::select(vec!["bump", "noop"]),
            "[a-z\\[\\]=&%0-9]{0,40}"
        )
            .prop_map(|(name, form)| ClientEvent::form(name, form)),
    ]
}

/// Any JSON value (bounded).
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z0-9 ]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec!["id", "key", "value", "x"]),
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn op(allow_exit: bool) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), prop::collection::vec(
            prop_oneof![2 => leaf_cmd(allow_exit), 3 => info_strategy(2).prop_map(Command::SendInfo)], 0..4))
            .prop_map(|(bump, cmds)| Op::Event { bump, cmds }),
        2 => client_event().prop_map(Op::Client),
        2 => info_strategy(2).prop_map(Op::Info),
        2 => (prop::sample::select(&TOPICS[..]), prop::option::weighted(0.9, info_strategy(1)))
            .prop_map(|(t, info)| Op::Pubsub { topic: t.into(), info }),
        2 => (0u64..40).prop_map(|ms| Op::Advance(ms * 1000)),
        1 => (0u64..40_000).prop_map(Op::Advance),
        1 => (0u32..5).prop_map(Op::Patch),
        1 => Just(if allow_exit { Op::Stop } else { Op::Advance(1) }),
    ]
}

/// One timer as the model knows it.
#[derive(Debug)]
struct ModelTimer {
    due: u64,
    seq: u64,
    every: Option<u64>,
    /// The index of the call that created it.
    call: usize,
}

/// Checks the driver against the invariants while replaying what the probe saw.
struct Checker {
    connected: bool,
    now: u64,
    call: usize,
    /// Info ids in the order they were queued (view `SendInfo`, `handle_info`, pub/sub).
    sent: Vec<u32>,
    /// Info ids in the order they were handled.
    handled: Vec<u32>,
    timers: HashMap<String, ModelTimer>,
    seq: u64,
    /// The last `[hN]` marker seen in a reply or push.
    last_marker: Option<u64>,
    /// Subscribe minus Unsubscribe outputs, per topic.
    subscribed: HashMap<String, i32>,
    /// Broadcasts to deliver back as pub/sub messages.
    mailbox: Vec<(String, Value)>,
    /// The official client's merge model, fed the join and every diff (Invariant 5).
    client: Client,
}

#[derive(Clone, Copy, PartialEq)]
enum Call {
    /// handle_event / handle_typed_event / handle_params.
    Reply,
    /// handle_info / handle_pubsub: enqueue only.
    Enqueue,
    Timeout,
    Poll,
}

impl Checker {
    fn new(connected: bool, joined: &Joined) -> Checker {
        Checker {
            client: Client::join(serde_json::from_str(&joined.rendered).unwrap()).unwrap(),
            connected,
            now: 0,
            call: 0,
            sent: vec![],
            handled: vec![],
            timers: HashMap::new(),
            seq: 0,
            last_marker: None,
            subscribed: HashMap::new(),
            mailbox: vec![],
        }
    }

    fn marker(&mut self, diff: &str) -> Result<(), TestCaseError> {
        let merged = self.client.apply(serde_json::from_str(diff).unwrap());
        prop_assert!(
            merged.is_ok(),
            "the client cannot merge {}: {:?}",
            diff,
            merged
        );
        let v = parse(diff);
        if let Some(Value::String(m)) = v.get("0") {
            let n: u64 = m
                .trim_start_matches("[h")
                .trim_end_matches(']')
                .parse()
                .unwrap();
            if let Some(last) = self.last_marker {
                prop_assert!(
                    n >= last,
                    "marker {} after {}: an output came out of order",
                    n,
                    last
                );
            }
            self.last_marker = Some(n);
        }
        Ok(())
    }

    /// Replays what the probe saw during one call.
    fn after_call(&mut self, kind: Call, d: &ViewDriver<Probe>) -> Result<(), TestCaseError> {
        self.call += 1;
        let seen = take_seen();
        let rendered = renders(&seen);
        let mut fired: Vec<String> = vec![];
        let mut last_fire: Option<(u64, u64)> = None;
        let mut handled_here = 0;
        let mut ticks_here = 0;
        for s in seen {
            match s {
                Seen::Sent(id) => {
                    if self.connected {
                        self.sent.push(id)
                    }
                }
                Seen::Timer {
                    key,
                    micros,
                    repeat,
                } => {
                    if self.connected {
                        let every = repeat.then(|| micros.max(1_000));
                        let due = self.now + every.unwrap_or(micros);
                        self.seq += 1;
                        self.timers.insert(
                            key,
                            ModelTimer {
                                due,
                                seq: self.seq,
                                every,
                                call: self.call,
                            },
                        );
                    }
                }
                Seen::Cancel(key) => {
                    self.timers.remove(&key);
                }
                Seen::Info { id, tick: None } => {
                    prop_assert!(
                        id < FORGED,
                        "a client payload reached handle_info (Invariant 3)"
                    );
                    prop_assert!(
                        kind == Call::Poll,
                        "an info ran outside poll_output (Invariant 1)"
                    );
                    handled_here += 1;
                    self.handled.push(id);
                }
                Seen::Info {
                    id: _,
                    tick: Some(key),
                } => {
                    prop_assert!(
                        kind == Call::Timeout,
                        "a timer fired outside handle_timeout"
                    );
                    ticks_here += 1;
                    prop_assert!(
                        !fired.contains(&key),
                        "timer {} fired twice in one call (burst)",
                        key
                    );
                    let t = self.timers.get_mut(&key);
                    prop_assert!(
                        t.is_some(),
                        "timer {} fired but was cancelled or never made",
                        key
                    );
                    let t = t.unwrap();
                    prop_assert!(
                        t.call < self.call,
                        "a timer made during handle_timeout fired in it"
                    );
                    prop_assert!(
                        t.due <= self.now,
                        "timer {} fired early: due {} now {}",
                        key,
                        t.due,
                        self.now
                    );
                    if let Some(last) = last_fire {
                        prop_assert!((t.due, t.seq) >= last, "timers fired out of due order");
                    }
                    last_fire = Some((t.due, t.seq));
                    fired.push(key.clone());
                    match t.every {
                        Some(every) => {
                            // Missed ticks are caught up one per call unless
                            // more than REPEAT_CATCH_UP late (then skipped).
                            let window = REPEAT_CATCH_UP.as_micros() as u64;
                            let mut next = t.due + every;
                            if next + window < self.now {
                                while next <= self.now {
                                    next += every;
                                }
                            }
                            t.due = next;
                        }
                        None => {
                            self.timers.remove(&key);
                        }
                    }
                }
                Seen::Mount { .. } | Seen::Params(_) | Seen::Event(_) | Seen::Render => {}
            }
        }
        // Invariant 1: at most one render per input.
        match kind {
            Call::Reply => prop_assert!(rendered <= 1, "{} renders for one input", rendered),
            // poll_output runs queued infos until one has output: one render each.
            Call::Poll => prop_assert_eq!(rendered, handled_here, "one render per info"),
            Call::Enqueue => prop_assert_eq!(rendered, 0),
            Call::Timeout => prop_assert_eq!(rendered, ticks_here, "one render per tick"),
        }
        prop_assert!(
            handled_here <= INFO_BUDGET,
            "poll_output went over the info budget"
        );
        // Invariant 2: FIFO.
        prop_assert!(self.handled.len() <= self.sent.len());
        prop_assert_eq!(
            &self.handled[..],
            &self.sent[..self.handled.len()],
            "infos out of send order"
        );
        if kind == Call::Timeout {
            for (key, t) in &self.timers {
                // A repeat that fired in this call may be due again (a
                // missed tick being caught up on the next call).
                prop_assert!(
                    t.call == self.call || t.due > self.now || fired.contains(key),
                    "timer {} due but not fired",
                    key
                );
            }
        }
        if d.is_ended() {
            self.timers.clear();
            self.sent.truncate(self.handled.len());
        }
        // Invariant 4.
        prop_assert_eq!(d.timer_count(), self.timers.len());
        if !self.connected || d.is_ended() {
            prop_assert_eq!(d.timer_count(), 0);
            prop_assert!(d.subscriptions().is_empty());
            if d.is_ended() {
                prop_assert_eq!(d.poll_timeout(), None);
            }
        }
        Ok(())
    }

    fn drain(&mut self, d: &mut ViewDriver<Probe>) -> Result<(), TestCaseError> {
        loop {
            let out = d.poll_output();
            self.after_call(Call::Poll, d)?;
            let Some(out) = out else { break };
            match out {
                Output::Push(diff) => self.marker(&diff)?,
                Output::Subscribe(t) => {
                    prop_assert!(self.connected, "subscribed while not connected");
                    *self.subscribed.entry(t).or_default() += 1;
                }
                Output::Unsubscribe(t) => *self.subscribed.entry(t).or_default() -= 1,
                Output::Broadcast { topic, payload } => {
                    prop_assert!(self.connected, "broadcast while not connected");
                    self.mailbox.push((topic, payload));
                }
                Output::Navigate(_) => {}
                Output::StartTask { .. }
                | Output::CancelTask { .. }
                | Output::SendParent(_)
                | Output::SendChild { .. }
                | Output::UploadEnded { .. }
                | Output::PreflightReady { .. } => {
                    prop_assert!(false, "the probe starts no task")
                }
            }
        }
        for (t, n) in &self.subscribed {
            prop_assert!(*n == 0 || *n == 1, "unbalanced subscription {}: {}", t, n);
            prop_assert_eq!(*n == 1, d.subscriptions().contains(t));
        }
        // Invariant 5: the merged diffs are the latest render.
        if !d.is_ended() {
            let html = self.client.to_html().unwrap();
            prop_assert_eq!(&html, &d.render_html());
            if let Some(state) = d.state() {
                prop_assert_eq!(&html, &state.render().to_html());
                take_seen();
            }
        }
        Ok(())
    }

    fn reply(
        &mut self,
        r: Result<Reply, InputError>,
        d: &ViewDriver<Probe>,
    ) -> Result<(), TestCaseError> {
        self.after_call(Call::Reply, d)?;
        match r {
            Ok(reply) => {
                if let Some(diff) = &reply.diff {
                    self.marker(diff)?;
                }
            }
            Err(InputError::Ended) => prop_assert!(d.is_ended()),
            Err(InputError::Decode(_)) => {}
            Err(e @ (InputError::NoComponent(_) | InputError::Upload(_))) => {
                return Err(TestCaseError::fail(format!(
                    "the probe has no components: {e}"
                )))
            }
        }
        Ok(())
    }

    fn enqueue(
        &mut self,
        d: &mut ViewDriver<Probe>,
        topic: Option<&str>,
        info: Info,
    ) -> Result<(), TestCaseError> {
        let accepted = self.connected
            && !d.is_ended()
            && topic.is_none_or(|t| d.subscriptions().iter().any(|s| s == t));
        let id = info.id;
        match topic {
            Some(t) => {
                let r = d.handle_pubsub(
                    Time::from_micros(self.now),
                    t,
                    &serde_json::to_value(&info).unwrap(),
                );
                prop_assert_eq!(r.is_err(), d.is_ended());
            }
            None => d.handle_info(Time::from_micros(self.now), info),
        }
        if accepted {
            self.sent.push(id);
        }
        self.after_call(Call::Enqueue, d)
    }
}

fn run_ops(connected: bool, ops: Vec<Op>) -> Result<ViewDriver<Probe>, TestCaseError> {
    take_seen();
    let (mut d, joined) = join_at("/probe", connected, vec![]);
    let mut c = Checker::new(connected, &joined);
    take_seen();
    let t = |c: &Checker| Time::from_micros(c.now);
    for op in ops {
        match op {
            Op::Event { bump, cmds } => {
                let r = d.handle_typed_event(t(&c), Ev::Run { id: 0, bump, cmds });
                c.reply(r, &d)?;
            }
            Op::Client(ev) => {
                let r = d.handle_event(t(&c), ev);
                c.reply(r, &d)?;
            }
            Op::Info(info) => c.enqueue(&mut d, None, info)?,
            Op::Pubsub {
                topic,
                info: Some(info),
            } => c.enqueue(&mut d, Some(&topic), info)?,
            Op::Pubsub { topic, info: None } => {
                let subscribed = d.subscriptions().contains(&topic);
                let r = d.handle_pubsub(t(&c), &topic, &json!({"not": "an info"}));
                prop_assert!(
                    r.is_err() == (subscribed || d.is_ended()),
                    "garbage pub/sub: {:?}",
                    r
                );
                c.after_call(Call::Enqueue, &d)?;
            }
            Op::Advance(us) => {
                c.now += us;
                d.handle_timeout(t(&c));
                c.after_call(Call::Timeout, &d)?;
            }
            Op::Patch(n) => {
                let r = d.handle_params(t(&c), url(&format!("/probe?n={n}")));
                c.reply(r, &d)?;
            }
            Op::Stop => {
                d.stop();
                c.after_call(Call::Enqueue, &d)?;
            }
        }
        c.drain(&mut d)?;
        // Deliver broadcasts back, as the adapter's pub/sub would.
        for (topic, payload) in std::mem::take(&mut c.mailbox) {
            let info: Info = serde_json::from_value(payload).unwrap();
            c.enqueue(&mut d, Some(&topic), info)?;
            c.drain(&mut d)?;
        }
        // The adapter honours poll_timeout when it says "now" (info budget spent).
        while d.poll_timeout().is_some_and(|due| due <= t(&c)) {
            d.handle_timeout(t(&c));
            c.after_call(Call::Timeout, &d)?;
            c.drain(&mut d)?;
        }
    }
    // Invariant 5 at the end: a fresh full render shows what the merged diffs show.
    if !d.is_ended() {
        let fresh = Client::join(serde_json::from_str(&d.render_full()).unwrap()).unwrap();
        prop_assert_eq!(fresh.to_html().unwrap(), c.client.to_html().unwrap());
        take_seen();
    }
    // Invariant 4 at the end: stop leaves nothing behind.
    d.stop();
    c.after_call(Call::Enqueue, &d)?;
    c.drain(&mut d)?;
    prop_assert!(
        c.subscribed.values().all(|n| *n == 0),
        "subscriptions left after stop: {:?}",
        c.subscribed
    );
    prop_assert_eq!(d.timer_count(), 0);
    prop_assert_eq!(d.poll_timeout(), None);
    Ok(d)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Invariants 1–5 over random connected runs (navigation and stop included).
    #[test]
    fn connected_runs_keep_the_invariants(ops in prop::collection::vec(op(true), 1..40)) {
        run_ops(true, ops)?;
    }

    /// Long runs without exits, so timers and chains get going.
    #[test]
    fn long_runs_without_exits(ops in prop::collection::vec(op(false), 20..80)) {
        run_ops(true, ops)?;
    }

    /// Invariant 4: a dead-render view starts no effect whatever it is fed.
    #[test]
    fn dead_views_have_no_effects(ops in prop::collection::vec(op(false), 1..30)) {
        let d = run_ops(false, ops)?;
        prop_assert!(d.subscriptions().is_empty());
    }
}
