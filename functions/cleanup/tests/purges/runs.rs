//! Runs that overlap, and runs cut short by their deadline.

use std::time::Duration;

use coffer_core::Clock;
use coffer_core::blobs::{Blob, Metadata};
use coffer_core::cleanup::CleanupReport;
use coffer_core::ids::{DatasetId, RecordId};
use coffer_core::store::schema;
use coffer_testkit::TestApp;

use crate::{Left, add, delete_dataset, left_of, make_dataset, run_for, run_until_done, spied};

const RETENTION_PASSED: time::Duration = time::Duration::days(31);

async fn two_overlapping_runs_leave_what_one_leaves_and_count_nothing_twice(
    app: TestApp,
    on_shared_store: bool,
) {
    let w = app.org_with_every_role().await;
    let mut made = Vec::new();
    for name in ["a", "b", "c"] {
        let dataset = make_dataset(&app, &w, name, 8, 2).await;
        delete_dataset(&app, &dataset.id, &w.admin).await;
        made.push(dataset);
    }
    // An orphan in a live dataset (a deleted dataset's blobs go with it).
    let live = make_dataset(&app, &w, "live", 1, 0).await;
    let orphan = schema::payload_blob(
        &DatasetId::parse(&live.id).unwrap(),
        &RecordId::generate(app.clock.now()).unwrap(),
        "p01jq0000000000000000000000",
    );
    app.state
        .ports
        .blobs
        .put(
            &orphan,
            Blob {
                bytes: b"orphan".to_vec(),
                content_type: "application/octet-stream".into(),
                metadata: Metadata::new(),
            },
        )
        .await
        .unwrap();
    let mut before = Vec::new();
    for dataset in &made {
        before.push(left_of(&app, dataset).await);
    }
    app.clock.advance(RETENTION_PASSED);

    let (ports, spy) = spied(&app);
    let (one, two) = tokio::join!(
        run_for(&ports, Duration::from_secs(60)),
        run_for(&ports, Duration::from_secs(60))
    );
    let mut both = CleanupReport::default();
    add(&mut both, &one);
    add(&mut both, &two);
    // Whatever either left (the lease makes one of them wait its turn), the next run ends.
    add(&mut both, &run_until_done(&ports).await);

    for dataset in &made {
        assert!(left_of(&app, dataset).await.nothing(), "{both:?}");
        assert_eq!(spy.purges_of(&dataset.id).len(), 1, "one purge event each");
    }
    assert!(!crate::blob_exists(&app, &orphan).await);
    let items: usize = before.iter().map(Left::items_but_the_dataset).sum();
    let blobs: usize = before.iter().map(|left| left.blobs).sum();
    if on_shared_store {
        assert!(
            both.purged_datasets >= 3 && both.purged_dataset_items >= items,
            "{both:?}"
        );
        assert!(
            both.purged_blobs >= blobs && both.orphan_blobs_removed >= 1,
            "{both:?}"
        );
    } else {
        assert_eq!(both.purged_datasets, 3, "{both:?}");
        assert_eq!(both.purged_dataset_items, items, "{both:?}");
        assert_eq!(both.purged_blobs, blobs, "{both:?}");
        assert_eq!(both.orphan_blobs_removed, 1, "{both:?}");
    }
}

/// `records` records, purged by runs of `slice` each.
async fn a_run_stopped_by_its_deadline_finishes_on_the_next_run(
    app: TestApp,
    records: usize,
    slice: Duration,
    on_shared_store: bool,
) {
    let w = app.org_with_every_role().await;
    let dataset = make_dataset(&app, &w, "large", records, 3).await;
    delete_dataset(&app, &dataset.id, &w.admin).await;
    let before = left_of(&app, &dataset).await;
    app.clock.advance(RETENTION_PASSED);

    let (ports, spy) = spied(&app);
    let first = run_for(&ports, slice).await;
    assert!(first.out_of_time, "{first:?}");
    let part = left_of(&app, &dataset).await;
    assert!(
        part.partition >= 1,
        "the dataset's item goes last, so the next run finds it"
    );
    let mut total = first.clone();
    let mut runs = 1;
    while !left_of(&app, &dataset).await.nothing() {
        assert!(runs < 500, "the purge does not move: {total:?}");
        add(&mut total, &run_for(&ports, slice).await);
        runs += 1;
    }
    assert!(runs > 1, "{total:?}");
    assert_eq!(spy.purges_of(&dataset.id).len(), 1);
    if !on_shared_store {
        assert_eq!(total.purged_datasets, 1, "{total:?}");
        assert_eq!(
            total.purged_dataset_items,
            before.items_but_the_dataset(),
            "{total:?}"
        );
        // The orphan scan may meet blobs whose records went in an earlier slice first.
        assert_eq!(
            total.purged_blobs + total.orphan_blobs_removed,
            before.blobs,
            "{total:?}"
        );
    }
}

mod embedded {
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_overlapping_runs_leave_what_one_leaves_and_count_nothing_twice() {
        super::two_overlapping_runs_leave_what_one_leaves_and_count_nothing_twice(
            crate::embedded(),
            false,
        )
        .await;
    }

    #[tokio::test]
    async fn a_run_stopped_by_its_deadline_finishes_on_the_next_run() {
        super::a_run_stopped_by_its_deadline_finishes_on_the_next_run(
            crate::embedded(),
            200,
            Duration::from_millis(15),
            false,
        )
        .await;
    }
}

mod on_moto {
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_overlapping_runs_leave_what_one_leaves_and_count_nothing_twice() {
        crate::on_moto(|app| {
            super::two_overlapping_runs_leave_what_one_leaves_and_count_nothing_twice(app, true)
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_run_stopped_by_its_deadline_finishes_on_the_next_run() {
        crate::on_moto(|app| {
            super::a_run_stopped_by_its_deadline_finishes_on_the_next_run(
                app,
                30,
                Duration::from_millis(1500),
                true,
            )
        })
        .await;
    }
}
