//! A canary email and password go through every flow; neither appears in a log line or in any
//! stored item, except the email in the user's profile and in the messages sent to it.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{json_request, logs, spawn_app};

#[tokio::test]
async fn the_canary_email_password_and_tokens_reach_no_log_and_no_item_that_should_not_hold_them() {
    let app = spawn_app();
    let tag = ulid::Ulid::new().to_string().to_lowercase();
    let email = format!("Canary.{tag}@example.com");
    let passwords = [
        format!("Canary-Pass-{tag}-One"),
        format!("Canary-Pass-{tag}-Two"),
        format!("Canary-Pass-{tag}-Three"),
    ];
    let mut tokens = Vec::new();

    // GIVEN a user who goes through every flow
    let registered = app
        .post(
            "/v1/auth/register",
            json!({"email": email, "password": passwords[0], "name": "Tweety"}),
            None,
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED);
    let wrong = app.login(&email, &format!("{}-wrong", passwords[0])).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let login = app
        .post(
            "/v1/auth/login",
            json!({"email": email, "password": passwords[0]}),
            None,
        )
        .await;
    let token = login.body["session_token"].as_str().unwrap().to_owned();
    tokens.push(token.clone());
    let user_id = login.body["user"]["id"].as_str().unwrap().to_owned();
    app.get("/v1/auth/me", Some(&token)).await;
    app.send(json_request(
        Method::PUT,
        "/v1/users/me",
        Some(json!({"name": "Tweety Bird"})),
        Some(&token),
    ))
    .await;
    app.get("/v1/auth/sessions", Some(&token)).await;
    app.ask_verification(&token).await;
    let verify = app.verify_code(&user_id).await;
    tokens.push(verify.clone());
    assert_eq!(
        app.post(
            "/v1/auth/email/verify/confirm",
            json!({"token": verify}),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let changed = app
        .post(
            "/v1/auth/password",
            json!({"current_password": passwords[0], "new_password": passwords[1]}),
            Some(&token),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT);
    app.post("/v1/auth/logout", json!({}), Some(&token)).await;
    app.ask_reset(&email).await;
    let reset = app.reset_code(&user_id).await;
    tokens.push(reset.clone());
    let confirmed = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": reset, "new_password": passwords[2]}),
            None,
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::NO_CONTENT);
    let last = app.login(&email, &passwords[2]).await;
    assert_eq!(last.status, StatusCode::OK);
    tokens.push(last.body["session_token"].as_str().unwrap().to_owned());

    // THEN the logs hold none of the values
    let captured = logs::captured();
    assert!(
        captured.contains(&user_id),
        "the capture works: the user id is logged"
    );
    let lowered_email = email.to_lowercase();
    let local_part = email.split('@').next().unwrap().to_owned();
    for secret in [&email, &lowered_email, &local_part]
        .into_iter()
        .chain(&passwords)
        .chain(&tokens)
    {
        assert!(
            !captured.contains(secret.as_str()),
            "a log line holds {secret}"
        );
    }

    // AND no stored item holds them, but the profile (the email) and the outbox (email, codes)
    let db = rusqlite::Connection::open(app.settings.data_dir.join("table.sqlite3")).unwrap();
    let mut statement = db
        .prepare("SELECT pk, sk, COALESCE(gsi1pk, ''), COALESCE(gsi1sk, ''), attrs FROM items")
        .unwrap();
    let rows: Vec<(String, String, String)> = statement
        .query_map([], |row| {
            let (pk, sk): (String, String) = (row.get(0)?, row.get(1)?);
            let text = format!(
                "{pk} {sk} {} {} {}",
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?
            );
            Ok((pk, sk, text))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(rows.len() > 10, "the flows wrote items");
    for (pk, sk, text) in &rows {
        let lowered = text.to_lowercase();
        for password in &passwords {
            assert!(
                !lowered.contains(&password.to_lowercase()),
                "{pk}/{sk} holds a password"
            );
        }
        let may_hold_email =
            (pk.starts_with("USER#") && sk == "PROFILE") || pk.starts_with("OUTBOX#");
        if !may_hold_email {
            assert!(
                !lowered.contains(&lowered_email),
                "{pk}/{sk} holds the email"
            );
            assert!(
                !lowered.contains(&local_part.to_lowercase()),
                "{pk}/{sk} holds the email's local part"
            );
        }
        for token in &tokens {
            if !pk.starts_with("OUTBOX#") {
                assert!(!text.contains(token.as_str()), "{pk}/{sk} holds a token");
            }
        }
    }
}
