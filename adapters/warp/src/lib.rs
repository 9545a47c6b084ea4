//! # liveview-warp
//!
//! The [warp] adapter of liveview: it serves the pages of an
//! [`App`] (dead render), their WebSocket
//! (`<live_path>/websocket`, one tokio task per socket driving the core's
//! sans-IO [`SocketMachine`](liveview_core::protocol::SocketMachine)), and the
//! official Phoenix LiveView client under `/assets/`.
//!
//! [`routes`] is a warp filter to mount in your own warp app; [`serve`] runs
//! it on its own.
//!
//! | module | what |
//! | --- | --- |
//! | [`assets`] | the embedded client (`phoenix_live_view` 1.2.12, `phoenix` 1.8.16, `app.js`) |
//! | [`pubsub`] | the [`PubSub`] trait and the in-process backend |
//! | [`Clock`] | UNIX microseconds, monotonic |
//! | [`ServerConfig`] | secret (`LIVEVIEW_SECRET`) and bind address from the environment |
//! | [`trace`] | recording every joined view to a `.trace.jsonl` file, for replay |
//! | [`metrics`] | gauges of open sockets, views, timers, subscriptions ([`Options::metrics`]) |
//!
//! ## Per socket
//!
//! One task owns the socket's machine. It waits for whichever comes first: a
//! frame from the browser, a pub/sub delivery, or the machine's next deadline
//! (`poll_timeout`: heartbeat timeout, view timers). After every input it
//! drains `poll_output` and writes the frames; a `Close` output closes the
//! WebSocket with that code. When the WebSocket ends, `close(now)` stops the
//! socket's views. A panic inside the machine closes that socket (code 1011)
//! and nothing else.
#![warn(missing_docs)]

pub mod assets;
mod clock;
pub mod log;
pub mod metrics;
pub mod pubsub;
mod server;
mod socket;
pub mod trace;

pub use clock::Clock;
pub use pubsub::{InProcess, PubSub};
pub use server::{entropy, serve, serve_listener, ServerConfig};

use liveview_core::protocol::{App, ConnectInfo, HttpResponse};
use std::sync::Arc;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

/// Options of [`routes`].
#[derive(Clone)]
pub struct Options {
    /// The pub/sub backend shared by every socket ([`InProcess`] by default).
    pub pubsub: Arc<dyn PubSub>,
    /// The clock.
    pub clock: Clock,
    /// Refuse WebSocket upgrades whose `Origin` host differs from the `Host`
    /// header (default `true`; requests without `Origin` are allowed).
    pub check_origin: bool,
    /// Gauges of the sockets served by these routes (open sockets, views,
    /// timers, subscriptions, pub/sub subscribers); read them with
    /// `opts.metrics.snapshot()`. Share one `Arc` between several [`routes`]
    /// to sum them.
    pub metrics: Arc<metrics::Metrics>,
    /// When set (e.g. `"/_lv/metrics"`), `GET` on this path serves
    /// [`metrics::MetricsSnapshot`] as JSON. Default `None`: the counts are
    /// not public.
    pub metrics_path: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pubsub: Arc::new(InProcess::new()),
            clock: Clock::new(),
            check_origin: true,
            metrics: Arc::new(metrics::Metrics::new()),
            metrics_path: None,
        }
    }
}

struct Shared {
    app: Arc<App>,
    opts: Options,
    ws_path: String,
}

/// The warp filter serving an app: every routed page, the WebSocket at
/// `<live_path>/websocket`, and the client assets at `/assets/…`.
///
/// Paths the app does not route are rejected with warp's "not found", so the
/// filter composes with your own routes:
///
/// ```no_run
/// # async fn run(app: std::sync::Arc<liveview_core::protocol::App>) {
/// use warp::Filter;
/// let health = warp::path("health").map(|| "ok");
/// let routes = health.or(liveview_warp::routes(app, liveview_warp::Options::default()));
/// warp::serve(routes).run(([127, 0, 0, 1], 3000)).await;
/// # }
/// ```
pub fn routes(
    app: Arc<App>,
    opts: Options,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let live = app.config.live_path.trim_end_matches('/').to_string();
    opts.metrics.count_pubsub(opts.pubsub.clone());
    let shared = Arc::new(Shared {
        app,
        opts,
        ws_path: format!("{live}/websocket"),
    });
    let with = {
        let shared = shared.clone();
        warp::any().map(move || shared.clone())
    };
    let get_or_head = warp::get().or(warp::head()).unify();
    let raw_query = warp::query::raw().or(warp::any().map(String::new)).unify();

    let assets = get_or_head
        .and(warp::path::full())
        .and(warp::header::optional::<String>("if-none-match"))
        .and_then(
            |path: warp::path::FullPath, inm: Option<String>| async move {
                match assets::find(path.as_str()) {
                    Some(a) => Ok(asset_reply(a, inm.as_deref())),
                    None => Err(warp::reject::not_found()),
                }
            },
        );

    let websocket = warp::path::full()
        .and(with.clone())
        .and_then(
            |path: warp::path::FullPath, shared: Arc<Shared>| async move {
                if path.as_str() == shared.ws_path {
                    Ok(shared)
                } else {
                    Err(warp::reject::not_found())
                }
            },
        )
        .and(warp::ws())
        .and(raw_query)
        .and(warp::header::optional::<String>("cookie"))
        .and(warp::header::optional::<String>("origin"))
        .and(warp::header::optional::<String>("host"))
        .map(
            |shared: Arc<Shared>,
             ws: warp::ws::Ws,
             query: String,
             cookie: Option<String>,
             origin: Option<String>,
             host: Option<String>| { upgrade(shared, ws, query, cookie, origin, host) },
        );

    let pages = get_or_head
        .and(warp::path::full())
        .and(raw_query)
        .and(warp::header::optional::<String>("cookie"))
        .and(with.clone())
        .and_then(
            |path: warp::path::FullPath,
             query: String,
             cookie: Option<String>,
             shared: Arc<Shared>| async move {
                let url = if query.is_empty() {
                    path.as_str().to_string()
                } else {
                    format!("{}?{query}", path.as_str())
                };
                let now = shared.opts.clock.now();
                let resp = server::dead_render(&shared.app, now, &url, cookie.as_deref());
                if resp.status == 404 {
                    Err(warp::reject::not_found())
                } else {
                    Ok(http_reply(resp))
                }
            },
        );

    let metrics = get_or_head.and(warp::path::full()).and(with).and_then(
        |path: warp::path::FullPath, shared: Arc<Shared>| async move {
            match &shared.opts.metrics_path {
                Some(p) if p == path.as_str() => Ok(metrics_reply(&shared.opts.metrics)),
                _ => Err(warp::reject::not_found()),
            }
        },
    );

    assets
        .or(websocket)
        .unify()
        .or(metrics)
        .unify()
        .or(pages)
        .unify()
}

fn upgrade(
    shared: Arc<Shared>,
    ws: warp::ws::Ws,
    query: String,
    cookie: Option<String>,
    origin: Option<String>,
    host: Option<String>,
) -> Response {
    if let Err(why) = check_vsn(&query) {
        return text_reply(StatusCode::BAD_REQUEST, why);
    }
    if shared.opts.check_origin {
        if let (Some(origin), Some(host)) = (&origin, &host) {
            if !origin_matches(origin, host) {
                log::info(format_args!(
                    "refused websocket from origin {origin:?} (host {host:?})"
                ));
                return text_reply(StatusCode::FORBIDDEN, "origin not allowed".into());
            }
        }
    }
    let connect = ConnectInfo {
        query,
        cookie,
        origin,
    };
    let max = shared.app.config.max_frame_bytes.max(1024);
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| {
            let app = shared.app.clone();
            let pubsub = shared.opts.pubsub.clone();
            let clock = shared.opts.clock;
            let metrics = shared.opts.metrics.clone();
            socket::run(socket, app, connect, pubsub, clock, metrics)
        })
        .into_response()
}

/// Accepts `vsn` ~> 2.0 (2.x.y), the V2 JSON serializer the client speaks.
fn check_vsn(query: &str) -> Result<(), String> {
    let vsn = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "vsn")
        .map(|(_, v)| v.into_owned());
    match vsn {
        None => Err(
            "missing vsn: this server speaks the Phoenix channels V2 serializer (vsn=2.0.0)".into(),
        ),
        Some(v) => {
            let mut parts = v.split('.');
            let major = parts.next().and_then(|p| p.parse::<u32>().ok());
            let minor_ok = parts.next().is_none_or(|p| p.parse::<u32>().is_ok());
            if major == Some(2) && minor_ok {
                Ok(())
            } else {
                Err(format!("unsupported vsn {v:?}: this server speaks ~> 2.0"))
            }
        }
    }
}

/// Whether the `Origin` header's host[:port] equals the `Host` header.
fn origin_matches(origin: &str, host: &str) -> bool {
    let authority = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    authority.eq_ignore_ascii_case(host)
}

fn asset_reply(a: &'static assets::Asset, if_none_match: Option<&str>) -> Response {
    let tag = assets::etag(a.body);
    let not_modified =
        if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut resp = if not_modified {
        let mut r = Response::new(Vec::new().into());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(a.body.to_vec().into());
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static(a.content_type));
        r
    };
    let h = resp.headers_mut();
    h.insert("cache-control", HeaderValue::from_static(a.cache_control));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert("etag", v);
    }
    resp
}

fn metrics_reply(m: &metrics::Metrics) -> Response {
    let mut r = Response::new(m.snapshot().to_json().into());
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    r
}

fn text_reply(status: StatusCode, body: String) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Writes a core [`HttpResponse`] out as a warp response.
pub fn http_reply(resp: HttpResponse) -> Response {
    let mut r = Response::new(resp.body.into());
    *r.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in resp.headers {
        match (
            warp::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            (Ok(n), Ok(v)) => {
                r.headers_mut().append(n, v);
            }
            _ => log::warn(format_args!("dropped an invalid response header {name:?}")),
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vsn_must_be_2_x() {
        assert!(check_vsn("_csrf_token=a&vsn=2.0.0").is_ok());
        assert!(check_vsn("vsn=2.1").is_ok());
        assert!(check_vsn("vsn=1.0.0").is_err());
        assert!(check_vsn("vsn=3.0.0").is_err());
        assert!(check_vsn("vsn=2.x").is_err());
        assert!(check_vsn("_csrf_token=a").is_err());
        assert!(check_vsn("").is_err());
    }

    #[test]
    fn origin_is_compared_with_host() {
        assert!(origin_matches("http://127.0.0.1:3000", "127.0.0.1:3000"));
        assert!(origin_matches("https://Example.com/", "example.com"));
        assert!(!origin_matches("http://evil.test", "127.0.0.1:3000"));
        assert!(!origin_matches("http://127.0.0.1:3001", "127.0.0.1:3000"));
    }
}
