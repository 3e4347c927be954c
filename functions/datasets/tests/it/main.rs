//! The `datasets` function's routes, driven in-process on the shared test kit: every route and
//! rule on the embedded backend, and the storage flows on the AWS backends (moto) too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod aws;
mod events;
mod faults;
mod flow;
mod key_ring_calls;
mod presigned;
mod support;
mod tamper;
mod validate;

// The rule tests (bad input, tenancy, views, audit, idempotency, search, rotation, PII, batches).
mod audit;
mod bad_input;
mod batch;
mod helpers;
mod idempotency;
mod pii;
mod rotation;
mod search;
mod tenancy;
mod views;

pub use coffer_testkit::customer;
use coffer_testkit::{Reply, TestApp, User};
use serde_json::{Value, json};

/// `auth` (to sign users up), `orgs` (to make orgs) and `datasets` over the embedded backend
/// (the test kit adds the local server's presigned-URL routes).
pub fn spawn() -> TestApp {
    TestApp::embedded(groups())
}

/// The same over DynamoDB, S3 and KMS on moto.
pub async fn spawn_on_moto() -> TestApp {
    TestApp::on_moto(groups()).await
}

fn groups() -> Vec<coffer_core::http::FunctionGroup> {
    vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_datasets::group(),
    ]
}

/// The shared customer dataset (`coffer_testkit::customer_dataset`), sized for 1000 records.
pub fn customers() -> Value {
    coffer_testkit::customer_dataset(1000)
}

/// Creates a dataset in `org` as `by` from `spec` (with a `name` added); its id.
pub async fn create_dataset(
    app: &TestApp,
    org: &str,
    by: &User,
    name: &str,
    spec: Value,
) -> String {
    let mut body = spec;
    body["org_id"] = json!(org);
    body["name"] = json!(name);
    let made = app.post("/v1/datasets", body, Some(&by.token)).await;
    assert_eq!(made.code(), 201, "{}", made.body);
    made.text("/id")
}

/// Writes one record as `by`; its id.
pub async fn write(app: &TestApp, dataset: &str, by: &User, data: Value) -> String {
    let written = app
        .post(
            &format!("/v1/datasets/{dataset}/records"),
            json!({"data": data}),
            Some(&by.token),
        )
        .await;
    assert_eq!(written.code(), 201, "{}", written.body);
    written.text("/id")
}

/// `GET` a record as `by`.
pub async fn read(app: &TestApp, dataset: &str, record: &str, by: &User) -> Reply {
    app.get(
        &format!("/v1/datasets/{dataset}/records/{record}"),
        Some(&by.token),
    )
    .await
}
