//! Every sample event in `events/datasets/` goes through lambda_http's own request parser into
//! the router, as on Lambda, with real ids filled in.

use axum::http::Method;

use crate::{create_dataset, customer, customers, read, write};

/// Each event file and the status its reply must have, in an order that leaves something for
/// each to act on: the writes before the reads and the search (which looks for the sample's
/// own email), `get-payload` after `put-payload` and before `upload-url` (from then on the
/// record points to a presigned upload that nothing has sent, so its bytes are only reachable
/// through `payload/url`, which answers 404 until then), `download-url` while the payload is
/// still an in-function one (404: no presigned payload), `rotate` while the job the test
/// started is still running (409), the deletes last, and `create-dataset` first (its name is
/// the sample's own).
const EVENTS: &[(&str, u16)] = &[
    ("create-dataset.json", 201),
    ("list-datasets.json", 200),
    ("get-dataset.json", 200),
    ("update-dataset.json", 200),
    ("write-record.json", 201),
    ("write-records-batch.json", 201),
    ("list-records.json", 200),
    ("get-record.json", 200),
    ("search.json", 200),
    ("put-payload.json", 200),
    ("get-payload.json", 200),
    ("download-url.json", 404),
    ("upload-url.json", 200),
    ("get-job.json", 200),
    ("rotate.json", 409),
    ("delete-record.json", 204),
    ("delete-dataset.json", 204),
];

#[tokio::test]
async fn every_sample_event_gets_its_reply_through_the_lambda_parser() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.owner, "customers", customers()).await;
    let record = write(&app, &dataset, &w.member, customer(1)).await;
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
    let zeros = "00000000000000000000000000";
    let ids = [
        (format!("org_{zeros}"), w.id.clone()),
        (format!("dst_{zeros}"), dataset.clone()),
        (format!("rec_{zeros}"), record.clone()),
        (format!("job_{zeros}"), job),
    ];
    let ids: Vec<(&str, &str)> = ids.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();

    app.replay_events("datasets", EVENTS, &w.owner.token, &ids)
        .await;

    let listed = app
        .get(
            &format!("/v1/datasets?org_id={}", w.id),
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(listed.code(), 200, "{}", listed.body);
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["patients"],
        "the sample's dataset, not the deleted one"
    );
}

#[tokio::test]
async fn the_sample_payload_and_record_events_write_what_they_carry() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let record = write(&app, &dataset, &w.member, customer(2)).await;
    let ids = [
        ("dst_00000000000000000000000000", dataset.as_str()),
        ("rec_00000000000000000000000000", record.as_str()),
    ];

    let written = app
        .replay_event("datasets/write-record.json", &w.member.token, &ids)
        .await;
    let put = app
        .replay_event("datasets/put-payload.json", &w.member.token, &ids)
        .await;
    let found = app
        .replay_event("datasets/search.json", &w.member.token, &ids)
        .await;

    assert_eq!(written.code(), 201, "{}", written.body);
    let sample = read(&app, &dataset, &written.text("/id"), &w.admin).await;
    assert_eq!(sample.body["data"]["email"], "ada@example.com");
    assert_eq!(sample.body["data"]["ssn"], "078-05-1120");
    assert_eq!(put.code(), 200, "{}", put.body);
    let (status, headers, bytes) = app
        .send_raw(
            axum::http::Request::builder()
                .uri(format!("/v1/datasets/{dataset}/records/{record}/payload"))
                .header("authorization", format!("Bearer {}", w.member.token))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(bytes.as_ref(), b"%PDF-1.7\n% a small sample payload\n");
    assert_eq!(found.code(), 200, "{}", found.body);
    let items = found.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", found.body);
    assert_eq!(items[0]["id"], written.text("/id").as_str());
}
