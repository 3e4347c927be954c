//! A JOSE library that is not ours (`jsonwebtoken`) verifies Coffer's access tokens with only
//! what the discovery documents publish, and Coffer accepts what that library signs with
//! Coffer's key: the tokens are plain RFC 7519 / RFC 8037 JWTs.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_testkit::TestApp;
use ed25519_dalek::pkcs8::EncodePrivateKey as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header,
};
use serde_json::{Value, json};

use crate::{decode as decode_parts, now, signing_key, spawn};

/// Verifies `token` with `jsonwebtoken`, knowing only the app's discovery documents.
pub async fn verify_with_jsonwebtoken(
    app: &TestApp,
    token: &str,
) -> Result<Value, jsonwebtoken::errors::Error> {
    let configuration = app.get("/.well-known/openid-configuration", None).await;
    assert_eq!(configuration.code(), 200, "{}", configuration.body);
    let issuer = configuration.text("/issuer");
    let audience = app.state.settings.tokens.audience.clone();
    let jwks: JwkSet = serde_json::from_value(app.jwks().await.body).unwrap();
    let kid = decode_header(token)?.kid.expect("the header names its key");
    let jwk = jwks.find(&kid).expect("the JWKS lists the token's kid");
    let key = DecodingKey::from_jwk(jwk)?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    // `jsonwebtoken` reads the system clock; the app's clock may have been moved ahead.
    let ahead = now(app) - time::OffsetDateTime::now_utc().unix_timestamp();
    validation.leeway = u64::try_from(ahead).unwrap_or(0) + 5;
    decode::<Value>(token, &key, &validation).map(|data| data.claims)
}

#[tokio::test]
async fn jsonwebtoken_verifies_our_access_token_with_only_the_published_jwks() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({"ttl_seconds": 600})).await;
    let claims = verify_with_jsonwebtoken(&app, &pair.access).await.unwrap();
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["exp"], now(&app) + 600);

    // The check is real: a changed payload under the same signature fails it.
    let (_, mut forged_claims) = decode_parts(&pair.access);
    forged_claims["sub"] = json!("usr_01arz3ndektsv4rrffq69g5fav");
    let parts: Vec<&str> = pair.access.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged_claims).unwrap()),
        parts[2]
    );
    let refused = verify_with_jsonwebtoken(&app, &forged).await.unwrap_err();
    assert_eq!(
        refused.kind(),
        &jsonwebtoken::errors::ErrorKind::InvalidSignature
    );
}

#[tokio::test]
async fn the_jwks_publishes_okp_ed25519_keys_for_eddsa_signatures_and_may_be_cached() {
    let app = spawn();
    // Asked before any token exists, the JWKS makes the first key.
    let jwks = app.jwks().await;
    let cache = jwks
        .header("cache-control")
        .expect("a cache-control header");
    assert!(cache.contains("max-age="), "{cache}");
    assert!(!cache.contains("no-store"), "{cache}");
    let keys = jwks.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{}", jwks.body);
    let key = &keys[0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["use"], "sig");
    let x = URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap();
    assert_eq!(x.len(), 32);
    assert!(key.get("d").is_none(), "never the private key: {key}");

    // The key that signs is the one published, and `x` is its public half.
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let (header, _) = decode_parts(&pair.access);
    assert_eq!(header["kid"], key["kid"]);
    let (_, private) = signing_key(&app).await;
    assert_eq!(private.verifying_key().as_bytes().as_slice(), x.as_slice());
}

#[tokio::test]
async fn the_openid_configuration_names_the_issuer_the_keys_and_the_token_endpoint() {
    let app = spawn_with_issuer("https://api.example.com");
    let configuration = app.get("/.well-known/openid-configuration", None).await;
    assert_eq!(configuration.code(), 200, "{}", configuration.body);
    assert!(configuration.header("cache-control").is_some());
    let body = &configuration.body;
    assert_eq!(body["issuer"], "https://api.example.com");
    assert_eq!(
        body["jwks_uri"],
        "https://api.example.com/.well-known/jwks.json"
    );
    assert_eq!(
        body["token_endpoint"],
        "https://api.example.com/v1/oauth/token"
    );
    let grants = body["grant_types_supported"].as_array().unwrap();
    assert!(
        grants.contains(&json!("refresh_token")) && grants.contains(&json!("client_credentials"))
    );
    assert_eq!(
        body["token_endpoint_auth_signing_alg_values_supported"],
        json!(["EdDSA"])
    );
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let (_, claims) = decode_parts(&pair.access);
    assert_eq!(claims["iss"], "https://api.example.com");
    verify_with_jsonwebtoken(&app, &pair.access).await.unwrap();
}

#[tokio::test]
async fn a_token_jsonwebtoken_signs_with_our_key_and_our_claims_is_accepted() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let (_, claims) = decode_parts(&pair.access);
    let (kid, private) = signing_key(&app).await;
    let der = private.to_pkcs8_der().unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid);
    header.typ = Some("at+jwt".into());
    let mut ours = claims.clone();
    ours["jti"] = json!("made-by-jsonwebtoken-0001");
    let token =
        jsonwebtoken::encode(&header, &ours, &EncodingKey::from_ed_der(der.as_bytes())).unwrap();
    let me = app.me(&token).await;
    assert_eq!(me.code(), 200, "{}", me.body);
    assert_eq!(me.body["id"], user.id.as_str());
}

fn spawn_with_issuer(issuer: &str) -> TestApp {
    let issuer = issuer.to_owned();
    crate::spawn_with(move |s| s.tokens.issuer = issuer)
}
