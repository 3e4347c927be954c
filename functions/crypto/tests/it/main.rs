//! The `crypto` function's routes, driven in-process on the shared test kit: every route and
//! rule on the embedded backend, and the key-ring flows on the AWS backends (moto) too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod aws;
mod bad_input;
mod batch;
mod events;
mod key_ring_calls;
mod keys;
mod permissions;
mod purge;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use coffer_testkit::{Reply, TestApp, User};
use serde_json::{Value, json};

/// `auth` (to sign users up), `orgs` (to make orgs) and `crypto` over the embedded backend.
pub fn spawn() -> TestApp {
    TestApp::embedded(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_crypto::group(),
    ])
}

/// The same over DynamoDB, S3 and KMS on moto.
pub async fn spawn_on_moto() -> TestApp {
    TestApp::on_moto(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_crypto::group(),
    ])
    .await
}

/// Base64 of `bytes`, as the API takes plaintexts and contexts.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    STANDARD.encode(bytes)
}

/// The envelope bytes of a ciphertext in text form, and its version.
pub fn envelope_of(ciphertext: &str) -> (u32, Vec<u8>) {
    let rest = ciphertext
        .strip_prefix("coffer:v")
        .expect("a coffer ciphertext");
    let (version, body) = rest.split_once(':').expect("coffer:v<n>:<base64>");
    (version.parse().unwrap(), STANDARD.decode(body).unwrap())
}

/// A ciphertext's text form for `envelope` under `version`.
pub fn ciphertext_of(version: u32, envelope: &[u8]) -> String {
    format!("coffer:v{version}:{}", STANDARD.encode(envelope))
}

/// Creates a key named `name` in `org` as `by`; its id.
pub async fn create_key(app: &TestApp, org: &str, by: &User, name: &str) -> String {
    let made = app
        .post(
            "/v1/keys",
            json!({"org_id": org, "name": name}),
            Some(&by.token),
        )
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
    made.text("/id")
}

/// `GET /v1/keys/{key}` as `by`, which must answer 200.
pub async fn key_view(app: &TestApp, key: &str, by: &User) -> Value {
    let got = app.get(&format!("/v1/keys/{key}"), Some(&by.token)).await;
    assert_eq!(got.code(), 200, "{}", got.body);
    got.body
}

/// `POST /v1/keys/{key}/rotate` as `by`, which must answer 200; the key's view.
pub async fn rotate(app: &TestApp, key: &str, by: &User) -> Value {
    let rotated = app
        .post(
            &format!("/v1/keys/{key}/rotate"),
            json!({}),
            Some(&by.token),
        )
        .await;
    assert_eq!(rotated.code(), 200, "{}", rotated.body);
    rotated.body
}

/// `PATCH /v1/keys/{key}` with `body` as `by`.
pub async fn patch_key(app: &TestApp, key: &str, by: &User, body: Value) -> Reply {
    app.patch(&format!("/v1/keys/{key}"), body, Some(&by.token))
        .await
}

/// `POST /v1/keys/{key}/trim` below `version` as `by`.
pub async fn trim(app: &TestApp, key: &str, by: &User, version: u32) -> Reply {
    app.post(
        &format!("/v1/keys/{key}/trim"),
        json!({"below_version": version}),
        Some(&by.token),
    )
    .await
}

/// Encrypts one base64 plaintext (with an optional base64 context) as `by`; the ciphertext.
pub async fn encrypt(
    app: &TestApp,
    key: &str,
    by: &User,
    plaintext: &str,
    context: Option<&str>,
) -> String {
    let sealed = app
        .post(
            "/v1/encrypt",
            with_context(json!({"key": key, "plaintext": plaintext}), context),
            Some(&by.token),
        )
        .await;
    assert_eq!(sealed.code(), 200, "{}", sealed.body);
    sealed.text("/ciphertext")
}

/// `POST /v1/decrypt` of one ciphertext as `by`.
pub async fn decrypt(
    app: &TestApp,
    key: &str,
    by: &User,
    ciphertext: &str,
    context: Option<&str>,
) -> Reply {
    app.post(
        "/v1/decrypt",
        with_context(json!({"key": key, "ciphertext": ciphertext}), context),
        Some(&by.token),
    )
    .await
}

/// `body` with `"context": context` when there is one.
pub fn with_context(mut body: Value, context: Option<&str>) -> Value {
    if let Some(context) = context {
        body["context"] = json!(context);
    }
    body
}

/// Asserts that `reply` is a problem document with `status` (and never a plaintext).
#[track_caller]
pub fn assert_problem(reply: &Reply, status: u16) {
    coffer_testkit::assert_problem(reply, status);
    assert!(reply.body.get("plaintext").is_none(), "{}", reply.body);
}

/// Asserts that one item of a batch failed with `status` and carries nothing else.
#[track_caller]
pub fn assert_item_error(item: &Value, status: u16) {
    assert_eq!(item["error"]["status"], status, "{item}");
    let kind = match status {
        400 => "/problems/bad-request",
        422 => "/problems/validation",
        _ => panic!("no item fails with {status}"),
    };
    assert_eq!(item["error"]["type"], kind, "{item}");
    for field in ["plaintext", "ciphertext", "key_version"] {
        assert!(item.get(field).is_none(), "{item}");
    }
}

/// The results of a batch reply (which must answer 200).
#[track_caller]
pub fn batch_results(reply: &Reply) -> Vec<Value> {
    assert_eq!(reply.code(), 200, "{}", reply.body);
    reply.body["batch_results"]
        .as_array()
        .expect("batch_results")
        .clone()
}

/// A small deterministic generator (SplitMix64), so a failing case can be reproduced.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % n as u64).unwrap()
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64().to_le_bytes()[0]).collect()
    }
}

/// How many calls have reached the key ring (KMS on AWS) so far in this process.
pub fn ring_calls(app: &TestApp) -> u64 {
    app.state
        .ports
        .keys
        .stats()
        .expect("the ports' key ring is the data-key cache")
        .ring_calls
}
