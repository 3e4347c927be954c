//! The `tokens` function's routes, driven in-process on the shared test kit: issuing, the
//! claims and how other routes honour them, interop with a JOSE library that is not ours, bad
//! tokens, refresh families, revocation, key rotation and the OAuth token endpoint on the
//! embedded backend; a core subset again on the AWS backends (moto).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod account;
mod backends;
mod bad_tokens;
mod client_credentials;
mod events;
mod interop;
mod issue;
mod oauth;
mod refresh;
mod revocation;
mod rotation;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_core::Settings;
use coffer_core::http::FunctionGroup;
use coffer_testkit::TestApp;
use ed25519_dalek::Signer as _;
use serde_json::{Value, json};

/// `auth` (users, sessions, `/v1/auth/me`), `orgs` (orgs, vaults, routes that need a scope)
/// and `tokens`.
pub fn groups() -> Vec<FunctionGroup> {
    vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_tokens::group(),
    ]
}

/// The three groups over the embedded backend.
pub fn spawn() -> TestApp {
    TestApp::embedded(groups())
}

/// The same, with settings changed first.
pub fn spawn_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    TestApp::embedded_with(groups(), change)
}

/// The same over DynamoDB, S3 and KMS on moto.
pub async fn spawn_on_moto() -> TestApp {
    TestApp::on_moto(groups()).await
}

/// Another process on the same store and clock, with settings changed first.
pub fn sibling(app: &TestApp, change: impl FnOnce(&mut Settings)) -> TestApp {
    app.sibling(change, |_, _| groups())
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn b64_json(value: &Value) -> String {
    b64(&serde_json::to_vec(value).unwrap())
}

/// The header and the claims of a compact JWS, read without checking anything.
pub fn decode(token: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "not a compact JWS: {token}");
    let json = |segment: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
    };
    (json(parts[0]), json(parts[1]))
}

/// `token` with its protected header replaced by `header` (its signature then covers something
/// else).
pub fn with_header(token: &str, header: &Value) -> String {
    let (_, rest) = token.split_once('.').unwrap();
    format!("{}.{rest}", b64_json(header))
}

/// A token signed with the key this app signs with now (unsealed from the table, as only an
/// insider could), with any header and claims: to show that each claim check refuses on its
/// own, not the signature.
pub async fn forge(app: &TestApp, header: &Value, claims: &Value) -> String {
    let (_, key) = signing_key(app).await;
    let input = format!("{}.{}", b64_json(header), b64_json(claims));
    let signature = key.sign(input.as_bytes());
    format!("{input}.{}", b64(&signature.to_bytes()))
}

/// The kid and private key that sign now (the first key is made if there is none).
pub async fn signing_key(app: &TestApp) -> (String, ed25519_dalek::SigningKey) {
    let jwks = app.published_kids().await;
    assert!(!jwks.is_empty());
    let keys = app.state.access_tokens.keys().refresh().await.unwrap();
    let now = app.state.ports.clock.now();
    let record = coffer_core::tokens::signing_keys::signing_at(&keys.records, now)
        .expect("a key that signs now");
    let key = app
        .state
        .access_tokens
        .keys()
        .store()
        .unseal(record)
        .await
        .unwrap();
    (record.kid.clone(), key)
}

/// The header Coffer writes, naming `kid`.
pub fn our_header(kid: &str) -> Value {
    json!({"alg": "EdDSA", "kid": kid, "typ": "at+jwt"})
}

/// The current Unix time of the app's clock.
pub fn now(app: &TestApp) -> i64 {
    app.state.ports.clock.now().unix_timestamp()
}
