use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use serde_json::Value;
use tower::ServiceExt;

use super::*;
use crate::http::{ApiError, FunctionGroup, RouteGroup, app};
use crate::telemetry::Registry;
use crate::telemetry::testing::LogCapture;
use crate::{ManualClock, Ports, Settings};

const TRACE_HEADER: &str =
    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
const TRACE_ROOT: &str = "1-5759e988-bd862e3fe1be46a994272793";

/// Routes with an id in the path, a problem reply and a slow reply, over embedded ports.
fn router(change: impl FnOnce(&mut Settings)) -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::embedded(dir.path());
    change(&mut settings);
    let ports = Ports::embedded(&settings, ManualClock::starting_now()).unwrap();
    let routes = RouteGroup::new()
        .route(
            "/v1/things/{id}",
            get(|| async {
                tracing::info!("inside the handler");
                "thing"
            }),
        )
        .route(
            "/v1/things/{id}/conflict",
            get(|| async { ApiError::Conflict("taken".into()) }),
        )
        .route(
            "/v1/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                "late"
            }),
        );
    let state = AppState::new(settings, ports);
    (app(vec![FunctionGroup::new(routes)], state), dir)
}

async fn send(router: &Router, request: Request<Body>) -> axum::response::Response {
    router.clone().oneshot(request).await.unwrap()
}

fn get_request(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// A request as `lambda_http` hands it over: with the invocation's context.
fn lambda_request(path: &str) -> Request<Body> {
    let mut context = lambda_http::Context::default();
    context.request_id = "lambda-invocation-1".into();
    context.xray_trace_id = Some(TRACE_HEADER.into());
    context.env_config = Arc::new(lambda_http::lambda_runtime::Config {
        function_name: "coffer-things".into(),
        ..lambda_http::lambda_runtime::Config::default()
    });
    let mut request = get_request(path);
    request.extensions_mut().insert(context);
    request
}

fn served_lines(logs: &LogCapture) -> Vec<Value> {
    logs.lines()
        .into_iter()
        .filter(|line| line["message"] == "served")
        .collect()
}

#[tokio::test]
async fn the_served_line_has_the_request_id_route_template_method_status_and_latency() {
    let (router, _dir) = router(|_| {});
    let logs = LogCapture::default();
    let _guard = logs.capture();

    let response = send(&router, get_request("/v1/things/thing_0042")).await;

    assert_eq!(response.status(), StatusCode::OK);
    let id = response.headers()[REQUEST_ID_HEADER].to_str().unwrap();
    let served = served_lines(&logs);
    assert_eq!(served.len(), 1);
    let line = &served[0];
    assert_eq!(line["request_id"], id);
    assert_eq!(line["route"], "/v1/things/{id}");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].as_f64().unwrap() >= 0.0);
    assert!(line.get("path").is_none(), "no raw path: {line}");
    // A line the handler wrote carries the request's fields too.
    let inside = logs
        .lines()
        .into_iter()
        .find(|l| l["message"] == "inside the handler")
        .unwrap();
    assert_eq!(inside["request_id"], id);
    assert_eq!(inside["route"], "/v1/things/{id}");
}

#[tokio::test]
async fn a_canary_id_in_the_path_appears_in_no_log_line_no_metric_label_and_no_emf_document() {
    let (router, _dir) = router(|_| {});
    let logs = LogCapture::default();
    let _guard = logs.capture();
    let canary = format!("canary{}", ulid::Ulid::new()).to_lowercase();

    let found = send(&router, lambda_request(&format!("/v1/things/{canary}"))).await;
    let problem = send(
        &router,
        get_request(&format!("/v1/things/{canary}/conflict")),
    )
    .await;
    let missing = send(&router, get_request(&format!("/v1/{canary}/nowhere"))).await;

    assert_eq!(found.status(), StatusCode::OK);
    assert_eq!(problem.status(), StatusCode::CONFLICT);
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let text = logs.text();
    assert_eq!(served_lines(&logs).len(), 3, "{text}");
    assert!(!text.contains(&canary), "{text}");
    let routes: Vec<_> = served_lines(&logs)
        .iter()
        .map(|l| l["route"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        routes,
        ["/v1/things/{id}", "/v1/things/{id}/conflict", "unmatched"]
    );
    let snapshot = Registry::global().snapshot();
    assert!(snapshot.label_values().all(|v| !v.contains(&canary)));
    let emf = found.extensions().get::<EmfDocuments>().unwrap();
    assert!(!serde_json::to_string(&emf.0).unwrap().contains(&canary));
}

#[tokio::test]
async fn x_response_time_is_on_a_success_a_problem_reply_and_a_404() {
    let (router, _dir) = router(|_| {});
    for (path, status) in [
        ("/v1/things/a", StatusCode::OK),
        ("/v1/things/a/conflict", StatusCode::CONFLICT),
        ("/v1/no/such/route", StatusCode::NOT_FOUND),
    ] {
        let response = send(&router, get_request(path)).await;
        assert_eq!(response.status(), status);
        let time = response.headers()[RESPONSE_TIME_HEADER].to_str().unwrap();
        let ms = time.strip_suffix("ms").unwrap();
        assert!(ms.parse::<f64>().unwrap() >= 0.0, "{time}");
        assert_eq!(ms.split('.').nth(1).unwrap().len(), 3, "{time}");
    }
}

#[tokio::test]
async fn the_slow_warning_fires_above_a_1_ms_threshold_and_not_under_a_high_one() {
    let slow_lines = |logs: &LogCapture| -> Vec<Value> {
        logs.lines()
            .into_iter()
            .filter(|l| l["message"] == "slow request")
            .collect()
    };
    let (strict, _dir) = router(|s| s.operations.slow_request = Duration::from_millis(1));
    let (lenient, _dir2) = router(|s| s.operations.slow_request = Duration::from_secs(600));

    let logs = LogCapture::default();
    let guard = logs.capture();
    let response = send(&strict, get_request("/v1/slow")).await;
    drop(guard);
    let warnings = slow_lines(&logs);
    assert_eq!(warnings.len(), 1, "{}", logs.text());
    let warning = &warnings[0];
    assert_eq!(warning["level"], "WARN");
    assert_eq!(warning["route"], "/v1/slow");
    assert_eq!(warning["status"], 200);
    assert_eq!(warning["threshold_ms"], 1);
    assert!(warning["latency_ms"].as_f64().unwrap() >= 20.0);
    assert_eq!(
        warning["request_id"],
        response.headers()[REQUEST_ID_HEADER].to_str().unwrap()
    );

    let logs = LogCapture::default();
    let _guard = logs.capture();
    send(&lenient, get_request("/v1/slow")).await;
    assert_eq!(served_lines(&logs).len(), 1);
    assert!(slow_lines(&logs).is_empty(), "{}", logs.text());
}

#[tokio::test]
async fn on_lambda_every_line_of_the_request_has_the_xray_trace_id_and_the_reply_its_emf_document()
{
    let (router, _dir) = router(|_| {});
    let logs = LogCapture::default();
    let _guard = logs.capture();

    let response = send(&router, lambda_request("/v1/things/t1")).await;

    let lines: Vec<Value> = logs
        .lines()
        .into_iter()
        .filter(|l| l["message"] == "served" || l["message"] == "inside the handler")
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert_eq!(line["xray_trace_id"], TRACE_ROOT, "{line}");
    }
    let EmfDocuments(documents) = response.extensions().get::<EmfDocuments>().unwrap();
    assert_eq!(documents.len(), 1);
    let document: Value = serde_json::from_str(&documents[0].to_string()).unwrap();
    let directives = document["_aws"]["CloudWatchMetrics"].as_array().unwrap();
    assert_eq!(directives[0]["Namespace"], "Coffer");
    assert_eq!(
        directives[0]["Dimensions"],
        serde_json::json!([["function", "route"]])
    );
    assert!(document["_aws"]["Timestamp"].as_u64().unwrap() > 1_600_000_000_000);
    assert_eq!(document["function"], "coffer-things");
    assert_eq!(document["route"], "GET /v1/things/{id}");
    assert_eq!(document["Requests"], 1);
    assert_eq!(document["ServerErrors"], 0);
    assert_eq!(document["ClientErrors"], 0);
    assert!(document["Latency"].as_f64().unwrap() >= 0.0);
    assert_eq!(document["status"], 200);
    assert_eq!(document["xray_trace_id"], TRACE_ROOT);
    assert_eq!(
        document["request_id"],
        response.headers()[REQUEST_ID_HEADER].to_str().unwrap()
    );
}

#[tokio::test]
async fn a_request_served_locally_carries_no_emf_document() {
    let (router, _dir) = router(|_| {});
    let response = send(&router, get_request("/v1/things/t1")).await;
    assert!(response.extensions().get::<EmfDocuments>().is_none());
}

#[tokio::test]
async fn requests_count_by_route_template_and_method_and_errors_by_class() {
    let (router, _dir) = router(|_| {});
    let ok = [("method", "GET"), ("route", "/v1/things/{id}")];
    let conflict = [("method", "GET"), ("route", "/v1/things/{id}/conflict")];
    let before = Registry::global().snapshot();

    for n in 0..3 {
        send(&router, get_request(&format!("/v1/things/{n}"))).await;
    }
    send(&router, get_request("/v1/things/x/conflict")).await;

    // Other tests may serve the same routes meanwhile: at least what this one sent.
    let after = Registry::global().snapshot();
    let delta = |metric: &str, labels: &[(&str, &str)]| {
        after.counter(metric, labels) - before.counter(metric, labels)
    };
    assert!(delta("coffer_http_requests_total", &ok) >= 3);
    assert!(
        after.observations("coffer_http_request_duration_seconds", &ok)
            - before.observations("coffer_http_request_duration_seconds", &ok)
            >= 3
    );
    assert!(delta("coffer_http_client_errors_total", &conflict) >= 1);
    assert!(delta("coffer_http_requests_total", &conflict) >= 1);
    assert_eq!(
        after.counter("coffer_http_server_errors_total", &conflict),
        before.counter("coffer_http_server_errors_total", &conflict),
        "a 409 is no server error"
    );
}

#[test]
fn a_method_a_client_made_up_is_labelled_other() {
    assert_eq!(method_label(&Method::GET), "GET");
    assert_eq!(
        method_label(&Method::from_bytes(b"CANARY").unwrap()),
        "OTHER"
    );
}
