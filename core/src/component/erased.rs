//! [`AnyComponent`]: a component's state with its type erased, so that one
//! view holds components of many types.

use super::call::{props_of, AnyProps};
use super::{Cid, LiveComponent};
use crate::event::{self, ClientEvent, DecodeError};
use crate::template::Rendered;
use crate::view::{AsyncError, Command, Context};
use serde_json::Value;
use std::any::Any;

/// A mounted component, type-erased. Infos travel as JSON between the
/// driver and the component (they are `Serialize + DeserializeOwned`), so
/// the driver's queues and timers hold one type for every component.
pub(crate) trait AnyComponent: Send {
    /// The parent rendered it with `props` (of this component's type).
    fn update(&mut self, props: &dyn AnyProps, cx: &Context) -> Vec<Command<Value>>;
    /// A client event.
    fn handle_event(
        &mut self,
        event: &ClientEvent,
        cx: &Context,
    ) -> Result<Vec<Command<Value>>, DecodeError>;
    /// A message, as JSON; `Err` when it does not decode into the `Info` type.
    fn handle_info(&mut self, info: &Value, cx: &Context) -> Result<Vec<Command<Value>>, String>;
    /// A task's outcome (the result as JSON).
    fn handle_async(
        &mut self,
        key: String,
        result: Result<Value, AsyncError>,
        cx: &Context,
    ) -> Vec<Command<Value>>;
    /// Renders the state.
    fn render(&self, myself: Cid) -> Rendered;
    /// The state, for typed access in tests.
    fn state(&self) -> &dyn Any;
    /// Its uploads, if any.
    fn uploads(&mut self) -> Option<&mut crate::upload::Uploads>;
    /// An upload entry progressed.
    fn handle_progress(
        &mut self,
        name: &str,
        entry: &crate::upload::UploadEntry,
        cx: &Context,
    ) -> Vec<Command<Value>>;
    /// External upload metadata for an entry.
    fn external_upload(
        &self,
        name: &str,
        entry: &crate::upload::UploadEntry,
        cx: &Context,
    ) -> Result<Value, Value>;
    /// The presign task for an external entry, as JSON (`Err`: it does not serialize).
    fn presign_upload(
        &self,
        name: &str,
        entry: &crate::upload::UploadEntry,
        cx: &Context,
    ) -> Option<Result<Value, String>>;
    /// A presign task's outcome (as JSON).
    fn presigned_upload(
        &self,
        name: &str,
        entry: &crate::upload::UploadEntry,
        result: Result<Value, AsyncError>,
        cx: &Context,
    ) -> Result<Value, Value>;
}

/// The state of component `C` (`None` only while a handler runs).
pub(crate) struct Slot<C: LiveComponent> {
    state: Option<C>,
}

impl<C: LiveComponent> Slot<C> {
    pub(crate) fn boxed(state: C) -> Box<dyn AnyComponent> {
        Box::new(Slot { state: Some(state) })
    }

    /// The component's commands with their infos as JSON.
    pub(crate) fn commands(commands: Vec<Command<C::Info>>) -> Vec<Command<Value>> {
        commands
            .into_iter()
            .map(|c| {
                c.into_json().unwrap_or_else(|e| {
                    panic!(
                        "a command of component {} carries an Info that does not serialize: {e}",
                        std::any::type_name::<C>()
                    )
                })
            })
            .collect()
    }

    fn run(&mut self, f: impl FnOnce(C) -> (C, Vec<Command<C::Info>>)) -> Vec<Command<Value>> {
        let state = self
            .state
            .take()
            .expect("a component's state is only taken while its handler runs");
        let (next, commands) = f(state);
        self.state = Some(next);
        Self::commands(commands)
    }
}

impl<C: LiveComponent> AnyComponent for Slot<C> {
    fn update(&mut self, props: &dyn AnyProps, cx: &Context) -> Vec<Command<Value>> {
        let props = props_of::<C>(props)
            .expect("a component is only updated with props of its own type")
            .clone();
        self.run(|s| s.update(props, cx))
    }

    fn handle_event(
        &mut self,
        event: &ClientEvent,
        cx: &Context,
    ) -> Result<Vec<Command<Value>>, DecodeError> {
        let decoded: C::Event = event::decode(event)?;
        Ok(self.run(|s| s.handle_event(decoded, cx)))
    }

    fn handle_info(&mut self, info: &Value, cx: &Context) -> Result<Vec<Command<Value>>, String> {
        let info = <C::Info as serde::Deserialize>::deserialize(info).map_err(|e| {
            format!(
                "the message does not decode into {}'s Info type: {e}",
                std::any::type_name::<C>()
            )
        })?;
        Ok(self.run(|s| s.handle_info(info, cx)))
    }

    fn handle_async(
        &mut self,
        key: String,
        result: Result<Value, AsyncError>,
        cx: &Context,
    ) -> Vec<Command<Value>> {
        let result = crate::view::decode_task_result::<C::Info>(result, "component");
        self.run(|s| s.handle_async(key, result, cx))
    }

    fn render(&self, myself: Cid) -> Rendered {
        self.state
            .as_ref()
            .expect("a component's state is there between handlers")
            .render(myself)
    }

    fn state(&self) -> &dyn Any {
        match &self.state {
            Some(s) => s,
            None => &(),
        }
    }

    fn uploads(&mut self) -> Option<&mut crate::upload::Uploads> {
        self.state.as_mut().and_then(C::uploads)
    }

    fn handle_progress(
        &mut self,
        name: &str,
        entry: &crate::upload::UploadEntry,
        cx: &Context,
    ) -> Vec<Command<Value>> {
        self.run(|s| s.handle_progress(name, entry, cx))
    }

    fn external_upload(
        &self,
        name: &str,
        entry: &crate::upload::UploadEntry,
        cx: &Context,
    ) -> Result<Value, Value> {
        self.state
            .as_ref()
            .expect("a component's state is there between handlers")
            .external_upload(name, entry, cx)
    }

    fn presign_upload(
        &self,
        name: &str,
        entry: &crate::upload::UploadEntry,
        cx: &Context,
    ) -> Option<Result<Value, String>> {
        let task = self.state.as_ref()?.presign_upload(name, entry, cx)?;
        Some(serde_json::to_value(task).map_err(|e| e.to_string()))
    }

    fn presigned_upload(
        &self,
        name: &str,
        entry: &crate::upload::UploadEntry,
        result: Result<Value, AsyncError>,
        cx: &Context,
    ) -> Result<Value, Value> {
        let result = crate::view::decode_task_result::<C::Info>(result, "component");
        self.state
            .as_ref()
            .expect("a component's state is there between handlers")
            .presigned_upload(name, entry, result, cx)
    }
}
