//! # liveview-warp
//!
//! The [warp] adapter of liveview: it serves the pages of an
//! [`App`] (dead render), their WebSocket
//! (`<live_path>/websocket`, one tokio task per socket driving the core's
//! sans-IO [`SocketMachine`](liveview_core::protocol::SocketMachine)), and the
//! official Phoenix LiveView client under `/assets/`.
//!
//! [`routes`] is a warp filter to mount in your own warp app; [`serve`] runs
//! it on its own, and [`serve_with`] runs your own warp filter around it with
//! the same server. [`ClientOptions`] extend the served client with the app's
//! own hooks, uploaders and connect params.
//!
//! | module | what |
//! | --- | --- |
//! | [`assets`] | the embedded client (`phoenix_live_view` 1.2.12, `phoenix` 1.8.16, `app.js`), fetched by the build with `npm ci` into its output folder |
//! | [`pubsub`] | the [`PubSub`] trait and the in-process backend |
//! | [`Clock`] | UNIX microseconds, monotonic |
//! | [`ServerConfig`] | secret (`LIVEVIEW_SECRET`) and bind address (`HOST`, `PORT`) from variables you pass |
//! | [`trace`] | recording every joined view to a `.trace.jsonl` file, for replay |
//! | [`metrics`] | gauges of open sockets, views, timers, subscriptions, uploads ([`Options::metrics`]) |
//! | [`uploads`] | file uploads: each entry's writer in a task of its own, [`TempFileWriter`] by default ([`Options::upload_writers`], [`Options::upload_dir`]) |
//!
//! ## Per socket
//!
//! One task owns the socket's machine. It waits for whichever comes first: a
//! due deadline (`poll_timeout`: heartbeat timeout, view timers), a pub/sub
//! delivery, or a frame from the browser. After every input it queues what
//! `poll_output` produced; queued frames are written while the task goes on
//! handling input, so a slow reader never blocks its own timers or anyone
//! else. A `Close` output closes the WebSocket with that code. When the
//! WebSocket ends, `close(now)` stops the socket's views. A panic inside the
//! machine closes that socket (code 1011) and nothing else. Async tasks and
//! upload writers run in tokio tasks of their own, their results coming back
//! as inputs (see [`uploads`]), so neither delays the socket's views.
//!
//! ## Limits (see [`Options`])
//!
//! | what | default | beyond it |
//! | --- | --- | --- |
//! | frame size ([`Config::max_frame_bytes`]) | 1 MiB | close 1009 |
//! | output waiting for a slow reader ([`Options::max_output_bytes`]) | 4 MiB | close 1008 `output buffer limit exceeded` |
//! | pub/sub messages waiting ([`Options::max_input_queue`]) | 1024 | close 1008 `input queue limit exceeded` |
//! | a client taking no frame (`SEND_TIMEOUT`) | 30 s | connection dropped |
//! | WebSocket `Origin` ([`Options::allowed_origins`]) | same host | `403` at upgrade |
//!
//! A socket handles at most 32 inputs in a row before yielding to the
//! scheduler, so one flooding client cannot hold a worker thread.
//!
//! [`serve`] / [`serve_listener`] (and [`serve_with`] /
//! [`serve_listener_with`], for your own filter around [`routes`]) set
//! `TCP_NODELAY`, upgrade WebSockets themselves and run them with this crate's
//! own codec straight on the TCP stream, which keeps no buffer between frames
//! (an idle /counter socket costs about 2 KiB in all). When [`routes`] is
//! mounted with `warp::serve`, warp's `ws()` upgrades them with its default
//! configuration (a 128 KiB read buffer per socket); everything else is the
//! same.
//!
//! ## Logging
//!
//! The crate logs through [`tracing`]: the host app installs a subscriber
//! and picks the filter and format (without one, nothing is printed). Each
//! socket task runs in a `socket` span (`id`, also its pub/sub
//! [`SubscriberId`](pubsub::SubscriberId), and `peer`). A frame telling a
//! client that its input was refused (an error reply, `warn`), that its view
//! crashed (`phx_error`, `error`) or ended (`phx_close`, `debug`) is logged
//! in a `view` span (`topic`); a socket's close with its `code` and
//! `reason`; [`serve`]'s address at `info`. The crate reads no environment
//! variable.
//!
//! ## Building
//!
//! The build script fetches the official client with `npm ci` (exact versions
//! from `assets/package-lock.json`) into the build's output folder, once per
//! lockfile; building needs Node.js and npm, the server does not. It never
//! writes to the source tree. Offline, set `LIVEVIEW_CLIENT_DIR` to a
//! `node_modules` folder holding npm `phoenix` 1.8.16 and `phoenix_live_view`
//! 1.2.12 (an existing `assets/node_modules` is used the same way).
#![warn(missing_docs)]

pub mod assets;
mod clock;
pub mod metrics;
pub mod pubsub;
mod server;
mod socket;
mod tasks;
pub mod trace;
pub mod uploads;
mod websocket;

pub use clock::Clock;
pub use pubsub::{InProcess, PubSub};
pub use server::{
    entropy, serve, serve_listener, serve_listener_with, serve_with, BoxedRoutes, ServerConfig,
};
pub use uploads::TempFileWriter;

use liveview_core::protocol::{App, Config, ConnectInfo, HttpResponse};
use std::sync::Arc;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

/// Options of [`routes`] and [`serve`].
///
/// ```
/// use liveview_warp::{AllowedOrigins, Options};
/// let opts = Options {
///     allowed_origins: AllowedOrigins::List(vec!["https://example.com".into()]),
///     max_output_bytes: 1 << 20,
///     ..Options::default()
/// };
/// assert_eq!(opts.max_input_queue, 1024);
/// ```
#[derive(Clone)]
pub struct Options {
    /// The pub/sub backend shared by every socket ([`InProcess`] by default).
    pub pubsub: Arc<dyn PubSub>,
    /// The clock.
    pub clock: Clock,
    /// Which `Origin`s may open the WebSocket (default
    /// [`AllowedOrigins::SameHost`]). A refused upgrade gets `403` and never
    /// reaches a view.
    pub allowed_origins: AllowedOrigins,
    /// Per socket: the most bytes of frames waiting to be written to a client
    /// that does not read fast enough (default 4 MiB). Beyond it the socket
    /// is closed with code 1008, reason `"output buffer limit exceeded"`.
    pub max_output_bytes: usize,
    /// Per socket: the most pub/sub messages waiting to be handled (default
    /// 1024). A socket whose queue fills up is not keeping up with what it
    /// subscribed to; it is closed with code 1008, reason `"input queue limit
    /// exceeded"` (its client rejoins with fresh state) rather than silently
    /// missing messages. Frames from the client itself are read only as fast
    /// as they are handled, so TCP holds back a client that sends too fast.
    ///
    /// The largest accepted frame is the app's
    /// [`Config::max_frame_bytes`](liveview_core::protocol::Config) (1 MiB by
    /// default); bigger frames close the socket (1009).
    pub max_input_queue: usize,
    /// Gauges of the sockets served by these routes (open sockets, views,
    /// timers, subscriptions, pub/sub subscribers); read them with
    /// `opts.metrics.snapshot()`. Share one `Arc` between several [`routes`]
    /// to sum them.
    pub metrics: Arc<metrics::Metrics>,
    /// When set (e.g. `"/_lv/metrics"`), `GET` on this path serves
    /// [`metrics::MetricsSnapshot`] as JSON. Default `None`: the counts are
    /// not public.
    pub metrics_path: Option<String>,
    /// What the served `/assets/app.js` adds to the official client: the
    /// app's own hooks, uploaders and connect params (default: nothing).
    pub client: ClientOptions,
    /// The runners of the views' async work ([`Command::StartAsync`](liveview_core::Command::StartAsync)),
    /// by view type (default: none, so every task fails with "no task
    /// runner"). Each task runs in a tokio task of its own: its view keeps
    /// answering events meanwhile, and a slow task delays no other view.
    pub tasks: liveview_core::tasks::Tasks,
    /// Holds a client's frames before its views see them (default `None`).
    /// See [`FrameGate`].
    pub frame_gate: Option<FrameGate>,
    /// The app's upload writers, by name (default: none). An upload that
    /// names one ([`UploadConfig::writer`](liveview_core::upload::UploadConfig::writer))
    /// has its chunks written by it; every other upload by a
    /// [`TempFileWriter`] in [`upload_dir`](Self::upload_dir). Each
    /// upload's writer runs in a tokio task of its own (see [`uploads`]).
    pub upload_writers: liveview_core::upload::UploadWriters,
    /// Where the default writer puts its temporary files. `None` (the
    /// default): `liveview-uploads` in [`std::env::temp_dir`]
    /// ([`uploads::default_upload_dir`]), which must then be private to the
    /// server's user (owned by it, writable by no one else). The directory
    /// is created on demand, mode `0700`.
    pub upload_dir: Option<std::path::PathBuf>,
}

/// A hold on a client's text frames: called with each one before the
/// socket's views see it. `None` lets the frame through at once; a future
/// holds it — and every later frame of the same socket, which keeps the
/// client's order — until the future completes. The socket's timers,
/// pub/sub deliveries and async results go on meanwhile; the socket reads
/// nothing, so it does not see its client leave either: give the future a
/// timeout.
///
/// For tests and demos that need a slow server on purpose: a Phoenix test
/// blocks its LiveView process in an `attach_hook` until told to go on,
/// to look at the client's loading and locked states; a gate holding
/// `event` frames until the test says so does the same here. Also a way to
/// inject latency server-side.
///
/// ```
/// use liveview_warp::{FrameGate, Options};
/// use std::sync::Arc;
/// use std::time::Duration;
/// // Every client event reaches its view 200 ms late.
/// let gate: FrameGate = Arc::new(|frame: &str| {
///     frame.contains(r#","event","#).then(|| {
///         Box::pin(tokio::time::sleep(Duration::from_millis(200))) as liveview_warp::HeldFrame
///     })
/// });
/// let opts = Options { frame_gate: Some(gate), ..Options::default() };
/// # let _ = opts;
/// ```
pub type FrameGate = Arc<dyn Fn(&str) -> Option<HeldFrame> + Send + Sync>;

/// What a [`FrameGate`] holds a frame with.
pub type HeldFrame = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Extends the client served at `/assets/app.js` with the app's own ES module,
/// the way a Phoenix app's `app.js` passes `hooks`, `uploaders` and `params`
/// to `new LiveSocket(...)`, while the library keeps serving the official
/// client and the boot code.
///
/// With [`ClientOptions::hooks_module`] set, `app.js` does `import * as ext
/// from "<hooks_module>"` and builds the `LiveSocket` options from the
/// module's exports (each optional):
///
/// | export | becomes |
/// | --- | --- |
/// | `hooks` | `hooks` (`phx-hook="Name"`) |
/// | `uploaders` | `uploaders` (external uploads) |
/// | `params` | connect params: an object, or a function of the view's element; sent with every join and in the WebSocket's query, next to `_csrf_token`; `mount` reads them in `Mount::connect_params` |
/// | `liveSocketOptions` | any other `LiveSocket` option (`bindingPrefix`, `dom`, `metadata`, …); its `hooks` and `uploaders` are merged under the exports above |
///
/// The module is the app's to serve (a route of your own, or a CDN), at a
/// path the browser can import: absolute like `/static/hooks.js`, or a full
/// URL. It is imported before the socket is built; `window.liveSocket` is
/// there once it is.
///
/// ```
/// use liveview_warp::{ClientOptions, Options};
/// let opts = Options {
///     client: ClientOptions { hooks_module: Some("/static/hooks.js".into()) },
///     ..Options::default()
/// };
/// // /static/hooks.js, served by the app:
/// //   export const hooks = { Clock: { mounted() { this.el.textContent = new Date().toString(); } } };
/// //   export const params = () => ({ tz: Intl.DateTimeFormat().resolvedOptions().timeZone });
/// let js = liveview_warp::assets::app_js(opts.client.hooks_module.as_deref());
/// assert!(String::from_utf8_lossy(&js).contains(r#"import * as ext from "/static/hooks.js";"#));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// The URL of the app's module whose exports extend the `LiveSocket`
    /// options (see [`ClientOptions`]). `None` (the default) serves the
    /// official client as it comes.
    pub hooks_module: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pubsub: Arc::new(InProcess::new()),
            clock: Clock::new(),
            allowed_origins: AllowedOrigins::SameHost,
            max_output_bytes: 4 << 20,
            max_input_queue: socket::MAILBOX_CAPACITY,
            metrics: Arc::new(metrics::Metrics::new()),
            metrics_path: None,
            client: ClientOptions::default(),
            tasks: liveview_core::tasks::Tasks::new(),
            frame_gate: None,
            upload_writers: liveview_core::upload::UploadWriters::new(),
            upload_dir: None,
        }
    }
}

/// Which `Origin` header values may open a WebSocket.
///
/// Requests without an `Origin` header (not sent by browsers for WebSockets,
/// so not a cross-site request) are always allowed.
///
/// ```
/// use liveview_warp::AllowedOrigins;
/// let list = AllowedOrigins::List(vec!["https://app.example.com".into()]);
/// assert!(list.allows("https://APP.example.com/", "internal:8080"));
/// assert!(!list.allows("https://evil.test", "internal:8080"));
/// assert!(AllowedOrigins::SameHost.allows("http://127.0.0.1:3000", "127.0.0.1:3000"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// The origin's host\[:port\] must equal the request's `Host` header (default).
    #[default]
    SameHost,
    /// Only these origins (`scheme://host[:port]`, compared without case and
    /// without a trailing `/`).
    List(Vec<String>),
    /// Any origin (no check; only for APIs that do not rely on cookies).
    Any,
}

impl AllowedOrigins {
    /// Whether a WebSocket upgrade with this `Origin` value, sent to this
    /// `Host`, is allowed.
    pub fn allows(&self, origin: &str, host: &str) -> bool {
        match self {
            AllowedOrigins::SameHost => origin_matches(origin, host),
            AllowedOrigins::List(list) => {
                let origin = origin.trim_end_matches('/');
                list.iter()
                    .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
            }
            AllowedOrigins::Any => true,
        }
    }
}

struct Shared {
    app: Arc<App>,
    opts: Options,
    ws_path: String,
    /// `/assets/app.js` when it imports the app's module ([`ClientOptions`]).
    app_js: Option<Vec<u8>>,
    /// How sockets open upload writers.
    uploads: Arc<uploads::Setup>,
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
    routes_of(Shared::new(app, opts))
}

impl Shared {
    fn new(app: Arc<App>, opts: Options) -> Arc<Shared> {
        let live = app.config.live_path.trim_end_matches('/').to_string();
        opts.metrics.count_pubsub(opts.pubsub.clone());
        let app_js = opts
            .client
            .hooks_module
            .as_deref()
            .map(|m| assets::app_js(Some(m)).into_owned());
        let uploads = uploads::Setup::of(&opts);
        Arc::new(Shared {
            app,
            opts,
            ws_path: format!("{live}/websocket"),
            app_js,
            uploads,
        })
    }
}

/// [`routes`] over an already built [`Shared`] (the server shares it with its own upgrade path).
fn routes_of(
    shared: Arc<Shared>,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let with = {
        let shared = shared.clone();
        warp::any().map(move || shared.clone())
    };
    let get_or_head = warp::get().or(warp::head()).unify();
    let raw_query = warp::query::raw().or(warp::any().map(String::new)).unify();

    let assets = get_or_head
        .and(warp::path::full())
        .and(warp::header::optional::<String>("if-none-match"))
        .and(with.clone())
        .and_then(
            |path: warp::path::FullPath, inm: Option<String>, shared: Arc<Shared>| async move {
                match assets::find(path.as_str()) {
                    Some(a) => {
                        let body = match &shared.app_js {
                            Some(app_js) if a.path == assets::APP_JS_PATH => app_js,
                            _ => a.body,
                        };
                        Ok(asset_reply(a, body, inm.as_deref()))
                    }
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
        .and(warp::addr::remote())
        .map(
            |shared: Arc<Shared>,
             ws: warp::ws::Ws,
             query: String,
             cookie: Option<String>,
             origin: Option<String>,
             host: Option<String>,
             peer: Option<std::net::SocketAddr>| {
                upgrade(shared, ws, query, cookie, origin, host, peer)
            },
        );

    let pages = get_or_head
        .and(warp::path::full())
        .and(raw_query)
        .and(warp::header::headers_cloned())
        .and(with.clone())
        .and_then(
            |path: warp::path::FullPath,
             query: String,
             headers: warp::http::HeaderMap,
             shared: Arc<Shared>| async move {
                let url = if query.is_empty() {
                    path.as_str().to_string()
                } else {
                    format!("{}?{query}", path.as_str())
                };
                let now = shared.opts.clock.now();
                let resp = server::dead_render(&shared.app, now, &url, &headers);
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
    peer: Option<std::net::SocketAddr>,
) -> Response {
    let connect = match check_upgrade(&shared, query, cookie, origin, host.as_deref()) {
        Ok(c) => c,
        Err(refused) => return refused.into_response(),
    };
    let max = frame_limit(&shared.app.config);
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |ws| {
            socket::run(
                socket::Transport::Warp(Box::new(ws)),
                &shared,
                connect,
                peer,
            )
        })
        .into_response()
}

/// The largest message the WebSocket layer accepts: the app's frame limit
/// (the machine then answers with its own close code for frames above it).
fn frame_limit(config: &Config) -> usize {
    config.max_frame_bytes.max(1024)
}

/// A refused WebSocket upgrade: the status and the text to answer with.
#[derive(Debug)]
struct Refusal(StatusCode, String);

impl Refusal {
    fn into_response(self) -> Response {
        text_reply(self.0, self.1)
    }
}

/// The checks every WebSocket upgrade passes, whichever path serves it: a
/// `vsn` ~> 2.0 and an allowed `Origin`. `Err` is the refusal to send.
/// (CSRF and session tokens are checked by the machine at join.)
fn check_upgrade(
    shared: &Shared,
    query: String,
    cookie: Option<String>,
    origin: Option<String>,
    host: Option<&str>,
) -> Result<ConnectInfo, Refusal> {
    if let Err(why) = liveview_core::protocol::frame::check_vsn(&query) {
        tracing::info!(reason = why.as_str(), "refused a websocket upgrade");
        return Err(Refusal(StatusCode::BAD_REQUEST, why));
    }
    if let Some(origin) = &origin {
        let host = host.unwrap_or("");
        if !shared.opts.allowed_origins.allows(origin, host) {
            tracing::info!(
                origin = origin.as_str(),
                host,
                "refused a websocket upgrade: origin not allowed"
            );
            return Err(Refusal(StatusCode::FORBIDDEN, "origin not allowed".into()));
        }
    }
    Ok(ConnectInfo {
        query,
        cookie,
        origin,
    })
}

/// Whether the `Origin` header's host[:port] equals the `Host` header.
fn origin_matches(origin: &str, host: &str) -> bool {
    let authority = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    authority.eq_ignore_ascii_case(host)
}

/// `body` served as the asset `a` (its own body, or a generated `app.js`).
fn asset_reply(a: &'static assets::Asset, body: &[u8], if_none_match: Option<&str>) -> Response {
    let tag = assets::etag(body);
    let not_modified =
        if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut resp = if not_modified {
        let mut r = Response::new(Vec::new().into());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(body.to_vec().into());
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
            _ => tracing::warn!(header = name.as_str(), "dropped an invalid response header"),
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_compared_with_host() {
        assert!(origin_matches("http://127.0.0.1:3000", "127.0.0.1:3000"));
        assert!(origin_matches("https://Example.com/", "example.com"));
        assert!(!origin_matches("http://evil.test", "127.0.0.1:3000"));
        assert!(!origin_matches("http://127.0.0.1:3001", "127.0.0.1:3000"));
    }

    #[test]
    fn allowed_origins() {
        let same = AllowedOrigins::SameHost;
        assert!(same.allows("http://127.0.0.1:3000", "127.0.0.1:3000"));
        assert!(!same.allows("http://evil.test", "127.0.0.1:3000"));
        assert!(
            !same.allows("http://127.0.0.1:3000", ""),
            "no Host, no match"
        );

        let list = AllowedOrigins::List(vec![
            "https://app.example.com".into(),
            "http://localhost:4000/".into(),
        ]);
        assert!(list.allows("https://app.example.com", "10.0.0.1:8080"));
        assert!(list.allows("HTTPS://App.Example.com/", "10.0.0.1:8080"));
        assert!(list.allows("http://localhost:4000", "whatever"));
        assert!(
            !list.allows("http://app.example.com", "10.0.0.1:8080"),
            "scheme counts"
        );
        assert!(
            !list.allows("https://app.example.com:444", "x"),
            "port counts"
        );
        assert!(!list.allows("https://evil.example.com", "app.example.com"));
        assert!(
            !list.allows("http://127.0.0.1:3000", "127.0.0.1:3000"),
            "a list does not include the same host implicitly"
        );
        assert!(!AllowedOrigins::List(vec![]).allows("http://a", "a"));

        assert!(AllowedOrigins::Any.allows("http://evil.test", "127.0.0.1:3000"));
        assert_eq!(AllowedOrigins::default(), AllowedOrigins::SameHost);
    }

    fn shared(allowed_origins: AllowedOrigins) -> Arc<Shared> {
        let app = App::new(
            liveview_core::protocol::Router::new(),
            Config::new(vec![7; 32]).unwrap(),
        );
        Shared::new(
            Arc::new(app),
            Options {
                allowed_origins,
                ..Options::default()
            },
        )
    }

    #[test]
    fn upgrade_checks_vsn_then_origin() {
        let s = shared(AllowedOrigins::List(vec!["https://ok.test".into()]));
        let q = || "vsn=2.0.0&_csrf_token=x".to_string();
        let ok = check_upgrade(&s, q(), None, Some("https://ok.test".into()), Some("h")).unwrap();
        assert_eq!(ok.origin.as_deref(), Some("https://ok.test"));
        assert_eq!(ok.query, q());
        let bad = check_upgrade(&s, q(), None, Some("https://no.test".into()), Some("h"));
        assert_eq!(bad.unwrap_err().0, StatusCode::FORBIDDEN);
        let no_origin = check_upgrade(&s, q(), Some("c=1".into()), None, Some("h")).unwrap();
        assert_eq!(no_origin.cookie.as_deref(), Some("c=1"));
        let vsn = check_upgrade(&s, "vsn=1.0.0".into(), None, None, Some("h"));
        assert_eq!(vsn.unwrap_err().0, StatusCode::BAD_REQUEST);
    }
}
