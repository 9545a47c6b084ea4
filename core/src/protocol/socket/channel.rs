//! A socket's channels, and what the socket does with a view channel's
//! inputs and outputs: pushes (`event`, `live_patch`, component
//! bookkeeping), draining the view's outputs into frames and pub/sub
//! requests, and retiring a channel.

use super::family::Mail;
use super::guard::{Crashed, GuardedView};
use super::held::Held;
use super::outbox::{nav_payload, Outbox, Ref};
use super::{upload, SocketMachine, SocketOutput, TaskStart};
use crate::protocol::frame::{self, event_of, Payload, Status};
use crate::runtime::{InputError, Navigation, Output, Reply};
use crate::small_map::{SmallMap, SmallSet};
use crate::time::Time;
use crate::upload::{ClientEntry, UploadAnswer, UploadInput};
use crate::view::Url;
use serde_json::Value;

/// One joined topic.
pub(super) struct Channel {
    /// The `join_ref` of the join that opened it; pushes of an earlier join
    /// of the same topic are ignored.
    pub(super) join_ref: Option<String>,
    /// What the channel carries.
    pub(super) kind: ChannelKind,
}

/// The kinds of channel a socket holds. Only LiveViews (`lv:` topics) today;
/// upload channels (`lvu:`) and child views join this enum.
pub(super) enum ChannelKind {
    /// A LiveView.
    View(ViewChannel),
}

/// A joined LiveView.
pub(super) struct ViewChannel {
    /// The route it was mounted through: a live patch must stay on its view
    /// ([`Router::live_patch`](crate::protocol::Router::live_patch)).
    pub(super) route: usize,
    /// The view, behind the socket's one panic guard.
    pub(super) view: GuardedView,
    /// The pub/sub topics this view is subscribed to.
    pub(super) subs: SmallSet<String>,
    /// The topic of the view that rendered this one ([`crate::nested`]);
    /// `None` for a page's view and a sticky child.
    pub(super) parent: Option<String>,
    /// A crash of this child crashes its parent.
    pub(super) linked: bool,
    /// A sticky child: its live navigations do not end it.
    pub(super) sticky: bool,
    /// A reply waiting for one of the view's tasks ([`Reply::hold`]).
    pub(super) held: Option<Held>,
    /// The client's pushes that came while a reply was held, in order.
    pub(super) waiting: std::collections::VecDeque<String>,
}

/// The route of a child view's channel: none (a live patch from a child
/// is a navigation).
pub(super) const NO_ROUTE: usize = usize::MAX;

impl Channel {
    /// The view of a view channel.
    pub(super) fn view(&self) -> &ViewChannel {
        let ChannelKind::View(v) = &self.kind;
        v
    }

    /// The view of a view channel, mutably.
    pub(super) fn view_mut(&mut self) -> &mut ViewChannel {
        let ChannelKind::View(v) = &mut self.kind;
        v
    }
}

/// How a channel ends.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) enum Retire {
    /// Graceful: `phx_close`.
    Close,
    /// Crash: `phx_error` `channel_crash`.
    Crash,
    /// No frame (the socket is going away).
    Silent,
}

/// Why a server-side input did not reach the view ([`SocketMachine::finish_info`]).
pub(super) enum InfoRefused {
    /// The view panicked; its channel is gone.
    Crashed,
    /// The view had ended; its channel is gone.
    Ended,
    /// The input does not decode into the view's `Info` type; the view goes on.
    Undecodable(String),
}

impl std::fmt::Display for InfoRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InfoRefused::Crashed => f.write_str("the view crashed"),
            InfoRefused::Ended => InputError::Ended.fmt(f),
            InfoRefused::Undecodable(reason) => f.write_str(reason),
        }
    }
}

/// What a view's outputs did to its channel.
enum Fate {
    Alive,
    Ended,
    Crashed,
}

impl SocketMachine {
    /// A push on a joined view channel (other than `phx_join`/`phx_leave`).
    pub(super) fn channel_event(&mut self, now: Time, r: &Ref<'_>, event: &str, payload: Payload) {
        let r = *r;
        let Some(ch) = self.channels.get_mut(r.topic) else {
            return;
        };
        let ch = ch.view_mut();
        let result = match event {
            // An event with a cid goes to that component (the driver
            // refuses a cid the view does not have).
            "event" => match event_of(payload) {
                Ok(ev) => ch.view.call(|v| v.handle_event(now, ev)),
                Err(reason) => {
                    self.outbox.error(&r, &reason);
                    return;
                }
            },
            "live_patch" => {
                let url = match payload.into_object().get("url") {
                    Some(Value::String(u)) => Url::parse(u),
                    _ => {
                        self.outbox.error(&r, "live_patch needs a string \"url\"");
                        return;
                    }
                };
                let Ok(url) = url else {
                    self.outbox
                        .error(&r, "live_patch \"url\" is not a valid URL");
                    return;
                };
                if self.app.router.live_patch(ch.route, url.path()).is_none() {
                    // Another view (or live session): the client navigates instead.
                    self.outbox
                        .reply(&r, Status::Ok, "{\"link_redirect\":true}");
                    return;
                }
                ch.view.call(|v| v.handle_params(now, url))
            }
            "cids_will_destroy" | "cids_destroyed" => {
                let Some(cids) = cids_of(payload) else {
                    self.outbox.error(
                        &r,
                        &format!("{event} needs \"cids\": an array of non-negative integers"),
                    );
                    return;
                };
                let result = if event == "cids_will_destroy" {
                    ch.view
                        .call(|v| v.cids_will_destroy(now, &cids).map(|()| "{}".to_owned()))
                } else {
                    ch.view.call(|v| {
                        v.cids_destroyed(now, &cids).map(|gone| {
                            let list: Vec<String> = gone.iter().map(u32::to_string).collect();
                            format!("{{\"cids\":[{}]}}", list.join(","))
                        })
                    })
                };
                match result {
                    Ok(Ok(body)) => {
                        self.outbox.reply(&r, Status::Ok, &body);
                        self.drain(now, r.topic);
                    }
                    Ok(Err(e)) => self.finish_push(now, &r, Ok(Err(e))),
                    Err(crashed) => self.finish_push(now, &r, Err(crashed)),
                }
                return;
            }
            "allow_upload" => return self.allow_upload(now, &r, payload),
            "progress" => {
                let p = payload.into_object();
                let input = (|| {
                    Ok::<_, String>(UploadInput::Progress {
                        cid: upload::owner_cid(&p)?,
                        upload_ref: upload::text_field(&p, "ref")?.to_owned(),
                        entry_ref: upload::text_field(&p, "entry_ref")?.to_owned(),
                        progress: p.get("progress").cloned().unwrap_or(Value::Null),
                    })
                })();
                let input = match input {
                    Ok(i) => i,
                    Err(why) => return self.outbox.error(&r, &why),
                };
                match ch.view.call(|v| v.upload(now, input)) {
                    Err(c) => Err(c),
                    Ok(Err(e)) => Ok(Err(e)),
                    Ok(Ok(UploadAnswer::Reply(reply))) => Ok(Ok(reply)),
                    Ok(Ok(_)) => Ok(Ok(Reply::default())),
                }
            }
            other => {
                self.outbox
                    .error(&r, &format!("unknown event {}", frame::json_str(other)));
                return;
            }
        };
        self.finish_push(now, &r, result);
    }

    /// A preflight (`allow_upload`): the view's answer, with a signed
    /// token for each entry that may upload.
    fn allow_upload(&mut self, now: Time, r: &Ref<'_>, payload: Payload) {
        let p = payload.into_object();
        let parsed = (|| {
            let cid = upload::owner_cid(&p)?;
            let upload_ref = upload::text_field(&p, "ref")?.to_owned();
            let entries = ClientEntry::list_from_json(p.get("entries").unwrap_or(&Value::Null))?;
            Ok::<_, String>((cid, upload_ref, entries))
        })();
        let (cid, upload_ref, entries) = match parsed {
            Ok(x) => x,
            Err(why) => return self.outbox.error(r, &format!("allow_upload: {why}")),
        };
        let Some(ch) = self.channels.get_mut(r.topic) else {
            return;
        };
        let input = UploadInput::Allow {
            cid,
            upload_ref,
            entries,
        };
        let (mut response, sign, reply) = match ch.view_mut().view.call(|v| v.upload(now, input)) {
            Ok(Ok(UploadAnswer::Preflight {
                response,
                sign,
                reply,
            })) => (response, sign, reply),
            Ok(Ok(UploadAnswer::Pending { id, reply })) => {
                // The reply waits for presign tasks; the diff goes now.
                self.pending_preflights.push((
                    r.topic.to_owned(),
                    id,
                    r.join_ref.map(str::to_owned),
                    r.reference.map(str::to_owned),
                ));
                if let Some(diff) = &reply.diff {
                    let f = frame::encode_push(r.join_ref, None, r.topic, "diff", diff);
                    self.outbox.send(f);
                }
                return self.drain(now, r.topic);
            }
            Ok(Ok(_)) => return self.finish_push(now, r, Ok(Ok(Reply::default()))),
            Ok(Err(e)) => return self.finish_push(now, r, Ok(Err(e))),
            Err(c) => return self.finish_push(now, r, Err(c)),
        };
        self.sign_preflight(now, r.topic, r.join_ref, cid, &mut response, sign);
        let mut body = response.to_string();
        if let Some(diff) = &reply.diff {
            // `{…}` + `,"diff":…}`: the diff is already JSON text.
            body.pop();
            if body.len() > 1 {
                body.push(',');
            }
            body.push_str("\"diff\":");
            body.push_str(diff);
            body.push('}');
        }
        self.outbox.reply(r, Status::Ok, &body);
        self.drain(now, r.topic);
    }

    /// Answers a push from the view's result, then drains the view.
    fn finish_push(
        &mut self,
        now: Time,
        r: &Ref<'_>,
        result: Result<Result<Reply, InputError>, Crashed>,
    ) {
        let topic = r.topic;
        let reply = match result {
            Err(Crashed) => {
                // No reply: the push dies with the view, as in Phoenix.
                self.retire(now, topic, Retire::Crash);
                return;
            }
            Ok(Err(InputError::Ended)) => {
                self.outbox.error(r, &InputError::Ended.to_string());
                self.retire(now, topic, Retire::Close);
                return;
            }
            Ok(Err(e)) => {
                self.outbox.error(r, &e.to_string());
                self.drain(now, topic);
                return;
            }
            Ok(Ok(reply)) => reply,
        };
        let jr = r.join_ref;
        match &reply.navigation {
            None | Some(Navigation::Patch { .. }) if reply.hold.is_some() => {
                if let Some(nav) = &reply.navigation {
                    self.send_patch(now, jr, topic, nav);
                }
                if let Some(ch) = self.channels.get_mut(topic) {
                    ch.view_mut().held = Some(Held {
                        join_ref: r.join_ref.map(str::to_owned),
                        reference: r.reference.map(str::to_owned),
                        diff: reply.diff,
                        task: reply.hold.unwrap_or_default(),
                        frames: Vec::new(),
                    });
                }
                self.drain(now, topic);
            }
            None => {
                self.outbox.reply_diff(r, reply.diff.as_deref());
                self.drain(now, topic);
            }
            Some(nav @ Navigation::Patch { .. }) => {
                self.send_patch(now, jr, topic, nav);
                self.outbox.reply_diff(r, reply.diff.as_deref());
                self.drain(now, topic);
            }
            Some(nav) => {
                // Events of the last render still reach the client before it leaves.
                if let Some(d) = &reply.diff {
                    self.outbox
                        .send(frame::encode_push(jr, None, topic, "diff", d));
                }
                let (event, obj) = nav_payload(&self.app, now, nav);
                self.outbox
                    .reply(r, Status::Ok, &format!("{{\"{event}\":{obj}}}"));
                let sticky = self.channels.get(topic).is_some_and(|c| c.view().sticky);
                if sticky && matches!(nav, Navigation::Navigate { .. }) {
                    self.drain(now, topic);
                } else {
                    self.navigated_away(topic);
                    self.retire(now, topic, Retire::Close);
                }
            }
        }
    }

    /// Carries out what a server-side input (a pub/sub message, an info)
    /// did to the view on `topic`: a crash retires the channel with
    /// `phx_error`, an ended view with `phx_close`; otherwise the view's
    /// outputs are drained, also after a refused input. `Err` is why the
    /// input was not taken.
    pub(super) fn finish_info(
        &mut self,
        now: Time,
        topic: &str,
        result: Result<Result<(), InputError>, Crashed>,
    ) -> Result<(), InfoRefused> {
        match result {
            Err(Crashed) => {
                self.retire(now, topic, Retire::Crash);
                Err(InfoRefused::Crashed)
            }
            Ok(Err(InputError::Ended)) => {
                self.retire(now, topic, Retire::Close);
                Err(InfoRefused::Ended)
            }
            Ok(Err(e)) => {
                self.drain(now, topic);
                Err(InfoRefused::Undecodable(e.to_string()))
            }
            Ok(Ok(())) => {
                self.drain(now, topic);
                Ok(())
            }
        }
    }

    /// Turns the outputs of the view on `topic` into frames and pub/sub requests.
    pub(super) fn drain(&mut self, now: Time, topic: &str) {
        let Some(ch) = self.channels.get_mut(topic) else {
            return;
        };
        let jr = ch.join_ref.as_deref();
        let ChannelKind::View(vc) = &mut ch.kind;
        let mut cancelled = Vec::new();
        let mut ended = Vec::new();
        let fate = loop {
            let out = match vc.view.call(|v| v.poll_output()) {
                Err(Crashed) => break Fate::Crashed,
                Ok(None) => break Fate::Alive,
                Ok(Some(out)) => out,
            };
            match out {
                Output::Push(diff) => {
                    let f = frame::encode_push(jr, None, topic, "diff", &diff);
                    send_or_hold(&mut self.outbox, &mut vc.held, f);
                }
                // A child's patch is the page's: its view handles it.
                Output::Navigate(nav @ Navigation::Patch { .. }) if vc.parent.is_some() => {
                    self.patches.push_back((topic.to_owned(), nav));
                }
                Output::Navigate(nav) => {
                    let (event, obj) = nav_payload(&self.app, now, &nav);
                    let f = frame::encode_push(jr, None, topic, event, &obj);
                    send_or_hold(&mut self.outbox, &mut vc.held, f);
                    // A patch keeps the view, and so does a sticky child's navigation.
                    let stays = matches!(nav, Navigation::Patch { .. })
                        || (vc.sticky && matches!(nav, Navigation::Navigate { .. }));
                    if !stays {
                        break Fate::Ended;
                    }
                }
                Output::Subscribe(t) => self.outbox.subscribe(&mut vc.subs, t),
                Output::Unsubscribe(t) => self.outbox.unsubscribe(&mut vc.subs, &t),
                Output::Broadcast { topic, payload } => self
                    .outbox
                    .out
                    .push_back(SocketOutput::Broadcast { topic, payload }),
                Output::StartTask {
                    id,
                    key,
                    task,
                    runner,
                } => {
                    let sid = self.next_task;
                    self.next_task += 1;
                    self.tasks.insert(sid, (topic.to_owned(), id));
                    let view = vc.view.get();
                    // A component's task runs with its type's runner.
                    let (view_type, name) = runner.unwrap_or_else(|| {
                        (std::any::Any::type_id(view.as_any()), view.type_name())
                    });
                    self.outbox
                        .out
                        .push_back(SocketOutput::StartTask(TaskStart {
                            id: sid,
                            topic: topic.to_owned(),
                            key,
                            view: name,
                            view_type,
                            task,
                        }));
                }
                Output::CancelTask { id } => {
                    cancel_tasks(&mut self.tasks, &mut self.outbox, topic, Some(id));
                    cancelled.push(id);
                }
                Output::SendParent(info) => match &vc.parent {
                    Some(parent) => self.mail.push_back(Mail {
                        to: parent.clone(),
                        from: topic.to_owned(),
                        to_parent: true,
                        info,
                    }),
                    None => self.outbox.out.push_back(SocketOutput::Dropped {
                        topic: topic.to_owned(),
                        reason: "send_parent from a view without a parent view".into(),
                    }),
                },
                Output::SendChild { id, info } => self.mail.push_back(Mail {
                    to: format!("lv:{id}"),
                    from: topic.to_owned(),
                    to_parent: false,
                    info,
                }),
                Output::UploadEnded {
                    upload_ref,
                    entry_ref,
                    consumed,
                } => ended.push((upload_ref, entry_ref, consumed)),
                Output::PreflightReady { id, response } => {
                    let waiting = self
                        .pending_preflights
                        .iter()
                        .position(|(t, i, _, _)| t == topic && *i == id);
                    if let Some(at) = waiting {
                        let (_, _, jr, rf) = self.pending_preflights.remove(at);
                        let r = Ref {
                            join_ref: jr.as_deref(),
                            reference: rf.as_deref(),
                            topic,
                        };
                        self.outbox.reply(&r, Status::Ok, &response.to_string());
                    }
                }
            }
        };
        for (upload_ref, entry_ref, consumed) in ended {
            self.upload_ended(topic, &upload_ref, &entry_ref, consumed);
        }
        match fate {
            Fate::Alive => {
                // A reply held for a task that ended without an outcome.
                for id in cancelled {
                    self.release_held(now, topic, id);
                }
            }
            Fate::Ended => {
                self.navigated_away(topic);
                self.retire(now, topic, Retire::Close)
            }
            Fate::Crashed => self.retire(now, topic, Retire::Crash),
        }
        self.deliver_mail(now);
    }

    /// Removes the channel on `topic`: stops its view, releases its
    /// subscriptions and tells the client (`phx_close` / `phx_error`).
    pub(super) fn retire(&mut self, _now: Time, topic: &str, how: Retire) {
        let Some(ch) = self.channels.remove(topic) else {
            return;
        };
        let Channel { join_ref, kind } = ch;
        let ChannelKind::View(mut vc) = kind;
        // What the view told the client before it ended reaches it first.
        if let Some(held) = vc.held.take() {
            if how != Retire::Crash {
                self.send_held(topic, held);
            }
        }
        let crashed_parent = match (&vc.parent, how) {
            (Some(parent), Retire::Crash) if vc.linked => Some(parent.clone()),
            _ => None,
        };
        if vc.view.call(|v| v.stop()).is_ok() {
            // Last outputs: keep the pub/sub bookkeeping (and broadcasts of a
            // view that ended normally); frames for the client are dropped.
            loop {
                match vc.view.call(|v| v.poll_output()) {
                    Ok(Some(Output::Unsubscribe(t))) => self.outbox.unsubscribe(&mut vc.subs, &t),
                    Ok(Some(Output::Broadcast { topic, payload })) if how != Retire::Crash => self
                        .outbox
                        .out
                        .push_back(SocketOutput::Broadcast { topic, payload }),
                    Ok(Some(_)) => {}
                    Ok(None) | Err(Crashed) => break,
                }
            }
        }
        for t in std::mem::take(&mut vc.subs) {
            self.outbox.release(&t);
        }
        // Its tasks, whether or not the view got to cancel them itself.
        cancel_tasks(&mut self.tasks, &mut self.outbox, topic, None);
        // Its uploads, and the files of the entries it consumed.
        self.retire_uploads(topic, how);
        self.pending_preflights.retain(|(t, ..)| t != topic);
        let jr = join_ref.as_deref();
        match how {
            Retire::Close => self
                .outbox
                .send(frame::encode_push(jr, jr, topic, "phx_close", "{}")),
            Retire::Crash => self.outbox.send(frame::encode_push(
                jr,
                jr,
                topic,
                "phx_error",
                r#"{"reason":"channel_crash"}"#,
            )),
            Retire::Silent => {}
        }
        // Dropping a view's state could panic too (a user `Drop`); contain it.
        vc.view.discard();
        // Its children end with it (Phoenix's children exit with their
        // parent: the socket closes their channels); a linked child's
        // crash takes its parent down.
        let children: Vec<String> = self
            .channels
            .iter()
            .filter(|(_, ch)| ch.view().parent.as_deref() == Some(topic))
            .map(|(t, _)| t.clone())
            .collect();
        let child_how = match how {
            Retire::Silent => Retire::Silent,
            Retire::Close | Retire::Crash => Retire::Close,
        };
        for child in children {
            self.retire(_now, &child, child_how);
        }
        if let Some(parent) = crashed_parent {
            self.retire(_now, &parent, Retire::Crash);
        }
    }
}

/// Sends a view's frame, or keeps it behind the view's held reply. A free
/// function: the socket calls it while it holds the channel.
fn send_or_hold(outbox: &mut Outbox, held: &mut Option<Held>, frame: String) {
    match held {
        Some(held) => held.frames.push(frame),
        None => outbox.send(frame),
    }
}

/// The `cids` of a `cids_will_destroy`/`cids_destroyed` payload, if it is
/// an array of cids.
fn cids_of(payload: Payload) -> Option<Vec<u32>> {
    let obj = payload.into_object();
    obj.get("cids")?
        .as_array()?
        .iter()
        .map(|c| c.as_u64().and_then(|c| u32::try_from(c).ok()))
        .collect()
}

/// Forgets the running tasks of the view on `topic` (only the one with
/// this id within the view, if given) and asks the adapter to abort each.
/// A free function: the socket calls it while it holds a channel.
fn cancel_tasks(
    tasks: &mut SmallMap<u64, (String, u64)>,
    outbox: &mut Outbox,
    topic: &str,
    in_view: Option<u64>,
) {
    let ended: Vec<u64> = tasks
        .iter()
        .filter(|(_, (t, i))| t == topic && (in_view.is_none() || in_view == Some(*i)))
        .map(|(sid, _)| *sid)
        .collect();
    for sid in ended {
        tasks.remove(&sid);
        outbox.out.push_back(SocketOutput::CancelTask { id: sid });
    }
}
