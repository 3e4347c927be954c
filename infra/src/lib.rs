//! Coffer's all-in-one local server: every function's routes in one process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use coffer_core::auth::Mailer;
use coffer_core::auth::outbox::{MailerReport, OutboxError};
use coffer_core::http::{AppState, FunctionGroup, app};
use coffer_core::{Ports, Settings, SystemClock};

/// How often the local mailer looks for unsent messages.
const MAIL_POLL: Duration = Duration::from_millis(500);

/// How often the local job worker looks for running re-encryption jobs, and how long it works
/// on them each time.
const JOB_POLL: Duration = Duration::from_millis(1000);
const JOB_SLICE: Duration = Duration::from_millis(500);

/// How often the local stack runs the scheduled cleanup (on Lambda an EventBridge schedule
/// does, every 15 minutes by default), and how long each run may take.
const CLEANUP_EVERY: Duration = Duration::from_secs(60);
const CLEANUP_BUDGET: Duration = Duration::from_secs(10);

/// Unsent messages the local mailer takes from each index shard per round.
const MAIL_BATCH: usize = 25;

/// Every function's group, as deployed on Lambda, the routes S3 serves there (the presigned
/// payload URLs), the docs page, and `GET /metrics` (Prometheus text, when
/// `COFFER_METRICS_ENDPOINT=on`).
pub fn route_groups() -> Vec<FunctionGroup> {
    let mut groups = function_groups();
    groups.extend([
        coffer_core::http::local_blob_urls(),
        coffer_core::http::docs_page(),
        coffer_core::http::metrics_endpoint(),
    ]);
    groups
}

/// Every function's route group, as deployed on Lambda (what the test kit's apps serve, beside
/// the presigned-URL routes they add themselves). Adding a function group adds its line here.
pub fn function_groups() -> Vec<FunctionGroup> {
    vec![
        coffer_function_pii::group(),
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_tokens::group(),
        coffer_function_clients::group(),
        coffer_function_crypto::group(),
        coffer_function_datasets::group(),
        coffer_function_audit::group(),
    ]
}

/// Serves every route group on `listener` until `shutdown` resolves.
pub async fn serve(
    settings: Settings,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let ports = Ports::from_settings(&settings, Arc::new(SystemClock)).await?;
    let mailer = spawn_mailer(Mailer::eml_files(&settings, &ports));
    let jobs = spawn_job_worker(ports.clone(), settings.datasets.clone());
    let cleanup = spawn_cleanup(ports.clone(), settings.clone());
    let state = AppState::new(settings, ports);
    let groups = route_groups();
    // Build and warm every group's service before the first request rather than during it.
    for group in &groups {
        group.warm(&state).await;
    }
    let max_in_flight = state.settings.operations.max_in_flight;
    let router = coffer_core::http::shed_overload(app(groups, state), max_in_flight);
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    mailer.abort();
    jobs.abort();
    cleanup.abort();
    served?;
    Ok(())
}

/// Adds a token-signing key on demand (the cleanup run adds one on schedule).
pub async fn rotate_signing_key(
    settings: &Settings,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let ports = Ports::from_settings(settings, Arc::new(SystemClock)).await?;
    let store = coffer_core::tokens::signing_keys::SigningKeyStore::new(
        ports.table.clone(),
        ports.keys.clone(),
        ports.clock.clone(),
        &settings.tokens,
    );
    Ok(store.rotate_now().await?)
}

/// Delivers every unsent outbox message once, as the local server's background mailer does:
/// each becomes `<COFFER_DATA_DIR>/mail/<msg_id>.eml` and is marked sent (decoys are discarded).
pub async fn deliver_mail(settings: &Settings, ports: &Ports) -> Result<MailerReport, OutboxError> {
    Mailer::eml_files(settings, ports)
        .deliver_pending(MAIL_BATCH)
        .await
}

/// The local stack's worker of datasets' re-encryption jobs (on Lambda the cleanup schedule
/// is): advances running jobs in slices until the task is aborted.
fn spawn_job_worker(
    ports: Ports,
    settings: coffer_core::DatasetSettings,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(JOB_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            coffer_core::cleanup::advance_reencryption(&ports, &settings, JOB_SLICE).await;
        }
    })
}

/// The local stack's scheduled cleanup: the same run as the `cleanup` Lambda's (purges, the
/// expiry sweep, audit checkpoints, key rotation), every [`CLEANUP_EVERY`] until aborted.
fn spawn_cleanup(ports: Ports, settings: Settings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CLEANUP_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let deadline = std::time::Instant::now() + CLEANUP_BUDGET;
            if let Err(err) =
                coffer_core::cleanup::scheduled(&ports, &settings, deadline, Duration::from_secs(1))
                    .await
            {
                tracing::error!(error = %err, retryable = err.is_retryable(), "local cleanup failed");
            }
        }
    })
}

/// The local stack's mailer: polls the unsent-message index until the task is aborted.
fn spawn_mailer(mailer: Mailer) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(MAIL_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = mailer.deliver_pending(MAIL_BATCH).await {
                tracing::error!(error = %err, "the local mailer could not read the outbox");
            }
        }
    })
}
