//! The headers every reply carries, and CORS off unless origins are listed.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::get;
use coffer_core::http::{AppState, RouteGroup, app};
use coffer_core::{Ports, Settings, SystemClock};
use tower::ServiceExt;

fn cached_group() -> RouteGroup {
    RouteGroup::new().route(
        "/v1/test/cached",
        get(|| async { ([(header::CACHE_CONTROL, "public, max-age=60")], "public") }),
    )
}

fn app_with(cors_origins: &[&str]) -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::embedded(dir.path());
    settings.operations.cors_allowed_origins =
        cors_origins.iter().map(|o| (*o).to_owned()).collect();
    let ports = Ports::embedded(&settings, std::sync::Arc::new(SystemClock)).unwrap();
    let router = app(vec![cached_group().into()], AppState::new(settings, ports));
    (router, dir)
}

async fn headers_of(router: &axum::Router, request: Request<Body>) -> (StatusCode, HeaderMap) {
    let reply = router.clone().oneshot(request).await.unwrap();
    (reply.status(), reply.headers().clone())
}

fn preflight(origin: &str) -> Request<Body> {
    Request::options("/v1/auth/me")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn every_reply_says_nosniff_and_no_store_unless_the_route_chose_a_cache() {
    let (router, _dir) = app_with(&[]);
    let requests = [
        Request::get("/v1/health").body(Body::empty()).unwrap(),
        Request::get("/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
        Request::get("/v1/nowhere").body(Body::empty()).unwrap(),
        Request::delete("/v1/health").body(Body::empty()).unwrap(),
    ];
    for request in requests {
        let uri = request.uri().clone();
        let (_, headers) = headers_of(&router, request).await;
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{uri}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{uri}");
    }
    let (status, headers) = headers_of(
        &router,
        Request::get("/v1/test/cached").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=60");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn cors_is_off_by_default_so_no_origin_is_let_in() {
    let (router, _dir) = app_with(&[]);
    let (_, headers) = headers_of(&router, preflight("https://evil.example")).await;
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    let (_, headers) = headers_of(
        &router,
        Request::get("/v1/health")
            .header(header::ORIGIN, "https://evil.example")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
}

#[tokio::test]
async fn cors_lets_in_exactly_the_listed_origins() {
    let (router, _dir) = app_with(&["https://app.example.com"]);
    let (status, headers) = headers_of(&router, preflight("https://app.example.com")).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example.com"
    );
    let allowed = headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS));

    let (_, headers) = headers_of(&router, preflight("https://evil.example")).await;
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));

    let (_, headers) = headers_of(
        &router,
        Request::get("/v1/health")
            .header(header::ORIGIN, "https://app.example.com")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example.com"
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}
