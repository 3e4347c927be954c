//! `GET /v1/auth/me` and `PUT /v1/users/me`, and how the caller is recognised.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use super::{json_request, spawn_app};

#[tokio::test]
async fn me_answers_the_callers_profile() {
    let app = spawn_app();
    let account = app.signed_up().await;

    let reply = app.get("/v1/auth/me", Some(&account.token)).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["id"], account.user_id);
    assert_eq!(reply.body["email"], account.email);
    assert_eq!(reply.body["email_verified"], false);
    let fields: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        [
            "created_at",
            "email",
            "email_verified",
            "id",
            "name",
            "updated_at"
        ]
    );
}

#[tokio::test]
async fn missing_malformed_unknown_or_non_bearer_credentials_answer_401() {
    let app = spawn_app();
    let account = app.signed_up().await;
    let cases = [
        None,
        Some("Bearer".to_owned()),
        Some("Bearer not-a-token".to_owned()),
        Some(format!("Bearer {}", "A".repeat(43))),
        Some(format!("Basic {}", account.token)),
        Some(format!("Token {}", account.token)),
    ];
    for authorization in cases {
        let mut request = Request::get("/v1/auth/me");
        if let Some(value) = &authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let reply = app.send(request.body(Body::empty()).unwrap()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(reply.body["type"], "/problems/unauthorized");
        assert!(!reply.body.to_string().contains(&account.token));
    }
}

#[tokio::test]
async fn updating_the_name_answers_the_new_profile_and_null_removes_it() {
    let app = spawn_app();
    let account = app.signed_up().await;

    let named = app
        .send(json_request(
            Method::PUT,
            "/v1/users/me",
            Some(json!({"name": " Grace Hopper "})),
            Some(&account.token),
        ))
        .await;
    assert_eq!(named.status, StatusCode::OK, "{:?}", named.body);
    assert_eq!(named.body["name"], "Grace Hopper");
    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.body["name"],
        "Grace Hopper"
    );

    let untouched = app
        .send(json_request(
            Method::PUT,
            "/v1/users/me",
            Some(json!({})),
            Some(&account.token),
        ))
        .await;
    assert_eq!(untouched.body["name"], "Grace Hopper");

    let cleared = app
        .send(json_request(
            Method::PUT,
            "/v1/users/me",
            Some(json!({"name": null})),
            Some(&account.token),
        ))
        .await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert_eq!(cleared.body["name"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_email_and_unknown_fields_cannot_be_changed_through_the_profile() {
    let app = spawn_app();
    let account = app.signed_up().await;
    for body in [
        json!({"email": "other@example.com"}),
        json!({"email_verified": true}),
        json!({"name": ""}),
    ] {
        let reply = app
            .send(json_request(
                Method::PUT,
                "/v1/users/me",
                Some(body.clone()),
                Some(&account.token),
            ))
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let anonymous = app
        .send(json_request(
            Method::PUT,
            "/v1/users/me",
            Some(json!({"name": "x"})),
            None,
        ))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
