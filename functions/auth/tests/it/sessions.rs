//! `GET /v1/auth/sessions` and `DELETE /v1/auth/sessions/{id}`.

use axum::http::{Method, StatusCode};

use super::{json_request, spawn_app};

#[tokio::test]
async fn listing_shows_the_callers_live_sessions_and_marks_the_current_one() {
    let app = spawn_app();
    let account = app.signed_up().await;
    let second = app.login(&account.email, &account.password).await;
    let second_token = second.body["session_token"].as_str().unwrap();

    let reply = app.get("/v1/auth/sessions", Some(second_token)).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["next_cursor"], serde_json::Value::Null);
    let items = reply.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let current: Vec<_> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], second.body["session_id"]);
    assert_eq!(items[0]["client"], "cli");
    assert_eq!(items[0]["user_agent"], "coffer-tests/1");
    assert_eq!(items[0]["ip"], app.ip.to_string());
    assert!(
        !reply.body.to_string().contains(&account.token),
        "tokens are never listed"
    );
}

#[tokio::test]
async fn revoking_one_of_the_callers_sessions_ends_it() {
    let app = spawn_app();
    let account = app.signed_up().await;
    let other = app.login(&account.email, &account.password).await;
    let other_token = other.body["session_token"].as_str().unwrap();
    let other_id = other.body["session_id"].as_str().unwrap();

    let reply = app
        .send(json_request(
            Method::DELETE,
            &format!("/v1/auth/sessions/{other_id}"),
            None,
            Some(&account.token),
        ))
        .await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(
        reply.header("set-cookie").is_none(),
        "another session: this one's cookie stays"
    );
    assert_eq!(
        app.get("/v1/auth/me", Some(other_token)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn revoking_the_current_session_ends_it_and_clears_the_cookie() {
    let app = spawn_app();
    let account = app.signed_up().await;
    let reply = app
        .send(json_request(
            Method::DELETE,
            &format!("/v1/auth/sessions/{}", account.session_id),
            None,
            Some(&account.token),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn another_users_session_id_answers_404_and_stays_alive() {
    let app = spawn_app();
    let alice = app.signed_up().await;
    let mallory = app.signed_up().await;

    let reply = app
        .send(json_request(
            Method::DELETE,
            &format!("/v1/auth/sessions/{}", alice.session_id),
            None,
            Some(&mallory.token),
        ))
        .await;

    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/v1/auth/me", Some(&alice.token)).await.status,
        StatusCode::OK
    );
    let missing = app
        .send(json_request(
            Method::DELETE,
            "/v1/auth/sessions/ses_01jzzzzzzzzzzzzzzzzzzzzzzz",
            None,
            Some(&mallory.token),
        ))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let malformed = app
        .send(json_request(
            Method::DELETE,
            "/v1/auth/sessions/usr_whatever",
            None,
            Some(&mallory.token),
        ))
        .await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn listing_and_revoking_need_a_session() {
    let app = spawn_app();
    assert_eq!(
        app.get("/v1/auth/sessions", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let reply = app
        .send(json_request(
            Method::DELETE,
            "/v1/auth/sessions/ses_01jzzzzzzzzzzzzzzzzzzzzzzz",
            None,
            None,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}
