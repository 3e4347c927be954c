//! The scheduled cleanup: purges what has expired that DynamoDB's TTL has not yet removed.
//! Idempotent, bounded by the time it is given, and safe to run twice at once (every delete is
//! conditional on the item still being expired).

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::backends::Ports;
use crate::store::StoreError;

/// Items removed per store call.
const BATCH: usize = 100;

/// What one run did, logged and returned to the scheduler.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct CleanupReport {
    pub expired_items: usize,
    /// Soft-deleted orgs purged with everything they owned, and the items that went with them.
    pub purged_orgs: usize,
    pub purged_org_items: usize,
    /// The run stopped because its time ran out, not because nothing was left.
    pub out_of_time: bool,
}

/// Purges expired items until none is left or `deadline` is `margin` away.
#[tracing::instrument(skip_all)]
pub async fn run(
    ports: &Ports,
    deadline: Instant,
    margin: Duration,
) -> Result<CleanupReport, StoreError> {
    let mut report = CleanupReport::default();
    let purged = crate::orgs::purge_deleted_orgs(&*ports.table, deadline, margin).await?;
    report.purged_orgs = purged.orgs;
    report.purged_org_items = purged.items;
    report.out_of_time = purged.out_of_time;
    while !report.out_of_time {
        if Instant::now() + margin >= deadline {
            report.out_of_time = true;
            break;
        }
        let removed = ports.table.sweep_expired(BATCH).await?;
        report.expired_items += removed;
        if removed < BATCH {
            break;
        }
    }
    tracing::info!(
        expired_items = report.expired_items,
        purged_orgs = report.purged_orgs,
        purged_org_items = report.purged_org_items,
        out_of_time = report.out_of_time,
        "cleanup done"
    );
    Ok(report)
}
