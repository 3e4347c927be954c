//! The shared HTTP glue, driven in-process with tower's `oneshot`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use coffer_core::Ports;
use coffer_core::faults::{FaultPlan, Faulty};
use coffer_core::http::{AppState, BoundedJson, RouteGroup, app};
use coffer_core::store::{
    Condition, Item, Key, Page, Query, StoreError, Table, TxOp, sqlite::SqliteTable,
};
use coffer_core::{Clock, Settings, SystemClock};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::Value;
use tower::ServiceExt;

struct TestApp {
    router: Router,
    _dir: tempfile::TempDir,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EchoBody {
    name: String,
}

async fn echo(BoundedJson(body): BoundedJson<EchoBody>) -> String {
    body.name
}

fn echo_group() -> RouteGroup {
    RouteGroup::new().route("/v1/test/echo", axum::routing::post(echo))
}

fn spawn_app(table_plan: Option<FaultPlan>) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::embedded(dir.path());
    settings.max_body_bytes = 1024;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut ports = Ports::embedded(&settings, clock.clone()).unwrap();
    if let Some(plan) = table_plan {
        let table: Arc<dyn Table> =
            Arc::new(SqliteTable::open(dir.path().join("t.sqlite3"), clock).unwrap());
        ports.table = Arc::new(Faulty::new(table, plan));
    }
    TestApp {
        router: app(vec![echo_group().into()], AppState::new(settings, ports)),
        _dir: dir,
    }
}

async fn send(app: &TestApp, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, headers, body)
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn health_answers_ok_with_a_request_id() {
    let app = spawn_app(None);
    let (status, headers, body) = send(&app, get("/v1/health")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!({"status": "ok"}));
    assert!(
        headers
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
}

#[tokio::test]
async fn readiness_is_ok_when_every_port_answers() {
    let app = spawn_app(None);
    let (status, _, body) = send(&app, get("/v1/health/ready")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn readiness_names_the_dependency_that_failed() {
    let app = spawn_app(Some(FaultPlan::always_fail()));
    let (status, headers, body) = send(&app, get("/v1/health/ready")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(body["failed"], serde_json::json!(["table"]));
    assert!(
        !body.to_string().contains("injected"),
        "no internals in the body: {body}"
    );
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem_document() {
    let app = spawn_app(None);
    let request = Request::get("/v1/nope")
        .header("x-request-id", "client-id-1")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(&app, request).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(body["type"], "/problems/not-found");
    assert_eq!(body["status"], 404);
    assert_eq!(body["title"], "Not Found");
    // The client's id is not ours: audit events and problems name the gateway's (or a new) id.
    assert_ne!(body["request_id"], "client-id-1");
    assert_eq!(
        body["request_id"],
        headers["x-request-id"].to_str().unwrap()
    );
}

#[tokio::test]
async fn a_forged_request_id_is_replaced() {
    let app = spawn_app(None);
    let request = Request::get("/v1/health")
        .header("x-request-id", "bad id\" injected")
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&app, request).await;
    assert!(
        headers["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_document() {
    let app = spawn_app(None);
    let (status, _, body) = send(
        &app,
        Request::delete("/v1/health").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["type"], "/problems/method-not-allowed");
}

#[tokio::test]
async fn the_json_extractor_takes_a_valid_body() {
    let app = spawn_app(None);
    let (status, _, body) = send(
        &app,
        post(
            "/v1/test/echo",
            "application/json; charset=utf-8",
            r#"{"name":"x"}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "x");
}

#[tokio::test]
async fn the_json_extractor_refuses_bad_bodies_with_the_right_status() {
    let app = spawn_app(None);
    let cases = [
        (
            post("/v1/test/echo", "text/plain", r#"{"name":"x"}"#),
            415,
            "unsupported-media-type",
        ),
        (
            post("/v1/test/echo", "application/json", "{\"name\":"),
            400,
            "bad-request",
        ),
        (
            post(
                "/v1/test/echo",
                "application/json",
                r#"{"name":"x","admin":true}"#,
            ),
            422,
            "validation",
        ),
        (
            post(
                "/v1/test/echo",
                "application/json",
                format!(r#"{{"name":"{}"}}"#, "x".repeat(2000)),
            ),
            413,
            "payload-too-large",
        ),
    ];
    for (request, want, kind) in cases {
        let (status, headers, body) = send(&app, request).await;
        assert_eq!(status.as_u16(), want, "{body}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(body["type"], format!("/problems/{kind}"));
    }
    let (_, _, body) = send(
        &app,
        post(
            "/v1/test/echo",
            "application/json",
            r#"{"name":"x","admin":true}"#,
        ),
    )
    .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field")
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn_app(None);
    let (status, _, doc) = send(&app, get("/v1/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    assert!(doc["paths"]["/v1/health"]["get"].is_object());
    assert!(doc["paths"]["/v1/health/ready"]["get"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

/// A table that counts its pings, to see how often readiness reaches the store.
#[derive(Debug)]
struct CountingPings {
    inner: Arc<dyn Table>,
    pings: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Table for CountingPings {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }
    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        self.inner.increment(key, by, expires_at).await
    }
    async fn sweep_expired(
        &self,
        limit: usize,
        from: Option<&coffer_core::store::Cursor>,
    ) -> Result<coffer_core::store::Sweep, StoreError> {
        self.inner.sweep_expired(limit, from).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.pings.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.ping().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_readiness_probes_reaches_the_store_once() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::embedded(dir.path());
    let mut ports = Ports::embedded(&settings, Arc::new(SystemClock)).unwrap();
    let counting = Arc::new(CountingPings {
        inner: ports.table.clone(),
        pings: Default::default(),
    });
    ports.table = counting.clone();
    let app = TestApp {
        router: app(vec![echo_group().into()], AppState::new(settings, ports)),
        _dir: dir,
    };
    let probes = (0..50).map(|_| send(&app, get("/v1/health/ready")));
    for (status, _, _) in futures_util::future::join_all(probes).await {
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(
        counting.pings.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "fifty unauthenticated probes within the cache's life make one check"
    );
}
