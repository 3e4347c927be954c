//! The data vault's audit trail: every read that decrypts writes one `records.read` event naming
//! the fields it opened (never a value), a read that opened nothing writes none, writes, deletes,
//! searches, payload reads and dataset changes each write their event, and no audit item or log
//! line ever holds a sensitive value.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::Method;
use coffer_core::store::Item;
use coffer_testkit::TestApp;
use lambda_http::tracing;
use serde_json::{Value, json};

use crate::helpers::{
    attr, audit_items, batch, batch_ids, fields_of, finish_jobs, get_payload, list_all,
    put_payload, rotate, search, with_action, write_body,
};
use crate::{create_dataset, read, spawn, write};

/// A dataset with one field of each policy.
fn every_policy(pii: &str) -> Value {
    json!({
        "fields": {
            "ssn": "encrypt", "email": "tokenize", "card": "mask", "secret": "redact",
            "note": "plain",
        },
        "pii": pii,
    })
}

fn person(n: usize) -> Value {
    json!({
        "ssn": format!("078-05-{n:04}"),
        "email": format!("person{n}@example.com"),
        "card": "4111111111111111",
        "secret": "s3cret",
        "note": "hello",
    })
}

/// The org's audit items of `action`.
async fn events(app: &TestApp, org: &str, action: &str) -> Vec<Item> {
    let items = audit_items(app, org).await;
    with_action(&items, action).into_iter().cloned().collect()
}

#[tokio::test]
async fn a_read_that_decrypts_writes_one_records_read_event_naming_the_fields_it_opened() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "people", every_policy("off")).await;
    let id = write(&app, &dataset, &w.member, person(1)).await;
    assert!(events(&app, &w.id, "records.read").await.is_empty());

    assert_eq!(read(&app, &dataset, &id, &w.member).await.code(), 200);
    let after_member = events(&app, &w.id, "records.read").await;
    assert_eq!(read(&app, &dataset, &id, &w.admin).await.code(), 200);
    let after_admin = events(&app, &w.id, "records.read").await;

    assert_eq!(after_member.len(), 1);
    let event = &after_member[0];
    assert_eq!(attr(event, "actor"), Some(w.member.id.as_str()));
    assert_eq!(attr(event, "resource"), Some(id.as_str()));
    assert_eq!(attr(event, "org_id"), Some(w.id.as_str()));
    assert_eq!(attr(event, "outcome"), Some("success"));
    assert!(attr(event, "request_id").is_some());
    // The member's view redacts `secret`: it was never opened. `card` was, to be masked.
    assert_eq!(fields_of(event), ["card", "email", "ssn"]);
    assert_eq!(after_admin.len(), 2);
    let by_admin = after_admin
        .iter()
        .find(|e| attr(e, "actor") == Some(w.admin.id.as_str()))
        .unwrap();
    assert_eq!(fields_of(by_admin), ["card", "email", "secret", "ssn"]);
}

#[tokio::test]
async fn a_read_whose_sealed_fields_are_all_redacted_for_the_reader_writes_no_event() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(
        &app,
        &w.id,
        &w.admin,
        "hidden",
        json!({"fields": {"secret": "redact", "note": "plain"}, "pii": "off"}),
    )
    .await;
    let plain_only = create_dataset(
        &app,
        &w.id,
        &w.admin,
        "plain",
        json!({"fields": {"note": "plain"}, "pii": "off"}),
    )
    .await;
    let id = write(
        &app,
        &dataset,
        &w.member,
        json!({"secret": "s", "note": "n"}),
    )
    .await;
    let plain = write(&app, &plain_only, &w.member, json!({"note": "n"})).await;

    let as_member = read(&app, &dataset, &id, &w.member).await;
    assert_eq!(as_member.code(), 200);
    assert_eq!(as_member.body["redacted_fields"], json!(["secret"]));
    assert_eq!(list_all(&app, &dataset, &w.member.token, 50).await.len(), 1);
    assert_eq!(read(&app, &plain_only, &plain, &w.admin).await.code(), 200);
    assert!(events(&app, &w.id, "records.read").await.is_empty());

    assert_eq!(read(&app, &dataset, &id, &w.admin).await.code(), 200);
    let opened = events(&app, &w.id, "records.read").await;
    assert_eq!(opened.len(), 1);
    assert_eq!(fields_of(&opened[0]), ["secret"]);
}

#[tokio::test]
async fn each_page_of_records_writes_one_event_on_the_dataset() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "people", every_policy("off")).await;
    for n in 0..3 {
        write(&app, &dataset, &w.member, person(n)).await;
    }

    let listed = list_all(&app, &dataset, &w.member.token, 2).await;

    assert_eq!(listed.len(), 3);
    let reads = events(&app, &w.id, "records.read").await;
    assert_eq!(reads.len(), 2, "two pages");
    for event in &reads {
        assert_eq!(attr(event, "resource"), Some(dataset.as_str()));
        assert_eq!(fields_of(event), ["card", "email", "ssn"]);
    }
}

#[tokio::test]
async fn writes_deletes_searches_and_payload_reads_each_write_their_event() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "people", every_policy("off")).await;
    let one = write(&app, &dataset, &w.member, person(1)).await;
    let written = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&[person(2), person(3), person(4)]),
        None,
    )
    .await;
    assert_eq!(written.code(), 201, "{}", written.body);
    let found = search(
        &app,
        &dataset,
        &w.member.token,
        "email",
        "person3@example.com",
        "",
    )
    .await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
    let put = put_payload(&app, &dataset, &one, &w.member.token, b"bytes".to_vec()).await;
    assert_eq!(put.code(), 200);
    assert_eq!(
        get_payload(&app, &dataset, &one, &w.member.token).await.0,
        200
    );
    let deleted = app
        .delete(
            &format!("/v1/datasets/{dataset}/records/{one}"),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(deleted.code(), 204);

    let items = audit_items(&app, &w.id).await;
    let resources = |action| -> Vec<String> {
        with_action(&items, action)
            .iter()
            .map(|e| attr(e, "resource").unwrap().to_owned())
            .collect()
    };
    let mut created = resources("records.create");
    created.sort();
    let mut want: Vec<String> = batch_ids(&written).into_iter().flatten().collect();
    want.push(one.clone());
    want.sort();
    assert_eq!(created, want);
    assert_eq!(resources("records.search"), [dataset.as_str()]);
    assert!(fields_of(with_action(&items, "records.search")[0]).contains(&"email".to_owned()));
    assert_eq!(resources("records.payload.write"), [one.as_str()]);
    assert_eq!(resources("records.payload.read"), [one.as_str()]);
    assert_eq!(
        fields_of(with_action(&items, "records.payload.read")[0]),
        ["payload"]
    );
    assert_eq!(resources("records.delete"), [one]);
    for item in &items {
        if attr(item, "action").unwrap().starts_with("records.") {
            assert_eq!(attr(item, "actor"), Some(w.member.id.as_str()));
        }
    }
}

#[tokio::test]
async fn each_change_to_a_dataset_writes_its_event() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "people", every_policy("off")).await;
    app.clock.advance(time::Duration::seconds(1));
    let updated = app
        .call(
            Method::PUT,
            &format!("/v1/datasets/{dataset}"),
            Some(json!({"description": "our people"})),
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(updated.code(), 200);
    write(&app, &dataset, &w.member, person(1)).await;
    write(&app, &dataset, &w.member, person(2)).await;
    app.clock.advance(time::Duration::seconds(1));
    let job = rotate(&app, &dataset, &w.admin).await;
    app.clock.advance(time::Duration::seconds(1));
    finish_jobs(&app).await;
    app.clock.advance(time::Duration::seconds(1));
    let deleted = app
        .delete(&format!("/v1/datasets/{dataset}"), Some(&w.owner.token))
        .await;
    assert_eq!(deleted.code(), 204);

    let items = audit_items(&app, &w.id).await;
    let changes: Vec<(&str, &str, &str)> = items
        .iter()
        .filter(|e| attr(e, "action").unwrap().starts_with("datasets."))
        .map(|e| {
            (
                attr(e, "action").unwrap(),
                attr(e, "actor").unwrap(),
                attr(e, "resource").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("datasets.create", w.admin.id.as_str(), dataset.as_str()),
            ("datasets.update", w.owner.id.as_str(), dataset.as_str()),
            ("datasets.rotate", w.admin.id.as_str(), dataset.as_str()),
            ("datasets.job.finish", job.as_str(), job.as_str()),
            ("datasets.delete", w.owner.id.as_str(), dataset.as_str()),
        ]
    );
    let reseals = with_action(&items, "records.reseal");
    assert_eq!(reseals.len(), 2, "one re-seal per record");
    assert!(
        reseals
            .iter()
            .all(|e| attr(e, "actor") == Some(job.as_str()))
    );
}

/// Log lines written on this test's thread (the request path runs there), as JSON.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_audit_item_and_no_log_line_holds_a_sensitive_value() {
    use tracing::subscriber::util::SubscriberInitExt as _;
    // While a process has a single dispatcher, tracing caches a callsite's interest from the
    // default of whichever thread hits it first (another test's, which logs nowhere); a second
    // one, idle, makes it ask every dispatcher, so this thread's capture sees every callsite.
    let _second = tracing::Dispatch::new(tracing::subscriber::registry());
    let logs = Captured::default();
    let writer = logs.clone();
    let _capturing = tracing::subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_span_events(tracing::subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish()
        .set_default();
    tracing::info!(marker = "audit-canary-capture", "capturing");

    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "people", every_policy("flag")).await;
    let canary = json!({
        "ssn": "CANARY-SSN-31337",
        "email": "canary.email.7c2@example.com",
        "card": "CANARY-CARD-4242-4242",
        "secret": "CANARY-SECRET-9e1f",
        "note": "CANARY-NOTE-55 mail canary.note.5f1@example.com",
    });
    let payload = b"CANARY-PAYLOAD-deadbeef".to_vec();
    let canaries = [
        "CANARY-SSN-31337",
        "canary.email.7c2@example.com",
        "CANARY-CARD-4242-4242",
        "CANARY-SECRET-9e1f",
        "CANARY-NOTE-55",
        "canary.note.5f1@example.com",
        "CANARY-PAYLOAD-deadbeef",
        "CANARY-REFUSED-8a",
    ];

    let id = write(&app, &dataset, &w.member, canary.clone()).await;
    let keyed = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&[canary.clone(), person(2)]),
        Some("canary-batch"),
    )
    .await;
    assert_eq!(keyed.code(), 201, "{}", keyed.body);
    let refused = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": {"ssn": 5, "email": "CANARY-REFUSED-8a", "unknown": "CANARY-REFUSED-8a"}}),
        None,
    )
    .await;
    assert_eq!(refused.code(), 422);
    assert!(!refused.body.to_string().contains("CANARY"));
    for reader in [&w.member, &w.admin] {
        assert_eq!(read(&app, &dataset, &id, reader).await.code(), 200);
    }
    assert_eq!(list_all(&app, &dataset, &w.admin.token, 1).await.len(), 3);
    let found = search(
        &app,
        &dataset,
        &w.member.token,
        "email",
        "canary.email.7c2@example.com",
        "",
    )
    .await;
    assert_eq!(
        found.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        found.body
    );
    let put = put_payload(&app, &dataset, &id, &w.member.token, payload.clone()).await;
    assert_eq!(put.code(), 200);
    let (_, bytes) = get_payload(&app, &dataset, &id, &w.admin.token).await;
    assert_eq!(bytes.as_ref(), payload.as_slice());
    rotate(&app, &dataset, &w.owner).await;
    finish_jobs(&app).await;
    assert_eq!(
        read(&app, &dataset, &id, &w.admin).await.body["data"],
        canary
    );
    let deleted = app
        .delete(
            &format!("/v1/datasets/{dataset}/records/{id}"),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(deleted.code(), 204);

    let mut items = audit_items(&app, &w.id).await;
    items.extend(audit_items(&app, coffer_core::audit::PLATFORM_SCOPE).await);
    assert!(
        with_action(&items, "records.read").len() >= 3,
        "the reads were audited"
    );
    for item in &items {
        let text = format!("{item:?} {}", Value::Object(item.attrs.clone()));
        for canary in canaries {
            assert!(
                !text.contains(canary),
                "an audit item holds {canary}: {text}"
            );
        }
    }
    let logged = logs.text();
    assert!(logged.contains("audit-canary-capture"), "the capture works");
    assert!(
        logged.contains("write_records"),
        "the request path was captured"
    );
    for canary in canaries {
        let line = logged.lines().find(|line| line.contains(canary));
        assert!(line.is_none(), "a log line holds {canary}: {line:?}");
    }
}
