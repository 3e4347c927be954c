//! Every pii route and its error paths, in-process.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{TestApp, spawn_app};

async fn call(app: &TestApp, path: &str, body: Value, token: Option<&str>) -> (StatusCode, Value) {
    app.call(path, body, token).await
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

/// Found by Schemathesis (issue #15): a `record` or `records` item that was not a JSON object was
/// scanned anyway, and `anonymize` answered a string where the document promises an object.
#[tokio::test]
async fn a_record_that_is_not_a_json_object_is_422_on_every_pii_route() {
    let app = spawn_app();
    let not_objects = [
        json!("jane.doe@example.com"),
        json!(5),
        json!([1, "jane.doe@example.com"]),
    ];
    for value in not_objects {
        for (path, body) in [
            ("/v1/pii/detect", json!({"record": value})),
            ("/v1/pii/detect", json!({"records": [value]})),
            ("/v1/anonymize", json!({"record": value})),
            ("/v1/validate", json!({"schema": {}, "records": [value]})),
        ] {
            let (status, problem) = call(&app, path, body.clone(), None).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {body}: {problem}"
            );
        }
    }
    let (status, reply) = call(
        &app,
        "/v1/anonymize",
        json!({"record": {"mail": "jane.doe@example.com"}}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert!(reply["record"].is_object(), "{reply}");
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
async fn validate_refuses_a_bad_schema_and_a_dataset_without_credentials() {
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
    assert_eq!(status, StatusCode::UNAUTHORIZED);
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
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["AnonymizeRequest"]["properties"]["org_id"].is_object());
    let required = schemas["DeanonymizeRequest"]["required"].to_string();
    assert!(required.contains("org_id"), "{required}");
    let statuses = doc["paths"]["/v1/deanonymize"]["post"]["responses"].to_string();
    assert!(
        statuses.contains("\"403\"") && statuses.contains("\"404\""),
        "{statuses}"
    );
}
