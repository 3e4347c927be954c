//! `POST /v1/auth/email/verify/request` and `.../confirm`.

use axum::http::StatusCode;
use serde_json::json;

use super::spawn_app;

#[tokio::test]
async fn a_verification_code_from_the_outbox_verifies_the_email_once() {
    let app = spawn_app();
    let account = app.signed_up().await;

    let requested = app
        .post(
            "/v1/auth/email/verify/request",
            json!({}),
            Some(&account.token),
        )
        .await;
    assert_eq!(requested.status, StatusCode::ACCEPTED);
    let user = coffer_core::auth::UserId::parse(&account.user_id).unwrap();
    let messages = app.service.outbox().messages_for(&user, 10).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to.as_str(), account.email);
    let code = app.verify_code(&account.user_id).await;

    let confirmed = app
        .post(
            "/v1/auth/email/verify/confirm",
            json!({"token": code}),
            None,
        )
        .await;

    assert_eq!(
        confirmed.status,
        StatusCode::NO_CONTENT,
        "{:?}",
        confirmed.body
    );
    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.body["email_verified"],
        true
    );
    let again = app
        .post(
            "/v1/auth/email/verify/confirm",
            json!({"token": code}),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "single use");
    let after = app
        .post(
            "/v1/auth/email/verify/request",
            json!({}),
            Some(&account.token),
        )
        .await;
    assert_eq!(after.status, StatusCode::CONFLICT, "already verified");
}

#[tokio::test]
async fn a_verification_code_expires_after_24_hours() {
    let app = spawn_app();
    let account = app.signed_up().await;
    app.post(
        "/v1/auth/email/verify/request",
        json!({}),
        Some(&account.token),
    )
    .await;
    let code = app.verify_code(&account.user_id).await;

    app.clock.advance(time::Duration::hours(24));

    let reply = app
        .post(
            "/v1/auth/email/verify/confirm",
            json!({"token": code}),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_unknown_code_answers_400_and_the_request_needs_a_session() {
    let app = spawn_app();
    let bad = app
        .post(
            "/v1/auth/email/verify/confirm",
            json!({"token": "A".repeat(43)}),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["type"], "/problems/bad-request");
    let missing = app
        .post("/v1/auth/email/verify/confirm", json!({}), None)
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let anonymous = app
        .post("/v1/auth/email/verify/request", json!({}), None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn verification_requests_are_limited_to_five_an_hour() {
    let app = spawn_app();
    let account = app.signed_up().await;
    for _ in 0..5 {
        let reply = app
            .post(
                "/v1/auth/email/verify/request",
                json!({}),
                Some(&account.token),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
    }
    let sixth = app
        .post(
            "/v1/auth/email/verify/request",
            json!({}),
            Some(&account.token),
        )
        .await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(sixth.header("retry-after").is_some());
}
