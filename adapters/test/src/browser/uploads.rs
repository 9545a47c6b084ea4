//! The client's side of uploads, as the official client's `LiveUploader`,
//! `UploadEntry` and `EntryUploader` do it: the files a test selects in a
//! live file input are tracked with a page-wide ref; selecting sends the
//! form's `phx-change` with the input's active files in `uploads`; a
//! preflight (`allow_upload`) gets each file a token; the file's upload
//! channel (`lvu:<ref>`) is joined with it and the file sent in binary
//! `chunk` pushes, each acknowledged chunk followed by a `progress` push
//! when the whole percentage grew; an error reply ends the entry's upload
//! as the client ends it (leave the channel, report `{"error": reason}`
//! unless the writer failed, forget the input's files unless it
//! auto-uploads).
//!
//! Unlike a browser, nothing is sent by itself: the bytes go when the test
//! says how far ([`Page::upload_file`]), or when a form with files still
//! to send is submitted ([`Page::uploads_before_submit`]).

use super::{Answer, Page};
use crate::client;
use crate::dom;
use crate::uploads::{File, FileUpload};
use crate::world::Env;
use crate::TestError;
use liveview_core::event::{ClientEvent, EventValue};
use scraper::{ElementRef, Html};
use serde_json::{json, Map, Value};

/// A file the test selected, as the client tracks it.
pub(crate) struct Selected {
    pub(crate) file: File,
    /// Its ref, unique on the page (the client's `_phxRef`).
    pub(crate) entry_ref: String,
    /// The name of the input it was selected in.
    input: String,
    /// The view whose form holds the input: the page's (`None`) or a child's DOM id.
    owner: Option<String>,
    /// Its ref went out in a `phx-change`; until then it is new, hence active.
    sent: bool,
    /// The input still holds it (not uploaded to 100 %, not cleared).
    tracked: bool,
    preflight_in_progress: bool,
    /// The token the preflight gave it.
    token: Option<String>,
    /// The upload's chunk size, from the preflight.
    chunk_size: u64,
    /// Why the preflight gave it no token.
    refused: Option<String>,
    channel: Option<Channel>,
    /// Bytes acknowledged.
    offset: u64,
    /// The last progress pushed (-1: none).
    last_progress: i64,
    /// Its upload failed.
    errored: Option<String>,
}

/// A file's upload channel.
struct Channel {
    topic: String,
    join_ref: String,
    joined: bool,
    /// The server closed it (`phx_close`, `phx_error`).
    closed: bool,
}

/// What the client reads on a live file input now.
struct InputInfo {
    upload_ref: String,
    active: Vec<String>,
    preflighted: Vec<String>,
    errors: Vec<String>,
    auto: bool,
    /// Its `phx-progress` event, if any.
    progress_event: Option<String>,
    /// The component its form targets.
    cid: Option<u64>,
    /// The view its form is in.
    owner: Option<String>,
}

fn refs(attr: Option<&str>) -> Vec<String> {
    attr.unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The live file inputs of `form` (`data-phx-upload-ref`).
fn live_file_inputs<'a>(form: &ElementRef<'a>) -> Vec<ElementRef<'a>> {
    form.descendent_elements()
        .filter(|e| {
            e.value().name() == "input"
                && e.attr("type")
                    .is_some_and(|t| t.eq_ignore_ascii_case("file"))
        })
        .collect()
}

/// The live file input `name` of the form `sel`.
fn find_input<'a>(
    form: &ElementRef<'a>,
    sel: &str,
    name: &str,
) -> Result<ElementRef<'a>, TestError> {
    let inputs = live_file_inputs(form);
    let Some(input) = inputs.iter().find(|e| e.attr("name") == Some(name)) else {
        let names: Vec<&str> = inputs.iter().filter_map(|e| e.attr("name")).collect();
        return Err(TestError::Other(format!(
            "form {sel:?} has no file input named {name:?}; its file inputs: {names:?}"
        )));
    };
    if input.attr("data-phx-upload-ref").is_none() {
        return Err(TestError::Other(format!(
            "the file input {name:?} of form {sel:?} is not a live file input (no \
             data-phx-upload-ref: render it with live_file_input, and allow the upload)"
        )));
    }
    Ok(*input)
}

impl InputInfo {
    fn read(
        doc: &Html,
        html: &str,
        form: &ElementRef<'_>,
        input: &ElementRef<'_>,
        scope: Option<&str>,
    ) -> Result<InputInfo, TestError> {
        Ok(InputInfo {
            upload_ref: input.attr("data-phx-upload-ref").unwrap_or("").to_owned(),
            active: refs(input.attr("data-phx-active-refs")),
            preflighted: refs(input.attr("data-phx-preflighted-refs")),
            errors: refs(input.attr("data-phx-error-refs")),
            auto: input.attr("data-phx-auto-upload").is_some(),
            progress_event: input.attr("phx-progress").map(str::to_owned),
            cid: dom::target_cid(doc, form.attr("phx-target"), html)?,
            owner: dom::owner_view(form).or_else(|| scope.map(str::to_owned)),
        })
    }

    /// `UploadEntry.isActive`: a non-empty file, new or listed as active.
    fn is_active(&self, f: &Selected) -> bool {
        !f.file.content.is_empty() && (!f.sent || self.active.contains(&f.entry_ref))
    }
}

impl Selected {
    fn of(&self, input: &str, owner: &Option<String>) -> bool {
        self.input == input && self.owner == *owner
    }

    /// The entry as a preflight describes it (`toPreflightPayload`).
    fn preflight_payload(&self) -> Value {
        json!({
            "last_modified": self.file.last_modified,
            "name": self.file.name,
            "relative_path": self.file.relative_path,
            "size": self.file.content.len(),
            "type": self.file.mime,
            "ref": self.entry_ref,
        })
    }

    /// The entry as `serializeUploads` describes it in a `phx-change`.
    fn change_payload(&self) -> Value {
        let name = if self.file.name.is_empty() {
            &self.entry_ref
        } else {
            &self.file.name
        };
        json!({
            "path": self.input,
            "ref": self.entry_ref,
            "last_modified": self.file.last_modified,
            "name": name,
            "relative_path": self.file.relative_path,
            "type": self.file.mime,
            "size": self.file.content.len(),
        })
    }
}

impl Page {
    /// Reads the live file input `name` of the form `form` in the HTML of `scope`.
    fn upload_input(
        &self,
        scope: Option<&str>,
        form: &str,
        name: &str,
    ) -> Result<InputInfo, TestError> {
        let html = self.html_of(scope);
        let doc = dom::parse(&html);
        let form_el = dom::one(&doc, form, &html)?;
        let input = find_input(&form_el, form, name)?;
        InputInfo::read(&doc, &html, &form_el, &input, scope)
    }

    /// The topic and join ref of the page's view (`None`) or its child `owner`.
    fn view_channel(&self, owner: Option<&str>) -> Result<(String, String), TestError> {
        match owner {
            None => match self.socket.as_ref() {
                Some(s) => Ok((s.topic.clone(), s.join_ref.clone())),
                None => Err(TestError::NotConnected),
            },
            Some(id) => match self.child(id) {
                Some(c) => Ok((c.topic.clone(), c.join_ref.clone())),
                None => Err(TestError::NoChild { id: id.to_owned() }),
            },
        }
    }

    /// Sends `frame` (awaiting `reference`) and takes the reply's response.
    fn exchange_for_response(
        &mut self,
        env: &mut Env,
        frame: Frame,
        reference: &str,
    ) -> Result<(Answer, Value), TestError> {
        self.last_response = None;
        if let Some(s) = self.socket.as_mut() {
            match frame {
                Frame::Text(text) => s.machine.handle_text(env.clock, &text),
                Frame::Binary(bytes) => s.machine.handle_binary(env.clock, &bytes),
            }
        }
        let answer = self.pump(env, Some(reference))?;
        Ok((answer, self.last_response.take().unwrap_or(Value::Null)))
    }

    /// A push on the channel of the page's view or its child `owner`.
    fn push_view(
        &mut self,
        env: &mut Env,
        owner: Option<&str>,
        event: &str,
        payload: Value,
    ) -> Result<(Answer, Value), TestError> {
        let (topic, join_ref) = self.view_channel(owner)?;
        let Some(s) = self.socket.as_mut() else {
            return Err(TestError::NotConnected);
        };
        let reference = s.next_ref();
        let frame = client::push(&join_ref, &reference, &topic, event, payload);
        self.exchange_for_response(env, Frame::Text(frame), &reference)
    }

    /// A frame on an upload channel; the answer when it is the awaited reply.
    pub(super) fn on_upload_frame(
        &mut self,
        f: client::Frame,
        awaited: Option<&str>,
    ) -> Option<Answer> {
        if f.event == "phx_reply" {
            if awaited.is_none() || f.reference.as_deref() != awaited {
                return None;
            }
            let response = f.payload.get("response").cloned().unwrap_or_default();
            let ok = f.payload.get("status").and_then(Value::as_str) == Some("ok");
            let answer = if ok {
                Answer::Ok
            } else {
                Answer::Refused(match response.get("reason") {
                    Some(Value::String(r)) => r.clone(),
                    _ => response.to_string(),
                })
            };
            self.last_response = Some(response);
            return Some(answer);
        }
        if matches!(f.event.as_str(), "phx_close" | "phx_error") {
            for s in &mut self.selected {
                if let Some(ch) = s.channel.as_mut() {
                    if ch.topic == f.topic && Some(ch.join_ref.as_str()) == f.join_ref.as_deref() {
                        ch.closed = true;
                    }
                }
            }
        }
        None
    }

    /// The test selects `files` in the live file input `name` of the form
    /// `form` (in the HTML of `scope`): the client tracks them and sends
    /// the `phx-change` (the input's, or its form's) with `_target` the
    /// input and the input's active files in `uploads`; an auto-upload
    /// input then asks for their preflight.
    pub(crate) fn select_files(
        &mut self,
        env: &mut Env,
        scope: Option<&str>,
        form: &str,
        name: &str,
        files: Vec<File>,
    ) -> Result<FileUpload, TestError> {
        let html = self.html_of(scope);
        let doc = dom::parse(&html);
        let form_el = dom::one(&doc, form, &html)?;
        let input = find_input(&form_el, form, name)?;
        let info = InputInfo::read(&doc, &html, &form_el, &input, scope)?;
        let multiple = input.attr("multiple").is_some();
        let problem = if input.attr("disabled").is_some() {
            Some("it is disabled".to_owned())
        } else if files.is_empty() {
            Some("no file was given".to_owned())
        } else if files.len() > 1 && !multiple {
            Some(format!(
                "{} files were given and the input takes one (it has no `multiple`: the upload's max_entries is 1)",
                files.len()
            ))
        } else {
            files.iter().find(|f| f.content.is_empty()).map(|f| {
                format!(
                    "{:?} is empty, and the client never sends an empty file",
                    f.name
                )
            })
        };
        if let Some(problem) = problem {
            return Err(TestError::Other(format!(
                "cannot select files in the input {name:?} of form {form:?}: {problem}"
            )));
        }
        // The input's own phx-change serializes only the input (no value:
        // files are left out); the form's serializes the form.
        let own = input.attr("phx-change").is_some();
        let (bound, bound_sel) = if own {
            (input, format!("{form} input[name={name:?}]"))
        } else {
            (form_el, form.to_owned())
        };
        let pushes = dom::binding(&bound, "phx-change", &bound_sel)?;
        let body = if own {
            String::new()
        } else {
            let pairs = dom::form_pairs(&form_el);
            dom::urlencode(&dom::with_unused_markers(
                &form_el,
                pairs,
                &self.used_inputs,
            ))
        };
        let mut meta = Map::new();
        meta.insert("_target".into(), Value::String(name.to_owned()));
        meta.extend(dom::phx_values(&form_el));
        let mut targets = Vec::new();
        for push in &pushes {
            let cid = match &push.target {
                Some(t) => dom::target_cid(&doc, Some(t), &html)?,
                None => info.cid,
            };
            targets.push(cid);
        }
        drop(doc);

        // trackFiles: a multiple input adds the files, another replaces its files.
        if !multiple {
            for f in self.selected.iter_mut().filter(|f| f.of(name, &info.owner)) {
                f.tracked = false;
            }
        }
        let mut handle = FileUpload {
            scope: scope.map(str::to_owned),
            form: form.to_owned(),
            input: name.to_owned(),
            upload_ref: info.upload_ref.clone(),
            files: Vec::new(),
        };
        for file in files {
            let entry_ref = self.next_file_ref.to_string();
            self.next_file_ref += 1;
            handle.files.push((file.name.clone(), entry_ref.clone()));
            self.selected.push(Selected {
                file,
                entry_ref,
                input: name.to_owned(),
                owner: info.owner.clone(),
                sent: false,
                tracked: true,
                preflight_in_progress: false,
                token: None,
                chunk_size: 0,
                refused: None,
                channel: None,
                offset: 0,
                last_progress: -1,
                errored: None,
            });
        }
        // serializeUploads: the input's active files.
        let mut entries = Vec::new();
        for f in self.selected.iter_mut() {
            if f.of(name, &info.owner) && f.tracked && info.is_active(f) {
                entries.push(f.change_payload());
                f.sent = true;
            }
        }
        let mut uploads = Map::new();
        if !entries.is_empty() {
            uploads.insert(info.upload_ref.clone(), Value::Array(entries));
        }
        for (push, cid) in pushes.into_iter().zip(targets) {
            let mut meta = meta.clone();
            meta.extend(push.value);
            let event = ClientEvent {
                kind: "form".into(),
                name: push.event,
                value: EventValue::Form(body.clone()),
                meta,
                cid,
                uploads: Some(uploads.clone()),
            };
            self.push_event(env, info.owner.as_deref(), event)?;
        }
        if info.auto {
            self.preflight(env, &handle)?;
        }
        Ok(handle)
    }

    /// The preflight (`allow_upload`) of the files of `upload`'s input
    /// that await one; `None` when none does. An error reply is
    /// [`TestError::Refused`]; files the reply gives no token keep why.
    pub(crate) fn preflight(
        &mut self,
        env: &mut Env,
        upload: &FileUpload,
    ) -> Result<Option<Value>, TestError> {
        let info = self.upload_input(upload.scope.as_deref(), &upload.form, &upload.input)?;
        let awaiting: Vec<usize> = (0..self.selected.len())
            .filter(|&i| {
                let f = &self.selected[i];
                f.of(&upload.input, &info.owner)
                    && f.tracked
                    && info.is_active(f)
                    && !info.preflighted.contains(&f.entry_ref)
                    && !f.preflight_in_progress
            })
            .collect();
        if awaiting.is_empty() {
            return Ok(None);
        }
        let mut entries = Vec::new();
        for &i in &awaiting {
            let f = &mut self.selected[i];
            f.preflight_in_progress = true;
            f.refused = None;
            entries.push(f.preflight_payload());
        }
        let names: Vec<String> = awaiting
            .iter()
            .map(|&i| self.selected[i].file.name.clone())
            .collect();
        let mut payload = json!({ "ref": info.upload_ref, "entries": entries });
        if let Some(cid) = info.cid {
            payload["cid"] = cid.into();
        }
        let (answer, resp) = self.push_view(env, info.owner.as_deref(), "allow_upload", payload)?;
        if !matches!(answer, Answer::Ok) {
            for &i in &awaiting {
                self.selected[i].preflight_in_progress = false;
            }
            self.answered(answer, format!("the preflight (allow_upload) of {names:?}"))?;
            return Ok(Some(resp));
        }
        let chunk_size = resp
            .pointer("/config/chunk_size")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let listed = resp.get("entries").and_then(Value::as_object).cloned();
        let reasons = |r: &str| -> Option<String> {
            match resp.pointer(&format!("/errors/{r}")) {
                Some(Value::Array(list)) => Some(
                    list.iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                Some(other) => Some(other.to_string()),
                None => None,
            }
        };
        let mut failed: Vec<(String, String)> = Vec::new();
        for &i in &awaiting {
            let r = self.selected[i].entry_ref.clone();
            match listed.as_ref().map(|m| m.get(&r)) {
                Some(Some(Value::String(token))) => {
                    let f = &mut self.selected[i];
                    f.token = Some(token.clone());
                    f.chunk_size = chunk_size;
                }
                Some(Some(_)) => {
                    let f = &mut self.selected[i];
                    f.preflight_in_progress = false;
                    f.refused = Some(
                        "an external upload: its uploader runs in the browser, not in the harness"
                            .into(),
                    );
                }
                Some(None) => {
                    let why = reasons(&r).unwrap_or_else(|| "failed preflight".into());
                    failed.push((r, why));
                }
                None => {}
            }
        }
        if let Some(Value::Array(errors)) = resp.get("error") {
            for e in errors {
                if let Some([r, why]) = e.as_array().map(Vec::as_slice) {
                    let r = r.as_str().map_or_else(|| r.to_string(), str::to_owned);
                    let why = why.as_str().map_or_else(|| why.to_string(), str::to_owned);
                    failed.push((r, why));
                }
            }
        }
        // handleFailedEntryPreflight: an auto-upload input cancels the
        // entry; another cancels every entry of the preflight.
        for (r, why) in failed {
            for &i in &awaiting {
                let f = &mut self.selected[i];
                if info.auto && f.entry_ref != r {
                    continue;
                }
                // Cancelled: it does not upload, token or not.
                f.token = None;
                f.preflight_in_progress = false;
                if f.refused.is_none() {
                    f.refused = Some(if f.entry_ref == r || r == info.upload_ref {
                        why.clone()
                    } else {
                        format!("{why} (the preflight refused entry {r})")
                    });
                }
            }
        }
        Ok(Some(resp))
    }

    /// Uploads the file `name` of `upload` up to `percent` % of its bytes,
    /// as the client's entry uploader: a preflight if the file has no
    /// token yet, the join of its upload channel, then chunks of the
    /// upload's chunk size (the last one cut at `percent`), each
    /// acknowledged chunk followed by a `progress` push when the whole
    /// percentage grew.
    pub(crate) fn upload_file(
        &mut self,
        env: &mut Env,
        upload: &FileUpload,
        name: &str,
        percent: u8,
    ) -> Result<(), TestError> {
        if percent > 100 {
            return Err(TestError::Other(format!(
                "render_upload: {percent} is not a percentage (0 to 100)"
            )));
        }
        let mine: Vec<usize> = (0..self.selected.len())
            .filter(|&i| {
                let f = &self.selected[i];
                f.file.name == name
                    && upload
                        .files
                        .iter()
                        .any(|(n, r)| n == name && *r == f.entry_ref)
            })
            .collect();
        // The one still tracked, else the last one.
        let Some(i) = mine
            .iter()
            .copied()
            .find(|&i| self.selected[i].tracked)
            .or_else(|| mine.last().copied())
        else {
            return Err(TestError::Other(format!(
                "no file named {name:?} was selected with this upload (its files: {:?})",
                upload.files.iter().map(|(n, _)| n).collect::<Vec<_>>()
            )));
        };
        self.upload_entry(env, upload, i, percent)
    }

    /// [`upload_file`](Self::upload_file) for the selected file `i`.
    fn upload_entry(
        &mut self,
        env: &mut Env,
        upload: &FileUpload,
        i: usize,
        percent: u8,
    ) -> Result<(), TestError> {
        let refused =
            |page: &Page, f: &Selected, step: &str, reason: String| TestError::UploadRefused {
                file: f.file.name.clone(),
                step: step.to_owned(),
                reason,
                html: page.html_of(upload.scope.as_deref()),
            };
        {
            let f = &self.selected[i];
            let size = f.file.content.len() as u64;
            if !f.tracked && f.offset >= size {
                return Ok(()); // uploaded already
            }
            if let Some(why) = &f.errored {
                return Err(refused(
                    self,
                    f,
                    "upload",
                    format!("its upload failed before: {why}"),
                ));
            }
            if !f.tracked {
                return Err(refused(
                    self,
                    f,
                    "upload",
                    "the input no longer holds it (another file replaced it, or a failed upload cleared the input)".into(),
                ));
            }
        }
        if self.selected[i].token.is_none() {
            self.preflight(env, upload)?;
            let f = &self.selected[i];
            if f.token.is_none() {
                let why = match &f.refused {
                    Some(why) => why.clone(),
                    None => {
                        let info = self.upload_input(
                            upload.scope.as_deref(),
                            &upload.form,
                            &upload.input,
                        )?;
                        if info.is_active(f) {
                            "the preflight gave it no token".into()
                        } else {
                            "the view has no entry for it (the input's data-phx-active-refs does not list it)".into()
                        }
                    }
                };
                return Err(refused(self, f, "preflight", why));
            }
        }
        let info = self.upload_input(upload.scope.as_deref(), &upload.form, &upload.input)?;
        if self.selected[i].channel.is_none() {
            let f = &mut self.selected[i];
            let topic = format!("lvu:{}", f.entry_ref);
            let token = f.token.clone().unwrap_or_default();
            let Some(s) = self.socket.as_mut() else {
                return Err(TestError::NotConnected);
            };
            let reference = s.next_ref();
            let frame = client::push(
                &reference,
                &reference,
                &topic,
                "phx_join",
                json!({ "token": token }),
            );
            f.channel = Some(Channel {
                topic,
                join_ref: reference.clone(),
                joined: false,
                closed: false,
            });
            match self.exchange_for_response(env, Frame::Text(frame), &reference)? {
                (Answer::Ok, _) => {
                    if let Some(ch) = self.selected[i].channel.as_mut() {
                        ch.joined = true;
                    }
                }
                (Answer::Refused(reason), _) => {
                    self.entry_error(env, &info, i, &reason)?;
                    return Err(refused(self, &self.selected[i], "join", reason));
                }
                _ => {
                    return Err(TestError::Other(format!(
                        "the join of the upload channel of {:?} got no reply",
                        self.selected[i].file.name
                    )))
                }
            }
        }
        let size = self.selected[i].file.content.len() as u64;
        let target = size * u64::from(percent) / 100;
        while self.selected[i].offset < target {
            let f = &self.selected[i];
            let Some(ch) = f.channel.as_ref() else { break };
            if ch.closed {
                let why = "the server closed its upload channel (the entry was cancelled, or the chunk timeout passed)";
                return Err(refused(self, f, "chunk", why.into()));
            }
            let end = (f.offset + f.chunk_size.max(1)).min(target);
            let bytes = &f.file.content[f.offset as usize..end as usize];
            let Some(s) = self.socket.as_mut() else {
                return Err(TestError::NotConnected);
            };
            let reference = s.next_ref();
            let frame = client::binary_push(&ch.join_ref, &reference, &ch.topic, "chunk", bytes)
                .map_err(TestError::Other)?;
            match self.exchange_for_response(env, Frame::Binary(frame), &reference)? {
                (Answer::Ok, _) => {
                    self.selected[i].offset = end;
                    // The client's Math.floor(offset / size * 100).
                    let progress = ((end as f64 / size as f64) * 100.0).floor() as i64;
                    if progress > self.selected[i].last_progress {
                        self.push_progress(env, &info, i, progress.min(100).into())?;
                    }
                }
                (Answer::Refused(reason), _) => {
                    self.entry_error(env, &info, i, &reason)?;
                    return Err(refused(self, &self.selected[i], "chunk", reason));
                }
                _ => {
                    return Err(TestError::Other(format!(
                        "a chunk of {:?} got no reply",
                        self.selected[i].file.name
                    )))
                }
            }
        }
        Ok(())
    }

    /// A `progress` push for the file `i` (a percentage, or `{"error": reason}`).
    fn push_progress(
        &mut self,
        env: &mut Env,
        info: &InputInfo,
        i: usize,
        progress: Value,
    ) -> Result<(), TestError> {
        let f = &mut self.selected[i];
        if let Some(p) = progress.as_i64() {
            f.last_progress = p;
        }
        let mut payload = json!({
            "event": info.progress_event,
            "ref": info.upload_ref,
            "entry_ref": f.entry_ref,
            "progress": progress,
        });
        if let Some(cid) = info.cid {
            payload["cid"] = cid.into();
        }
        let what = format!("the progress {progress} of {:?}", f.file.name);
        let (answer, _) = self.push_view(env, info.owner.as_deref(), "progress", payload)?;
        self.answered(answer, what)?;
        if progress.as_i64() == Some(100) {
            // Uploaded: the input lets go of the file.
            self.selected[i].tracked = false;
        }
        Ok(())
    }

    /// The entry uploader's `error(reason)`: leave the channel, and unless
    /// the writer failed (the server shows that), report the error and, on
    /// an input that does not auto-upload, forget its files.
    fn entry_error(
        &mut self,
        env: &mut Env,
        info: &InputInfo,
        i: usize,
        reason: &str,
    ) -> Result<(), TestError> {
        self.selected[i].errored = Some(reason.to_owned());
        let leave = self.selected[i]
            .channel
            .as_ref()
            .filter(|ch| ch.joined && !ch.closed)
            .map(|ch| (ch.topic.clone(), ch.join_ref.clone()));
        if let Some((topic, join_ref)) = leave {
            if let Some(s) = self.socket.as_mut() {
                let reference = s.next_ref();
                let frame = client::leave(&join_ref, &reference, &topic);
                self.exchange_for_response(env, Frame::Text(frame), &reference)?;
            }
            if let Some(ch) = self.selected[i].channel.as_mut() {
                ch.closed = true;
            }
        }
        if reason == "writer_error" {
            return Ok(());
        }
        self.push_progress(env, info, i, json!({ "error": reason }))?;
        if !info.auto {
            let (input, owner) = (
                self.selected[i].input.clone(),
                self.selected[i].owner.clone(),
            );
            for f in self.selected.iter_mut().filter(|f| f.of(&input, &owner)) {
                f.tracked = false;
            }
        }
        Ok(())
    }

    /// Before the form `form` (in the HTML of `scope`) is submitted: the
    /// client sends nothing while one of its upload inputs shows errors,
    /// and first uploads every file its upload inputs still hold.
    pub(crate) fn uploads_before_submit(
        &mut self,
        env: &mut Env,
        scope: Option<&str>,
        form: &str,
    ) -> Result<(), TestError> {
        let html = self.html_of(scope);
        let doc = dom::parse(&html);
        let Ok(form_el) = dom::one(&doc, form, &html) else {
            return Ok(()); // the submit reports it
        };
        let mut names = Vec::new();
        for input in live_file_inputs(&form_el) {
            if input.attr("data-phx-upload-ref").is_none() {
                continue;
            }
            let name = input.attr("name").unwrap_or("").to_owned();
            let info = InputInfo::read(&doc, &html, &form_el, &input, scope)?;
            if !info.errors.is_empty() {
                return Err(TestError::Other(format!(
                    "the client does not submit form {form:?}: its upload input {name:?} shows \
                     errors (data-phx-error-refs=\"{}\"); cancel those entries first",
                    info.errors.join(",")
                )));
            }
            names.push((name, info));
        }
        drop(doc);
        for (name, info) in names {
            let pending: Vec<(String, String)> = self
                .selected
                .iter()
                .filter(|f| {
                    f.of(&name, &info.owner)
                        && f.tracked
                        && f.errored.is_none()
                        && info.is_active(f)
                })
                .map(|f| (f.file.name.clone(), f.entry_ref.clone()))
                .collect();
            if pending.is_empty() {
                continue;
            }
            let upload = FileUpload {
                scope: scope.map(str::to_owned),
                form: form.to_owned(),
                input: name.clone(),
                upload_ref: info.upload_ref.clone(),
                files: pending.clone(),
            };
            for (_, r) in &pending {
                let Some(i) = self.selected.iter().position(|f| f.entry_ref == *r) else {
                    continue;
                };
                self.upload_entry(env, &upload, i, 100)?;
            }
        }
        Ok(())
    }

    /// The files the test selected on this page and the client still holds: (name, entry ref).
    pub(crate) fn tracked_files(&self) -> Vec<(String, String)> {
        self.selected
            .iter()
            .filter(|f| f.tracked)
            .map(|f| (f.file.name.clone(), f.entry_ref.clone()))
            .collect()
    }
}

/// A frame the client sends.
enum Frame {
    Text(String),
    Binary(Vec<u8>),
}
