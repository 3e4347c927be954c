//! Shared steps of the storage, tamper, presigned, fault and key-ring tests: batches, payloads,
//! searches, rotations and the re-encryption worker, each as a client (or the scheduler) would
//! drive them.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use coffer_core::datasets::DatasetsService;
use coffer_core::datasets::JobReport;
use coffer_testkit::{Reply, TestApp, User, query_value};
use serde_json::{Value, json};

/// The data vault's service over the app's own ports, as the worker that advances re-encryption
/// jobs builds it (the local server's background task, the cleanup schedule on Lambda).
pub fn worker(app: &TestApp) -> DatasetsService {
    DatasetsService::new(
        app.state.ports.table.clone(),
        app.state.ports.blobs.clone(),
        app.state.ports.keys.clone(),
        app.state.ports.clock.clone(),
        app.state.settings.datasets.clone(),
    )
}

/// Runs the worker until no job is left running.
pub async fn run_jobs(app: &TestApp) -> JobReport {
    let worker = worker(app);
    let mut total = JobReport::default();
    for _ in 0..100 {
        let report = worker
            .run_jobs(Duration::from_secs(60))
            .await
            .expect("the worker advances the jobs");
        total.advanced += report.advanced;
        total.finished += report.finished;
        total.resealed += report.resealed;
        if report.advanced == 0 {
            return total;
        }
    }
    panic!("the jobs did not finish: {total:?}");
}

/// Runs the worker until the job `job` of `dataset` is done; its state as `by` reads it. On the
/// emulator every test shares one table, so another test's worker may be the one advancing (or
/// finishing) this job, and this one's report may count other tests' jobs: only the job's own
/// state says it is done.
pub async fn finish_job(app: &TestApp, dataset: &str, job: &str, by: &User) -> Value {
    for _ in 0..150 {
        run_jobs(app).await;
        let state = crate::helpers::job(app, dataset, job, by).await;
        if state["state"] == "done" {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("job {job} of {dataset} did not finish");
}

/// Key-ring calls so far (what KMS bills on AWS), from the data-key cache in front of the ring.
pub fn ring_calls(app: &TestApp) -> u64 {
    app.state
        .ports
        .keys
        .stats()
        .expect("the ports' key ring is the data-key cache")
        .ring_calls
}

/// `POST .../records` with a batch of `data`s as `by`, with an optional idempotency key.
pub async fn write_batch(
    app: &TestApp,
    dataset: &str,
    by: &User,
    records: &[Value],
    idempotency_key: Option<&str>,
) -> Reply {
    let body =
        json!({"records": records.iter().map(|data| json!({"data": data})).collect::<Vec<_>>()});
    let mut request = coffer_testkit::json_request(
        Method::POST,
        &format!("/v1/datasets/{dataset}/records"),
        Some(body),
        Some(&by.token),
    );
    if let Some(key) = idempotency_key {
        request
            .headers_mut()
            .insert("idempotency-key", key.parse().unwrap());
    }
    app.send(request).await
}

/// Writes a batch that must be written whole; the ids in order.
pub async fn write_all(app: &TestApp, dataset: &str, by: &User, records: &[Value]) -> Vec<String> {
    let written = write_batch(app, dataset, by, records, None).await;
    assert_eq!(written.code(), 201, "{}", written.body);
    written.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            assert_eq!(item["status"], 201, "{item}");
            item["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// `PUT .../payload` with `bytes` as `by`.
pub async fn put_payload(
    app: &TestApp,
    dataset: &str,
    record: &str,
    by: &User,
    bytes: Vec<u8>,
    content_type: &str,
) -> Reply {
    app.send(
        Request::builder()
            .method(Method::PUT)
            .uri(format!("/v1/datasets/{dataset}/records/{record}/payload"))
            .header("authorization", format!("Bearer {}", by.token))
            .header("content-type", content_type)
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await
}

/// `GET .../payload` as `by`: status, headers and the bytes.
pub async fn get_payload(
    app: &TestApp,
    dataset: &str,
    record: &str,
    by: &User,
) -> (StatusCode, HeaderMap, Bytes) {
    app.send_raw(
        Request::builder()
            .uri(format!("/v1/datasets/{dataset}/records/{record}/payload"))
            .header("authorization", format!("Bearer {}", by.token))
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// `GET .../search?field=&value=` as `by` (up to 1000 candidates).
pub async fn search(app: &TestApp, dataset: &str, by: &User, field: &str, value: &str) -> Reply {
    app.get(
        &format!(
            "/v1/datasets/{dataset}/search?field={field}&value={}&limit=1000",
            query_value(value)
        ),
        Some(&by.token),
    )
    .await
}

/// The ids of a search's matches (which must answer 200).
pub fn ids_of(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.code(), 200, "{}", reply.body);
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `POST .../rotate` as `by`, which must answer 202; the job's id.
pub async fn rotate(app: &TestApp, dataset: &str, by: &User) -> String {
    let rotated = app
        .call(
            Method::POST,
            &format!("/v1/datasets/{dataset}/rotate"),
            None,
            Some(&by.token),
        )
        .await;
    assert_eq!(rotated.code(), 202, "{}", rotated.body);
    rotated.text("/id")
}

/// Every record of the dataset as `by` sees it, page after page of `page` records.
pub async fn list_all(app: &TestApp, dataset: &str, by: &User, page: usize) -> Vec<Value> {
    let (mut items, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            None => format!("/v1/datasets/{dataset}/records?limit={page}"),
            Some(c) => format!("/v1/datasets/{dataset}/records?limit={page}&cursor={c}"),
        };
        let listed = app.get(&path, Some(&by.token)).await;
        assert_eq!(listed.code(), 200, "{}", listed.body);
        items.extend(listed.body["items"].as_array().unwrap().iter().cloned());
        match listed.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(query_value(next)),
            None => return items,
        }
    }
}
