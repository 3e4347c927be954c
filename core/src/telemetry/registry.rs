//! The process's metrics since start, which the Prometheus text renders. One per process
//! ([`Registry::global`]), made on first use: nothing installs it, so no test depends on another
//! having done so, and tests read what changed between two [`Snapshot`]s.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use super::catalog::Metric;

/// Upper bounds of the latency histogram's buckets in seconds (`+Inf` follows): from a cached
/// token check (well under a millisecond) to a KMS call on a cold start.
pub const LATENCY_BUCKETS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// What one event adds to one series.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    pub metric: &'static Metric,
    /// Label names and values, in the same order every time for one metric.
    pub labels: &'a [(&'static str, &'a str)],
    pub observation: Observation,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observation {
    /// A counter's increment.
    Add(u64),
    /// A histogram's observation.
    Seconds(f64),
}

/// One metric with one set of label values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeriesKey {
    pub metric: &'static Metric,
    pub labels: Vec<(&'static str, String)>,
}

impl SeriesKey {
    pub(super) fn of(sample: &Sample<'_>) -> Self {
        Self {
            metric: sample.metric,
            labels: sample
                .labels
                .iter()
                .map(|(name, value)| (*name, (*value).to_owned()))
                .collect(),
        }
    }

    /// The value of label `name`, if the series has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    fn matches(&self, metric: &str, labels: &[(&str, &str)]) -> bool {
        self.metric.name == metric
            && self.labels.len() == labels.len()
            && labels.iter().all(|(n, v)| self.label(n) == Some(v))
    }
}

/// A series' value since start.
#[derive(Debug, Clone, PartialEq)]
pub enum SeriesValue {
    Counter(u64),
    Histogram(Histogram),
}

/// Observations in [`LATENCY_BUCKETS`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Histogram {
    /// Observations at most each bound (not cumulative; the last is `+Inf`).
    pub buckets: [u64; LATENCY_BUCKETS.len() + 1],
    pub count: u64,
    pub sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.buckets[bucket] += 1;
        self.count += 1;
        self.sum += seconds;
    }
}

impl SeriesValue {
    fn new(observation: Observation) -> Self {
        match observation {
            Observation::Add(_) => Self::Counter(0),
            Observation::Seconds(_) => Self::Histogram(Histogram::default()),
        }
    }

    fn add(&mut self, observation: Observation) {
        match (self, observation) {
            (Self::Counter(total), Observation::Add(n)) => *total = total.saturating_add(n),
            (Self::Histogram(histogram), Observation::Seconds(s)) => histogram.observe(s),
            // A metric is always recorded the same way (the catalog's functions); nothing to add.
            _ => {}
        }
    }
}

/// Every series recorded, behind one lock held for a few map operations per event.
#[derive(Debug, Default)]
pub struct Registry {
    series: Mutex<BTreeMap<SeriesKey, SeriesValue>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// The process's registry, which the catalog's functions record into.
    pub fn global() -> &'static Registry {
        static GLOBAL: OnceLock<Registry> = OnceLock::new();
        GLOBAL.get_or_init(Registry::new)
    }

    pub fn record(&self, samples: &[Sample<'_>]) {
        // A panic elsewhere while holding the lock leaves counts, not broken invariants.
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        for sample in samples {
            series
                .entry(SeriesKey::of(sample))
                .or_insert_with(|| SeriesValue::new(sample.observation))
                .add(sample.observation);
        }
    }

    /// A copy of every series now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            series: self
                .series
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }
}

/// The registry's series at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    series: BTreeMap<SeriesKey, SeriesValue>,
}

impl Snapshot {
    pub fn iter(&self) -> impl Iterator<Item = (&SeriesKey, &SeriesValue)> {
        self.series.iter()
    }

    fn find(&self, metric: &str, labels: &[(&str, &str)]) -> Option<&SeriesValue> {
        self.series
            .iter()
            .find(|(key, _)| key.matches(metric, labels))
            .map(|(_, value)| value)
    }

    /// A counter's total (0 if never recorded); `labels` must name all of the series' labels.
    pub fn counter(&self, metric: &str, labels: &[(&str, &str)]) -> u64 {
        match self.find(metric, labels) {
            Some(SeriesValue::Counter(total)) => *total,
            _ => 0,
        }
    }

    /// How many observations a histogram holds (0 if never recorded).
    pub fn observations(&self, metric: &str, labels: &[(&str, &str)]) -> u64 {
        match self.find(metric, labels) {
            Some(SeriesValue::Histogram(histogram)) => histogram.count,
            _ => 0,
        }
    }

    /// Every label value of every series, for tests that look for what must not be there.
    pub fn label_values(&self) -> impl Iterator<Item = &str> {
        self.series
            .keys()
            .flat_map(|key| key.labels.iter().map(|(_, v)| v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::catalog::{HTTP_DURATION, HTTP_REQUESTS};

    fn served(registry: &Registry, route: &str, seconds: f64) {
        let labels = [("method", "GET"), ("route", route)];
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

    #[test]
    fn counters_add_up_per_label_set_and_histograms_fill_the_bucket_of_each_observation() {
        let registry = Registry::new();
        served(&registry, "/a", 0.002);
        served(&registry, "/a", 0.2);
        served(&registry, "/b", 30.0);

        let snapshot = registry.snapshot();
        let a = [("method", "GET"), ("route", "/a")];
        assert_eq!(snapshot.counter("coffer_http_requests_total", &a), 2);
        assert_eq!(
            snapshot.counter(
                "coffer_http_requests_total",
                &[("method", "GET"), ("route", "/b")]
            ),
            1
        );
        assert_eq!(
            snapshot.counter("coffer_http_requests_total", &[("route", "/a")]),
            0,
            "a partial label set names no series"
        );
        let Some(SeriesValue::Histogram(histogram)) =
            snapshot.find("coffer_http_request_duration_seconds", &a)
        else {
            panic!("no histogram for /a");
        };
        assert_eq!(histogram.count, 2);
        assert!((histogram.sum - 0.202).abs() < 1e-9);
        let at = |bound: f64| LATENCY_BUCKETS.iter().position(|b| *b == bound).unwrap();
        assert_eq!(histogram.buckets[at(0.0025)], 1);
        assert_eq!(histogram.buckets[at(0.25)], 1);
        let Some(SeriesValue::Histogram(slow)) = snapshot.find(
            "coffer_http_request_duration_seconds",
            &[("method", "GET"), ("route", "/b")],
        ) else {
            panic!("no histogram for /b");
        };
        assert_eq!(
            slow.buckets[LATENCY_BUCKETS.len()],
            1,
            "past the last bound: +Inf"
        );
    }
}
