//! The driver's side of uploads ([`crate::upload`]): the client's entries
//! in events, preflights, progress, and what the socket reports about an
//! entry's upload channel.

use super::{Effects, ViewDriver};
use crate::event::{ClientEvent, DecodeError};
use crate::runtime::{InputError, Output};
use crate::time::Time;
use crate::upload::{ClientEntry, Ids, Progress, UploadAnswer, UploadEntry, UploadInput, Uploads};
use crate::view::{Context, LiveView};
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
                for entry in &p.external_entries {
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
                    let r = &entry.entry_ref;
                    match meta {
                        Ok(meta) => {
                            assert!(
                                meta.get("uploader").is_some_and(Value::is_string),
                                "external_upload for {:?} must return an object with a string \
                                 \"uploader\" (the client's uploader), got {meta}",
                                p.name
                            );
                            self.with_uploads(owner, |u, _| {
                                u.set_external_meta(upload_ref, r, meta.clone())
                            });
                            metas.insert(r.clone(), meta);
                        }
                        Err(meta) => {
                            self.with_uploads(owner, |u, _| {
                                u.refuse_external(upload_ref, r, meta.clone())
                            });
                            if p.auto_upload {
                                errors.insert(r.clone(), json!([meta]));
                            } else {
                                response.remove("config");
                                response.insert("error".into(), json!([[r, meta]]));
                                metas.clear();
                                errors.clear();
                                break;
                            }
                        }
                    }
                }
                if !response.contains_key("error") {
                    sign = p.ok;
                    response.insert("entries".into(), Value::Object(metas));
                    response.insert("errors".into(), Value::Object(errors));
                }
            }
        }
        let reply = self.reply_with(|d, fx| {
            d.touch_owner(owner, fx);
            d.collect_ended(owner, fx);
        });
        Ok(UploadAnswer::Preflight {
            response: Value::Object(response),
            sign,
            reply,
        })
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
