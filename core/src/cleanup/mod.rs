//! The scheduled cleanup (API.md, "Scheduled"): rotates the token-signing key when it is due,
//! advances datasets' re-encryption jobs, purges soft-deleted orgs with what they owned,
//! purges soft-deleted datasets past their retention with their records, index entries and
//! blobs, removes payload blobs no record points to, and sweeps what has expired that
//! DynamoDB's TTL has not yet removed. `docs/cleanup.md` says what goes when.
//!
//! Every part is bounded by the time it is given and resumable: the org and dataset purges
//! leave what they have not finished where the next run finds it (the indexes of deleted orgs
//! and datasets), the orphan scan and the table sweep remember where they stopped in the
//! cleanup state. Every part is idempotent and safe when two runs overlap: table deletes are
//! conditional and counted only when they removed something, and the parts that delete blobs
//! (whose deletes cannot say so) run under one lease at a time.
//!
//! One concept per file: [`scheduled`] (the whole run), [`report`] (what a run did),
//! [`sweep`] (expired items),
//! [`datasets`] (the dataset purge), [`orphan_blobs`] (unreferenced payloads), [`lease`].

mod datasets;
mod error;
mod lease;
mod orphan_blobs;
mod report;
mod scheduled;
mod sweep;

use std::time::{Duration, Instant};

pub use error::CleanupError;
pub use orphan_blobs::ORPHAN_AGE;
pub use report::CleanupReport;
pub use scheduled::scheduled;

use crate::backends::Ports;
use crate::datasets::{DatasetsService, JobReport};
use crate::settings::{DatasetSettings, TokenSettings};
use crate::tokens::signing_keys::SigningKeyStore;
use lease::Lease;

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

/// Purges deleted orgs, deleted datasets past retention and orphan blobs, then sweeps expired
/// items, until everything is done or `deadline` is `margin` away. Each part gets a share of
/// the time left when it starts (what one leaves, the next gets), so none starves the others:
/// deleted orgs a quarter, deleted datasets a third, orphan blobs a half, the sweep the rest.
/// The counts are returned (the whole run logs them: [`scheduled`]).
#[tracing::instrument(skip_all)]
pub async fn run(
    ports: &Ports,
    deadline: Instant,
    margin: Duration,
) -> Result<CleanupReport, CleanupError> {
    let end = deadline.checked_sub(margin).unwrap_or_else(Instant::now);
    let share = |parts: u32| {
        let now = Instant::now();
        now + end.saturating_duration_since(now) / parts
    };
    let mut report = CleanupReport::default();

    // Orgs first: their live datasets join the dataset purge, due at once.
    let orgs =
        crate::orgs::purge_deleted_orgs(&*ports.table, &*ports.clock, share(4), Duration::ZERO)
            .await?;
    report.purged_orgs = orgs.orgs;
    report.purged_org_items = orgs.items;
    report.org_datasets_queued = orgs.datasets_queued;
    report.out_of_time |= orgs.out_of_time;

    let lease_for = end.saturating_duration_since(Instant::now()) + margin;
    match Lease::acquire(&*ports.table, ports.clock.unix(), lease_for).await? {
        Some(lease) => {
            let purged = purge_under_lease(ports, &mut report, &share).await;
            lease.release(&*ports.table).await;
            purged?;
        }
        None => report.purges_left_to_another_run = true,
    }

    let swept = sweep::sweep_expired(ports, end).await?;
    report.expired_items = swept.removed;
    report.sweep_resumes = swept.resumes;
    report.out_of_time |= swept.out_of_time;
    Ok(report)
}

/// The parts that delete blobs: the dataset purge, then the orphan scan.
async fn purge_under_lease(
    ports: &Ports,
    report: &mut CleanupReport,
    share: &impl Fn(u32) -> Instant,
) -> Result<(), CleanupError> {
    let datasets = datasets::purge_due_datasets(ports, share(3)).await?;
    report.purged_datasets = datasets.datasets;
    report.purged_dataset_items = datasets.items;
    report.purged_blobs = datasets.blobs;
    report.out_of_time |= datasets.out_of_time;

    let orphans = orphan_blobs::remove_orphan_blobs(ports, share(2)).await?;
    report.orphan_blobs_removed = orphans.removed;
    report.orphan_scan_resumes = orphans.resumes;
    report.out_of_time |= orphans.out_of_time;
    Ok(())
}
