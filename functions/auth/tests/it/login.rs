//! `POST /v1/auth/login` and `POST /v1/auth/logout`: sessions, cookies, enumeration, limits.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use super::{json_request, random_ip, spawn_app, spawn_app_with, strong_password, unique_email};

#[tokio::test]
async fn a_web_login_answers_a_session_and_sets_a_secure_http_only_cookie_for_30_days() {
    let app = spawn_app();
    let (email, password) = (unique_email(), strong_password());
    app.register(&email, &password).await;

    let reply = app
        .post(
            "/v1/auth/login",
            json!({"email": email, "password": password}),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let token = reply.body["session_token"].as_str().unwrap();
    assert_eq!(token.len(), 43, "256 bits, base64url");
    assert!(
        reply.body["session_id"]
            .as_str()
            .unwrap()
            .starts_with("ses_")
    );
    assert_eq!(reply.body["user"]["email"], email);
    let expires = time::OffsetDateTime::parse(
        reply.body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!((expires - app.clock_now()).whole_days(), 30);
    let cookie = reply.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with(&format!("__Host-coffer_session={token};")),
        "{cookie}"
    );
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=2592000",
    ] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(
        !cookie.contains("Domain"),
        "a __Host- cookie has no Domain: {cookie}"
    );
    assert_eq!(reply.header("x-ratelimit-limit"), Some("100"));
    assert_eq!(reply.header("x-ratelimit-remaining"), Some("99"));
}

#[tokio::test]
async fn a_cli_login_lasts_90_days_and_sets_no_cookie() {
    let app = spawn_app();
    let (email, password) = (unique_email(), strong_password());
    app.register(&email, &password).await;

    let reply = app.login(&email, &password).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.header("set-cookie").is_none());
    let expires = time::OffsetDateTime::parse(
        reply.body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!((expires - app.clock_now()).whole_days(), 90);
}

#[tokio::test]
async fn the_session_cookie_alone_authenticates_a_request() {
    let app = spawn_app();
    let account = app.signed_up().await;
    let request = Request::get("/v1/auth/me")
        .header(
            header::COOKIE,
            format!("theme=dark; __Host-coffer_session={}", account.token),
        )
        .body(Body::empty())
        .unwrap();

    let reply = app.send(request).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["id"], account.user_id);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401_after_one_verification_each() {
    let app = spawn_app();
    let account = app.signed_up().await;
    let hasher = app.service.hasher();

    let before = hasher.verifications();
    let wrong = app.login(&account.email, "Not-The-Password-42").await;
    let after_wrong = hasher.verifications();
    let unknown = app.login(&unique_email(), "Not-The-Password-42").await;
    let after_unknown = hasher.verifications();

    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.body_without_request_id(),
        unknown.body_without_request_id()
    );
    assert_eq!(
        after_wrong - before,
        1,
        "a known email runs one Argon2 verification"
    );
    assert_eq!(
        after_unknown - after_wrong,
        1,
        "an unknown email runs one too, against the dummy hash"
    );
    let mut wrong_headers: Vec<_> = wrong
        .headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .collect();
    let mut unknown_headers: Vec<_> = unknown
        .headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .collect();
    wrong_headers.sort();
    unknown_headers.sort();
    assert_eq!(wrong_headers, unknown_headers);
}

#[tokio::test]
async fn login_attempts_past_the_per_ip_limit_answer_429_until_the_hour_ends() {
    let app = spawn_app_with(|s| s.auth.login_per_ip_per_hour = 3);
    let account = app.signed_up().await; // one attempt
    app.login(&account.email, "wrong-password-x").await;
    let third = app.login(&account.email, &account.password).await;
    assert_eq!(third.status, StatusCode::OK);
    assert_eq!(third.header("x-ratelimit-remaining"), Some("0"));

    let fourth = app.login(&account.email, &account.password).await;

    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(fourth.body["type"], "/problems/rate-limited");
    assert_eq!(fourth.header("x-ratelimit-limit"), Some("3"));
    let retry_after: i64 = fourth.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3_600).contains(&retry_after));
    let other_ip = app
        .send_from(
            random_ip(),
            json_request(
                Method::POST,
                "/v1/auth/login",
                Some(json!({"email": account.email, "password": account.password})),
                None,
            ),
        )
        .await;
    assert_eq!(other_ip.status, StatusCode::OK);
    app.clock.advance(time::Duration::seconds(retry_after));
    assert_eq!(
        app.login(&account.email, &account.password).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn ten_failures_lock_the_account_and_each_later_lockout_lasts_longer() {
    let app = spawn_app();
    let account = app.signed_up().await;
    let base = app.settings.auth.lockout_base.as_secs();

    for round in 1..=2u32 {
        for _ in 0..10 {
            // From many IPs: the account's limit does not care where failures come from.
            let reply = app
                .send_from(
                    random_ip(),
                    json_request(
                        Method::POST,
                        "/v1/auth/login",
                        Some(json!({"email": account.email, "password": "Wrong-Password-99"})),
                        None,
                    ),
                )
                .await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        }
        let locked = app.login(&account.email, &account.password).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "round {round}: the right password waits too"
        );
        let retry_after: u64 = locked.header("retry-after").unwrap().parse().unwrap();
        assert_eq!(retry_after, base << (round - 1), "round {round}");

        app.clock.advance(time::Duration::seconds(
            i64::try_from(retry_after).unwrap() - 1,
        ));
        assert_eq!(
            app.login(&account.email, &account.password).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
        app.clock.advance(time::Duration::seconds(1));
        assert_eq!(
            app.login(&account.email, &account.password).await.status,
            StatusCode::OK,
            "round {round}"
        );
    }
}

#[tokio::test]
async fn an_unknown_email_is_locked_out_like_a_known_one() {
    let app = spawn_app_with(|s| s.auth.login_failures_per_account_per_hour = 2);
    let email = unique_email();
    app.login(&email, "Wrong-Password-99").await;
    app.login(&email, "Wrong-Password-99").await;
    assert_eq!(
        app.login(&email, "Wrong-Password-99").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_success_clears_the_failures_so_far() {
    let app = spawn_app_with(|s| s.auth.login_failures_per_account_per_hour = 3);
    let account = app.signed_up().await;
    for _ in 0..2 {
        app.login(&account.email, "Wrong-Password-99").await;
    }
    assert_eq!(
        app.login(&account.email, &account.password).await.status,
        StatusCode::OK
    );
    for _ in 0..2 {
        app.login(&account.email, "Wrong-Password-99").await;
    }
    assert_eq!(
        app.login(&account.email, &account.password).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_hash_made_with_older_parameters_is_upgraded_at_login() {
    let app = spawn_app_with(|s| s.auth.argon2_memory_kib = 32);
    let (email, password) = (unique_email(), strong_password());
    app.register(&email, &password).await;
    // The same table, served by a build with stronger parameters.
    let stronger = super::spawn_on_table(&app, |s| s.auth.argon2_memory_kib = 128);
    let user = coffer_core::auth::UserId::parse(
        stronger.login(&email, &password).await.body["user"]["id"]
            .as_str()
            .unwrap(),
    )
    .unwrap();

    let credential = app
        .table
        .get(&coffer_core::store::schema::user_credential(&user))
        .await
        .unwrap()
        .unwrap();

    assert!(
        credential.attrs["password_hash"]
            .as_str()
            .unwrap()
            .contains("m=128,t=1,p=1")
    );
    assert_eq!(credential.version, 2);
    assert_eq!(
        stronger.login(&email, &password).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_over_1024_bytes_or_a_bad_client_answers_422() {
    let app = spawn_app();
    let long = app.login(&unique_email(), &"x".repeat(1025)).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let client = app
        .post(
            "/v1/auth/login",
            json!({"email": unique_email(), "password": "x", "client": "tv"}),
            None,
        )
        .await;
    assert_eq!(client.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(client.body["errors"][0]["field"], "client");
}

#[tokio::test]
async fn an_expired_session_is_refused_before_the_store_removes_it() {
    let app = spawn_app();
    let account = app.signed_up().await; // cli: 90 days
    app.clock
        .advance(time::Duration::days(90) - time::Duration::seconds(1));
    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.status,
        StatusCode::OK
    );

    app.clock.advance(time::Duration::seconds(1));

    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookie() {
    let app = spawn_app();
    let account = app.signed_up().await;

    let reply = app
        .post("/v1/auth/logout", json!({}), Some(&account.token))
        .await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let cookie = reply.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with("__Host-coffer_session=;") && cookie.contains("Max-Age=0"),
        "{cookie}"
    );
    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .post("/v1/auth/logout", json!({}), Some(&account.token))
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_without_a_session_answers_401() {
    let app = spawn_app();
    let reply = app
        .send(
            Request::post("/v1/auth/logout")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn an_eleventh_login_removes_the_oldest_session() {
    let app = spawn_app();
    let first = app.signed_up().await;
    let mut tokens = vec![first.token.clone()];
    for _ in 0..10 {
        app.clock.advance(time::Duration::seconds(1));
        let reply = app.login(&first.email, &first.password).await;
        tokens.push(reply.body["session_token"].as_str().unwrap().to_owned());
    }

    let listed = app.get("/v1/auth/sessions", Some(&tokens[10])).await;

    assert_eq!(listed.body["items"].as_array().unwrap().len(), 10);
    assert_eq!(
        app.get("/v1/auth/me", Some(&tokens[0])).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/v1/auth/me", Some(&tokens[1])).await.status,
        StatusCode::OK
    );
}
