//! How long audit events are kept (`COFFER_AUDIT_RETENTION_DAYS`, 365 by default): each event
//! expires that long after it happened, and checkpoints a while later, so the newest checkpoint
//! older than the oldest kept event roots its chain.
//!
//! Events are made in every service, most of which never see the settings; the ports set the
//! process's retention once at start (from the typed settings), and every event reads it here.

use std::sync::OnceLock;

use time::{Duration, OffsetDateTime};

/// The default: a year.
pub const DEFAULT_DAYS: u32 = 365;

/// How much longer than events checkpoints are kept.
pub const CHECKPOINT_EXTRA_DAYS: i64 = 30;

static DAYS: OnceLock<u32> = OnceLock::new();

/// Sets the process's retention; the first call wins (settings are read once at start).
pub fn configure(days: u32) {
    let _ = DAYS.set(days);
}

pub fn days() -> u32 {
    DAYS.get().copied().unwrap_or(DEFAULT_DAYS)
}

/// When an event that happened at `time` expires (Unix seconds).
pub fn expiry_of(time: OffsetDateTime) -> i64 {
    (time + Duration::days(i64::from(days()))).unix_timestamp()
}

/// When a checkpoint made at `time` expires (Unix seconds).
pub fn checkpoint_expiry_of(time: OffsetDateTime) -> i64 {
    (time + Duration::days(i64::from(days()) + CHECKPOINT_EXTRA_DAYS)).unix_timestamp()
}
