//! Every sample event in `events/auth/` goes through lambda_http's own request parsing into the
//! router, as on Lambda, in the order a user would send them. Placeholders (`{{session_token}}`,
//! `{{verify_token}}`, `{{reset_token}}` and the session id `ses_000...`) are filled in from
//! earlier replies; the files work as they are with `cargo lambda invoke` for the routes that
//! need none.

use std::collections::HashMap;

use axum::http::StatusCode;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Each event file, in order, and the status its reply must have.
const EVENTS: &[(&str, u16)] = &[
    ("register.json", 201),
    ("login.json", 200),
    ("me.json", 200),
    ("update-profile.json", 200),
    ("list-sessions.json", 200),
    ("activity.json", 200),
    ("verify-email-request.json", 202),
    ("verify-email-confirm.json", 204),
    ("change-password.json", 204),
    ("revoke-session.json", 204),
    ("logout.json", 204),
    ("reset-password-request.json", 202),
    ("reset-password-confirm.json", 204),
];

const PLACEHOLDER_SESSION_ID: &str = "ses_00000000000000000000000000";

#[tokio::test]
async fn every_sample_event_gets_its_reply_through_the_lambda_parser() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/auth");
    let on_disk = std::fs::read_dir(dir).unwrap().count();
    assert_eq!(
        on_disk,
        EVENTS.len(),
        "every event file in {dir} has an expectation here"
    );

    let app = super::spawn_app();
    let mut values: HashMap<&str, String> = HashMap::new();
    let mut user_id = String::new();
    for (file, want) in EVENTS {
        if *file == "verify-email-confirm.json" {
            values.insert("{{verify_token}}", app.verify_code(&user_id).await);
        }
        if *file == "reset-password-confirm.json" {
            values.insert("{{reset_token}}", app.reset_code(&user_id).await);
        }
        if *file == "revoke-session.json" {
            // A second session to revoke, logged in with the password the change set.
            let other = app
                .post(
                    "/v1/auth/login",
                    json!({"email": "ada@example.com", "password": "Maple-Harbor-Cobalt-83"}),
                    None,
                )
                .await;
            values.insert(
                PLACEHOLDER_SESSION_ID,
                other.body["session_id"].as_str().unwrap().to_owned(),
            );
        }
        let mut json = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        for (placeholder, value) in &values {
            json = json.replace(placeholder, value);
        }
        let request =
            lambda_http::request::from_str(&json).unwrap_or_else(|e| panic!("{file}: {e}"));
        let response = app.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(status, *want, "{file}: {}", String::from_utf8_lossy(&body));
        assert_eq!(
            request_id, "JKJaXmPLvHcESHA=",
            "{file}: API Gateway's request id is kept"
        );
        if *file == "login.json" {
            let body: Value = serde_json::from_slice(&body).unwrap();
            values.insert(
                "{{session_token}}",
                body["session_token"].as_str().unwrap().to_owned(),
            );
            body["user"]["id"]
                .as_str()
                .unwrap()
                .clone_into(&mut user_id);
            assert_eq!(body["user"]["email"], "ada@example.com");
        }
        if *file == "list-sessions.json" {
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                body["items"][0]["ip"], "203.0.113.7",
                "the client IP is API Gateway's sourceIp"
            );
        }
    }
    assert_eq!(
        app.login("ada@example.com", "Cedar-Meadow-Signal-19")
            .await
            .status,
        StatusCode::OK,
        "the reset set the last password"
    );
}
