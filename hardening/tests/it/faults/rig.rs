//! The app under faults and its healthy twin on the same store: every route group over the
//! fault injectors of `coffer_core::faults` (table, blob store, key ring), and the same groups
//! over the bare ports, for setting up and for checking afterwards with the faults gone.

use std::sync::Arc;
use std::time::Duration;

use coffer_core::Ports;
use coffer_core::blobs::Blobs;
use coffer_core::faults::{FaultPlan, Faulty};
use coffer_core::http::AppState;
use coffer_core::keys::KeyRing;
use coffer_core::store::Table;
use coffer_testkit::TestApp;

use super::ledger::Ledger;

/// Share of each port's calls that fail with the port's backend error.
pub const FAIL_SHARE: f64 = 0.10;
/// Share of each port's calls that wait [`DELAY`] first (so concurrent requests interleave).
pub const DELAY_SHARE: f64 = 0.10;
pub const DELAY: Duration = Duration::from_millis(1);

/// The seed of this run: `COFFER_FAULTS_SEED` to replay one, else a fresh one.
pub fn seed() -> u64 {
    match std::env::var("COFFER_FAULTS_SEED") {
        Ok(seed) => seed.parse().expect("COFFER_FAULTS_SEED is a whole number"),
        Err(_) => ulid::Ulid::new().random() as u64,
    }
}

/// How many times the default size each scenario runs (`COFFER_FAULTS_SCALE`, default 1).
pub fn scale() -> usize {
    std::env::var("COFFER_FAULTS_SCALE").map_or(1, |scale| {
        scale
            .parse()
            .expect("COFFER_FAULTS_SCALE is a whole number")
    })
}

/// A plan's shares, for the log.
fn shares(plan: &FaultPlan) -> String {
    format!(
        "{:.0}% / {:.0}% × {:?}",
        plan.fail_share * 100.0,
        plan.delay_share * 100.0,
        plan.delay
    )
}

/// The fault injectors, for their counts.
pub struct Injectors {
    pub table: Arc<Faulty<Arc<dyn Table>>>,
    pub blobs: Arc<Faulty<Arc<dyn Blobs>>>,
    pub keys: Arc<Faulty<Arc<dyn KeyRing>>>,
}

impl Injectors {
    /// Faults injected, per port and in all.
    pub fn summary(&self) -> String {
        format!(
            "faults injected: table {}/{} calls, blobs {}/{}, keys {}/{}; total {}",
            self.table.failures(),
            self.table.calls(),
            self.blobs.failures(),
            self.blobs.calls(),
            self.keys.failures(),
            self.keys.calls(),
            self.failures(),
        )
    }

    pub fn failures(&self) -> u64 {
        self.table.failures() + self.blobs.failures() + self.keys.failures()
    }
}

pub struct Rig {
    /// Every route group over the fault injectors.
    pub faulty: TestApp,
    /// The same groups over the bare ports of the same store (another instance: caches of its
    /// own), for setting up and for the checks.
    pub healthy: TestApp,
    pub injectors: Injectors,
    /// What the faulty app wrote.
    pub ledger: Arc<Ledger>,
    pub seed: u64,
    pub scenario: &'static str,
}

impl Rig {
    /// Over the embedded backend in a temporary folder.
    pub fn embedded(scenario: &'static str) -> Self {
        Self::embedded_with(scenario, Self::plan)
    }

    /// The same with a plan of one's own for each port (0 table, 1 blobs, 2 key ring).
    pub fn embedded_with(scenario: &'static str, plan: impl Fn(u64, u64) -> FaultPlan) -> Self {
        let healthy = TestApp::embedded_built(|_| {}, |_, _| coffer_local::function_groups());
        let twin = healthy.sibling(|_| {}, |_, _| Vec::new());
        Self::assemble(scenario, healthy, twin, plan)
    }

    /// This run's plan for port `port`: [`FAIL_SHARE`] fail, [`DELAY_SHARE`] wait.
    pub fn plan(seed: u64, port: u64) -> FaultPlan {
        FaultPlan {
            fail_share: FAIL_SHARE,
            delay_share: DELAY_SHARE,
            delay: DELAY,
            seed: seed.wrapping_add(port),
        }
    }

    /// Over DynamoDB, S3 and KMS on the emulator.
    pub async fn on_moto(scenario: &'static str) -> Self {
        let healthy = TestApp::on_moto_built(|_| {}, |_, _| coffer_local::function_groups()).await;
        let twin = TestApp::on_moto_built(|_| {}, |_, _| Vec::new()).await;
        Self::assemble(scenario, healthy, twin, Self::plan)
    }

    /// Turns `twin` into the faulty app: the healthy app's ports, each behind an injector
    /// (the key ring's in front of its data-key cache, so cached keys fail too), its clock and
    /// client IP.
    fn assemble(
        scenario: &'static str,
        healthy: TestApp,
        mut twin: TestApp,
        plan: impl Fn(u64, u64) -> FaultPlan,
    ) -> Self {
        let seed = seed();
        let plan = |port| plan(seed, port);
        let bare = &healthy.state.ports;
        let ledger = Ledger::over(Arc::clone(&bare.table));
        let injectors = Injectors {
            table: Arc::new(Faulty::new(ledger.clone() as Arc<dyn Table>, plan(0))),
            blobs: Arc::new(Faulty::new(Arc::clone(&bare.blobs), plan(1))),
            keys: Arc::new(Faulty::new(Arc::clone(&bare.keys), plan(2))),
        };
        let ports = Ports {
            table: injectors.table.clone(),
            blobs: injectors.blobs.clone(),
            keys: injectors.keys.clone(),
            clock: Arc::clone(&bare.clock),
            blob_urls: bare.blob_urls.clone(),
        };
        let state = AppState::new((*healthy.state.settings).clone(), ports);
        let mut groups = coffer_local::function_groups();
        groups.push(coffer_core::http::local_blob_urls());
        twin.router = coffer_core::http::app(groups, state.clone());
        twin.state = state;
        twin.clock = healthy.clock.clone();
        twin.ip = healthy.ip;
        eprintln!(
            "faults/{scenario}: seed {seed} (replay: COFFER_FAULTS_SEED={seed}), scale {}; calls failed / delayed: table {}, blobs {}, keys {}",
            scale(),
            shares(&plan(0)),
            shares(&plan(1)),
            shares(&plan(2)),
        );
        Self {
            faulty: twin,
            healthy,
            injectors,
            ledger,
            seed,
            scenario,
        }
    }

    /// Prints what was injected and asserts that faults were (a run without any tests nothing;
    /// the key ring sits behind the services' own caches, so some scenarios call it rarely).
    pub fn report(&self, outcome: &str) {
        eprintln!(
            "faults/{}: seed {}: {outcome}; {}",
            self.scenario,
            self.seed,
            self.injectors.summary()
        );
        assert!(
            self.injectors.table.failures() > 0,
            "faults were injected: {}",
            self.injectors.summary()
        );
    }
}
