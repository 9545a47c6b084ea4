//! `phx_join` on an `lv:` topic, in four steps:
//!
//! 1. **authorize** — the socket's and the join's CSRF tokens, then the
//!    session token (authentic, fresh, made for this container);
//! 2. **route** — the URL (`redirect` on live navigation, else `url`, else
//!    where the page was rendered) to a route of the same live session as
//!    the page; another live session is `unauthorized`, an unroutable URL
//!    `stale`;
//! 3. **mount** — the live session's `on_mount` hooks, then the view
//!    (recorded as a trace when the configuration asks), behind the panic
//!    guard;
//! 4. **encode** — the join reply (`rendered`, `liveview_version`, a
//!    `live_patch` asked for while mounting) or the refusal, then the new
//!    channel and its first outputs.

use super::channel::{Channel, ChannelKind, ViewChannel, NO_ROUTE};
use super::guard::{guard, Crashed, GuardedView};
use super::outbox::{nav_payload, Ref};
use super::{SocketMachine, MAX_CHANNELS};
use crate::nested::ChildToken;
use crate::protocol::auth::{self, SessionData};
use crate::protocol::frame::{self, Status};
use crate::protocol::live_session::LIVE_SOCKET_ID;
use crate::protocol::router::Route;
use crate::protocol::token::TokenError;
use crate::protocol::App;
use crate::runtime::{AnyView, JoinInput, Joined, Navigation};
use crate::small_map::SmallSet;
use crate::time::Time;
use crate::view::Url;
use serde_json::{Map, Value};
use std::sync::Arc;

/// What mounting a view gives: the view and its join reply, or a navigation away.
type Mounted = Result<(Box<dyn AnyView>, Joined), Navigation>;

/// Why a join is refused: the reason in `{"reason": …}`.
type Refusal = &'static str;

/// A verified join token: a page's view, or a child view.
enum Verified {
    Page(SessionData),
    Child(ChildToken),
}

/// A child channel's relations.
struct Family {
    /// The parent's topic (none when sticky).
    parent: Option<String>,
    linked: bool,
}

impl SocketMachine {
    pub(super) fn join(&mut self, now: Time, r: &Ref<'_>, p: &Map<String, Value>) {
        let r = *r;
        let Some(id) = r.topic.strip_prefix("lv:").filter(|id| !id.is_empty()) else {
            self.outbox.error(&r, "unmatched topic");
            return;
        };
        self.navigated.retain(|t| t != r.topic);
        // A duplicate join closes the channel already on this topic (live navigation re-joins).
        if self.channels.contains_key(r.topic) {
            self.retire(now, r.topic, super::channel::Retire::Close);
        }
        if self.channels.len() >= MAX_CHANNELS {
            self.outbox.error(
                &r,
                &format!("too many channels on one socket (at most {MAX_CHANNELS})"),
            );
            return;
        }
        let app = Arc::clone(&self.app);
        let token = match self.authorize(now, id, p) {
            Ok(t) => t,
            Err(reason) => return self.outbox.error(&r, reason),
        };
        let data = match token {
            Verified::Page(data) => data,
            Verified::Child(child) => return self.join_child(now, &r, p, child),
        };
        let (route, mut input) = match route(&app, now, p, data) {
            Ok(ok) => ok,
            Err(reason) => {
                self.outbox.error(&r, reason);
                return;
            }
        };
        input.nested = Some(app.nested_cx(id));
        input.entropy = self.join_entropy(now, &r);
        let live_socket_id = input
            .session
            .get(LIVE_SOCKET_ID)
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mounted = guard(|| {
            crate::trace::join_recorded(
                app.config.trace.as_deref(),
                route.pattern(),
                now,
                input,
                |now, input| app.router.mount(route, now, input),
            )
        });
        self.encode_join(now, &r, route.id(), None, mounted);
        if self.channels.contains_key(r.topic) {
            if let Some(topic) = live_socket_id {
                self.watch_live_socket_id(topic);
            }
        }
    }

    /// The join of a child view ([`crate::nested`]): its view is the one its
    /// token names, its parent (unless sticky) must be joined on this
    /// socket, and it mounts with the session its parent gave it.
    fn join_child(&mut self, now: Time, r: &Ref<'_>, p: &Map<String, Value>, child: ChildToken) {
        let app = Arc::clone(&self.app);
        let parent = child.parent.as_ref().map(|id| format!("lv:{id}"));
        // A parent that is gone (crashed, navigated away) cannot take a
        // child: `stale`, as Phoenix answers when the parent process is dead.
        let parent_joined = parent
            .as_ref()
            .is_none_or(|t| self.channels.contains_key(t));
        if !parent_joined && parent.as_ref().is_some_and(|t| self.navigated.contains(t)) {
            // The parent navigated away while its child was joining.
            return self.outbox.error(r, "parent_redirect");
        }
        let (Some(join), true, Ok(url)) = (
            app.child_join(&child.view),
            parent_joined,
            Url::parse(&child.url),
        ) else {
            return self.outbox.error(r, "stale");
        };
        let input = JoinInput {
            connected: true,
            url,
            session: child.session,
            connect_params: p.get("params").and_then(Value::as_object).cloned(),
            keep_stream_items: app.config.keep_stream_items,
            nested: Some(app.nested_cx(&child.id)),
            sticky: child.parent.is_none(),
            child: child.parent.is_some(),
            entropy: self.join_entropy(now, r),
            ..JoinInput::default()
        };
        let mounted = guard(|| {
            crate::trace::join_recorded(app.config.trace.as_deref(), &child.view, now, input, join)
        });
        let family = Family {
            parent,
            linked: child.linked,
        };
        let crashed = matches!(mounted, Err(Crashed));
        let parent = family.parent.clone();
        self.encode_join(now, r, NO_ROUTE, Some(family), mounted);
        // A linked child that fails to mount takes its parent down.
        if crashed && child.linked {
            if let Some(parent) = parent {
                self.retire(now, &parent, super::channel::Retire::Crash);
            }
        }
    }

    /// Step 1: the CSRF tokens and the session token.
    fn authorize(&self, now: Time, id: &str, p: &Map<String, Value>) -> Result<Verified, Refusal> {
        let config = &self.app.config;
        let join_csrf = match p.get("params").and_then(|v| v.get("_csrf_token")) {
            Some(Value::String(t)) => auth::check_csrf(config, now, t, self.csrf_cookie.as_deref()),
            _ => Err(TokenError::Invalid),
        };
        if self.csrf.is_err() || join_csrf.is_err() {
            return Err("unauthorized");
        }
        let Some(Value::String(t)) = p.get("session") else {
            return Err("stale");
        };
        if let Ok(data) = auth::verify_session(config, now, t) {
            return if data.id == id {
                Ok(Verified::Page(data))
            } else {
                Err("stale")
            };
        }
        match auth::verify_child(config, now, t) {
            Ok(child) if child.id == id => Ok(Verified::Child(child)),
            _ => Err("stale"),
        }
    }

    /// Step 4: the join reply, and the channel on success.
    fn encode_join(
        &mut self,
        now: Time,
        r: &Ref<'_>,
        route: usize,
        family: Option<Family>,
        mounted: Result<Mounted, Crashed>,
    ) {
        let app = Arc::clone(&self.app);
        let (view, joined) = match mounted {
            Err(Crashed) => return self.outbox.error(r, "join crashed"),
            Ok(Err(nav)) => {
                // The mount (or an on_mount hook) navigated away.
                let (event, obj) = nav_payload(&app, now, &nav);
                let key = if event == "live_patch" {
                    "live_redirect"
                } else {
                    event
                };
                return self
                    .outbox
                    .reply(r, Status::Error, &format!("{{\"{key}\":{obj}}}"));
            }
            Ok(Ok(ok)) => ok,
        };
        let mut view = GuardedView::new(view);
        let Joined {
            rendered,
            live_patch,
        } = joined;
        let mut response = String::with_capacity(rendered.len() + 96);
        response.push_str("{\"rendered\":");
        response.push_str(&rendered);
        response.push_str(",\"liveview_version\":");
        frame::write_json_str(&mut response, crate::CLIENT_VERSION);
        match &live_patch {
            None => {}
            Some(nav @ Navigation::Patch { .. }) => {
                response.push_str(",\"live_patch\":");
                response.push_str(&nav_payload(&app, now, nav).1);
            }
            Some(nav) => {
                // Not a patch: the view navigated away while mounting.
                let _ = view.call(|v| v.stop());
                view.discard();
                let (event, obj) = nav_payload(&app, now, nav);
                return self
                    .outbox
                    .reply(r, Status::Error, &format!("{{\"{event}\":{obj}}}"));
            }
        }
        response.push('}');
        self.outbox.reply(r, Status::Ok, &response);
        let ch = Channel {
            join_ref: r.join_ref.map(str::to_owned),
            kind: ChannelKind::View(ViewChannel {
                route,
                view,
                subs: SmallSet::new(),
                parent: family.as_ref().and_then(|f| f.parent.clone()),
                linked: family.as_ref().is_some_and(|f| f.linked),
                sticky: family.is_some_and(|f| f.parent.is_none()),
                held: None,
                waiting: Default::default(),
            }),
        };
        self.channels.insert(r.topic.to_owned(), ch);
        self.drain(now, r.topic);
    }
}

impl SocketMachine {
    /// The entropy of a view's upload ids: the app's secret over the
    /// socket's CSRF value, the topic, the join ref and the time, so that
    /// two joins never share ids and a replay (which records it) makes the
    /// same ones.
    fn join_entropy(&self, now: Time, r: &Ref<'_>) -> u64 {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.app.config.secret)
            .expect("HMAC takes any key length");
        mac.update(self.csrf_cookie.as_deref().unwrap_or("").as_bytes());
        mac.update(b"\0");
        mac.update(r.topic.as_bytes());
        mac.update(b"\0");
        mac.update(r.join_ref.unwrap_or("").as_bytes());
        mac.update(&now.as_micros().to_le_bytes());
        let out = mac.finalize().into_bytes();
        let mut b = [0u8; 8];
        b.copy_from_slice(&out[..8]);
        u64::from_le_bytes(b)
    }
}

/// Step 2: the URL to join, its route, and the view's join input.
fn route<'a>(
    app: &'a App,
    now: Time,
    p: &Map<String, Value>,
    data: SessionData,
) -> Result<(&'a Route, JoinInput), Refusal> {
    let router = &app.router;
    let url_str = match (p.get("redirect"), p.get("url")) {
        (Some(Value::String(u)), _) | (_, Some(Value::String(u))) => u.as_str(),
        _ => data.url.as_str(),
    };
    let url = Url::parse(url_str).map_err(|_| "stale")?;
    let (route, path_params) = router.route(url.path()).ok_or("stale")?;
    if router.live_session_of(route).name() != data.live_session {
        // Live navigation into another live session: the client loads the page.
        return Err("unauthorized");
    }
    Ok((
        route,
        JoinInput {
            connected: true,
            url,
            path_params,
            pattern: None,
            session: data.session,
            connect_params: p.get("params").and_then(Value::as_object).cloned(),
            flash: match p.get("flash") {
                Some(Value::String(t)) => {
                    auth::verify_flash(&app.config, now, t).unwrap_or_default()
                }
                _ => data.flash,
            },
            layout: None,
            keep_stream_items: app.config.keep_stream_items,
            patch_patterns: Vec::new(),
            nested: None,
            sticky: false,
            child: false,
            entropy: 0,
        },
    ))
}
