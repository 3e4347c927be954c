//! `GET /v1/health` (touches nothing) and `GET /v1/health/ready` (asks every port), served by
//! every function.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::problem::cause_chain;
use super::{ApiError, AppState};

/// How long readiness waits for each dependency.
const READY_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a readiness answer is reused, so that the unauthenticated probe cannot be turned
/// into a flood of calls on the table, the bucket and the key service.
pub const READY_CACHE: Duration = Duration::from_secs(5);

/// The last readiness answer and when it was found; concurrent probes wait for one check.
#[derive(Debug, Default)]
pub struct ReadinessCache {
    last: tokio::sync::Mutex<Option<(std::time::Instant, Vec<&'static str>)>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok`, or `ready` for the readiness route.
    pub status: &'static str,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
}

/// Liveness: the function runs. Touches no dependency.
#[utoipa::path(get, path = "/v1/health", tag = "health",
    responses((status = 200, description = "The function runs", body = HealthStatus)))]
async fn health() -> Json<HealthStatus> {
    Json(HealthStatus { status: "ok" })
}

/// Readiness: the table, the blob store and the key service all answer.
#[utoipa::path(get, path = "/v1/health/ready", tag = "health",
    responses(
        (status = 200, description = "Every dependency answers", body = HealthStatus),
        (status = 503, description = "The problem's `failed` member names the dependencies that did not answer",
         body = super::Problem, content_type = "application/problem+json"),
    ))]
async fn ready(State(state): State<AppState>) -> Result<Json<HealthStatus>, ApiError> {
    let mut last = state.readiness.last.lock().await;
    let failed = match &*last {
        Some((at, failed)) if at.elapsed() < READY_CACHE => failed.clone(),
        _ => {
            let failed = check(&state).await;
            *last = Some((std::time::Instant::now(), failed.clone()));
            failed
        }
    };
    drop(last);
    if failed.is_empty() {
        Ok(Json(HealthStatus { status: "ready" }))
    } else {
        Err(ApiError::Unavailable { failed })
    }
}

/// Asks every port; the names of those that did not answer.
async fn check(state: &AppState) -> Vec<&'static str> {
    let ports = &state.ports;
    let (table, blobs, keys) = tokio::join!(
        tokio::time::timeout(READY_TIMEOUT, ports.table.ping()),
        tokio::time::timeout(READY_TIMEOUT, ports.blobs.ping()),
        tokio::time::timeout(READY_TIMEOUT, ports.keys.ping()),
    );
    let mut failed = Vec::new();
    for (name, outcome) in [
        (
            "table",
            table
                .map_err(|_| "timed out".to_owned())
                .and_then(|r| r.map_err(|e| cause_chain(&e))),
        ),
        (
            "blobs",
            blobs
                .map_err(|_| "timed out".to_owned())
                .and_then(|r| r.map_err(|e| cause_chain(&e))),
        ),
        (
            "keys",
            keys.map_err(|_| "timed out".to_owned())
                .and_then(|r| r.map_err(|e| cause_chain(&e))),
        ),
    ] {
        if let Err(cause) = outcome {
            tracing::warn!(dependency = name, error = %cause, "not ready");
            failed.push(name);
        }
    }
    failed
}
