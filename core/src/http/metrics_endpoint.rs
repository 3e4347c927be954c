//! `GET /metrics`: the process's metrics as Prometheus text, served by the local server only
//! when `COFFER_METRICS_ENDPOINT=on` (it names routes and counts, which an operator opts into);
//! otherwise 404 as for any unknown route. Not in the OpenAPI document: no Lambda serves it
//! (there the same metrics go out as EMF).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{ApiError, AppState, FunctionGroup, RouteGroup};
use crate::telemetry::{Registry, prometheus};

/// Where the Prometheus text is served.
pub const METRICS_PATH: &str = "/metrics";

/// The local server's metrics route.
pub fn metrics_endpoint() -> FunctionGroup {
    FunctionGroup::new(RouteGroup::new().route(METRICS_PATH, get(metrics)))
}

async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    if !state.settings.operations.metrics_endpoint {
        return Err(ApiError::NotFound);
    }
    let text = prometheus::render(&Registry::global().snapshot());
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(prometheus::CONTENT_TYPE),
        )],
        text,
    )
        .into_response())
}
