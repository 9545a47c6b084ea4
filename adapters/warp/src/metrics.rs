//! Process- (or routes-) wide gauges of what the sockets hold: open sockets,
//! joined views, pending view timers, view subscriptions, running view
//! tasks, open upload channels, plus the pub/sub
//! backend's subscriber count and counters of sockets opened and closed.
//!
//! Each socket task keeps a [`SocketGauge`]: after every drain of its
//! [`SocketMachine`](liveview_core::protocol::SocketMachine) it adds the
//! difference between the machine's current
//! [`stats`](liveview_core::protocol::SocketMachine::stats) and the last ones
//! it reported, and when the task ends (however it ends: the gauge is dropped)
//! it subtracts everything it still holds. So after every socket has gone the
//! gauges are back to zero, whatever the sockets did — which is what a leak
//! check wants to see.
//!
//! The embedding app reads them with [`Metrics::snapshot`]
//! (`opts.metrics.snapshot()`); with
//! [`Options::metrics_path`](crate::Options::metrics_path) set, [`routes`](crate::routes)
//! also serves the snapshot as JSON.
//!
//! ```
//! use liveview_core::protocol::SocketStats;
//! use liveview_warp::metrics::Metrics;
//! use std::sync::Arc;
//!
//! let metrics = Arc::new(Metrics::new());
//! let mut gauge = metrics.track_socket();
//! gauge.update(SocketStats { views: 2, timers: 1, subscriptions: 1, topics: 1, tasks: 0, uploads: 1 });
//! let s = metrics.snapshot();
//! assert_eq!((s.sockets, s.views, s.timers, s.subscriptions, s.uploads), (1, 2, 1, 1, 1));
//! drop(gauge); // the socket ended
//! let s = metrics.snapshot();
//! assert_eq!((s.sockets, s.views, s.timers, s.subscriptions, s.uploads), (0, 0, 0, 0, 0));
//! assert_eq!((s.sockets_opened, s.sockets_closed), (1, 1));
//! ```

use crate::pubsub::PubSub;
use liveview_core::protocol::SocketStats;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Live gauges and lifetime counters of the sockets served with one
/// [`Options`](crate::Options) (shared by every socket of those routes).
#[derive(Default)]
pub struct Metrics {
    sockets: AtomicUsize,
    views: AtomicUsize,
    timers: AtomicUsize,
    subscriptions: AtomicUsize,
    tasks: AtomicUsize,
    uploads: AtomicUsize,
    opened: AtomicU64,
    closed: AtomicU64,
    /// The backend whose subscribers the snapshot counts (set by [`crate::routes`]).
    pubsub: Mutex<Option<Arc<dyn PubSub>>>,
}

/// One reading of [`Metrics`]. Serializes to
/// `{"sockets":…,"views":…,"timers":…,"subscriptions":…,"tasks":…,"uploads":…,"pubsub_subscribers":…,"sockets_opened":…,"sockets_closed":…}`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MetricsSnapshot {
    /// WebSockets open now.
    pub sockets: usize,
    /// Views joined now, over all sockets.
    pub views: usize,
    /// Pending view timers now (`SendAfter`/`Repeat`; heartbeats excluded).
    pub timers: usize,
    /// View subscriptions (view, topic) now.
    pub subscriptions: usize,
    /// View tasks running now ([`Options::tasks`](crate::Options::tasks)).
    pub tasks: usize,
    /// Upload channels open now: entries being uploaded, or uploaded and
    /// not yet consumed ([`crate::uploads`]).
    pub uploads: usize,
    /// (topic, subscriber) registrations in the pub/sub backend, if it can
    /// count them ([`PubSub::subscriber_total`]); `null` otherwise.
    pub pubsub_subscribers: Option<usize>,
    /// WebSockets opened since start.
    pub sockets_opened: u64,
    /// WebSockets closed since start.
    pub sockets_closed: u64,
}

impl MetricsSnapshot {
    /// The snapshot as a JSON object (what the metrics route serves).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.snapshot().fmt(f)
    }
}

fn adjust(gauge: &AtomicUsize, old: usize, new: usize) {
    if new > old {
        gauge.fetch_add(new - old, Ordering::Relaxed);
    } else if old > new {
        gauge.fetch_sub(old - new, Ordering::Relaxed);
    }
}

impl Metrics {
    /// All zero, counting no pub/sub backend yet.
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Counts `pubsub`'s subscribers in snapshots (replacing any backend set
    /// before). [`crate::routes`] calls it with its
    /// [`Options::pubsub`](crate::Options::pubsub).
    pub fn count_pubsub(&self, pubsub: Arc<dyn PubSub>) {
        *self.pubsub.lock().unwrap_or_else(|e| e.into_inner()) = Some(pubsub);
    }

    /// A socket opened: counts it, and returns its gauge (drop it when the
    /// socket ends).
    pub fn track_socket(self: &Arc<Self>) -> SocketGauge {
        self.sockets.fetch_add(1, Ordering::Relaxed);
        self.opened.fetch_add(1, Ordering::Relaxed);
        SocketGauge {
            metrics: Arc::clone(self),
            last: SocketStats::default(),
        }
    }

    /// The current values. Each field is read atomically, the set is not (a
    /// socket may be counted between two reads).
    pub fn snapshot(&self) -> MetricsSnapshot {
        let pubsub = self
            .pubsub
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        MetricsSnapshot {
            sockets: self.sockets.load(Ordering::Relaxed),
            views: self.views.load(Ordering::Relaxed),
            timers: self.timers.load(Ordering::Relaxed),
            subscriptions: self.subscriptions.load(Ordering::Relaxed),
            tasks: self.tasks.load(Ordering::Relaxed),
            uploads: self.uploads.load(Ordering::Relaxed),
            pubsub_subscribers: pubsub.and_then(|p| p.subscriber_total()),
            sockets_opened: self.opened.load(Ordering::Relaxed),
            sockets_closed: self.closed.load(Ordering::Relaxed),
        }
    }

    fn apply(&self, old: SocketStats, new: SocketStats) {
        adjust(&self.views, old.views, new.views);
        adjust(&self.timers, old.timers, new.timers);
        adjust(&self.subscriptions, old.subscriptions, new.subscriptions);
        adjust(&self.tasks, old.tasks, new.tasks);
        adjust(&self.uploads, old.uploads, new.uploads);
    }
}

/// One socket's share of [`Metrics`]: what it last reported. Dropping it
/// subtracts that share and counts the socket closed.
pub struct SocketGauge {
    metrics: Arc<Metrics>,
    last: SocketStats,
}

impl SocketGauge {
    /// Reports the socket's current stats (adds the difference from the last report).
    pub fn update(&mut self, now: SocketStats) {
        if now != self.last {
            self.metrics.apply(self.last, now);
            self.last = now;
        }
    }
}

impl Drop for SocketGauge {
    fn drop(&mut self) {
        self.metrics.apply(self.last, SocketStats::default());
        self.metrics.sockets.fetch_sub(1, Ordering::Relaxed);
        self.metrics.closed.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pubsub::{InProcess, SubscriberId};

    fn stats(views: usize, timers: usize, subscriptions: usize) -> SocketStats {
        SocketStats {
            views,
            timers,
            subscriptions,
            topics: subscriptions.min(1),
            tasks: 0,
            uploads: 0,
        }
    }

    #[test]
    fn gauges_follow_updates_and_return_to_zero_when_sockets_end() {
        let m = Arc::new(Metrics::new());
        let mut a = m.track_socket();
        let mut b = m.track_socket();
        a.update(stats(3, 2, 1));
        b.update(stats(1, 0, 4));
        let s = m.snapshot();
        assert_eq!(
            (s.sockets, s.views, s.timers, s.subscriptions),
            (2, 4, 2, 5)
        );
        // Deltas both ways.
        a.update(stats(1, 5, 0));
        let s = m.snapshot();
        assert_eq!((s.views, s.timers, s.subscriptions), (2, 5, 4));
        // A socket that ends with views still joined gives them all back.
        drop(a);
        let s = m.snapshot();
        assert_eq!(
            (s.sockets, s.views, s.timers, s.subscriptions),
            (1, 1, 0, 4)
        );
        b.update(SocketStats::default());
        drop(b);
        assert_eq!(
            m.snapshot(),
            MetricsSnapshot {
                sockets_opened: 2,
                sockets_closed: 2,
                ..MetricsSnapshot::default()
            }
        );
    }

    #[test]
    fn many_threads_balance_out() {
        let m = Arc::new(Metrics::new());
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for n in 0..500 {
                        let mut g = m.track_socket();
                        g.update(stats(n % 4, i, n % 3));
                        g.update(stats(n % 5, 1, 0));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let s = m.snapshot();
        assert_eq!(
            (s.sockets, s.views, s.timers, s.subscriptions),
            (0, 0, 0, 0)
        );
        assert_eq!((s.sockets_opened, s.sockets_closed), (4000, 4000));
    }

    #[test]
    fn snapshot_counts_the_pubsub_backend_and_serializes() {
        let m = Metrics::new();
        assert_eq!(m.snapshot().pubsub_subscribers, None);
        let ps = Arc::new(InProcess::new());
        m.count_pubsub(ps.clone());
        let (mailbox, _rx) = crate::pubsub::SocketMailbox::channel(1);
        let tx = Arc::new(mailbox);
        ps.subscribe("a", SubscriberId(1), tx.clone());
        ps.subscribe("a", SubscriberId(2), tx.clone());
        ps.subscribe("b", SubscriberId(1), tx);
        let s = m.snapshot();
        assert_eq!(s.pubsub_subscribers, Some(3));
        let v: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"sockets": 0, "views": 0, "timers": 0, "subscriptions": 0, "tasks": 0,
                "uploads": 0, "pubsub_subscribers": 3, "sockets_opened": 0, "sockets_closed": 0})
        );
        ps.unsubscribe("a", SubscriberId(1));
        assert_eq!(m.snapshot().pubsub_subscribers, Some(2));
    }
}
