//! What the data vault costs in key-ring calls (KMS on AWS): a dataset's data key of one version
//! is unwrapped at most once per cache period however many records are sealed or opened, and a
//! rotation costs one more call (the new version's generation) plus at most one unwrap per
//! version in use. Measured as differences of the data-key cache's counters, around the dataset
//! routes only (signing users up uses the key ring too).

use coffer_testkit::{TestApp, User};
use serde_json::Value;

use crate::support::{list_all, ring_calls, rotate, write_all};
use crate::{create_dataset, customer, customers, read};

/// Writes customers `from..from + count` in batches of `batch`; their ids.
async fn write_customers(
    app: &TestApp,
    dataset: &str,
    by: &User,
    (from, count): (usize, usize),
    batch: usize,
) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    let mut next = from;
    while next < from + count {
        let size = (from + count - next).min(batch);
        let batch: Vec<Value> = (next..next + size).map(customer).collect();
        ids.extend(write_all(app, dataset, by, &batch).await);
        next += size;
    }
    ids
}

/// Reads every record back as an admin (each sealed field opened), a page of 1000 at a time,
/// and a few one by one; checks each decrypted.
async fn read_back(app: &TestApp, dataset: &str, by: &User, ids: &[String], expected: usize) {
    let listed = list_all(app, dataset, by, 1000).await;
    assert_eq!(listed.len(), expected);
    assert!(
        listed.iter().all(|r| r["data"]["ssn"]
            .as_str()
            .is_some_and(|s| s.starts_with("078-05-"))),
        "every record decrypted"
    );
    for id in ids.iter().step_by(ids.len().div_ceil(20).max(1)) {
        let one = read(app, dataset, id, by).await;
        assert_eq!(one.code(), 200, "{}", one.body);
    }
}

async fn one_version_costs_one_unwrap_per_cache_period_and_a_rotation_one_generate_more(
    app: TestApp,
    records: usize,
    batch: usize,
) {
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.owner, "hot", customers()).await;
    let hits_before = app.state.ports.keys.stats().unwrap().cache_hits;
    let before = ring_calls(&app);

    let v1 = write_customers(&app, &dataset, &w.member, (0, records), batch).await;
    let after_writes = ring_calls(&app);
    assert!(
        after_writes - before <= 1,
        "{} key-ring calls to write {records} records with one version",
        after_writes - before
    );

    read_back(&app, &dataset, &w.admin, &v1, records).await;
    let after_reads = ring_calls(&app);
    assert!(
        after_reads - after_writes <= 1,
        "{} key-ring calls to read {records} records of one version",
        after_reads - after_writes
    );
    assert!(app.state.ports.keys.stats().unwrap().cache_hits > hits_before);

    // A rotation: one generate; then records of two versions written and read (by both views):
    // at most one unwrap per version. (The re-seal job is left out: it takes longer than the
    // rest of the test on 10,000 records in a debug build; `aws.rs` runs it.)
    rotate(&app, &dataset, &w.owner).await;
    let v2 = write_customers(&app, &dataset, &w.member, (records, records / 10), batch).await;
    let mut all = v1.clone();
    all.extend(v2);
    read_back(&app, &dataset, &w.admin, &all, all.len()).await;
    read_back(&app, &dataset, &w.member, &all, all.len()).await;
    let after_rotation = ring_calls(&app);
    assert!(
        after_rotation - after_reads <= 2 + 1,
        "{} key-ring calls for a rotation, then writes and reads of two versions",
        after_rotation - after_reads
    );
}

mod embedded {
    /// 10,000 records in batches of 1000, 1,000 more after the rotation (about 20 s in a
    /// debug build).
    #[tokio::test]
    async fn one_version_costs_one_unwrap_per_cache_period_and_a_rotation_one_generate_more() {
        super::one_version_costs_one_unwrap_per_cache_period_and_a_rotation_one_generate_more(
            crate::spawn(),
            10_000,
            1000,
        )
        .await;
    }
}

mod aws {
    /// 60 records in batches of 20 on moto: each record is a DynamoDB transaction, and moto
    /// (5.2.5) deep-copies the whole table once per item of every transaction, so writes there
    /// cost time and memory in proportion to everything the suite has stored (200 records took
    /// 80 s and 3 GB of moto's memory).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_version_costs_one_unwrap_per_cache_period_and_a_rotation_one_generate_more() {
        super::one_version_costs_one_unwrap_per_cache_period_and_a_rotation_one_generate_more(
            crate::spawn_on_moto().await,
            60,
            20,
        )
        .await;
    }
}
