//! What each role sees of a record: every policy's default member view, the clear view of owners
//! and admins, views a dataset sets itself, and the same views on every route that returns
//! records (get, list, search). A member may not search a field their view does not show.

use axum::http::Method;
use coffer_testkit::{TestApp, User};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, error_fields, list_all, search};
use crate::{create_dataset, read, spawn, write};

/// A dataset with one field of each policy.
fn every_policy() -> Value {
    json!({
        "fields": {
            "ssn": "encrypt", "email": "tokenize", "card": "mask", "secret": "redact",
            "note": "plain",
        },
        "pii": "off",
    })
}

fn record() -> Value {
    json!({
        "ssn": "078-05-1120",
        "email": "jane@example.com",
        "card": "4111111111111111",
        "secret": "the combination is 1234",
        "note": "hello",
    })
}

/// `GET` the record as `by`: its `data` and `redacted_fields`.
async fn seen_by(app: &TestApp, dataset: &str, id: &str, by: &User) -> (Value, Value) {
    let got = read(app, dataset, id, by).await;
    assert_eq!(got.code(), 200, "{}", got.body);
    (
        got.body["data"].clone(),
        got.body["redacted_fields"].clone(),
    )
}

#[tokio::test]
async fn a_member_sees_each_policy_through_its_default_view() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "people", every_policy()).await;
    let id = write(&app, &dataset, &w.member, record()).await;

    let (data, redacted) = seen_by(&app, &dataset, &id, &w.member).await;

    assert_eq!(
        data,
        json!({
            "ssn": "078-05-1120",
            "email": "jane@example.com",
            "card": "************1111",
            "note": "hello",
        })
    );
    assert_eq!(redacted, json!(["secret"]));
}

#[tokio::test]
async fn owners_and_admins_see_every_field_in_clear() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "people", every_policy()).await;
    let id = write(&app, &dataset, &w.member, record()).await;

    for reader in [&w.owner, &w.admin] {
        let (data, redacted) = seen_by(&app, &dataset, &id, reader).await;
        assert_eq!(data, record());
        assert_eq!(redacted, json!([]));
    }
}

#[tokio::test]
async fn views_a_dataset_sets_replace_the_defaults_for_each_role() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(
        &app,
        &w.id,
        &w.admin,
        "custom",
        json!({
            "fields": {
                "ssn": {"policy": "encrypt", "member": "redacted"},
                "nickname": {"policy": "plain", "member": "masked"},
                "diary": {"policy": "plain", "member": "redacted"},
                "card": {"policy": "mask", "admin": "masked", "member": "clear"},
                "secret": {"policy": "redact", "member": "masked"},
            },
            "pii": "off",
        }),
    )
    .await;
    let id = write(
        &app,
        &dataset,
        &w.member,
        json!({
            "ssn": "078-05-1120", "nickname": "Jojo the great", "diary": "dear diary",
            "card": "4111111111111111", "secret": "abcdefgh",
        }),
    )
    .await;

    let (as_member, member_redacted) = seen_by(&app, &dataset, &id, &w.member).await;
    let (as_admin, admin_redacted) = seen_by(&app, &dataset, &id, &w.admin).await;

    assert_eq!(
        as_member,
        json!({
            "nickname": "***********eat",
            "card": "4111111111111111",
            "secret": "******gh",
        })
    );
    assert_eq!(member_redacted, json!(["diary", "ssn"]));
    assert_eq!(
        as_admin,
        json!({
            "ssn": "078-05-1120", "nickname": "Jojo the great", "diary": "dear diary",
            "card": "************1111", "secret": "abcdefgh",
        })
    );
    assert_eq!(admin_redacted, json!([]));
}

#[tokio::test]
async fn a_view_changed_on_the_dataset_applies_to_records_written_before() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "people", every_policy()).await;
    let id = write(&app, &dataset, &w.member, record()).await;

    let changed = app
        .call(
            Method::PUT,
            &format!("/v1/datasets/{dataset}"),
            Some(json!({"fields": {
                "ssn": {"policy": "encrypt", "member": "masked"}, "email": "tokenize",
                "card": {"policy": "mask", "member": "clear"}, "secret": "redact", "note": "plain",
            }})),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(changed.code(), 200, "{}", changed.body);

    let (data, _) = seen_by(&app, &dataset, &id, &w.member).await;
    assert_eq!(data["card"], "4111111111111111");
    // 11 characters: a quarter (2) stays visible.
    assert_eq!(data["ssn"], "*********20");
}

#[tokio::test]
async fn listing_and_searching_records_apply_the_same_views() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "people", every_policy()).await;
    for n in 0..3 {
        let mut data = record();
        data["email"] = json!(format!("person{n}@example.com"));
        write(&app, &dataset, &w.member, data).await;
    }

    let listed = list_all(&app, &dataset, &w.member.token, 2).await;
    let found = search(
        &app,
        &dataset,
        &w.member.token,
        "email",
        "person1@example.com",
        "",
    )
    .await;

    assert_eq!(listed.len(), 3);
    let found = found.body["items"].as_array().unwrap().clone();
    assert_eq!(found.len(), 1);
    for item in listed.iter().chain(&found) {
        assert_eq!(item["data"]["card"], "************1111", "{item}");
        assert!(item["data"].get("secret").is_none(), "{item}");
        assert_eq!(item["redacted_fields"], json!(["secret"]));
    }
    for item in list_all(&app, &dataset, &w.admin.token, 50).await {
        assert_eq!(item["data"]["card"], "4111111111111111");
        assert_eq!(item["data"]["secret"], "the combination is 1234");
    }
}

#[tokio::test]
async fn a_member_cannot_search_a_field_their_view_does_not_show_in_clear() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(
        &app,
        &w.id,
        &w.admin,
        "hidden",
        json!({
            "fields": {
                "email": {"policy": "tokenize", "member": "masked"},
                "phone": {"policy": "tokenize", "member": "redacted"},
                "country": {"policy": "plain", "searchable": true, "member": "redacted"},
                "city": {"policy": "plain", "searchable": true, "member": "masked"},
            },
            "pii": "off",
        }),
    )
    .await;
    write(
        &app,
        &dataset,
        &w.admin,
        json!({"email": "a@example.com", "phone": "555-0100", "country": "FR", "city": "Lyon"}),
    )
    .await;

    for (field, value) in [
        ("email", "a@example.com"),
        ("phone", "555-0100"),
        ("country", "FR"),
        ("city", "Lyon"),
    ] {
        let refused = search(&app, &dataset, &w.member.token, field, value, "").await;
        assert_problem(&refused, 422);
        assert_eq!(error_fields(&refused), ["field"]);
        let found = search(&app, &dataset, &w.admin.token, field, value, "").await;
        assert_eq!(found.code(), 200, "{field}: {}", found.body);
        assert_eq!(found.body["items"].as_array().unwrap().len(), 1, "{field}");
    }
}

#[tokio::test]
async fn a_reader_is_told_nothing_about_a_field_their_view_redacts() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(
        &app,
        &w.id,
        &w.admin,
        "diaries",
        json!({
            "fields": {"diary": {"policy": "plain", "member": "redacted"}, "title": "plain"},
            "pii": "flag",
        }),
    )
    .await;
    let id = write(
        &app,
        &dataset,
        &w.admin,
        json!({"diary": "dear diary, mail jane.doe@example.com", "title": "monday"}),
    )
    .await;

    let as_member = read(&app, &dataset, &id, &w.member).await;
    let as_admin = read(&app, &dataset, &id, &w.admin).await;

    assert_eq!(as_member.body["redacted_fields"], json!(["diary"]));
    assert_eq!(
        as_admin.body["pii"][0]["field"], "diary",
        "{}",
        as_admin.body
    );
    let member_text = as_member.body.to_string();
    assert!(
        as_member.body["pii"]
            .as_array()
            .unwrap()
            .iter()
            .all(|flag| flag["field"] != "diary"),
        "the member learns what the redacted field holds: {member_text}"
    );
}
