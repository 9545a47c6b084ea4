//! One WebSocket: a tokio task that owns a [`SocketMachine`].
//!
//! Both ways a socket can arrive, the server's own upgrade path
//! ([`Transport::Own`], small buffers) and warp's `ws()` filter when
//! [`routes`](crate::routes) is mounted in another server
//! ([`Transport::Warp`]), run the same loop.

use crate::clock::Clock;
use crate::pubsub::{Delivery, PubSub, SubscriberId};
use futures_util::{Sink, SinkExt, Stream};
use hyper_util::rt::TokioIo;
use liveview_core::protocol::{App, ConnectInfo, SocketMachine, SocketOutput};
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Default of [`Options::max_input_queue`](crate::Options): how many pub/sub
/// messages may wait for one socket.
pub const MAILBOX_CAPACITY: usize = 1024;

/// Close code sent when the adapter itself fails (a panic in the machine).
const INTERNAL_ERROR: u16 = 1011;

/// Close code of a socket that exceeded one of its limits (policy violation).
pub const LIMIT_EXCEEDED: u16 = 1008;

/// Close reason: more than `max_output_bytes` waited for a slow reader.
pub const OUTPUT_LIMIT_REASON: &str = "output buffer limit exceeded";

/// Close reason: more than `max_input_queue` pub/sub messages waited.
pub const INPUT_LIMIT_REASON: &str = "input queue limit exceeded";

/// A client that does not take a frame within this time is dropped (it would
/// otherwise hold its socket task, and its views, forever).
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long a socket closed for exceeding a limit waits for its close frame
/// to go out before the connection is dropped.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Inputs handled in a row before the task yields to the scheduler, so one
/// flooding socket cannot hold a worker thread while others wait.
const INPUT_BUDGET: u32 = 32;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The WebSocket under one socket task.
pub(crate) enum Transport {
    /// Upgraded by the server's own accept loop, configured by us.
    Own(WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>),
    /// Upgraded by warp's `ws()` filter.
    Warp(warp::ws::WebSocket),
}

impl Stream for Transport {
    type Item = Result<Message, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.get_mut() {
            Transport::Own(ws) => Pin::new(ws)
                .poll_next(cx)
                .map(|m| m.map(|r| r.map_err(BoxError::from))),
            Transport::Warp(ws) => Pin::new(ws)
                .poll_next(cx)
                .map(|m| m.map(|r| r.map(from_warp).map_err(BoxError::from))),
        }
    }
}

impl Sink<Message> for Transport {
    type Error = BoxError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self.get_mut() {
            Transport::Own(ws) => Pin::new(ws).poll_ready(cx).map_err(BoxError::from),
            Transport::Warp(ws) => Pin::new(ws).poll_ready(cx).map_err(BoxError::from),
        }
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), BoxError> {
        match self.get_mut() {
            Transport::Own(ws) => Pin::new(ws).start_send(item).map_err(BoxError::from),
            Transport::Warp(ws) => match to_warp(item) {
                Some(m) => Pin::new(ws).start_send(m).map_err(BoxError::from),
                None => Ok(()),
            },
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self.get_mut() {
            Transport::Own(ws) => Pin::new(ws).poll_flush(cx).map_err(BoxError::from),
            Transport::Warp(ws) => Pin::new(ws).poll_flush(cx).map_err(BoxError::from),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self.get_mut() {
            Transport::Own(ws) => Pin::new(ws).poll_close(cx).map_err(BoxError::from),
            Transport::Warp(ws) => Pin::new(ws).poll_close(cx).map_err(BoxError::from),
        }
    }
}

fn from_warp(m: warp::ws::Message) -> Message {
    if let Ok(text) = m.to_str() {
        Message::text(text)
    } else if m.is_close() {
        Message::Close(m.close_frame().map(|(code, reason)| CloseFrame {
            code: CloseCode::from(code),
            reason: reason.to_owned().into(),
        }))
    } else if m.is_ping() {
        Message::Ping(m.into_bytes())
    } else if m.is_pong() {
        Message::Pong(m.into_bytes())
    } else {
        Message::Binary(m.into_bytes())
    }
}

/// `None` for a raw frame, which this module never sends.
fn to_warp(m: Message) -> Option<warp::ws::Message> {
    Some(match m {
        Message::Text(t) => warp::ws::Message::text(t.as_str()),
        Message::Binary(b) => warp::ws::Message::binary(b),
        Message::Ping(b) => warp::ws::Message::ping(b),
        Message::Pong(b) => warp::ws::Message::pong(b),
        Message::Close(Some(f)) => {
            warp::ws::Message::close_with(u16::from(f.code), f.reason.as_str().to_owned())
        }
        Message::Close(None) => warp::ws::Message::close(),
        Message::Frame(_) => return None,
    })
}

fn close_message(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.to_owned().into(),
    }))
}

/// The per-socket limits, from [`crate::Options`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub max_output_bytes: usize,
    pub max_input_queue: usize,
}

impl Limits {
    pub(crate) fn of(opts: &crate::Options) -> Limits {
        Limits {
            max_output_bytes: opts.max_output_bytes,
            max_input_queue: opts.max_input_queue.max(1),
        }
    }
}

/// Frames the machine produced that the client has not taken yet.
///
/// The loop keeps handling input while these are written, so a slow reader
/// holds only its own bytes; [`Outbox::bytes`] is what the output limit
/// bounds.
#[derive(Default)]
struct Outbox {
    queue: VecDeque<Message>,
    /// Bytes in `queue`.
    queued: usize,
    /// Bytes handed to the WebSocket since its last completed flush.
    unflushed: usize,
    /// Whether something was handed to the WebSocket since its last flush.
    dirty: bool,
    /// When the last frame went out (or the outbox was last empty).
    progress: Option<Instant>,
}

impl Outbox {
    fn push(&mut self, m: Message) {
        if self.queue.is_empty() && !self.dirty {
            self.progress = Some(Instant::now());
        }
        self.queued += m.len();
        self.queue.push_back(m);
    }

    /// Bytes waiting for the client.
    fn bytes(&self) -> usize {
        self.queued + self.unflushed
    }

    fn pending(&self) -> bool {
        !self.queue.is_empty() || self.dirty
    }

    /// When the client will have failed to take a frame for [`SEND_TIMEOUT`].
    fn deadline(&self) -> Option<Instant> {
        if self.pending() {
            self.progress.map(|t| t + SEND_TIMEOUT)
        } else {
            None
        }
    }

    /// Writes as much as the WebSocket takes now; `Err` when it failed.
    fn poll_write(&mut self, ws: &mut Transport, cx: &mut Context<'_>) -> Result<(), BoxError> {
        loop {
            if self.queue.is_empty() {
                if self.dirty {
                    if let Poll::Ready(r) = Pin::new(&mut *ws).poll_flush(cx) {
                        r?;
                        self.dirty = false;
                        self.unflushed = 0;
                        self.progress = Some(Instant::now());
                    }
                }
                return Ok(());
            }
            match Pin::new(&mut *ws).poll_ready(cx) {
                Poll::Ready(r) => r?,
                Poll::Pending => return Ok(()),
            }
            let Some(m) = self.queue.pop_front() else {
                return Ok(());
            };
            let len = m.len();
            self.queued -= len;
            Pin::new(&mut *ws).start_send(m)?;
            self.unflushed += len;
            self.dirty = true;
            self.progress = Some(Instant::now());
        }
    }

    /// Writes everything (for the end of a socket), within `limit`.
    async fn finish(&mut self, ws: &mut Transport, limit: std::time::Duration) -> bool {
        let all = async {
            while let Some(m) = self.queue.pop_front() {
                self.queued -= m.len();
                ws.feed(m).await?;
            }
            ws.flush().await?;
            self.dirty = false;
            self.unflushed = 0;
            Ok::<(), BoxError>(())
        };
        matches!(tokio::time::timeout(limit, all).await, Ok(Ok(())))
    }
}

/// What the socket's I/O produced.
enum Io {
    Frame(Message),
    Ended,
    Failed(BoxError),
}

/// Drives writes and, unless `read` is false, reads the next frame.
fn poll_io(ws: &mut Transport, out: &mut Outbox, read: bool, cx: &mut Context<'_>) -> Poll<Io> {
    if let Err(e) = out.poll_write(ws, cx) {
        return Poll::Ready(Io::Failed(e));
    }
    if !read {
        return Poll::Pending;
    }
    match Pin::new(ws).poll_next(cx) {
        Poll::Ready(Some(Ok(m))) => Poll::Ready(Io::Frame(m)),
        Poll::Ready(Some(Err(e))) => Poll::Ready(Io::Failed(e)),
        Poll::Ready(None) => Poll::Ready(Io::Ended),
        Poll::Pending => Poll::Pending,
    }
}

/// How a socket ends.
enum End {
    /// The client left or the connection broke: nothing more to send.
    Gone,
    /// The machine closed it; its close frame is queued.
    Closed,
    /// A limit was exceeded: close with 1008 and this reason.
    Limit(&'static str),
    /// The machine panicked: close with 1011.
    Internal,
}

/// The pub/sub side of a socket, created at its first subscription.
struct Subscriptions {
    id: SubscriberId,
    mailbox: mpsc::Sender<Delivery>,
    deliveries: mpsc::Receiver<Delivery>,
    topics: Vec<String>,
}

/// Runs one socket until either side closes it.
///
/// The loop: `select!` over the socket's I/O (writing queued frames, reading
/// the next one), the next pub/sub delivery and the next deadline (the
/// machine's, or the client's [`SEND_TIMEOUT`]); feed the input to the
/// machine; queue what `poll_output` produced (frames to write,
/// subscriptions and broadcasts to `pubsub`, `Close` ends the socket). When
/// the socket ends for any reason the machine's `close(now)` runs so that
/// every view stops and unsubscribes.
pub(crate) async fn run(
    mut ws: Transport,
    app: Arc<App>,
    connect: ConnectInfo,
    limits: Limits,
    pubsub: Arc<dyn PubSub>,
    clock: Clock,
) {
    let mut out = Outbox::default();
    let mut subs: Option<Subscriptions> = None;

    let machine = guard(|| SocketMachine::new(app, clock.now(), connect));
    let Some(mut machine) = machine else {
        out.push(close_message(INTERNAL_ERROR, "internal error"));
        out.finish(&mut ws, SEND_TIMEOUT).await;
        return;
    };

    let mut handled = 0u32;
    let end = loop {
        // Queue everything the last input produced.
        match drain(&mut machine, &mut out, &*pubsub, &mut subs, limits) {
            Ok(None) => {}
            Ok(Some(end)) => break end,
            Err(()) => break End::Internal,
        }
        if out.bytes() > limits.max_output_bytes {
            break End::Limit(OUTPUT_LIMIT_REASON);
        }
        let Some(deadline) = guard(|| machine.poll_timeout()) else {
            break End::Internal;
        };
        let machine_at = deadline.map(|t| Instant::from_std(clock.instant_of(t)));
        let send_at = out.deadline();
        let wake_at = match (machine_at, send_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        handled += 1;
        if handled >= INPUT_BUDGET {
            handled = 0;
            tokio::task::yield_now().await;
        }
        let deliveries = subs.as_mut().map(|s| &mut s.deliveries);
        let step = tokio::select! {
            io = std::future::poll_fn(|cx| poll_io(&mut ws, &mut out, true, cx)) => match io {
                Io::Frame(msg) => on_frame(&mut machine, &clock, msg),
                Io::Ended => Some(Some(End::Gone)),
                Io::Failed(e) => {
                    crate::log::info(format_args!("websocket error: {e}"));
                    Some(Some(End::Gone))
                }
            },
            Some(((topic, payload), waiting)) = recv_opt(deliveries) => {
                // `waiting` + this one filled the queue: the socket is not keeping up.
                if waiting + 1 >= limits.max_input_queue {
                    Some(Some(End::Limit(INPUT_LIMIT_REASON)))
                } else {
                    guard(|| machine.handle_pubsub(clock.now(), &topic, &payload)).map(|_| None)
                }
            }
            _ = sleep_opt(wake_at) => {
                if send_at.is_some_and(|t| t <= Instant::now()) {
                    crate::log::info(format_args!(
                        "dropping a socket whose client took no frame for {SEND_TIMEOUT:?}"
                    ));
                    Some(Some(End::Gone))
                } else {
                    guard(|| machine.handle_timeout(clock.now())).map(|_| None)
                }
            }
        };
        match step {
            Some(None) => {}
            Some(Some(end)) => break end,
            None => break End::Internal,
        }
    };

    let close_timeout = match end {
        End::Gone => None,
        End::Closed => Some(SEND_TIMEOUT),
        End::Limit(reason) => {
            crate::log::warn(format_args!(
                "closing a socket (code {LIMIT_EXCEEDED}): {reason} ({} bytes waiting for the client)",
                out.bytes()
            ));
            out.queue.clear();
            out.queued = 0;
            out.push(close_message(LIMIT_EXCEEDED, reason));
            Some(CLOSE_GRACE)
        }
        End::Internal => {
            out.queue.clear();
            out.queued = 0;
            out.push(close_message(INTERNAL_ERROR, "internal error"));
            Some(SEND_TIMEOUT)
        }
    };
    if !matches!(end, End::Internal) {
        // Stop every view (they unsubscribe and may broadcast a last time).
        if guard(|| machine.close(clock.now())).is_some() {
            while let Some(Some(o)) = guard(|| machine.poll_output()) {
                if let SocketOutput::Broadcast { topic, payload } = o {
                    pubsub.publish(&topic, &payload);
                }
            }
        }
    }
    drop(machine);
    if let Some(s) = subs.take() {
        for topic in &s.topics {
            pubsub.unsubscribe(topic, s.id);
        }
    }
    if let Some(limit) = close_timeout {
        if out.finish(&mut ws, limit).await {
            let _ = tokio::time::timeout(limit, ws.close()).await;
        }
    }
}

/// Feeds one frame to the machine: `Some(None)` = go on, `Some(Some(end))` =
/// the socket ends, `None` = the machine panicked.
fn on_frame(machine: &mut SocketMachine, clock: &Clock, msg: Message) -> Option<Option<End>> {
    match msg {
        Message::Text(text) => {
            guard(|| machine.handle_text(clock.now(), text.as_str())).map(|_| None)
        }
        Message::Binary(bytes) => {
            guard(|| machine.handle_binary(clock.now(), &bytes)).map(|_| None)
        }
        Message::Close(_) => Some(Some(End::Gone)),
        // ping/pong: tungstenite answers pings itself.
        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => Some(None),
    }
}

/// Queues what the machine produced. `Ok(Some(_))` = the socket ends,
/// `Err` = the machine panicked.
fn drain(
    machine: &mut SocketMachine,
    out: &mut Outbox,
    pubsub: &dyn PubSub,
    subs: &mut Option<Subscriptions>,
    limits: Limits,
) -> Result<Option<End>, ()> {
    loop {
        let Some(o) = guard(|| machine.poll_output()).ok_or(())? else {
            return Ok(None);
        };
        match o {
            SocketOutput::Send(text) => out.push(Message::text(text)),
            SocketOutput::Subscribe(topic) => {
                let s = subs.get_or_insert_with(|| {
                    let (mailbox, deliveries) = mpsc::channel(limits.max_input_queue);
                    Subscriptions {
                        id: SubscriberId::fresh(),
                        mailbox,
                        deliveries,
                        topics: Vec::new(),
                    }
                });
                pubsub.subscribe(&topic, s.id, s.mailbox.clone());
                if !s.topics.contains(&topic) {
                    s.topics.push(topic);
                }
            }
            SocketOutput::Unsubscribe(topic) => {
                if let Some(s) = subs.as_mut() {
                    pubsub.unsubscribe(&topic, s.id);
                    s.topics.retain(|t| *t != topic);
                }
            }
            SocketOutput::Broadcast { topic, payload } => pubsub.publish(&topic, &payload),
            SocketOutput::Close { code, reason } => {
                out.push(close_message(code, &reason));
                return Ok(Some(End::Closed));
            }
        }
    }
}

/// The next delivery and how many still wait behind it.
async fn recv_opt(rx: Option<&mut mpsc::Receiver<Delivery>>) -> Option<(Delivery, usize)> {
    match rx {
        Some(rx) => {
            let d = rx.recv().await?;
            Some((d, rx.len()))
        }
        None => std::future::pending().await,
    }
}

async fn sleep_opt(until: Option<Instant>) {
    match until {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Runs `f`, turning a panic into `None` (logged). The core already turns a
/// view's panic into `phx_error`; this guards against a bug in the machine
/// itself taking more than its own socket down.
fn guard<T>(f: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(e) => {
            let what = e
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| e.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            crate::log::warn(format_args!(
                "socket machine panicked, closing the socket: {what}"
            ));
            None
        }
    }
}
