//! The driver of one view. (Skeleton: the runtime work fills the bodies.)

use super::{InputError, Joined, JoinInput, Navigation, Reply};
use crate::event::ClientEvent;
use crate::time::Time;
use crate::view::{LiveView, Url};
use serde_json::Value;

/// Drives one view: see the module docs.
pub struct ViewDriver<V: LiveView> {
    state: Option<V>,
}

impl<V: LiveView> ViewDriver<V> {
    /// Mounts the view: `mount`, then `handle_params`, then a full render.
    pub fn join(_now: Time, _input: JoinInput) -> Result<(ViewDriver<V>, Joined), Navigation> {
        todo!()
    }
    /// A client event.
    pub fn handle_event(&mut self, _now: Time, _event: ClientEvent) -> Result<Reply, InputError> {
        todo!()
    }
    /// A live patch.
    pub fn handle_params(&mut self, _now: Time, _url: Url) -> Result<Reply, InputError> {
        todo!()
    }
    /// A pub/sub message.
    pub fn handle_pubsub(&mut self, _now: Time, _topic: &str, _payload: &Value) -> Result<(), InputError> {
        todo!()
    }
    /// The state.
    pub fn state(&self) -> Option<&V> {
        self.state.as_ref()
    }
}
