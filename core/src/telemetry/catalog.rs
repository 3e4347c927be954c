//! Every metric Coffer records, and the one typed function per event that records it. Label
//! values are `&'static str` chosen here or a route template chosen by the HTTP layer, so no id
//! and no user input can become a label.

use std::time::Duration;

use super::registry::{Observation, Registry, Sample};
use super::scope;
use crate::cleanup::CleanupReport;
use crate::store::schema::RateBucket;

/// What a metric measures and how each exporter names it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Metric {
    /// The Prometheus name (`coffer_…`, `_total` for counters, `_seconds` for durations).
    pub name: &'static str,
    /// Prometheus's `# HELP` line.
    pub help: &'static str,
    pub kind: Kind,
    /// The names of its labels, in the order every sample gives them.
    pub labels: &'static [&'static str],
    /// The CloudWatch metric name; a label that is not an EMF dimension is appended to it
    /// (`KeyRingCalls_generate`), so that dimensions stay `[function, route]`.
    pub emf_name: &'static str,
}

/// How a metric aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Only goes up; EMF unit `Count`.
    Counter,
    /// Durations in seconds, in [`super::LATENCY_BUCKETS`]; EMF unit `Milliseconds`.
    Histogram,
}

/// A counter of cleanup runs: no label.
const fn counter(name: &'static str, help: &'static str, emf_name: &'static str) -> Metric {
    labelled(name, help, emf_name, &[])
}

const fn labelled(
    name: &'static str,
    help: &'static str,
    emf_name: &'static str,
    labels: &'static [&'static str],
) -> Metric {
    Metric {
        name,
        help,
        kind: Kind::Counter,
        labels,
        emf_name,
    }
}

/// The label of a request's route template (axum's matched path, never the raw path).
pub const ROUTE: &str = "route";
/// The label of a request's method (one of the standard methods, or `OTHER`).
pub const METHOD: &str = "method";
/// The route label of a request no route matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The labels of every HTTP series.
const HTTP_LABELS: &[&str] = &[METHOD, ROUTE];

pub static HTTP_REQUESTS: Metric = labelled(
    "coffer_http_requests_total",
    "Requests served, by route template and method.",
    "Requests",
    HTTP_LABELS,
);
pub static HTTP_DURATION: Metric = Metric {
    name: "coffer_http_request_duration_seconds",
    help: "Time from the request reaching the router to its reply, by route template and method.",
    kind: Kind::Histogram,
    labels: HTTP_LABELS,
    emf_name: "Latency",
};
pub static HTTP_CLIENT_ERRORS: Metric = labelled(
    "coffer_http_client_errors_total",
    "Replies with a 4xx status, by route template and method.",
    "ClientErrors",
    HTTP_LABELS,
);
pub static HTTP_SERVER_ERRORS: Metric = labelled(
    "coffer_http_server_errors_total",
    "Replies with a 5xx status, by route template and method.",
    "ServerErrors",
    HTTP_LABELS,
);
pub static KEY_RING_CALLS: Metric = labelled(
    "coffer_key_ring_calls_total",
    "Calls that reached the key ring (KMS on AWS), by operation: generate or unwrap.",
    "KeyRingCalls",
    &["operation"],
);
pub static RATE_LIMIT_REFUSALS: Metric = labelled(
    "coffer_rate_limit_refusals_total",
    "Requests refused by a rate limit or a login lockout, by limit.",
    "RateLimitRefusals",
    &["limit"],
);
pub static CLEANUP_RUNS: Metric = counter(
    "coffer_cleanup_runs_total",
    "Scheduled cleanup runs that finished or stopped for time.",
    "CleanupRuns",
);
pub static CLEANUP_EXPIRED_ITEMS: Metric = counter(
    "coffer_cleanup_expired_items_total",
    "Items past their expiry that the cleanup sweep removed.",
    "CleanupExpiredItems",
);
pub static CLEANUP_PURGED_ORGS: Metric = counter(
    "coffer_cleanup_purged_orgs_total",
    "Deleted orgs purged.",
    "CleanupPurgedOrgs",
);
pub static CLEANUP_PURGED_ORG_ITEMS: Metric = counter(
    "coffer_cleanup_purged_org_items_total",
    "Items purged with deleted orgs.",
    "CleanupPurgedOrgItems",
);
pub static CLEANUP_ORG_DATASETS_QUEUED: Metric = counter(
    "coffer_cleanup_org_datasets_queued_total",
    "Datasets of deleted orgs handed to the dataset purge.",
    "CleanupOrgDatasetsQueued",
);
pub static CLEANUP_PURGED_DATASETS: Metric = counter(
    "coffer_cleanup_purged_datasets_total",
    "Deleted datasets purged past their retention.",
    "CleanupPurgedDatasets",
);
pub static CLEANUP_PURGED_DATASET_ITEMS: Metric = counter(
    "coffer_cleanup_purged_dataset_items_total",
    "Records, index entries, key versions and jobs purged with datasets.",
    "CleanupPurgedDatasetItems",
);
pub static CLEANUP_PURGED_BLOBS: Metric = counter(
    "coffer_cleanup_purged_blobs_total",
    "Payload blobs purged with datasets.",
    "CleanupPurgedBlobs",
);
pub static CLEANUP_ORPHAN_BLOBS: Metric = counter(
    "coffer_cleanup_orphan_blobs_removed_total",
    "Payload blobs no record points to that cleanup removed.",
    "CleanupOrphanBlobsRemoved",
);
pub static CLEANUP_JOBS_FINISHED: Metric = counter(
    "coffer_cleanup_reencryption_jobs_finished_total",
    "Dataset re-encryption jobs that cleanup finished.",
    "CleanupReencryptionJobsFinished",
);
pub static CLEANUP_RECORDS_RESEALED: Metric = counter(
    "coffer_cleanup_records_resealed_total",
    "Records re-sealed by re-encryption jobs during cleanup.",
    "CleanupRecordsResealed",
);
pub static CLEANUP_CHECKPOINTS: Metric = counter(
    "coffer_cleanup_audit_checkpoints_written_total",
    "Signed audit checkpoints written.",
    "CleanupAuditCheckpointsWritten",
);
pub static CLEANUP_SIGNING_KEYS: Metric = counter(
    "coffer_cleanup_signing_keys_added_total",
    "Token-signing keys added by scheduled rotation.",
    "CleanupSigningKeysAdded",
);
pub static CLEANUP_OUT_OF_TIME: Metric = counter(
    "coffer_cleanup_out_of_time_runs_total",
    "Cleanup runs that stopped because their time ran out.",
    "CleanupOutOfTimeRuns",
);
pub static CLEANUP_SWEEP_RESUMES: Metric = counter(
    "coffer_cleanup_sweep_resumes_total",
    "Cleanup runs whose expiry sweep stopped midway (the next run resumes it).",
    "CleanupSweepResumes",
);
pub static CLEANUP_ORPHAN_SCAN_RESUMES: Metric = counter(
    "coffer_cleanup_orphan_scan_resumes_total",
    "Cleanup runs whose orphan-blob scan stopped midway (the next run resumes it).",
    "CleanupOrphanScanResumes",
);
pub static CLEANUP_PURGES_LEFT: Metric = counter(
    "coffer_cleanup_purges_left_to_another_run_total",
    "Cleanup runs that left the purges to another run holding the lease.",
    "CleanupPurgesLeftToAnotherRun",
);

/// Every metric, in the order the Prometheus text lists them.
pub static ALL: [&Metric; 23] = [
    &HTTP_REQUESTS,
    &HTTP_DURATION,
    &HTTP_CLIENT_ERRORS,
    &HTTP_SERVER_ERRORS,
    &KEY_RING_CALLS,
    &RATE_LIMIT_REFUSALS,
    &CLEANUP_RUNS,
    &CLEANUP_EXPIRED_ITEMS,
    &CLEANUP_PURGED_ORGS,
    &CLEANUP_PURGED_ORG_ITEMS,
    &CLEANUP_ORG_DATASETS_QUEUED,
    &CLEANUP_PURGED_DATASETS,
    &CLEANUP_PURGED_DATASET_ITEMS,
    &CLEANUP_PURGED_BLOBS,
    &CLEANUP_ORPHAN_BLOBS,
    &CLEANUP_JOBS_FINISHED,
    &CLEANUP_RECORDS_RESEALED,
    &CLEANUP_CHECKPOINTS,
    &CLEANUP_SIGNING_KEYS,
    &CLEANUP_OUT_OF_TIME,
    &CLEANUP_SWEEP_RESUMES,
    &CLEANUP_ORPHAN_SCAN_RESUMES,
    &CLEANUP_PURGES_LEFT,
];

/// Into the process's registry, and into the EMF recording of the request or run, if any.
fn record(samples: &[Sample<'_>]) {
    debug_assert!(samples.iter().all(|sample| {
        let names = sample.labels.iter().map(|(name, _)| *name);
        names.eq(sample.metric.labels.iter().copied())
    }));
    Registry::global().record(samples);
    scope::note(samples);
}

fn count<'a>(metric: &'static Metric, labels: &'a [(&'static str, &'a str)], n: u64) -> Sample<'a> {
    Sample {
        metric,
        labels,
        observation: Observation::Add(n),
    }
}

/// One request served: its count, latency, and whether it was a client or server error. `route`
/// is the route template (or [`UNMATCHED_ROUTE`]) and `method` a fixed name, never the raw path.
pub fn request_served(route: &str, method: &'static str, status: u16, latency: Duration) {
    let labels = [(METHOD, method), (ROUTE, route)];
    record(&[
        count(&HTTP_REQUESTS, &labels, 1),
        Sample {
            metric: &HTTP_DURATION,
            labels: &labels,
            observation: Observation::Seconds(latency.as_secs_f64()),
        },
        // Zeros too, so that an error rate is errors over requests in both exporters.
        count(
            &HTTP_CLIENT_ERRORS,
            &labels,
            u64::from((400..500).contains(&status)),
        ),
        count(&HTTP_SERVER_ERRORS, &labels, u64::from(status >= 500)),
    ]);
}

/// A call that reached the key ring past the data-key cache: `generate` or `unwrap`.
pub fn key_ring_call(operation: &'static str) {
    record(&[count(&KEY_RING_CALLS, &[("operation", operation)], 1)]);
}

/// A request refused by the limit named `limit` (see [`bucket_limit`]; `login-failures` for the
/// per-address guess limit, `login-lockout` for a guess while the account is locked).
pub fn rate_limit_refused(limit: &'static str) {
    record(&[count(&RATE_LIMIT_REFUSALS, &[("limit", limit)], 1)]);
}

/// The limit a rate bucket counts for, without whom it counts (no IP, no digest, no id).
pub fn bucket_limit(bucket: &RateBucket<'_>) -> &'static str {
    match bucket {
        RateBucket::LoginIp(_) => "login-ip",
        RateBucket::RegisterIp(_) => "register-ip",
        RateBucket::ResetEmail(_) => "reset-email",
        RateBucket::VerifyUser(_) => "verify-user",
        RateBucket::ResetIp(_) => "reset-ip",
        RateBucket::VerifyIp(_) => "verify-ip",
    }
}

/// A cleanup run's report: each of its counts, and each of its flags as a count of runs.
pub fn cleanup_run(report: &CleanupReport) {
    let n = |value: usize| u64::try_from(value).unwrap_or(u64::MAX);
    let flag = u64::from;
    record(&[
        count(&CLEANUP_RUNS, &[], 1),
        count(&CLEANUP_EXPIRED_ITEMS, &[], n(report.expired_items)),
        count(&CLEANUP_PURGED_ORGS, &[], n(report.purged_orgs)),
        count(&CLEANUP_PURGED_ORG_ITEMS, &[], n(report.purged_org_items)),
        count(
            &CLEANUP_ORG_DATASETS_QUEUED,
            &[],
            n(report.org_datasets_queued),
        ),
        count(&CLEANUP_PURGED_DATASETS, &[], n(report.purged_datasets)),
        count(
            &CLEANUP_PURGED_DATASET_ITEMS,
            &[],
            n(report.purged_dataset_items),
        ),
        count(&CLEANUP_PURGED_BLOBS, &[], n(report.purged_blobs)),
        count(&CLEANUP_ORPHAN_BLOBS, &[], n(report.orphan_blobs_removed)),
        count(
            &CLEANUP_JOBS_FINISHED,
            &[],
            n(report.reencryption_jobs_finished),
        ),
        count(&CLEANUP_RECORDS_RESEALED, &[], report.records_resealed),
        count(
            &CLEANUP_CHECKPOINTS,
            &[],
            n(report.audit_checkpoints_written),
        ),
        count(
            &CLEANUP_SIGNING_KEYS,
            &[],
            flag(report.signing_key_added.is_some()),
        ),
        count(&CLEANUP_OUT_OF_TIME, &[], flag(report.out_of_time)),
        count(&CLEANUP_SWEEP_RESUMES, &[], flag(report.sweep_resumes)),
        count(
            &CLEANUP_ORPHAN_SCAN_RESUMES,
            &[],
            flag(report.orphan_scan_resumes),
        ),
        count(
            &CLEANUP_PURGES_LEFT,
            &[],
            flag(report.purges_left_to_another_run),
        ),
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::rate_limit::RateLimiter;
    use crate::keys::EncryptionContext;
    use crate::telemetry::scoped;
    use crate::{ManualClock, Ports, Settings};
    use std::collections::HashSet;

    #[tokio::test]
    async fn a_refused_rate_limit_hit_and_a_key_ring_call_past_the_cache_are_counted_where_they_happen()
     {
        let dir = tempfile::tempdir().unwrap();
        let ports =
            Ports::embedded(&Settings::embedded(dir.path()), ManualClock::starting_now()).unwrap();
        let limiter = RateLimiter::new(ports.table.clone(), ports.clock.clone());
        let window = Duration::from_secs(60);

        let ((), recording) = scoped(async {
            for _ in 0..3 {
                limiter
                    .hit(RateBucket::RegisterIp("198.51.100.9"), 2, window)
                    .await
                    .unwrap();
            }
            let context = EncryptionContext::from([("purpose".to_owned(), "test".to_owned())]);
            let generated = ports.keys.generate_data_key(&context).await.unwrap();
            // Cached: this unwrap reaches no key ring.
            ports
                .keys
                .unwrap_data_key(&generated.wrapped, &context)
                .await
                .unwrap();
        })
        .await;

        let refusals = "coffer_rate_limit_refusals_total";
        assert_eq!(recording.count(refusals, &[("limit", "register-ip")]), 1);
        let calls = "coffer_key_ring_calls_total";
        assert_eq!(recording.count(calls, &[("operation", "generate")]), 1);
        assert_eq!(recording.count(calls, &[("operation", "unwrap")]), 0);
    }

    #[test]
    fn every_metric_has_a_distinct_prometheus_name_and_emf_name() {
        let names: HashSet<_> = ALL.iter().map(|m| m.name).collect();
        let emf: HashSet<_> = ALL.iter().map(|m| m.emf_name).collect();
        assert_eq!(names.len(), ALL.len());
        assert_eq!(emf.len(), ALL.len());
        for metric in ALL {
            assert!(metric.name.starts_with("coffer_"), "{}", metric.name);
            let suffix = match metric.kind {
                Kind::Counter => "_total",
                Kind::Histogram => "_seconds",
            };
            assert!(metric.name.ends_with(suffix), "{}", metric.name);
        }
    }

    #[test]
    fn a_rate_bucket_names_its_limit_and_never_whom_it_counts() {
        let ip = "203.0.113.7";
        for bucket in [
            RateBucket::LoginIp(ip),
            RateBucket::RegisterIp(ip),
            RateBucket::ResetIp(ip),
            RateBucket::VerifyIp(ip),
            RateBucket::ResetEmail(ip),
        ] {
            let limit = bucket_limit(&bucket);
            assert!(!limit.contains(ip));
            // The label is the bucket name's head: the part before the counted party.
            assert_eq!(bucket.name().split('#').next(), Some(limit));
        }
    }
}
