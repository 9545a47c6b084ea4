//! The async tasks one view has running ([`Command::StartAsync`](crate::Command::StartAsync)).

use crate::small_map::SmallMap;
use crate::time::Time;
use serde_json::Value;
use std::time::Duration;

/// A running task, as the view's driver knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingTask {
    /// The task's id within its view (increasing from 0 per join): the
    /// adapter reports its outcome under this id.
    pub id: u64,
    /// The name it was started under.
    pub key: String,
    /// What to do: the view's `Info` value, as JSON.
    pub task: Value,
    /// When it times out.
    pub deadline: Time,
    /// Its timeout (as given, or the default).
    pub timeout: Duration,
}

/// The running tasks of one view, by key, with their deadlines in order.
#[derive(Default)]
pub(super) struct TaskTable {
    running: SmallMap<String, PendingTask>,
    /// (deadline, id) → key.
    deadlines: SmallMap<(Time, u64), String>,
    next_id: u64,
}

impl TaskTable {
    /// Starts `key`; returns its id and the id of the task it supersedes.
    pub(super) fn start(
        &mut self,
        key: String,
        task: Value,
        now: Time,
        timeout: Duration,
    ) -> (u64, Option<u64>) {
        let old = self.remove_key(&key);
        let id = self.next_id;
        self.next_id += 1;
        let deadline = now + timeout;
        self.deadlines.insert((deadline, id), key.clone());
        self.running.insert(
            key.clone(),
            PendingTask {
                id,
                key,
                task,
                deadline,
                timeout,
            },
        );
        (id, old.map(|t| t.id))
    }

    /// The id of the task running under `key`, if any.
    pub(super) fn running_id(&self, key: &str) -> Option<u64> {
        self.running.get(key).map(|t| t.id)
    }

    /// Removes the task running under `key`, if any.
    pub(super) fn remove_key(&mut self, key: &str) -> Option<PendingTask> {
        let t = self.running.remove(key)?;
        self.deadlines.remove(&(t.deadline, t.id));
        Some(t)
    }

    /// Removes the task with this id if it is still the one running under
    /// its key (a superseded, cancelled or timed-out task is gone).
    pub(super) fn remove_id(&mut self, id: u64) -> Option<PendingTask> {
        let key = self
            .running
            .iter()
            .find(|(_, t)| t.id == id)
            .map(|(k, _)| k.clone())?;
        self.remove_key(&key)
    }

    /// The earliest deadline.
    pub(super) fn next_deadline(&self) -> Option<Time> {
        self.deadlines.keys().next().map(|(t, _)| *t)
    }

    /// Removes and returns every task whose deadline is at or before `now`,
    /// earliest first.
    pub(super) fn take_due(&mut self, now: Time) -> Vec<PendingTask> {
        let due: Vec<String> = self
            .deadlines
            .iter()
            .take_while(|((t, _), _)| *t <= now)
            .map(|(_, k)| k.clone())
            .collect();
        due.iter().filter_map(|k| self.remove_key(k)).collect()
    }

    /// Removes every task (the view ends), returning their ids.
    pub(super) fn clear(&mut self) -> Vec<u64> {
        self.deadlines.clear();
        let ids = self.running.values().map(|t| t.id).collect();
        self.running.clear();
        ids
    }

    /// The running tasks, by key.
    pub(super) fn pending(&self) -> impl Iterator<Item = &PendingTask> {
        self.running.values()
    }
}
