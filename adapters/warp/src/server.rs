//! Running an app on its own: configuration, entropy, the dead render call.

use crate::{Options, Shared};
use futures_util::future::Either;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use liveview_core::protocol::{App, HttpResponse, PageRequest};
use liveview_core::Time;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpStream;
use tungstenite::handshake::derive_accept_key;
use warp::filters::BoxedFilter;
use warp::http::header::{
    HeaderName, CONNECTION, COOKIE, HOST, ORIGIN, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_VERSION, UPGRADE,
};
use warp::http::{HeaderValue, Method, Request, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

/// Server settings, from variables such as the environment's ([`ServerConfig::from_vars`]).
#[derive(Clone)]
pub struct ServerConfig {
    /// The token-signing secret: `LIVEVIEW_SECRET` (at least 32 bytes; required).
    pub secret: Vec<u8>,
    /// Where to listen: `HOST` (default `127.0.0.1`) and `PORT`.
    pub addr: SocketAddr,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("secret", &"<redacted>")
            .field("addr", &self.addr)
            .finish()
    }
}

impl ServerConfig {
    /// Reads `LIVEVIEW_SECRET`, `HOST` and `PORT` (`default_port` when unset)
    /// through `var`; a binary passes the environment (the library reads none):
    ///
    /// The secret is required: the library never makes one up, since pages
    /// signed with a secret that changes at every start stop joining after
    /// a restart (a binary may make one up for local use, and say so).
    ///
    /// ```
    /// let vars = |k: &str| (k == "LIVEVIEW_SECRET").then(|| "s".repeat(48));
    /// let c = liveview_warp::ServerConfig::from_vars(3000, vars).unwrap();
    /// assert_eq!((c.secret.len(), c.addr.port()), (48, 3000));
    /// let missing = liveview_warp::ServerConfig::from_vars(3000, |_| None).unwrap_err();
    /// assert!(missing.starts_with("LIVEVIEW_SECRET is not set"));
    /// ```
    pub fn from_vars(
        default_port: u16,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<ServerConfig, String> {
        let secret = match var("LIVEVIEW_SECRET") {
            Some(s) if s.len() >= 32 => s.into_bytes(),
            Some(_) => return Err("LIVEVIEW_SECRET must be at least 32 bytes long".into()),
            None => return Err(
                "LIVEVIEW_SECRET is not set: give the token-signing secret, at least 32 bytes (e.g. `openssl rand -base64 48`)".into(),
            ),
        };
        let host: IpAddr = match var("HOST") {
            Some(h) => h
                .parse()
                .map_err(|e| format!("HOST={h:?} is not an IP address: {e}"))?,
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        let port: u16 = match var("PORT") {
            Some(p) => p
                .parse()
                .map_err(|e| format!("PORT={p:?} is not a port number: {e}"))?,
            None => default_port,
        };
        Ok(ServerConfig {
            secret,
            addr: SocketAddr::new(host, port),
        })
    }
}

/// Fills `buf` with random bytes from the operating system.
///
/// # Panics
/// If the operating system has no randomness to give (a broken platform):
/// tokens and ids must never be predictable.
pub fn entropy(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

/// The dead render of `url` with fresh entropy.
/// The request's headers reach the routes' live session functions; the
/// `Cookie` header also carries the CSRF and flash cookies.
pub(crate) fn dead_render(
    app: &App,
    now: Time,
    url: &str,
    headers: &warp::http::HeaderMap,
) -> HttpResponse {
    let mut seed = [0u8; 16];
    entropy(&mut seed);
    let cookie = headers
        .get_all(warp::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ");
    let pairs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let request = PageRequest {
        url,
        cookie: (!cookie.is_empty()).then_some(cookie.as_str()),
        session: Default::default(),
        headers: &pairs,
    };
    app.render_request(now, &request, seed)
}

/// Binds `addr` and serves `app` with [`crate::routes`] until the process ends.
///
/// Logs the address it listens on (an `info` event). Accepted connections
/// get `TCP_NODELAY`: a reply followed shortly by a push (a search result, a
/// chat message) must not wait for the client's delayed ACK. To serve routes
/// of your own next to the app's with the same server, see [`serve_with`].
pub async fn serve(app: Arc<App>, addr: SocketAddr, opts: Options) -> std::io::Result<()> {
    serve_listener(bind(addr).await?, app, opts).await;
    Ok(())
}

/// Serves `app` on an already bound listener, forever (see [`serve`]).
///
/// WebSocket upgrades at `<live_path>/websocket` are handled here rather than
/// by warp's filter (same checks, see [`crate::Options`]), and the socket
/// then runs on this crate's WebSocket codec on the TCP stream itself, which
/// keeps no buffer between frames: an idle socket costs about 2 KiB instead
/// of the 128 KiB read buffer warp's default configuration allocates.
/// Connections speak HTTP/1.1 (browsers use HTTP/2 only over TLS).
pub async fn serve_listener(listener: tokio::net::TcpListener, app: Arc<App>, opts: Options) {
    let shared = Shared::new(app, opts);
    accept_loop(listener, shared.clone(), crate::routes_of(shared)).await
}

/// The app's routes as [`serve_with`] hands them to its `build` closure:
/// [`crate::routes`], boxed.
pub type BoxedRoutes = BoxedFilter<(Response,)>;

/// Binds `addr` and serves your own warp filter, built around the app's
/// routes by `build`, with the server of [`serve`]: `TCP_NODELAY`, HTTP/1.1,
/// and WebSockets at `<live_path>/websocket` on this crate's lean codec.
///
/// `build` gets the same filter as [`crate::routes`] and returns the filter
/// to serve, e.g. `|routes| api.or(routes)`. The WebSocket upgrade at
/// `<live_path>/websocket` is answered before that filter sees the request;
/// every other request goes through it.
///
/// ```no_run
/// # async fn run(app: std::sync::Arc<liveview_core::protocol::App>) -> std::io::Result<()> {
/// use warp::Filter;
/// let api = warp::path!("api" / "health").map(|| "ok");
/// let addr = ([127, 0, 0, 1], 3000).into();
/// liveview_warp::serve_with(app, addr, Default::default(), |routes| api.or(routes)).await
/// # }
/// ```
pub async fn serve_with<F>(
    app: Arc<App>,
    addr: SocketAddr,
    opts: Options,
    build: impl FnOnce(BoxedRoutes) -> F,
) -> std::io::Result<()>
where
    F: Filter + Clone + Send + Sync + 'static,
    F::Extract: Reply + Send,
    F::Error: Into<Rejection>,
{
    serve_listener_with(bind(addr).await?, app, opts, build).await;
    Ok(())
}

/// [`serve_with`] on an already bound listener, forever.
pub async fn serve_listener_with<F>(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    opts: Options,
    build: impl FnOnce(BoxedRoutes) -> F,
) where
    F: Filter + Clone + Send + Sync + 'static,
    F::Extract: Reply + Send,
    F::Error: Into<Rejection>,
{
    let shared = Shared::new(app, opts);
    let routes = crate::routes_of(shared.clone())
        .map(Reply::into_response)
        .boxed();
    accept_loop(listener, shared, build(routes).boxed()).await
}

/// Binds `addr` and logs where it listens.
async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tracing::info!(pid = std::process::id(), "listening on http://{local}");
    Ok(listener)
}

/// Accepts connections forever and serves each with `filter`, except the
/// WebSocket upgrades of `shared`'s live path, which [`upgrade`] answers.
async fn accept_loop<F>(listener: tokio::net::TcpListener, shared: Arc<Shared>, filter: F)
where
    F: Filter<Error = Rejection> + Clone + Send + Sync + 'static,
    F::Extract: Reply,
{
    let warp_service = TowerToHyperService::new(warp::service(filter));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // e.g. out of file descriptors: back off instead of spinning
                tracing::error!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let warp_service = warp_service.clone();
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            if is_websocket_upgrade(&req, &shared.ws_path) {
                Either::Left(std::future::ready(Ok::<_, Infallible>(upgrade(
                    &shared, req, peer,
                ))))
            } else {
                Either::Right(hyper::service::Service::call(&warp_service, req))
            }
        });
        tokio::spawn(async move {
            let io = TokioIo::new(stream);
            // HTTP/1.1 only (browsers speak HTTP/2 only over TLS), so that
            // an upgraded connection gives its TCP stream back (see `upgrade`).
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(io, service)
                .with_upgrades();
            if let Err(e) = connection.await {
                tracing::info!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
}

/// Whether `req` asks for the app's WebSocket (`GET <ws_path>` with `Upgrade: websocket`).
fn is_websocket_upgrade<B>(req: &Request<B>, ws_path: &str) -> bool {
    req.method() == Method::GET
        && req.uri().path() == ws_path
        && req
            .headers()
            .get(UPGRADE)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// Answers a WebSocket upgrade (RFC 6455 handshake) from `peer` and spawns its socket task.
fn upgrade(shared: &Arc<Shared>, mut req: Request<Incoming>, peer: SocketAddr) -> Response {
    let headers = req.headers();
    let text = |name: HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let connection_upgrade = headers.get_all(CONNECTION).iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
        })
    });
    if !connection_upgrade {
        return crate::text_reply(
            StatusCode::BAD_REQUEST,
            "a websocket upgrade needs `Connection: upgrade`".into(),
        );
    }
    if headers.get(SEC_WEBSOCKET_VERSION).map(|v| v.as_bytes()) != Some(b"13") {
        return crate::text_reply(
            StatusCode::BAD_REQUEST,
            "unsupported websocket version (this server speaks 13)".into(),
        );
    }
    let Some(key) = headers.get(SEC_WEBSOCKET_KEY) else {
        return crate::text_reply(StatusCode::BAD_REQUEST, "missing Sec-WebSocket-Key".into());
    };
    let accept = derive_accept_key(key.as_bytes());
    let query = req.uri().query().unwrap_or("").to_owned();
    let connect = match crate::check_upgrade(
        shared,
        query,
        text(COOKIE),
        text(ORIGIN),
        text(HOST).as_deref(),
    ) {
        Ok(c) => c,
        Err(refused) => return refused.into_response(),
    };
    let Ok(accept) = HeaderValue::from_str(&accept) else {
        return crate::text_reply(StatusCode::BAD_REQUEST, "bad Sec-WebSocket-Key".into());
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    let shared = shared.clone();
    tokio::spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::info!(%peer, error = %e, "websocket upgrade failed");
                return;
            }
        };
        // Our own codec on the TCP stream itself (see `crate::websocket`).
        let parts = match upgraded.downcast::<TokioIo<TcpStream>>() {
            Ok(parts) => parts,
            Err(_) => {
                tracing::warn!(%peer, "websocket upgrade: the connection is not a TCP stream");
                return;
            }
        };
        let max = crate::frame_limit(&shared.app.config);
        let ws = crate::websocket::WebSocket::new(parts.io.into_inner(), &parts.read_buf, max);
        drop(parts.read_buf);
        crate::socket::run(
            crate::socket::Transport::Own(ws),
            &shared,
            connect,
            Some(peer),
        )
        .await;
    });
    let mut resp = Response::new(Vec::new().into());
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(SEC_WEBSOCKET_ACCEPT, accept);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_from_vars() {
        let secret_only = |k: &str| (k == "LIVEVIEW_SECRET").then(|| "y".repeat(32));
        let c = ServerConfig::from_vars(3000, secret_only).unwrap();
        assert_eq!(c.addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(c.secret, "y".repeat(32).into_bytes());
        let missing = ServerConfig::from_vars(3000, |_| None).unwrap_err();
        assert!(missing.contains("LIVEVIEW_SECRET is not set"), "{missing}");

        let vars = |k: &str| match k {
            "HOST" => Some("0.0.0.0".to_string()),
            "PORT" => Some("4100".to_string()),
            "LIVEVIEW_SECRET" => Some("x".repeat(40)),
            _ => None,
        };
        let e = ServerConfig::from_vars(3000, vars).unwrap();
        assert_eq!(e.addr, "0.0.0.0:4100".parse().unwrap());
        assert_eq!(e.secret, "x".repeat(40).into_bytes());
        assert!(!format!("{e:?}").contains("xxxx"));
    }

    #[test]
    fn bad_config_is_a_clear_error() {
        let short =
            ServerConfig::from_vars(1, |k| (k == "LIVEVIEW_SECRET").then(|| "short".to_string()));
        assert!(short.unwrap_err().contains("32 bytes"));
        let with = |name: &'static str, value: &'static str| {
            move |k: &str| match k {
                "LIVEVIEW_SECRET" => Some("z".repeat(32)),
                k if k == name => Some(value.to_string()),
                _ => None,
            }
        };
        let port = ServerConfig::from_vars(1, with("PORT", "http"));
        assert!(port.unwrap_err().contains("PORT"));
        let host = ServerConfig::from_vars(1, with("HOST", "localhost:1"));
        assert!(host.unwrap_err().contains("HOST"));
    }
}
