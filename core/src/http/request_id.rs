//! Every reply carries `x-request-id`; logs and problem documents quote the same id.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// API Gateway's id, otherwise a new one. A client's `x-request-id` is never used as the id:
/// the id lands in audit events, which must name what the gateway saw, not what a caller chose.
fn choose_id(request: &Request) -> String {
    let from_gateway = request
        .extensions()
        .get::<lambda_http::request::RequestContext>()
        .and_then(|ctx| match ctx {
            lambda_http::request::RequestContext::ApiGatewayV2(ctx) => ctx.request_id.clone(),
            _ => None,
        });
    from_gateway.unwrap_or_else(|| format!("req_{}", ulid::Ulid::new()))
}

/// The client's own `x-request-id`, if short and plain (so it cannot forge log lines): logged
/// beside ours for correlation, nothing more.
fn client_id(request: &Request) -> Option<String> {
    request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=128).contains(&v.len())
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        })
        .map(str::to_owned)
}

/// Assigns the id, logs one line per request (method, path, status, latency — never
/// the query string or body), and sets the header on the reply.
pub async fn request_id_middleware(request: Request, next: Next) -> Response {
    let id = choose_id(&request);
    let client_request_id = client_id(&request);
    let span = tracing::info_span!("request", request_id = %id, client_request_id = ?client_request_id, method = %request.method(), path = %request.uri().path());
    let started = std::time::Instant::now();
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(request).instrument(span.clone()))
        .await;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            "served"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}
