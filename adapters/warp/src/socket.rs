//! One WebSocket: a tokio task that owns a [`SocketMachine`].
//!
//! Both ways a socket can arrive, the server's own upgrade path
//! ([`Transport::Own`], small buffers) and warp's `ws()` filter when
//! [`routes`](crate::routes) is mounted in another server
//! ([`Transport::Warp`]), run the same loop.
//!
//! The task runs in a `socket` span (`id`, `peer`); what it logs about one
//! view's frame (an error reply, `phx_error`, `phx_close`) is in a `view`
//! span (`topic`).

use crate::clock::Clock;
use crate::metrics::SocketGauge;
use crate::pubsub::{Delivery, PubSub, SocketMailbox, SubscriberId};
use crate::tasks::{Done, RunningTasks};
use crate::uploads::{Report, RunningUploads, Setup as UploadSetup, CLEANUP_TIMEOUT};
use crate::websocket::{Incoming, Outgoing, WebSocket, WsError};
use futures_util::{Sink, SinkExt, Stream};
use liveview_core::protocol::{ConnectInfo, SocketMachine, SocketOutput};
use liveview_core::tasks::Tasks;
use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

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

/// The WebSocket under one socket task.
pub(crate) enum Transport {
    /// Upgraded by the server's own accept loop: our codec on the TCP stream.
    Own(WebSocket),
    /// Upgraded by warp's `ws()` filter (boxed: it is much larger).
    Warp(Box<warp::ws::WebSocket>),
}

impl Transport {
    /// The next message from the client; `None` when the connection ended.
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Incoming, WsError>>> {
        match self {
            Transport::Own(ws) => ws.poll_next(cx),
            Transport::Warp(ws) => loop {
                let m = match Pin::new(&mut **ws).poll_next(cx) {
                    Poll::Ready(Some(Ok(m))) => m,
                    Poll::Ready(Some(Err(e))) => {
                        return Poll::Ready(Some(Err(WsError::Io(std::io::Error::other(e)))))
                    }
                    Poll::Ready(None) => return Poll::Ready(None),
                    Poll::Pending => return Poll::Pending,
                };
                // warp answers pings itself.
                if let Some(m) = from_warp(m) {
                    return Poll::Ready(Some(Ok(m)));
                }
            },
        }
    }
}

/// `None` for a ping or pong.
fn from_warp(m: warp::ws::Message) -> Option<Incoming> {
    if m.is_text() {
        let text = m.to_str().unwrap_or_default().to_owned();
        Some(Incoming::Text(text))
    } else if m.is_close() {
        Some(Incoming::Close(m.close_frame().map(|(code, _)| code)))
    } else if m.is_binary() {
        Some(Incoming::Binary(m.into_bytes().to_vec()))
    } else {
        None
    }
}

fn to_warp(m: &Outgoing) -> warp::ws::Message {
    match m {
        Outgoing::Text(t) => warp::ws::Message::text(t.as_str()),
        Outgoing::Pong(p) => warp::ws::Message::pong(p.clone()),
        Outgoing::Close(_) => match m.close_parts() {
            Some((code, reason)) => warp::ws::Message::close_with(code, reason.to_owned()),
            None => warp::ws::Message::close(),
        },
    }
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
    queue: VecDeque<Outgoing>,
    /// Bytes in `queue` not written yet (headers included).
    queued: usize,
    /// Bytes handed to warp's WebSocket since its last completed flush.
    unflushed: usize,
    /// Whether something was handed to warp's WebSocket since its last flush.
    dirty: bool,
    /// When the last frame went out (or the outbox was last empty).
    progress: Option<Instant>,
}

impl Outbox {
    fn push(&mut self, m: Outgoing) {
        if self.queue.is_empty() && !self.dirty {
            self.progress = Some(Instant::now());
        }
        self.queued += m.wire_len();
        self.queue.push_back(m);
    }

    /// Drops every frame not started yet (a frame partly written stays, so
    /// the stream stays well-formed): the socket is about to close.
    fn discard(&mut self, ws: &Transport) {
        let keep = match ws {
            Transport::Own(w) if w.written() > 0 => 1,
            _ => 0,
        };
        while self.queue.len() > keep {
            if let Some(m) = self.queue.pop_back() {
                self.queued -= m.wire_len();
            }
        }
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
    fn poll_write(&mut self, ws: &mut Transport, cx: &mut Context<'_>) -> std::io::Result<()> {
        match ws {
            Transport::Own(w) => {
                if !self.queue.is_empty() {
                    if let Poll::Ready(wrote) = w.poll_write(cx, &mut self.queue) {
                        let wrote = wrote?;
                        self.queued -= wrote;
                        if wrote > 0 {
                            self.progress = Some(Instant::now());
                        }
                    }
                }
                self.release();
                Ok(())
            }
            Transport::Warp(w) => self.poll_write_warp(w, cx).map_err(std::io::Error::other),
        }
    }

    /// An idle socket keeps no queue storage (it would otherwise hold the
    /// largest burst's capacity for its whole life).
    fn release(&mut self) {
        if self.queue.is_empty() && self.queue.capacity() > 0 {
            self.queue = VecDeque::new();
        }
    }

    fn poll_write_warp(
        &mut self,
        ws: &mut warp::ws::WebSocket,
        cx: &mut Context<'_>,
    ) -> Result<(), warp::Error> {
        loop {
            if self.queue.is_empty() {
                self.release();
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
            let len = m.wire_len();
            self.queued -= len;
            Pin::new(&mut *ws).start_send(to_warp(&m))?;
            self.unflushed += len;
            self.dirty = true;
            self.progress = Some(Instant::now());
        }
    }

    /// Writes everything (for the end of a socket), then ends the stream,
    /// within `limit`.
    async fn finish(&mut self, ws: &mut Transport, limit: std::time::Duration) {
        let all = async {
            match ws {
                Transport::Own(w) => {
                    while !self.queue.is_empty() {
                        let wrote =
                            std::future::poll_fn(|cx| w.poll_write(cx, &mut self.queue)).await?;
                        self.queued -= wrote;
                    }
                    w.shutdown().await;
                }
                Transport::Warp(w) => {
                    while let Some(m) = self.queue.pop_front() {
                        self.queued -= m.wire_len();
                        w.feed(to_warp(&m)).await.map_err(std::io::Error::other)?;
                    }
                    w.flush().await.map_err(std::io::Error::other)?;
                    self.dirty = false;
                    self.unflushed = 0;
                    w.close().await.map_err(std::io::Error::other)?;
                }
            }
            Ok::<(), std::io::Error>(())
        };
        let _ = tokio::time::timeout(limit, all).await;
    }
}

/// What the socket's I/O produced.
enum Io {
    Frame(Incoming),
    Ended,
    Failed(WsError),
}

/// Drives writes and reads the next frame.
fn poll_io(ws: &mut Transport, out: &mut Outbox, cx: &mut Context<'_>) -> Poll<Io> {
    if let Err(e) = out.poll_write(ws, cx) {
        return Poll::Ready(Io::Failed(WsError::Io(e)));
    }
    match ws.poll_next(cx) {
        Poll::Ready(Some(Ok(m))) => Poll::Ready(Io::Frame(m)),
        Poll::Ready(Some(Err(e))) => Poll::Ready(Io::Failed(e)),
        Poll::Ready(None) => Poll::Ready(Io::Ended),
        Poll::Pending => Poll::Pending,
    }
}

/// How a socket ends.
enum End {
    /// The connection ended or broke: nothing more to send.
    Gone,
    /// The client sent a close frame (with this code): answer it.
    ClientClosed(Option<u16>),
    /// The machine closed it; its close frame is queued.
    Closed,
    /// A limit was exceeded: close with 1008 and this reason.
    Limit(&'static str),
    /// The machine panicked: close with 1011.
    Internal,
    /// The client broke the WebSocket protocol (1002), sent text that is
    /// not UTF-8 (1007) or a frame over the limit (1009): close with this
    /// code and reason.
    Refused(u16, &'static str),
}

/// The pub/sub side of a socket, created at its first subscription.
struct Subscriptions {
    /// The socket's id.
    id: SubscriberId,
    mailbox: Arc<SocketMailbox>,
    deliveries: mpsc::Receiver<Delivery>,
    topics: Vec<String>,
}

/// Runs one socket until either side closes it.
///
/// The loop ([`Socket::poll_run`]): wait for the next input, whichever comes
/// first of a due deadline (the machine's, or the client's
/// [`SEND_TIMEOUT`]), a task's outcome, an upload writer's result, a pub/sub
/// delivery, or a frame from the client (queued frames are written
/// meanwhile); feed it to the machine; queue what `poll_output` produced
/// (frames to write, subscriptions and broadcasts to `pubsub`, tasks to
/// start, upload operations for their writers' tasks, `Close` ends the
/// socket). After [`INPUT_BUDGET`] inputs in a row the task yields. When the
/// socket ends for any reason the machine's `close(now)` runs so that every
/// view stops and unsubscribes, and the task ends only once its uploads'
/// writers have removed what is no longer wanted ([`crate::uploads`]).
///
/// The state lives in one [`Socket`] moved into a small future: an idle
/// socket costs its state, not a compiler-laid-out copy of every await point.
///
/// The task runs in a `socket` span whose `id` is also the socket's pub/sub
/// [`SubscriberId`]; `peer` is the client's address when known.
pub(crate) fn run(
    ws: Transport,
    shared: &crate::Shared,
    connect: ConnectInfo,
    peer: Option<SocketAddr>,
) -> impl Future<Output = ()> + Send {
    let id = SubscriberId::fresh();
    let span = tracing::info_span!(
        "socket",
        id = id.0,
        peer = peer.map(tracing::field::display)
    );
    let opts = &shared.opts;
    let clock = opts.clock;
    let machine = span.in_scope(|| {
        tracing::debug!("socket open");
        guard(|| SocketMachine::new(shared.app.clone(), clock.now(), connect))
    });
    drive(Box::pin(Socket {
        id,
        ws,
        out: Outbox::default(),
        subs: None,
        machine,
        sleep: tokio::time::sleep_until(Instant::now()),
        wake_at: None,
        send_at: None,
        produced: true,
        handled: 0,
        limits: Limits::of(opts),
        pubsub: opts.pubsub.clone(),
        tasks: opts.tasks.clone(),
        running: None,
        upload_setup: shared.uploads.clone(),
        uploads: None,
        clock,
        gauge: opts.metrics.track_socket(),
        gate: opts.frame_gate.clone(),
        held: None,
    }))
    .instrument(span)
}

/// Boxed: an `async fn` keeps a by-value argument twice in its state.
async fn drive(mut s: Pin<Box<Socket>>) {
    let end = if s.machine.is_none() {
        End::Internal
    } else {
        loop {
            match std::future::poll_fn(|cx| s.as_mut().poll_run(cx)).await {
                Step::Yield => tokio::task::yield_now().await,
                Step::End(end) => break end,
            }
        }
    };
    // Rarely reached, so kept out of the task's (per socket, always allocated) state.
    Box::pin(shutdown(end, s)).await;
}

/// What [`Socket::poll_run`] stopped for.
enum Step {
    /// [`INPUT_BUDGET`] inputs were handled in a row: let other tasks run.
    Yield,
    /// The socket ends.
    End(End),
}

/// Everything one socket holds while it runs.
struct Socket {
    /// Its id in the log and in pub/sub.
    id: SubscriberId,
    ws: Transport,
    out: Outbox,
    subs: Option<Box<Subscriptions>>,
    /// `None` if creating it panicked.
    machine: Option<SocketMachine>,
    /// One timer for the socket's life, re-armed at each deadline.
    sleep: tokio::time::Sleep,
    /// When to wake up (the earlier of the machine's deadline and `send_at`).
    wake_at: Option<Instant>,
    /// When the client will have taken no frame for [`SEND_TIMEOUT`].
    send_at: Option<Instant>,
    /// The machine may have output to drain.
    produced: bool,
    /// Inputs handled since the last yield.
    handled: u32,
    limits: Limits,
    pubsub: Arc<dyn PubSub>,
    /// The app's task runners.
    tasks: Tasks,
    /// The views' running tasks, created at the first one.
    running: Option<Box<RunningTasks>>,
    /// How upload writers are opened.
    upload_setup: Arc<UploadSetup>,
    /// The uploads' writers, created at the first upload.
    uploads: Option<Box<RunningUploads>>,
    clock: Clock,
    /// This socket's share of the metrics; dropped (given back) with the socket.
    gauge: SocketGauge,
    /// The app's hold on frames, if any.
    gate: Option<crate::FrameGate>,
    /// A frame the gate holds, and what it waits for: no frame is read
    /// meanwhile.
    held: Option<Box<(String, crate::HeldFrame)>>,
}

impl Socket {
    fn poll_run(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Step> {
        // SAFETY: only `sleep` is structurally pinned; it is never moved out.
        let this = unsafe { self.get_unchecked_mut() };
        let mut sleep = unsafe { Pin::new_unchecked(&mut this.sleep) };
        let Some(machine) = this.machine.as_mut() else {
            return Poll::Ready(Step::End(End::Internal));
        };
        let clock = this.clock;
        loop {
            if this.produced {
                this.produced = false;
                // Queue everything the last input produced.
                match drain(
                    machine,
                    &mut this.out,
                    &*this.pubsub,
                    &mut this.subs,
                    this.id,
                    this.limits,
                    (
                        &this.tasks,
                        &mut this.running,
                        &this.upload_setup,
                        &mut this.uploads,
                    ),
                ) {
                    Ok(None) => {}
                    Ok(Some(end)) => return Poll::Ready(Step::End(end)),
                    Err(()) => return Poll::Ready(Step::End(End::Internal)),
                }
                this.gauge.update(machine.stats());
                if this.out.bytes() > this.limits.max_output_bytes {
                    return Poll::Ready(Step::End(End::Limit(OUTPUT_LIMIT_REASON)));
                }
                let Some(deadline) = guard(|| machine.poll_timeout()) else {
                    return Poll::Ready(Step::End(End::Internal));
                };
                let machine_at = deadline.map(|t| Instant::from_std(clock.instant_of(t)));
                this.send_at = this.out.deadline();
                this.wake_at = match (machine_at, this.send_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                if let Some(t) = this.wake_at {
                    if sleep.deadline() != t {
                        sleep.as_mut().reset(t);
                    }
                }
            }
            if this.handled >= INPUT_BUDGET {
                this.handled = 0;
                return Poll::Ready(Step::Yield);
            }
            // The next input: a due deadline, a task's outcome, a pub/sub
            // delivery, or a frame.
            let event = if this.wake_at.is_some() && sleep.as_mut().poll(cx).is_ready() {
                Event::Deadline
            } else if let Some(Poll::Ready(done)) = this.running.as_mut().map(|r| r.poll_done(cx)) {
                Event::Task(done)
            } else if let Some(Poll::Ready(report)) =
                this.uploads.as_mut().map(|u| u.poll_report(cx))
            {
                Event::Upload(report)
            } else if let Some(Poll::Ready(Some(d))) =
                this.subs.as_mut().map(|s| s.deliveries.poll_recv(cx))
            {
                let waiting = this.subs.as_ref().map_or(0, |s| s.deliveries.len());
                Event::Delivery(d, waiting)
            } else if let Some(mut held) = this.held.take() {
                // A held frame goes first, once its gate opens; until then
                // no other frame is read.
                if held.1.as_mut().poll(cx).is_ready() {
                    Event::Released(held.0)
                } else {
                    this.held = Some(held);
                    // Queued frames are still written.
                    if let Err(e) = this.out.poll_write(&mut this.ws, cx) {
                        tracing::info!(error = %e, "websocket error");
                        return Poll::Ready(Step::End(End::Gone));
                    }
                    return Poll::Pending;
                }
            } else {
                match poll_io(&mut this.ws, &mut this.out, cx) {
                    Poll::Ready(Io::Frame(Incoming::Text(text))) if this.gate.is_some() => {
                        match this.gate.as_ref().and_then(|gate| gate(&text)) {
                            Some(wait) => {
                                this.held = Some(Box::new((text, wait)));
                                continue;
                            }
                            None => Event::Released(text),
                        }
                    }
                    Poll::Ready(io) => Event::Io(io),
                    Poll::Pending => return Poll::Pending,
                }
            };
            this.handled += 1;
            this.produced = true;
            let step = match event {
                Event::Io(Io::Frame(msg)) => on_frame(machine, &mut this.out, &clock, msg),
                Event::Released(text) => {
                    on_frame(machine, &mut this.out, &clock, Incoming::Text(text))
                }
                Event::Io(Io::Ended) => Some(Some(End::Gone)),
                // A protocol violation is logged with its close.
                Event::Io(Io::Failed(e)) => Some(Some(match e.close() {
                    Some((code, reason)) => End::Refused(code, reason),
                    None => {
                        tracing::info!(error = %e, "websocket error");
                        End::Gone
                    }
                })),
                // `waiting` + this one filled the queue: the socket is not keeping up.
                Event::Delivery(_, waiting) if waiting + 1 >= this.limits.max_input_queue => {
                    Some(Some(End::Limit(INPUT_LIMIT_REASON)))
                }
                Event::Delivery((topic, payload), _) => {
                    guard(|| machine.handle_pubsub(clock.now(), &topic, &payload)).map(|_| None)
                }
                Event::Task((id, result)) => {
                    guard(|| machine.handle_async(clock.now(), id, result)).map(|_| None)
                }
                Event::Upload((id, io)) => {
                    guard(|| machine.handle_upload(clock.now(), id, io)).map(|_| None)
                }
                Event::Deadline => {
                    this.wake_at = None;
                    if this.send_at.is_some_and(|t| t <= Instant::now()) {
                        tracing::info!(
                            "dropping the socket: its client took no frame for {SEND_TIMEOUT:?}"
                        );
                        Some(Some(End::Gone))
                    } else {
                        guard(|| machine.handle_timeout(clock.now())).map(|_| None)
                    }
                }
            };
            match step {
                Some(None) => {}
                Some(Some(end)) => return Poll::Ready(Step::End(end)),
                None => return Poll::Ready(Step::End(End::Internal)),
            }
        }
    }
}

/// Ends a socket: stops its views, drops its subscriptions, sends its close frame.
async fn shutdown(end: End, mut s: Pin<Box<Socket>>) {
    // SAFETY: only `sleep` is structurally pinned, and it is not touched here.
    let s = unsafe { s.as_mut().get_unchecked_mut() };
    let Socket {
        ws,
        out,
        subs,
        machine,
        pubsub,
        clock,
        upload_setup,
        uploads,
        ..
    } = s;
    if let End::ClientClosed(code) = end {
        tracing::debug!(code, "closed by the client");
    }
    let close_timeout = match end {
        End::Gone => {
            tracing::debug!("connection ended");
            None
        }
        // Answer the close frame, echoing its code (RFC 6455 §5.5.1); warp's
        // WebSocket answers it itself.
        End::ClientClosed(code) if matches!(ws, Transport::Own(_)) => {
            out.discard(ws);
            out.push(match code {
                Some(code) => Outgoing::close(code, ""),
                None => Outgoing::Close(Vec::new()),
            });
            Some(CLOSE_GRACE)
        }
        End::ClientClosed(_) => None,
        End::Closed => Some(SEND_TIMEOUT),
        End::Limit(reason) => {
            tracing::warn!(
                code = LIMIT_EXCEEDED,
                reason,
                waiting_bytes = out.bytes(),
                "closing the socket"
            );
            out.discard(ws);
            out.push(Outgoing::close(LIMIT_EXCEEDED, reason));
            Some(CLOSE_GRACE)
        }
        End::Refused(code, reason) => {
            tracing::warn!(code, reason, "closing the socket");
            out.discard(ws);
            out.push(Outgoing::close(code, reason));
            Some(CLOSE_GRACE)
        }
        End::Internal => {
            let reason = "internal error";
            tracing::error!(code = INTERNAL_ERROR, reason, "closing the socket");
            out.discard(ws);
            out.push(Outgoing::close(INTERNAL_ERROR, reason));
            Some(SEND_TIMEOUT)
        }
    };
    if let (Some(machine), false) = (machine.as_mut(), matches!(end, End::Internal)) {
        // Stop every view (they unsubscribe and may broadcast a last time).
        // Their uploads end: what was written is removed.
        if guard(|| machine.close(clock.now())).is_some() {
            while let Some(Some(o)) = guard(|| machine.poll_output()) {
                match o {
                    SocketOutput::Broadcast { topic, payload } => pubsub.publish(&topic, &payload),
                    o @ (SocketOutput::UploadClose { .. } | SocketOutput::UploadDiscard { .. }) => {
                        if let Some(u) = uploads.as_mut() {
                            u.carry_out(upload_setup, o);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(s) = subs.take() {
        for topic in &s.topics {
            pubsub.unsubscribe(topic, s.id);
        }
    }
    *machine = None;
    // Every upload's writer finishes (an upload the machine could not
    // end, after a panic, is abandoned by its task) while the close frame
    // goes out; the socket task ends only after them.
    let uploads = async {
        if let Some(u) = uploads.take() {
            u.finish(CLEANUP_TIMEOUT).await;
        }
    };
    let close = async {
        if let Some(limit) = close_timeout {
            out.finish(ws, limit).await;
        }
    };
    tokio::join!(uploads, close);
}

/// One input of the socket.
enum Event {
    Io(Io),
    /// A text frame the gate let through.
    Released(String),
    Delivery(Delivery, usize),
    Task(Done),
    /// An upload writer's result.
    Upload(Report),
    Deadline,
}

/// A frame whose handling takes this long is logged: the views of one
/// socket run one input at a time, so a slow handler delays its siblings.
const SLOW_HANDLER: std::time::Duration = std::time::Duration::from_millis(100);

/// Feeds one frame to the machine: `Some(None)` = go on, `Some(Some(end))` =
/// the socket ends, `None` = the machine panicked.
fn on_frame(
    machine: &mut SocketMachine,
    out: &mut Outbox,
    clock: &Clock,
    msg: Incoming,
) -> Option<Option<End>> {
    match msg {
        Incoming::Text(text) => {
            let started = std::time::Instant::now();
            let done = guard(|| machine.handle_text(clock.now(), &text)).map(|_| None);
            let took = started.elapsed();
            if took >= SLOW_HANDLER {
                // The socket's views wait for each other: slow work belongs in a task.
                tracing::warn!(
                    ms = took.as_millis() as u64,
                    "a view's handler held its socket; move slow work into start_async"
                );
            }
            done
        }
        Incoming::Binary(bytes) => {
            guard(|| machine.handle_binary(clock.now(), &bytes)).map(|_| None)
        }
        Incoming::Ping(payload) => {
            out.push(Outgoing::Pong(payload));
            Some(None)
        }
        Incoming::Close(code) => Some(Some(End::ClientClosed(code))),
    }
}

/// Queues what the machine produced (subscribing as `id`; tasks to start
/// and upload operations go to the last argument's runners). `Ok(Some(_))` =
/// the socket ends, `Err` = the machine panicked.
fn drain(
    machine: &mut SocketMachine,
    out: &mut Outbox,
    pubsub: &dyn PubSub,
    subs: &mut Option<Box<Subscriptions>>,
    id: SubscriberId,
    limits: Limits,
    (tasks, running, upload_setup, uploads): Offload<'_>,
) -> Result<Option<End>, ()> {
    loop {
        let Some(o) = guard(|| machine.poll_output()).ok_or(())? else {
            return Ok(None);
        };
        match o {
            SocketOutput::Send(text) => {
                if let Some((notice, topic)) = notice(&text) {
                    log_notice(notice, topic, &text);
                }
                out.push(Outgoing::Text(text))
            }
            SocketOutput::Subscribe(topic) => {
                let s = subs.get_or_insert_with(|| {
                    let (mailbox, deliveries) = SocketMailbox::channel(limits.max_input_queue);
                    Box::new(Subscriptions {
                        id,
                        mailbox: Arc::new(mailbox),
                        deliveries,
                        topics: Vec::new(),
                    })
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
                // 1000 normal, 1001 going away (e.g. a heartbeat timeout).
                if code <= 1001 {
                    tracing::info!(code, reason, "closing the socket");
                } else {
                    tracing::warn!(code, reason, "closing the socket");
                }
                out.push(Outgoing::close(code, &reason));
                return Ok(Some(End::Closed));
            }
            SocketOutput::Dropped { topic, reason } => {
                tracing::warn!(
                    topic,
                    reason = clip(&reason, 300),
                    "dropped a pub/sub message"
                )
            }
            SocketOutput::StartTask(task) => running
                .get_or_insert_with(|| Box::new(RunningTasks::new()))
                .start(tasks, task),
            SocketOutput::CancelTask { id } => {
                if let Some(r) = running.as_mut() {
                    r.cancel(id);
                }
            }
            o @ SocketOutput::UploadOpen(_) => {
                uploads
                    .get_or_insert_with(|| Box::new(RunningUploads::new()))
                    .carry_out(upload_setup, o);
            }
            o @ (SocketOutput::UploadWrite { .. }
            | SocketOutput::UploadClose { .. }
            | SocketOutput::UploadDiscard { .. }) => {
                if let Some(u) = uploads.as_mut() {
                    u.carry_out(upload_setup, o);
                }
            }
            other => tracing::warn!(output = ?other, "ignored a socket output"),
        }
    }
}

/// Where a socket's work off its own task goes: the app's task runners
/// and the running tasks; how upload writers open and the running uploads.
type Offload<'a> = (
    &'a Tasks,
    &'a mut Option<Box<RunningTasks>>,
    &'a Arc<UploadSetup>,
    &'a mut Option<Box<RunningUploads>>,
);

/// What an outgoing frame tells the client about one view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Notice {
    /// An error reply: its input was refused.
    Refused,
    /// `phx_error`: the view crashed.
    Crashed,
    /// `phx_close`: the view ended.
    Closed,
}

/// The notice in an outgoing frame `[join_ref, ref, topic, event, payload]`,
/// with its topic (JSON-escaped). Only the head is read: the machine writes
/// the event, then the reply's status, first.
fn notice(frame: &str) -> Option<(Notice, &str)> {
    let rest = frame.strip_prefix('[')?;
    let (_, rest) = head_item(rest)?;
    let (_, rest) = head_item(rest)?;
    let (Some(topic), rest) = head_item(rest)? else {
        return None;
    };
    let (Some(event), payload) = head_item(rest)? else {
        return None;
    };
    let notice = match event {
        "phx_reply" if payload.starts_with(r#"{"status":"error""#) => Notice::Refused,
        "phx_error" => Notice::Crashed,
        "phx_close" => Notice::Closed,
        _ => return None,
    };
    Some((notice, topic))
}

/// The leading `null,` or `"string",` of `s`: the string (still escaped), and
/// what follows the comma.
fn head_item(s: &str) -> Option<(Option<&str>, &str)> {
    if let Some(rest) = s.strip_prefix("null,") {
        return Some((None, rest));
    }
    let body = s.strip_prefix('"')?;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some((Some(&body[..i]), body[i + 1..].strip_prefix(',')?)),
            _ => i += 1,
        }
    }
    None
}

/// Logs a [`Notice`] in a `view` span, with the frame's head (which names
/// the topic too, should the span be filtered out).
fn log_notice(notice: Notice, topic: &str, frame: &str) {
    let _view = tracing::info_span!("view", topic).entered();
    let frame = clip(frame, 300);
    match notice {
        Notice::Refused => tracing::warn!(%frame, "error reply"),
        Notice::Crashed => tracing::error!(%frame, "view crashed"),
        Notice::Closed => tracing::debug!("view closed"),
    }
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Runs `f`, turning a panic into `None` (logged). The core already turns a
/// view's panic into `phx_error`; this guards against a bug in the machine
/// itself taking more than its own socket down.
fn guard<T>(f: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(e) => {
            let what = liveview_core::view::panic_message(e.as_ref()).unwrap_or("unknown panic");
            tracing::error!(panic = %what, "socket machine panicked");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{clip, notice, Notice};
    use liveview_core::protocol::frame::{encode_reply, Status};

    #[test]
    fn notices_are_recognised_for_the_log() {
        let err = encode_reply(
            Some("1"),
            Some("2"),
            "lv:phx-a",
            Status::Error,
            r#"{"reason":"unknown event"}"#,
        );
        assert_eq!(notice(&err), Some((Notice::Refused, "lv:phx-a")));
        let ok = encode_reply(Some("1"), Some("2"), "lv:phx-a", Status::Ok, "{}");
        assert_eq!(notice(&ok), None);
        assert_eq!(
            notice(r#"["1","1","lv:phx-a","phx_error",{}]"#),
            Some((Notice::Crashed, "lv:phx-a"))
        );
        assert_eq!(
            notice(r#"["4","4","lv:phx-b","phx_close",{}]"#),
            Some((Notice::Closed, "lv:phx-b"))
        );
        assert_eq!(
            notice(r#"[null,"a\\\"b","lv:phx-c","phx_close",{}]"#),
            Some((Notice::Closed, "lv:phx-c")),
            "escapes in a ref"
        );
        assert_eq!(
            notice(r#"[null,null,"lv:phx-a","diff",{"0":"phx_error"}]"#),
            None,
            "a view's own text is not a notice"
        );
        assert_eq!(notice(r#"["1","#), None);
        assert_eq!(notice(r#"["1\"#), None);
    }

    #[test]
    fn clip_cuts_at_a_character_boundary() {
        assert_eq!(clip("héllo", 2), "h");
        assert_eq!(clip("héllo", 3), "hé");
        assert_eq!(clip("abc", 10), "abc");
    }
}
