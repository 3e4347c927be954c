//! Every way a presented access token can be bad answers 401 on `GET /v1/auth/me` — never a
//! 500, never a different answer that tells an attacker which check failed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_testkit::TestApp;
use coffer_testkit::tokens::TokenPair;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::{decode, forge, now, our_header, sibling, spawn, with_header};

/// A user and an unbound pair of theirs.
async fn user_with_pair(app: &TestApp) -> (coffer_testkit::User, TokenPair) {
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    (user, pair)
}

/// Asserts that `token` is refused with the one 401 problem every bad token gets.
async fn refused(app: &TestApp, token: &str, why: &str) {
    let me = app.me(token).await;
    assert_eq!(me.code(), 401, "{why}: {} {}", me.code(), me.body);
    assert_eq!(
        me.header("content-type"),
        Some("application/problem+json"),
        "{why}"
    );
}

#[tokio::test]
async fn a_token_with_alg_none_is_refused() {
    let app = spawn();
    let (_, pair) = user_with_pair(&app).await;
    let (header, _) = decode(&pair.access);
    let none = json!({"alg": "none", "kid": header["kid"], "typ": "at+jwt"});
    let unsigned = with_header(&pair.access, &none);
    let (input, _) = unsigned.rsplit_once('.').unwrap();
    refused(&app, &format!("{input}."), "alg none without a signature").await;
    refused(&app, &unsigned, "alg none with the old signature").await;
    let lower = json!({"alg": "NONE", "kid": header["kid"]});
    refused(&app, &with_header(&pair.access, &lower), "alg NONE").await;
}

#[tokio::test]
async fn a_token_signed_with_hs256_using_the_public_key_as_the_secret_is_refused() {
    let app = spawn();
    let (_, pair) = user_with_pair(&app).await;
    let (header, claims) = decode(&pair.access);
    let kid = header["kid"].as_str().unwrap().to_owned();
    let jwks = app.jwks().await;
    let x = jwks.body["keys"][0]["x"].as_str().unwrap().to_owned();
    let x_bytes = URL_SAFE_NO_PAD.decode(&x).unwrap();
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(kid);
    hs.typ = Some("at+jwt".into());
    // The raw public key, and its base64url text, as the HMAC secret (key-confusion attack).
    for secret in [x_bytes.as_slice(), x.as_bytes()] {
        let token = jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(secret)).unwrap();
        refused(&app, &token, "HS256 keyed with the public key").await;
    }
}

#[tokio::test]
async fn a_token_signed_by_a_key_this_deployment_never_published_is_refused() {
    let app = spawn();
    let (_, pair) = user_with_pair(&app).await;
    assert_eq!(app.me(&pair.access).await.code(), 200);
    // Another deployment (its own store and keys) with the same issuer and audience.
    let stranger = spawn();
    let (_, foreign) = user_with_pair(&stranger).await;
    assert_eq!(stranger.me(&foreign.access).await.code(), 200);
    refused(&app, &foreign.access, "a kid this deployment does not know").await;

    // A known kid over a signature by another key.
    let (header, _) = decode(&pair.access);
    refused(
        &app,
        &with_header(&foreign.access, &header),
        "a known kid over a foreign signature",
    )
    .await;
    let made_up = with_header(&pair.access, &our_header("01aaaaaaaaaaaaaaaaaaaaaaaa"));
    refused(&app, &made_up, "a made-up kid").await;
}

#[tokio::test]
async fn a_token_from_another_issuer_or_for_another_audience_is_refused() {
    let app = spawn();
    let (_, pair) = user_with_pair(&app).await;
    // Siblings share the store and so the keys: the signature verifies, only the claim differs.
    let same = sibling(&app, |_| {});
    assert_eq!(same.me(&pair.access).await.code(), 200);
    let other_issuer = sibling(&app, |s| {
        s.tokens.issuer = "https://elsewhere.example".into()
    });
    refused(&other_issuer, &pair.access, "another iss").await;
    let other_audience = sibling(&app, |s| s.tokens.audience = "someone-else".into());
    refused(&other_audience, &pair.access, "another aud").await;

    // And the other way: tokens those siblings issue are refused here.
    let user = app.sign_up().await;
    let theirs = other_issuer.token_pair(&user, json!({})).await;
    assert_eq!(other_issuer.me(&theirs.access).await.code(), 200);
    refused(&app, &theirs.access, "a token of another issuer").await;
}

#[tokio::test]
async fn an_expired_token_is_refused_once_the_leeway_has_passed() {
    let app = spawn();
    let (_, pair) = user_with_pair(&app).await;
    app.clock.advance(time::Duration::seconds(3600 + 29));
    assert_eq!(
        app.me(&pair.access).await.code(),
        200,
        "within the 30 s leeway"
    );
    app.clock.advance(time::Duration::seconds(2));
    refused(&app, &pair.access, "expired").await;
}

#[tokio::test]
async fn a_token_that_is_not_yet_valid_is_refused_beyond_the_leeway() {
    let app = spawn();
    let (_, pair) = user_with_pair(&app).await;
    // The clock of this process runs behind the issuer's by more than the leeway.
    app.clock.advance(time::Duration::seconds(-31));
    refused(&app, &pair.access, "nbf and iat in the future").await;
    app.clock.advance(time::Duration::seconds(2));
    assert_eq!(
        app.me(&pair.access).await.code(),
        200,
        "within the 30 s leeway"
    );
}

#[tokio::test]
async fn claims_signed_with_our_own_key_are_still_checked_one_by_one() {
    let app = spawn();
    let (user, pair) = user_with_pair(&app).await;
    let (header, claims) = decode(&pair.access);
    let kid = header["kid"].as_str().unwrap();
    // The forger is sound: the same claims, re-signed, are accepted.
    let control = forge(&app, &our_header(kid), &claims).await;
    assert_eq!(app.me(&control).await.code(), 200);

    let t = now(&app);
    let changed = |edit: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        edit(&mut c);
        c
    };
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "nbf in the future",
            our_header(kid),
            changed(&|c| c["nbf"] = json!(t + 120)),
        ),
        (
            "iat in the future",
            our_header(kid),
            changed(&|c| c["iat"] = json!(t + 120)),
        ),
        (
            "expired",
            our_header(kid),
            changed(&|c| {
                c["iat"] = json!(t - 7200);
                c["nbf"] = json!(t - 7200);
                c["exp"] = json!(t - 3600);
            }),
        ),
        (
            "a life longer than a day",
            our_header(kid),
            changed(&|c| c["exp"] = json!(t + 86_400 * 30)),
        ),
        (
            "another issuer",
            our_header(kid),
            changed(&|c| c["iss"] = json!("https://evil.example")),
        ),
        (
            "another audience",
            our_header(kid),
            changed(&|c| c["aud"] = json!("someone-else")),
        ),
        (
            "an audience list",
            our_header(kid),
            changed(&|c| c["aud"] = json!(["coffer"])),
        ),
        (
            "a subject that is no user",
            our_header(kid),
            changed(&|c| c["sub"] = json!("root")),
        ),
        (
            "a client without an org",
            our_header(kid),
            changed(&|c| c["client"] = json!("cli_01arz3ndektsv4rrffq69g5fav")),
        ),
        (
            "a claim Coffer never writes",
            our_header(kid),
            changed(&|c| c["admin"] = json!(true)),
        ),
        (
            "a scope that is not a permission",
            our_header(kid),
            changed(&|c| c["scope"] = json!("vaults:read everything")),
        ),
        (
            "no exp",
            our_header(kid),
            changed(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
        ),
        (
            "typ JWT instead of at+jwt",
            json!({"alg": "EdDSA", "kid": kid, "typ": "JWT"}),
            claims.clone(),
        ),
        (
            "a jku to fetch keys from",
            json!({"alg": "EdDSA", "kid": kid, "typ": "at+jwt", "jku": "https://evil.example/jwks.json"}),
            claims.clone(),
        ),
        (
            "crit",
            json!({"alg": "EdDSA", "kid": kid, "typ": "at+jwt", "crit": ["exp"]}),
            claims.clone(),
        ),
    ];
    for (why, header, claims) in cases {
        let token = forge(&app, &header, &claims).await;
        refused(&app, &token, why).await;
    }
    assert_eq!(app.me(&user.token).await.code(), 200);
}

#[tokio::test]
async fn truncated_oversized_and_non_base64_tokens_are_refused() {
    let app = spawn();
    let (_, pair) = user_with_pair(&app).await;
    let token = pair.access.as_str();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let (header, payload) = input.split_once('.').unwrap();
    let padded_payload = "A".repeat(5000 - token.len() + payload.len());
    let cases = [
        ("cut short", token[..token.len() - 10].to_owned()),
        ("without its signature", format!("{input}.")),
        ("two segments", input.to_owned()),
        ("one dot", format!("{header}.")),
        ("four segments", format!("{token}.{signature}")),
        ("an empty payload", format!("{header}..{signature}")),
        (
            "oversized payload",
            format!("{header}.{padded_payload}.{signature}"),
        ),
        (
            "oversized",
            format!("{token}{}", "A".repeat(5000 - token.len())),
        ),
        ("5000 dots", ".".repeat(5000)),
        ("non-base64", "!!!.@@@.###".to_owned()),
        (
            "a star in the payload",
            format!("{header}.*{}.{signature}", &payload[1..]),
        ),
        ("padding", format!("{input}.{signature}==")),
        (
            "standard base64",
            format!(
                "{header}.{payload}.{}",
                signature.replace('-', "+").replace('_', "/") + "+/"
            ),
        ),
        (
            "a header that is not JSON",
            format!(
                "{}.{payload}.{signature}",
                URL_SAFE_NO_PAD.encode(b"not json")
            ),
        ),
        (
            "a header that is a JSON array",
            format!(
                "{}.{payload}.{signature}",
                URL_SAFE_NO_PAD.encode(b"[\"EdDSA\"]")
            ),
        ),
        (
            "a payload that is not JSON",
            format!(
                "{header}.{}.{signature}",
                URL_SAFE_NO_PAD.encode(b"\xff\xfe")
            ),
        ),
        (
            "whitespace inside",
            format!("{header}. {payload}.{signature}"),
        ),
    ];
    for (why, bad) in cases {
        if why.starts_with("oversized") {
            assert_eq!(bad.len(), 5000, "{why}");
        }
        refused(&app, &bad, why).await;
    }
    assert_eq!(
        app.me(token).await.code(),
        200,
        "the real token still works"
    );
}

#[tokio::test]
async fn a_header_that_points_at_keys_is_refused() {
    let app = spawn();
    let (_, pair) = user_with_pair(&app).await;
    let (header, claims) = decode(&pair.access);
    let kid = header["kid"].clone();
    let jwk = app.jwks().await.body["keys"][0].clone();
    for extra in [
        json!({"jku": "https://evil.example/jwks.json"}),
        json!({"x5u": "https://evil.example/cert.pem"}),
        json!({"jwk": jwk}),
        json!({"x5c": ["MIIB"]}),
        json!({"kid": null}),
        json!({"kid": "../../etc/passwd"}),
        json!({"kid": "x".repeat(300)}),
    ] {
        let mut evil = json!({"alg": "EdDSA", "kid": kid, "typ": "at+jwt"});
        for (name, value) in extra.as_object().unwrap() {
            evil[name] = value.clone();
        }
        // Over the old signature, and signed with our own key: refused by the header alone.
        refused(&app, &with_header(&pair.access, &evil), &evil.to_string()).await;
        refused(&app, &forge(&app, &evil, &claims).await, &evil.to_string()).await;
    }
}

#[tokio::test]
async fn a_refresh_token_or_garbage_as_a_bearer_is_refused() {
    let app = spawn();
    let (_, pair) = user_with_pair(&app).await;
    refused(&app, &pair.refresh, "a refresh token").await;
    refused(&app, "a.b", "a.b").await;
    refused(&app, ".", ".").await;
    let sessions = app.me("not-a-session").await;
    assert_eq!(sessions.code(), 401);
}

#[tokio::test]
async fn a_token_without_the_at_jwt_typ_is_refused() {
    // RFC 9068 §4: the resource server verifies that `typ` is `at+jwt`. Signed with our own
    // key, so only the missing `typ` can refuse it: no other JWT Coffer signs may pass for an
    // access token.
    let app = spawn();
    let (_, pair) = user_with_pair(&app).await;
    let (header, claims) = decode(&pair.access);
    let untyped = json!({"alg": "EdDSA", "kid": header["kid"]});
    refused(&app, &forge(&app, &untyped, &claims).await, "no typ").await;
}
