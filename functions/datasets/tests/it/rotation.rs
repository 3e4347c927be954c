//! Rotation and the re-encryption job: every record and payload ends up sealed under the new
//! version, reads and writes work while the job runs page by page, a second rotation waits for
//! the first, the job is observable, two workers at once do the work once, and when the job is
//! done the dataset's oldest version rises to the target.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use coffer_core::access::{Permission, Principal};
use coffer_core::audit::RequestOrigin;
use coffer_core::blobs::BlobError;
use coffer_core::datasets::DatasetError;
use coffer_core::ids::{DatasetId, OrgId, RecordId, UserId};
use coffer_core::store::schema;
use coffer_testkit::TestApp;
use serde_json::{Value, json};

use crate::helpers::{
    Closed, GatedTable, assert_problem, audit_items, batch, batch_ids, dataset_view, finish_jobs,
    get_payload, job, list_all, put_payload, rotate, search, service, with_action, write_body,
};
use crate::{create_dataset, customer, customers, read, spawn, write};

/// Writes customers `from..to` in one batch as `by`; their ids in order.
async fn customers_batch(
    app: &TestApp,
    dataset: &str,
    token: &str,
    from: usize,
    to: usize,
) -> Vec<String> {
    let records: Vec<Value> = (from..to).map(customer).collect();
    let written = write_body(app, dataset, token, batch(&records), None).await;
    assert_eq!(written.code(), 201, "{}", written.body);
    batch_ids(&written)
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

/// The blobs stored under the dataset's folder.
async fn blobs_of(app: &TestApp, dataset: &str) -> Vec<String> {
    let prefix = schema::dataset_blob_prefix(&DatasetId::parse(dataset).unwrap());
    let page = app
        .state
        .ports
        .blobs
        .list(&prefix, 1000, None)
        .await
        .unwrap();
    page.items.into_iter().map(|b| b.key).collect()
}

/// Every record as an admin sees it, by id.
async fn records_by_id(app: &TestApp, dataset: &str, token: &str) -> BTreeMap<String, Value> {
    list_all(app, dataset, token, 1000)
        .await
        .into_iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r))
        .collect()
}

#[tokio::test]
async fn a_rotation_reseals_every_record_and_payload_under_the_new_version() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let ids = customers_batch(&app, &dataset, &w.member.token, 0, 30).await;
    for (n, id) in ids.iter().enumerate().take(3) {
        let put = put_payload(&app, &dataset, id, &w.member.token, vec![n as u8; 1000 + n]).await;
        assert_eq!(put.code(), 200, "{}", put.body);
    }

    let started = app
        .call(
            axum::http::Method::POST,
            &format!("/v1/datasets/{dataset}/rotate"),
            None,
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(started.code(), 202, "{}", started.body);
    let job_id = started.text("/id");
    assert_eq!(started.body["state"], "counting");
    assert_eq!(
        (started.body["done"].clone(), started.body["total"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(started.body["target_version"], 2);
    let rotating = dataset_view(&app, &dataset, &w.admin).await;
    assert_eq!(
        (
            rotating["key_version"].clone(),
            rotating["oldest_key_version"].clone()
        ),
        (json!(2), json!(1))
    );
    assert_eq!(rotating["active_job"], job_id.as_str());

    finish_jobs(&app).await;

    let finished = job(&app, &dataset, &job_id, &w.member).await;
    assert_eq!(finished["state"], "done");
    assert_eq!(
        (finished["done"].clone(), finished["total"].clone()),
        (json!(30), json!(30))
    );
    assert!(finished["finished_at"].is_string());
    let after = dataset_view(&app, &dataset, &w.admin).await;
    assert_eq!(after["oldest_key_version"], 2);
    assert_eq!(after["active_job"], Value::Null);
    let records = records_by_id(&app, &dataset, &w.admin.token).await;
    for (n, id) in ids.iter().enumerate() {
        let record = &records[id];
        assert_eq!(record["key_version"], 2, "{record}");
        assert_eq!(record["data"], customer(n));
    }
    for (n, id) in ids.iter().enumerate().take(3) {
        assert_eq!(records[id]["payload"]["key_version"], 2);
        let (status, bytes) = get_payload(&app, &dataset, id, &w.member.token).await;
        assert_eq!(status, 200);
        assert_eq!(bytes.as_ref(), vec![n as u8; 1000 + n].as_slice());
    }
    assert_eq!(
        blobs_of(&app, &dataset).await.len(),
        3,
        "the old payload blobs are gone"
    );
}

#[tokio::test]
async fn reads_and_writes_work_while_the_job_runs_page_by_page_and_it_still_finishes() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let mut ids = customers_batch(&app, &dataset, &w.member.token, 0, 120).await;
    let job_id = rotate(&app, &dataset, &w.admin).await;
    let worker = service(&app);
    let mut seen = vec![job(&app, &dataset, &job_id, &w.member).await];

    let mut slices = 0;
    while seen.last().unwrap()["state"] != "done" {
        slices += 1;
        assert!(
            slices < 5000,
            "the job never finished: {}",
            seen.last().unwrap()
        );
        worker.run_jobs(Duration::from_millis(1)).await.unwrap();
        // A write and a read between every two slices.
        let n = ids.len();
        ids.push(write(&app, &dataset, &w.member, customer(n)).await);
        let some = (slices * 37) % ids.len();
        let got = read(&app, &dataset, &ids[some], &w.admin).await;
        assert_eq!(got.code(), 200, "{}", got.body);
        assert_eq!(got.body["data"], customer(some));
        seen.push(job(&app, &dataset, &job_id, &w.member).await);
    }

    let states: Vec<&str> = seen.iter().map(|j| j["state"].as_str().unwrap()).collect();
    let mut phases = states.clone();
    phases.dedup();
    assert_eq!(phases, ["counting", "running", "done"], "{states:?}");
    let progress: Vec<(u64, u64)> = seen
        .iter()
        .map(|j| (j["done"].as_u64().unwrap(), j["total"].as_u64().unwrap()))
        .collect();
    assert!(
        progress.windows(2).all(|p| p[0].0 <= p[1].0),
        "done never goes back: {progress:?}"
    );
    assert!(
        progress.iter().all(|(done, total)| done <= total),
        "{progress:?}"
    );
    assert!(
        seen.iter().any(|j| j["state"] == "running"
            && j["done"].as_u64().unwrap() > 0
            && j["done"].as_u64().unwrap() < j["total"].as_u64().unwrap()),
        "the job was seen midway: {progress:?}"
    );
    let (done, total) = *progress.last().unwrap();
    assert_eq!(done, total);
    assert!(total >= 120);
    let records = records_by_id(&app, &dataset, &w.admin.token).await;
    assert_eq!(records.len(), ids.len());
    assert!(records.values().all(|r| r["key_version"] == 2));
    assert_eq!(
        dataset_view(&app, &dataset, &w.admin).await["oldest_key_version"],
        2
    );
}

#[tokio::test]
async fn a_second_rotation_while_the_job_runs_is_409_and_one_after_it_is_accepted() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let id = write(&app, &dataset, &w.member, customer(1)).await;
    rotate(&app, &dataset, &w.admin).await;

    let again = app
        .call(
            axum::http::Method::POST,
            &format!("/v1/datasets/{dataset}/rotate"),
            None,
            Some(&w.owner.token),
        )
        .await;
    assert_problem(&again, 409);
    assert_eq!(
        dataset_view(&app, &dataset, &w.admin).await["key_version"],
        2
    );

    finish_jobs(&app).await;
    let third = rotate(&app, &dataset, &w.owner).await;
    assert_eq!(
        job(&app, &dataset, &third, &w.owner).await["target_version"],
        3
    );
    finish_jobs(&app).await;
    let view = dataset_view(&app, &dataset, &w.admin).await;
    assert_eq!(
        (
            view["key_version"].clone(),
            view["oldest_key_version"].clone()
        ),
        (json!(3), json!(3))
    );
    let record = read(&app, &dataset, &id, &w.admin).await;
    assert_eq!(record.body["key_version"], 3);
    assert_eq!(record.body["data"], customer(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_at_once_leave_the_same_result_as_one() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let ids = customers_batch(&app, &dataset, &w.member.token, 0, 150).await;
    for id in ids.iter().take(2) {
        assert_eq!(
            put_payload(&app, &dataset, id, &w.member.token, b"payload".to_vec())
                .await
                .code(),
            200
        );
    }
    let job_id = rotate(&app, &dataset, &w.admin).await;

    let (one, two) = (Arc::new(service(&app)), Arc::new(service(&app)));
    let run = |worker: Arc<coffer_core::datasets::DatasetsService>| {
        tokio::spawn(async move { worker.run_jobs(Duration::from_secs(30)).await })
    };
    let (a, b) = tokio::join!(run(one), run(two));
    for outcome in [a.unwrap(), b.unwrap()] {
        match outcome {
            Ok(_) => {}
            // A worker that meets a payload the other re-sealed first fails (see
            // `a_worker_that_meets_a_payload_another_worker_resealed_goes_on`); the end result is
            // what this test is about.
            Err(DatasetError::Blobs(BlobError::NotFound)) => {}
            Err(other) => panic!("a worker failed: {other}"),
        }
    }
    finish_jobs(&app).await;

    let finished = job(&app, &dataset, &job_id, &w.member).await;
    assert_eq!(finished["state"], "done");
    assert_eq!(
        (finished["done"].clone(), finished["total"].clone()),
        (json!(150), json!(150))
    );
    let items = audit_items(&app, &w.id).await;
    assert_eq!(
        with_action(&items, "records.reseal").len(),
        150,
        "each record re-sealed once"
    );
    assert_eq!(with_action(&items, "datasets.job.finish").len(), 1);
    let records = records_by_id(&app, &dataset, &w.admin.token).await;
    assert_eq!(records.len(), 150);
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(records[id]["key_version"], 2);
        assert_eq!(records[id]["data"], customer(n));
    }
    for id in ids.iter().take(2) {
        let (status, bytes) = get_payload(&app, &dataset, id, &w.member.token).await;
        assert_eq!(
            (status.as_u16(), bytes.as_ref()),
            (200, b"payload".as_slice())
        );
    }
    assert_eq!(
        blobs_of(&app, &dataset).await.len(),
        2,
        "no orphan blob is left"
    );
    let view = dataset_view(&app, &dataset, &w.admin).await;
    assert_eq!(view["oldest_key_version"], 2);
    let found = search(
        &app,
        &dataset,
        &w.member.token,
        "email",
        "customer77@example.com",
        "",
    )
    .await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
}

/// The dataset as a handler read it (before the service call), and the gate's leave for the
/// member to write records.
async fn as_the_handler_read_it(
    app: &TestApp,
    dataset: &str,
    org: &str,
    member: &str,
) -> (
    coffer_core::datasets::DatasetsService,
    coffer_core::datasets::Dataset,
    coffer_core::access::Scoped,
) {
    let service = service(app);
    let snapshot = service
        .locate(&DatasetId::parse(dataset).unwrap())
        .await
        .unwrap();
    let at = service
        .access()
        .require(
            &Principal::User(UserId::parse(member).unwrap()),
            &OrgId::parse(org).unwrap(),
            Permission::RecordsWrite,
        )
        .await
        .unwrap();
    (service, snapshot, at)
}

#[tokio::test]
async fn a_write_that_read_the_dataset_before_a_rotation_is_not_left_under_a_retired_version() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    write(&app, &dataset, &w.member, customer(1)).await;
    // The handler has read the dataset (version 1) when a rotation starts and its job finishes.
    let (service, snapshot, at) = as_the_handler_read_it(&app, &dataset, &w.id, &w.member.id).await;
    rotate(&app, &dataset, &w.admin).await;
    finish_jobs(&app).await;

    let written = service
        .write_records(
            &at,
            snapshot,
            vec![customer(99)],
            None,
            &RequestOrigin::default(),
        )
        .await
        .unwrap();

    let id = written.outcomes[0].id.clone().unwrap().to_string();
    let oldest = dataset_view(&app, &dataset, &w.admin).await["oldest_key_version"].clone();
    assert_eq!(oldest, 2);
    let record = read(&app, &dataset, &id, &w.admin).await;
    assert!(
        record.body["key_version"].as_u64() >= oldest.as_u64(),
        "record {id} sealed under version {} below the oldest version {oldest}",
        record.body["key_version"]
    );
    let found = search(
        &app,
        &dataset,
        &w.member.token,
        "email",
        "customer99@example.com",
        "",
    )
    .await;
    assert_eq!(
        found.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        found.body
    );
}

#[tokio::test]
async fn a_payload_stored_by_a_request_that_read_the_dataset_before_a_rotation_is_not_left_behind()
{
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let id = write(&app, &dataset, &w.member, customer(1)).await;
    let (service, snapshot, at) = as_the_handler_read_it(&app, &dataset, &w.id, &w.member.id).await;
    rotate(&app, &dataset, &w.admin).await;
    finish_jobs(&app).await;

    service
        .put_payload(
            &at,
            snapshot,
            &RecordId::parse(&id).unwrap(),
            b"late",
            None,
            &RequestOrigin::default(),
        )
        .await
        .unwrap();

    let record = read(&app, &dataset, &id, &w.admin).await;
    assert_eq!(record.body["payload"]["key_version"], 2, "{}", record.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_meets_a_payload_another_worker_resealed_goes_on() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let ids = customers_batch(&app, &dataset, &w.member.token, 0, 5).await;
    for id in &ids {
        assert_eq!(
            put_payload(&app, &dataset, id, &w.member.token, b"payload".to_vec())
                .await
                .code(),
            200
        );
    }
    rotate(&app, &dataset, &w.admin).await;
    // Worker B reads its page of records, re-seals the first one and stalls at its commit.
    let gate = GatedTable::over(app.state.ports.table.clone());
    gate.close_after(0, Closed::Pause);
    let stalled = Arc::new(coffer_core::datasets::DatasetsService::new(
        gate.clone(),
        app.state.ports.blobs.clone(),
        app.state.ports.keys.clone(),
        app.state.ports.clock.clone(),
        app.state.settings.datasets.clone(),
    ));
    let b = tokio::spawn({
        let stalled = Arc::clone(&stalled);
        async move { stalled.run_jobs(Duration::from_secs(30)).await }
    });
    while gate.held() == 0 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Meanwhile worker A does the whole job, removing the old payload blobs.
    finish_jobs(&app).await;
    gate.open();
    gate.release();

    let b = b.await.unwrap();

    assert!(b.is_ok(), "worker B failed: {b:?}");
    let records = records_by_id(&app, &dataset, &w.admin.token).await;
    assert!(
        records
            .values()
            .all(|r| r["key_version"] == 2 && r["payload"]["key_version"] == 2)
    );
    assert_eq!(blobs_of(&app, &dataset).await.len(), 5);
}
