//! Time comes from a clock that tests can set.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

/// A source of the current time. Backends judge expiry by it, so tests can move time forward.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current instant, UTC.
    fn now(&self) -> OffsetDateTime;

    /// Seconds since the Unix epoch: the unit of every stored expiry.
    fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock {
    nanos: AtomicI64,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: OffsetDateTime) -> Arc<Self> {
        let nanos = i64::try_from(start.unix_timestamp_nanos()).unwrap_or(i64::MAX);
        Arc::new(Self {
            nanos: AtomicI64::new(nanos),
        })
    }

    /// A clock stopped at the current system time.
    pub fn starting_now() -> Arc<Self> {
        Self::new(OffsetDateTime::now_utc())
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: time::Duration) {
        let step = i64::try_from(by.whole_nanoseconds()).unwrap_or(i64::MAX);
        self.nanos.fetch_add(step, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        let nanos = self.nanos.load(Ordering::SeqCst);
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::new(OffsetDateTime::from_unix_timestamp(1_000).unwrap());
        assert_eq!(clock.unix(), 1_000);
        clock.advance(time::Duration::hours(1));
        assert_eq!(clock.unix(), 4_600);
    }
}
