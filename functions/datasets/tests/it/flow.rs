//! The main flow: a dataset, records written and read back with each role's view, a search, a
//! payload, a rotation.

use axum::http::Method;
use serde_json::json;

use crate::{create_dataset, customer, customers, read, spawn, write};

#[tokio::test]
async fn a_record_is_sealed_at_rest_and_read_back_as_each_role_may_see_it() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let record = write(&app, &dataset, &w.member, customer(7)).await;

    let as_admin = read(&app, &dataset, &record, &w.admin).await;
    assert_eq!(as_admin.code(), 200, "{}", as_admin.body);
    assert_eq!(as_admin.body["data"]["ssn"], "078-05-0007");
    assert_eq!(as_admin.body["data"]["card"], "4111111111111111");
    let as_member = read(&app, &dataset, &record, &w.member).await;
    assert_eq!(as_member.body["data"]["card"], "************1111");
    assert_eq!(as_member.body["data"]["email"], "customer7@example.com");
    assert_eq!(read(&app, &dataset, &record, &w.outsider).await.code(), 404);

    let stored = app
        .stored(coffer_core::store::Query::partition(
            coffer_core::store::schema::record_partition(
                &coffer_core::ids::RecordId::parse(&record).unwrap(),
            ),
        ))
        .await;
    let dump = serde_json::to_string(&stored.iter().map(|i| &i.attrs).collect::<Vec<_>>()).unwrap();
    assert!(!dump.contains("078-05-0007"));
    assert!(!dump.contains("customer7@example.com"));
    assert!(dump.contains("Customer 7"), "plain fields stay plain");
}

#[tokio::test]
async fn search_finds_true_matches_only_and_payloads_round_trip_and_rotation_reseals() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.owner, "customers", customers()).await;
    let mut ids = Vec::new();
    for n in 0..40 {
        ids.push(write(&app, &dataset, &w.member, customer(n)).await);
    }
    let found = app
        .get(
            &format!("/v1/datasets/{dataset}/search?field=email&value=customer12@example.com"),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(found.code(), 200, "{}", found.body);
    let items = found.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", found.body);
    assert_eq!(items[0]["id"], ids[12].as_str());
    let by_country = app
        .get(
            &format!("/v1/datasets/{dataset}/search?field=country&value=FR&limit=1000"),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(by_country.body["items"].as_array().unwrap().len(), 20);
    let not_searchable = app
        .get(
            &format!("/v1/datasets/{dataset}/search?field=ssn&value=x"),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(not_searchable.code(), 422);

    let put = app
        .send(
            axum::http::Request::builder()
                .method(Method::PUT)
                .uri(format!("/v1/datasets/{dataset}/records/{}/payload", ids[3]))
                .header("authorization", format!("Bearer {}", w.member.token))
                .header("content-type", "application/pdf")
                .body(axum::body::Body::from(vec![7u8; 100_000]))
                .unwrap(),
        )
        .await;
    assert_eq!(put.code(), 200, "{}", put.body);
    let (status, headers, bytes) = app
        .send_raw(
            axum::http::Request::builder()
                .uri(format!("/v1/datasets/{dataset}/records/{}/payload", ids[3]))
                .header("authorization", format!("Bearer {}", w.member.token))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(bytes.as_ref(), vec![7u8; 100_000].as_slice());

    let rotated = app
        .call(
            Method::POST,
            &format!("/v1/datasets/{dataset}/rotate"),
            None,
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(rotated.code(), 202, "{}", rotated.body);
    let job = rotated.text("/id");
    let service = coffer_core::datasets::DatasetsService::new(
        app.state.ports.table.clone(),
        app.state.ports.blobs.clone(),
        app.state.ports.keys.clone(),
        app.state.ports.clock.clone(),
        app.state.settings.datasets.clone(),
    );
    let report = service
        .run_jobs(std::time::Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(report.finished, 1, "{report:?}");
    assert_eq!(report.resealed, 40);
    let status = app
        .get(
            &format!("/v1/datasets/{dataset}/jobs/{job}"),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(status.body["state"], "done", "{}", status.body);
    assert_eq!(status.body["done"], 40);
    assert_eq!(status.body["total"], 40);
    let after = read(&app, &dataset, &ids[12], &w.admin).await;
    assert_eq!(after.body["key_version"], 2);
    assert_eq!(after.body["data"]["email"], "customer12@example.com");
    let found_again = app
        .get(
            &format!("/v1/datasets/{dataset}/search?field=email&value=customer12@example.com"),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(found_again.body["items"].as_array().unwrap().len(), 1);
    let (status, _, bytes) = app
        .send_raw(
            axum::http::Request::builder()
                .uri(format!("/v1/datasets/{dataset}/records/{}/payload", ids[3]))
                .header("authorization", format!("Bearer {}", w.member.token))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(bytes.len(), 100_000);
    let _ = json!({});
}
