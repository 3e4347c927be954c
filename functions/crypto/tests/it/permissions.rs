//! Every crypto route × {owner, admin, member, outsider, anonymous}: owners and admins manage
//! keys (`keys:manage`), every member uses them (`keys:use`: encrypt, decrypt, rewrap, get,
//! list), a member of another org gets 404 and an anonymous caller 401. Each route runs on an
//! org of its own and each role on a key of its own, so one role's success cannot change
//! another's answer. Access tokens are held to their org and scopes too.

use std::time::Duration;

use axum::http::Method;
use coffer_core::ids::OrgId;
use coffer_core::tokens::{AccessTokenRequest, Scopes};
use coffer_testkit::{TestApp, User};
use serde_json::{Value, json};

use crate::{b64, create_key, encrypt, patch_key};

struct Case {
    method: Method,
    /// With `{org}` and `{key}`.
    path: &'static str,
    /// JSON with `{org}`, `{key}`, `{ciphertext}` and `{name}`.
    body: Option<&'static str>,
    /// For owner, admin, member, outsider, anonymous.
    want: [u16; 5],
}

fn cases() -> Vec<Case> {
    use Method as M;
    let c = |method, path, body, want| Case {
        method,
        path,
        body,
        want,
    };
    let use_ = [200, 200, 200, 404, 401];
    let manage = [200, 200, 403, 404, 401];
    vec![
        c(M::GET, "/v1/keys?org_id={org}", None, use_),
        c(
            M::POST,
            "/v1/keys",
            Some(r#"{"org_id": "{org}", "name": "{name}"}"#),
            [201, 201, 403, 404, 401],
        ),
        c(M::GET, "/v1/keys/{key}", None, use_),
        c(
            M::PATCH,
            "/v1/keys/{key}",
            Some(r#"{"min_encryption_version": 1}"#),
            manage,
        ),
        c(M::DELETE, "/v1/keys/{key}", None, [204, 204, 403, 404, 401]),
        c(M::POST, "/v1/keys/{key}/rotate", Some("{}"), manage),
        c(
            M::POST,
            "/v1/keys/{key}/trim",
            Some(r#"{"below_version": 1}"#),
            manage,
        ),
        c(
            M::POST,
            "/v1/encrypt",
            Some(r#"{"key": "{key}", "plaintext": "aGVsbG8="}"#),
            use_,
        ),
        c(
            M::POST,
            "/v1/decrypt",
            Some(r#"{"key": "{key}", "ciphertext": "{ciphertext}"}"#),
            use_,
        ),
        c(
            M::POST,
            "/v1/rewrap",
            Some(r#"{"key": "{key}", "ciphertext": "{ciphertext}"}"#),
            use_,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_crypto_route_answers_each_role_as_the_permission_table_says() {
    let app = crate::spawn();
    let mut failures = Vec::new();
    for case in cases() {
        let w = app.org_with_every_role().await;
        // The outsider is a member (the owner) of another org.
        app.create_org(&w.outsider, "free").await;
        for (role, want) in ["owner", "admin", "member", "outsider", "anonymous"]
            .into_iter()
            .zip(case.want)
        {
            let key = create_key(&app, &w.id, &w.owner, &format!("for {role}")).await;
            let ciphertext = encrypt(&app, &key, &w.owner, &b64("hello"), None).await;
            patch_key(&app, &key, &w.owner, json!({"deletion_allowed": true})).await;
            let fill = |text: &str| {
                text.replace("{org}", &w.id)
                    .replace("{key}", &key)
                    .replace("{ciphertext}", &ciphertext)
                    .replace("{name}", &format!("made by {role}"))
            };
            let token = match role {
                "owner" => Some(w.owner.token.as_str()),
                "admin" => Some(w.admin.token.as_str()),
                "member" => Some(w.member.token.as_str()),
                "outsider" => Some(w.outsider.token.as_str()),
                _ => None,
            };
            let body = case
                .body
                .map(|body| serde_json::from_str::<Value>(&fill(body)).unwrap());
            let reply = app
                .call(case.method.clone(), &fill(case.path), body, token)
                .await;
            if reply.code() != want {
                failures.push(format!(
                    "{} {} as {role}: got {}, want {want}: {}",
                    case.method,
                    case.path,
                    reply.code(),
                    reply.body
                ));
            } else if want >= 400
                && reply.header("content-type") != Some("application/problem+json")
            {
                failures.push(format!(
                    "{} {} as {role}: {want} without a problem document",
                    case.method, case.path
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An access token for `user`, bound to `org` (if any), with `scopes`, as `POST /v1/tokens`
/// would sign it.
async fn access_token(app: &TestApp, user: &User, org: Option<&str>, scopes: &str) -> String {
    app.state
        .access_tokens
        .issue(&AccessTokenRequest {
            subject: user.id.clone(),
            scopes: Scopes::parse(scopes).unwrap(),
            ttl: Duration::from_secs(600),
            org: org.map(|org| OrgId::parse(org).unwrap()),
            vault: None,
            client: None,
        })
        .await
        .unwrap()
        .token
}

#[tokio::test]
async fn an_access_token_with_keys_use_for_the_org_encrypts_and_one_without_it_gets_403() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let use_keys = access_token(&app, &w.member, Some(&w.id), "keys:use").await;
    let read_org = access_token(&app, &w.member, Some(&w.id), "org:read pii:use").await;
    let body = json!({"key": key, "plaintext": b64("hello")});

    let allowed = app.post("/v1/encrypt", body.clone(), Some(&use_keys)).await;
    let refused = app.post("/v1/encrypt", body, Some(&read_org)).await;

    assert_eq!(allowed.code(), 200, "{}", allowed.body);
    crate::assert_problem(&refused, 403);
    let opened = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "ciphertext": allowed.text("/ciphertext")}),
            Some(&use_keys),
        )
        .await;
    assert_eq!(opened.text("/plaintext"), b64("hello"));
    let refused_decrypt = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "ciphertext": allowed.text("/ciphertext")}),
            Some(&read_org),
        )
        .await;
    crate::assert_problem(&refused_decrypt, 403);
}

#[tokio::test]
async fn a_keys_use_token_cannot_manage_keys_even_for_an_owner() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let use_only = access_token(&app, &w.owner, Some(&w.id), "keys:use").await;
    let manage = access_token(&app, &w.owner, Some(&w.id), "keys:manage").await;

    let rotated = app
        .post(
            &format!("/v1/keys/{key}/rotate"),
            json!({}),
            Some(&use_only),
        )
        .await;
    let created = app
        .post(
            "/v1/keys",
            json!({"org_id": w.id, "name": "other"}),
            Some(&use_only),
        )
        .await;
    let listed = app
        .get(&format!("/v1/keys?org_id={}", w.id), Some(&use_only))
        .await;
    let rotated_with_manage = app
        .post(&format!("/v1/keys/{key}/rotate"), json!({}), Some(&manage))
        .await;

    crate::assert_problem(&rotated, 403);
    crate::assert_problem(&created, 403);
    assert_eq!(listed.code(), 200, "{}", listed.body);
    assert_eq!(
        rotated_with_manage.code(),
        200,
        "{}",
        rotated_with_manage.body
    );
}

#[tokio::test]
async fn a_token_bound_to_another_org_gets_404_and_an_unbound_one_works() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let elsewhere = app.create_org(&w.member, "free").await;
    let bound_elsewhere = access_token(&app, &w.member, Some(&elsewhere), "keys:use").await;
    let unbound = access_token(&app, &w.member, None, "keys:use").await;
    let body = json!({"key": key, "plaintext": b64("hello")});

    let refused = app
        .post("/v1/encrypt", body.clone(), Some(&bound_elsewhere))
        .await;
    let got = app
        .get(&format!("/v1/keys/{key}"), Some(&bound_elsewhere))
        .await;
    let allowed = app.post("/v1/encrypt", body, Some(&unbound)).await;

    crate::assert_problem(&refused, 404);
    crate::assert_problem(&got, 404);
    assert_eq!(allowed.code(), 200, "{}", allowed.body);
}
