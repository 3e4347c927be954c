//! The scheduled cleanup: rotates the token-signing key when it is due, purges soft-deleted orgs
//! with what they owned, and what has expired that DynamoDB's TTL has not yet removed. Idempotent, bounded by the time it is given — the
//! table sweep remembers where it stopped and the next run resumes there — and safe to run twice
//! at once (every delete is conditional on the item still being expired).

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::backends::Ports;
use crate::datasets::{DatasetsService, JobReport};
use crate::settings::{DatasetSettings, TokenSettings};
use crate::store::{Condition, Cursor, Item, StoreError, schema};
use crate::tokens::signing_keys::SigningKeyStore;

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
    /// The table sweep stopped midway; the next run goes on from there.
    pub sweep_resumes: bool,
    /// The kid of the signing key this run added, if rotation was due.
    pub signing_key_added: Option<String>,
    /// Datasets' re-encryption jobs this run finished, and the records it re-sealed.
    pub reencryption_jobs_finished: usize,
    pub records_resealed: u64,
}

/// Advances datasets' re-encryption jobs for about `budget` (on Lambda the schedule is their
/// worker; locally a background task is). A failure is logged and the run goes on: the jobs
/// resume where they stopped next time.
#[tracing::instrument(skip_all)]
pub async fn advance_reencryption(
    ports: &Ports,
    settings: &DatasetSettings,
    budget: Duration,
) -> JobReport {
    let datasets = DatasetsService::new(
        ports.table.clone(),
        ports.blobs.clone(),
        ports.keys.clone(),
        ports.clock.clone(),
        settings.clone(),
    );
    match datasets.run_jobs(budget).await {
        Ok(report) => report,
        Err(err) => {
            tracing::error!(error = %err, "re-encryption jobs could not advance");
            JobReport::default()
        }
    }
}

/// Adds a token-signing key if the newest has signed for the rotation period less the lead
/// (see `crate::tokens::signing_keys`). A failure is logged and the run goes on: the key that
/// signs now keeps signing, and the next run tries again.
#[tracing::instrument(skip_all)]
pub async fn rotate_signing_key(ports: &Ports, settings: &TokenSettings) -> Option<String> {
    let store = SigningKeyStore::new(
        ports.table.clone(),
        ports.keys.clone(),
        ports.clock.clone(),
        settings,
    );
    match store.rotate_if_due().await {
        Ok(added) => added,
        Err(err) => {
            tracing::error!(error = %err, "signing key rotation failed");
            None
        }
    }
}

/// Purges expired items until none is left or `deadline` is `margin` away.
#[tracing::instrument(skip_all)]
pub async fn run(
    ports: &Ports,
    deadline: Instant,
    margin: Duration,
) -> Result<CleanupReport, StoreError> {
    let mut report = CleanupReport::default();
    // Deleted orgs get half of the time, so a large purge cannot starve the expiry sweep.
    let half = deadline.saturating_duration_since(Instant::now()) / 2;
    let purged =
        crate::orgs::purge_deleted_orgs(&*ports.table, Instant::now() + half, margin).await?;
    report.purged_orgs = purged.orgs;
    report.purged_org_items = purged.items;
    let mut from = sweep_position(ports).await?;
    let resumed = from.is_some();
    while !report.out_of_time {
        if Instant::now() + margin >= deadline {
            report.out_of_time = true;
            break;
        }
        let sweep = ports.table.sweep_expired(BATCH, from.as_ref()).await?;
        report.expired_items += sweep.removed;
        from = sweep.resume;
        if from.is_none() {
            break;
        }
    }
    if from.is_some() || resumed {
        save_sweep_position(ports, from.as_ref()).await?;
    }
    report.sweep_resumes = from.is_some();
    tracing::info!(
        expired_items = report.expired_items,
        purged_orgs = report.purged_orgs,
        purged_org_items = report.purged_org_items,
        out_of_time = report.out_of_time,
        "cleanup done"
    );
    Ok(report)
}

/// Where the last run's sweep stopped, if it did not finish.
async fn sweep_position(ports: &Ports) -> Result<Option<Cursor>, StoreError> {
    let Some(item) = ports.table.get(&schema::cleanup_state()).await? else {
        return Ok(None);
    };
    // An unreadable position only costs a pass from the start.
    Ok(item
        .attrs
        .get("resume")
        .and_then(|v| v.as_str())
        .and_then(|raw| Cursor::decode(raw).ok()))
}

async fn save_sweep_position(ports: &Ports, at: Option<&Cursor>) -> Result<(), StoreError> {
    let item = Item::new(schema::cleanup_state()).with_attr("resume", at.map(Cursor::encode));
    ports.table.put(item, Condition::None).await
}
