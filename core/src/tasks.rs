//! Task runners: the async functions that do a view's async work
//! ([`Command::StartAsync`](crate::Command::StartAsync)), registered by the
//! host app per view type and run by the adapter.
//!
//! A view describes its work as data (a value of its `Info` type), so the
//! view stays pure, its tests can look at the task and complete it by hand,
//! and a trace records the result it got. The runner is where the work
//! happens, with whatever the app gives it: a database pool, an HTTP client,
//! a shared store. The core never runs a runner; an adapter does (the warp
//! server spawns each task on tokio).
//!
//! ```
//! use liveview_core::tasks::Tasks;
//! use liveview_core::{html, Command, LiveView, Mount, Rendered, Update};
//! use serde::{Deserialize, Serialize};
//! use std::sync::Arc;
//!
//! struct Orgs { names: Vec<String> }
//!
//! #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
//! enum Info { Load { user: u64 }, Loaded(Vec<String>) }
//!
//! impl LiveView for Orgs {
//!     type Event = ();
//!     type Info = Info;
//!     fn mount(_: &Mount) -> Update<Self> {
//!         (Orgs { names: vec![] }, vec![Command::start_async("orgs", Info::Load { user: 7 })])
//!     }
//!     fn render(&self) -> Rendered { html!("<p>{self.names.len()}</p>") }
//! }
//!
//! // What the app owns and the runner uses.
//! struct Db { orgs: Vec<String> }
//! let db = Arc::new(Db { orgs: vec!["acme".into()] });
//!
//! let tasks = Tasks::new().view::<Orgs, _, _, _>(move |task| {
//!     let db = db.clone();
//!     async move {
//!         match task {
//!             Info::Load { user: _ } => Ok(Info::Loaded(db.orgs.clone())),
//!             other => Err(format!("not a task: {other:?}")),
//!         }
//!     }
//! });
//! assert_eq!(tasks.len(), 1);
//! ```

use crate::protocol::TaskStart;
use crate::runtime::ViewDriver;
use crate::LiveView;
use serde_json::Value;
use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed future a runner returns.
pub type TaskFuture = Pin<Box<dyn Future<Output = Result<Value, String>> + Send + 'static>>;

/// A type-erased runner: the task as JSON in, the result as JSON (or an
/// error message) out.
pub type Runner = Arc<dyn Fn(Value) -> TaskFuture + Send + Sync>;

/// The runners of an app's views, by view type. Cloning is cheap (shared).
#[derive(Clone, Default)]
pub struct Tasks {
    runners: Arc<HashMap<TypeId, Runner>>,
}

impl fmt::Debug for Tasks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tasks")
            .field("views", &self.runners.len())
            .finish()
    }
}

/// A typed runner as a [`Runner`]: the task decoded from JSON, the result
/// encoded back.
fn erase<I, F, Fut, E>(run: F) -> Runner
where
    I: serde::Serialize + serde::de::DeserializeOwned + Send + 'static,
    F: Fn(I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<I, E>> + Send + 'static,
    E: fmt::Display,
{
    let run = Arc::new(run);
    Arc::new(move |task: Value| -> TaskFuture {
        let decoded = <I as serde::Deserialize>::deserialize(&task);
        let run = run.clone();
        Box::pin(async move {
            let task =
                decoded.map_err(|e| format!("the task does not decode into the Info type: {e}"))?;
            let result = run(task).await.map_err(|e| e.to_string())?;
            serde_json::to_value(&result)
                .map_err(|e| format!("the task's result does not serialize: {e}"))
        })
    })
}

impl Tasks {
    /// No runners: every task fails with "no task runner".
    pub fn new() -> Tasks {
        Tasks::default()
    }

    /// Registers the runner of view `V`'s tasks (replacing an earlier one):
    /// an async function from the task (a `V::Info`) to its result (a
    /// `V::Info`) or an error (any `Display`, which the view gets as
    /// [`AsyncError::Failed`](crate::view::AsyncError::Failed)).
    pub fn view<V, F, Fut, E>(mut self, run: F) -> Tasks
    where
        V: LiveView,
        F: Fn(V::Info) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<V::Info, E>> + Send + 'static,
        E: fmt::Display,
    {
        let runner = erase::<V::Info, F, Fut, E>(run);
        Arc::make_mut(&mut self.runners).insert(TypeId::of::<ViewDriver<V>>(), runner);
        self
    }

    /// Registers the runner of component `C`'s tasks (its `start_async`),
    /// like [`view`](Self::view) for a view: from a `C::Info` to a `C::Info`.
    pub fn component<C, F, Fut, E>(mut self, run: F) -> Tasks
    where
        C: crate::component::LiveComponent,
        F: Fn(C::Info) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<C::Info, E>> + Send + 'static,
        E: fmt::Display,
    {
        let runner = erase::<C::Info, F, Fut, E>(run);
        Arc::make_mut(&mut self.runners).insert(TypeId::of::<C>(), runner);
        self
    }

    /// The runner for the view that started `task`, if one is registered.
    pub fn runner(&self, task: &TaskStart) -> Option<&Runner> {
        self.runners.get(&task.view_type)
    }

    /// Starts `task` with its view's runner: the future to poll for its
    /// result. `Err` when no runner is registered for the view (the message
    /// names it).
    pub fn run(&self, task: &TaskStart) -> Result<TaskFuture, String> {
        match self.runner(task) {
            Some(runner) => Ok(runner(task.task.clone())),
            None => Err(format!(
                "no task runner is registered for {} (register one with Tasks::view)",
                task.view
            )),
        }
    }

    /// How many view types have a runner.
    pub fn len(&self) -> usize {
        self.runners.len()
    }

    /// Whether no view type has a runner.
    pub fn is_empty(&self) -> bool {
        self.runners.is_empty()
    }
}
