//! The driver's side of components: their inputs (events, `send_update`,
//! infos, task outcomes), the render pass, and `cids_will_destroy` /
//! `cids_destroyed`.

use super::commands::split_key;
use super::{Effects, Mail, Queued, ViewDriver};
use crate::component::{Cid, ComponentInfo, LiveComponent};
use crate::event::ClientEvent;
use crate::runtime::{InputError, Output, Reply};
use crate::time::Time;
use crate::view::{AsyncError, ComponentRef, Context, LiveView, Msg};
use serde_json::Value;

impl<V: LiveView> ViewDriver<V> {
    /// The view's components, in cid order.
    pub fn components(&self) -> Vec<ComponentInfo> {
        self.components.list()
    }

    /// The state of the component of type `C` rendered with `id`.
    pub fn component_state<C: LiveComponent>(&self, id: &str) -> Option<&C> {
        let cid = self.components.lookup(&ComponentRef::Id {
            component: std::any::type_name::<C>().to_owned(),
            id: id.to_owned(),
        })?;
        self.components.state(cid)?.downcast_ref::<C>()
    }

    /// Sends `update` to a component, as [`Command::send_update`] does (for
    /// tests and the rest of the server): queued like an info, delivered to
    /// the component's `handle_info` after what is queued before it.
    /// [`InputError::NoComponent`] when there is no such component now.
    ///
    /// [`Command::send_update`]: crate::Command::send_update
    pub fn send_update(
        &mut self,
        now: Time,
        to: ComponentRef,
        update: Value,
    ) -> Result<(), InputError> {
        self.begin(now)?;
        if self.components.lookup(&to).is_none() {
            return Err(InputError::NoComponent(match to {
                ComponentRef::Cid(cid) => format!("no component has cid {cid}"),
                ComponentRef::Id { component, id } => {
                    format!("no component {component} has id {id:?}")
                }
            }));
        }
        if self.connected {
            self.infos
                .push_back(Queued::Mail(Mail::Update { to, update }));
        }
        Ok(())
    }

    /// `cids_will_destroy`: the client is removing these components. They
    /// are deleted by [`cids_destroyed`](Self::cids_destroyed) unless a
    /// render names them again first (then they are revived).
    pub fn cids_will_destroy(&mut self, now: Time, cids: &[u32]) -> Result<(), InputError> {
        self.begin(now)?;
        self.components.will_destroy(cids);
        Ok(())
    }

    /// `cids_destroyed`: deletes the components among `cids` still marked by
    /// [`cids_will_destroy`](Self::cids_will_destroy), with their timers and
    /// tasks, and returns their cids (what the client may forget).
    pub fn cids_destroyed(&mut self, now: Time, cids: &[u32]) -> Result<Vec<u32>, InputError> {
        self.begin(now)?;
        let gone = self.components.destroyed(cids);
        for cid in &gone {
            let owned = |key: &str| split_key(key).0 == Some(*cid);
            let keys: Vec<String> = self.timers.keys().filter(|k| owned(k)).cloned().collect();
            for key in keys {
                self.cancel_timer(&key);
            }
            let tasks: Vec<String> = self
                .tasks
                .pending()
                .filter(|t| owned(&t.key))
                .map(|t| t.key.clone())
                .collect();
            for key in tasks {
                if let Some(task) = self.tasks.remove_key(&key) {
                    self.outputs.push_back(Output::CancelTask { id: task.id });
                }
            }
        }
        Ok(gone)
    }

    /// A client event for component `cid`: decoded into its `Event` type
    /// (nothing changes when it does not decode), handled, and only that
    /// component rendered (unless its commands touch the view).
    pub(super) fn handle_component_event(
        &mut self,
        cid: u64,
        event: ClientEvent,
    ) -> Result<Reply, InputError> {
        let name = &event.name;
        let cid = u32::try_from(cid)
            .ok()
            .filter(|c| self.components.contains(*c))
            .ok_or_else(|| {
                InputError::NoComponent(format!(
                    "event {name:?} targets component {cid}, which this view does not have \
                     (never rendered, or destroyed)"
                ))
            })?;
        self.put_event_uploads(Some(cid), &event)?;
        let cx = self.component_cx(cid);
        let commands = self
            .components
            .handle(cid, |c| c.handle_event(&event, &cx))
            .expect("checked above")
            .map_err(InputError::Decode)?;
        Ok(self.reply_with(|d, fx| {
            d.components.touch(cid);
            d.apply_component(cid, commands, fx, true)
        }))
    }

    pub(super) fn component_cx(&self, cid: u32) -> Context {
        Context::new(self.now, self.connected).for_component(Cid(cid))
    }

    /// Runs one queued input.
    pub(super) fn run_queued(&mut self, queued: Queued<V::Info>) {
        match queued {
            Queued::Mail(mail) => self.run_mail(mail),
            Queued::Async { key, result } => self.run_push(Msg::Async { key, result }),
            Queued::ComponentAsync { cid, key, result } => {
                self.run_component_async(cid, key, result)
            }
            Queued::Parent(info) => {
                let info =
                    <V::Info as serde::Deserialize>::deserialize(&info).unwrap_or_else(|e| {
                        panic!(
                        "a component sent {} an info that does not decode into its Info type: {e}",
                        std::any::type_name::<V>()
                    )
                    });
                self.run_push(Msg::Info(info));
            }
        }
    }

    /// Delivers a message (queued or from a timer).
    pub(super) fn run_mail(&mut self, mail: Mail<V::Info>) {
        match mail {
            Mail::View(info) => self.run_push(Msg::Info(info)),
            Mail::Component { cid, info } => self.run_component_info(cid, info),
            // Phoenix drops a send_update to a component that is gone.
            Mail::Update { to, update } => {
                if let Some(cid) = self.components.lookup(&to) {
                    self.run_component_info(cid, update);
                }
            }
        }
    }

    /// # Panics
    /// When `info` does not decode into the component's `Info` type (a
    /// `send_update_to` with the wrong message: a bug, as in Phoenix).
    fn run_component_info(&mut self, cid: u32, info: Value) {
        let cx = self.component_cx(cid);
        let Some(result) = self.components.handle(cid, |c| c.handle_info(&info, &cx)) else {
            return;
        };
        let commands = result.unwrap_or_else(|e| panic!("{e}"));
        self.push_component(cid, commands);
    }

    fn run_component_async(&mut self, cid: u32, key: String, result: Result<Value, AsyncError>) {
        let cx = self.component_cx(cid);
        let Some(commands) = self
            .components
            .handle(cid, |c| c.handle_async(key, result, &cx))
        else {
            return;
        };
        self.push_component(cid, commands);
    }

    /// The rest of a pushed input of component `cid` whose handler gave
    /// `commands`: the component renders, the commands are carried out.
    fn push_component(&mut self, cid: u32, commands: Vec<crate::view::Command<Value>>) {
        self.push_with(|d, fx| {
            d.components.touch(cid);
            d.apply_component(cid, commands, fx, false)
        });
    }

    /// Queues a task's failure for its owner (the view or a component):
    /// the only way a failure is queued, so `Queued::Async` is the view's.
    pub(super) fn queue_async_error(&mut self, key: String, error: AsyncError) {
        if self.presign_done(&key, Err(error.clone())) {
            return;
        }
        match split_key(&key) {
            (Some(cid), own) => self.infos.push_back(Queued::ComponentAsync {
                cid,
                key: own.to_owned(),
                result: Err(error),
            }),
            (None, _) => self.infos.push_back(Queued::Async {
                key,
                result: Err(error),
            }),
        }
    }

    /// The component pass of a render: the members of `"c"`. The commands
    /// of components mounted or updated meanwhile are carried out; their
    /// outputs wait in `render_outputs`.
    ///
    /// # Panics
    /// When such a command navigates (`PushPatch`, `PushNavigate`,
    /// `Redirect`): a component navigates from its event and info
    /// handlers, not from `mount` or `update`.
    pub(super) fn render_components(&mut self, root: Option<&crate::template::Rendered>) -> String {
        if root.is_none() && !self.components.has_dirty() {
            return String::new();
        }
        let cx = Context::new(self.now, self.connected);
        let pass = self.components.render(root, &cx, &mut self.upload_ids);
        for (cid, commands) in pass.commands {
            let mut fx = Effects::default();
            self.apply_component(cid.get(), commands, &mut fx, false);
            assert!(
                fx.patch.is_none() && fx.exit.is_none(),
                "component {cid} navigated from mount or update; navigate from its event or info handlers"
            );
            self.render_outputs.extend(fx.outputs);
        }
        pass.json
    }
}
