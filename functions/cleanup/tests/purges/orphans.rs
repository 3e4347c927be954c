//! Payload blobs no record points to go once they are older than an hour; a young one, and
//! every blob a record points to (sealed by the function or uploaded through a presigned URL),
//! stays.

use coffer_core::Clock;
use coffer_core::blobs::{Blob, Metadata};
use coffer_core::ids::{DatasetId, RecordId};
use coffer_core::store::schema;
use coffer_testkit::TestApp;
use serde_json::json;

use crate::{blob_exists, make_dataset, payload_blob_of, put_payload, run_until_done};

async fn put_blob(app: &TestApp, key: &str) {
    app.state
        .ports
        .blobs
        .put(
            key,
            Blob {
                bytes: b"left behind".to_vec(),
                content_type: "application/octet-stream".into(),
                metadata: Metadata::new(),
            },
        )
        .await
        .unwrap();
}

async fn an_orphan_blob_goes_once_older_than_an_hour_and_a_young_or_referenced_one_stays(
    app: TestApp,
) {
    let w = app.org_with_every_role().await;
    let made = make_dataset(&app, &w, "payloads", 3, 1).await;
    let dataset = DatasetId::parse(&made.id).unwrap();
    let sealed = made.blobs[0].clone();

    // A payload replaced (its old blob's delete lost), one of a record since deleted, and a
    // presigned upload the record points to.
    let replaced = sealed.clone();
    put_payload(
        &app,
        &made.id,
        &made.records[0],
        &w.member,
        b"newer".to_vec(),
    )
    .await;
    let current = payload_blob_of(&app, &made.records[0]).await.unwrap();
    assert_ne!(current, replaced);
    put_blob(&app, &replaced).await;
    let of_gone_record = schema::payload_blob(
        &dataset,
        &RecordId::generate(app.clock.now()).unwrap(),
        "p01jq0000000000000000000000",
    );
    put_blob(&app, &of_gone_record).await;
    let url = app
        .post(
            &format!(
                "/v1/datasets/{}/records/{}/payload/upload-url",
                made.id, made.records[1]
            ),
            json!({}),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(url.code(), 200, "{}", url.body);
    let presigned = payload_blob_of(&app, &made.records[1]).await.unwrap();
    put_blob(&app, &presigned).await;
    // Not a payload's key: not the scan's to judge.
    let stranger = format!("{}notes.txt", schema::dataset_blob_prefix(&dataset));
    put_blob(&app, &stranger).await;

    // Young, every one stays.
    let (ports, _) = crate::spied(&app);
    run_until_done(&ports).await;
    for key in [&current, &replaced, &of_gone_record, &presigned, &stranger] {
        assert!(blob_exists(&app, key).await, "{key} is young");
    }

    // An hour on, the two orphans go and the rest stays.
    app.clock.advance(time::Duration::minutes(61));
    let report = run_until_done(&ports).await;
    assert!(report.orphan_blobs_removed >= 2, "{report:?}");
    assert!(!blob_exists(&app, &replaced).await);
    assert!(!blob_exists(&app, &of_gone_record).await);
    for key in [&current, &presigned, &stranger] {
        assert!(blob_exists(&app, key).await, "{key} stays");
    }
    let read = app
        .get(
            &format!(
                "/v1/datasets/{}/records/{}/payload",
                made.id, made.records[0]
            ),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(read.code(), 200, "the payload still opens: {}", read.body);
}

mod embedded {
    #[tokio::test]
    async fn an_orphan_blob_goes_once_older_than_an_hour_and_a_young_or_referenced_one_stays() {
        super::an_orphan_blob_goes_once_older_than_an_hour_and_a_young_or_referenced_one_stays(
            crate::embedded(),
        )
        .await;
    }
}

mod on_moto {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_orphan_blob_goes_once_older_than_an_hour_and_a_young_or_referenced_one_stays() {
        crate::on_moto(
            super::an_orphan_blob_goes_once_older_than_an_hour_and_a_young_or_referenced_one_stays,
        )
        .await;
    }
}
