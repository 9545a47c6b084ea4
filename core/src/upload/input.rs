//! The upload inputs a view's driver takes from its socket
//! ([`AnyView::upload`](crate::runtime::AnyView::upload)), as data: a trace
//! records them and a replay feeds them back.

use super::{ClientEntry, Registered};
use crate::runtime::Reply;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the socket tells a view about its uploads. `cid` names the
/// component that owns the upload (`None`: the view).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum UploadInput {
    /// A preflight (`allow_upload`): the entries to upload now.
    Allow {
        /// The owner.
        cid: Option<u64>,
        /// The upload's ref.
        upload_ref: String,
        /// The entries, as the client describes them.
        entries: Vec<ClientEntry>,
    },
    /// The client's progress for an entry (`progress`): a percentage, or
    /// `{"error": reason}`.
    Progress {
        /// The owner.
        cid: Option<u64>,
        /// The upload's ref.
        upload_ref: String,
        /// The entry's ref.
        entry_ref: String,
        /// The progress as sent.
        progress: Value,
    },
    /// An upload channel joined for the entry, with a token naming `uuid`.
    Register {
        /// The owner.
        cid: Option<u64>,
        /// The upload's ref.
        upload_ref: String,
        /// The entry's ref.
        entry_ref: String,
        /// The entry's uuid the token names.
        uuid: String,
    },
    /// Every byte of the entry was written; its writer closed with `meta`.
    Complete {
        /// The owner.
        cid: Option<u64>,
        /// The upload's ref.
        upload_ref: String,
        /// The entry's ref.
        entry_ref: String,
        /// What the writer reported.
        meta: Value,
    },
    /// The entry's writer failed.
    Failed {
        /// The owner.
        cid: Option<u64>,
        /// The upload's ref.
        upload_ref: String,
        /// The entry's ref.
        entry_ref: String,
        /// Why.
        reason: String,
    },
    /// The entry's upload channel ended before the file was complete.
    ChannelEnded {
        /// The owner.
        cid: Option<u64>,
        /// The upload's ref.
        upload_ref: String,
        /// The entry's ref.
        entry_ref: String,
    },
}

/// What a view answers to an [`UploadInput`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum UploadAnswer {
    /// The reply to a `progress` push (its diff), or nothing to send.
    Reply(Reply),
    /// The reply to a preflight: `response` (`ref`, `config`, `entries`,
    /// `errors`, or `error`) lacks the tokens of the entries in `sign`
    /// ((entry ref, uuid)), which the socket signs; `reply` carries the diff.
    Preflight {
        /// The reply's body so far.
        response: Value,
        /// The entries to give tokens.
        sign: Vec<(String, String)>,
        /// The diff.
        reply: Reply,
    },
    /// The preflight's reply waits for presign tasks
    /// ([`LiveView::presign_upload`](crate::LiveView::presign_upload)):
    /// [`Output::PreflightReady`](crate::runtime::Output::PreflightReady)
    /// with this id carries it. `reply` is the diff to push meanwhile.
    Pending {
        /// The preflight's id in the view.
        id: u64,
        /// The diff.
        reply: Reply,
    },
    /// The entry may upload on the channel.
    Registered(Registered),
    /// The channel is refused: `already_registered` or `disallowed`.
    Refused(&'static str),
    /// Taken; nothing to answer.
    Done,
}
