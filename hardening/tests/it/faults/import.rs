//! A 10,000-record import under faults: batches of 100 with an idempotency key each, a batch
//! sent again with the same key and body until every record of it is written (a 503 for the
//! whole request, or a 207 naming records not written this time) — the retry docs/datasets.md
//! says is exactly once. Then payloads on every 50th record. With the faults gone: every
//! acknowledged record opens with exactly the data sent, each customer is stored once, every
//! payload opens byte for byte, every stored record's payload blob is there and every record
//! has its blind-index entries.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use axum::body::Body;
use axum::http::{Method, Request};
use coffer_core::datasets::StoredRecord;
use coffer_core::ids::{DatasetId, RecordId};
use coffer_core::store::{Query, schema};
use coffer_testkit::{Reply, TestApp, User, customer, customer_dataset, json_request};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use super::retry::{ATTEMPTS, Tally, retryable, until_answered};
use super::rig::{Rig, scale};

/// Records per request: small enough that a batch's retries, which send it whole again, do
/// not redo much (under 10% faults per call nearly every attempt at a batch of 100 meets one).
const BATCH: usize = 25;
/// Batches in flight at once.
const AT_ONCE: usize = 2;
/// Every `PAYLOAD_EVERY`th customer gets a payload.
const PAYLOAD_EVERY: usize = 50;
/// The idempotency key's lease (docs/datasets.md: 60 s): a client told "still in progress"
/// waits it out.
const LEASE: std::time::Duration = std::time::Duration::from_secs(61);
/// Searchable fields of the customer dataset: each record has one blind-index entry per field.
const SEARCHABLE_FIELDS: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_an_import_of_ten_thousand_records_keeps_every_acknowledged_record_once_and_whole()
 {
    let rig = Rig::embedded("import");
    import(&rig, 10_000 * scale()).await;
}

/// Runs the import of `records` customers on `rig` and checks it.
pub async fn import(rig: &Rig, records: usize) {
    let started = Instant::now();
    let w = rig.healthy.org_with_every_role().await;
    let mut body = customer_dataset(records as u64);
    body["org_id"] = json!(w.id);
    body["name"] = json!("imported");
    let made = rig
        .healthy
        .post("/v1/datasets", body, Some(&w.owner.token))
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
    let dataset = made.text("/id");

    let tally = Tally::default();
    // Customer number → every id a reply acknowledged for it.
    let mut acknowledged: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let all: Vec<usize> = (0..records).collect();
    let batches: Vec<(BTreeMap<usize, BTreeSet<String>>, usize)> = stream::iter(
        all.chunks(BATCH).enumerate(),
    )
    .map(|(n, batch)| {
        let key = format!("import-{n}");
        let (tally, dataset, member) = (&tally, &dataset, &w.member);
        async move { write_batch_until_whole(rig, tally, dataset, member, batch, &key).await }
    })
    .buffer_unordered(AT_ONCE)
    .collect()
    .await;
    let mut attempts: BTreeMap<usize, usize> = BTreeMap::new();
    for (acked, tries) in batches {
        *attempts.entry(tries).or_default() += 1;
        for (n, ids) in acked {
            acknowledged.entry(n).or_default().extend(ids);
        }
    }
    let with_payload: Vec<(usize, String)> = acknowledged
        .iter()
        .filter(|(n, _)| *n % PAYLOAD_EVERY == 0)
        .filter_map(|(n, ids)| Some((*n, ids.first()?.clone())))
        .collect();
    let mut payloads_acknowledged = Vec::new();
    for (n, record) in &with_payload {
        let (put, _) = until_answered(&tally, "payload", || {
            rig.faulty
                .send(put_payload(&dataset, record, &w.member, payload_of(*n)))
        })
        .await;
        match put.code() {
            200 => payloads_acknowledged.push((*n, record.clone())),
            500.. => {}
            _ => tally.unexpected(format!("payload: {} {}", put.code(), put.body)),
        }
    }
    let imported = started.elapsed();
    rig.report(&format!(
        "{records} records in {imported:?}, batches by attempts {attempts:?}; client saw {}",
        tally.summary()
    ));
    tally.assert_clean();

    // With the faults gone.
    let healthy = &rig.healthy;
    let listed = list_all(healthy, &dataset, &w.admin).await;
    let opened: BTreeMap<&str, &Value> = listed
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), &r["data"]))
        .collect();
    for (n, ids) in &acknowledged {
        assert_eq!(
            ids.len(),
            1,
            "customer {n} acknowledged under two ids: {ids:?}"
        );
        for id in ids {
            assert_eq!(
                opened.get(id.as_str()),
                Some(&&customer(*n)),
                "{id} (customer {n}) opens with what was sent"
            );
        }
    }
    assert_eq!(
        acknowledged.len(),
        records,
        "every customer was acknowledged within {ATTEMPTS} attempts a batch"
    );
    assert_eq!(listed.len(), records, "each customer is stored once");
    for (n, record) in &payloads_acknowledged {
        let (status, _, bytes) = healthy
            .send_raw(get_payload(&dataset, record, &w.admin))
            .await;
        assert_eq!(status, 200, "{record}");
        assert!(
            bytes.as_ref() == payload_of(*n).as_slice(),
            "{record}'s payload"
        );
    }
    assert_eq!(payloads_acknowledged.len(), with_payload.len());
    nothing_half_written(rig, &dataset).await;
    eprintln!(
        "faults/import: checked in {:?} ({} payloads)",
        started.elapsed() - imported,
        payloads_acknowledged.len()
    );
}

/// Sends one batch with its key until every record of it is written or the attempts run out;
/// the ids acknowledged, by customer, and the attempts made.
async fn write_batch_until_whole(
    rig: &Rig,
    tally: &Tally,
    dataset: &str,
    by: &User,
    batch: &[usize],
    key: &str,
) -> (BTreeMap<usize, BTreeSet<String>>, usize) {
    let mut acknowledged: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let records: Vec<Value> = batch
        .iter()
        .map(|n| json!({"data": customer(*n)}))
        .collect();
    for attempt in 1..=ATTEMPTS {
        let reply = rig
            .faulty
            .send(write_request(dataset, by, json!({"records": records}), key))
            .await;
        match reply.code() {
            201 | 207 => {
                let items = reply.body["items"].as_array().unwrap();
                assert_eq!(items.len(), batch.len(), "{}", reply.body);
                let mut whole = true;
                for (item, n) in items.iter().zip(batch) {
                    match item["status"].as_u64() {
                        Some(201) => {
                            let id = item["id"].as_str().unwrap().to_owned();
                            acknowledged.entry(*n).or_default().insert(id);
                        }
                        Some(503) => {
                            tally.count("batch: 207, a record 503 (not written this time)");
                            whole = false;
                        }
                        _ => tally.unexpected(format!("a record: {item}")),
                    }
                }
                if whole {
                    return (acknowledged, attempt);
                }
            }
            _ => match retryable(&reply) {
                Some(why) => {
                    tally.count(format!("batch: {why}"));
                    if reply.code() == 409 {
                        rig.faulty.clock.advance(LEASE.try_into().unwrap());
                    }
                }
                None => {
                    tally.unexpected(format!("batch: {} {}", reply.code(), reply.body));
                    return (acknowledged, attempt);
                }
            },
        }
    }
    tally.count(format!("batch: gave up after {ATTEMPTS} attempts"));
    (acknowledged, ATTEMPTS)
}

/// The stored items of the dataset, read through the table port: every record its faulty
/// writer stored (acknowledged or not) has its blind-index entries, and the blob its payload
/// names is in the blob store.
async fn nothing_half_written(rig: &Rig, dataset: &str) {
    let app = &rig.healthy;
    let id = DatasetId::parse(dataset).unwrap();
    let listed = app
        .stored(Query::gsi1(schema::dataset_records_partition(&id)))
        .await;
    let written = rig.ledger.items_of(RecordId::parse, schema::record);
    let mut problems = Vec::new();
    let mut blobs = 0;
    for record in &written {
        let Some(item) = app
            .state
            .ports
            .table
            .get(&schema::record(record))
            .await
            .unwrap()
        else {
            problems.push(format!("{record}: written, then gone"));
            continue;
        };
        let stored = StoredRecord::from_item(&item).unwrap();
        let entries = app
            .stored(Query::partition(schema::record_partition(record)))
            .await
            .iter()
            .filter(|item| item.key.sk.starts_with(schema::RECORD_INDEX_PREFIX))
            .count();
        if entries != SEARCHABLE_FIELDS {
            problems.push(format!("{record}: {entries} blind-index entries"));
        }
        if let Some(payload) = &stored.payload {
            blobs += 1;
            if app.state.ports.blobs.head(&payload.blob).await.is_err() {
                problems.push(format!(
                    "{record}: its payload blob {} is missing",
                    payload.blob
                ));
            }
        }
    }
    assert_eq!(
        written.len(),
        listed.len(),
        "the dataset lists every record written"
    );
    assert!(
        problems.is_empty(),
        "{} half-written: {problems:#?}",
        problems.len()
    );
    eprintln!(
        "faults/import: scanned {} record items, {blobs} payload blobs",
        written.len()
    );
}

fn payload_of(n: usize) -> Vec<u8> {
    format!("payload of customer {n}\n").repeat(64).into_bytes()
}

fn write_request(dataset: &str, by: &User, body: Value, key: &str) -> Request<Body> {
    let mut request = json_request(
        Method::POST,
        &format!("/v1/datasets/{dataset}/records"),
        Some(body),
        Some(&by.token),
    );
    request
        .headers_mut()
        .insert("idempotency-key", key.parse().unwrap());
    request
}

fn put_payload(dataset: &str, record: &str, by: &User, bytes: Vec<u8>) -> Request<Body> {
    Request::builder()
        .method(Method::PUT)
        .uri(format!("/v1/datasets/{dataset}/records/{record}/payload"))
        .header("authorization", format!("Bearer {}", by.token))
        .header("content-type", "application/octet-stream")
        .body(Body::from(bytes))
        .unwrap()
}

fn get_payload(dataset: &str, record: &str, by: &User) -> Request<Body> {
    Request::builder()
        .uri(format!("/v1/datasets/{dataset}/records/{record}/payload"))
        .header("authorization", format!("Bearer {}", by.token))
        .body(Body::empty())
        .unwrap()
}

/// Every record of the dataset, as `by` reads them (faults off).
async fn list_all(app: &TestApp, dataset: &str, by: &User) -> Vec<Value> {
    let (mut items, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            None => format!("/v1/datasets/{dataset}/records?limit=1000"),
            Some(c) => format!("/v1/datasets/{dataset}/records?limit=1000&cursor={c}"),
        };
        let listed: Reply = app.get(&path, Some(&by.token)).await;
        assert_eq!(listed.code(), 200, "{}", listed.body);
        items.extend(listed.body["items"].as_array().unwrap().iter().cloned());
        match listed.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(coffer_testkit::query_value(next)),
            None => return items,
        }
    }
}
