//! `POST /v1/auth/register`.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::json;

use super::{spawn_app, spawn_app_with, strong_password, unique_email};

#[tokio::test]
async fn registering_answers_201_with_the_user_and_the_rate_limit_headers() {
    let app = spawn_app();
    let email = unique_email();

    let reply = app
        .post(
            "/v1/auth/register",
            json!({"email": email, "password": strong_password(), "name": "Ada Lovelace"}),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let user = &reply.body["user"];
    assert!(user["id"].as_str().unwrap().starts_with("usr_"));
    assert_eq!(user["email"], email);
    assert_eq!(user["name"], "Ada Lovelace");
    assert_eq!(user["email_verified"], false);
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    assert_eq!(reply.header("x-ratelimit-limit"), Some("5"));
    assert_eq!(reply.header("x-ratelimit-remaining"), Some("4"));
    assert!(
        reply
            .header("x-ratelimit-reset")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            <= 86_400
    );
}

#[tokio::test]
async fn the_email_is_trimmed_its_domain_lower_cased_and_its_local_part_kept() {
    let app = spawn_app();
    let reply = app
        .register("  Jane.Doe@EXAMPLE.Org ", &strong_password())
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["user"]["email"], "Jane.Doe@example.org");
}

#[tokio::test]
async fn a_taken_email_in_any_case_answers_409() {
    let app = spawn_app();
    assert_eq!(
        app.register("Sam@example.com", &strong_password())
            .await
            .status,
        StatusCode::CREATED
    );

    let again = app.register("sam@EXAMPLE.com", &strong_password()).await;

    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        again.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(again.body["type"], "/problems/conflict");
}

#[tokio::test]
async fn weak_common_short_and_personal_passwords_answer_422_naming_the_field() {
    let app = spawn_app();
    for password in [
        "password1234",
        "Xk9#pQ2!",
        "aaaaaaaaaaaaaaaa",
        "qwertyuiop123",
    ] {
        let reply = app.register(&unique_email(), password).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert_eq!(reply.body["errors"][0]["field"], "password");
        assert!(!reply.body.to_string().contains(password));
    }
    let personal = app
        .post(
            "/v1/auth/register",
            json!({"email": "margaret.hamilton@example.com", "password": "Zq8!margaret.hamilton", "name": "Margaret Hamilton"}),
            None,
        )
        .await;
    assert_eq!(personal.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(personal.body.to_string().contains("email address or name"));
    let too_long = app.register(&unique_email(), &"Zq8!w".repeat(205)).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_bad_email_a_bad_name_a_missing_or_unknown_field_answer_422() {
    let app = spawn_app();
    let cases = [
        (
            json!({"email": "not-an-address", "password": strong_password()}),
            "email",
        ),
        (
            json!({"email": unique_email(), "password": strong_password(), "name": "  "}),
            "name",
        ),
        (json!({"email": unique_email()}), ""),
        (
            json!({"email": unique_email(), "password": strong_password(), "admin": true}),
            "admin",
        ),
    ];
    for (body, field) in cases {
        let reply = app.post("/v1/auth/register", body.clone(), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(reply.body["errors"][0]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_answers_415_or_400() {
    let app = spawn_app();
    let request = axum::http::Request::post("/v1/auth/register")
        .header("content-type", "text/plain")
        .body(axum::body::Body::from("hi"))
        .unwrap();
    assert_eq!(
        app.send(request).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let request = axum::http::Request::post("/v1/auth/register")
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{\"email\":"))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_sixth_registration_from_one_ip_in_a_day_answers_429_with_retry_after() {
    let app = spawn_app();
    for _ in 0..5 {
        assert_eq!(
            app.register(&unique_email(), &strong_password())
                .await
                .status,
            StatusCode::CREATED
        );
    }

    let sixth = app.register(&unique_email(), &strong_password()).await;

    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.header("x-ratelimit-remaining"), Some("0"));
    let retry_after: u64 = sixth.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=86_400).contains(&retry_after));
    let elsewhere = app
        .send_from(
            super::random_ip(),
            super::json_request(
                axum::http::Method::POST,
                "/v1/auth/register",
                Some(json!({"email": unique_email(), "password": strong_password()})),
                None,
            ),
        )
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::CREATED,
        "another IP has its own limit"
    );

    app.clock
        .advance(time::Duration::seconds(i64::try_from(retry_after).unwrap()));
    assert_eq!(
        app.register(&unique_email(), &strong_password())
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn thirty_two_concurrent_registrations_of_one_email_give_exactly_one_201() {
    let app = Arc::new(spawn_app_with(|s| s.auth.register_per_ip_per_day = 1_000));
    let email = unique_email();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..32 {
        let (app, email) = (app.clone(), email.clone());
        // Vary the case: uniqueness ignores it.
        let email = if i % 2 == 0 {
            email.to_uppercase()
        } else {
            email
        };
        tasks.spawn(async move { app.register(&email, &strong_password()).await.status });
    }
    let statuses = tasks.join_all().await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        31,
        "{statuses:?}"
    );
}
