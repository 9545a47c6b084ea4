//! The three signed tokens of a page and the CSRF cookie.
//!
//! * **Session token** (`data-phx-session`): the container id, the URL the page
//!   was rendered at, the session data and the flash. Verified on join: it must
//!   be authentic, younger than [`Config::session_max_age`], and its id must be
//!   the topic's (`lv:<id>`). Any failure → join error `stale`.
//! * **CSRF token** (`<meta name="csrf-token">`, sent back by the client as
//!   `_csrf_token` in the WebSocket query and in every join's `params`): a
//!   signed copy of a random value that the dead render also sets as the
//!   HttpOnly cookie [`CSRF_COOKIE`]. When the WebSocket request carries that
//!   cookie, the token's value must equal it; without the cookie (non-browser
//!   clients, cookie blocked) the token must still be authentic and younger
//!   than `session_max_age`. Any failure → join error `unauthorized`.
//! * **Child token** (a child view's `data-phx-session`, [`crate::nested`]):
//!   the child's id, its view type, its parent's id (none when sticky), the
//!   session its parent gave it and the page's URL. Verified on the child's
//!   join like a session token (`stale` otherwise).
//! * **Upload token** (the preflight's answer for an entry, joined with on
//!   `lvu:<entry ref>`, [`crate::upload`]): the view's topic and join ref,
//!   the owning component, the upload's and the entry's refs and the
//!   entry's uuid. The join is refused (`invalid_token`) unless that view
//!   is joined on this socket by that join and has that entry.
//! * **Flash token**: flash carried by a `live_redirect`/`redirect`, valid for
//!   [`FLASH_MAX_AGE`]; the client echoes it as join `flash` or in the
//!   [`FLASH_COOKIE`] cookie.
//!
//! Every payload is tagged with its kind, so one kind can never pass for another.

use super::token::{self, constant_time_eq, TokenError};
use super::Config;
use crate::nested::ChildToken;
use crate::time::Time;
use crate::view::{Flash, Session};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::time::Duration;

/// The cookie holding the CSRF value the meta token is bound to.
pub const CSRF_COOKIE: &str = "_lv_csrf";
/// The cookie the client sets to carry flash over a full redirect.
pub const FLASH_COOKIE: &str = "__phoenix_flash__";
/// How long a flash token stays valid.
pub const FLASH_MAX_AGE: Duration = Duration::from_secs(60);

#[derive(Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
enum Signed {
    Session {
        id: String,
        url: String,
        #[serde(default)]
        session: Session,
        #[serde(default, skip_serializing_if = "Flash::is_empty")]
        flash: Flash,
        /// The live session the page was rendered in ("" = the default one).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        ls: String,
    },
    Csrf {
        v: String,
    },
    /// A child view's session token ([`crate::nested`]).
    Child {
        id: String,
        view: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<String>,
        #[serde(default)]
        session: Session,
        url: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        linked: bool,
    },
    Flash {
        f: Flash,
    },
    /// An upload entry's channel token ([`crate::upload`]).
    Upload {
        /// The view's topic and its join's ref.
        v: String,
        j: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        c: Option<u64>,
        /// The upload's and the entry's refs, and the entry's uuid.
        u: String,
        e: String,
        id: String,
    },
}

/// The content of a verified session token.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionData {
    /// The container id (the topic is `lv:<id>`).
    pub id: String,
    /// The URL (path and query) the page was rendered at.
    pub url: String,
    /// The session data.
    pub session: Session,
    /// The flash the page was rendered with.
    pub flash: Flash,
    /// The live session the page was rendered in (`""`: the router's default one).
    pub live_session: String,
}

fn sign_value(config: &Config, now: Time, value: &Signed) -> String {
    let json =
        serde_json::to_string(value).unwrap_or_else(|_| unreachable!("token payloads serialize"));
    token::sign(&config.secret, now, &json)
}

fn verify_value(
    config: &Config,
    now: Time,
    t: &str,
    max_age: Duration,
) -> Result<Signed, TokenError> {
    let json = token::verify(&config.secret, now, t, max_age)?;
    serde_json::from_str(&json).map_err(|_| TokenError::Invalid)
}

/// Signs a session token.
pub fn sign_session(config: &Config, now: Time, data: &SessionData) -> String {
    sign_value(
        config,
        now,
        &Signed::Session {
            id: data.id.clone(),
            url: data.url.clone(),
            session: data.session.clone(),
            flash: data.flash.clone(),
            ls: data.live_session.clone(),
        },
    )
}

/// Verifies a session token.
pub fn verify_session(config: &Config, now: Time, t: &str) -> Result<SessionData, TokenError> {
    match verify_value(config, now, t, config.session_max_age)? {
        Signed::Session {
            id,
            url,
            session,
            flash,
            ls,
        } => Ok(SessionData {
            id,
            url,
            session,
            flash,
            live_session: ls,
        }),
        _ => Err(TokenError::Invalid),
    }
}

/// What an upload token names ([`sign_upload`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadToken {
    /// The view's topic (`lv:<id>`).
    pub topic: String,
    /// The view's join ref.
    pub join_ref: Option<String>,
    /// The component owning the upload, if any.
    pub cid: Option<u64>,
    /// The upload's ref.
    pub upload_ref: String,
    /// The entry's ref.
    pub entry_ref: String,
    /// The entry's uuid.
    pub uuid: String,
}

/// Signs an upload entry's token.
pub fn sign_upload(config: &Config, now: Time, t: &UploadToken) -> String {
    sign_value(
        config,
        now,
        &Signed::Upload {
            v: t.topic.clone(),
            j: t.join_ref.clone(),
            c: t.cid,
            u: t.upload_ref.clone(),
            e: t.entry_ref.clone(),
            id: t.uuid.clone(),
        },
    )
}

/// Verifies an upload entry's token (valid as long as a page's).
pub fn verify_upload(config: &Config, now: Time, t: &str) -> Result<UploadToken, TokenError> {
    match verify_value(config, now, t, config.session_max_age)? {
        Signed::Upload { v, j, c, u, e, id } => Ok(UploadToken {
            topic: v,
            join_ref: j,
            cid: c,
            upload_ref: u,
            entry_ref: e,
            uuid: id,
        }),
        _ => Err(TokenError::Invalid),
    }
}

/// Signs a child view's session token.
pub fn sign_child(config: &Config, now: Time, t: &ChildToken) -> String {
    sign_value(
        config,
        now,
        &Signed::Child {
            id: t.id.clone(),
            view: t.view.clone(),
            parent: t.parent.clone(),
            session: t.session.clone(),
            url: t.url.clone(),
            linked: t.linked,
        },
    )
}

/// Verifies a child view's session token (valid as long as a page's).
pub fn verify_child(config: &Config, now: Time, t: &str) -> Result<ChildToken, TokenError> {
    match verify_value(config, now, t, config.session_max_age)? {
        Signed::Child {
            id,
            view,
            parent,
            session,
            url,
            linked,
        } => Ok(ChildToken {
            id,
            view,
            parent,
            session,
            url,
            linked,
        }),
        _ => Err(TokenError::Invalid),
    }
}

/// Signs the CSRF token bound to the cookie value `value`.
pub fn sign_csrf(config: &Config, now: Time, value: &str) -> String {
    sign_value(
        config,
        now,
        &Signed::Csrf {
            v: value.to_owned(),
        },
    )
}

/// Checks a CSRF token: authentic, not older than `session_max_age`, and bound
/// to `cookie` when the request carried the CSRF cookie.
pub fn check_csrf(
    config: &Config,
    now: Time,
    t: &str,
    cookie: Option<&str>,
) -> Result<(), TokenError> {
    match verify_value(config, now, t, config.session_max_age)? {
        Signed::Csrf { v } => match cookie {
            Some(c) if !constant_time_eq(c.as_bytes(), v.as_bytes()) => Err(TokenError::Invalid),
            _ => Ok(()),
        },
        _ => Err(TokenError::Invalid),
    }
}

/// Signs a flash token.
pub fn sign_flash(config: &Config, now: Time, flash: &Flash) -> String {
    sign_value(config, now, &Signed::Flash { f: flash.clone() })
}

/// Verifies a flash token; `None` when it is not authentic or too old (flash is
/// best effort: a bad token means no flash, not an error).
pub fn verify_flash(config: &Config, now: Time, t: &str) -> Option<Flash> {
    match verify_value(config, now, t, FLASH_MAX_AGE) {
        Ok(Signed::Flash { f }) => Some(f),
        _ => None,
    }
}

/// The CSRF cookie value derived from 16 bytes of entropy. Keyed with the
/// secret, so that it cannot be computed from the (public) container id that
/// the same entropy produces.
pub fn csrf_value(config: &Config, entropy: &[u8; 16]) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&config.secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    m.update(b"liveview csrf cookie\0");
    m.update(entropy);
    URL_SAFE_NO_PAD.encode(&m.finalize().into_bytes()[..24])
}

/// Whether `v` looks like a CSRF cookie value this server could have set.
pub fn plausible_csrf_value(v: &str) -> bool {
    (16..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`).
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == name).then(|| v.trim().trim_matches('"'))
    })
}

/// The value of parameter `name` in a query string, percent-decoded.
pub fn query_value(query: &str, name: &str) -> Option<String> {
    let query = query.strip_prefix('?').unwrap_or(query);
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::new(b"test secret test secret test secret!".to_vec()).unwrap()
    }

    #[test]
    fn session_round_trip_and_kinds_do_not_mix() {
        let c = config();
        let mut data = SessionData {
            id: "phx-abc".into(),
            url: "/counter?x=1".into(),
            ..Default::default()
        };
        data.session.insert("user", serde_json::json!(7));
        data.flash.put("info", "hi");
        let t = sign_session(&c, Time::ZERO, &data);
        assert_eq!(verify_session(&c, Time::ZERO, &t).unwrap(), data);
        // A CSRF or flash token is not a session token, and vice versa.
        let csrf = sign_csrf(&c, Time::ZERO, "v");
        assert_eq!(
            verify_session(&c, Time::ZERO, &csrf),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            check_csrf(&c, Time::ZERO, &t, None),
            Err(TokenError::Invalid)
        );
        assert_eq!(verify_flash(&c, Time::ZERO, &t), None);
        let expired = Time::ZERO + c.session_max_age + Duration::from_secs(1);
        assert_eq!(verify_session(&c, expired, &t), Err(TokenError::Expired));
    }

    /// Every kind of token checked as every other kind: only its own kind
    /// passes, whatever the payload looks like.
    #[test]
    fn no_kind_of_token_passes_for_another() {
        let c = config();
        let data = SessionData {
            id: "phx-1".into(),
            url: "/".into(),
            ..Default::default()
        };
        let mut flash = Flash::default();
        flash.put("info", "x");
        let tokens = [
            ("session", sign_session(&c, Time::ZERO, &data)),
            ("csrf", sign_csrf(&c, Time::ZERO, "value-value-value")),
            ("flash", sign_flash(&c, Time::ZERO, &flash)),
            // Authentic tokens of no kind, or of a kind that does not exist.
            (
                "bare",
                token::sign(&c.secret, Time::ZERO, r#"{"v":"value-value-value"}"#),
            ),
            (
                "other",
                token::sign(&c.secret, Time::ZERO, r#"{"k":"admin","v":"x"}"#),
            ),
            ("text", token::sign(&c.secret, Time::ZERO, "phx-1")),
            (
                "child",
                sign_child(
                    &c,
                    Time::ZERO,
                    &ChildToken {
                        id: "phx-1".into(),
                        view: "V".into(),
                        parent: None,
                        session: Session::default(),
                        url: "/".into(),
                        linked: false,
                    },
                ),
            ),
            (
                "upload",
                sign_upload(
                    &c,
                    Time::ZERO,
                    &UploadToken {
                        topic: "lv:phx-1".into(),
                        join_ref: Some("1".into()),
                        cid: None,
                        upload_ref: "phx-u".into(),
                        entry_ref: "0".into(),
                        uuid: "u".into(),
                    },
                ),
            ),
        ];
        for (kind, t) in &tokens {
            assert_eq!(
                verify_upload(&c, Time::ZERO, t).is_ok(),
                *kind == "upload",
                "{kind}"
            );
            let as_session = verify_session(&c, Time::ZERO, t).is_ok();
            let as_csrf = check_csrf(&c, Time::ZERO, t, None).is_ok();
            let as_flash = verify_flash(&c, Time::ZERO, t).is_some();
            assert_eq!(
                verify_child(&c, Time::ZERO, t).is_ok(),
                *kind == "child",
                "{kind}"
            );
            assert_eq!(
                (as_session, as_csrf, as_flash),
                (*kind == "session", *kind == "csrf", *kind == "flash"),
                "a {kind} token"
            );
        }
    }

    #[test]
    fn csrf_binding() {
        let c = config();
        let v = csrf_value(&c, &[1; 16]);
        assert!(plausible_csrf_value(&v));
        assert_ne!(v, csrf_value(&c, &[2; 16]));
        let t = sign_csrf(&c, Time::ZERO, &v);
        assert_eq!(check_csrf(&c, Time::ZERO, &t, Some(&v)), Ok(()));
        assert_eq!(check_csrf(&c, Time::ZERO, &t, None), Ok(()));
        assert_eq!(
            check_csrf(&c, Time::ZERO, &t, Some("other-value-123456")),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            check_csrf(&c, Time::ZERO, "garbage", None),
            Err(TokenError::Invalid)
        );
        let later = Time::ZERO + c.session_max_age + Duration::from_secs(1);
        assert_eq!(
            check_csrf(&c, later, &t, Some(&v)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn flash_round_trip_and_expiry() {
        let c = config();
        let mut f = Flash::default();
        f.put("info", "saved");
        let t = sign_flash(&c, Time::ZERO, &f);
        assert_eq!(verify_flash(&c, Time::ZERO, &t), Some(f));
        assert_eq!(
            verify_flash(&c, Time::ZERO + Duration::from_secs(61), &t),
            None
        );
    }

    #[test]
    fn cookies_and_queries() {
        assert_eq!(
            cookie_value("a=1; _lv_csrf=xyz; b=2", CSRF_COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("_lv_csrf_2=q", CSRF_COOKIE), None);
        assert_eq!(cookie_value("", CSRF_COOKIE), None);
        assert_eq!(
            query_value("_csrf_token=a%2Bb&vsn=2.0.0", "_csrf_token").as_deref(),
            Some("a+b")
        );
        assert_eq!(query_value("?vsn=2.0.0", "vsn").as_deref(), Some("2.0.0"));
        assert_eq!(query_value("vsn=2.0.0", "x"), None);
        assert!(!plausible_csrf_value("short"));
        assert!(!plausible_csrf_value("has space in it 1234"));
    }
}
