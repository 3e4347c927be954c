//! The `cleanup` function: run by an EventBridge schedule, it rotates the token-signing key when
//! due, advances datasets' re-encryption jobs, and purges what has expired.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use coffer_core::cleanup::{self, CleanupReport};
use coffer_core::{Ports, Settings};
use lambda_runtime::LambdaEvent;
use serde_json::Value;

/// Time kept back from the invocation's deadline so the run ends cleanly.
const MARGIN: Duration = Duration::from_secs(5);

/// Handles one scheduled event.
pub async fn handle(
    ports: &Ports,
    settings: &Settings,
    event: LambdaEvent<EventBridgeEvent<Value>>,
) -> Result<CleanupReport, lambda_runtime::Error> {
    let deadline = instant_of(event.context.deadline);
    tracing::info!(source = %event.payload.source, "cleanup started");
    let signing_key_added = cleanup::rotate_signing_key(ports, &settings.tokens).await;
    // Re-encryption gets a third of the time; the purges and the sweep the rest.
    let third = deadline.saturating_duration_since(Instant::now()) / 3;
    let jobs = cleanup::advance_reencryption(ports, &settings.datasets, third).await;
    let mut report = cleanup::run(ports, deadline, MARGIN).await?;
    report.signing_key_added = signing_key_added;
    report.reencryption_jobs_finished = jobs.finished;
    report.records_resealed = jobs.resealed;
    Ok(report)
}

/// Lambda gives the deadline as Unix milliseconds; the run measures with a monotonic clock.
fn instant_of(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}
