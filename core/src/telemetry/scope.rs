//! What one request or one scheduled run recorded, apart from the process's totals: its EMF
//! document reports exactly that. Scoped to the task, so concurrent requests never mix and a
//! test reads its own request's values whatever else runs.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;

use super::registry::Sample;
use super::registry::{Observation, SeriesKey};

/// EMF takes at most this many values of one metric in one document.
const MAX_VALUES: usize = 100;

tokio::task_local! {
    static CURRENT: RefCell<Recording>;
}

/// The series one scope recorded, with their values in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recording {
    series: BTreeMap<SeriesKey, Recorded>,
}

/// A counter's increments summed, or a histogram's observations (seconds) as they came.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    Count(u64),
    Seconds(Vec<f64>),
}

impl Recording {
    fn add(&mut self, samples: &[Sample<'_>]) {
        for sample in samples {
            let recorded = self
                .series
                .entry(SeriesKey::of(sample))
                .or_insert_with(|| match sample.observation {
                    Observation::Add(_) => Recorded::Count(0),
                    Observation::Seconds(_) => Recorded::Seconds(Vec::new()),
                });
            match (recorded, sample.observation) {
                (Recorded::Count(total), Observation::Add(n)) => *total = total.saturating_add(n),
                (Recorded::Seconds(values), Observation::Seconds(s))
                    if values.len() < MAX_VALUES =>
                {
                    values.push(s);
                }
                _ => {}
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&SeriesKey, &Recorded)> {
        self.series.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// A counter's total in this scope (0 if not recorded); `labels` must name all of them.
    pub fn count(&self, metric: &str, labels: &[(&str, &str)]) -> u64 {
        self.series
            .iter()
            .find(|(key, _)| {
                key.metric.name == metric
                    && key.labels.len() == labels.len()
                    && labels.iter().all(|(n, v)| key.label(n) == Some(v))
            })
            .map_or(0, |(_, recorded)| match recorded {
                Recorded::Count(n) => *n,
                Recorded::Seconds(_) => 0,
            })
    }
}

/// Runs `work`, and answers with what it recorded (in its own task; a task it spawns records
/// into the process's totals only).
pub async fn scoped<F: Future>(work: F) -> (F::Output, Recording) {
    CURRENT
        .scope(RefCell::new(Recording::default()), async move {
            let output = work.await;
            (output, CURRENT.with(RefCell::take))
        })
        .await
}

/// Adds the samples to the current scope's recording, if there is one.
pub(super) fn note(samples: &[Sample<'_>]) {
    // No await while borrowed, so the borrow cannot clash.
    let _ = CURRENT.try_with(|recording| recording.borrow_mut().add(samples));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::catalog::{key_ring_call, rate_limit_refused};

    #[tokio::test]
    async fn a_scope_holds_what_its_own_task_recorded_and_nothing_from_a_concurrent_one() {
        let (((), mine), ((), theirs)) = tokio::join!(
            scoped(async {
                key_ring_call("generate");
                tokio::task::yield_now().await;
                key_ring_call("generate");
            }),
            scoped(async {
                rate_limit_refused("login-ip");
            }),
        );
        let generate = [("operation", "generate")];
        assert_eq!(mine.count("coffer_key_ring_calls_total", &generate), 2);
        assert_eq!(mine.iter().count(), 1);
        assert_eq!(theirs.count("coffer_key_ring_calls_total", &generate), 0);
        assert_eq!(
            theirs.count("coffer_rate_limit_refusals_total", &[("limit", "login-ip")]),
            1
        );
    }
}
