//! What every request leaves behind for its operators: a span whose fields (request id, route
//! template, method, and on Lambda the X-Ray trace id) every log line of the request carries;
//! one `served` line with status and latency; a warning when it was slow; its metrics; and the
//! `x-request-id` and `x-response-time` headers. The route is axum's matched template
//! (`/v1/datasets/{id}`), never the path with its ids.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};
use tracing::Instrument;
use tracing::field::Empty;

use super::AppState;
use super::request_id::{self, REQUEST_ID, REQUEST_ID_HEADER};
use crate::telemetry::{self, UNMATCHED_ROUTE, emf};

/// How long the router took to produce the reply, e.g. `1.234ms`.
pub const RESPONSE_TIME_HEADER: &str = "x-response-time";

/// A request's metrics as EMF documents, made when it was served on Lambda. They travel in the
/// reply's extensions (never sent to the client) to the Lambda adapter, which prints them.
#[derive(Debug, Clone)]
pub struct EmfDocuments(pub Vec<Value>);

/// The method as a label: a standard method's name, or `OTHER` (a client may send any token as
/// a method, and a label must not be what a client chose).
fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}

/// Runs the request and records its metrics (inside the request's scope, so that the EMF
/// document holds them).
async fn serve(
    next: Next,
    request: Request,
    route: &str,
    method: &'static str,
    started: Instant,
) -> (Response, Duration) {
    let response = next.run(request).await;
    let latency = started.elapsed();
    telemetry::request_served(route, method, response.status().as_u16(), latency);
    (response, latency)
}

/// The middleware around every route and the fallback (axum has matched the route by then).
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id::choose_id(&request);
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned();
    // Served through the Lambda runtime: `lambda_http` puts the invocation's context in.
    let lambda = request
        .extensions()
        .get::<lambda_http::Context>()
        .map(super::lambda::emf_invocation);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method,
        route = %route,
        client_request_id = Empty,
        xray_trace_id = Empty,
    );
    if let Some(client) = request_id::client_id(&request) {
        span.record("client_request_id", client);
    }
    if let Some(trace) = lambda.as_ref().and_then(|l| l.xray_trace_id.as_deref()) {
        span.record("xray_trace_id", trace);
    }

    let work = REQUEST_ID.scope(
        id.clone(),
        serve(next, request, &route, method, started).instrument(span.clone()),
    );
    // Only a Lambda invocation reports its own metrics (EMF); locally the registry has them.
    let ((mut response, latency), recording) = if lambda.is_some() {
        let (served, recording) = telemetry::scoped(work).await;
        (served, Some(recording))
    } else {
        (work.await, None)
    };

    let status = response.status().as_u16();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    let slow = state.settings.operations.slow_request;
    span.in_scope(|| {
        tracing::info!(status, latency_ms, "served");
        if latency > slow {
            tracing::warn!(
                status,
                latency_ms,
                threshold_ms = u64::try_from(slow.as_millis()).unwrap_or(u64::MAX),
                "slow request"
            );
        }
    });

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("{latency_ms:.3}ms")) {
        headers.insert(RESPONSE_TIME_HEADER, value);
    }
    if let (Some(mut invocation), Some(recording)) = (lambda, recording) {
        invocation.properties.push(("request_id", json!(id)));
        invocation.properties.push(("status", json!(status)));
        let documents = emf::documents(&recording, &invocation, emf::now_ms());
        response.extensions_mut().insert(EmfDocuments(documents));
    }
    response
}

#[cfg(test)]
mod tests;
