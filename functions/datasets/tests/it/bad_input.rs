//! Bad input to the data vault's routes: each is refused with the status the API promises and a
//! problem document naming what was wrong (paths under `data.` for a record), never a 500, and
//! never an echo of a value.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request};
use coffer_testkit::Reply;
use serde_json::{Value, json};

use crate::helpers::{
    assert_problem, batch, dataset_view, error_fields, list_all, put_payload, search, write_body,
};
use crate::{create_dataset, customer, customers, spawn, write};

/// A 422 whose errors name exactly `fields` (in any order).
fn assert_invalid(reply: &Reply, fields: &[&str]) {
    assert_problem(reply, 422);
    let mut got = error_fields(reply);
    got.sort();
    let mut want: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    want.sort();
    assert_eq!(got, want, "{}", reply.body);
}

#[tokio::test]
async fn a_record_that_breaks_the_schema_is_refused_with_every_error_under_data() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;

    let refused = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": {
            "name": 5,
            "age": "CANARY-AGE-93",
            "zip": ["CANARY-ZIP-41"],
            "nickname": "CANARY-NICK-77",
        }}),
        None,
    )
    .await;

    // `email` is required: the record itself (`data`) is missing it.
    assert_invalid(
        &refused,
        &["data", "data.age", "data.name", "data.nickname", "data.zip"],
    );
    let missing = &refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "data")
        .unwrap()["message"];
    assert!(missing.as_str().unwrap().contains("email"), "{missing}");
    let text = refused.body.to_string();
    assert!(!text.contains("CANARY"), "an error echoes a value: {text}");
    assert!(
        list_all(&app, &dataset, &w.admin.token, 50)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_value_below_the_schemas_minimum_is_refused_by_its_path() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let mut record = customer(1);
    record["age"] = json!(-1);

    let refused = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": record}),
        None,
    )
    .await;

    assert_invalid(&refused, &["data.age"]);
}

#[tokio::test]
async fn a_field_the_dataset_does_not_have_is_refused_by_name() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let mut record = customer(1);
    record["favourite_colour"] = json!("blue");

    let refused = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": record}),
        None,
    )
    .await;

    assert_invalid(&refused, &["data.favourite_colour"]);
}

#[tokio::test]
async fn a_record_that_is_not_a_json_object_is_refused() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;

    for data in [json!([1, 2]), json!("text"), json!(5), json!(true)] {
        let refused =
            write_body(&app, &dataset, &w.member.token, json!({"data": data}), None).await;
        assert_invalid(&refused, &["data"]);
    }
    let in_a_batch = write_body(
        &app,
        &dataset,
        &w.member.token,
        batch(&[json!("text")]),
        None,
    )
    .await;
    assert_eq!(in_a_batch.code(), 207, "{}", in_a_batch.body);
    assert_eq!(in_a_batch.body["items"][0]["status"], 422);
    assert_eq!(in_a_batch.body["items"][0]["errors"][0]["field"], "data");
}

#[tokio::test]
async fn a_write_names_exactly_one_of_data_and_records() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;

    let both = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": customer(1), "records": [{"data": customer(2)}]}),
        None,
    )
    .await;
    let neither = write_body(&app, &dataset, &w.member.token, json!({}), None).await;
    let null_data = write_body(&app, &dataset, &w.member.token, json!({"data": null}), None).await;

    assert_problem(&both, 422);
    assert_problem(&neither, 422);
    assert_problem(&null_data, 422);
    assert!(
        list_all(&app, &dataset, &w.admin.token, 50)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_batch_holds_one_to_a_thousand_records() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "loose", json!({"pii": "off"})).await;
    let small = vec![json!({"n": 1}); 1001];

    let too_many = write_body(&app, &dataset, &w.member.token, batch(&small), None).await;
    let none = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"records": []}),
        None,
    )
    .await;

    assert_invalid(&too_many, &["records"]);
    assert_invalid(&none, &["records"]);
    assert!(
        list_all(&app, &dataset, &w.admin.token, 50)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_record_over_64_kib_of_json_is_refused_and_one_under_is_written() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let mut over = customer(1);
    over["notes"] = json!("n".repeat(64 * 1024));
    let mut under = customer(2);
    under["notes"] = json!("n".repeat(60 * 1024));

    let refused = write_body(&app, &dataset, &w.member.token, json!({"data": over}), None).await;
    let written = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": under}),
        None,
    )
    .await;

    assert_invalid(&refused, &["data"]);
    assert_eq!(written.code(), 201, "{}", written.body);
}

#[tokio::test]
async fn a_payload_of_exactly_4_mib_is_stored_and_one_byte_more_is_413() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let record = write(&app, &dataset, &w.member, customer(1)).await;
    const LIMIT: usize = 4 * 1024 * 1024;

    let fits = put_payload(&app, &dataset, &record, &w.member.token, vec![1u8; LIMIT]).await;
    let over = put_payload(
        &app,
        &dataset,
        &record,
        &w.member.token,
        vec![2u8; LIMIT + 1],
    )
    .await;

    assert_eq!(fits.code(), 200, "{}", fits.body);
    assert_eq!(fits.body["size"], LIMIT);
    assert_problem(&over, 413);
    let (status, bytes) =
        crate::helpers::get_payload(&app, &dataset, &record, &w.member.token).await;
    assert_eq!(status, 200);
    assert_eq!(bytes.len(), LIMIT, "the refused payload replaced nothing");
    assert!(bytes.iter().all(|b| *b == 1));
}

#[tokio::test]
async fn unknown_members_are_refused_in_every_body() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let record = write(&app, &dataset, &w.member, customer(1)).await;
    let admin = Some(w.admin.token.as_str());
    let mut replies = Vec::new();

    replies.push(
        app.post(
            "/v1/datasets",
            json!({"org_id": w.id, "name": "other", "retention": 3}),
            admin,
        )
        .await,
    );
    replies.push(
        app.post(
            "/v1/datasets",
            json!({"org_id": w.id, "name": "other", "fields": {"ssn": {"policy": "encrypt", "rotate": true}}}),
            admin,
        )
        .await,
    );
    replies.push(
        app.call(
            Method::PUT,
            &format!("/v1/datasets/{dataset}"),
            Some(json!({"description": "x", "owner": "me"})),
            admin,
        )
        .await,
    );
    replies.push(
        write_body(
            &app,
            &dataset,
            &w.member.token,
            json!({"data": customer(2), "ttl": 5}),
            None,
        )
        .await,
    );
    replies.push(
        write_body(
            &app,
            &dataset,
            &w.member.token,
            json!({"records": [{"data": customer(2), "id": "rec_x"}]}),
            None,
        )
        .await,
    );
    replies.push(
        app.post(
            &format!("/v1/datasets/{dataset}/records/{record}/payload/upload-url"),
            json!({"content_type": "text/plain", "size": 5}),
            Some(&w.member.token),
        )
        .await,
    );

    for reply in &replies {
        assert!(
            [400, 422].contains(&reply.code()),
            "{}: {}",
            reply.code(),
            reply.body
        );
    }
    let listed = app
        .get(&format!("/v1/datasets?org_id={}", w.id), admin)
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list_all(&app, &dataset, &w.admin.token, 50).await.len(), 1);
    assert_eq!(
        dataset_view(&app, &dataset, &w.admin).await["description"],
        ""
    );
}

#[tokio::test]
async fn a_cursor_of_another_list_or_one_we_never_made_is_refused() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let a = create_dataset(&app, &w.id, &w.admin, "a", customers()).await;
    let b = create_dataset(&app, &w.id, &w.admin, "b", customers()).await;
    for n in 0..3 {
        write(&app, &a, &w.member, customer(n)).await;
        write(&app, &b, &w.member, customer(n)).await;
    }
    let token = Some(w.member.token.as_str());
    let page = app
        .get(&format!("/v1/datasets/{a}/records?limit=1"), token)
        .await;
    let records_cursor = page.text("/next_cursor");
    let found = search(&app, &a, &w.member.token, "country", "FR", "&limit=1").await;
    let search_cursor = found.text("/next_cursor");
    let enc = crate::helpers::query_value;

    let cases = [
        format!("/v1/datasets/{b}/records?cursor={}", enc(&records_cursor)),
        format!("/v1/datasets/{a}/records?cursor=garbage"),
        format!("/v1/datasets/{a}/records?cursor=%00%ff"),
        format!("/v1/datasets/{a}/records?cursor={}", enc(&search_cursor)),
        format!(
            "/v1/datasets/{b}/search?field=country&value=FR&cursor={}",
            enc(&search_cursor)
        ),
        format!(
            "/v1/datasets/{a}/search?field=country&value=DE&cursor={}",
            enc(&search_cursor)
        ),
        format!(
            "/v1/datasets/{a}/search?field=country&value=FR&cursor={}",
            enc(&records_cursor)
        ),
        format!("/v1/datasets/{a}/search?field=country&value=FR&cursor=garbage"),
    ];
    for path in cases {
        let refused = app.get(&path, token).await;
        assert_problem(&refused, 422);
        assert_eq!(error_fields(&refused), ["cursor"], "{path}");
    }
}

#[tokio::test]
async fn only_tokenize_fields_and_plain_fields_declared_searchable_can_be_searched() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(
        &app,
        &w.id,
        &w.admin,
        "every policy",
        json!({"fields": {
            "ssn": "encrypt", "email": "tokenize", "card": "mask", "secret": "redact",
            "note": "plain", "country": {"policy": "plain", "searchable": true},
        }, "pii": "off"}),
    )
    .await;
    write(
        &app,
        &dataset,
        &w.member,
        json!({"ssn": "1", "email": "a@example.com", "card": "4111", "secret": "s", "note": "n", "country": "FR"}),
    )
    .await;

    // As an admin, whose view of every field is clear: only searchability decides.
    for field in ["ssn", "card", "secret", "note", "nickname"] {
        let refused = search(&app, &dataset, &w.admin.token, field, "x", "").await;
        assert_problem(&refused, 422);
        assert_eq!(error_fields(&refused), ["field"], "{field}");
    }
    for (field, value) in [("email", "a@example.com"), ("country", "FR")] {
        let found = search(&app, &dataset, &w.admin.token, field, value, "").await;
        assert_eq!(found.code(), 200, "{field}: {}", found.body);
        assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
    }
    let no_value = app
        .get(
            &format!("/v1/datasets/{dataset}/search?field=email"),
            Some(&w.admin.token),
        )
        .await;
    assert_problem(&no_value, 422);
    let too_long = search(
        &app,
        &dataset,
        &w.admin.token,
        "email",
        &"v".repeat(5000),
        "",
    )
    .await;
    assert_problem(&too_long, 422);
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_refused_and_writes_nothing() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let keys = [
        HeaderValue::from_static(""),
        HeaderValue::from_static("has space"),
        HeaderValue::from_str(&"k".repeat(256)).unwrap(),
        HeaderValue::from_bytes(b"caf\xe9").unwrap(),
    ];

    for key in keys {
        let mut request = coffer_testkit::json_request(
            Method::POST,
            &format!("/v1/datasets/{dataset}/records"),
            Some(json!({"data": customer(1)})),
            Some(&w.member.token),
        );
        request.headers_mut().insert("idempotency-key", key.clone());
        let refused = app.send(request).await;
        assert_problem(&refused, 422);
        assert_eq!(error_fields(&refused), ["idempotency-key"], "{key:?}");
    }
    assert!(
        list_all(&app, &dataset, &w.admin.token, 50)
            .await
            .is_empty()
    );
    let longest = write_body(
        &app,
        &dataset,
        &w.member.token,
        json!({"data": customer(1)}),
        Some(&"k".repeat(255)),
    )
    .await;
    assert_eq!(longest.code(), 201, "{}", longest.body);
}

#[tokio::test]
async fn a_dataset_with_a_bad_field_name_policy_schema_or_size_is_refused() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"fields": {"1a": "plain"}}), "fields.1a"),
        (json!({"fields": {"a.b": "encrypt"}}), "fields.a.b"),
        (json!({"fields": {"a b": "encrypt"}}), "fields.a b"),
        (json!({"fields": {"é": "encrypt"}}), "fields.é"),
        (json!({"fields": {"a".repeat(65): "encrypt"}}), ""),
        (json!({"fields": {"ssn": "hash"}}), ""),
        (
            json!({"fields": {"ssn": {"policy": "encrypt", "searchable": true}}}),
            "fields.ssn",
        ),
        (
            json!({"fields": {"card": {"policy": "mask", "searchable": true}}}),
            "fields.card",
        ),
        (
            json!({"fields": {"email": {"policy": "tokenize", "searchable": false}}}),
            "fields.email",
        ),
        (
            json!({"fields": {"ssn": {"policy": "encrypt", "member": "hidden"}}}),
            "",
        ),
        (json!({"schema": {"type": 12}}), "schema"),
        (
            json!({"schema": {"$ref": "https://example.com/customer.json"}}),
            "schema",
        ),
        (json!({"schema": {"minimum": "zero"}}), "schema"),
        (json!({"expected_records": 0}), "expected_records"),
        (json!({"expected_records": -1}), ""),
        (json!({"pii": "sometimes"}), ""),
        (json!({"description": "d".repeat(1001)}), "description"),
    ];

    for (spec, field) in cases {
        let mut body = spec.clone();
        body["org_id"] = json!(w.id);
        body["name"] = json!("refused");
        let refused = app.post("/v1/datasets", body, Some(&w.admin.token)).await;
        assert_problem(&refused, 422);
        if !field.is_empty() {
            assert!(
                error_fields(&refused).iter().any(|f| f == field),
                "{spec}: {}",
                refused.body
            );
        }
    }
    let bad_name = app
        .post(
            "/v1/datasets",
            json!({"org_id": w.id, "name": ""}),
            Some(&w.admin.token),
        )
        .await;
    assert_problem(&bad_name, 422);
    let listed = app
        .get(
            &format!("/v1/datasets?org_id={}", w.id),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(listed.body["items"], json!([]), "nothing was created");
}

#[tokio::test]
async fn a_dataset_name_is_unique_in_its_org_whatever_its_case() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let other_org = app.create_org(&w.owner, "free").await;
    create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;

    let again = app
        .post(
            "/v1/datasets",
            json!({"org_id": w.id, "name": "customers"}),
            Some(&w.admin.token),
        )
        .await;
    let other_case = app
        .post(
            "/v1/datasets",
            json!({"org_id": w.id, "name": "Customers"}),
            Some(&w.owner.token),
        )
        .await;
    let elsewhere = app
        .post(
            "/v1/datasets",
            json!({"org_id": other_org, "name": "customers"}),
            Some(&w.owner.token),
        )
        .await;

    assert_problem(&again, 409);
    assert_problem(&other_case, 409);
    assert_eq!(elsewhere.code(), 201, "{}", elsewhere.body);
}

#[tokio::test]
async fn a_renamed_dataset_cannot_take_a_name_in_use() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let other = create_dataset(&app, &w.id, &w.admin, "leads", customers()).await;

    let renamed = app
        .call(
            Method::PUT,
            &format!("/v1/datasets/{other}"),
            Some(json!({"name": "CUSTOMERS"})),
            Some(&w.admin.token),
        )
        .await;

    assert_problem(&renamed, 409);
    assert_eq!(dataset_view(&app, &other, &w.admin).await["name"], "leads");
}

#[tokio::test]
async fn an_existing_field_keeps_its_policy_and_cannot_be_removed() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let path = format!("/v1/datasets/{dataset}");
    let put = |fields: Value| {
        app.call(
            Method::PUT,
            &path,
            Some(json!({ "fields": fields })),
            Some(&w.admin.token),
        )
    };

    let changed = put(json!({
        "ssn": "plain", "email": "tokenize", "card": "mask",
        "country": {"policy": "plain", "searchable": true},
    }))
    .await;
    let unsearchable = put(json!({
        "ssn": "encrypt", "email": "tokenize", "card": "mask", "country": "plain",
    }))
    .await;
    let removed = put(json!({
        "ssn": "encrypt", "email": "tokenize",
        "country": {"policy": "plain", "searchable": true},
    }))
    .await;
    let new_view_and_field = put(json!({
        "ssn": "encrypt", "email": "tokenize", "card": {"policy": "mask", "member": "clear"},
        "country": {"policy": "plain", "searchable": true}, "notes": "redact",
    }))
    .await;

    assert_invalid(&changed, &["fields.ssn"]);
    assert_invalid(&unsearchable, &["fields.country"]);
    assert_invalid(&removed, &["fields.card"]);
    assert_eq!(
        new_view_and_field.code(),
        200,
        "{}",
        new_view_and_field.body
    );
    assert_eq!(new_view_and_field.body["fields"]["card"]["member"], "clear");
    assert_eq!(
        new_view_and_field.body["fields"]["notes"]["policy"],
        "redact"
    );
}

#[tokio::test]
async fn malformed_requests_are_4xx_and_never_500() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let dataset = create_dataset(&app, &w.id, &w.admin, "customers", customers()).await;
    let record = write(&app, &dataset, &w.member, customer(1)).await;
    let token = w.admin.token.as_str();
    let raw = |method: Method, path: String, content_type: &str, body: &'static str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let records = format!("/v1/datasets/{dataset}/records");

    let cases: Vec<(Request<Body>, u16)> = vec![
        (
            raw(
                Method::POST,
                records.clone(),
                "application/json",
                "{\"data\":",
            ),
            400,
        ),
        (
            raw(
                Method::POST,
                records.clone(),
                "application/json",
                "{\"data\":{}} trailing",
            ),
            400,
        ),
        (
            raw(Method::POST, records.clone(), "text/plain", "{\"data\":{}}"),
            415,
        ),
        (
            raw(
                Method::POST,
                records.clone(),
                "application/json",
                "{\"records\": {\"data\": {}}}",
            ),
            422,
        ),
        (
            raw(
                Method::POST,
                "/v1/datasets".into(),
                "application/json",
                "{\"org_id\": \"not-an-org\", \"name\": \"x\"}",
            ),
            404,
        ),
        (
            raw(
                Method::GET,
                "/v1/datasets/not-a-dataset".into(),
                "application/json",
                "",
            ),
            404,
        ),
        (
            raw(
                Method::GET,
                format!("/v1/datasets/{dataset}/records/rec_nope"),
                "application/json",
                "",
            ),
            404,
        ),
        (
            raw(
                Method::GET,
                format!("/v1/datasets/{dataset}/jobs/job_nope"),
                "application/json",
                "",
            ),
            404,
        ),
        (
            raw(
                Method::GET,
                format!("/v1/datasets/{dataset}/records/{record}/payload"),
                "application/json",
                "",
            ),
            404,
        ),
        (
            raw(
                Method::GET,
                format!("{records}?limit=0"),
                "application/json",
                "",
            ),
            422,
        ),
        (
            raw(
                Method::GET,
                format!("{records}?limit=many"),
                "application/json",
                "",
            ),
            422,
        ),
        (
            raw(Method::GET, "/v1/datasets".into(), "application/json", ""),
            422,
        ),
    ];
    for (request, want) in cases {
        let what = format!("{} {}", request.method(), request.uri());
        let reply = app.send(request).await;
        assert_eq!(reply.code(), want, "{what}: {}", reply.body);
        assert_problem(&reply, want);
    }
    let unauthenticated = app.get(&records, None).await;
    assert_problem(&unauthenticated, 401);
}
