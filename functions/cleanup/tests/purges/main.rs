//! What the cleanup purges, driven as the scheduler drives it, on both backends: the embedded
//! one (SQLite and a folder) and the AWS ones on moto (`COFFER_TEST_AWS_ENDPOINT`; skipped,
//! with a note, when it is not set). Datasets, records and payloads are made through the
//! `datasets` routes as a client makes them; time moves on the app's clock.
//!
//! Moto's table and bucket are shared by every test that uses them, and a cleanup run purges
//! whatever is due in them: the moto tests here take turns (one lock), and assert on their own
//! items and events, never on global counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod datasets;
mod faults;
mod orphans;
mod runs;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Method, Request};
use coffer_core::cleanup::{self, CleanupReport};
use coffer_core::ids::{DatasetId, RecordId};
use coffer_core::store::{Hooked, Query, StoreError, Table, TableHook, TxOp, schema};
use coffer_core::{Ports, Settings};
use coffer_testkit::{OrgWithRoles, TestApp, User};
use serde_json::{Value, json};

/// The groups a client needs to make users, orgs, datasets and records.
fn groups() -> Vec<coffer_core::http::FunctionGroup> {
    vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_datasets::group(),
    ]
}

/// The app over the embedded backend.
pub fn embedded() -> TestApp {
    TestApp::embedded(groups())
}

/// The moto tests take turns: each run purges what is due in the shared table and bucket.
static MOTO: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `test` on an app over moto, one at a time; skips (with a note) when no emulator is set.
pub async fn on_moto<F, Fut>(test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if std::env::var_os("COFFER_TEST_AWS_ENDPOINT").is_none() {
        eprintln!("COFFER_TEST_AWS_ENDPOINT is not set: skipping a cleanup test on moto");
        return;
    }
    let _turn = MOTO.lock().await;
    test(TestApp::on_moto(groups()).await).await;
}

/// One cleanup run with `budget` of time (no margin).
pub async fn run_for(ports: &Ports, budget: Duration) -> CleanupReport {
    cleanup::run(ports, Instant::now() + budget, Duration::ZERO)
        .await
        .expect("the cleanup runs")
}

/// Runs until a run finishes everything (the shared emulator may hold much that is due); the
/// reports of all the runs, summed.
pub async fn run_until_done(ports: &Ports) -> CleanupReport {
    let mut total = CleanupReport::default();
    for _ in 0..50 {
        let report = run_for(ports, Duration::from_secs(60)).await;
        add(&mut total, &report);
        if !report.out_of_time && !report.orphan_scan_resumes && !report.sweep_resumes {
            return total;
        }
    }
    panic!("the cleanup did not finish: {total:?}");
}

/// Adds `report`'s counts to `total`.
pub fn add(total: &mut CleanupReport, report: &CleanupReport) {
    total.expired_items += report.expired_items;
    total.purged_orgs += report.purged_orgs;
    total.purged_org_items += report.purged_org_items;
    total.org_datasets_queued += report.org_datasets_queued;
    total.purged_datasets += report.purged_datasets;
    total.purged_dataset_items += report.purged_dataset_items;
    total.purged_blobs += report.purged_blobs;
    total.orphan_blobs_removed += report.orphan_blobs_removed;
    total.out_of_time |= report.out_of_time;
}

/// A dataset with searchable fields (a tokenized email, a searchable plain country), so each
/// record has two blind-index entries.
pub fn spec() -> Value {
    json!({
        "fields": {
            "email": "tokenize",
            "ssn": "encrypt",
            "country": {"policy": "plain", "searchable": true},
        },
        "expected_records": 1000
    })
}

/// A record of [`spec`].
pub fn record(n: usize) -> Value {
    json!({"email": format!("person{n}@example.com"), "ssn": format!("078-05-{n:04}"), "country": "FR"})
}

/// A dataset in `w`'s org with `records` records (the first `payloads` with a payload each),
/// made as a client makes them.
pub struct Made {
    pub id: String,
    pub records: Vec<String>,
    /// The payload blobs the records point to.
    pub blobs: Vec<String>,
}

pub async fn make_dataset(
    app: &TestApp,
    w: &OrgWithRoles,
    name: &str,
    records: usize,
    payloads: usize,
) -> Made {
    let mut body = spec();
    body["org_id"] = json!(w.id);
    body["name"] = json!(name);
    let made = app.post("/v1/datasets", body, Some(&w.admin.token)).await;
    assert_eq!(made.code(), 201, "{}", made.body);
    let id = made.text("/id");
    let mut ids = Vec::new();
    for chunk in (0..records).collect::<Vec<_>>().chunks(100) {
        let batch: Vec<Value> = chunk.iter().map(|n| json!({"data": record(*n)})).collect();
        let written = app
            .post(
                &format!("/v1/datasets/{id}/records"),
                json!({"records": batch}),
                Some(&w.member.token),
            )
            .await;
        assert_eq!(written.code(), 201, "{}", written.body);
        for item in written.body["items"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
    }
    let mut blobs = Vec::new();
    for rec in ids.iter().take(payloads) {
        put_payload(app, &id, rec, &w.member, b"a payload".to_vec()).await;
        blobs.push(payload_blob_of(app, rec).await.unwrap());
    }
    Made {
        id,
        records: ids,
        blobs,
    }
}

/// `PUT .../payload` as `by`.
pub async fn put_payload(
    app: &TestApp,
    dataset: &str,
    record: &str,
    by: &User,
    bytes: Vec<u8>,
) -> Value {
    let reply = app
        .send(
            Request::builder()
                .method(Method::PUT)
                .uri(format!("/v1/datasets/{dataset}/records/{record}/payload"))
                .header("authorization", format!("Bearer {}", by.token))
                .header("content-type", "application/octet-stream")
                .body(Body::from(bytes))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.code(), 200, "{}", reply.body);
    reply.body
}

/// The blob the record's payload names, as stored.
pub async fn payload_blob_of(app: &TestApp, record: &str) -> Option<String> {
    let item = app
        .state
        .ports
        .table
        .get(&schema::record(&RecordId::parse(record).unwrap()))
        .await
        .unwrap()?;
    let stored = coffer_core::datasets::StoredRecord::from_item(&item).unwrap();
    stored.payload.map(|p| p.blob)
}

/// Soft-deletes a dataset as `by`.
pub async fn delete_dataset(app: &TestApp, dataset: &str, by: &User) {
    let deleted = app
        .delete(&format!("/v1/datasets/{dataset}"), Some(&by.token))
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);
}

/// What is left of a dataset: its partition's items (item, key versions, jobs), its records
/// and their blind-index entries, its blobs.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Left {
    pub partition: usize,
    pub records: usize,
    pub index_entries: usize,
    pub blobs: usize,
}

impl Left {
    pub fn nothing(&self) -> bool {
        *self == Self::default()
    }

    /// Table items a purge removes besides the dataset's own item.
    pub fn items_but_the_dataset(&self) -> usize {
        self.partition.saturating_sub(1) + self.records + self.index_entries
    }
}

pub async fn left_of(app: &TestApp, made: &Made) -> Left {
    let dataset = DatasetId::parse(&made.id).unwrap();
    let partition = app
        .stored(Query::partition(schema::dataset_partition(&dataset)))
        .await
        .len();
    let records = app
        .stored(Query::gsi1(schema::dataset_records_partition(&dataset)))
        .await
        .len();
    let mut index_entries = 0;
    let mut records_in_table = 0;
    for rec in &made.records {
        let items = app
            .stored(Query::partition(schema::record_partition(
                &RecordId::parse(rec).unwrap(),
            )))
            .await;
        records_in_table += items.iter().filter(|i| i.key.sk == "RECORD").count();
        index_entries += items.iter().filter(|i| i.key.sk != "RECORD").count();
    }
    assert_eq!(records, records_in_table, "the listing shows the records");
    let blobs = app
        .state
        .ports
        .blobs
        .list(&schema::dataset_blob_prefix(&dataset), 1000, None)
        .await
        .unwrap()
        .items
        .len();
    Left {
        partition,
        records,
        index_entries,
        blobs,
    }
}

/// Whether a blob is there.
pub async fn blob_exists(app: &TestApp, key: &str) -> bool {
    app.state.ports.blobs.head(key).await.is_ok()
}

/// The app's ports with the table noting the purge events that committed.
pub fn spied(app: &TestApp) -> (Ports, Arc<EventSpy>) {
    let spy = Arc::new(EventSpy {
        events: Mutex::new(BTreeMap::new()),
    });
    let mut ports = app.state.ports.clone();
    ports.table = Arc::new(Hooked::new(
        app.state.ports.table.clone(),
        SpyHook(spy.clone()),
    ));
    (ports, spy)
}

/// The `datasets.purge` events of the transactions that committed, by event id: `(resource,
/// org_id)` (an event may be written as several items: its link in the chain and its copies for
/// filtered reads).
#[derive(Debug)]
pub struct EventSpy {
    events: Mutex<BTreeMap<String, (String, Option<String>)>>,
}

impl EventSpy {
    /// The purge events noted for `dataset`.
    pub fn purges_of(&self, dataset: &str) -> Vec<Option<String>> {
        self.events
            .lock()
            .unwrap()
            .values()
            .filter(|(resource, _)| resource == dataset)
            .map(|(_, org)| org.clone())
            .collect()
    }
}

/// Passes every call on and notes, in its [`EventSpy`], the purge events of each committed
/// transaction.
#[derive(Debug)]
struct SpyHook(Arc<EventSpy>);

#[async_trait]
impl TableHook for SpyHook {
    async fn transact(&self, inner: &dyn Table, ops: Vec<TxOp>) -> Result<(), StoreError> {
        let purges: Vec<(String, (String, Option<String>))> = ops
            .iter()
            .filter_map(|op| match op {
                TxOp::Put { item, .. }
                    if item.attrs.get("action").and_then(Value::as_str)
                        == Some("datasets.purge") =>
                {
                    let text = |name: &str| {
                        item.attrs
                            .get(name)
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    };
                    Some((
                        text("id").unwrap_or_default(),
                        (text("resource").unwrap_or_default(), text("org_id")),
                    ))
                }
                _ => None,
            })
            .collect();
        inner.transact(ops).await?;
        self.0.events.lock().unwrap().extend(purges);
        Ok(())
    }
}

/// The settings the embedded app runs with (for the handler).
pub fn settings_of(app: &TestApp) -> Settings {
    (*app.state.settings).clone()
}
