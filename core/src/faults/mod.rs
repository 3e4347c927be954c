//! Fault injection: wrap any backend to fail or slow down a chosen share of its calls. Tests use
//! it to check readiness, retries and that a failure leaves nothing half-written.

mod blobs;
mod keys;
mod table;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Which calls fail or wait, and how.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultPlan {
    /// Share of calls (0.0..=1.0) that fail with the port's backend error.
    pub fail_share: f64,
    /// Share of calls (0.0..=1.0) that wait `delay` first.
    pub delay_share: f64,
    pub delay: Duration,
    /// Seed of the choice, so a failing run can be replayed.
    pub seed: u64,
}

impl FaultPlan {
    /// Every call fails.
    pub fn always_fail() -> Self {
        Self::fail(1.0)
    }

    /// This share of calls fails.
    pub fn fail(share: f64) -> Self {
        Self {
            fail_share: share,
            delay_share: 0.0,
            delay: Duration::ZERO,
            seed: 7,
        }
    }

    /// This share of calls waits `delay`.
    pub fn slow(share: f64, delay: Duration) -> Self {
        Self {
            fail_share: 0.0,
            delay_share: share,
            delay,
            seed: 7,
        }
    }
}

/// The error a wrapped backend reports for an injected failure.
#[derive(Debug, thiserror::Error)]
#[error("injected fault")]
pub struct InjectedFault;

/// A backend with faults injected according to a plan.
#[derive(Debug)]
pub struct Faulty<T> {
    inner: T,
    plan: FaultPlan,
    rng: Mutex<fastrand::Rng>,
    calls: AtomicU64,
    failures: AtomicU64,
}

impl<T> Faulty<T> {
    pub fn new(inner: T, plan: FaultPlan) -> Self {
        Self {
            inner,
            rng: Mutex::new(fastrand::Rng::with_seed(plan.seed)),
            plan,
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }
    }

    /// Calls seen so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Calls failed on purpose so far.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Runs before every call: maybe waits, maybe fails.
    async fn before(&self) -> Result<(), InjectedFault> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let (delay, fail) = match self.rng.lock() {
            Ok(mut rng) => (
                rng.f64() < self.plan.delay_share,
                rng.f64() < self.plan.fail_share,
            ),
            Err(_) => (false, true),
        };
        if delay {
            tokio::time::sleep(self.plan.delay).await;
        }
        if fail {
            self.failures.fetch_add(1, Ordering::Relaxed);
            return Err(InjectedFault);
        }
        Ok(())
    }
}
