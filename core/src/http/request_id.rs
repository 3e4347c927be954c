//! Every reply carries `x-request-id`; logs and problem documents quote the same id.

use axum::extract::Request;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    pub(super) static REQUEST_ID: String;
}

/// The id of the request being served, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// API Gateway's id, otherwise a new one. A client's `x-request-id` is never used as the id:
/// the id lands in audit events, which must name what the gateway saw, not what a caller chose.
pub(super) fn choose_id(request: &Request) -> String {
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
pub(super) fn client_id(request: &Request) -> Option<String> {
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
