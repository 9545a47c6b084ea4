//! Views mounted by type: the driver wrapped so that the harness keeps typed
//! access to it (state, flash) and can send it typed infos through a trace-able
//! input.

use crate::app::SEND_INFO_TOPIC;
use crate::routing::JoinResult;
use liveview_core::event::{ClientEvent, DecodeError};
use liveview_core::runtime::ViewDriver;
use liveview_core::runtime::{AnyView, InputError, JoinInput, Output, Reply};
use liveview_core::view::{Flash, Url};
use liveview_core::{LiveView, Time};
use serde_json::Value;
use std::any::Any;
use std::sync::{Arc, Mutex, MutexGuard};

/// A [`ViewDriver`] shared between the harness (typed access) and the view
/// slot (as an [`AnyView`], possibly inside a recorder).
///
/// As an [`AnyView`] it behaves exactly like the driver, except that a
/// pub/sub message on [`SEND_INFO_TOPIC`] is decoded into `V::Info` and given
/// to [`ViewDriver::handle_info`]: that is how
/// [`LiveViewTest::send_info`](crate::LiveViewTest::send_info) reaches the
/// view, and how a trace records it (as a `pubsub` input on that topic).
pub struct TypedView<V: LiveView> {
    driver: Arc<Mutex<ViewDriver<V>>>,
}

fn lock<V: LiveView>(m: &Mutex<ViewDriver<V>>) -> MutexGuard<'_, ViewDriver<V>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<V: LiveView> AnyView for TypedView<V> {
    fn type_name(&self) -> &'static str {
        std::any::type_name::<V>()
    }
    fn render_html(&self) -> String {
        lock(&self.driver).render_html()
    }
    fn render_full(&mut self) -> String {
        lock(&self.driver).render_full()
    }
    fn handle_event(&mut self, now: Time, event: ClientEvent) -> Result<Reply, InputError> {
        lock(&self.driver).handle_event(now, event)
    }
    fn handle_params(&mut self, now: Time, url: Url) -> Result<Reply, InputError> {
        lock(&self.driver).handle_params(now, url)
    }
    fn handle_pubsub(&mut self, now: Time, topic: &str, payload: &Value) -> Result<(), InputError> {
        let mut d = lock(&self.driver);
        if topic != SEND_INFO_TOPIC {
            return d.handle_pubsub(now, topic, payload);
        }
        if d.is_ended() {
            return Err(InputError::Ended);
        }
        let info = <V::Info as serde::Deserialize>::deserialize(payload).map_err(|e| {
            InputError::Decode(DecodeError {
                event: "send_info".into(),
                reason: format!("the info does not decode into the view's Info type: {e}"),
            })
        })?;
        d.handle_info(now, info);
        Ok(())
    }
    fn handle_info_value(&mut self, now: Time, payload: &Value) -> Result<(), InputError> {
        lock(&self.driver).handle_info_value(now, payload)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn poll_timeout(&self) -> Option<Time> {
        lock(&self.driver).poll_timeout()
    }
    fn handle_timeout(&mut self, now: Time) {
        lock(&self.driver).handle_timeout(now)
    }
    fn poll_output(&mut self) -> Option<Output> {
        lock(&self.driver).poll_output()
    }
    fn stop(&mut self) {
        lock(&self.driver).stop()
    }
    fn timer_count(&self) -> usize {
        lock(&self.driver).timer_count()
    }
    fn subscriptions(&self) -> Vec<String> {
        lock(&self.driver).subscriptions()
    }
}

/// Typed access the harness keeps to a view mounted by type.
pub(crate) trait Typed {
    /// The driver's flash.
    fn flash(&self) -> Flash;
    /// The shared driver, as `Arc<Mutex<ViewDriver<V>>>`.
    fn driver(&self) -> &dyn Any;
}

struct Access<V: LiveView>(Arc<Mutex<ViewDriver<V>>>);

impl<V: LiveView> Typed for Access<V> {
    fn flash(&self) -> Flash {
        lock(&self.0).flash().clone()
    }
    fn driver(&self) -> &dyn Any {
        &self.0
    }
}

/// Joins `V` as a [`TypedView`]: the join function to give [`replay_with`](crate::replay_with)
/// for traces recorded from views mounted with [`TestApp::mount_view`](crate::TestApp::mount_view).
pub fn join_typed<V: LiveView>(now: Time, input: JoinInput) -> Option<JoinResult> {
    Some(join_with_access::<V>(now, input).map(|(v, j, _)| (v, j)))
}

#[allow(clippy::type_complexity)]
pub(crate) fn join_with_access<V: LiveView>(
    now: Time,
    input: JoinInput,
) -> Result<
    (
        Box<dyn AnyView>,
        liveview_core::runtime::Joined,
        Box<dyn Typed>,
    ),
    liveview_core::runtime::Navigation,
> {
    let (driver, joined) = ViewDriver::<V>::join(now, input)?;
    let driver = Arc::new(Mutex::new(driver));
    let view = TypedView {
        driver: Arc::clone(&driver),
    };
    Ok((Box::new(view), joined, Box::new(Access(driver))))
}

/// Runs `f` on the state of a typed view.
pub(crate) fn with_state<V: LiveView, R>(typed: &dyn Typed, f: impl FnOnce(&V) -> R) -> Option<R> {
    let driver = typed.driver().downcast_ref::<Arc<Mutex<ViewDriver<V>>>>()?;
    let d = lock(driver);
    d.state().map(f)
}
