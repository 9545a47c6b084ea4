//! The upload's input and image previews, as the official client reads
//! them (Phoenix's `live_file_input` and `live_img_preview`).

use super::{Upload, UploadEntry};
use crate::template::{Dynamic, Rendered, ToDynamic};

/// The file input of an upload: `{live_file_input(&self.uploads["avatar"])}`.
///
/// It carries the attributes the client's upload hook reads: the upload's
/// ref, the refs of its active, done, preflighted and failed entries, and
/// `data-phx-auto-upload`. `multiple` is set when more than one entry is
/// allowed. Add attributes with the builder methods:
///
/// ```
/// use liveview_core::upload::{live_file_input, UploadConfig, Uploads};
/// let mut uploads = Uploads::new();
/// uploads.allow("doc", UploadConfig::accept([".pdf"]).max_entries(3));
/// let input = live_file_input(&uploads["doc"]).class("file").disabled(true);
/// let html = liveview_core::html!("<form>{input}</form>").to_html();
/// assert!(html.contains(r#"type="file" name="doc" accept=".pdf""#));
/// assert!(html.contains(r#" class="file" disabled multiple"#));
/// let plain = liveview_core::html!("{live_file_input(&uploads[\"doc\"])}").to_html();
/// assert!(!plain.contains("class=") && !plain.contains("style="), "{plain}");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use = "a file input renders only in a template"]
pub struct FileInput {
    upload_ref: String,
    name: String,
    accept: Option<String>,
    active: String,
    done: String,
    preflighted: String,
    errors: Option<String>,
    auto: bool,
    multiple: bool,
    class: Option<String>,
    style: Option<String>,
    form: Option<String>,
    disabled: bool,
    required: bool,
}

/// The file input of `upload` (see [`FileInput`]).
pub fn live_file_input(upload: &Upload) -> FileInput {
    let refs = |keep: &dyn Fn(&UploadEntry) -> bool| {
        upload
            .entries()
            .iter()
            .filter(|e| keep(e))
            .map(|e| e.entry_ref.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    let errors = upload.has_errors().then(|| {
        let mut seen: Vec<&str> = Vec::new();
        for (r, _) in &upload.errors {
            if !seen.contains(&r.as_str()) {
                seen.push(r);
            }
        }
        seen.join(",")
    });
    FileInput {
        upload_ref: upload.upload_ref().to_owned(),
        name: upload.name().to_owned(),
        accept: upload.config().accept_attr().map(str::to_owned),
        active: refs(&|_| true),
        done: refs(&|e| e.done),
        preflighted: refs(&|e| e.preflighted),
        errors,
        auto: upload.config().is_auto_upload(),
        multiple: upload.config().max_entries_count() > 1,
        class: None,
        style: None,
        form: None,
        disabled: false,
        required: false,
    }
}

impl FileInput {
    /// A `class` attribute.
    pub fn class(mut self, class: impl Into<String>) -> FileInput {
        self.class = Some(class.into());
        self
    }

    /// A `style` attribute.
    pub fn style(mut self, style: impl Into<String>) -> FileInput {
        self.style = Some(style.into());
        self
    }

    /// The `form` the input belongs to (when it is outside it).
    pub fn form(mut self, form_id: impl Into<String>) -> FileInput {
        self.form = Some(form_id.into());
        self
    }

    /// Whether the input is `disabled`.
    pub fn disabled(mut self, disabled: bool) -> FileInput {
        self.disabled = disabled;
        self
    }

    /// Whether the input is `required`.
    pub fn required(mut self, required: bool) -> FileInput {
        self.required = required;
        self
    }

    fn render(&self) -> Rendered {
        let FileInput {
            upload_ref,
            name,
            accept,
            active,
            done,
            preflighted,
            errors,
            auto,
            multiple,
            class,
            style,
            form,
            disabled,
            required,
        } = self;
        // `class` and `style` only when given, as Phoenix's (they are among
        // its `@rest`): a hole `class={None}` renders `class=""`.
        crate::html!(
            r#"<input id={upload_ref} type="file" name={name} accept={accept} data-phx-hook="Phoenix.LiveFileUpload" data-phx-upload-ref={upload_ref} data-phx-active-refs={active} data-phx-done-refs={done} data-phx-preflighted-refs={preflighted} data-phx-error-refs={errors} data-phx-auto-upload={auto} form={form}{#if let Some(class) = class} class="{class}"{/if}{#if let Some(style) = style} style="{style}"{/if} disabled={disabled} required={required} multiple={multiple}>"#
        )
    }
}

impl ToDynamic for FileInput {
    fn to_dynamic(&self) -> Dynamic {
        self.render().into_dynamic()
    }
}

/// A client-side preview of an image entry (Phoenix's `live_img_preview`):
/// an `<img>` the client fills from the selected file, never uploaded for
/// it. Its id is `phx-preview-<entry ref>` unless [`ImgPreview::id`] sets
/// one (needed when an entry is previewed twice).
///
/// ```
/// use liveview_core::upload::{live_img_preview, UploadConfig, Uploads};
/// # let mut uploads = Uploads::new();
/// # uploads.allow("pic", UploadConfig::accept([".png"]));
/// # let upload = &uploads["pic"];
/// for entry in upload.entries() {
///     let img = live_img_preview(entry).style("width: 75px");
///     let _ = liveview_core::html!("<figure>{img}</figure>");
/// }
/// ```
pub fn live_img_preview(entry: &UploadEntry) -> ImgPreview {
    ImgPreview {
        id: format!("phx-preview-{}", entry.entry_ref),
        upload_ref: entry.upload_ref.clone(),
        entry_ref: entry.entry_ref.clone(),
        style: None,
    }
}

/// An image preview ([`live_img_preview`]).
#[derive(Clone, Debug, PartialEq)]
#[must_use = "a preview renders only in a template"]
pub struct ImgPreview {
    id: String,
    upload_ref: String,
    entry_ref: String,
    style: Option<String>,
}

impl ImgPreview {
    /// Another `id`.
    pub fn id(mut self, id: impl Into<String>) -> ImgPreview {
        self.id = id.into();
        self
    }

    /// A `style` attribute.
    pub fn style(mut self, style: impl Into<String>) -> ImgPreview {
        self.style = Some(style.into());
        self
    }
}

impl ToDynamic for ImgPreview {
    fn to_dynamic(&self) -> Dynamic {
        let ImgPreview {
            id,
            upload_ref,
            entry_ref,
            style,
        } = self;
        let tree = crate::html!(
            r#"<img id={id} data-phx-upload-ref={upload_ref} data-phx-entry-ref={entry_ref} data-phx-hook="Phoenix.LiveImgPreview" data-phx-update="ignore"{#if let Some(style) = style} style="{style}"{/if}>"#
        );
        tree.into_dynamic()
    }
}
