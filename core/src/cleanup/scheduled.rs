//! One whole scheduled run, as the `cleanup` Lambda and the local server's timer both make it:
//! the token-signing key rotated when due, datasets' re-encryption jobs advanced, every audit
//! scope whose chains moved checkpointed, then the purges and the sweep ([`super::run`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{CleanupError, CleanupReport, advance_reencryption, rotate_signing_key, run};
use crate::audit::AuditService;
use crate::backends::Ports;
use crate::settings::Settings;

/// Runs everything until `deadline` is `margin` away. A failure to checkpoint does not stop the
/// purges: the run finishes them, then answers the checkpoint's error (so the schedule sees it,
/// retryable or not) — the next run checkpoints what this one could not.
#[tracing::instrument(skip_all)]
pub async fn scheduled(
    ports: &Ports,
    settings: &Settings,
    deadline: Instant,
    margin: Duration,
) -> Result<CleanupReport, CleanupError> {
    let signing_key_added = rotate_signing_key(ports, &settings.tokens).await;
    let left = || deadline.saturating_duration_since(Instant::now());
    // Re-encryption gets a third of the time, checkpoints a quarter of what is left; the
    // purges and the sweep the rest.
    let jobs = advance_reencryption(ports, &settings.datasets, left() / 3).await;
    let audit = AuditService::new(
        Arc::clone(&ports.table),
        Arc::clone(&ports.keys),
        Arc::clone(&ports.clock),
    );
    let checkpoints = audit.checkpoint_due(Instant::now() + left() / 4).await;
    let mut report = run(ports, deadline, margin).await?;
    report.signing_key_added = signing_key_added;
    report.reencryption_jobs_finished = jobs.finished;
    report.records_resealed = jobs.resealed;
    match checkpoints {
        Ok(done) => {
            report.audit_checkpoints_written = done.written;
            report.out_of_time |= done.out_of_time;
            report.log();
            Ok(report)
        }
        Err(err) => {
            report.log();
            tracing::error!(error = %err, "audit checkpoints could not be written");
            Err(CleanupError::Audit(err))
        }
    }
}
