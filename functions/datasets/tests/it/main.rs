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

/// A customer dataset: ten fields of which three are sensitive (an SSN sealed, an email
/// tokenized and searchable, a card masked to members), a plain searchable `country`.
pub fn customers() -> Value {
    json!({
        "fields": {
            "ssn": "encrypt",
            "email": "tokenize",
            "card": "mask",
            "country": {"policy": "plain", "searchable": true},
        },
        "schema": {
            "type": "object",
            "properties": {
                "name": {"type": "string"}, "ssn": {"type": "string"}, "email": {"type": "string"},
                "card": {"type": "string"}, "country": {"type": "string"}, "age": {"type": "integer", "minimum": 0},
                "plan": {"type": "string"}, "city": {"type": "string"}, "zip": {"type": "string"},
                "notes": {"type": "string"}
            },
            "required": ["email"]
        },
        "pii": "flag",
        "expected_records": 1000
    })
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

/// A customer record with canary-ish values derived from `n`.
pub fn customer(n: usize) -> Value {
    json!({
        "name": format!("Customer {n}"),
        "ssn": format!("078-05-{:04}", n % 10_000),
        "email": format!("customer{n}@example.com"),
        "card": "4111111111111111",
        "country": if n.is_multiple_of(2) { "FR" } else { "DE" },
        "age": 30 + (n % 50),
        "plan": "pro",
        "city": "Lyon",
        "zip": "69001",
        "notes": "prefers mail"
    })
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
