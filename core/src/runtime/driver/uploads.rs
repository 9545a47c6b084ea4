//! The driver's side of uploads ([`crate::upload`]): the client's entries
//! in events, preflights, progress, and what the socket reports about an
//! entry's upload channel.

use super::commands::owned_key;
use super::{Effects, ViewDriver};
use crate::event::{ClientEvent, DecodeError};
use crate::runtime::{InputError, Output};
use crate::time::Time;
use crate::upload::{ClientEntry, Ids, Progress, UploadAnswer, UploadEntry, UploadInput, Uploads};
use crate::view::{AsyncError, Context, LiveView, DEFAULT_ASYNC_TIMEOUT};
use serde_json::{json, Map, Value};

impl<V: LiveView> ViewDriver<V> {
    /// An upload input from the socket (see [`UploadInput`]).
    pub fn upload(&mut self, now: Time, input: UploadInput) -> Result<UploadAnswer, InputError> {
        self.begin(now)?;
        match input {
            UploadInput::Allow {
                cid,
                upload_ref,
                entries,
            } => self.allow_upload(self.owner(cid)?, &upload_ref, &entries),
            UploadInput::Progress {
                cid,
                upload_ref,
                entry_ref,
                progress,
            } => {
                let owner = self.owner(cid)?;
                let progress = Progress::from_json(Some(&progress)).map_err(InputError::Upload)?;
                let reply = self.reply_with(|d, fx| {
                    let entry = d
                        .with_uploads(owner, |u, _| u.progress(&upload_ref, &entry_ref, &progress))
                        .flatten();
                    d.touch_owner(owner, fx);
                    if let Some(entry) = entry {
                        d.run_progress(owner, &upload_ref, &entry, fx, true);
                    }
                });
                Ok(UploadAnswer::Reply(reply))
            }
            UploadInput::Register {
                cid,
                upload_ref,
                entry_ref,
                uuid,
            } => {
                let owner = self.owner(cid)?;
                Ok(
                    match self
                        .with_uploads(owner, |u, _| u.register(&upload_ref, &entry_ref, &uuid))
                    {
                        Some(Ok(r)) => UploadAnswer::Registered(r),
                        Some(Err(why)) => UploadAnswer::Refused(why),
                        None => UploadAnswer::Refused("disallowed"),
                    },
                )
            }
            UploadInput::Complete {
                cid,
                upload_ref,
                entry_ref,
                meta,
            } => {
                let owner = self.owner(cid)?;
                self.with_uploads(owner, |u, _| u.complete(&upload_ref, &entry_ref, meta));
                Ok(UploadAnswer::Done)
            }
            UploadInput::Failed {
                cid,
                upload_ref,
                entry_ref,
                reason,
            } => {
                let owner = self.owner(cid)?;
                self.push_with(|d, fx| {
                    let entry = d
                        .with_uploads(owner, |u, _| u.fail(&upload_ref, &entry_ref, &reason))
                        .flatten();
                    if let Some(entry) = entry {
                        d.touch_owner(owner, fx);
                        d.run_progress(owner, &upload_ref, &entry, fx, false);
                    }
                });
                Ok(UploadAnswer::Done)
            }
            UploadInput::ChannelEnded {
                cid,
                upload_ref,
                entry_ref,
            } => {
                let Ok(owner) = self.owner(cid) else {
                    // The component went first: nothing left to update.
                    return Ok(UploadAnswer::Done);
                };
                self.push_with(|d, fx| {
                    let changed = d
                        .with_uploads(owner, |u, _| u.channel_ended(&upload_ref, &entry_ref))
                        .unwrap_or(false);
                    if changed {
                        d.touch_owner(owner, fx);
                    }
                });
                Ok(UploadAnswer::Done)
            }
        }
    }

    /// The owner of an upload: the view (`None`) or a component it has.
    fn owner(&self, cid: Option<u64>) -> Result<Option<u32>, InputError> {
        match cid {
            None => Ok(None),
            Some(c) => u32::try_from(c)
                .ok()
                .filter(|c| self.components.contains(*c))
                .map(Some)
                .ok_or_else(|| {
                    InputError::NoComponent(format!(
                        "the upload names component {c}, which this view does not have"
                    ))
                }),
        }
    }

    /// Runs `f` on the owner's uploads (`None` when it has none).
    fn with_uploads<R>(
        &mut self,
        owner: Option<u32>,
        f: impl FnOnce(&mut Uploads, &mut Ids) -> R,
    ) -> Option<R> {
        let ids = &mut self.upload_ids;
        let uploads = match owner {
            None => self.state.as_mut()?.uploads()?,
            Some(cid) => self.components.component_mut(cid)?.uploads()?,
        };
        Some(f(uploads, ids))
    }

    /// The owner renders after this input.
    fn touch_owner(&mut self, owner: Option<u32>, fx: &mut Effects) {
        match owner {
            None => fx.parent = true,
            Some(cid) => self.components.touch(cid),
        }
    }

    /// Calls the owner's `handle_progress` for `entry`.
    fn run_progress(
        &mut self,
        owner: Option<u32>,
        upload_ref: &str,
        entry: &UploadEntry,
        fx: &mut Effects,
        is_event: bool,
    ) {
        let name = entry.upload_name.clone();
        debug_assert_eq!(entry.upload_ref, upload_ref);
        match owner {
            None => {
                let Some(state) = self.state.take() else {
                    return;
                };
                let cx = Context::new(self.now, self.connected);
                let (next, commands) = state.handle_progress(&name, entry, &cx);
                self.state = Some(next);
                fx.parent = true;
                self.apply(commands, fx, is_event);
            }
            Some(cid) => {
                let cx = self.component_cx(cid);
                if let Some(commands) = self
                    .components
                    .handle(cid, |c| c.handle_progress(&name, entry, &cx))
                {
                    self.components.touch(cid);
                    self.apply_component(cid, commands, fx, is_event);
                }
            }
        }
    }

    /// A preflight: the client's entries, validated; tokens (or external
    /// metadata) for those that may upload.
    fn allow_upload(
        &mut self,
        owner: Option<u32>,
        upload_ref: &str,
        entries: &[ClientEntry],
    ) -> Result<UploadAnswer, InputError> {
        let no_upload = || {
            InputError::Upload(format!(
                "allow_upload: no upload has the ref {}",
                crate::protocol::frame::json_str(upload_ref)
            ))
        };
        let put = self
            .with_uploads(owner, |u, ids| {
                u.put_entries(upload_ref, entries, || ids.uuid())
            })
            .flatten()
            .ok_or_else(no_upload)?;
        let mut response = Map::new();
        response.insert("ref".into(), Value::String(upload_ref.to_owned()));
        let mut sign = Vec::new();
        let mut starts: Vec<(UploadEntry, Value)> = Vec::new();
        let mut auto_upload = false;
        match put {
            Err(errors) => {
                let list: Vec<Value> = errors.into_iter().map(|(r, e)| json!([r, e])).collect();
                response.insert("error".into(), Value::Array(list));
            }
            Ok(()) => {
                let refs: Vec<String> = entries.iter().map(|e| e.entry_ref.clone()).collect();
                let p = self
                    .with_uploads(owner, |u, _| u.preflight(upload_ref, &refs))
                    .flatten()
                    .ok_or_else(no_upload)?;
                response.insert("config".into(), p.config.clone());
                auto_upload = p.auto_upload;
                let mut metas = Map::new();
                let mut errors: Map<String, Value> = p
                    .errors
                    .iter()
                    .map(|(r, reasons)| (r.clone(), Value::Array(reasons.clone())))
                    .collect();
                let cx = match owner {
                    None => Context::new(self.now, self.connected),
                    Some(cid) => self.component_cx(cid),
                };
                let mut refused = None;
                for entry in &p.external_entries {
                    match self.presign(owner, &p.name, entry, &cx) {
                        Some(Ok(task)) => {
                            starts.push((entry.clone(), task));
                            continue;
                        }
                        Some(Err(why)) => panic!(
                            "presign_upload for {:?} returned a task that does not serialize: {why}",
                            p.name
                        ),
                        None => {}
                    }
                    let meta = match owner {
                        None => self
                            .state
                            .as_ref()
                            .map(|s| s.external_upload(&p.name, entry, &cx)),
                        Some(cid) => self
                            .components
                            .handle(cid, |c| c.external_upload(&p.name, entry, &cx)),
                    };
                    let Some(meta) = meta else { continue };
                    if let Some(error) = self.take_external(
                        owner,
                        upload_ref,
                        entry,
                        meta,
                        &mut metas,
                        &mut errors,
                        p.auto_upload,
                    ) {
                        refused = Some(error);
                        break;
                    }
                }
                if let Some(error) = refused {
                    response.remove("config");
                    response.insert("error".into(), error);
                    starts.clear();
                }
                if !response.contains_key("error") {
                    sign = p.ok;
                    response.insert("entries".into(), Value::Object(metas));
                    response.insert("errors".into(), Value::Object(errors));
                }
            }
        }
        let pending = (!starts.is_empty()).then(|| {
            self.next_preflight += 1;
            self.next_preflight
        });
        let reply = self.reply_with(|d, fx| {
            d.touch_owner(owner, fx);
            d.collect_ended(owner, fx);
            if let Some(id) = pending {
                for (entry, task) in starts {
                    d.start_presign(id, owner, upload_ref, entry, task, fx);
                }
            }
        });
        Ok(match pending {
            Some(id) => {
                self.preflights.push(PendingPreflight {
                    id,
                    response,
                    auto_upload,
                });
                UploadAnswer::Pending { id, reply }
            }
            None => UploadAnswer::Preflight {
                response: Value::Object(response),
                sign,
                reply,
            },
        })
    }

    /// The owner's presign task for an external entry, as JSON.
    fn presign(
        &self,
        owner: Option<u32>,
        name: &str,
        entry: &UploadEntry,
        cx: &Context,
    ) -> Option<Result<Value, String>> {
        match owner {
            None => {
                let task = self.state.as_ref()?.presign_upload(name, entry, cx)?;
                Some(serde_json::to_value(task).map_err(|e| e.to_string()))
            }
            Some(cid) => self.components.get(cid)?.presign_upload(name, entry, cx),
        }
    }

    /// Records an external entry's metadata (or its refusal) in the
    /// preflight's answer. `Some(error)`: the whole preflight is refused (a
    /// refusal without auto-upload).
    #[allow(clippy::too_many_arguments)]
    fn take_external(
        &mut self,
        owner: Option<u32>,
        upload_ref: &str,
        entry: &UploadEntry,
        meta: Result<Value, Value>,
        metas: &mut Map<String, Value>,
        errors: &mut Map<String, Value>,
        auto_upload: bool,
    ) -> Option<Value> {
        let r = &entry.entry_ref;
        match meta {
            Ok(meta) => {
                assert!(
                    meta.get("uploader").is_some_and(Value::is_string),
                    "the external metadata for {:?} must be an object with a string \
                     \"uploader\" (the client's uploader), got {meta}",
                    entry.upload_name
                );
                self.with_uploads(owner, |u, _| {
                    u.set_external_meta(upload_ref, r, meta.clone())
                });
                metas.insert(r.clone(), meta);
                None
            }
            Err(meta) => {
                self.with_uploads(owner, |u, _| u.refuse_external(upload_ref, r, meta.clone()));
                if auto_upload {
                    errors.insert(r.clone(), json!([meta]));
                    None
                } else {
                    Some(json!([[r, meta]]))
                }
            }
        }
    }

    /// Starts a presign task for an external entry of preflight `id`.
    fn start_presign(
        &mut self,
        id: u64,
        owner: Option<u32>,
        upload_ref: &str,
        entry: UploadEntry,
        task: Value,
        fx: &mut Effects,
    ) {
        let key = owned_key(
            owner,
            &format!("\u{1}presign\u{1}{upload_ref}\u{1}{}", entry.entry_ref),
        );
        let (task_id, superseded) =
            self.tasks
                .start(key.clone(), task.clone(), self.now, DEFAULT_ASYNC_TIMEOUT);
        if let Some(old) = superseded {
            fx.outputs.push(Output::CancelTask { id: old });
        }
        let runner = owner.and_then(|c| self.components.runner(c));
        fx.outputs.push(Output::StartTask {
            id: task_id,
            key: key.clone(),
            task,
            runner,
        });
        self.presigns.push(Presign {
            preflight: id,
            owner,
            upload_ref: upload_ref.to_owned(),
            entry,
            key,
        });
    }

    /// Whether `key` is a presign task's; if so its outcome completes its
    /// preflight (the reply is sent once every presign of it is done).
    pub(super) fn presign_done(&mut self, key: &str, result: Result<Value, AsyncError>) -> bool {
        let Some(i) = self.presigns.iter().position(|p| p.key == key) else {
            return false;
        };
        let p = self.presigns.remove(i);
        self.push_with(|d, fx| {
            let Some(at) = d.preflights.iter().position(|f| f.id == p.preflight) else {
                return;
            };
            let cx = match p.owner {
                None => Context::new(d.now, d.connected),
                Some(cid) => d.component_cx(cid),
            };
            let name = p.entry.upload_name.clone();
            let meta = match p.owner {
                None => {
                    let result = crate::view::decode_task_result::<V::Info>(result, "view");
                    d.state
                        .as_ref()
                        .map(|s| s.presigned_upload(&name, &p.entry, result, &cx))
                }
                Some(cid) => d
                    .components
                    .handle(cid, |c| c.presigned_upload(&name, &p.entry, result, &cx)),
            };
            let meta = meta.unwrap_or_else(|| Err(json!({"reason": "the upload's owner is gone"})));
            let auto = d.preflights[at].auto_upload;
            let mut metas = Map::new();
            let mut errors = Map::new();
            let refused = d.take_external(
                p.owner,
                &p.upload_ref,
                &p.entry,
                meta,
                &mut metas,
                &mut errors,
                auto,
            );
            d.touch_owner(p.owner, fx);
            let pf = &mut d.preflights[at];
            if let Some(error) = refused {
                pf.response.remove("config");
                pf.response.insert("error".into(), error);
            }
            for (k, v) in metas {
                if let Some(Value::Object(m)) = pf.response.get_mut("entries") {
                    m.insert(k, v);
                }
            }
            for (k, v) in errors {
                if let Some(Value::Object(m)) = pf.response.get_mut("errors") {
                    m.insert(k, v);
                }
            }
            let failed = pf.response.contains_key("error");
            if failed {
                pf.response.remove("entries");
                pf.response.remove("errors");
                // The other presigns of a refused preflight are not wanted.
                let others: Vec<String> = d
                    .presigns
                    .iter()
                    .filter(|o| o.preflight == p.preflight)
                    .map(|o| o.key.clone())
                    .collect();
                d.presigns.retain(|o| o.preflight != p.preflight);
                for k in others {
                    if let Some(t) = d.tasks.remove_key(&k) {
                        fx.outputs.push(Output::CancelTask { id: t.id });
                    }
                }
            }
            if !d.presigns.iter().any(|o| o.preflight == p.preflight) {
                let pf = d.preflights.remove(at);
                fx.outputs.push(Output::PreflightReady {
                    id: pf.id,
                    response: Value::Object(pf.response),
                });
            }
        });
        true
    }

    /// Adds the files an event carries (`uploads`) to the owner's uploads,
    /// before its handler runs. Refs of uploads the owner does not have
    /// are ignored (an input rendered before `disallow`, as Phoenix does).
    pub(super) fn put_event_uploads(
        &mut self,
        owner: Option<u32>,
        event: &ClientEvent,
    ) -> Result<(), InputError> {
        let Some(uploads) = &event.uploads else {
            return Ok(());
        };
        let mut parsed = Vec::with_capacity(uploads.len());
        for (upload_ref, list) in uploads {
            let entries = ClientEntry::list_from_json(list).map_err(|reason| {
                InputError::Decode(DecodeError {
                    event: event.name.clone(),
                    reason,
                })
            })?;
            parsed.push((upload_ref, entries));
        }
        for (upload_ref, entries) in parsed {
            self.with_uploads(owner, |u, ids| {
                u.put_entries(upload_ref, &entries, || ids.uuid())
            });
        }
        Ok(())
    }

    /// After a handler of the owner: refs for new uploads, and the entries
    /// it took out for the socket to end.
    pub(super) fn collect_ended(&mut self, owner: Option<u32>, fx: &mut Effects) {
        let ended = self
            .with_uploads(owner, |u, ids| {
                u.bind_refs(|_| ids.upload_ref());
                u.take_ended()
            })
            .unwrap_or_default();
        for e in ended {
            fx.outputs.push(Output::UploadEnded {
                upload_ref: e.upload_ref,
                entry_ref: e.entry_ref,
                consumed: e.consumed,
            });
        }
    }
}

/// An external entry whose metadata a presign task is making.
pub(super) struct Presign {
    preflight: u64,
    owner: Option<u32>,
    upload_ref: String,
    entry: UploadEntry,
    /// The task's key.
    key: String,
}

/// A preflight whose reply waits for presign tasks.
pub(super) struct PendingPreflight {
    id: u64,
    response: Map<String, Value>,
    auto_upload: bool,
}
