//! Upload channels (`lvu:<entry ref>`, [`crate::upload`]): the join with
//! an entry's token, binary chunks and their checks, the writer's reports
//! ([`SocketMachine::handle_upload`]), the chunk timeout, and the end of an
//! entry's upload.
//!
//! The machine writes nothing: an entry's bytes leave it as
//! [`SocketOutput::UploadWrite`]s, one chunk at a time, for the writer the
//! adapter opened on [`SocketOutput::UploadOpen`]. A chunk's reply waits
//! until the adapter reports it written, so the client (which sends the
//! next chunk only after that reply) never has more than one chunk in
//! flight: the memory an upload holds is one chunk.
//!
//! | what | the channel's answer |
//! | --- | --- |
//! | a token that is forged, expired, for another socket, view, join or entry | join error `invalid_token` |
//! | an entry that is not the view's (consumed, cancelled, invalid) | join error `disallowed` |
//! | a second channel for one entry | join error `already_registered` |
//! | the writer does not open | join error `writer_error` (the entry shows the writer's error) |
//! | a chunk over the upload's chunk size | error `chunk_too_large`, the upload ends |
//! | more bytes than the file announced | error `file_size_limit_exceeded`, the upload ends |
//! | a chunk while the last one is being written | error `chunk_in_flight`, the upload ends |
//! | no chunk for the chunk timeout | the upload ends |
//! | a write or the close fails | error `writer_error`, the entry shows the error |
//!
//! When an upload ends before its file is complete, the adapter removes
//! what was written ([`SocketOutput::UploadClose`] with `done: false`) and
//! the view drops the entry; the client gets `phx_close` on the channel.

use super::channel::Retire;
use super::guard::Crashed;
use super::outbox::Ref;
use super::{SocketMachine, SocketOutput};
use crate::protocol::auth;
use crate::protocol::frame::{self, json_str, BinaryPush, Status};
use crate::time::Time;
use crate::upload::{UploadAnswer, UploadEntry, UploadInput};
use serde_json::{Map, Value};
use std::time::Duration;

/// The most upload channels one socket may have open at once.
pub const MAX_UPLOAD_CHANNELS: usize = 64;

/// An entry's upload to start ([`SocketOutput::UploadOpen`]): open a
/// writer for it, then report with [`UploadIo::Opened`].
#[derive(Clone, Debug, PartialEq)]
pub struct UploadStart {
    /// The upload's id on this socket: the later outputs and the reports name it.
    pub id: u64,
    /// The topic of the view that owns the upload.
    pub topic: String,
    /// The view's type name (for logs).
    pub view: &'static str,
    /// The view's type (to find a writer the app registered for it).
    pub view_type: std::any::TypeId,
    /// The upload's name.
    pub name: String,
    /// The writer the upload chose ([`UploadConfig::writer`](crate::upload::UploadConfig::writer)); `None`: the adapter's default.
    pub writer: Option<String>,
    /// The entry (its client name is data: never a path).
    pub entry: UploadEntry,
}

/// What the adapter reports about an upload's writer
/// ([`SocketMachine::handle_upload`]).
#[derive(Clone, Debug, PartialEq)]
pub enum UploadIo {
    /// The writer opened (after [`SocketOutput::UploadOpen`]), or why not.
    Opened(Result<(), String>),
    /// The chunk was written (after [`SocketOutput::UploadWrite`]), or why not.
    Written(Result<(), String>),
    /// The writer closed after the last byte (after
    /// [`SocketOutput::UploadClose`] with `done: true`), with what it
    /// reports about the file (the default writer: `{"path": …}`), or why it failed.
    Closed(Result<Value, String>),
}

/// An open upload channel.
pub(super) struct UploadChannel {
    pub(super) id: u64,
    join_ref: Option<String>,
    /// The owning view's topic.
    pub(super) view: String,
    cid: Option<u64>,
    upload_ref: String,
    entry_ref: String,
    size: u64,
    chunk_size: u64,
    chunk_timeout: Duration,
    received: u64,
    deadline: Option<Time>,
    phase: Phase,
}

/// Where an upload channel is.
enum Phase {
    /// The join's reply waits for the writer to open.
    Opening(Option<String>),
    /// Waiting for the next chunk.
    Ready,
    /// A chunk's reply waits for its write.
    Writing {
        reference: Option<String>,
        last: bool,
    },
    /// The last chunk's reply waits for the writer to close.
    Closing(Option<String>),
    /// Every byte written; waits to be consumed or cancelled.
    Complete,
}

impl SocketMachine {
    /// What the adapter did with an upload's writer (see [`UploadIo`]).
    /// Reports for an upload that has ended since are ignored.
    pub fn handle_upload(&mut self, now: Time, id: u64, io: UploadIo) {
        if self.closed {
            return;
        }
        let Some(topic) = self
            .upload_channels
            .iter()
            .find(|(_, c)| c.id == id)
            .map(|(t, _)| t.clone())
        else {
            return;
        };
        let ch = self.upload_channels.get_mut(&topic).expect("found above");
        let phase = std::mem::replace(&mut ch.phase, Phase::Ready);
        let jr = ch.join_ref.clone();
        match (phase, io) {
            (Phase::Opening(reference), UploadIo::Opened(Ok(()))) => {
                ch.deadline = Some(now + ch.chunk_timeout);
                let r = ref_of(&jr, &reference, &topic);
                self.outbox.reply(&r, Status::Ok, "{}");
            }
            (Phase::Writing { reference, last }, UploadIo::Written(Ok(()))) => {
                if last {
                    ch.phase = Phase::Closing(reference);
                    ch.deadline = None;
                    self.outbox
                        .out
                        .push_back(SocketOutput::UploadClose { id, done: true });
                } else {
                    ch.deadline = Some(now + ch.chunk_timeout);
                    let r = ref_of(&jr, &reference, &topic);
                    self.outbox.reply(&r, Status::Ok, "{}");
                }
            }
            (Phase::Closing(reference), UploadIo::Closed(Ok(meta))) => {
                ch.phase = Phase::Complete;
                let input = UploadInput::Complete {
                    cid: ch.cid,
                    upload_ref: ch.upload_ref.clone(),
                    entry_ref: ch.entry_ref.clone(),
                    meta,
                };
                let view = ch.view.clone();
                // The view knows the entry is complete before the client
                // hears that the last chunk arrived (and reports 100 %).
                self.tell_view(now, &view, input);
                let r = ref_of(&jr, &reference, &topic);
                self.outbox.reply(&r, Status::Ok, "{}");
            }
            (
                Phase::Opening(reference)
                | Phase::Writing { reference, .. }
                | Phase::Closing(reference),
                UploadIo::Opened(Err(why))
                | UploadIo::Written(Err(why))
                | UploadIo::Closed(Err(why)),
            ) => {
                let r = ref_of(&jr, &reference, &topic);
                self.outbox
                    .reply(&r, Status::Error, r#"{"reason":"writer_error"}"#);
                // The file is not complete: what the writer wrote is removed.
                let Some(ch) = self.close_channel(&topic, true, false) else {
                    return;
                };
                let input = UploadInput::Failed {
                    cid: ch.cid,
                    upload_ref: ch.upload_ref,
                    entry_ref: ch.entry_ref,
                    reason: why,
                };
                self.tell_view(now, &ch.view, input);
            }
            (phase, _) => {
                // A report that does not fit (the adapter's mistake): ignored.
                self.upload_channels
                    .get_mut(&topic)
                    .expect("found above")
                    .phase = phase;
            }
        }
    }

    /// `phx_join` on `lvu:<entry ref>`.
    pub(super) fn upload_join(&mut self, now: Time, r: &Ref<'_>, p: &Map<String, Value>) {
        let refuse = |m: &mut SocketMachine, reason: &str| {
            m.outbox.reply(
                r,
                Status::Error,
                &format!("{{\"reason\":{}}}", json_str(reason)),
            )
        };
        let entry_ref = &r.topic["lvu:".len()..];
        let token = match p.get("token") {
            Some(Value::String(t)) => auth::verify_upload(&self.app.config, now, t),
            _ => return refuse(self, "invalid_token"),
        };
        let Ok(token) = token else {
            return refuse(self, "invalid_token");
        };
        let view_joined = self
            .channels
            .get(&token.topic)
            .is_some_and(|ch| ch.join_ref == token.join_ref);
        if token.entry_ref != entry_ref || !view_joined {
            return refuse(self, "invalid_token");
        }
        if self.upload_channels.contains_key(r.topic) {
            return refuse(self, "already_registered");
        }
        if self.upload_channels.len() >= MAX_UPLOAD_CHANNELS {
            return self.outbox.error(
                r,
                &format!("too many uploads on one socket (at most {MAX_UPLOAD_CHANNELS})"),
            );
        }
        let input = UploadInput::Register {
            cid: token.cid,
            upload_ref: token.upload_ref.clone(),
            entry_ref: token.entry_ref.clone(),
            uuid: token.uuid.clone(),
        };
        let Some(answer) = self.ask_view(now, &token.topic, input) else {
            return refuse(self, "disallowed");
        };
        let registered = match answer {
            UploadAnswer::Registered(reg) => reg,
            UploadAnswer::Refused(why) => return refuse(self, why),
            _ => return refuse(self, "disallowed"),
        };
        let id = self.next_upload;
        self.next_upload += 1;
        let (view, view_type) = {
            let v = self
                .channels
                .get(&token.topic)
                .expect("checked above")
                .view();
            let any = v.view.get();
            (any.type_name(), std::any::Any::type_id(any.as_any()))
        };
        self.upload_channels.insert(
            r.topic.to_owned(),
            UploadChannel {
                id,
                join_ref: r.join_ref.map(str::to_owned),
                view: token.topic.clone(),
                cid: token.cid,
                upload_ref: token.upload_ref,
                entry_ref: token.entry_ref,
                size: registered.entry.client_size,
                chunk_size: registered.chunk_size,
                chunk_timeout: registered.chunk_timeout,
                received: 0,
                deadline: None,
                phase: Phase::Opening(r.reference.map(str::to_owned)),
            },
        );
        self.outbox
            .out
            .push_back(SocketOutput::UploadOpen(Box::new(UploadStart {
                id,
                topic: token.topic,
                view,
                view_type,
                name: registered.name,
                writer: registered.writer,
                entry: registered.entry,
            })));
    }

    /// A push on an upload channel: `chunk` (binary), or anything else (an error).
    pub(super) fn upload_chunk(&mut self, now: Time, p: &BinaryPush<'_>) {
        let r = Ref {
            join_ref: p.join_ref.as_deref(),
            reference: p.reference.as_deref(),
            topic: &p.topic,
        };
        let Some(ch) = self.upload_channels.get_mut(&*p.topic) else {
            return self.outbox.error(&r, "unmatched topic");
        };
        if ch.join_ref.as_deref() != r.join_ref {
            return; // a push of an earlier join: ignored
        }
        if p.event != "chunk" {
            return self.outbox.error(
                &r,
                &format!(
                    "an upload channel takes \"chunk\" pushes, not {}",
                    json_str(&p.event)
                ),
            );
        }
        let len = p.payload.len() as u64;
        let refusal = match ch.phase {
            Phase::Ready if len > ch.chunk_size => Some(format!(
                "{{\"reason\":\"chunk_too_large\",\"limit\":{}}}",
                ch.chunk_size
            )),
            Phase::Ready | Phase::Complete if ch.received + len > ch.size => Some(format!(
                "{{\"reason\":\"file_size_limit_exceeded\",\"limit\":{}}}",
                ch.size
            )),
            Phase::Ready => None,
            _ => Some(r#"{"reason":"chunk_in_flight"}"#.to_owned()),
        };
        if let Some(body) = refusal {
            self.outbox.reply(&r, Status::Error, &body);
            let topic = r.topic.to_owned();
            return self.end_upload(now, &topic, true);
        }
        ch.received += len;
        ch.deadline = None;
        let last = ch.received == ch.size;
        ch.phase = Phase::Writing {
            reference: r.reference.map(str::to_owned),
            last,
        };
        let id = ch.id;
        self.outbox.out.push_back(SocketOutput::UploadWrite {
            id,
            bytes: p.payload.to_vec(),
        });
    }

    /// `phx_leave` on an upload channel: the upload ends (what was written
    /// is removed unless the file is complete).
    pub(super) fn upload_leave(&mut self, now: Time, r: &Ref<'_>) {
        self.outbox.reply(r, Status::Ok, "{}");
        let same_join = self
            .upload_channels
            .get(r.topic)
            .is_some_and(|c| c.join_ref.as_deref() == r.join_ref);
        if same_join {
            self.end_upload(now, r.topic, false);
        }
    }

    /// Ends the upload on `topic` (a refused chunk, the timeout, the
    /// client left): an incomplete file is removed and the view drops its
    /// entry, a complete one is discarded ([`Self::close_channel`]); the
    /// client gets `phx_close` when `tell_client`.
    pub(super) fn end_upload(&mut self, now: Time, topic: &str, tell_client: bool) {
        if let Some(ch) = self.close_channel(topic, tell_client, false) {
            let input = UploadInput::ChannelEnded {
                cid: ch.cid,
                upload_ref: ch.upload_ref,
                entry_ref: ch.entry_ref,
            };
            self.tell_view(now, &ch.view, input);
        }
    }

    /// Removes the upload channel on `lvu`, telling the client (`phx_close`)
    /// when `tell_client`, and its writer: an incomplete file is abandoned
    /// (`UploadClose` without `done`: what was written is removed); a
    /// complete one is discarded, or, `consumed`, kept until its view ends.
    /// Returns the channel when its file was incomplete, for the caller to
    /// tell the view (unless the view dropped the entry itself).
    fn close_channel(
        &mut self,
        lvu: &str,
        tell_client: bool,
        consumed: bool,
    ) -> Option<UploadChannel> {
        let ch = self.upload_channels.remove(lvu)?;
        if tell_client {
            let jr = ch.join_ref.as_deref();
            self.outbox
                .send(frame::encode_push(jr, jr, lvu, "phx_close", "{}"));
        }
        let id = ch.id;
        match ch.phase {
            Phase::Complete if consumed => self.consumed_uploads.push((ch.view, id)),
            Phase::Complete => self
                .outbox
                .out
                .push_back(SocketOutput::UploadDiscard { id }),
            _ => {
                self.outbox
                    .out
                    .push_back(SocketOutput::UploadClose { id, done: false });
                return Some(ch);
            }
        }
        None
    }

    /// A handler of the view on `topic` took an entry out (cancelled or
    /// consumed): its upload channel ends, and the client is told. The view
    /// has already dropped the entry: nothing to tell it.
    pub(super) fn upload_ended(
        &mut self,
        topic: &str,
        upload_ref: &str,
        entry_ref: &str,
        consumed: bool,
    ) {
        let lvu = self
            .upload_channels
            .iter()
            .find(|(_, c)| {
                c.view == topic && c.upload_ref == upload_ref && c.entry_ref == entry_ref
            })
            .map(|(t, _)| t.clone());
        if let Some(lvu) = lvu {
            self.close_channel(&lvu, true, consumed);
        }
    }

    /// The view on `topic` ended: its uploads end, and the files of the
    /// entries it consumed are discarded.
    pub(super) fn retire_uploads(&mut self, topic: &str, how: Retire) {
        let mine: Vec<String> = self
            .upload_channels
            .iter()
            .filter(|(_, c)| c.view == topic)
            .map(|(t, _)| t.clone())
            .collect();
        for lvu in mine {
            self.close_channel(&lvu, how != Retire::Silent, false);
        }
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.consumed_uploads)
            .into_iter()
            .partition(|(t, _)| t == topic);
        self.consumed_uploads = kept;
        for (_, id) in gone {
            self.outbox
                .out
                .push_back(SocketOutput::UploadDiscard { id });
        }
    }

    /// The earliest chunk deadline.
    pub(super) fn upload_deadline(&self) -> Option<Time> {
        self.upload_channels
            .values()
            .filter_map(|c| c.deadline)
            .min()
    }

    /// Ends the uploads whose chunk deadline passed.
    pub(super) fn upload_timeouts(&mut self, now: Time) {
        let due: Vec<String> = self
            .upload_channels
            .iter()
            .filter(|(_, c)| c.deadline.is_some_and(|d| d <= now))
            .map(|(t, _)| t.clone())
            .collect();
        for t in due {
            self.end_upload(now, &t, true);
        }
    }

    /// An upload input for the view on `topic`, whose outputs are then
    /// drained; `None` when the view is gone (or crashed on it).
    fn ask_view(&mut self, now: Time, topic: &str, input: UploadInput) -> Option<UploadAnswer> {
        let ch = self.channels.get_mut(topic)?;
        let result = ch.view_mut().view.call(|v| v.upload(now, input));
        match result {
            Err(Crashed) => {
                self.retire(now, topic, Retire::Crash);
                None
            }
            Ok(Err(_)) => {
                self.drain(now, topic);
                None
            }
            Ok(Ok(answer)) => {
                self.drain(now, topic);
                Some(answer)
            }
        }
    }

    /// An upload input whose answer is not needed.
    fn tell_view(&mut self, now: Time, topic: &str, input: UploadInput) {
        let _ = self.ask_view(now, topic, input);
    }

    /// Signs the tokens of a preflight's entries into its response.
    pub(super) fn sign_preflight(
        &self,
        now: Time,
        topic: &str,
        join_ref: Option<&str>,
        cid: Option<u64>,
        response: &mut Value,
        sign: Vec<(String, String)>,
    ) {
        let Some(obj) = response.as_object_mut() else {
            return;
        };
        let upload_ref = obj
            .get("ref")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(Value::Object(entries)) = obj.get_mut("entries") else {
            return;
        };
        for (entry_ref, uuid) in sign {
            let token = auth::sign_upload(
                &self.app.config,
                now,
                &auth::UploadToken {
                    topic: topic.to_owned(),
                    join_ref: join_ref.map(str::to_owned),
                    cid,
                    upload_ref: upload_ref.clone(),
                    entry_ref: entry_ref.clone(),
                    uuid,
                },
            );
            entries.insert(entry_ref, Value::String(token));
        }
    }
}

/// The parts of an `allow_upload` or `progress` payload.
pub(super) fn owner_cid(p: &Map<String, Value>) -> Result<Option<u64>, String> {
    match p.get("cid") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| "\"cid\" must be a non-negative integer".into()),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| "\"cid\" must be an integer".into()),
        Some(_) => Err("\"cid\" must be an integer".into()),
    }
}

/// A required string field of an upload push.
pub(super) fn text_field<'a>(p: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    p.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{} needs a string {}", "the upload push", json_str(key)))
}

/// The address of a reply on an upload channel.
fn ref_of<'a>(
    join_ref: &'a Option<String>,
    reference: &'a Option<String>,
    topic: &'a str,
) -> Ref<'a> {
    Ref {
        join_ref: join_ref.as_deref(),
        reference: reference.as_deref(),
        topic,
    }
}
