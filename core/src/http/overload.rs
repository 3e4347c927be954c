//! Load shedding for the local server: past a bound of requests in flight, answer 503 with
//! `retry-after` at once instead of queueing without end. A queue that grows under a spike
//! makes every request late; a quick 503 lets clients back off while the admitted requests
//! keep their latency. Liveness (`GET /v1/health`) is never shed, so a spike cannot make an
//! orchestrator restart a server that is merely busy.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::{PROBLEM_CONTENT_TYPE, Problem, REQUEST_ID_HEADER};

/// The liveness route: touches no dependency, so answering it costs nothing worth shedding.
const LIVENESS_PATH: &str = "/v1/health";

/// What a shed reply tells clients to wait before retrying, in seconds.
const RETRY_AFTER_SECONDS: u64 = 1;

/// `router` with at most `max_in_flight` requests served at once; the next ones are answered
/// 503 `/problems/overloaded` with `retry-after` until one finishes. The bound is the local
/// server's (`COFFER_MAX_IN_FLIGHT`): on Lambda each instance serves one request at a time.
pub fn shed_overload(router: Router, max_in_flight: usize) -> Router {
    let permits = Arc::new(Semaphore::new(max_in_flight.min(Semaphore::MAX_PERMITS)));
    router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let permits = permits.clone();
            async move {
                if request.uri().path() == LIVENESS_PATH {
                    return next.run(request).await;
                }
                match permits.try_acquire_owned() {
                    // The permit lives until the handler has produced its reply.
                    Ok(_permit) => next.run(request).await,
                    Err(_) => overloaded(),
                }
            }
        },
    ))
}

/// The shed reply. It is answered outside the request-id layer (shedding must cost less than
/// serving), so it makes its own id, as that layer does on the local server.
fn overloaded() -> Response {
    let request_id = format!("req_{}", ulid::Ulid::new());
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let problem = Problem {
        kind: "/problems/overloaded".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: format!(
            "the server is serving as many requests as it may; retry in {RETRY_AFTER_SECONDS} second"
        ),
        request_id: request_id.clone(),
        errors: None,
        extensions: serde_json::Map::new(),
    };
    let mut response = (status, axum::Json(problem)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    // Answered outside the app's layers, so it sets the security headers they would have.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tokio::sync::{mpsc, watch};
    use tower::ServiceExt;

    use super::*;

    /// A router whose `/slow` holds each request until `release` turns true, telling `entered`
    /// when a request is inside the handler; `/fast` and `/v1/health` answer at once.
    fn held_router(bound: usize) -> (Router, mpsc::UnboundedReceiver<()>, watch::Sender<bool>) {
        let (entered_tx, entered) = mpsc::unbounded_channel();
        let (release, released) = watch::channel(false);
        let slow = move || {
            let entered_tx = entered_tx.clone();
            let mut released = released.clone();
            async move {
                let _ = entered_tx.send(());
                let _ = released.wait_for(|open| *open).await;
                "slow"
            }
        };
        let router = Router::new()
            .route("/slow", get(slow))
            .route("/fast", get(|| async { "fast" }))
            .route("/v1/health", get(|| async { "ok" }));
        (shed_overload(router, bound), entered, release)
    }

    async fn call(router: &Router, path: &str) -> Response {
        let request = Request::builder().uri(path).body(Body::empty()).unwrap();
        router.clone().oneshot(request).await.unwrap()
    }

    async fn body_json(response: Response) -> serde_json::Value {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn a_request_past_the_bound_is_answered_503_with_retry_after_and_liveness_still_answers()
    {
        let (router, mut entered, release) = held_router(2);
        let held: Vec<_> = (0..2)
            .map(|_| {
                let router = router.clone();
                tokio::spawn(async move { call(&router, "/slow").await })
            })
            .collect();
        for _ in 0..2 {
            tokio::time::timeout(Duration::from_secs(5), entered.recv())
                .await
                .expect("both held requests reach the handler")
                .unwrap();
        }

        let shed = call(&router, "/fast").await;
        assert_eq!(shed.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(shed.headers()[header::RETRY_AFTER], "1");
        assert_eq!(shed.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(shed.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(shed.headers()[header::CONTENT_TYPE], PROBLEM_CONTENT_TYPE);
        let id = shed.headers()[REQUEST_ID_HEADER]
            .to_str()
            .unwrap()
            .to_owned();
        let problem = body_json(shed).await;
        assert_eq!(problem["type"], "/problems/overloaded");
        assert_eq!(problem["status"], 503);
        assert_eq!(problem["request_id"], id.as_str());

        let health = call(&router, "/v1/health").await;
        assert_eq!(health.status(), StatusCode::OK);

        release.send(true).unwrap();
        for task in held {
            assert_eq!(task.await.unwrap().status(), StatusCode::OK);
        }
        assert_eq!(call(&router, "/fast").await.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn requests_within_the_bound_are_served_and_a_finished_one_frees_its_place() {
        let (router, mut entered, release) = held_router(2);
        let router_for_held = router.clone();
        let held = tokio::spawn(async move { call(&router_for_held, "/slow").await });
        entered.recv().await.unwrap();
        // One place left: taken and given back by each of these in turn.
        for _ in 0..3 {
            assert_eq!(call(&router, "/fast").await.status(), StatusCode::OK);
        }
        release.send(true).unwrap();
        assert_eq!(held.await.unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn an_unknown_route_past_the_bound_is_shed_too() {
        let (router, mut entered, release) = held_router(1);
        let router_for_held = router.clone();
        let held = tokio::spawn(async move { call(&router_for_held, "/slow").await });
        entered.recv().await.unwrap();
        assert_eq!(
            call(&router, "/v1/health/ready").await.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        release.send(true).unwrap();
        held.await.unwrap();
    }
}
