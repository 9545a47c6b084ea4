//! One WebSocket: a tokio task that owns a [`SocketMachine`].

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::pubsub::{Delivery, PubSub, SubscriberId};
use futures_util::{SinkExt, StreamExt};
use liveview_core::protocol::{App, ConnectInfo, SocketMachine, SocketOutput};
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use tokio::sync::mpsc;
use warp::ws::{Message, WebSocket};

/// How many pub/sub messages may wait for one socket before new ones are dropped.
pub const MAILBOX_CAPACITY: usize = 1024;

/// Close code sent when the adapter itself fails (a panic in the machine).
const INTERNAL_ERROR: u16 = 1011;

/// A client that does not take a frame within this time is dropped (it would
/// otherwise hold its socket task, and its views, forever).
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs a sink operation with [`SEND_TIMEOUT`]; `false` if it failed or timed out.
async fn within<F: std::future::Future<Output = Result<(), warp::Error>>>(op: F) -> bool {
    matches!(tokio::time::timeout(SEND_TIMEOUT, op).await, Ok(Ok(())))
}

/// What the run loop should do after applying outputs.
enum Flow {
    Continue,
    Stop,
}

/// Runs one socket until either side closes it.
///
/// The loop: `select!` over the next frame, the next pub/sub delivery and the
/// machine's next deadline; feed the input to the machine; drain
/// `poll_output` (frames are written, subscriptions and broadcasts go to
/// `pubsub`, `Close` ends the socket). When the socket ends for any reason the
/// machine's `close(now)` runs so that every view stops and unsubscribes.
pub(crate) async fn run(
    ws: WebSocket,
    app: Arc<App>,
    connect: ConnectInfo,
    pubsub: Arc<dyn PubSub>,
    clock: Clock,
    metrics: Arc<Metrics>,
) {
    // Counts the socket until this task ends; the views it still holds are subtracted then.
    let mut gauge = metrics.track_socket();
    let id = SubscriberId::fresh();
    let (mailbox, mut deliveries) = mpsc::channel::<Delivery>(MAILBOX_CAPACITY);
    let mut subscribed: HashSet<String> = HashSet::new();
    let (mut sink, mut stream) = ws.split();

    let machine = guard(|| SocketMachine::new(app, clock.now(), connect));
    let Some(mut machine) = machine else {
        let _ = within(sink.send(Message::close_with(INTERNAL_ERROR, "internal error"))).await;
        return;
    };

    let mut healthy = true;
    loop {
        // Drain everything the last input produced.
        match drain(
            &mut machine,
            &mut sink,
            &*pubsub,
            id,
            &mailbox,
            &mut subscribed,
        )
        .await
        {
            Ok(Flow::Continue) => {}
            Ok(Flow::Stop) => break,
            Err(()) => {
                healthy = false;
                break;
            }
        }
        gauge.update(machine.stats());
        let deadline = guard(|| machine.poll_timeout());
        let Some(deadline) = deadline else {
            healthy = false;
            break;
        };
        let sleep_until = deadline.map(|t| tokio::time::Instant::from_std(clock.instant_of(t)));
        let step = tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(msg)) => on_frame(&mut machine, &clock, msg),
                Some(Err(e)) => {
                    crate::log::info(format_args!("websocket read error: {e}"));
                    Some(Flow::Stop)
                }
                None => Some(Flow::Stop),
            },
            Some((topic, payload)) = deliveries.recv() => {
                guard(|| machine.handle_pubsub(clock.now(), &topic, &payload)).map(|_| Flow::Continue)
            }
            _ = sleep_opt(sleep_until) => {
                guard(|| machine.handle_timeout(clock.now())).map(|_| Flow::Continue)
            }
        };
        match step {
            Some(Flow::Continue) => {}
            Some(Flow::Stop) => break,
            None => {
                healthy = false;
                break;
            }
        }
    }

    if healthy {
        // The socket went away (or the machine closed it): stop every view.
        if guard(|| machine.close(clock.now())).is_some() {
            while let Some(Some(out)) = guard(|| machine.poll_output()) {
                match out {
                    SocketOutput::Broadcast { topic, payload } => pubsub.publish(&topic, &payload),
                    SocketOutput::Send(_) | SocketOutput::Close { .. } => {}
                    SocketOutput::Subscribe(_) | SocketOutput::Unsubscribe(_) => {}
                }
            }
        }
    } else {
        let _ = within(sink.send(Message::close_with(INTERNAL_ERROR, "internal error"))).await;
    }
    for topic in subscribed {
        pubsub.unsubscribe(&topic, id);
    }
    let _ = within(sink.close()).await;
}

/// Feeds one frame to the machine. `None` = the machine panicked.
fn on_frame(machine: &mut SocketMachine, clock: &Clock, msg: Message) -> Option<Flow> {
    if msg.is_text() {
        let text = msg.to_str().unwrap_or_default();
        guard(|| machine.handle_text(clock.now(), text)).map(|_| Flow::Continue)
    } else if msg.is_binary() {
        guard(|| machine.handle_binary(clock.now(), msg.as_bytes())).map(|_| Flow::Continue)
    } else if msg.is_close() {
        Some(Flow::Stop)
    } else {
        // ping/pong: tungstenite answers pings itself.
        Some(Flow::Continue)
    }
}

/// Writes out what the machine produced. `Err` = the machine panicked.
async fn drain<S>(
    machine: &mut SocketMachine,
    sink: &mut S,
    pubsub: &dyn PubSub,
    id: SubscriberId,
    mailbox: &mpsc::Sender<Delivery>,
    subscribed: &mut HashSet<String>,
) -> Result<Flow, ()>
where
    S: futures_util::Sink<Message, Error = warp::Error> + Unpin,
{
    let mut wrote = false;
    let mut flow = Flow::Continue;
    loop {
        let out = guard(|| machine.poll_output()).ok_or(())?;
        let Some(out) = out else { break };
        match out {
            SocketOutput::Send(text) => {
                if !within(sink.feed(Message::text(text))).await {
                    flow = Flow::Stop;
                    break;
                }
                wrote = true;
            }
            SocketOutput::Subscribe(topic) => {
                pubsub.subscribe(&topic, id, mailbox.clone());
                subscribed.insert(topic);
            }
            SocketOutput::Unsubscribe(topic) => {
                pubsub.unsubscribe(&topic, id);
                subscribed.remove(&topic);
            }
            SocketOutput::Broadcast { topic, payload } => pubsub.publish(&topic, &payload),
            SocketOutput::Close { code, reason } => {
                let _ = within(sink.feed(Message::close_with(code, reason))).await;
                let _ = within(sink.flush()).await;
                return Ok(Flow::Stop);
            }
        }
    }
    if wrote && !within(sink.flush()).await {
        flow = Flow::Stop;
    }
    Ok(flow)
}

async fn sleep_opt(until: Option<tokio::time::Instant>) {
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
