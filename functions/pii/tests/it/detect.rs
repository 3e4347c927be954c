//! `POST /v1/pii/detect` on a text, a record or a batch of records, and the pii routes' own
//! body limit (`COFFER_PII_MAX_BODY_BYTES`).

use axum::body::Body;
use axum::http::{Method, Request, header};
use coffer_testkit::{Reply, assert_problem};
use serde_json::{Value, json};

use super::{TestApp, spawn_app};

/// The pii routes alone, with their body limit set to `limit` bytes.
fn app_with_pii_limit(limit: usize) -> TestApp {
    TestApp(coffer_testkit::TestApp::embedded_with(
        vec![coffer_function_pii::group()],
        |settings| settings.pii_max_body_bytes = limit,
    ))
}

/// POSTs `body` to the detect route exactly as given (so its length is the test's to choose).
async fn detect_raw(app: &TestApp, body: String) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/pii/detect")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

/// `{"text": "..."}` of exactly `len` bytes.
fn text_body_of(len: usize) -> String {
    let empty = json!({"text": ""}).to_string();
    json!({"text": "x".repeat(len - empty.len())}).to_string()
}

fn entities(body: &Value) -> &Vec<Value> {
    body["entities"].as_array().unwrap()
}

#[tokio::test]
async fn records_are_scanned_one_by_one_and_each_entity_names_its_record_and_field() {
    let app = spawn_app();
    let records = json!([
        {"email": "bob@example.org"},
        {"note": "nothing to see"},
        {"contact": {"phone": "774-999-7629"}, "ssn": "078-05-1120"},
    ]);
    let (status, body) = app
        .call("/v1/pii/detect", json!({ "records": records }), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let found: Vec<(u64, &str, &str)> = entities(&body)
        .iter()
        .map(|e| {
            (
                e["record"].as_u64().unwrap(),
                e["field"].as_str().unwrap(),
                e["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (0, "email", "EMAIL"),
            (2, "contact.phone", "PHONE"),
            (2, "ssn", "US_SSN"),
        ]
    );
    let phone = &entities(&body)[1];
    assert_eq!(
        (phone["start"].as_u64(), phone["end"].as_u64()),
        (Some(0), Some(12))
    );
}

#[tokio::test]
async fn a_text_or_a_record_gets_entities_without_a_record_index() {
    let app = spawn_app();
    for input in [
        json!({"text": "mail bob@example.org"}),
        json!({"record": {"email": "bob@example.org"}}),
    ] {
        let (status, body) = app.call("/v1/pii/detect", input.clone(), None).await;
        assert_eq!(status, 200, "{input}: {body}");
        assert_eq!(entities(&body).len(), 1, "{body}");
        assert!(entities(&body)[0].get("record").is_none(), "{body}");
    }
}

#[tokio::test]
async fn detect_needs_exactly_one_of_text_record_and_records() {
    let app = spawn_app();
    for input in [
        json!({}),
        json!({"min_score": 0.2}),
        json!({"text": "a", "records": [{}]}),
        json!({"record": {}, "records": [{}]}),
        json!({"text": "a", "record": {}, "records": []}),
    ] {
        let reply = app.post("/v1/pii/detect", input.clone(), None).await;
        assert_problem(&reply, 422);
        assert_eq!(
            reply.body["errors"][0]["field"], "text, record, records",
            "{input}: {}",
            reply.body
        );
    }
    let (status, body) = app
        .call("/v1/pii/detect", json!({"records": []}), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(entities(&body).is_empty());
}

#[tokio::test]
async fn more_records_than_a_batch_holds_are_refused() {
    let app = spawn_app();
    let records = vec![json!({"a": 1}); 1001];
    let reply = app
        .post("/v1/pii/detect", json!({ "records": records }), None)
        .await;
    assert_problem(&reply, 422);
}

#[tokio::test]
async fn a_body_just_over_the_pii_limit_is_refused_with_413_and_one_at_it_is_scanned() {
    let app = app_with_pii_limit(4096);
    let at = detect_raw(&app, text_body_of(4096)).await;
    assert_eq!(at.code(), 200, "{}", at.body);
    let over = detect_raw(&app, text_body_of(4097)).await;
    assert_problem(&over, 413);
    // The other pii routes share the group's limit.
    let anonymize = app
        .post("/v1/anonymize", json!({"text": "x".repeat(4096)}), None)
        .await;
    assert_problem(&anonymize, 413);
}

#[tokio::test]
async fn a_text_over_one_mebibyte_is_accepted_and_every_value_in_it_found() {
    let app = spawn_app();
    let line = "2024-05-01 INFO login ok for jane.doe@example.com from 203.0.113.7\n";
    let lines = 3 * 1024 * 1024 / 2 / line.len();
    let text = line.repeat(lines);
    assert!(text.len() > 1024 * 1024);
    let (status, body) = app
        .call("/v1/pii/detect", json!({ "text": text }), None)
        .await;
    assert_eq!(
        status,
        200,
        "{}",
        body.to_string().chars().take(300).collect::<String>()
    );
    let found = entities(&body);
    assert_eq!(found.len(), 2 * lines);
    let last = &found[found.len() - 2];
    let (start, end) = (
        last["start"].as_u64().unwrap() as usize,
        last["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], "jane.doe@example.com");
    assert!(start > 1024 * 1024, "offsets are into the whole text");
}

#[tokio::test]
async fn the_openapi_document_describes_records_and_the_record_index() {
    let app = spawn_app();
    let doc = app.get("/v1/openapi.json", None).await.body;
    let schemas = &doc["components"]["schemas"];
    assert!(
        schemas["DetectRequest"]["properties"]["records"].is_object(),
        "{}",
        schemas["DetectRequest"]
    );
    // Every field written out: `allOf` with `Entity` (whose `additionalProperties` is false)
    // refused the `record` index (found by Schemathesis, issue #15).
    let entity = &schemas["DetectedEntity"];
    for field in ["type", "start", "end", "score", "field", "record"] {
        assert!(entity["properties"][field].is_object(), "{field}: {entity}");
    }
    assert!(entity.get("allOf").is_none(), "{entity}");
    let too_large = doc["paths"]["/v1/pii/detect"]["post"]["responses"]["413"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        too_large.contains("COFFER_PII_MAX_BODY_BYTES"),
        "{too_large}"
    );
}
