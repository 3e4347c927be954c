//! `POST /v1/auth/password`.

use axum::http::StatusCode;
use serde_json::json;

use super::{spawn_app, strong_password};

#[tokio::test]
async fn changing_the_password_revokes_every_other_session_and_keeps_this_one() {
    let app = spawn_app();
    let account = app.signed_up().await;
    let other = app.login(&account.email, &account.password).await;
    let other_token = other.body["session_token"].as_str().unwrap();
    let new_password = strong_password();

    let reply = app
        .post(
            "/v1/auth/password",
            json!({"current_password": account.password, "new_password": new_password}),
            Some(&account.token),
        )
        .await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/v1/auth/me", Some(other_token)).await.status,
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
}

#[tokio::test]
async fn a_wrong_current_password_answers_403_and_changes_nothing() {
    let app = spawn_app();
    let account = app.signed_up().await;

    let reply = app
        .post(
            "/v1/auth/password",
            json!({"current_password": "Not-The-Password-1", "new_password": strong_password()}),
            Some(&account.token),
        )
        .await;

    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.login(&account.email, &account.password).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_weak_or_unchanged_new_password_answers_422_on_new_password() {
    let app = spawn_app();
    let account = app.signed_up().await;
    for new_password in ["password1234".to_owned(), account.password.clone()] {
        let reply = app
            .post(
                "/v1/auth/password",
                json!({"current_password": account.password, "new_password": new_password}),
                Some(&account.token),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.body["errors"][0]["field"], "new_password");
    }
}

#[tokio::test]
async fn changing_the_password_needs_a_session_and_both_fields() {
    let app = spawn_app();
    let anonymous = app
        .post(
            "/v1/auth/password",
            json!({"current_password": "a", "new_password": "b"}),
            None,
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let account = app.signed_up().await;
    let partial = app
        .post(
            "/v1/auth/password",
            json!({"new_password": strong_password()}),
            Some(&account.token),
        )
        .await;
    assert_eq!(partial.status, StatusCode::UNPROCESSABLE_ENTITY);
}
