//! `POST /v1/oauth/token`, the RFC 6749 token endpoint: form-encoded requests, RFC 6749 JSON
//! replies and errors, never cached.

use coffer_testkit::Reply;
use coffer_testkit::tokens::form;
use serde_json::json;

use crate::{decode, spawn};

/// An RFC 6749 §5.2 error reply with `status` and `error`, not cached.
fn assert_oauth_error(reply: &Reply, status: u16, error: &str) {
    assert_eq!(reply.code(), status, "{}", reply.body);
    assert_eq!(reply.body["error"], error, "{}", reply.body);
    assert!(
        reply.body["error_description"].is_string(),
        "{}",
        reply.body
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        reply.header("content-type")
    );
}

#[tokio::test]
async fn the_refresh_token_grant_answers_rfc_6749_json_that_is_never_cached() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app
        .token_pair(&user, json!({"scopes": ["vaults:read"]}))
        .await;
    let reply = app
        .oauth_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &pair.refresh),
        ])
        .await;
    assert_eq!(reply.code(), 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 3600);
    assert_eq!(reply.body["scope"], "vaults:read");
    let access = reply.text("/access_token");
    let refresh = reply.text("/refresh_token");
    assert_ne!(refresh, pair.refresh);
    assert_eq!(decode(&access).1["sub"], user.id.as_str());
    assert_eq!(app.me(&access).await.code(), 200);

    // The spent token is reuse here too: invalid_grant, and the family is gone.
    let reused = app
        .oauth_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &pair.refresh),
        ])
        .await;
    assert_oauth_error(&reused, 400, "invalid_grant");
    assert_eq!(app.refresh(&refresh).await.code(), 401);
}

#[tokio::test]
async fn a_request_without_a_grant_type_is_invalid() {
    let app = spawn();
    let reply = app.oauth_token(&[("refresh_token", "x")]).await;
    assert_oauth_error(&reply, 400, "invalid_request");
    let empty = app.oauth_token(&[]).await;
    assert_oauth_error(&empty, 400, "invalid_request");
}

#[tokio::test]
async fn a_grant_type_coffer_does_not_support_is_unsupported() {
    let app = spawn();
    let user = app.sign_up().await;
    for grant in ["password", "authorization_code", "implicit"] {
        let reply = app
            .oauth_token(&[
                ("grant_type", grant),
                ("username", &user.email),
                ("password", &user.password),
            ])
            .await;
        assert_oauth_error(&reply, 400, "unsupported_grant_type");
    }
}

#[tokio::test]
async fn a_repeated_parameter_is_invalid() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    for body in [
        form(&[
            ("grant_type", "refresh_token"),
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
        ]),
        form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &pair.refresh),
            ("refresh_token", "x"),
        ]),
    ] {
        let reply = app
            .oauth_token_raw("application/x-www-form-urlencoded", body)
            .await;
        assert_oauth_error(&reply, 400, "invalid_request");
    }
    // Nothing was spent.
    assert_eq!(app.refresh(&pair.refresh).await.code(), 200);
}

#[tokio::test]
async fn a_bad_refresh_token_is_an_invalid_grant_and_a_missing_one_an_invalid_request() {
    let app = spawn();
    for token in ["nope", "", "a.b.c", &"A".repeat(300)] {
        let reply = app
            .oauth_token(&[("grant_type", "refresh_token"), ("refresh_token", token)])
            .await;
        assert_oauth_error(&reply, 400, "invalid_grant");
    }
    let missing = app.oauth_token(&[("grant_type", "refresh_token")]).await;
    assert_oauth_error(&missing, 400, "invalid_request");
}

#[tokio::test]
async fn a_body_that_is_not_form_encoded_is_invalid() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let as_json = json!({"grant_type": "refresh_token", "refresh_token": pair.refresh});
    let reply = app
        .oauth_token_raw("application/json", as_json.to_string())
        .await;
    assert_oauth_error(&reply, 400, "invalid_request");
    let form_as_text = app
        .oauth_token_raw(
            "text/plain",
            form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &pair.refresh),
            ]),
        )
        .await;
    assert_oauth_error(&form_as_text, 400, "invalid_request");
    // With a charset, the form is still a form.
    let with_charset = app
        .oauth_token_raw(
            "application/x-www-form-urlencoded; charset=UTF-8",
            form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &pair.refresh),
            ]),
        )
        .await;
    assert_eq!(with_charset.code(), 200, "{}", with_charset.body);
}

#[tokio::test]
async fn a_client_credentials_request_without_a_valid_assertion_is_an_invalid_client() {
    let app = spawn();
    let cases = [
        vec![("grant_type", "client_credentials")],
        vec![
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
            ),
            ("client_assertion", "a.b.c"),
        ],
        vec![
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
        ],
        vec![
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", "a.b.c"),
        ],
        vec![
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", "not-a-jwt"),
        ],
    ];
    for pairs in cases {
        let reply = app.oauth_token(&pairs).await;
        assert_oauth_error(&reply, 401, "invalid_client");
    }
    // A user's access token is not a client assertion.
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let reply = app
        .oauth_token(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &pair.access),
        ])
        .await;
    assert_oauth_error(&reply, 401, "invalid_client");
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_read() {
    let app = spawn();
    let limit = app.state.settings.max_body_bytes;
    let body = format!(
        "grant_type=refresh_token&refresh_token={}",
        "A".repeat(limit + 1)
    );
    let reply = app
        .oauth_token_raw("application/x-www-form-urlencoded", body)
        .await;
    assert_eq!(reply.code(), 413, "{}", reply.body);
}
