//! Idempotent writes: a retry with the same `idempotency-key` and body gets the first reply
//! (`idempotent-replayed: true`) and writes nothing new; another body is refused; keys are each
//! caller's own; a claim whose attempt died is taken over after its 60 s lease and the retry
//! writes the ids reserved for it, never a record twice; a claim in flight answers 409.

use std::time::Duration;

use coffer_core::datasets::idempotency::{IdempotencyClaim, body_digest, claim_key};
use coffer_core::ids::{DatasetId, ulid_at};
use coffer_core::store::Condition;
use coffer_function_datasets::records::WriteRecordsRequest;
use coffer_testkit::TestApp;
use serde_json::{Value, json};

use crate::helpers::{
    Closed, assert_problem, audit_items, batch, batch_ids, ids_of, list_all, spawn_gated,
    with_action, write_body,
};
use crate::{create_dataset, customer, customers, spawn};

fn replayed(reply: &coffer_testkit::Reply) -> bool {
    reply.header("idempotent-replayed") == Some("true")
}

#[tokio::test]
async fn the_same_key_and_body_twice_replays_the_first_reply_and_writes_once() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let body = json!({"data": customer(1)});

    let first = write_body(
        &app,
        &dataset,
        &w.member.token,
        body.clone(),
        Some("order-1"),
    )
    .await;
    let second = write_body(&app, &dataset, &w.member.token, body, Some("order-1")).await;

    assert_eq!(first.code(), 201, "{}", first.body);
    assert!(!replayed(&first));
    assert_eq!(second.code(), 201, "{}", second.body);
    assert!(replayed(&second));
    assert_eq!(second.body, first.body);
    let records = list_all(&app, &dataset, &w.admin.token, 50).await;
    assert_eq!(ids_of(&records), [first.text("/id")]);
    let items = audit_items(&app, &w.id).await;
    assert_eq!(with_action(&items, "records.create").len(), 1);
}

#[tokio::test]
async fn a_body_that_differs_only_in_formatting_is_the_same_request() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let compact = json!({"data": customer(1)}).to_string();
    let spaced = serde_json::to_string_pretty(&json!({"data": customer(1)})).unwrap();
    let send = |text: String| {
        let request = axum::http::Request::builder()
            .method("POST")
            .uri(format!("/v1/datasets/{dataset}/records"))
            .header("authorization", format!("Bearer {}", w.member.token))
            .header("content-type", "application/json")
            .header("idempotency-key", "k")
            .body(axum::body::Body::from(text))
            .unwrap();
        app.send(request)
    };

    let first = send(compact).await;
    let second = send(spaced).await;

    assert_eq!(first.code(), 201, "{}", first.body);
    assert!(replayed(&second), "{}", second.body);
    assert_eq!(second.text("/id"), first.text("/id"));
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused_and_writes_nothing() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let first = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": customer(1)}),
        Some("order-1"),
    )
    .await;
    assert_eq!(first.code(), 201);

    let other = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": customer(2)}),
        Some("order-1"),
    )
    .await;

    assert_problem(&other, 422);
    assert_eq!(crate::helpers::error_fields(&other), ["idempotency-key"]);
    assert_eq!(list_all(&app, &dataset, &w.admin.token, 50).await.len(), 1);
}

#[tokio::test]
async fn two_callers_or_two_datasets_with_the_same_key_do_not_collide() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let a = create_dataset(&app, &w.id, &w.admin, "a", customers()).await;
    let b = create_dataset(&app, &w.id, &w.admin, "b", customers()).await;
    let body = json!({"data": customer(1)});

    let by_member = write_body(&app, &a, &w.member.token, body.clone(), Some("k1")).await;
    let by_admin = write_body(&app, &a, &w.admin.token, body.clone(), Some("k1")).await;
    let elsewhere = write_body(&app, &b, &w.member.token, body, Some("k1")).await;

    for reply in [&by_member, &by_admin, &elsewhere] {
        assert_eq!(reply.code(), 201, "{}", reply.body);
        assert!(!replayed(reply));
    }
    assert_ne!(by_member.text("/id"), by_admin.text("/id"));
    assert_eq!(list_all(&app, &a, &w.admin.token, 50).await.len(), 2);
    assert_eq!(list_all(&app, &b, &w.admin.token, 50).await.len(), 1);
}

#[tokio::test]
async fn a_batch_of_fifty_with_a_key_replays_the_same_fifty_ids() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let records: Vec<Value> = (0..50).map(customer).collect();

    let first = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&records),
        Some("b50"),
    )
    .await;
    let again = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&records),
        Some("b50"),
    )
    .await;

    assert_eq!(first.code(), 201, "{}", first.body);
    let ids: Vec<String> = batch_ids(&first).into_iter().map(Option::unwrap).collect();
    assert_eq!(ids.len(), 50);
    assert!(replayed(&again));
    assert_eq!(again.body, first.body);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, ids, "a keyed batch's ids are reserved in order");
    assert_eq!(
        ids_of(&list_all(&app, &dataset, &w.admin.token, 100).await),
        sorted
    );
}

/// Writes, as an attempt of `actor` that is still running (or died without a word), the claim of
/// `key` for `body` on `dataset`; the id its first record was given.
async fn claim_in_flight(
    app: &TestApp,
    dataset: &str,
    actor: &str,
    key: &str,
    body: &Value,
) -> String {
    let now = app.state.ports.clock.now();
    let request: WriteRecordsRequest = serde_json::from_value(body.clone()).unwrap();
    let first_record = ulid_at(now).unwrap();
    let claim = IdempotencyClaim {
        key: claim_key(&DatasetId::parse(dataset).unwrap(), actor, key),
        body_digest: body_digest(&serde_json::to_vec(&request).unwrap()),
        first_record,
        reply: None,
        lease_until: now + time::Duration::seconds(60),
        expires_at: (now + time::Duration::days(1)).unix_timestamp(),
        revision: 1,
    };
    app.state
        .ports
        .table
        .put(claim.to_item(), Condition::MustNotExist)
        .await
        .unwrap();
    format!("rec_{}", first_record.to_string().to_lowercase())
}

#[tokio::test]
async fn a_claim_in_flight_answers_409_until_its_lease_ends_then_the_retry_takes_it_over() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let body = json!({"data": customer(1)});
    let reserved = claim_in_flight(&app, &dataset, &w.member.id, "k", &body).await;

    let in_flight = write_body(&app, &dataset, &w.member.token, body.clone(), Some("k")).await;
    app.clock.advance(time::Duration::seconds(59));
    let still = write_body(&app, &dataset, &w.member.token, body.clone(), Some("k")).await;
    app.clock.advance(time::Duration::seconds(2));
    let taken_over = write_body(&app, &dataset, &w.member.token, body.clone(), Some("k")).await;
    let replay = write_body(&app, &dataset, &w.member.token, body, Some("k")).await;

    assert_problem(&in_flight, 409);
    assert_problem(&still, 409);
    assert_eq!(taken_over.code(), 201, "{}", taken_over.body);
    assert_eq!(
        taken_over.text("/id"),
        reserved,
        "the retry writes the reserved id"
    );
    assert!(replayed(&replay));
    assert_eq!(replay.text("/id"), reserved);
    assert_eq!(
        ids_of(&list_all(&app, &dataset, &w.admin.token, 50).await),
        [reserved]
    );
}

#[tokio::test]
async fn a_batch_whose_attempt_died_midway_is_finished_by_the_retry_without_duplicates() {
    let (app, gate) = spawn_gated();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let records: Vec<Value> = (0..10).map(customer).collect();

    // The first attempt commits three records, then its process dies.
    gate.close_after(3, Closed::Hang);
    let mut first = Box::pin(write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&records),
        Some("dies"),
    ));
    while gate.completed() < 3 || gate.held() == 0 {
        tokio::select! {
            reply = &mut first => panic!("the first attempt should hang: {}", reply.body),
            () = tokio::time::sleep(Duration::from_millis(2)) => {}
        }
    }
    gate.open();
    let while_in_flight = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&records),
        Some("dies"),
    )
    .await;
    drop(first);
    let left_behind = ids_of(&list_all(&app, &dataset, &w.admin.token, 50).await);
    app.clock.advance(time::Duration::seconds(61));
    let retry = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&records),
        Some("dies"),
    )
    .await;
    let again = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&records),
        Some("dies"),
    )
    .await;

    assert_problem(&while_in_flight, 409);
    assert_eq!(left_behind.len(), 3);
    assert_eq!(retry.code(), 201, "{}", retry.body);
    let ids: Vec<String> = batch_ids(&retry).into_iter().map(Option::unwrap).collect();
    assert!(
        left_behind.iter().all(|id| ids.contains(id)),
        "the retry reuses the ids the first attempt wrote"
    );
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 10);
    assert_eq!(
        ids_of(&list_all(&app, &dataset, &w.admin.token, 50).await),
        sorted
    );
    assert!(replayed(&again));
    assert_eq!(again.body, retry.body);
}

#[tokio::test]
async fn a_batch_cut_short_by_a_throttled_store_is_finished_by_an_immediate_retry() {
    let (app, gate) = spawn_gated();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let records: Vec<Value> = (0..10).map(customer).collect();

    gate.close_after(4, Closed::Throttle);
    let first = write_body(&app, &dataset, &w.member.token, batch(&records), Some("t")).await;
    gate.open();
    let retry = write_body(&app, &dataset, &w.member.token, batch(&records), Some("t")).await;
    let again = write_body(&app, &dataset, &w.member.token, batch(&records), Some("t")).await;

    assert_eq!(first.code(), 207, "{}", first.body);
    let first_ids = batch_ids(&first);
    assert_eq!(first_ids.iter().flatten().count(), 4);
    let statuses: Vec<u64> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 503).count(), 6);
    assert_eq!(retry.code(), 201, "{}", retry.body);
    assert!(!replayed(&retry), "a released claim is not replayed");
    let ids = batch_ids(&retry);
    for (before, after) in first_ids.iter().zip(&ids) {
        if before.is_some() {
            assert_eq!(before, after, "a record written first keeps its id");
        }
    }
    let all: Vec<String> = ids.into_iter().map(Option::unwrap).collect();
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 10);
    assert_eq!(
        ids_of(&list_all(&app, &dataset, &w.admin.token, 50).await),
        sorted
    );
    assert!(replayed(&again));
    assert_eq!(again.body, retry.body);
}

#[tokio::test]
async fn a_slow_attempt_whose_claim_was_taken_over_still_answers_with_its_records() {
    let (app, gate) = spawn_gated();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let records: Vec<Value> = (0..10).map(customer).collect();

    // The first attempt commits three records, then stalls past its lease (it is slow, not dead).
    gate.close_after(3, Closed::Pause);
    let mut slow = Box::pin(write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&records),
        Some("slow"),
    ));
    while gate.completed() < 3 || gate.held() == 0 {
        tokio::select! {
            reply = &mut slow => panic!("the first attempt should stall: {}", reply.body),
            () = tokio::time::sleep(Duration::from_millis(2)) => {}
        }
    }
    gate.open();
    app.clock.advance(time::Duration::seconds(61));
    let retry = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&records),
        Some("slow"),
    )
    .await;
    gate.release();
    let slow = slow.await;

    assert_eq!(retry.code(), 201, "{}", retry.body);
    assert_eq!(list_all(&app, &dataset, &w.admin.token, 50).await.len(), 10);
    assert_eq!(
        slow.code(),
        201,
        "every record of the slow attempt is written: {}",
        slow.body
    );
    assert_eq!(batch_ids(&slow), batch_ids(&retry));
}
