//! `POST /v1/auth/password/reset/request` and `.../confirm`.

use axum::http::StatusCode;
use serde_json::json;

use super::{spawn_app, strong_password, unique_email};

#[tokio::test]
async fn a_reset_request_answers_202_whether_or_not_the_email_has_an_account() {
    let app = spawn_app();
    let account = app.signed_up().await;

    let known = app.ask_reset(&account.email).await;
    let unknown = app.ask_reset(&unique_email()).await;

    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!(unknown.status, StatusCode::ACCEPTED);
    assert_eq!(known.body, unknown.body);
    let user = coffer_core::auth::UserId::parse(&account.user_id).unwrap();
    assert_eq!(
        app.service
            .outbox()
            .messages_for(&user, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_reset_code_sets_a_new_password_revokes_every_session_and_works_once() {
    let app = spawn_app();
    let account = app.signed_up().await;
    app.ask_reset(&account.email.to_uppercase()).await;
    let code = app.reset_code(&account.user_id).await;
    let new_password = strong_password();

    let reply = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": code, "new_password": new_password}),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&account.email, &account.password).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&account.email, &new_password).await.status,
        StatusCode::OK
    );
    let again = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": code, "new_password": strong_password()}),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_reset_code_stops_working_after_an_hour_or_a_password_change() {
    let app = spawn_app();
    let account = app.signed_up().await;
    app.ask_reset(&account.email).await;
    let expired = app.reset_code(&account.user_id).await;
    app.clock.advance(time::Duration::hours(1));
    let reply = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": expired, "new_password": strong_password()}),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    app.ask_reset(&account.email).await;
    let stale = app.reset_code(&account.user_id).await;
    let changed = app
        .post(
            "/v1/auth/password",
            json!({"current_password": account.password, "new_password": strong_password()}),
            Some(&account.token),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT);
    let reply = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": stale, "new_password": strong_password()}),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_reset_ends_a_lockout() {
    let app = spawn_app_with_lockout();
    let account = app.signed_up().await;
    for _ in 0..2 {
        app.login(&account.email, "Wrong-Password-99").await;
    }
    assert_eq!(
        app.login(&account.email, &account.password).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.ask_reset(&account.email).await;
    let code = app.reset_code(&account.user_id).await;
    let new_password = strong_password();
    app.post(
        "/v1/auth/password/reset/confirm",
        json!({"token": code, "new_password": new_password}),
        None,
    )
    .await;
    assert_eq!(
        app.login(&account.email, &new_password).await.status,
        StatusCode::OK
    );
}

fn spawn_app_with_lockout() -> super::TestApp {
    super::spawn_app_with(|s| s.auth.login_failures_per_account_per_hour = 2)
}

#[tokio::test]
async fn a_weak_new_password_or_a_bad_email_answers_422() {
    let app = spawn_app();
    let account = app.signed_up().await;
    app.ask_reset(&account.email).await;
    let code = app.reset_code(&account.user_id).await;
    let weak = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": code, "new_password": "password1234"}),
            None,
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(weak.body["errors"][0]["field"], "new_password");
    let still = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": code, "new_password": strong_password()}),
            None,
        )
        .await;
    assert_eq!(
        still.status,
        StatusCode::NO_CONTENT,
        "a refused attempt does not spend the code"
    );
    let bad_email = app.ask_reset("nope").await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
}
