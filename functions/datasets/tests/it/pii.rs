//! The PII engine on the way in: a dataset's `plain` string fields are screened and, as its
//! `pii` rule says, what is found is flagged (the reply names field and type, never the value),
//! masked before it is stored, refused (422 naming `data.<field>` and the type), or not looked
//! for at all. Sealed fields are not screened.

use coffer_testkit::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, batch, error_fields, list_all, write_body};
use crate::{create_dataset, read, spawn};

const EMAIL: &str = "jane.doe@example.com";
const NOTE: &str = "please write to jane.doe@example.com soon";

/// A dataset with a sealed `contact` and a plain `note`, under the PII rule `rule`.
async fn dataset(app: &TestApp, org: &str, by: &coffer_testkit::User, rule: &str) -> String {
    create_dataset(
        app,
        org,
        by,
        &format!("pii {rule}"),
        json!({"fields": {"contact": "encrypt", "note": "plain"}, "pii": rule}),
    )
    .await
}

#[tokio::test]
async fn flag_stores_the_value_and_reports_the_field_and_type_without_the_value() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = dataset(&app, &w.id, &w.admin, "flag").await;

    let written = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": {"note": NOTE}}),
        None,
    )
    .await;

    assert_eq!(written.code(), 201, "{}", written.body);
    let start = NOTE.find(EMAIL).unwrap();
    assert_eq!(
        written.body["pii"],
        json!([{"field": "note", "type": "EMAIL", "start": start, "end": start + EMAIL.len()}])
    );
    assert!(!written.body.to_string().contains(EMAIL));
    let stored = read(&app, &dataset, &written.text("/id"), &w.member).await;
    assert_eq!(stored.body["data"]["note"], NOTE);
    assert_eq!(stored.body["pii"], written.body["pii"]);
}

#[tokio::test]
async fn mask_stores_what_it_found_masked() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = dataset(&app, &w.id, &w.admin, "mask").await;

    let written = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": {"note": NOTE}}),
        None,
    )
    .await;

    assert_eq!(written.code(), 201, "{}", written.body);
    assert_eq!(written.body["pii"][0]["type"], "EMAIL");
    let stored = read(&app, &dataset, &written.text("/id"), &w.admin).await;
    let note = stored.body["data"]["note"].as_str().unwrap().to_owned();
    assert_eq!(
        note,
        format!("please write to {} soon", "*".repeat(EMAIL.len()))
    );
    let items = crate::helpers::record_items(&app, &written.text("/id")).await;
    let dump = format!("{items:?}");
    assert!(!dump.contains(EMAIL), "the clear value is not stored");
}

#[tokio::test]
async fn refuse_answers_422_naming_the_field_and_the_type_and_stores_nothing() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = dataset(&app, &w.id, &w.admin, "refuse").await;

    let refused = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": {"note": NOTE}}),
        None,
    )
    .await;
    let in_a_batch = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&[json!({"note": "nothing personal"}), json!({"note": NOTE})]),
        None,
    )
    .await;

    assert_problem(&refused, 422);
    assert_eq!(error_fields(&refused), ["data.note"]);
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("EMAIL")
    );
    assert!(!refused.body.to_string().contains(EMAIL));
    assert_eq!(in_a_batch.code(), 207, "{}", in_a_batch.body);
    assert_eq!(in_a_batch.body["items"][0]["status"], 201);
    assert_eq!(in_a_batch.body["items"][1]["status"], 422);
    assert_eq!(
        in_a_batch.body["items"][1]["errors"][0]["field"],
        "data.note"
    );
    let stored = list_all(&app, &dataset, &w.admin.token, 50).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["data"]["note"], "nothing personal");
}

#[tokio::test]
async fn off_reports_nothing_and_stores_the_value_as_given() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = dataset(&app, &w.id, &w.admin, "off").await;

    let written = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": {"note": NOTE}}),
        None,
    )
    .await;

    assert_eq!(written.code(), 201, "{}", written.body);
    assert_eq!(written.body["pii"], json!([]));
    let stored = read(&app, &dataset, &written.text("/id"), &w.member).await;
    assert_eq!(stored.body["data"]["note"], NOTE);
    assert_eq!(stored.body["pii"], json!([]));
}

#[tokio::test]
async fn sealed_fields_are_not_screened() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let refusing = dataset(&app, &w.id, &w.admin, "refuse").await;
    let masking = dataset(&app, &w.id, &w.admin, "mask").await;
    let record: Value = json!({"contact": EMAIL, "note": "nothing personal"});

    for dataset in [&refusing, &masking] {
        let written = write_body(
            &app,
            dataset,
            &w.member.token,
            json!({"data": record.clone()}),
            None,
        )
        .await;
        assert_eq!(written.code(), 201, "{}", written.body);
        assert_eq!(written.body["pii"], json!([]));
        let stored = read(&app, dataset, &written.text("/id"), &w.admin).await;
        assert_eq!(stored.body["data"], record);
    }
}
