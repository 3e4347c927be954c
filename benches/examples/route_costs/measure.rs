//! Drives one route in a fresh process of its function: the first call (cold caches), then
//! `warm` more, each with its port calls and time.

use std::collections::BTreeMap;
use std::error::Error;
use std::time::{Duration, Instant};

use coffer_testkit::random_ip;

use crate::capacity::Units;
use crate::counting::{Api, Call};
use crate::model::{self, PRICES};
use crate::process;
use crate::routes::{Fixture, Route};

/// One call of a route.
pub struct Sample {
    pub calls: Vec<Call>,
    pub wall: Duration,
}

impl Sample {
    /// Time spent in the ports (the embedded store, key ring and folder): the union of the
    /// calls' times, since calls made together overlap.
    fn in_ports(&self) -> Duration {
        let mut spans: Vec<(Instant, Instant)> = self
            .calls
            .iter()
            .map(|c| (c.started, c.started + c.took))
            .collect();
        spans.sort_by_key(|span| span.0);
        let mut total = Duration::ZERO;
        let mut current: Option<(Instant, Instant)> = None;
        for (start, end) in spans {
            current = match current {
                Some((from, to)) if start <= to => Some((from, to.max(end))),
                Some((from, to)) => {
                    total += to - from;
                    Some((start, end))
                }
                None => Some((start, end)),
            };
        }
        total + current.map_or(Duration::ZERO, |(from, to)| to - from)
    }

    /// The route's own time: the call less its time in the ports.
    pub fn compute(&self) -> Duration {
        self.wall.saturating_sub(self.in_ports())
    }
}

/// What a route cost.
pub struct Measured {
    pub route: Route,
    /// The calls of the function's cold start (warm-up), before any request.
    pub init: Vec<Call>,
    pub cold: Sample,
    pub warm: Vec<Sample>,
}

/// Measures `route`: a new process, one cold call, `warm` warm calls.
pub async fn route(
    fixture: &mut Fixture,
    route: Route,
    warm: usize,
) -> Result<Measured, Box<dyn Error>> {
    let mut process = process::start(&fixture.app, route.function().group()).await?;
    let mut samples = Vec::with_capacity(warm + 1);
    for _ in 0..=warm {
        let request = fixture.prepare(route).await?;
        // Every call from an address of its own: per-IP limits never bite.
        process.app.ip = random_ip();
        process.tally.take();
        let started = Instant::now();
        let reply = request.send(&process.app).await;
        let wall = started.elapsed();
        let calls = process.tally.take();
        if reply.code() != route.expected() {
            return Err(format!(
                "{} answered {} (expected {}): {}",
                route.label(),
                reply.code(),
                route.expected(),
                reply.body
            )
            .into());
        }
        fixture.absorb(route, &reply);
        samples.push(Sample { calls, wall });
    }
    let mut samples = samples.into_iter();
    let cold = samples.next().ok_or("no call made")?;
    Ok(Measured {
        route,
        init: process.init,
        cold,
        warm: samples.collect(),
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => f64::midpoint(values[n / 2 - 1], values[n / 2]),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Calls of `api` in `calls`.
pub fn count(calls: &[Call], api: Api) -> usize {
    calls.iter().filter(|c| c.api == api).count()
}

impl Measured {
    fn warm_mean(&self, per_call: impl Fn(&Sample) -> f64) -> f64 {
        if self.warm.is_empty() {
            return 0.0;
        }
        self.warm.iter().map(per_call).fold(0.0, |sum, x| sum + x) / self.warm.len() as f64
    }

    /// Calls of `api` per warm request, on average.
    pub fn calls(&self, api: Api) -> f64 {
        self.warm_mean(|s| count(&s.calls, api) as f64)
    }

    /// Items a warm request's transactions carry, on average.
    pub fn transaction_items(&self) -> f64 {
        self.warm_mean(|s| {
            s.calls
                .iter()
                .filter(|c| c.api == Api::TransactWriteItems)
                .fold(0.0, |sum, c| sum + c.items as f64)
        })
    }

    /// KMS requests of a warm request, on average.
    pub fn kms(&self) -> f64 {
        self.warm_mean(|s| s.calls.iter().filter(|c| c.api.is_kms()).count() as f64)
    }

    pub fn s3(&self) -> f64 {
        self.warm_mean(|s| s.calls.iter().filter(|c| c.api.is_s3_request()).count() as f64)
    }

    /// Request units of a warm request, on average.
    pub fn units(&self) -> Units {
        Units {
            read: self.warm_mean(|s| s.calls.iter().fold(0.0, |sum, c| sum + c.units.read)),
            write: self.warm_mean(|s| s.calls.iter().fold(0.0, |sum, c| sum + c.units.write)),
        }
    }

    /// The items a warm request touched (the last one's), with how often: `get ORG/MEMBER ×2`.
    pub fn touched(&self) -> String {
        let Some(last) = self.warm.last() else {
            return String::new();
        };
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for call in &last.calls {
            if call.api == Api::TransactWriteItems {
                let mut inner: BTreeMap<&str, usize> = BTreeMap::new();
                for op in &call.touched {
                    *inner.entry(op.as_str()).or_default() += 1;
                }
                let ops: Vec<String> = inner.iter().map(|(op, n)| times(op, *n)).collect();
                *seen.entry(format!("tx[{}]", ops.join(", "))).or_default() += 1;
            } else {
                for op in &call.touched {
                    *seen.entry(op.clone()).or_default() += 1;
                }
            }
        }
        seen.iter()
            .map(|(what, n)| times(what, *n))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The port calls of the first request beyond a warm one's (caches filling).
    pub fn cold_extra(&self) -> String {
        let warm = self.warm.last().map_or(&[][..], |s| &s.calls[..]);
        describe_difference(&self.cold.calls, warm)
    }

    /// The cold start's own calls.
    pub fn init_calls(&self) -> String {
        describe_difference(&self.init, &[])
    }

    /// Median in-process time of a warm request, in ms.
    pub fn wall_ms(&self) -> f64 {
        median(self.warm.iter().map(|s| ms(s.wall)).collect())
    }

    /// The route's own time (outside the ports), in ms: the least of the warm calls, since other
    /// load on the machine only ever adds to it (Argon2 takes twice as long on a busy machine).
    pub fn compute_ms(&self) -> f64 {
        self.warm
            .iter()
            .map(|s| ms(s.compute()))
            .min_by(f64::total_cmp)
            .unwrap_or(0.0)
    }

    /// Time a warm request waits on AWS calls (the model's latencies), on average.
    pub fn io_ms(&self) -> f64 {
        self.warm_mean(|s| model::io_ms(&s.calls))
    }

    /// The modelled duration on Lambda at `memory_mb`.
    pub fn lambda_ms(&self, memory_mb: u32) -> f64 {
        model::INVOKE_OVERHEAD_MS + self.compute_ms() * model::cpu_factor(memory_mb) + self.io_ms()
    }

    /// KMS requests per request once warm: the first request's key-ring calls, spread over the
    /// uses a cached data key serves (one process, busy: one request after another).
    pub fn kms_amortized(&self, memory_mb: u32) -> f64 {
        let first = self.cold.calls.iter().filter(|c| c.api.is_kms()).count() as f64;
        let uses = (model::DATA_KEY_MAX_AGE_S * 1000.0 / self.lambda_ms(memory_mb).max(1.0))
            .min(model::DATA_KEY_MAX_USES);
        first / uses + self.kms()
    }

    /// Dollars per million requests, by part.
    pub fn cost(&self, memory_mb: u32) -> Cost {
        let billed_ms = self.lambda_ms(memory_mb).ceil();
        let units = self.units();
        Cost {
            compute: f64::from(memory_mb) / 1024.0
                * billed_ms
                * 1000.0 // (ms / 1000) × 1,000,000 requests
                * PRICES.lambda_gb_second,
            requests: PRICES.lambda_per_million,
            http_api: PRICES.http_api_per_million,
            dynamodb: units.read * PRICES.read_units_per_million
                + units.write * PRICES.write_units_per_million,
            kms: self.kms_amortized(memory_mb) * PRICES.kms_per_10k * 100.0,
        }
    }
}

/// A route's price per million requests.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    pub compute: f64,
    pub requests: f64,
    pub http_api: f64,
    pub dynamodb: f64,
    pub kms: f64,
}

impl Cost {
    /// What the goal counts: Lambda, HTTP API and DynamoDB.
    pub fn goal_total(&self) -> f64 {
        self.compute + self.requests + self.http_api + self.dynamodb
    }

    pub fn total(&self) -> f64 {
        self.goal_total() + self.kms
    }
}

fn times(what: &str, n: usize) -> String {
    if n == 1 {
        what.to_owned()
    } else {
        format!("{what} ×{n}")
    }
}

/// What a call was, for a list of calls: the item it touched (`query SIGNING_KEYS`), or its API
/// (`KmsDecrypt`, a transaction).
fn label(call: &Call) -> String {
    match call.touched.as_slice() {
        [one] if call.api != Api::TransactWriteItems => one.clone(),
        _ => format!("{:?}", call.api),
    }
}

/// The calls of `more` that `less` lacks (`+1 query SIGNING_KEYS, +1 KmsDecrypt`), or `—`.
fn describe_difference(more: &[Call], less: &[Call]) -> String {
    let mut by_label: BTreeMap<String, i64> = BTreeMap::new();
    for call in more {
        *by_label.entry(label(call)).or_default() += 1;
    }
    for call in less {
        *by_label.entry(label(call)).or_default() -= 1;
    }
    let parts: Vec<String> = by_label
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(what, n)| format!("{n:+} {what}"))
        .collect();
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join(", ")
    }
}
