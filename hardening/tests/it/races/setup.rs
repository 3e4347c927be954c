//! What every race shares: an app with the function groups over the embedded backend or the
//! AWS backends on moto, its table behind a [`Guard`]; how many rounds to run; and a way to
//! start many requests at the same instant on the multi-thread runtime.

use std::future::Future;
use std::sync::Arc;

use coffer_core::Settings;
use coffer_core::http::{AppState, FunctionGroup};
use coffer_core::store::{Hooked, Key};
use coffer_testkit::TestApp;
use tokio::sync::Barrier;

use super::guard::{Guard, Protection, Watch, unguarded};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    Moto,
}

/// One race's app, and what its guard saw.
pub struct Race {
    pub app: Arc<TestApp>,
    pub watch: Arc<Watch>,
    pub backend: Backend,
}

/// The groups the races drive (the local stack's, without the PII engine, docs and metrics).
fn groups() -> Vec<FunctionGroup> {
    vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_tokens::group(),
        coffer_function_clients::group(),
        coffer_function_crypto::group(),
        coffer_function_datasets::group(),
        coffer_core::http::local_blob_urls(),
    ]
}

impl Race {
    /// An app on `backend` with `change` applied to its settings, whose table watches (and,
    /// unguarded, removes) `protection`. On moto each race gets a table of its own: the
    /// emulator copies a whole table, unlocked, for every transaction, so transactions racing on
    /// the big shared test table trip over each other inside it (HTML 500s) — DynamoDB has no
    /// such limit.
    pub async fn new(
        backend: Backend,
        protection: Protection,
        change: impl FnOnce(&mut Settings),
    ) -> Self {
        let change = |s: &mut Settings| {
            s.auth.register_per_ip_per_day = 100_000;
            change(s);
        };
        let mut app = match backend {
            Backend::Embedded => TestApp::embedded_with(Vec::new(), change),
            Backend::Moto => {
                let table = format!(
                    "coffer-test-races-{}",
                    ulid::Ulid::new().to_string().to_lowercase()
                );
                TestApp::on_moto_built(
                    |s| {
                        s.table = table;
                        change(s);
                    },
                    |_, _| Vec::new(),
                )
                .await
            }
        };
        let guard = Guard::new(protection);
        let watch = guard.watch.clone();
        let mut ports = app.state.ports.clone();
        ports.table = Arc::new(Hooked::new(ports.table.clone(), guard));
        let state = AppState::new((*app.state.settings).clone(), ports);
        app.router = coffer_core::http::app(groups(), state.clone());
        app.state = state;
        Self {
            app: Arc::new(app),
            watch,
            backend,
        }
    }

    /// Rounds of this race: `COFFER_RACES_ROUNDS` when set (the longer run), else `embedded`
    /// or `moto` (the emulator serves one request at a time, so fewer there).
    pub fn rounds(&self, embedded: usize, moto: usize) -> usize {
        std::env::var("COFFER_RACES_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(match self.backend {
                Backend::Embedded => embedded,
                Backend::Moto => moto,
            })
    }

    /// Concurrent attempts per round: `embedded` or `moto`.
    pub fn width(&self, embedded: usize, moto: usize) -> usize {
        match self.backend {
            Backend::Embedded => embedded,
            Backend::Moto => moto,
        }
    }

    /// Prints the race's figures (for the README and the report): rounds, attempts, and how
    /// many writes reached the protection and were refused by it — each refusal an attempt
    /// that would have been written without it.
    pub fn report(&self, race: &str, rounds: usize, attempts: usize) {
        let (reached, refused) = self.watch.figures();
        eprintln!(
            "races: {race} on {:?}{}: {rounds} rounds, {attempts} concurrent attempts, \
             {reached} protected writes, {refused} refused by the protection",
            self.backend,
            if unguarded() { " (UNGUARDED)" } else { "" },
        );
    }
}

/// Runs `n` attempts as tasks of their own, released together by a barrier so that they
/// interleave on the runtime's worker threads; their results in attempt order.
pub async fn at_once<T, F, Fut>(n: usize, attempt: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (barrier, attempt) = (barrier.clone(), attempt(i));
            tokio::spawn(async move {
                barrier.wait().await;
                attempt.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(n);
    for task in tasks {
        results.push(task.await.expect("an attempt panicked"));
    }
    results
}

/// Whether `key` is of the same kind as `sample` (a key made by the schema module's
/// constructor): the same literal heads of partition and sort key.
pub fn same_kind(key: &Key, sample: &Key) -> bool {
    let head = |s: &str| s.split('#').next().unwrap_or(s).to_owned();
    head(&key.pk) == head(&sample.pk) && head(&key.sk) == head(&sample.sk)
}
