//! The data vault on both backends (SQLite, a folder and a local key embedded; DynamoDB, S3 and
//! KMS on moto): the main flow from dataset to deleted record, and a canary dump — every byte
//! the stores hold, searched for the values written to sensitive fields and payloads.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use coffer_core::Backend;
use coffer_core::blobs::BlobError;
use coffer_core::datasets::StoredRecord;
use coffer_core::ids::RecordId;
use coffer_core::store::schema;
use coffer_testkit::TestApp;
use serde_json::{Value, json};

use crate::support::{
    finish_job, get_payload, ids_of, list_all, put_payload, rotate, search, write_all, write_batch,
};
use crate::{create_dataset, customer, customers, read, write};

async fn the_main_flow_works_from_dataset_to_deleted_record(app: TestApp) {
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;

    // one record, then a batch
    let first = write(&app, &dataset, &w.member, customer(0)).await;
    let batch: Vec<Value> = (1..=20).map(customer).collect();
    let mut ids = vec![first];
    ids.extend(write_all(&app, &dataset, &w.member, &batch).await);
    assert_eq!(ids.len(), 21);

    // each role's view
    let as_admin = read(&app, &dataset, &ids[7], &w.admin).await;
    assert_eq!(as_admin.code(), 200, "{}", as_admin.body);
    assert_eq!(as_admin.body["data"]["ssn"], "078-05-0007");
    assert_eq!(as_admin.body["data"]["email"], "customer7@example.com");
    assert_eq!(as_admin.body["data"]["card"], "4111111111111111");
    assert_eq!(as_admin.body["key_version"], 1);
    let as_member = read(&app, &dataset, &ids[7], &w.member).await;
    assert_eq!(as_member.code(), 200, "{}", as_member.body);
    assert_eq!(as_member.body["data"]["ssn"], "078-05-0007");
    assert_eq!(as_member.body["data"]["card"], "************1111");
    assert_eq!(read(&app, &dataset, &ids[7], &w.outsider).await.code(), 404);
    assert_eq!(list_all(&app, &dataset, &w.member, 8).await.len(), 21);

    // search: a tokenize field (blind index) and a searchable plain field
    let by_email = search(&app, &dataset, &w.member, "email", "customer12@example.com").await;
    assert_eq!(ids_of(&by_email), vec![ids[12].clone()]);
    let by_country = search(&app, &dataset, &w.member, "country", "FR").await;
    let mut in_france = ids_of(&by_country);
    in_france.sort();
    let mut even: Vec<String> = ids.iter().step_by(2).cloned().collect();
    even.sort();
    assert_eq!(in_france, even);

    // a payload through the function
    let bytes: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
    let put = put_payload(
        &app,
        &dataset,
        &ids[3],
        &w.member,
        bytes.clone(),
        "image/png",
    )
    .await;
    assert_eq!(put.code(), 200, "{}", put.body);
    assert_eq!(put.body["size"], 150_000);
    let (status, headers, got) = get_payload(&app, &dataset, &ids[3], &w.member).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(got.as_ref(), bytes.as_slice());

    // rotation: the worker re-seals every record and the payload; all still opens
    let job = rotate(&app, &dataset, &w.owner).await;
    let state = finish_job(&app, &dataset, &job, &w.member).await;
    assert_eq!(
        (state["done"].clone(), state["total"].clone()),
        (json!(21), json!(21)),
        "{state}"
    );
    let after = read(&app, &dataset, &ids[12], &w.admin).await;
    assert_eq!(after.body["key_version"], 2);
    assert_eq!(after.body["data"]["ssn"], "078-05-0012");
    let by_email = search(&app, &dataset, &w.member, "email", "customer12@example.com").await;
    assert_eq!(ids_of(&by_email), vec![ids[12].clone()]);
    let (status, _, got) = get_payload(&app, &dataset, &ids[3], &w.member).await;
    assert_eq!(status, 200);
    assert_eq!(got.as_ref(), bytes.as_slice());

    // deleting a record takes its index entries and its payload's blob with it
    let blob = stored_record(&app, &ids[3]).await.payload.unwrap().blob;
    assert!(app.state.ports.blobs.head(&blob).await.is_ok());
    let deleted = app
        .delete(
            &format!("/v1/datasets/{dataset}/records/{}", ids[3]),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);
    assert_eq!(read(&app, &dataset, &ids[3], &w.admin).await.code(), 404);
    assert!(matches!(
        app.state.ports.blobs.head(&blob).await,
        Err(BlobError::NotFound)
    ));
    let by_email = search(&app, &dataset, &w.member, "email", "customer3@example.com").await;
    assert!(ids_of(&by_email).is_empty());
    assert_eq!(list_all(&app, &dataset, &w.admin, 1000).await.len(), 20);
}

/// The record as stored.
async fn stored_record(app: &TestApp, id: &str) -> StoredRecord {
    let item = app
        .state
        .ports
        .table
        .get(&schema::record(&RecordId::parse(id).unwrap()))
        .await
        .unwrap()
        .expect("the record is stored");
    StoredRecord::from_item(&item).unwrap()
}

/// Values written to sensitive fields and payloads, unique to one run, of letters and digits
/// only (so no encoding of JSON or URLs changes them).
struct Canaries {
    run: String,
}

impl Canaries {
    fn new() -> Self {
        Self {
            run: coffer_core::ids::ulid_at(time::OffsetDateTime::now_utc())
                .unwrap()
                .to_string(),
        }
    }

    fn of(&self, field: &str, n: usize) -> String {
        format!("CANARY{}{n}Z{}", field.to_uppercase(), self.run)
    }

    /// A record whose every sensitive field holds a canary (one nested in an object), and a
    /// plain field holding a marker that must be found in clear (so the dump is a real one).
    fn record(&self, n: usize) -> Value {
        json!({
            "enc": self.of("enc", n),
            "tok": self.of("tok", n),
            "msk": self.of("msk", n),
            "red": {"inner": [self.of("red", n), 42]},
            "note": self.marker(n),
        })
    }

    fn marker(&self, n: usize) -> String {
        format!("PLAINMARKER{n}Z{}", self.run)
    }

    fn payload(&self, n: usize) -> Vec<u8> {
        format!("%PDF-1.7 {} ", self.of("payload", n))
            .repeat(400)
            .into_bytes()
    }

    /// Every canary of records `0..records`.
    fn all(&self, records: usize) -> Vec<String> {
        let mut all = Vec::new();
        for n in 0..records {
            for field in ["enc", "tok", "msk", "red", "payload"] {
                all.push(self.of(field, n));
            }
        }
        all
    }
}

/// The forms in which a value could sit in stored bytes: itself, and its base64 (standard and
/// URL-safe) at each of the three alignments, and its lower-case hex.
fn forms(value: &str) -> Vec<Vec<u8>> {
    let bytes = value.as_bytes();
    let mut forms = vec![bytes.to_vec()];
    for offset in 0..3 {
        let aligned = &bytes[offset..];
        let aligned = &aligned[..aligned.len() / 3 * 3];
        forms.push(STANDARD.encode(aligned).into_bytes());
        forms.push(URL_SAFE_NO_PAD.encode(aligned).into_bytes());
    }
    forms.push(
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into_bytes(),
    );
    forms
}

/// Whether `needle` (ASCII) occurs in `haystack`: through a lossy UTF-8 view, which keeps
/// every ASCII byte where it is, and `str::contains` (std's optimised search, even in a
/// debug build).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let needle = std::str::from_utf8(needle).expect("an ASCII needle");
    String::from_utf8_lossy(haystack).contains(needle)
}

/// Every byte the stores hold, each piece named by where it came from.
async fn dump(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    match app.state.settings.backend {
        Backend::Embedded => {
            let mut out = Vec::new();
            read_tree(&app.state.settings.data_dir, &mut out);
            out
        }
        Backend::Aws => {
            let mut out = scan_table(app).await;
            out.extend(read_bucket(app).await);
            out
        }
    }
}

/// The embedded backend's whole folder: the SQLite file with its WAL, the blobs and their
/// sidecars, the key files.
fn read_tree(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_tree(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path.display().to_string(), bytes));
        }
    }
}

/// Every item of the DynamoDB table (a Scan, page after page), each as the bytes of its
/// attribute values.
async fn scan_table(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let config = coffer_core::aws::sdk_config(&app.state.settings).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(&app.state.settings.table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan the table");
        for item in page.items() {
            let bytes = coffer_testkit::dynamo_item_bytes(item);
            let pk = item
                .get("pk")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            out.push((format!("dynamodb item {pk}"), bytes));
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return out;
        }
    }
}

/// Every object of the bucket (other tests share it: one deleted between the listing and the
/// read is skipped), with its content type and metadata.
async fn read_bucket(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let config = coffer_core::aws::sdk_config(&app.state.settings).await;
    let client = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let bucket = &app.state.settings.bucket;
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .set_continuation_token(token)
            .send()
            .await
            .expect("list the bucket");
        for object in page.contents() {
            let key = object.key().unwrap_or_default().to_owned();
            let Ok(got) = client.get_object().bucket(bucket).key(&key).send().await else {
                continue;
            };
            let mut bytes = format!("{:?} {:?}\n", got.content_type(), got.metadata()).into_bytes();
            bytes.extend_from_slice(&got.body.collect().await.unwrap().into_bytes());
            out.push((format!("s3 object {key}"), bytes));
        }
        token = page.next_continuation_token().map(ToOwned::to_owned);
        if token.is_none() {
            return out;
        }
    }
}

async fn no_sensitive_value_or_payload_is_stored_in_clear_anywhere(app: TestApp) {
    let w = app.org_with_every_role().await;
    let canaries = Canaries::new();
    let spec = json!({
        "fields": {
            "enc": "encrypt",
            "tok": "tokenize",
            "msk": "mask",
            "red": "redact",
            "note": {"policy": "plain", "searchable": true},
        },
    });
    let dataset = create_dataset(&app, &w.id, &w.owner, "canaries", spec).await;

    // One record alone, a batch with an idempotency key (its reply is stored) and one without;
    // payloads through the function for a few (the presigned path is SSE-KMS on S3, and stored
    // as uploaded on the local stack: out of scope here).
    let mut ids = vec![write(&app, &dataset, &w.member, canaries.record(0)).await];
    let keyed: Vec<Value> = (1..6).map(|n| canaries.record(n)).collect();
    let replied = write_batch(&app, &dataset, &w.member, &keyed, Some("canary-batch-1")).await;
    assert_eq!(replied.code(), 201, "{}", replied.body);
    ids.extend(
        replied.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned()),
    );
    let plain: Vec<Value> = (6..10).map(|n| canaries.record(n)).collect();
    ids.extend(write_all(&app, &dataset, &w.member, &plain).await);
    for n in [0, 3, 7] {
        let put = put_payload(
            &app,
            &dataset,
            &ids[n],
            &w.member,
            canaries.payload(n),
            "application/pdf",
        )
        .await;
        assert_eq!(put.code(), 200, "{}", put.body);
    }

    // What leaves traces: reads of both views, searches (audited), a rotation re-sealing all.
    for id in &ids {
        assert_eq!(read(&app, &dataset, id, &w.admin).await.code(), 200);
        assert_eq!(read(&app, &dataset, id, &w.member).await.code(), 200);
    }
    let found = search(&app, &dataset, &w.member, "tok", &canaries.of("tok", 4)).await;
    assert_eq!(ids_of(&found), vec![ids[4].clone()]);
    let as_admin = read(&app, &dataset, &ids[4], &w.admin).await;
    assert_eq!(
        as_admin.body["data"]["red"]["inner"][0],
        canaries.of("red", 4)
    );
    let job = rotate(&app, &dataset, &w.owner).await;
    let state = finish_job(&app, &dataset, &job, &w.owner).await;
    assert_eq!(
        (state["done"].clone(), state["total"].clone()),
        (json!(10), json!(10)),
        "{state}"
    );
    let (status, _, got) = get_payload(&app, &dataset, &ids[7], &w.admin).await;
    assert_eq!(status, 200);
    assert_eq!(got.as_ref(), canaries.payload(7).as_slice());
    let deleted = app
        .delete(
            &format!("/v1/datasets/{dataset}/records/{}", ids[9]),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(deleted.code(), 204);

    let stored = dump(&app).await;
    let everything: usize = stored.iter().map(|(_, b)| b.len()).sum();
    assert!(
        stored
            .iter()
            .any(|(_, bytes)| contains(bytes, canaries.marker(5).as_bytes())),
        "the dump ({} pieces, {everything} bytes) holds the plain fields in clear",
        stored.len()
    );
    assert!(
        stored
            .iter()
            .any(|(place, bytes)| place.contains(&dataset) || contains(bytes, dataset.as_bytes())),
        "the dump holds the dataset's payload blobs"
    );
    let stored: Vec<(String, String)> = stored
        .into_iter()
        .map(|(place, bytes)| (place, String::from_utf8_lossy(&bytes).into_owned()))
        .collect();
    for canary in canaries.all(10) {
        for form in forms(&canary) {
            for (place, text) in &stored {
                assert!(
                    !contains(text.as_bytes(), &form),
                    "{canary} is stored in clear ({}) in {place}",
                    String::from_utf8_lossy(&form)
                );
            }
        }
    }
}

mod embedded {
    #[tokio::test]
    async fn the_main_flow_works_from_dataset_to_deleted_record() {
        super::the_main_flow_works_from_dataset_to_deleted_record(crate::spawn()).await;
    }

    #[tokio::test]
    async fn no_sensitive_value_or_payload_is_stored_in_clear_anywhere() {
        super::no_sensitive_value_or_payload_is_stored_in_clear_anywhere(crate::spawn()).await;
    }
}

mod on_moto {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_main_flow_works_from_dataset_to_deleted_record() {
        super::the_main_flow_works_from_dataset_to_deleted_record(crate::spawn_on_moto().await)
            .await;
    }

    /// Scans the whole table and reads every object of the bucket (shared with the other tests
    /// on moto: their data is searched too, which only makes the check stricter).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_sensitive_value_or_payload_is_stored_in_clear_anywhere() {
        super::no_sensitive_value_or_payload_is_stored_in_clear_anywhere(
            crate::spawn_on_moto().await,
        )
        .await;
    }
}
