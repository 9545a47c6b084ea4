//! The adapter's clock: UNIX time in microseconds, kept monotonic.

use liveview_core::Time;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Reads the wall clock once, then advances with [`Instant`], so that [`Time`]
/// values are UNIX microseconds (token expiry needs that) and never go back.
///
/// ```
/// let c = liveview_warp::Clock::new();
/// let a = c.now();
/// let b = c.now();
/// assert!(b >= a);
/// assert!(a.as_secs() > 1_600_000_000);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start_unix_micros: u64,
    start: Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    /// A clock starting now.
    pub fn new() -> Clock {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0);
        Clock {
            start_unix_micros: u64::try_from(unix).unwrap_or(u64::MAX),
            start: Instant::now(),
        }
    }

    /// The current time.
    pub fn now(&self) -> Time {
        self.time_at(Instant::now())
    }

    /// The [`Time`] of an instant (instants before the start map to the start).
    pub fn time_at(&self, at: Instant) -> Time {
        let since =
            u64::try_from(at.saturating_duration_since(self.start).as_micros()).unwrap_or(u64::MAX);
        Time::from_micros(self.start_unix_micros.saturating_add(since))
    }

    /// The [`Instant`] of a time (times before the start map to the start).
    pub fn instant_of(&self, t: Time) -> Instant {
        let after = t.as_micros().saturating_sub(self.start_unix_micros);
        self.start + std::time::Duration::from_micros(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn instant_and_time_round_trip() {
        let c = Clock::new();
        let i = c.start + Duration::from_millis(1500);
        let t = c.time_at(i);
        assert_eq!(t.as_micros() - c.start_unix_micros, 1_500_000);
        assert_eq!(c.instant_of(t), i);
        assert_eq!(c.instant_of(Time::ZERO), c.start);
    }
}
