//! Soft-deleted datasets past their retention are purged with everything in them; a deleted
//! org's datasets go with the org.

use coffer_core::ids::OrgId;
use coffer_core::store::{Query, schema};
use coffer_testkit::TestApp;

use crate::{delete_dataset, left_of, make_dataset, run_until_done, spied};

const DAY: time::Duration = time::Duration::days(1);

async fn a_deleted_dataset_past_retention_goes_with_its_records_index_entries_and_blobs_and_one_within_it_stays(
    app: TestApp,
) {
    let w = app.org_with_every_role().await;
    let gone = make_dataset(&app, &w, "gone", 5, 2).await;
    let kept = make_dataset(&app, &w, "kept", 3, 1).await;
    let before = left_of(&app, &gone).await;
    assert_eq!(before.records, 5);
    assert_eq!(before.index_entries, 10, "two searchable fields per record");
    assert_eq!(before.blobs, 2);
    let kept_before = left_of(&app, &kept).await;

    delete_dataset(&app, &gone.id, &w.admin).await;
    app.clock.advance(DAY * 20);
    delete_dataset(&app, &kept.id, &w.admin).await;
    let listed = app
        .get(
            &format!("/v1/datasets?org_id={}", w.id),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(listed.code(), 200, "{}", listed.body);
    assert_eq!(
        listed.body["items"],
        serde_json::json!([]),
        "deleted datasets are not listed"
    );

    // Ten days before the first's retention ends: nothing goes.
    let (ports, spy) = spied(&app);
    run_until_done(&ports).await;
    assert_eq!(left_of(&app, &gone).await, before);

    // Past it: the first goes whole, the second (deleted 20 days later) stays whole.
    app.clock.advance(DAY * 11);
    let report = run_until_done(&ports).await;
    assert!(left_of(&app, &gone).await.nothing(), "{report:?}");
    assert_eq!(left_of(&app, &kept).await, kept_before);
    assert_eq!(
        spy.purges_of(&gone.id),
        vec![Some(w.id.clone())],
        "one purge event, in the dataset's org"
    );
    assert!(spy.purges_of(&kept.id).is_empty());
    assert!(
        report.purged_datasets >= 1 && report.purged_blobs >= 2,
        "{report:?}"
    );
    assert!(
        report.purged_dataset_items >= before.items_but_the_dataset(),
        "{report:?}"
    );

    // The second goes once its own retention is over.
    app.clock.advance(DAY * 20);
    run_until_done(&ports).await;
    assert!(left_of(&app, &kept).await.nothing());
    assert_eq!(spy.purges_of(&kept.id).len(), 1);
}

async fn a_deleted_orgs_datasets_go_with_it(app: TestApp) {
    let w = app.org_with_every_role().await;
    let live = make_dataset(&app, &w, "live", 4, 1).await;
    let deleted = make_dataset(&app, &w, "deleted", 2, 1).await;
    delete_dataset(&app, &deleted.id, &w.admin).await;
    let gone = app
        .delete(&format!("/v1/orgs/{}", w.id), Some(&w.owner.token))
        .await;
    assert_eq!(gone.code(), 204, "{}", gone.body);

    // The org's purge hands its live dataset to the dataset purge, due at once.
    let (ports, spy) = spied(&app);
    let report = run_until_done(&ports).await;
    assert!(report.purged_orgs >= 1, "{report:?}");
    assert!(left_of(&app, &live).await.nothing(), "{report:?}");
    assert_eq!(spy.purges_of(&live.id), vec![Some(w.id.clone())]);
    let org = OrgId::parse(&w.id).unwrap();
    assert!(
        app.stored(Query::partition(schema::org_partition(&org)))
            .await
            .is_empty()
    );
    assert!(
        app.stored(Query::gsi1(schema::org_partition(&org)))
            .await
            .is_empty(),
        "the org's index lists nothing"
    );

    // One deleted before the org keeps its own retention, and goes when it ends.
    assert!(!left_of(&app, &deleted).await.nothing());
    app.clock.advance(DAY * 31);
    run_until_done(&ports).await;
    assert!(left_of(&app, &deleted).await.nothing());
    assert_eq!(spy.purges_of(&deleted.id), vec![Some(w.id.clone())]);
}

mod embedded {
    #[tokio::test]
    async fn a_deleted_dataset_past_retention_goes_with_its_records_index_entries_and_blobs_and_one_within_it_stays()
     {
        super::a_deleted_dataset_past_retention_goes_with_its_records_index_entries_and_blobs_and_one_within_it_stays(crate::embedded()).await;
    }

    #[tokio::test]
    async fn a_deleted_orgs_datasets_go_with_it() {
        super::a_deleted_orgs_datasets_go_with_it(crate::embedded()).await;
    }
}

mod on_moto {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deleted_dataset_past_retention_goes_with_its_records_index_entries_and_blobs_and_one_within_it_stays()
     {
        crate::on_moto(super::a_deleted_dataset_past_retention_goes_with_its_records_index_entries_and_blobs_and_one_within_it_stays).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deleted_orgs_datasets_go_with_it() {
        crate::on_moto(super::a_deleted_orgs_datasets_go_with_it).await;
    }
}
