//! Puts route groups together into one axum app with the shared layers.

use std::any::Any;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use super::security_headers::with_security_headers;
use super::{ApiDoc, ApiError, AppState, FunctionGroup, health, observe};

/// One function's routes, each documenting itself in the OpenAPI document.
pub type RouteGroup = OpenApiRouter<AppState>;

/// The app for these route groups: health and `/v1/openapi.json` always, problem documents for
/// unknown routes and panics, and on every reply a request id, a response time, a log line, its
/// metrics and the security headers.
pub fn app(groups: Vec<FunctionGroup>, state: AppState) -> Router {
    let api = groups.into_iter().map(|group| group.routes).fold(
        OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(health::routes()),
        OpenApiRouter::merge,
    );
    let (router, doc) = api.split_for_parts();
    // Serialized once per cold start; a document of plain structs always serializes.
    let doc = Bytes::from(doc.to_json().unwrap_or_default());

    let operations = state.settings.operations.clone();
    let router = router
        .route("/v1/openapi.json", get(move || openapi_json(doc.clone())))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        // Outside the panic catcher, so a panic's 500 is logged and counted like any reply;
        // on each route (not around the router), so the matched route template is known.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .with_state(state);
    with_security_headers(router, &operations)
}

async fn openapi_json(doc: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        doc,
    )
        .into_response()
}

/// A panic is our bug: log it, answer an opaque 500 problem.
fn panic_response(_panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::Internal("handler panicked".into()).into_response()
}
