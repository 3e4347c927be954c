//! One function's process as Lambda starts it: fresh ports (a new data-key cache, signing-key
//! copy and revocation copy) over the same embedded store as the setup, every port counted, the
//! group's services built and warmed as `coffer_core::http::lambda::serve` does.

use std::sync::Arc;

use coffer_core::http::{AppState, FunctionGroup, app};
use coffer_core::keys::local::LocalKeyRing;
use coffer_core::store::Hooked;
use coffer_core::{Clock, Ports};
use coffer_testkit::TestApp;

use crate::counting::{Call, CountingBlobs, CountingHook, CountingRing, Tally};

/// A function process and what its ports saw.
pub struct Process {
    /// The process's app, driven in-process like any `TestApp`.
    pub app: TestApp,
    pub tally: Arc<Tally>,
    /// The calls its cold start (the warm-up) made.
    pub init: Vec<Call>,
}

/// Starts `group` as a new process over `setup`'s store, with `setup`'s settings and clock.
pub async fn start(
    setup: &TestApp,
    group: FunctionGroup,
) -> Result<Process, Box<dyn std::error::Error>> {
    let settings = (*setup.state.settings).clone();
    let clock: Arc<dyn Clock> = setup.clock.clone();
    let embedded = Ports::embedded(&settings, Arc::clone(&clock))?;
    let tally = Arc::new(Tally::default());
    let table = Arc::new(Hooked::new(
        Arc::clone(&embedded.table),
        CountingHook(Arc::clone(&tally)),
    ));
    let ring = Arc::new(CountingRing {
        inner: Arc::new(LocalKeyRing::open(settings.data_dir.join("master.key"))?),
        tally: Arc::clone(&tally),
    });
    let blobs = Arc::new(CountingBlobs {
        inner: Arc::clone(&embedded.blobs),
        tally: Arc::clone(&tally),
    });
    let mut ports = Ports::assemble(&settings, table, blobs, ring, clock);
    ports.blob_urls = embedded.blob_urls.clone();
    let state = AppState::new(settings, ports);
    group.warm(&state).await;
    let init = tally.take();
    // A sibling shares the setup's store, clock and client IP; its router and state are
    // replaced by the counted ones.
    let mut process = setup.sibling(|_| {}, |_, _| Vec::new());
    process.router = app(vec![group], state.clone());
    process.state = state;
    Ok(Process {
        app: process,
        tally,
        init,
    })
}
