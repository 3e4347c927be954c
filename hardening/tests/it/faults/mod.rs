//! Injected faults: the whole API (every route group) over a table, blob store and key ring
//! that fail or slow down a seeded share of their calls, while a client imports records,
//! registers and logs in, refreshes tokens and rotates keys the way a real one does (retrying
//! what it is told it may retry, a bounded number of times). Afterwards, with the faults gone:
//! every 2xx is durable and readable, every failure was retryable (a 503 with `retry-after`, or
//! a documented retryable answer), and the stored items hold nothing half-written.
//!
//! `COFFER_FAULTS_SEED` replays a run's faults (each test prints its seed);
//! `COFFER_FAULTS_SCALE` (default 1) multiplies every scenario's size for a longer run.

mod identity;
mod import;
mod keys;
mod ledger;
mod moto;
mod refresh;
mod regressions;
mod retry;
mod rig;
