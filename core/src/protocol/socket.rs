//! The per-socket channel machine.
//!
//! API (implemented by the protocol work):
//!
//! ```text
//! SocketMachine::new(app: Arc<App>, now: Time, connect: ConnectInfo) -> SocketMachine
//! handle_text(&mut self, now, &str)         // one text frame
//! handle_binary(&mut self, now, &[u8])      // one binary frame (upload chunks)
//! handle_pubsub(&mut self, now, topic: &str, payload: &Value)
//! poll_timeout(&self) -> Option<Time>       // heartbeat deadline, view timers
//! handle_timeout(&mut self, now)
//! poll_output(&mut self) -> Option<SocketOutput>
//! close(&mut self, now)                     // the socket went away: stop every view
//! ```

use serde_json::Value;

/// What the adapter learned when the WebSocket was opened.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnectInfo {
    /// The query string of the WebSocket URL (carries `_csrf_token` and `vsn`).
    pub query: String,
    /// The `Cookie` header, if any.
    pub cookie: Option<String>,
    /// The `Origin` header, if any.
    pub origin: Option<String>,
}

/// Something the adapter must do for a socket.
#[derive(Clone, Debug, PartialEq)]
pub enum SocketOutput {
    /// Send this text frame.
    Send(String),
    /// Subscribe this socket to a pub/sub topic (the machine counts per-view subscriptions;
    /// it asks once per topic).
    Subscribe(String),
    /// Unsubscribe this socket from a pub/sub topic.
    Unsubscribe(String),
    /// Publish on a pub/sub topic.
    Broadcast {
        /// The topic.
        topic: String,
        /// The message.
        payload: Value,
    },
    /// Close the WebSocket with this code and reason; nothing follows.
    Close {
        /// The WebSocket close code.
        code: u16,
        /// The reason.
        reason: String,
    },
}

/// One WebSocket's channels and views.
pub struct SocketMachine {}
