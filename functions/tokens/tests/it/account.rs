//! An access token acts for the scopes it names; the account itself is none of them. The attack:
//! a token handed to an app (here: unbound, every scope the user has) renames the user, ends
//! their sessions, tries their password and reads where they logged in from. Each of those
//! routes now takes the user's session and answers the token 403; reading the profile still
//! works with a token.

use axum::http::Method;
use coffer_testkit::json_request;
use serde_json::json;

use crate::spawn;

#[tokio::test]
async fn an_access_token_cannot_change_the_account_or_read_its_security_history() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let sessions = app.get("/v1/auth/sessions", Some(&user.token)).await;
    assert_eq!(sessions.code(), 200, "{}", sessions.body);
    let session_id = sessions.text("/items/0/id");

    let attempts = [
        (
            Method::PUT,
            "/v1/users/me".to_owned(),
            Some(json!({"name": "Mallory"})),
        ),
        (
            Method::POST,
            "/v1/auth/password".to_owned(),
            Some(
                json!({"current_password": user.password, "new_password": "Another-Long-Passphrase-42"}),
            ),
        ),
        (Method::GET, "/v1/auth/sessions".to_owned(), None),
        (
            Method::DELETE,
            format!("/v1/auth/sessions/{session_id}"),
            None,
        ),
        (Method::GET, "/v1/auth/activity".to_owned(), None),
    ];
    for (method, path, body) in attempts {
        let reply = app
            .send(json_request(
                method.clone(),
                &path,
                body,
                Some(&pair.access),
            ))
            .await;
        assert_eq!(reply.code(), 403, "{method} {path}: {}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
    }

    // Nothing changed: the session lives, the name and the password are the user's own.
    let me = app.me(&user.token).await;
    assert_eq!(me.code(), 200, "{}", me.body);
    assert_ne!(me.body["name"], json!("Mallory"));
    let login = app
        .post(
            "/v1/auth/login",
            json!({"email": user.email, "password": user.password}),
            None,
        )
        .await;
    assert_eq!(login.code(), 200, "{}", login.body);
    // Reading the profile is what tokens are for.
    assert_eq!(app.me(&pair.access).await.code(), 200);
}
