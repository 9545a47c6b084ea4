//! [`AnyView`] for every `ViewDriver<V>`: the driver with its view type erased.

use super::ViewDriver;
use crate::event::ClientEvent;
use crate::runtime::{AnyView, InputError, Output, PendingTask, Reply};
use crate::time::Time;
use crate::view::{AsyncError, ComponentRef, LiveView, Url};
use serde_json::Value;

impl<V: LiveView> AnyView for ViewDriver<V> {
    fn type_name(&self) -> &'static str {
        std::any::type_name::<V>()
    }
    fn render_html(&self) -> String {
        ViewDriver::render_html(self)
    }
    fn render_full(&mut self) -> String {
        ViewDriver::render_full(self)
    }
    fn handle_event(&mut self, now: Time, event: ClientEvent) -> Result<Reply, InputError> {
        ViewDriver::handle_event(self, now, event)
    }
    fn handle_params(&mut self, now: Time, url: Url) -> Result<Reply, InputError> {
        ViewDriver::handle_params(self, now, url)
    }
    fn handle_pubsub(&mut self, now: Time, topic: &str, payload: &Value) -> Result<(), InputError> {
        ViewDriver::handle_pubsub(self, now, topic, payload)
    }
    fn handle_info_value(&mut self, now: Time, payload: &Value) -> Result<(), InputError> {
        ViewDriver::handle_info_value(self, now, payload)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn poll_timeout(&self) -> Option<Time> {
        ViewDriver::poll_timeout(self)
    }
    fn handle_timeout(&mut self, now: Time) {
        ViewDriver::handle_timeout(self, now)
    }
    fn poll_output(&mut self) -> Option<Output> {
        ViewDriver::poll_output(self)
    }
    fn stop(&mut self) {
        ViewDriver::stop(self)
    }
    fn timer_count(&self) -> usize {
        ViewDriver::timer_count(self)
    }
    fn subscriptions(&self) -> Vec<String> {
        ViewDriver::subscriptions(self)
    }
    fn handle_async(
        &mut self,
        now: Time,
        id: u64,
        result: Result<Value, AsyncError>,
    ) -> Result<(), InputError> {
        ViewDriver::handle_async(self, now, id, result)
    }
    fn pending_tasks(&self) -> Vec<PendingTask> {
        ViewDriver::pending_tasks(self)
    }
    fn cids_will_destroy(&mut self, now: Time, cids: &[u32]) -> Result<(), InputError> {
        ViewDriver::cids_will_destroy(self, now, cids)
    }
    fn cids_destroyed(&mut self, now: Time, cids: &[u32]) -> Result<Vec<u32>, InputError> {
        ViewDriver::cids_destroyed(self, now, cids)
    }
    fn send_update(
        &mut self,
        now: Time,
        to: ComponentRef,
        update: Value,
    ) -> Result<(), InputError> {
        ViewDriver::send_update(self, now, to, update)
    }

    fn upload(
        &mut self,
        now: Time,
        input: crate::upload::UploadInput,
    ) -> Result<crate::upload::UploadAnswer, InputError> {
        ViewDriver::upload(self, now, input)
    }
}
