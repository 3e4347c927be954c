//! The `cleanup` function: run by an EventBridge schedule, it rotates the token-signing key when
//! due, advances datasets' re-encryption jobs, writes signed audit checkpoints, purges deleted
//! orgs and datasets (with their records and blobs), removes orphan payload blobs, and purges
//! what has expired ([`cleanup::scheduled`]).
//!
//! A failed run answers a [`Diagnostic`] whose `error_type` says whether trying again may help:
//! `Cleanup.Retryable` (the table or the blob store throttled or was unavailable) or
//! `Cleanup.Fatal` (a bug or a bad item). Either way what the run finished stays finished and
//! the next run resumes.
//!
//! Each run's counts (and the key-ring calls it made) go out as one CloudWatch EMF document on
//! stdout ([`handle_measured`]).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use coffer_core::cleanup::{self, CleanupError, CleanupReport};
use coffer_core::telemetry::{self, emf};
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

/// Handles one scheduled event, and answers with its metrics as EMF documents (one, unless the
/// run failed before it had anything to count) for `main` to print.
pub async fn handle_measured(
    ports: &Ports,
    settings: &Settings,
    event: LambdaEvent<EventBridgeEvent<Value>>,
) -> (Result<CleanupReport, Error>, Vec<Value>) {
    let invocation = coffer_core::http::lambda::emf_invocation(&event.context);
    let (result, recording) = telemetry::scoped(handle(ports, settings, event)).await;
    (
        result,
        emf::documents(&recording, &invocation, emf::now_ms()),
    )
}

/// Lambda gives the deadline as Unix milliseconds; the run measures with a monotonic clock.
fn instant_of(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use aws_lambda_events::event::eventbridge::EventBridgeEvent;
    use coffer_core::ManualClock;
    use lambda_runtime::Context;
    use serde_json::json;

    #[tokio::test]
    async fn a_run_emits_one_emf_document_with_the_reports_counts() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::embedded(dir.path());
        let ports = Ports::embedded(&settings, ManualClock::starting_now()).unwrap();
        let mut context = Context::default();
        context.request_id = "invocation-7".into();
        context.env_config = Arc::new(lambda_runtime::Config {
            function_name: "coffer-cleanup".into(),
            ..lambda_runtime::Config::default()
        });
        let event = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../events/cleanup/scheduled.json"
        );
        let payload: EventBridgeEvent<Value> =
            serde_json::from_str(&std::fs::read_to_string(event).unwrap()).unwrap();

        let (report, documents) =
            handle_measured(&ports, &settings, LambdaEvent::new(payload, context)).await;

        let report = report.unwrap();
        assert_eq!(documents.len(), 1);
        let document: Value = serde_json::from_str(&documents[0].to_string()).unwrap();
        let directives = document["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 1);
        assert_eq!(directives[0]["Namespace"], "Coffer");
        assert_eq!(directives[0]["Dimensions"], json!([["function"]]));
        assert_eq!(document["function"], "coffer-cleanup");
        assert_eq!(document["lambda_request_id"], "invocation-7");
        assert_eq!(document["CleanupRuns"], 1);
        assert_eq!(document["CleanupExpiredItems"], report.expired_items);
        assert_eq!(
            document["CleanupSigningKeysAdded"],
            u64::from(report.signing_key_added.is_some())
        );
        // Every metric the directive names has its value in the document.
        for metric in directives[0]["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            assert!(document[name].is_number(), "{name}");
        }
    }
}
