//! What the driver does with a handler's [`Command`]s: the timer table,
//! subscriptions, navigation, flash, extras and tasks.

use super::{Effects, Exit, Mail, Queued, Timer, ViewDriver, MIN_PERIOD};
use crate::runtime::Output;
use crate::time::Time;
use crate::view::{AsyncError, Command, LiveView, DEFAULT_ASYNC_TIMEOUT};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// The key of a component's timer or task: its own key, inside its cid's
/// namespace (a view's keys stay as they are).
pub(super) fn owned_key(cid: Option<u32>, key: &str) -> String {
    match cid {
        None => key.to_owned(),
        Some(cid) => format!("\u{0}{cid}\u{0}{key}"),
    }
}

/// The owner and own key of a timer or task key ([`owned_key`]).
pub(super) fn split_key(key: &str) -> (Option<u32>, &str) {
    if let Some(rest) = key.strip_prefix('\u{0}') {
        if let Some((cid, own)) = rest.split_once('\u{0}') {
            if let Ok(cid) = cid.parse() {
                return (Some(cid), own);
            }
        }
    }
    (None, key)
}

impl<V: LiveView> ViewDriver<V> {
    /// Carries out the view's own commands.
    pub(super) fn apply(
        &mut self,
        commands: Vec<Command<V::Info>>,
        fx: &mut Effects,
        is_event: bool,
    ) {
        for command in commands {
            self.apply_one(command, None, Mail::View, fx, is_event);
        }
        self.collect_ended(None, fx);
    }

    /// Carries out the commands of component `cid` (infos as JSON).
    pub(super) fn apply_component(
        &mut self,
        cid: u32,
        commands: Vec<Command<Value>>,
        fx: &mut Effects,
        is_event: bool,
    ) {
        for command in commands {
            let mail = |info| Mail::Component { cid, info };
            self.apply_one(command, Some(cid), mail, fx, is_event);
        }
        self.collect_ended(Some(cid), fx);
    }

    /// One command of the view (`cid` = `None`) or of a component. `mail`
    /// addresses an info of the command to its sender.
    fn apply_one<M: Serialize>(
        &mut self,
        command: Command<M>,
        cid: Option<u32>,
        mail: impl Fn(M) -> Mail<V::Info>,
        fx: &mut Effects,
        is_event: bool,
    ) {
        let live = self.connected && !self.ended;
        match command {
            Command::SendInfo(info) => {
                if live {
                    self.infos.push_back(Queued::Mail(mail(info)));
                }
            }
            Command::SendAfter { key, after, info } => {
                if live {
                    self.set_timer(owned_key(cid, &key), self.now + after, None, mail(info));
                }
            }
            Command::Repeat { key, every, info } => {
                if live {
                    let every = every.max(MIN_PERIOD);
                    self.set_timer(
                        owned_key(cid, &key),
                        self.now + every,
                        Some(every),
                        mail(info),
                    );
                }
            }
            Command::CancelRepeat { key } => self.cancel_timer(&owned_key(cid, &key)),
            Command::Subscribe(topic) => {
                if live && self.subscriptions.insert(topic.clone()) {
                    fx.outputs.push(Output::Subscribe(topic));
                }
            }
            Command::Unsubscribe(topic) => {
                if self.subscriptions.remove(&topic) {
                    fx.outputs.push(Output::Unsubscribe(topic));
                }
            }
            Command::Broadcast { topic, info } => {
                if live {
                    if let Ok(payload) = serde_json::to_value(&info) {
                        fx.outputs.push(Output::Broadcast { topic, payload });
                    }
                }
            }
            Command::PushEvent { name, payload } => self.extras.events.push((name, payload)),
            Command::PushPatch { to, replace } => fx.patch = Some((to, replace)),
            Command::PushNavigate { to, replace } => {
                fx.exit.get_or_insert(Exit::Navigate { to, replace });
            }
            Command::Redirect { to } => {
                fx.exit.get_or_insert(Exit::Redirect { to });
            }
            Command::PutFlash { kind, message } => {
                self.flash.put(kind, message);
                fx.flash = true;
            }
            Command::ClearFlash { kind } => {
                self.flash.clear(kind.as_deref());
                fx.flash = true;
            }
            Command::PageTitle(title) => {
                self.title = Some(title);
                self.extras.title = true;
            }
            Command::Reply(value) => {
                if is_event {
                    self.extras.reply = Some(value);
                }
            }
            Command::StartAsync { key, task, timeout } => {
                if !live {
                    return;
                }
                let key = owned_key(cid, &key);
                match serde_json::to_value(&task) {
                    Ok(task) => {
                        let timeout = timeout.unwrap_or(DEFAULT_ASYNC_TIMEOUT);
                        let (id, superseded) =
                            self.tasks
                                .start(key.clone(), task.clone(), self.now, timeout);
                        if let Some(old) = superseded {
                            fx.outputs.push(Output::CancelTask { id: old });
                        }
                        let runner = cid.and_then(|c| self.components.runner(c));
                        fx.outputs.push(Output::StartTask {
                            id,
                            key,
                            task,
                            runner,
                        });
                    }
                    Err(e) => {
                        if let Some(old) = self.tasks.remove_key(&key) {
                            fx.outputs.push(Output::CancelTask { id: old.id });
                        }
                        let error = AsyncError::Failed(format!("the task does not serialize: {e}"));
                        self.queue_async_error(key, error);
                    }
                }
            }
            Command::CancelAsync { key } => {
                let key = owned_key(cid, &key);
                if let Some(task) = self.tasks.remove_key(&key) {
                    fx.outputs.push(Output::CancelTask { id: task.id });
                    self.queue_async_error(key, AsyncError::Cancelled);
                }
            }
            Command::SendUpdate { to, update, after } => {
                if !live {
                    return;
                }
                let mail = Mail::Update { to, update };
                match after {
                    None => self.infos.push_back(Queued::Mail(mail)),
                    Some(after) => {
                        // Not cancellable: each gets a key of its own.
                        let key = format!("\u{0}update#{}", self.next_seq);
                        self.set_timer(key, self.now + after, None, mail);
                    }
                }
            }
            Command::SendParent(info) => match (live, cid) {
                (false, _) => {}
                (true, Some(_)) => self.infos.push_back(Queued::Parent(info)),
                // A child view's message to the view that rendered it.
                (true, None) => fx.outputs.push(Output::SendParent(info)),
            },
            Command::HoldReply { key } => {
                if live && is_event {
                    if let Some(id) = self.tasks.running_id(&owned_key(cid, &key)) {
                        fx.hold = Some(id);
                    }
                }
            }
            Command::SendChild { id, info } => {
                if live {
                    fx.outputs.push(Output::SendChild { id, info });
                }
            }
        }
    }

    fn set_timer(&mut self, key: String, due: Time, every: Option<Duration>, info: Mail<V::Info>) {
        self.cancel_timer(&key);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.insert((due, seq), key.clone());
        self.timers.insert(
            key,
            Timer {
                due,
                seq,
                every,
                info,
            },
        );
    }

    pub(super) fn cancel_timer(&mut self, key: &str) {
        if let Some(old) = self.timers.remove(key) {
            self.queue.remove(&(old.due, old.seq));
        }
    }
}

/// How late a repeat may fall behind its grid and still deliver every missed
/// tick (one per [`ViewDriver::handle_timeout`] call); beyond this the missed
/// ticks are skipped.
pub const REPEAT_CATCH_UP: Duration = Duration::from_secs(1);

/// The next deadline of a repeat scheduled at `scheduled`: one period later,
/// even if that has already passed at `now` (the tick is caught up on the next
/// call), unless it lies more than [`REPEAT_CATCH_UP`] before `now`: then it
/// is the first point of the same grid after `now` (missed ticks are skipped).
pub(super) fn next_deadline(scheduled: Time, every: Duration, now: Time) -> Time {
    let period = u64::try_from(every.as_micros()).unwrap_or(u64::MAX).max(1);
    let next = scheduled + every;
    let window = u64::try_from(REPEAT_CATCH_UP.as_micros()).unwrap_or(u64::MAX);
    if next.as_micros().saturating_add(window) >= now.as_micros() {
        return next;
    }
    let behind = now.as_micros().saturating_sub(scheduled.as_micros());
    let periods = behind / period + 1;
    Time::from_micros(
        scheduled
            .as_micros()
            .saturating_add(periods.saturating_mul(period)),
    )
}
