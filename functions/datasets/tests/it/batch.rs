//! Batches: up to 1000 records in one request, each validated, sealed and written whole or not at
//! all in its own transaction; a batch with refused records answers 207 with an outcome per
//! record, and a refused record leaves nothing behind (no record item, no index entry).

use coffer_core::datasets::idempotency::{IdempotencyClaim, claim_key, reserved_ids};
use coffer_core::ids::DatasetId;
use coffer_testkit::TestApp;
use serde_json::{Value, json};

use crate::helpers::{
    Closed, batch, batch_ids, ids_of, list_all, record_items, search, spawn_gated, write_body,
};
use crate::{create_dataset, customer, customers, spawn};

/// The ids a keyed write of `count` records reserved (read from its claim).
async fn reserved(
    app: &TestApp,
    dataset: &str,
    actor: &str,
    key: &str,
    count: usize,
) -> Vec<String> {
    let claim_key = claim_key(&DatasetId::parse(dataset).unwrap(), actor, key);
    let item = app
        .state
        .ports
        .table
        .get(&claim_key)
        .await
        .unwrap()
        .unwrap();
    let claim = IdempotencyClaim::from_item(&item).unwrap();
    reserved_ids(claim.first_record, count)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[tokio::test]
async fn a_batch_of_a_thousand_valid_records_is_written_whole_with_its_ids_in_order() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let records: Vec<Value> = (0..1000).map(customer).collect();

    let written = write_body(&app, &dataset, &w.member.token, batch(&records), None).await;

    assert_eq!(written.code(), 201, "{}", written.body);
    let items = written.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1000);
    for (n, item) in items.iter().enumerate() {
        assert_eq!(item["index"], n, "{item}");
        assert_eq!(item["status"], 201, "{item}");
    }
    let mut ids: Vec<String> = batch_ids(&written)
        .into_iter()
        .map(Option::unwrap)
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1000);
    let stored = list_all(&app, &dataset, &w.admin.token, 1000).await;
    assert_eq!(ids_of(&stored), ids);
    // The reply's order is the request's: record n holds customer n.
    let by_id: std::collections::BTreeMap<&str, &Value> = stored
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r))
        .collect();
    for (n, id) in batch_ids(&written).iter().enumerate().step_by(97) {
        assert_eq!(by_id[id.as_deref().unwrap()]["data"], customer(n));
    }
}

#[tokio::test]
async fn a_batch_with_refused_records_is_207_and_writes_only_the_valid_ones() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let mut records: Vec<Value> = (0..10).map(customer).collect();
    records[2]["age"] = json!(-1);
    records[5]["favourite"] = json!("x");
    records[7].as_object_mut().unwrap().remove("email");

    let written = write_body(&app, &dataset, &w.member.token, batch(&records), None).await;

    assert_eq!(written.code(), 207, "{}", written.body);
    let items = written.body["items"].as_array().unwrap();
    for (n, item) in items.iter().enumerate() {
        assert_eq!(item["index"], n);
        if [2, 5, 7].contains(&n) {
            assert_eq!(item["status"], 422, "{item}");
            assert!(item.get("id").is_none(), "{item}");
            let errors = item["errors"].as_array().unwrap();
            assert!(!errors.is_empty());
            assert!(
                errors
                    .iter()
                    .all(|e| e["field"].as_str().unwrap().starts_with("data"))
            );
        } else {
            assert_eq!(item["status"], 201, "{item}");
            assert!(item["id"].is_string());
        }
    }
    assert_eq!(items[2]["errors"][0]["field"], "data.age");
    assert_eq!(items[5]["errors"][0]["field"], "data.favourite");
    let written_ids: Vec<String> = batch_ids(&written).into_iter().flatten().collect();
    let mut want = written_ids.clone();
    want.sort();
    assert_eq!(
        ids_of(&list_all(&app, &dataset, &w.admin.token, 50).await),
        want
    );
}

#[tokio::test]
async fn a_refused_record_leaves_no_record_and_no_index_entry() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let mut records: Vec<Value> = (0..5).map(customer).collect();
    records[1]["age"] = json!("old");
    records[3]["unknown"] = json!(true);

    let written = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&records),
        Some("traces"),
    )
    .await;

    assert_eq!(written.code(), 207, "{}", written.body);
    let ids = reserved(&app, &dataset, &w.member.id, "traces", 5).await;
    for (n, id) in ids.iter().enumerate() {
        let items = record_items(&app, id).await;
        let mut keys: Vec<&str> = items.iter().map(|i| i.key.sk.as_str()).collect();
        keys.sort();
        if n == 1 || n == 3 {
            assert!(items.is_empty(), "refused record {n} left {keys:?}");
        } else {
            // The record and one entry per searchable field (`email`, `country`).
            let rid = coffer_core::ids::RecordId::parse(id).unwrap();
            let mut want = [
                coffer_core::store::schema::record_index_entry(&rid, "country").sk,
                coffer_core::store::schema::record_index_entry(&rid, "email").sk,
                coffer_core::store::schema::record(&rid).sk,
            ];
            want.sort();
            assert_eq!(keys, want, "record {n}");
            assert_eq!(written.body["items"][n]["id"], id.as_str());
        }
    }
    for n in [1, 3] {
        let found = search(
            &app,
            &dataset,
            &w.admin.token,
            "email",
            &format!("customer{n}@example.com"),
            "",
        )
        .await;
        assert_eq!(found.body["items"], json!([]));
    }
}

#[tokio::test]
async fn a_record_the_store_failed_to_write_leaves_nothing_behind() {
    let (app, gate) = spawn_gated();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let records: Vec<Value> = (0..6).map(customer).collect();

    gate.close_after(2, Closed::Throttle);
    let written = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&records),
        Some("half"),
    )
    .await;
    gate.open();

    assert_eq!(written.code(), 207, "{}", written.body);
    let ids = reserved(&app, &dataset, &w.member.id, "half", 6).await;
    let outcomes = written.body["items"].as_array().unwrap();
    assert_eq!(outcomes.iter().filter(|o| o["status"] == 503).count(), 4);
    for (outcome, id) in outcomes.iter().zip(&ids) {
        let items = record_items(&app, id).await;
        if outcome["status"] == 503 {
            assert!(outcome.get("id").is_none());
            assert!(
                items.is_empty(),
                "a record not written left {} items",
                items.len()
            );
        } else {
            assert_eq!(items.len(), 3, "a written record is whole");
        }
    }
    assert_eq!(list_all(&app, &dataset, &w.admin.token, 50).await.len(), 2);
}
