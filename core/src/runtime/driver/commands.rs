//! What the driver does with a handler's [`Command`]s: the timer table,
//! subscriptions, navigation, flash, extras and tasks.

use super::{Effects, Exit, Queued, Timer, ViewDriver, MIN_PERIOD};
use crate::runtime::Output;
use crate::time::Time;
use crate::view::{AsyncError, Command, LiveView, DEFAULT_ASYNC_TIMEOUT};
use std::time::Duration;

impl<V: LiveView> ViewDriver<V> {
    pub(super) fn apply(
        &mut self,
        commands: Vec<Command<V::Info>>,
        fx: &mut Effects,
        is_event: bool,
    ) {
        let live = self.connected && !self.ended;
        for command in commands {
            match command {
                Command::SendInfo(info) => {
                    if live {
                        self.infos.push_back(Queued::Info(info));
                    }
                }
                Command::SendAfter { key, after, info } => {
                    if live {
                        self.set_timer(key, self.now + after, None, info);
                    }
                }
                Command::Repeat { key, every, info } => {
                    if live {
                        let every = every.max(MIN_PERIOD);
                        self.set_timer(key, self.now + every, Some(every), info);
                    }
                }
                Command::CancelRepeat { key } => self.cancel_timer(&key),
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
                Command::PutFlash { kind, message } => self.flash.put(kind, message),
                Command::ClearFlash { kind } => self.flash.clear(kind.as_deref()),
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
                        continue;
                    }
                    match serde_json::to_value(&task) {
                        Ok(task) => {
                            let timeout = timeout.unwrap_or(DEFAULT_ASYNC_TIMEOUT);
                            let (id, superseded) =
                                self.tasks
                                    .start(key.clone(), task.clone(), self.now, timeout);
                            if let Some(old) = superseded {
                                fx.outputs.push(Output::CancelTask { id: old });
                            }
                            fx.outputs.push(Output::StartTask { id, key, task });
                        }
                        Err(e) => {
                            if let Some(old) = self.tasks.remove_key(&key) {
                                fx.outputs.push(Output::CancelTask { id: old.id });
                            }
                            self.infos.push_back(Queued::Async {
                                key,
                                result: Err(AsyncError::Failed(format!(
                                    "the task does not serialize: {e}"
                                ))),
                            });
                        }
                    }
                }
                Command::CancelAsync { key } => {
                    if let Some(task) = self.tasks.remove_key(&key) {
                        fx.outputs.push(Output::CancelTask { id: task.id });
                        self.infos.push_back(Queued::Async {
                            key,
                            result: Err(AsyncError::Cancelled),
                        });
                    }
                }
            }
        }
    }

    fn set_timer(&mut self, key: String, due: Time, every: Option<Duration>, info: V::Info) {
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

    fn cancel_timer(&mut self, key: &str) {
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
