//! Every pii route and its error paths, in-process.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{TestApp, spawn_app};

async fn call(app: &TestApp, path: &str, body: Value, token: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Registers and logs in a user; returns the session token.
async fn session(app: &TestApp) -> String {
    let credentials =
        json!({"email": "pii-tester@example.com", "password": "correct horse battery staple 42"});
    let (status, body) = call(app, "/v1/auth/register", credentials.clone(), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = call(app, "/v1/auth/login", credentials, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["session_token"].as_str().unwrap().to_owned()
}

const TEXT: &str = "Card 4111 1111 1111 1111, mail jane.doe@example.com, SSN 123-45-6789.";

#[tokio::test]
async fn detect_finds_each_entity_with_byte_offsets() {
    let app = spawn_app();
    let (status, body) = call(&app, "/v1/pii/detect", json!({ "text": TEXT }), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found: Vec<(String, String)> = body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let (start, end) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            (
                e["type"].as_str().unwrap().to_owned(),
                TEXT[start..end].to_owned(),
            )
        })
        .collect();
    for expected in [
        ("CREDIT_CARD", "4111 1111 1111 1111"),
        ("EMAIL", "jane.doe@example.com"),
        ("US_SSN", "123-45-6789"),
    ] {
        assert!(
            found.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {found:?}"
        );
    }
    assert!(
        body["entities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["score"].as_f64().unwrap() > 0.0)
    );
}

#[tokio::test]
async fn detect_in_a_record_names_the_field() {
    let app = spawn_app();
    let record =
        json!({"customer": {"contact": {"email": "bob@example.org"}}, "ssn": "078-05-1120"});
    let (status, body) = call(&app, "/v1/pii/detect", json!({ "record": record }), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fields: Vec<&str> = body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"customer.contact.email"), "{fields:?}");
    assert!(fields.contains(&"ssn"), "{fields:?}");
}

#[tokio::test]
async fn detect_needs_exactly_one_of_text_and_record() {
    let app = spawn_app();
    for body in [json!({}), json!({"text": "a", "record": {}})] {
        let (status, problem) = call(&app, "/v1/pii/detect", body, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    }
    let (status, _) = call(
        &app,
        "/v1/pii/detect",
        json!({"text": "a", "extra": 1}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn anonymize_masks_and_replaces_without_revealing_values() {
    let app = spawn_app();
    let operators =
        json!({"CREDIT_CARD": {"type": "mask", "keep_last": 4}, "default": {"type": "replace"}});
    let (status, body) = call(
        &app,
        "/v1/anonymize",
        json!({ "text": TEXT, "operators": operators }),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let text = body["text"].as_str().unwrap();
    assert!(
        text.contains("1111") && !text.contains("4111 1111 1111 1111"),
        "{text}"
    );
    assert!(
        !text.contains("jane.doe@example.com") && !text.contains("123-45-6789"),
        "{text}"
    );
    assert!(text.contains("<EMAIL>"), "{text}");
    let rendered = body["changes"].to_string();
    assert!(
        !rendered.contains("jane.doe"),
        "changes never carry values: {rendered}"
    );
}

#[tokio::test]
async fn keyed_operators_need_a_session() {
    let app = spawn_app();
    for op in ["hash", "tokenize"] {
        let body = json!({"text": TEXT, "operators": {"default": {"type": op}}});
        let (status, problem) = call(&app, "/v1/anonymize", body, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{op}: {problem}");
    }
    let (status, _) = call(&app, "/v1/deanonymize", json!({"text": "x"}), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn hashes_are_keyed_and_stable() {
    let app = spawn_app();
    let token = session(&app).await;
    let body =
        json!({"text": "mail jane.doe@example.com", "operators": {"default": {"type": "hash"}}});
    let (status, first) = call(&app, "/v1/anonymize", body.clone(), Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (_, second) = call(&app, "/v1/anonymize", body, Some(&token)).await;
    assert_eq!(
        first["text"], second["text"],
        "the same value hashes the same under one key"
    );
    assert!(!first["text"].as_str().unwrap().contains("jane.doe"));

    // Another deployment (another key) hashes differently: the hash is not a bare SHA-256.
    let other = spawn_app();
    let other_token = session(&other).await;
    let body =
        json!({"text": "mail jane.doe@example.com", "operators": {"default": {"type": "hash"}}});
    let (_, elsewhere) = call(&other, "/v1/anonymize", body, Some(&other_token)).await;
    assert_ne!(first["text"], elsewhere["text"]);
}

#[tokio::test]
async fn tokens_reverse_for_a_signed_in_caller_and_the_read_is_audited() {
    let app = spawn_app();
    let token = session(&app).await;
    let record =
        json!({"name": "Jane Doe", "email": "jane.doe@example.com", "note": "SSN 123-45-6789"});
    let body = json!({"record": record, "operators": {"default": {"type": "tokenize"}}});
    let (status, anonymized) = call(&app, "/v1/anonymize", body.clone(), Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{anonymized}");
    let rendered = anonymized["record"].to_string();
    assert!(
        !rendered.contains("jane.doe@example.com") && !rendered.contains("123-45-6789"),
        "{rendered}"
    );
    let (_, again) = call(&app, "/v1/anonymize", body, Some(&token)).await;
    assert_eq!(
        anonymized["record"], again["record"],
        "tokenize is deterministic"
    );

    let (status, restored) = call(
        &app,
        "/v1/deanonymize",
        json!({"record": anonymized["record"]}),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["record"]["email"], "jane.doe@example.com");
    assert_eq!(restored["record"]["note"], "SSN 123-45-6789");
    assert_eq!(restored["failed"], 0);
}

#[tokio::test]
async fn validate_reports_every_error_with_its_path() {
    let app = spawn_app();
    let schema = json!({
        "type": "object",
        "required": ["email", "age"],
        "properties": {"email": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "additionalProperties": false
    });
    let records = json!([{"email": "a@b.c", "age": 3}, {"email": 5, "age": -1, "x": true}]);
    let (status, body) = call(
        &app,
        "/v1/validate",
        json!({"schema": schema, "records": records}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["valid"], false);
    assert_eq!(body["records"][0]["valid"], true);
    assert_eq!(body["records"][1]["valid"], false);
    let errors = body["records"][1]["errors"].as_array().unwrap();
    assert!(errors.len() >= 3, "{errors:?}");
    let paths: Vec<&str> = errors
        .iter()
        .map(|e| e["instance_path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"/email") && paths.contains(&"/age"),
        "{paths:?}"
    );
}

#[tokio::test]
async fn validate_refuses_a_bad_schema_and_an_unknown_dataset() {
    let app = spawn_app();
    let (status, _) = call(
        &app,
        "/v1/validate",
        json!({"schema": {"type": 12}, "records": [{}]}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = call(
        &app,
        "/v1/validate",
        json!({"dataset_id": "dst_nope", "records": [{}]}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, "/v1/validate", json!({"records": [{}]}), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_openapi_document_describes_the_pii_routes() {
    let app = spawn_app();
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get("/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let doc: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    for path in [
        "/v1/pii/detect",
        "/v1/anonymize",
        "/v1/deanonymize",
        "/v1/validate",
    ] {
        assert!(doc["paths"][path]["post"].is_object(), "{path}");
    }
    assert!(doc["components"]["securitySchemes"]["session"].is_object());
}
