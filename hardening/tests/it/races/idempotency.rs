//! Idempotent record writes under retry (docs/datasets.md): one `idempotency-key` and body sent
//! many times at once, then retried after: exactly one attempt writes; every other reply is the
//! same 201 replayed (`idempotent-replayed: true`) or the documented 409 while the first runs;
//! the dataset holds the records once. The key's claim, a must-not-exist put made before
//! anything is written, decides who writes.

use axum::http::{HeaderValue, Method};
use coffer_core::ids::DatasetId;
use coffer_core::store::schema;
use coffer_testkit::{Reply, TestApp, assert_problem, customer, customer_dataset, json_request};
use serde_json::{Value, json};

use super::guard::Protection;
use super::setup::{Backend, Race, at_once, same_kind};

const CLAIMS: Protection = Protection::Conditions(|key| {
    let sample = DatasetId::parse("dst_01arz3ndektsv4rrffq69g5fav").unwrap();
    same_kind(key, &schema::idempotency_key(&sample, "sample"))
});

fn replayed(reply: &Reply) -> bool {
    reply.header("idempotent-replayed") == Some("true")
}

async fn write(app: &TestApp, dataset: &str, token: &str, body: Value, key: &str) -> Reply {
    let mut request = json_request(
        Method::POST,
        &format!("/v1/datasets/{dataset}/records"),
        Some(body),
        Some(token),
    );
    request
        .headers_mut()
        .insert("idempotency-key", HeaderValue::from_str(key).unwrap());
    app.send(request).await
}

/// The ids a 201 names: one record's `id`, or each of a batch's `items`.
fn ids(reply: &Reply) -> Vec<String> {
    match reply.body["items"].as_array() {
        Some(items) => items
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect(),
        None => vec![reply.text("/id")],
    }
}

/// Every record id of `dataset`, sorted.
async fn stored_ids(app: &TestApp, dataset: &str, token: &str) -> Vec<String> {
    let listed = app
        .get(
            &format!("/v1/datasets/{dataset}/records?limit=1000"),
            Some(token),
        )
        .await;
    assert_eq!(listed.code(), 200, "{}", listed.body);
    assert!(listed.body["next_cursor"].is_null(), "one page holds them");
    let mut ids: Vec<String> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn one_idempotency_key_sent_at_once_and_retried_writes_once(backend: Backend) {
    let race = Race::new(backend, CLAIMS, |_| {}).await;
    let (rounds, width) = (race.rounds(8, 2), race.width(12, 6));
    let w = race.app.org_with_every_role().await;
    let mut spec = customer_dataset(1000);
    spec["org_id"] = json!(w.id);
    spec["name"] = json!("customers");
    let made = race
        .app
        .post("/v1/datasets", spec, Some(&w.admin.token))
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
    let dataset = made.text("/id");
    let mut expected: Vec<String> = Vec::new();
    for round in 0..rounds {
        let key = format!("order-{}", ulid::Ulid::new());
        // Odd rounds write a batch of three records, even ones a single record.
        let body = if round % 2 == 1 {
            json!({"records": (0..3).map(|n| json!({"data": customer(10 * round + n)})).collect::<Vec<_>>()})
        } else {
            json!({"data": customer(10 * round)})
        };
        let replies = at_once(width, |_| {
            let (app, dataset, token) = (race.app.clone(), dataset.clone(), w.member.token.clone());
            let (body, key) = (body.clone(), key.clone());
            async move { write(&app, &dataset, &token, body, &key).await }
        })
        .await;
        let codes: Vec<u16> = replies.iter().map(Reply::code).collect();
        let first: Vec<&Reply> = replies
            .iter()
            .filter(|r| r.code() == 201 && !replayed(r))
            .collect();
        assert_eq!(
            first.len(),
            1,
            "round {round}: one attempt writes: {codes:?}"
        );
        let first = first[0];
        for reply in &replies {
            match reply.code() {
                201 => assert_eq!(reply.body, first.body, "round {round}: another reply"),
                _ => assert_problem(reply, 409),
            }
        }
        // Retries after the race replay the first reply.
        for _ in 0..2 {
            let retry = write(&race.app, &dataset, &w.member.token, body.clone(), &key).await;
            assert_eq!(retry.code(), 201, "{}", retry.body);
            assert!(replayed(&retry));
            assert_eq!(retry.body, first.body);
        }
        expected.extend(ids(first));
        expected.sort();
        assert_eq!(
            stored_ids(&race.app, &dataset, &w.admin.token).await,
            expected,
            "round {round}: the dataset holds each record once"
        );
    }
    race.report("idempotent record writes", rounds, width);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_idempotency_key_sent_at_once_and_retried_writes_once_on_the_embedded_backend() {
    one_idempotency_key_sent_at_once_and_retried_writes_once(Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_idempotency_key_sent_at_once_and_retried_writes_once_on_the_aws_backend() {
    one_idempotency_key_sent_at_once_and_retried_writes_once(Backend::Moto).await;
}
