//! Headers every reply carries, set once here rather than per handler so no route can forget
//! them: `x-content-type-options: nosniff` (a browser never guesses a JSON reply is HTML),
//! `cache-control: no-store` unless the handler chose otherwise (replies carry credentials,
//! decrypted data and personal data; the JWKS is the one route that asks to be cached), and CORS
//! only for the origins `COFFER_CORS_ALLOWED_ORIGINS` lists (none by default: no CORS headers, so
//! browsers keep other origins out).
//!
//! `strict-transport-security` is added only on Lambda ([`served_over_https`]): API Gateway
//! answers HTTPS alone, while `coffer-local` speaks plain HTTP on loopback, where the header means
//! nothing. A custom domain that wants `includeSubDomains` or preload sets it at its CDN (README).

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::settings::OperationSettings;

use super::REQUEST_ID_HEADER;

/// `router` with the security headers on every reply it makes, its fallbacks' included.
pub(super) fn with_security_headers(router: Router, operations: &OperationSettings) -> Router {
    let router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ));
    match cors(&operations.cors_allowed_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

/// CORS for exactly these origins, or none at all. Bearer credentials travel in `authorization`,
/// so cookies are not allowed cross-origin (the session cookie is for same-origin pages).
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static(REQUEST_ID_HEADER),
            ])
            .expose_headers([
                HeaderName::from_static(REQUEST_ID_HEADER),
                header::RETRY_AFTER,
                header::LOCATION,
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// On Lambda every request came through API Gateway's HTTPS endpoint: tell browsers to come back
/// over HTTPS only, for a year (a route that set its own value keeps it).
pub(super) fn served_over_https(mut response: Response) -> Response {
    response
        .headers_mut()
        .entry(header::STRICT_TRANSPORT_SECURITY)
        .or_insert(HeaderValue::from_static("max-age=31536000"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_on_lambda_ask_for_https_for_a_year() {
        let response = served_over_https(Response::new(axum::body::Body::empty()));
        assert_eq!(
            response.headers()[header::STRICT_TRANSPORT_SECURITY],
            "max-age=31536000"
        );
    }
}
