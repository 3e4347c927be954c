//! The `cleanup` function: run by an EventBridge schedule, it rotates the token-signing key when
//! due, advances datasets' re-encryption jobs, writes signed audit checkpoints, purges deleted
//! orgs and datasets (with their records and blobs), removes orphan payload blobs, and purges
//! what has expired ([`cleanup::scheduled`]).
//!
//! A failed run answers a [`Diagnostic`] whose `error_type` says whether trying again may help:
//! `Cleanup.Retryable` (the table or the blob store throttled or was unavailable) or
//! `Cleanup.Fatal` (a bug or a bad item). Either way what the run finished stays finished and
//! the next run resumes.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use coffer_core::cleanup::{self, CleanupError, CleanupReport};
use coffer_core::{Ports, Settings};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;

/// Time kept back from the invocation's deadline so the run ends cleanly.
const MARGIN: Duration = Duration::from_secs(5);

/// 2020-01-01 in Unix milliseconds: no Lambda deadline is earlier.
const EPOCH_2020_MS: u64 = 1_577_836_800_000;

/// How long a run may take when the invocation gives no deadline (a local emulator).
const NO_DEADLINE_BUDGET: Duration = Duration::from_secs(30);

/// Why a run failed, as the function reports it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A dependency throttled or was unavailable: a retry, or the next scheduled run, resumes.
    #[error("cleanup stopped, a dependency is unavailable: {0}")]
    Unavailable(#[source] CleanupError),
    /// Anything else: trying again will meet it again.
    #[error("cleanup failed: {0}")]
    Failed(#[source] CleanupError),
}

impl Error {
    /// The `error_type` of a failure worth retrying.
    pub const RETRYABLE: &'static str = "Cleanup.Retryable";
    /// The `error_type` of any other failure.
    pub const FATAL: &'static str = "Cleanup.Fatal";

    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<CleanupError> for Error {
    fn from(err: CleanupError) -> Self {
        if err.is_retryable() {
            Self::Unavailable(err)
        } else {
            Self::Failed(err)
        }
    }
}

impl From<Error> for Diagnostic {
    fn from(err: Error) -> Self {
        Diagnostic {
            error_type: if err.is_retryable() {
                Error::RETRYABLE
            } else {
                Error::FATAL
            }
            .to_owned(),
            // Port errors name no id and no value.
            error_message: err.to_string(),
        }
    }
}

/// Handles one scheduled event.
pub async fn handle(
    ports: &Ports,
    settings: &Settings,
    event: LambdaEvent<EventBridgeEvent<Value>>,
) -> Result<CleanupReport, Error> {
    let mut deadline = instant_of(event.context.deadline);
    if event.context.deadline < EPOCH_2020_MS {
        // Lambda gives a Unix time in milliseconds; a local emulator may give none, or a
        // duration (`cargo lambda watch` sends 600000).
        tracing::warn!("the invocation has no usable deadline: running for the local budget");
        deadline = Instant::now() + NO_DEADLINE_BUDGET;
    }
    tracing::info!(
        source = %event.payload.source,
        deadline_ms = event.context.deadline,
        budget_ms = u64::try_from(deadline.saturating_duration_since(Instant::now()).as_millis())
            .unwrap_or(u64::MAX),
        "cleanup started"
    );
    cleanup::scheduled(ports, settings, deadline, MARGIN)
        .await
        .map_err(|err| {
            let err = Error::from(err);
            tracing::error!(error = %err, retryable = err.is_retryable(), "cleanup failed");
            err
        })
}

/// Lambda gives the deadline as Unix milliseconds; the run measures with a monotonic clock.
fn instant_of(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}
