//! A component in a parent's render: [`live_component`] and the
//! [`ComponentCall`] it leaves in the tree.

use super::erased::{AnyComponent, Slot};
use super::LiveComponent;
use crate::template::{Dynamic, ToDynamic};
use crate::view::{Command, Context};
use serde_json::Value;
use std::any::{Any, TypeId};
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

/// Renders component `C` with `id` and the parent's `props` (Phoenix's
/// `<.live_component module={C} id={id} …/>`). Put the result in a
/// template hole: `{live_component::<Row>(row.id, row.clone())}`.
///
/// The id names the component among the view's components of type `C`: the
/// same id rendered again is the same component (its state kept); two
/// components of one type with one id in a render crash the view, as in
/// Phoenix.
pub fn live_component<C: LiveComponent>(id: impl ToString, props: C::Props) -> ComponentCall {
    CALLS.with(|c| c.set(c.get().wrapping_add(1)));
    ComponentCall {
        id: id.to_string(),
        props: Box::new(PropsOf::<C>(props)),
        cid: AtomicU32::new(0),
    }
}

thread_local! {
    /// How many component calls this thread has made: the driver compares
    /// two readings around a render to know whether to look for components.
    static CALLS: Cell<u64> = const { Cell::new(0) };
}

/// A counter that changes whenever [`live_component`] is called on this thread.
pub(crate) fn call_count() -> u64 {
    CALLS.with(Cell::get)
}

/// A component in a rendered tree: its type, id and props, and (once the
/// driver has resolved it) its cid, which is what the diff sends.
pub struct ComponentCall {
    pub(crate) id: String,
    pub(crate) props: Box<dyn AnyProps>,
    /// 0 until resolved.
    pub(crate) cid: AtomicU32,
}

impl ComponentCall {
    /// The component's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The component's type name.
    pub fn component(&self) -> &'static str {
        self.props.name()
    }

    /// The cid the driver gave it (0 before it has seen this render).
    pub fn cid(&self) -> u32 {
        self.cid.load(Ordering::Relaxed)
    }

    pub(crate) fn set_cid(&self, cid: u32) {
        self.cid.store(cid, Ordering::Relaxed);
    }
}

impl Clone for ComponentCall {
    fn clone(&self) -> ComponentCall {
        ComponentCall {
            id: self.id.clone(),
            props: self.props.clone_box(),
            cid: AtomicU32::new(self.cid()),
        }
    }
}

/// Calls are equal when they render the same component with the same props
/// (whatever cid they were given).
impl PartialEq for ComponentCall {
    fn eq(&self, other: &ComponentCall) -> bool {
        self.id == other.id && self.props.same(&*other.props)
    }
}

impl fmt::Debug for ComponentCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComponentCall")
            .field("component", &self.component())
            .field("id", &self.id)
            .field("props", &self.props)
            .field("cid", &self.cid())
            .finish()
    }
}

impl ToDynamic for ComponentCall {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Component(Box::new(self.clone()))
    }

    fn into_dynamic(self) -> Dynamic {
        Dynamic::Component(Box::new(self))
    }

    fn same_as(&self, prev: &Dynamic) -> bool {
        matches!(prev, Dynamic::Component(p) if **p == *self)
    }
}

/// A component's props with the component's type erased.
pub(crate) trait AnyProps:
    Send + Sync + fmt::Debug + std::panic::RefUnwindSafe + std::panic::UnwindSafe
{
    fn component_type(&self) -> TypeId;
    fn name(&self) -> &'static str;
    fn same(&self, other: &dyn AnyProps) -> bool;
    fn clone_box(&self) -> Box<dyn AnyProps>;
    fn as_any(&self) -> &dyn Any;
    /// Mounts the component with these props.
    fn mount(&self, cx: &Context) -> (Box<dyn AnyComponent>, Vec<Command<Value>>);
}

struct PropsOf<C: LiveComponent>(C::Props);

impl<C: LiveComponent> fmt::Debug for PropsOf<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<C: LiveComponent> AnyProps for PropsOf<C> {
    fn component_type(&self) -> TypeId {
        TypeId::of::<C>()
    }
    fn name(&self) -> &'static str {
        std::any::type_name::<C>()
    }
    fn same(&self, other: &dyn AnyProps) -> bool {
        other
            .as_any()
            .downcast_ref::<PropsOf<C>>()
            .is_some_and(|o| o.0 == self.0)
    }
    fn clone_box(&self) -> Box<dyn AnyProps> {
        Box::new(PropsOf::<C>(self.0.clone()))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn mount(&self, cx: &Context) -> (Box<dyn AnyComponent>, Vec<Command<Value>>) {
        let (state, commands) = C::mount(self.0.clone(), cx);
        (Slot::<C>::boxed(state), Slot::<C>::commands(commands))
    }
}

/// The props of `C` in `props`, if it is `C`'s.
pub(crate) fn props_of<C: LiveComponent>(props: &dyn AnyProps) -> Option<&C::Props> {
    props.as_any().downcast_ref::<PropsOf<C>>().map(|p| &p.0)
}
