//! The harness's errors: each says what was wrong and shows the HTML it looked at.

use crate::dom::snippet;
use liveview_core::runtime::Navigation;
use std::fmt;

/// Why a harness action failed.
///
/// `Debug` prints the same text as `Display`, so `.unwrap()` and tests that
/// return `Result<(), TestError>` show a readable message.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum TestError {
    /// The selector matched no element.
    NoMatch {
        /// The selector.
        selector: String,
        /// The HTML searched.
        html: String,
    },
    /// The selector matched more than one element where one was needed.
    ManyMatches {
        /// The selector.
        selector: String,
        /// How many elements it matched.
        count: usize,
        /// The HTML searched.
        html: String,
    },
    /// The selector is not valid CSS.
    BadSelector {
        /// The selector.
        selector: String,
        /// The parser's message.
        reason: String,
    },
    /// The element has no such binding (`phx-click`, `phx-submit`, ...).
    NoBinding {
        /// The selector.
        selector: String,
        /// The attribute looked for.
        attr: String,
        /// The element's HTML.
        element: String,
    },
    /// The binding attribute cannot be used (bad JS command, ...).
    BadBinding {
        /// The selector.
        selector: String,
        /// The attribute.
        attr: String,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// The socket answered an input with an error reply (the view could not
    /// decode the event or info, it has ended, the event targets a
    /// component, ...).
    Refused {
        /// What was sent (kind, name and value).
        input: String,
        /// The reason of the error reply.
        reason: String,
        /// The HTML at that moment.
        html: String,
    },
    /// A form field given by the test does not exist in the form.
    UnknownField {
        /// The form's selector.
        form: String,
        /// The field name.
        name: String,
        /// The fields the form has.
        available: Vec<String>,
    },
    /// No route for this path.
    NoRoute {
        /// The path.
        path: String,
    },
    /// The page's load or join navigated away instead of mounting (a
    /// dead render answered 302, or the join reply is a redirect).
    JoinRedirected(Navigation),
    /// The socket refused the join (`unauthorized`, `stale`, ...).
    JoinRefused {
        /// The reason of the error reply.
        reason: String,
    },
    /// The view crashed (the socket sent `phx_error`): a handler panicked.
    Crashed {
        /// The URL of the page.
        url: String,
    },
    /// The view has ended (it navigated away or was stopped).
    Ended {
        /// How it ended.
        how: String,
    },
    /// The handle is a dead render: it takes no events.
    NotConnected,
    /// The page has no live child view with this id (never rendered, not
    /// joined, or ended).
    NoChild {
        /// The child's DOM id.
        id: String,
    },
    /// A step of a file's upload was refused (see
    /// [`LiveViewTest::render_upload`](crate::LiveViewTest::render_upload)).
    UploadRefused {
        /// The file's name.
        file: String,
        /// The step: `"preflight"` (`allow_upload` gave it no token),
        /// `"join"` (its upload channel's join), `"chunk"` (a chunk's
        /// reply, or its channel closed), or `"upload"` (it failed before,
        /// or the input no longer holds it).
        step: String,
        /// Why: the server's reason (`too_large`, `not_accepted`,
        /// `too_many_files`, `invalid_token`, `disallowed`,
        /// `chunk_too_large`, `writer_error`, ...) or the harness's.
        reason: String,
        /// The HTML afterwards (an error the view shows is in it).
        html: String,
    },
    /// Broadcasts or timers kept triggering each other past the harness's limit.
    Runaway {
        /// What ran away.
        what: String,
    },
    /// The diffs sent to the client, merged as the official client merges
    /// them, do not give the page the server rendered (a diff engine bug).
    DiffMismatch {
        /// What went wrong.
        reason: String,
        /// The server's HTML.
        server: String,
        /// The client's HTML (empty when it could not be built).
        client: String,
    },
    /// Anything else (bad URL, ...).
    Other(String),
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::NoMatch { selector, html } => {
                write!(f, "selector {selector:?} matched no element in:\n{}", snippet(html))
            }
            TestError::ManyMatches { selector, count, html } => {
                write!(f, "selector {selector:?} matched {count} elements, expected one, in:\n{}", snippet(html))
            }
            TestError::BadSelector { selector, reason } => write!(f, "invalid CSS selector {selector:?}: {reason}"),
            TestError::NoBinding { selector, attr, element } => {
                write!(f, "element {selector:?} has no {attr} attribute: {}", snippet(element))
            }
            TestError::BadBinding { selector, attr, value, reason } => {
                write!(f, "element {selector:?}: {attr}={value:?}: {reason}")
            }
            TestError::Refused { input, reason, html } => {
                write!(f, "the view refused {input}: {reason}\ncurrent HTML:\n{}", snippet(html))
            }
            TestError::UnknownField { form, name, available } => write!(
                f,
                "form {form:?} has no enabled input, select or textarea named {name:?}; it has {available:?}"
            ),
            TestError::NoRoute { path } => write!(f, "no live route for {path:?}"),
            TestError::JoinRedirected(nav) => write!(f, "the view did not mount, it navigated: {nav:?}"),
            TestError::JoinRefused { reason } => write!(f, "the socket refused the join: {reason}"),
            TestError::Crashed { url } => write!(
                f,
                "the view at {url} crashed (the socket sent phx_error); its panic message is above"
            ),
            TestError::Ended { how } => write!(f, "the view has ended ({how})"),
            TestError::NoChild { id } => write!(
                f,
                "the page has no live child view {id:?} (live_render it, and check it joined)"
            ),
            TestError::NotConnected => {
                f.write_str("this is a dead render (not connected): it takes no events; use mount() for a live view")
            }
            TestError::UploadRefused { file, step, reason, html } => write!(
                f,
                "the upload of {file:?} was refused at its {step}: {reason}\ncurrent HTML:\n{}",
                snippet(html)
            ),
            TestError::Runaway { what } => write!(f, "runaway: {what}"),
            TestError::DiffMismatch { reason, server, client } => {
                write!(f, "the client's page (join + merged diffs) is not the server's render: {reason}")?;
                let at = server.bytes().zip(client.bytes()).take_while(|(a, b)| a == b).count();
                if !client.is_empty() {
                    write!(f, "\nfirst difference at byte {at}")?;
                    write!(f, "\nclient HTML:\n{}", snippet(client))?;
                }
                write!(f, "\nserver HTML:\n{}", snippet(server))
            }
            TestError::Other(s) => f.write_str(s),
        }
    }
}

impl fmt::Debug for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for TestError {}
