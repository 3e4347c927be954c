//! Races on both backends (the embedded SQLite store and DynamoDB, S3 and KMS on moto), each
//! with real concurrency (tasks on a multi-thread runtime, released together) and enough rounds
//! to interleave: same-email registration, concurrent refresh of one refresh token, tier-limit
//! creates, idempotent record writes under retry, key rotation racing encrypt, and owners
//! demoting or removing each other.
//!
//! Each race watches the conditional write that protects it (see [`guard`]) and prints how
//! many attempts reached it and were refused. `COFFER_RACES_ROUNDS=<n>` runs every race `n`
//! rounds on both backends (the longer run); `COFFER_RACES_UNGUARDED=1` takes each race's
//! protection away, and every race must then fail (the suite's self-check).

mod guard;
mod idempotency;
mod key_rotation;
mod last_owner;
mod refresh;
mod registration;
mod setup;
mod tier_limits;
