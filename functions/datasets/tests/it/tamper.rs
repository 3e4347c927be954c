//! Someone who can write to the table or the bucket (not to the key service) moves ciphertexts
//! around: a sealed field to another record, to another field, to another dataset's record, a
//! record relabelled with another key version, a payload's blob swapped with another record's
//! or pointed at from another record, a blind-index entry given another record's ciphertext.
//! Each ciphertext is bound to its place (dataset, record, field or upload, key version), so the
//! read fails as corrupt (500, an opaque problem document) and never shows the moved value.

use coffer_core::datasets::{PayloadRef, StoredRecord};
use coffer_core::ids::RecordId;
use coffer_core::store::{Condition, Item, schema};
use coffer_testkit::{OrgWithRoles, Reply, TestApp};
use serde_json::{Map, Value};

use crate::support::{get_payload, put_payload, rotate, search};
use crate::{create_dataset, customer, customers, read, write};

/// A dataset with two records, A (customer 1) and B (customer 2).
struct Scene {
    app: TestApp,
    w: OrgWithRoles,
    dataset: String,
    a: String,
    b: String,
}

async fn scene(app: TestApp) -> Scene {
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.owner, "customers", customers()).await;
    let a = write(&app, &dataset, &w.member, customer(1)).await;
    let b = write(&app, &dataset, &w.member, customer(2)).await;
    Scene {
        app,
        w,
        dataset,
        a,
        b,
    }
}

fn key_of(record: &str) -> RecordId {
    RecordId::parse(record).unwrap()
}

/// The record's item as the table holds it.
async fn item(app: &TestApp, record: &str) -> Item {
    app.state
        .ports
        .table
        .get(&schema::record(&key_of(record)))
        .await
        .unwrap()
        .expect("the record is stored")
}

/// Writes `item` over what is there, unconditionally (the tamperer's write).
async fn overwrite(app: &TestApp, item: Item) {
    app.state
        .ports
        .table
        .put(item, Condition::None)
        .await
        .unwrap();
}

/// The record's sealed fields (field name → base64 envelope).
fn sealed(item: &Item) -> Map<String, Value> {
    serde_json::from_str(item.attrs["sealed"].as_str().unwrap()).unwrap()
}

fn with_sealed(mut item: Item, sealed: Map<String, Value>) -> Item {
    item.attrs.insert(
        "sealed".into(),
        Value::String(Value::Object(sealed).to_string()),
    );
    item
}

/// A read refused as corrupt: 500, an opaque problem document, and not a trace of `moved`.
fn refused_as_corrupt(reply: &Reply, moved: &str) {
    assert_eq!(reply.code(), 500, "{}", reply.body);
    assert_eq!(reply.body["type"], "/problems/internal", "{}", reply.body);
    assert!(
        !reply.body.to_string().contains(moved),
        "the moved value leaked: {}",
        reply.body
    );
}

async fn a_field_ciphertext_moved_to_another_record_does_not_open(app: TestApp) {
    let s = scene(app).await;
    let from = item(&s.app, &s.a).await;
    let to = item(&s.app, &s.b).await;
    let mut fields = sealed(&to);
    fields.insert("ssn".into(), sealed(&from)["ssn"].clone());
    overwrite(&s.app, with_sealed(to, fields)).await;

    for reader in [&s.w.admin, &s.w.member] {
        refused_as_corrupt(&read(&s.app, &s.dataset, &s.b, reader).await, "078-05-0001");
    }
    let listed = s
        .app
        .get(
            &format!("/v1/datasets/{}/records", s.dataset),
            Some(&s.w.admin.token),
        )
        .await;
    refused_as_corrupt(&listed, "078-05-0001");
    let untouched = read(&s.app, &s.dataset, &s.a, &s.w.admin).await;
    assert_eq!(untouched.body["data"]["ssn"], "078-05-0001");
}

async fn a_field_ciphertext_moved_to_another_field_of_the_same_record_does_not_open(app: TestApp) {
    let s = scene(app).await;
    let record = item(&s.app, &s.a).await;
    let mut fields = sealed(&record);
    let ssn = fields["ssn"].clone();
    fields.insert("card".into(), ssn);
    overwrite(&s.app, with_sealed(record, fields)).await;
    for reader in [&s.w.admin, &s.w.member] {
        refused_as_corrupt(&read(&s.app, &s.dataset, &s.a, reader).await, "078-05-0001");
    }

    // Two fields' ciphertexts exchanged.
    let record = item(&s.app, &s.b).await;
    let mut fields = sealed(&record);
    let (ssn, email) = (fields["ssn"].clone(), fields["email"].clone());
    fields.insert("ssn".into(), email);
    fields.insert("email".into(), ssn);
    overwrite(&s.app, with_sealed(record, fields)).await;
    let read_b = read(&s.app, &s.dataset, &s.b, &s.w.admin).await;
    refused_as_corrupt(&read_b, "078-05-0002");
    refused_as_corrupt(&read_b, "customer2@example.com");
}

async fn a_field_ciphertext_moved_to_a_record_of_another_dataset_does_not_open(app: TestApp) {
    let s = scene(app).await;
    let other = create_dataset(&s.app, &s.w.id, &s.w.owner, "customers too", customers()).await;
    let c = write(&s.app, &other, &s.w.member, customer(3)).await;
    let from = item(&s.app, &s.a).await;
    let to = item(&s.app, &c).await;
    let mut fields = sealed(&to);
    fields.insert("ssn".into(), sealed(&from)["ssn"].clone());
    overwrite(&s.app, with_sealed(to, fields)).await;

    refused_as_corrupt(&read(&s.app, &other, &c, &s.w.admin).await, "078-05-0001");
    refused_as_corrupt(&read(&s.app, &other, &c, &s.w.member).await, "078-05-0001");
}

/// Embedded only: the test leaves a re-encryption job running over tampered records, and the
/// worker (shared by every test on moto, which share one table) stops at the first record it
/// cannot open — see `a_corrupt_record_in_one_dataset_does_not_stall_the_reencryption_of_others`.
#[tokio::test]
async fn a_record_relabelled_with_another_key_version_does_not_open() {
    let s = scene(crate::spawn()).await;
    rotate(&s.app, &s.dataset, &s.w.owner).await;
    // A newer record, sealed under v2 (the job is not run: A and B stay under v1).
    let d = write(&s.app, &s.dataset, &s.w.member, customer(4)).await;
    let fresh = read(&s.app, &s.dataset, &d, &s.w.admin).await;
    assert_eq!(fresh.body["key_version"], 2, "{}", fresh.body);

    let mut up = item(&s.app, &s.a).await;
    up.attrs.insert("key_version".into(), 2.into());
    overwrite(&s.app, up).await;
    let mut down = item(&s.app, &d).await;
    down.attrs.insert("key_version".into(), 1.into());
    overwrite(&s.app, down).await;

    refused_as_corrupt(
        &read(&s.app, &s.dataset, &s.a, &s.w.admin).await,
        "078-05-0001",
    );
    refused_as_corrupt(
        &read(&s.app, &s.dataset, &d, &s.w.admin).await,
        "078-05-0004",
    );
    let untouched = read(&s.app, &s.dataset, &s.b, &s.w.admin).await;
    assert_eq!(untouched.body["data"]["ssn"], "078-05-0002");
}

async fn a_record_relabelled_with_a_key_version_its_dataset_never_made_is_corrupt(app: TestApp) {
    let s = scene(app).await;
    let mut relabelled = item(&s.app, &s.a).await;
    relabelled.attrs.insert("key_version".into(), 7.into());
    overwrite(&s.app, relabelled).await;

    // The record is there: a version its dataset never made is a corrupt record (as
    // `DataKeys::get` says), not a missing one.
    refused_as_corrupt(
        &read(&s.app, &s.dataset, &s.a, &s.w.admin).await,
        "078-05-0001",
    );
}

/// The worker re-encrypts every dataset's records after a rotation. A record it cannot open
/// (tampered with, or damaged) must stop its own dataset's job, not every job of the
/// deployment: the worker runs jobs in the order they started, so a job stuck first in that
/// order would otherwise hold back every rotation after it, round after round.
#[tokio::test]
#[ignore = "bug: DatasetsService::run_jobs returns at the first job whose advance fails (a record that does not open: DatasetError::Crypto), so every running job listed after it never advances; the job is not marked failed either, so the same job fails first on every round"]
async fn a_corrupt_record_in_one_dataset_does_not_stall_the_reencryption_of_others() {
    let s = scene(crate::spawn()).await;
    let other = create_dataset(&s.app, &s.w.id, &s.w.owner, "customers too", customers()).await;
    for n in 3..6 {
        write(&s.app, &other, &s.w.member, customer(n)).await;
    }
    let from = item(&s.app, &s.a).await;
    let to = item(&s.app, &s.b).await;
    let mut fields = sealed(&to);
    fields.insert("ssn".into(), sealed(&from)["ssn"].clone());
    overwrite(&s.app, with_sealed(to, fields)).await;

    // The damaged dataset's job starts first.
    rotate(&s.app, &s.dataset, &s.w.owner).await;
    s.app.clock.advance(time::Duration::SECOND);
    let job = rotate(&s.app, &other, &s.w.owner).await;
    let worker = crate::support::worker(&s.app);
    for _ in 0..3 {
        let _ = worker.run_jobs(std::time::Duration::from_secs(30)).await;
    }

    let state = s
        .app
        .get(
            &format!("/v1/datasets/{other}/jobs/{job}"),
            Some(&s.w.member.token),
        )
        .await;
    assert_eq!(state.body["state"], "done", "{}", state.body);
    assert_eq!(state.body["done"], 3, "{}", state.body);
}

/// Puts a 1 KiB payload on A and on B; the bytes of each.
async fn payloads(s: &Scene) -> (Vec<u8>, Vec<u8>) {
    let bytes_a = b"payload of A ".repeat(80);
    let bytes_b = b"payload of B ".repeat(80);
    for (record, bytes) in [(&s.a, &bytes_a), (&s.b, &bytes_b)] {
        let put = put_payload(
            &s.app,
            &s.dataset,
            record,
            &s.w.member,
            bytes.clone(),
            "text/plain",
        )
        .await;
        assert_eq!(put.code(), 200, "{}", put.body);
    }
    (bytes_a, bytes_b)
}

fn payload_of(item: &Item) -> PayloadRef {
    StoredRecord::from_item(item).unwrap().payload.unwrap()
}

/// A payload download refused as corrupt, without a trace of the moved payload (`moved`, a
/// piece of its text).
async fn payload_refused(s: &Scene, record: &str, moved: &str) {
    let (status, _, body) = get_payload(&s.app, &s.dataset, record, &s.w.admin).await;
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 500, "{body}");
    assert!(!body.contains(moved), "the moved payload leaked: {body}");
}

async fn a_payload_blob_swapped_with_another_records_does_not_open(app: TestApp) {
    let s = scene(app).await;
    payloads(&s).await;
    let blob_a = payload_of(&item(&s.app, &s.a).await).blob;
    let blob_b = payload_of(&item(&s.app, &s.b).await).blob;
    let blobs = &s.app.state.ports.blobs;
    let (sealed_a, sealed_b) = (
        blobs.get(&blob_a).await.unwrap(),
        blobs.get(&blob_b).await.unwrap(),
    );
    blobs.put(&blob_a, sealed_b).await.unwrap();
    blobs.put(&blob_b, sealed_a).await.unwrap();

    payload_refused(&s, &s.a, "payload of B").await;
    payload_refused(&s, &s.b, "payload of A").await;
}

async fn a_record_pointed_at_another_records_payload_blob_does_not_open_it(app: TestApp) {
    let s = scene(app).await;
    let (_, bytes_b) = payloads(&s).await;
    let theirs = payload_of(&item(&s.app, &s.b).await);
    let mut ours = item(&s.app, &s.a).await;
    ours.attrs.insert(
        "payload".into(),
        Value::String(serde_json::to_string(&theirs).unwrap()),
    );
    overwrite(&s.app, ours).await;

    payload_refused(&s, &s.a, "payload of B").await;
    let (status, _, body) = get_payload(&s.app, &s.dataset, &s.b, &s.w.admin).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_ref(), bytes_b.as_slice());
}

async fn a_blind_index_entry_given_another_records_ciphertext_fails_the_search(app: TestApp) {
    let s = scene(app).await;
    let table = &s.app.state.ports.table;
    let entry_of = |record: &str| schema::record_index_entry(&key_of(record), "email");
    let ours = table.get(&entry_of(&s.a)).await.unwrap().unwrap();
    let theirs = table.get(&entry_of(&s.b)).await.unwrap().unwrap();
    let mut moved = ours.clone();
    moved
        .attrs
        .insert("sealed".into(), theirs.attrs["sealed"].clone());
    overwrite(&s.app, moved).await;

    let found = search(
        &s.app,
        &s.dataset,
        &s.w.member,
        "email",
        "customer1@example.com",
    )
    .await;
    refused_as_corrupt(&found, "customer2@example.com");
    let other = search(
        &s.app,
        &s.dataset,
        &s.w.member,
        "email",
        "customer2@example.com",
    )
    .await;
    // The blind index is truncated on purpose (a bucket holds several values), so the two
    // addresses may share a bucket: then the tampered entry is a candidate of this search too,
    // and it is refused as well rather than answered from a corrupt entry.
    if ours.attrs["index"] == theirs.attrs["index"] {
        refused_as_corrupt(&other, "customer2@example.com");
    } else {
        assert_eq!(crate::support::ids_of(&other), vec![s.b.clone()]);
    }
}

/// Each case on the embedded backend and on moto.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::spawn()).await;
                }
            )*
        }

        mod aws {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::spawn_on_moto().await).await;
                }
            )*
        }
    };
}

on_both_backends!(
    a_field_ciphertext_moved_to_another_record_does_not_open,
    a_field_ciphertext_moved_to_another_field_of_the_same_record_does_not_open,
    a_field_ciphertext_moved_to_a_record_of_another_dataset_does_not_open,
    a_record_relabelled_with_a_key_version_its_dataset_never_made_is_corrupt,
    a_payload_blob_swapped_with_another_records_does_not_open,
    a_record_pointed_at_another_records_payload_blob_does_not_open_it,
    a_blind_index_entry_given_another_records_ciphertext_fails_the_search,
);
