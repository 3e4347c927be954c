//! What one invocation recorded as CloudWatch embedded metric format (EMF) documents: JSON lines
//! on stdout that CloudWatch Logs turns into metrics, with no API call and no agent.
//!
//! Namespace `Coffer`. Request metrics carry the dimensions `[function, route]`, where `route` is
//! the method and route template as API Gateway names a route (`GET /v1/datasets/{id}`); other
//! metrics carry `[function]`, their own label folded into the name (`KeyRingCalls_unwrap`), so
//! that dimension values stay few. Request id, X-Ray trace id and status are properties: in the
//! log line for searching, never dimensions.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::catalog::{Kind, METHOD, ROUTE};
use super::registry::SeriesKey;
use super::scope::{Recorded, Recording};

/// The metrics' CloudWatch namespace.
pub const NAMESPACE: &str = "Coffer";

/// A directive holds at most this many metrics.
const MAX_METRICS: usize = 100;

/// Where the documents come from: the function's name (a dimension), its X-Ray trace id and
/// other properties that identify the invocation (ids, status: never a user's input).
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub function: String,
    pub xray_trace_id: Option<String>,
    pub properties: Vec<(&'static str, Value)>,
}

/// One metric's definition (name, unit) and its value in the document.
struct Entry {
    name: String,
    unit: &'static str,
    value: Value,
}

/// The documents for `recording`: one per route recorded (one, for a request), the metrics
/// without a route in the first; none if nothing was recorded.
pub fn documents(recording: &Recording, invocation: &Invocation, timestamp_ms: u64) -> Vec<Value> {
    let mut routed: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    let mut unrouted = Vec::new();
    for (key, recorded) in recording.iter() {
        let entry = entry(key, recorded);
        match (key.label(METHOD), key.label(ROUTE)) {
            (Some(method), Some(route)) => routed
                .entry(format!("{method} {route}"))
                .or_default()
                .push(entry),
            _ => unrouted.push(entry),
        }
    }
    let mut documents = Vec::new();
    for (route, entries) in routed {
        let extra = if documents.is_empty() {
            std::mem::take(&mut unrouted)
        } else {
            Vec::new()
        };
        documents.push(document(
            invocation,
            Some(&route),
            entries,
            extra,
            timestamp_ms,
        ));
    }
    if !unrouted.is_empty() {
        documents.push(document(
            invocation,
            None,
            Vec::new(),
            unrouted,
            timestamp_ms,
        ));
    }
    documents
}

/// The series' EMF name, unit and value (milliseconds for durations).
fn entry(key: &SeriesKey, recorded: &Recorded) -> Entry {
    let mut name = key.metric.emf_name.to_owned();
    for (label, value) in &key.labels {
        if *label != METHOD && *label != ROUTE {
            name.push('_');
            name.push_str(value);
        }
    }
    let (unit, value) = match (key.metric.kind, recorded) {
        (Kind::Histogram, Recorded::Seconds(values)) => {
            let ms: Vec<f64> = values.iter().map(|s| s * 1000.0).collect();
            let value = match ms.as_slice() {
                [one] => json!(one),
                many => json!(many),
            };
            ("Milliseconds", value)
        }
        (_, Recorded::Count(n)) => ("Count", json!(n)),
        (_, Recorded::Seconds(values)) => ("Count", json!(values.len())),
    };
    Entry { name, unit, value }
}

fn directives(dimensions: &[&str], entries: &[Entry]) -> Vec<Value> {
    entries
        .chunks(MAX_METRICS)
        .map(|chunk| {
            json!({
                "Namespace": NAMESPACE,
                "Dimensions": [dimensions],
                "Metrics": chunk
                    .iter()
                    .map(|e| json!({"Name": e.name, "Unit": e.unit}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn document(
    invocation: &Invocation,
    route: Option<&str>,
    routed: Vec<Entry>,
    unrouted: Vec<Entry>,
    timestamp_ms: u64,
) -> Value {
    let mut cloudwatch = directives(&["function", ROUTE], &routed);
    cloudwatch.extend(directives(&["function"], &unrouted));
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": cloudwatch}),
    );
    root.insert("function".into(), json!(invocation.function));
    if let Some(route) = route {
        root.insert(ROUTE.into(), json!(route));
    }
    if let Some(trace) = &invocation.xray_trace_id {
        root.insert("xray_trace_id".into(), json!(trace));
    }
    for (name, value) in &invocation.properties {
        root.insert((*name).into(), value.clone());
    }
    for entry in routed.into_iter().chain(unrouted) {
        root.insert(entry.name, entry.value);
    }
    Value::Object(root)
}

/// Milliseconds since the Unix epoch, as EMF's `Timestamp` wants.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Writes each document as one line on stdout, where Lambda hands it to CloudWatch Logs.
pub fn print(documents: &[Value]) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    for document in documents {
        // Nothing better to do with a closed stdout than drop the metrics.
        let _ = writeln!(out, "{document}");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cleanup::CleanupReport;
    use crate::telemetry::catalog::{cleanup_run, key_ring_call, request_served};
    use crate::telemetry::scope::scoped;

    fn invocation() -> Invocation {
        Invocation {
            function: "coffer-datasets".into(),
            xray_trace_id: None,
            properties: vec![("request_id", json!("req_1")), ("status", json!(201))],
        }
    }

    /// The names a directive lists.
    fn names(directive: &Value) -> Vec<&str> {
        directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn a_request_makes_one_document_with_the_aws_structure_and_its_values() {
        let ((), recording) = scoped(async {
            key_ring_call("unwrap");
            request_served(
                "/v1/datasets/{id}/records",
                "POST",
                201,
                Duration::from_micros(12_500),
            );
        })
        .await;

        let docs = documents(&recording, &invocation(), 1_700_000_000_000);
        assert_eq!(docs.len(), 1);
        // What goes out is one line of JSON.
        let line = docs[0].to_string();
        assert!(!line.contains('\n'));
        let doc: Value = serde_json::from_str(&line).unwrap();

        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000_u64);
        let directives = doc["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 2);
        assert_eq!(directives[0]["Namespace"], "Coffer");
        assert_eq!(directives[0]["Dimensions"], json!([["function", "route"]]));
        let mut routed = names(&directives[0]);
        routed.sort_unstable();
        assert_eq!(
            routed,
            ["ClientErrors", "Latency", "Requests", "ServerErrors"]
        );
        assert_eq!(directives[1]["Dimensions"], json!([["function"]]));
        assert_eq!(names(&directives[1]), ["KeyRingCalls_unwrap"]);
        // Every dimension a directive names is a string member of the document.
        for directive in directives {
            for set in directive["Dimensions"].as_array().unwrap() {
                for dimension in set.as_array().unwrap() {
                    assert!(doc[dimension.as_str().unwrap()].is_string(), "{dimension}");
                }
            }
            for metric in directive["Metrics"].as_array().unwrap() {
                assert!(
                    doc[metric["Name"].as_str().unwrap()].is_number(),
                    "{metric}"
                );
            }
        }
        assert_eq!(doc["function"], "coffer-datasets");
        assert_eq!(doc["route"], "POST /v1/datasets/{id}/records");
        assert_eq!(doc["Requests"], 1);
        assert_eq!(doc["ClientErrors"], 0);
        assert_eq!(doc["ServerErrors"], 0);
        assert_eq!(doc["KeyRingCalls_unwrap"], 1);
        assert!((doc["Latency"].as_f64().unwrap() - 12.5).abs() < 1e-9);
        let latency = directives[0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["Name"] == "Latency")
            .unwrap();
        assert_eq!(latency["Unit"], "Milliseconds");
        assert_eq!(doc["request_id"], "req_1");
        assert_eq!(doc["status"], 201);
    }

    #[tokio::test]
    async fn a_cleanup_run_makes_one_document_of_its_counts_by_function_only() {
        let report = CleanupReport {
            expired_items: 7,
            purged_blobs: 2,
            out_of_time: true,
            ..CleanupReport::default()
        };
        let ((), recording) = scoped(async { cleanup_run(&report) }).await;

        let docs = documents(&recording, &invocation(), 1);
        assert_eq!(docs.len(), 1);
        let doc = &docs[0];
        assert!(doc.get("route").is_none());
        let directives = doc["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 1);
        assert_eq!(directives[0]["Dimensions"], json!([["function"]]));
        assert_eq!(doc["CleanupRuns"], 1);
        assert_eq!(doc["CleanupExpiredItems"], 7);
        assert_eq!(doc["CleanupPurgedBlobs"], 2);
        assert_eq!(doc["CleanupOutOfTimeRuns"], 1);
        assert_eq!(doc["CleanupSweepResumes"], 0);
    }

    #[test]
    fn nothing_recorded_makes_no_document() {
        assert!(documents(&Recording::default(), &invocation(), 1).is_empty());
    }
}
