//! The data vault's per-record work on a customer record of 10 fields of which 3 are sealed
//! (`functions/datasets/tests/it/main.rs` `customers()` / `coffer_testkit::customer(n)`: ssn `encrypt`, email
//! `tokenize`, card `mask`, country plain and searchable, six more plain fields), beside its
//! references in the same run. Every group counts records (`Throughput::Elements(1)`), so
//! criterion prints records/s.
//!
//! - `datasets_record_write`: `seal_index/*` is the crypto of a write through the public API: the
//!   3 fields sealed (`seal::Sealer`, envelope v2 under the dataset's data key) and the 2 index
//!   entries (`Indexer`: HMAC-SHA256 blind indexes of email and country). `per_request` makes the
//!   `Sealer` and `Indexer` for each record (a single-record POST: two HKDF index-key derivations
//!   and a fresh message-id pool each time); `reused` keeps them across records (a batch).
//!   `prepare/*` is everything `Preparer::prepare` does (it is private to `coffer-core`, so this
//!   is a copy of its steps, to keep in step with `core/src/datasets/prepare.rs`): a record id,
//!   the size check (the record's JSON text), the known-fields check, the JSON Schema, the
//!   plain/sealed split, the PII engine over the plain fields (`pii: flag`), the indexes and the
//!   seals. `stored_item` adds `StoredRecord::to_item` (what the transaction writes).
//!   The references: `bare_gcm_seal_3_fields` (aws-lc-rs AES-256-GCM, one `LessSafeKey` built
//!   outside the loop, a fixed nonce, the same 3 plaintexts: each value's JSON text) and
//!   `serde_json_round_trip` (the record's JSON text written and parsed back into a `Value`).
//! - `datasets_record_read`: `open_3_fields_mask` is `seal::open_field` ×3 and `view::mask` of the
//!   card (what a member's view does; an admin's skips the mask); `open_stored_item` adds
//!   `StoredRecord::from_item` and the reply's field map (what a read does per record between the
//!   table and the HTTP reply: `GET ?limit=1000` does it 1000 times). References:
//!   `bare_gcm_open_3_fields` and `serde_json_round_trip` again.
//! - `datasets_record_parts`: one step at a time (schema, PII, a seal, an open, an index-key
//!   derivation, an HMAC index, the stored item both ways), to tell where `prepare` spends.
//! - `datasets_sqlite`: the record's transaction on the embedded table in a temporary folder (the
//!   record, its 2 index entries and its audit event, as `commit_record` writes them) and an
//!   audited read (a point get plus one audit-event put), against a bare point get of the same
//!   record (`table_get`, as `benches/benches/table.rs`), one writer at a time. On the local stack
//!   every write and every audited read goes through that single writer.
//!
//! `cargo bench -p coffer-benches --bench datasets -- --warm-up-time 1 --measurement-time 3`

// Setup failures should stop the bench loudly; nothing here runs in production.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use coffer_core::SystemClock;
use coffer_core::audit::{AuditSink, Change, Outcome, RequestOrigin};
use coffer_core::crypto::{DataKey, NONCE_LEN, TAG_LEN};
use coffer_core::datasets::blind_index::{IndexKey, canonical, index_bits};
use coffer_core::datasets::policy::{DetailedField, FieldPolicy, FieldRequest, FieldSpec};
use coffer_core::datasets::seal::{Sealer, field_aad, open_field};
use coffer_core::datasets::view::mask;
use coffer_core::datasets::{
    Comparand, Dataset, IndexEntry, Indexer, MAX_RECORD_BYTES, PiiFlag, PiiRule, StoredRecord,
};
use coffer_core::ids::{DatasetId, OrgId, RecordId};
use coffer_core::pii::engine::{DetectOptions, Detector, SchemaValidator};
use coffer_core::store::sqlite::SqliteTable;
use coffer_core::store::{Condition, Item, Table, TxOp, schema};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

/// Records the dataset expects: sets the email index's bits (as the load test's dataset).
const EXPECTED_RECORDS: u64 = 10_000;
/// The bare reference's nonce: fixed, as a benchmark may (nothing sealed here is kept).
const NONCE: [u8; NONCE_LEN] = [9; NONCE_LEN];
const SEALED: [&str; 3] = ["card", "email", "ssn"];

/// The `customers()` schema.
fn customers_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string"}, "ssn": {"type": "string"}, "email": {"type": "string"},
            "card": {"type": "string"}, "country": {"type": "string"}, "age": {"type": "integer", "minimum": 0},
            "plan": {"type": "string"}, "city": {"type": "string"}, "zip": {"type": "string"},
            "notes": {"type": "string"}
        },
        "required": ["email"]
    })
}

/// The `customers()` dataset, through its stored form (its key fields are private to core).
fn customers_dataset() -> Dataset {
    let now = OffsetDateTime::now_utc();
    let id = DatasetId::generate(now).unwrap();
    let org = OrgId::generate(now).unwrap();
    let bits = index_bits(EXPECTED_RECORDS);
    let requests = [
        ("ssn", FieldRequest::Policy(FieldPolicy::Encrypt)),
        ("email", FieldRequest::Policy(FieldPolicy::Tokenize)),
        ("card", FieldRequest::Policy(FieldPolicy::Mask)),
        (
            "country",
            FieldRequest::Detailed(DetailedField {
                policy: FieldPolicy::Plain,
                member: None,
                admin: None,
                searchable: Some(true),
            }),
        ),
    ];
    let fields: BTreeMap<String, FieldSpec> = requests
        .iter()
        .map(|(name, request)| {
            (
                (*name).to_owned(),
                FieldSpec::from_request(request, bits).unwrap(),
            )
        })
        .collect();
    let stamp = "2026-11-30T00:00:00Z";
    let item = Item::new(schema::dataset(&id))
        .with_attr("id", id.as_str())
        .with_attr("org_id", org.as_str())
        .with_attr("name", "loadtest-customers")
        .with_attr("description", "")
        .with_attr("schema", customers_schema().to_string())
        .with_attr("fields", serde_json::to_string(&fields).unwrap())
        .with_attr("pii", PiiRule::Flag.as_str())
        .with_attr("expected_records", EXPECTED_RECORDS)
        .with_attr("latest_version", 1)
        .with_attr("oldest_version", 1)
        .with_attr("created_at", stamp)
        .with_attr("created_by", "usr_bench")
        .with_attr("updated_at", stamp)
        .with_attr("latest_wrapped", "AAAA");
    Dataset::from_item(&item).expect("the customers dataset")
}

/// What `Preparer::prepare` does to one record (a copy of its steps: it is private to core).
struct Prepare<'a> {
    dataset: &'a Dataset,
    validator: &'a SchemaValidator,
    sealer: Sealer<'a>,
    indexer: Indexer<'a>,
}

impl<'a> Prepare<'a> {
    fn new(dataset: &'a Dataset, validator: &'a SchemaValidator, key: &'a DataKey) -> Self {
        Self {
            dataset,
            validator,
            sealer: Sealer::new(key, &dataset.id, 1),
            indexer: Indexer::new(dataset, key, 1),
        }
    }

    fn prepare(&mut self, data: Value, now: OffsetDateTime) -> (StoredRecord, Vec<IndexEntry>) {
        let id = RecordId::generate(now).unwrap();
        let Value::Object(object) = data else {
            panic!("not an object")
        };
        let size = serde_json::to_vec(&object).map_or(usize::MAX, |v| v.len());
        assert!(size <= MAX_RECORD_BYTES);
        assert!(object.keys().all(|name| self.dataset.allows_field(name)));
        let data = Value::Object(object);
        assert!(self.validator.validate(0, &data).errors.is_empty());
        let Value::Object(object) = data else {
            unreachable!()
        };
        let mut plain = Map::new();
        let mut sealed_values = Vec::new();
        for (name, value) in object {
            if self.dataset.policy_of(&name).is_sealed() {
                sealed_values.push((name, value));
            } else {
                plain.insert(name, value);
            }
        }
        // `pii: flag`: the plain fields shown to the engine, what it finds kept as flags.
        let record = Value::Object(std::mem::take(&mut plain));
        let found = Detector::shared()
            .detect_record(&record, &DetectOptions::default())
            .unwrap();
        let pii: Vec<PiiFlag> = found
            .iter()
            .map(|e| PiiFlag {
                field: e.field.clone().unwrap_or_default(),
                entity_type: e.entity_type.to_string(),
                start: e.start,
                end: e.end,
            })
            .collect();
        let Value::Object(plain) = record else {
            unreachable!()
        };
        let mut entries = Vec::new();
        for (name, value) in &plain {
            entries.extend(
                self.indexer
                    .entry(&id, name, value, || Comparand::Plain(value.to_string())),
            );
        }
        let mut sealed = Map::new();
        for (name, value) in sealed_values {
            let ciphertext = self.sealer.seal_field(&id, &name, &value).unwrap();
            entries.extend(
                self.indexer
                    .entry(&id, &name, &value, || Comparand::Sealed(ciphertext.clone())),
            );
            sealed.insert(name, Value::String(ciphertext));
        }
        let record = StoredRecord {
            id,
            dataset_id: self.dataset.id.clone(),
            key_version: 1,
            plain,
            sealed,
            pii,
            payload: None,
            created_at: now,
            updated_at: now,
            created_by: "usr_bench".to_owned(),
            revision: 1,
        };
        (record, entries)
    }
}

/// The crypto of a write: the 3 sensitive fields sealed, the 2 index entries made.
fn seal_and_index(
    sealer: &mut Sealer<'_>,
    indexer: &Indexer<'_>,
    id: &RecordId,
    data: &Map<String, Value>,
) -> (Map<String, Value>, Vec<IndexEntry>) {
    let mut sealed = Map::new();
    let mut entries = Vec::with_capacity(2);
    let country = &data["country"];
    entries.extend(indexer.entry(id, "country", country, || {
        Comparand::Plain(country.to_string())
    }));
    for name in SEALED {
        let value = &data[name];
        let ciphertext = sealer.seal_field(id, name, value).unwrap();
        entries.extend(indexer.entry(id, name, value, || Comparand::Sealed(ciphertext.clone())));
        sealed.insert(name.to_owned(), Value::String(ciphertext));
    }
    (sealed, entries)
}

/// What a read does to the 3 sealed fields: opened, the card masked (a member's view).
fn open_three(
    key: &DataKey,
    dataset: &DatasetId,
    id: &RecordId,
    sealed: &Map<String, Value>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in sealed {
        let opened = open_field(key, dataset, id, name, 1, value.as_str().unwrap()).unwrap();
        let shown = if name == "card" {
            mask(&opened)
        } else {
            opened
        };
        out.insert(name.clone(), shown);
    }
    out
}

/// The bare reference: the 3 values' JSON texts, each sealed under one prebuilt AES-256-GCM key
/// with the same associated data the envelope binds.
struct Bare {
    key: LessSafeKey,
    plaintexts: Vec<Vec<u8>>,
    aads: Vec<Vec<u8>>,
}

impl Bare {
    fn new(key: &DataKey, dataset: &DatasetId, id: &RecordId, data: &Map<String, Value>) -> Self {
        Self {
            key: LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key.expose()).unwrap()),
            plaintexts: SEALED
                .iter()
                .map(|name| serde_json::to_vec(&data[*name]).unwrap())
                .collect(),
            aads: SEALED
                .iter()
                .map(|name| field_aad(dataset, id, name, 1))
                .collect(),
        }
    }

    fn seal(&self, out: &mut [Vec<u8>]) {
        for ((pt, aad), out) in self.plaintexts.iter().zip(&self.aads).zip(out.iter_mut()) {
            self.key
                .seal_in_place_scatter(
                    Nonce::assume_unique_for_key(NONCE),
                    Aad::from(aad.as_slice()),
                    &mut [],
                    black_box(pt),
                    out,
                )
                .unwrap();
        }
    }

    fn open(&self, sealed: &[Vec<u8>], out: &mut [Vec<u8>]) {
        for ((ct_and_tag, aad), out) in sealed.iter().zip(&self.aads).zip(out.iter_mut()) {
            let (ct, tag) = ct_and_tag.split_at(ct_and_tag.len() - TAG_LEN);
            self.key
                .open_separate_gather(
                    Nonce::assume_unique_for_key(NONCE),
                    Aad::from(aad.as_slice()),
                    black_box(ct),
                    tag,
                    out,
                )
                .unwrap();
        }
    }
}

fn as_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(object) => object,
        _ => panic!("not an object"),
    }
}

fn record_write(c: &mut Criterion) {
    let dataset = customers_dataset();
    let validator = SchemaValidator::compile(dataset.schema.as_ref().unwrap()).unwrap();
    let key = DataKey::random().unwrap();
    let now = OffsetDateTime::now_utc();
    let record = coffer_testkit::customer(42);
    let data = as_object(record.clone());
    let id = RecordId::generate(now).unwrap();

    // Check once that what is measured works: every sealed field opens to its value, the email
    // is indexed as a search would look it up, and the bare reference round-trips.
    let (stored, entries) = Prepare::new(&dataset, &validator, &key).prepare(record.clone(), now);
    assert_eq!(stored.plain.len(), 7);
    assert_eq!(stored.sealed.len(), 3);
    assert_eq!(entries.len(), 2);
    let opened = open_three(&key, &dataset.id, &stored.id, &stored.sealed);
    assert_eq!(opened["ssn"], data["ssn"]);
    assert_eq!(opened["email"], data["email"]);
    assert_eq!(opened["card"], json!("************1111"));
    let email_bits = dataset.field("email").unwrap().index_bits.unwrap();
    let email_entry = entries.iter().find(|e| e.field == "email").unwrap();
    assert_eq!(
        email_entry.index,
        IndexKey::derive(&key, &dataset.id, "email").index(b"customer42@example.com", email_bits)
    );
    let bare = Bare::new(&key, &dataset.id, &id, &data);
    let mut bare_sealed: Vec<Vec<u8>> = bare
        .plaintexts
        .iter()
        .map(|p| vec![0u8; p.len() + TAG_LEN])
        .collect();
    bare.seal(&mut bare_sealed);
    let mut bare_opened: Vec<Vec<u8>> =
        bare.plaintexts.iter().map(|p| vec![0u8; p.len()]).collect();
    bare.open(&bare_sealed, &mut bare_opened);
    assert_eq!(bare_opened, bare.plaintexts);
    let text = serde_json::to_vec(&record).unwrap();
    println!(
        "record: {} bytes of JSON; sealed fields {} + {} + {} bytes of base64 (plaintexts {} + {} + {} bytes); email index {email_bits} bits; PII flags {:?}",
        text.len(),
        stored.sealed["card"].as_str().unwrap().len(),
        stored.sealed["email"].as_str().unwrap().len(),
        stored.sealed["ssn"].as_str().unwrap().len(),
        bare.plaintexts[0].len(),
        bare.plaintexts[1].len(),
        bare.plaintexts[2].len(),
        stored
            .pii
            .iter()
            .map(|f| (&f.field, &f.entity_type))
            .collect::<Vec<_>>(),
    );

    let mut group = c.benchmark_group("datasets_record_write");
    group.throughput(Throughput::Elements(1));
    group.bench_function("seal_index/per_request", |b| {
        b.iter(|| {
            let mut sealer = Sealer::new(&key, &dataset.id, 1);
            let indexer = Indexer::new(&dataset, &key, 1);
            seal_and_index(&mut sealer, &indexer, &id, black_box(&data))
        })
    });
    let mut sealer = Sealer::new(&key, &dataset.id, 1);
    let indexer = Indexer::new(&dataset, &key, 1);
    group.bench_function("seal_index/reused", |b| {
        b.iter(|| seal_and_index(&mut sealer, &indexer, &id, black_box(&data)))
    });
    group.bench_function("bare_gcm_seal_3_fields/aws-lc-rs", |b| {
        b.iter(|| bare.seal(&mut bare_sealed))
    });
    group.bench_function("serde_json_round_trip", |b| {
        b.iter(|| {
            let text = serde_json::to_vec(black_box(&record)).unwrap();
            serde_json::from_slice::<Value>(&text).unwrap()
        })
    });
    group.bench_function("prepare/per_request", |b| {
        b.iter_batched(
            || record.clone(),
            |record| Prepare::new(&dataset, &validator, &key).prepare(record, now),
            criterion::BatchSize::SmallInput,
        )
    });
    let mut prepare = Prepare::new(&dataset, &validator, &key);
    group.bench_function("prepare/reused", |b| {
        b.iter_batched(
            || record.clone(),
            |record| prepare.prepare(record, now),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("prepare/reused+stored_item", |b| {
        b.iter_batched(
            || record.clone(),
            |record| {
                let (stored, entries) = prepare.prepare(record, now);
                let items: Vec<Item> = entries.iter().map(IndexEntry::to_item).collect();
                (stored.to_item(), items)
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn record_read(c: &mut Criterion) {
    let dataset = customers_dataset();
    let validator = SchemaValidator::compile(dataset.schema.as_ref().unwrap()).unwrap();
    let key = DataKey::random().unwrap();
    let now = OffsetDateTime::now_utc();
    let record = coffer_testkit::customer(42);
    let (stored, _) = Prepare::new(&dataset, &validator, &key).prepare(record.clone(), now);
    let item = stored.to_item();
    let data = as_object(record.clone());
    let bare = Bare::new(&key, &dataset.id, &stored.id, &data);
    let mut bare_sealed: Vec<Vec<u8>> = bare
        .plaintexts
        .iter()
        .map(|p| vec![0u8; p.len() + TAG_LEN])
        .collect();
    bare.seal(&mut bare_sealed);
    let mut bare_opened: Vec<Vec<u8>> =
        bare.plaintexts.iter().map(|p| vec![0u8; p.len()]).collect();

    let mut group = c.benchmark_group("datasets_record_read");
    group.throughput(Throughput::Elements(1));
    group.bench_function("open_3_fields_mask", |b| {
        b.iter(|| open_three(&key, &dataset.id, &stored.id, black_box(&stored.sealed)))
    });
    group.bench_function("open_stored_item", |b| {
        b.iter(|| {
            let record = StoredRecord::from_item(black_box(&item)).unwrap();
            let mut shown = open_three(&key, &dataset.id, &record.id, &record.sealed);
            for (name, value) in record.plain {
                shown.insert(name, value);
            }
            shown
        })
    });
    group.bench_function("bare_gcm_open_3_fields/aws-lc-rs", |b| {
        b.iter(|| bare.open(&bare_sealed, &mut bare_opened))
    });
    group.bench_function("serde_json_round_trip", |b| {
        b.iter(|| {
            let text = serde_json::to_vec(black_box(&record)).unwrap();
            serde_json::from_slice::<Value>(&text).unwrap()
        })
    });
    group.finish();
}

fn record_parts(c: &mut Criterion) {
    let dataset = customers_dataset();
    let validator = SchemaValidator::compile(dataset.schema.as_ref().unwrap()).unwrap();
    let key = DataKey::random().unwrap();
    let now = OffsetDateTime::now_utc();
    let record = coffer_testkit::customer(42);
    let (stored, entries) = Prepare::new(&dataset, &validator, &key).prepare(record.clone(), now);
    let plain = Value::Object(stored.plain.clone());
    let ssn = record["ssn"].clone();
    let sealed_ssn = stored.sealed["ssn"].as_str().unwrap().to_owned();
    let index_key = IndexKey::derive(&key, &dataset.id, "email");
    let item = stored.to_item();
    let mut sealer = Sealer::new(&key, &dataset.id, 1);

    let mut group = c.benchmark_group("datasets_record_parts");
    group.throughput(Throughput::Elements(1));
    group.bench_function("schema_validate", |b| {
        b.iter(|| validator.validate(0, black_box(&record)))
    });
    group.bench_function("pii_detect_7_plain_fields", |b| {
        b.iter(|| {
            Detector::shared()
                .detect_record(black_box(&plain), &DetectOptions::default())
                .unwrap()
        })
    });
    group.bench_function("seal_field_ssn", |b| {
        b.iter(|| {
            sealer
                .seal_field(&stored.id, "ssn", black_box(&ssn))
                .unwrap()
        })
    });
    group.bench_function("open_field_ssn", |b| {
        b.iter(|| {
            open_field(
                &key,
                &dataset.id,
                &stored.id,
                "ssn",
                1,
                black_box(&sealed_ssn),
            )
        })
    });
    group.bench_function("index_key_derive", |b| {
        b.iter(|| IndexKey::derive(&key, &dataset.id, black_box("email")))
    });
    group.bench_function("blind_index_email", |b| {
        b.iter(|| index_key.index(&canonical(black_box(&record["email"])), 9))
    });
    group.bench_function("record_id_generate", |b| {
        b.iter(|| RecordId::generate(black_box(now)))
    });
    group.bench_function("stored_record_to_item", |b| {
        b.iter(|| black_box(&stored).to_item())
    });
    group.bench_function("index_entries_to_item", |b| {
        b.iter(|| {
            black_box(&entries)
                .iter()
                .map(IndexEntry::to_item)
                .collect::<Vec<_>>()
        })
    });
    group.bench_function("stored_record_from_item", |b| {
        b.iter(|| StoredRecord::from_item(black_box(&item)))
    });
    group.finish();
}

/// The record's transaction and an audited read on the embedded table, against a bare get.
fn sqlite(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let clock = Arc::new(SystemClock);
    let table: Arc<dyn Table> =
        Arc::new(SqliteTable::open(dir.path().join("bench.sqlite3"), clock.clone()).unwrap());
    let audit = AuditSink::new(Arc::clone(&table), clock);
    let dataset = customers_dataset();
    let validator = SchemaValidator::compile(dataset.schema.as_ref().unwrap()).unwrap();
    let key = DataKey::random().unwrap();
    let origin = RequestOrigin {
        ip: Some([127, 0, 0, 1].into()),
        request_id: Some("req_bench".to_owned()),
        user_agent: Some("wrk".to_owned()),
    };
    let event = |action: &'static str, resource: &RecordId| {
        let mut event = audit
            .event(action, Outcome::Success, &origin)
            .unwrap()
            .actor("usr_bench")
            .resource(resource);
        event.org_id = Some(dataset.org_id.to_string());
        event
    };
    // 10,000 records first, as the load test's dataset holds.
    let mut prepare = Prepare::new(&dataset, &validator, &key);
    let commit = |stored: StoredRecord, entries: Vec<IndexEntry>| {
        let event = event("records.create", &stored.id);
        Change::new(event)
            .put_or(stored.to_item(), Condition::MustNotExist, "exists")
            .ops(entries.iter().map(|entry| TxOp::Put {
                item: entry.to_item(),
                condition: Condition::None,
            }))
    };
    let mut last = None;
    runtime.block_on(async {
        for n in 0..10_000 {
            let (stored, entries) =
                prepare.prepare(coffer_testkit::customer(n), OffsetDateTime::now_utc());
            last = Some(stored.id.clone());
            commit(stored, entries).commit(&*table).await.unwrap();
        }
    });
    let read_id = last.unwrap();
    let read_key = schema::record(&read_id);
    let mut n = 10_000;

    let mut group = c.benchmark_group("datasets_sqlite");
    group.throughput(Throughput::Elements(1));
    group.bench_function(
        "record_transaction (record + 2 index entries + audit event)",
        |b| {
            b.iter_batched(
                || {
                    n += 1;
                    prepare.prepare(coffer_testkit::customer(n), OffsetDateTime::now_utc())
                },
                |(stored, entries)| {
                    runtime
                        .block_on(commit(stored, entries).commit(&*table))
                        .unwrap()
                },
                criterion::BatchSize::SmallInput,
            )
        },
    );
    group.bench_function("audited_read (get + audit event put)", |b| {
        b.to_async(&runtime).iter(|| async {
            let item = table.get(black_box(&read_key)).await.unwrap().unwrap();
            let record = StoredRecord::from_item(&item).unwrap();
            let event = event("records.read", &record.id).fields(SEALED);
            audit.record(&event).await.unwrap();
        })
    });
    group.bench_function("audit_event_put", |b| {
        b.to_async(&runtime).iter(|| async {
            let event = event("records.read", &read_id).fields(SEALED);
            audit.record(&event).await.unwrap();
        })
    });
    group.bench_function("table_get (reference)", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(table.get(&read_key).await.unwrap()) })
    });
    group.finish();
}

criterion_group!(benches, record_write, record_read, record_parts, sqlite);
criterion_main!(benches);
