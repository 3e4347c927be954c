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
    if failed.is_empty() {
        Ok(Json(HealthStatus { status: "ready" }))
    } else {
        Err(ApiError::Unavailable { failed })
    }
}
