//! What one cleanup run did: logged by the run and returned to the scheduler.

use serde::Serialize;

/// What one run did. Every count is of what this run itself removed (each delete is
/// conditional, or done under the cleanup lease), so two overlapping runs never count the same
/// item twice.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct CleanupReport {
    /// Items past their expiry that the table sweep removed (DynamoDB's TTL is late).
    pub expired_items: usize,
    /// Soft-deleted orgs purged with everything they owned, and the items that went with them.
    pub purged_orgs: usize,
    pub purged_org_items: usize,
    /// Live datasets of deleted orgs handed to the dataset purge (due at once).
    pub org_datasets_queued: usize,
    /// Soft-deleted datasets purged past their retention (one `datasets.purge` event each).
    pub purged_datasets: usize,
    /// Their records, blind-index entries, key versions and jobs.
    pub purged_dataset_items: usize,
    /// Their payload blobs.
    pub purged_blobs: usize,
    /// Payload blobs no record points to, older than an hour.
    pub orphan_blobs_removed: usize,
    /// The run stopped because its time ran out, not because nothing was left.
    pub out_of_time: bool,
    /// The table sweep stopped midway; the next run goes on from there.
    pub sweep_resumes: bool,
    /// The scan of payload blobs for orphans stopped midway; the next run goes on from there.
    pub orphan_scan_resumes: bool,
    /// Another run held the cleanup lease: this one left the dataset purge and the orphan
    /// scan to it.
    pub purges_left_to_another_run: bool,
    /// The kid of the signing key this run added, if rotation was due.
    pub signing_key_added: Option<String>,
    /// Datasets' re-encryption jobs this run finished, and the records it re-sealed.
    pub reencryption_jobs_finished: usize,
    pub records_resealed: u64,
    /// Audit scopes (orgs, users, the platform) whose chains moved and got a signed checkpoint.
    pub audit_checkpoints_written: usize,
}

impl CleanupReport {
    /// Writes the counts to the log (never an id or a value: counts only).
    pub fn log(&self) {
        crate::telemetry::cleanup_run(self);
        tracing::info!(
            expired_items = self.expired_items,
            purged_orgs = self.purged_orgs,
            purged_org_items = self.purged_org_items,
            org_datasets_queued = self.org_datasets_queued,
            purged_datasets = self.purged_datasets,
            purged_dataset_items = self.purged_dataset_items,
            purged_blobs = self.purged_blobs,
            orphan_blobs_removed = self.orphan_blobs_removed,
            out_of_time = self.out_of_time,
            sweep_resumes = self.sweep_resumes,
            orphan_scan_resumes = self.orphan_scan_resumes,
            purges_left_to_another_run = self.purges_left_to_another_run,
            reencryption_jobs_finished = self.reencryption_jobs_finished,
            records_resealed = self.records_resealed,
            audit_checkpoints_written = self.audit_checkpoints_written,
            signing_key_added = self.signing_key_added.is_some(),
            "cleanup done"
        );
    }
}
