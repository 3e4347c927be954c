//! The registry as Prometheus text, exposition format 0.0.4: `# HELP` and `# TYPE` for every
//! metric, counters as they stand, histograms as cumulative `le` buckets with `_sum` and `_count`.

use std::fmt::Write as _;

use super::catalog::{ALL, Kind, Metric};
use super::registry::{LATENCY_BUCKETS, SeriesKey, SeriesValue, Snapshot};

/// The reply's `content-type`.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric of the catalog, with the series the snapshot holds (an unlabelled counter never
/// recorded shows 0, so that a rate over it exists from the start).
pub fn render(snapshot: &Snapshot) -> String {
    let mut out = String::with_capacity(4096);
    for metric in ALL {
        let kind = match metric.kind {
            Kind::Counter => "counter",
            Kind::Histogram => "histogram",
        };
        let _ = writeln!(out, "# HELP {} {}", metric.name, escape_help(metric.help));
        let _ = writeln!(out, "# TYPE {} {kind}", metric.name);
        let mut any = false;
        for (key, value) in snapshot
            .iter()
            .filter(|(key, _)| key.metric.name == metric.name)
        {
            any = true;
            write_series(&mut out, metric, key, value);
        }
        if !any && metric.kind == Kind::Counter && metric.labels.is_empty() {
            let _ = writeln!(out, "{} 0", metric.name);
        }
    }
    out
}

fn write_series(out: &mut String, metric: &Metric, key: &SeriesKey, value: &SeriesValue) {
    match value {
        SeriesValue::Counter(total) => {
            let _ = writeln!(out, "{}{} {total}", metric.name, labels(key, None));
        }
        SeriesValue::Histogram(histogram) => {
            let mut cumulative = 0;
            for (i, in_bucket) in histogram.buckets.iter().enumerate() {
                cumulative += in_bucket;
                let bound = LATENCY_BUCKETS
                    .get(i)
                    .map_or_else(|| "+Inf".to_owned(), f64::to_string);
                let _ = writeln!(
                    out,
                    "{}_bucket{} {cumulative}",
                    metric.name,
                    labels(key, Some(&bound))
                );
            }
            let plain = labels(key, None);
            let _ = writeln!(out, "{}_sum{plain} {}", metric.name, histogram.sum);
            let _ = writeln!(out, "{}_count{plain} {}", metric.name, histogram.count);
        }
    }
}

/// `{name="value",…}` with `le` last for a bucket, or nothing for no label.
fn labels(key: &SeriesKey, le: Option<&str>) -> String {
    let mut pairs: Vec<String> = key
        .labels
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\"", escape_value(value)))
        .collect();
    if let Some(le) = le {
        pairs.push(format!("le=\"{le}\""));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", pairs.join(","))
    }
}

/// A label value's `\`, `"` and line feed escaped, as the format requires.
fn escape_value(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

/// A help text's `\` and line feed escaped.
fn escape_help(help: &str) -> String {
    help.replace('\\', r"\\").replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::catalog::{HTTP_DURATION, HTTP_REQUESTS, KEY_RING_CALLS};
    use crate::telemetry::registry::{Observation, Registry, Sample};

    #[test]
    fn the_text_has_help_and_type_lines_counters_and_cumulative_buckets() {
        let registry = Registry::new();
        let labels = [("method", "GET"), ("route", "/v1/things/{id}")];
        for seconds in [0.003, 0.004, 7.0] {
            registry.record(&[
                Sample {
                    metric: &HTTP_REQUESTS,
                    labels: &labels,
                    observation: Observation::Add(1),
                },
                Sample {
                    metric: &HTTP_DURATION,
                    labels: &labels,
                    observation: Observation::Seconds(seconds),
                },
            ]);
        }
        registry.record(&[Sample {
            metric: &KEY_RING_CALLS,
            labels: &[("operation", "a\"b\\c\nd")],
            observation: Observation::Add(2),
        }]);

        let text = render(&registry.snapshot());
        let lines: Vec<&str> = text.lines().collect();
        for expected in [
            "# HELP coffer_http_requests_total Requests served, by route template and method.",
            "# TYPE coffer_http_requests_total counter",
            r#"coffer_http_requests_total{method="GET",route="/v1/things/{id}"} 3"#,
            "# TYPE coffer_http_request_duration_seconds histogram",
            r#"coffer_http_request_duration_seconds_bucket{method="GET",route="/v1/things/{id}",le="0.0025"} 0"#,
            r#"coffer_http_request_duration_seconds_bucket{method="GET",route="/v1/things/{id}",le="0.005"} 2"#,
            r#"coffer_http_request_duration_seconds_bucket{method="GET",route="/v1/things/{id}",le="5"} 2"#,
            r#"coffer_http_request_duration_seconds_bucket{method="GET",route="/v1/things/{id}",le="+Inf"} 3"#,
            r#"coffer_http_request_duration_seconds_count{method="GET",route="/v1/things/{id}"} 3"#,
            r#"coffer_key_ring_calls_total{operation="a\"b\\c\nd"} 2"#,
            "# TYPE coffer_cleanup_runs_total counter",
            "coffer_cleanup_runs_total 0",
        ] {
            assert!(lines.contains(&expected), "missing {expected:?} in\n{text}");
        }
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(r#"coffer_http_request_duration_seconds_sum{method="GET",route="/v1/things/{id}"} 7.00"#)),
            "{text}"
        );
        // Every sample line is `name{labels} value` with a number for the value.
        for line in lines.iter().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
