//! The `clients` function's routes and client authentication, driven in-process on the shared
//! test kit: every route and rule on the embedded backend, the races and the assertion flow on
//! the AWS backends (moto) too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod authenticate;
mod certificates;
mod clients;
mod events;
mod limits;
mod matrix;
mod purge;

use std::sync::Arc;

use coffer_core::clients::ClientsService;
use coffer_core::tokens::jws;
use coffer_testkit::{TestApp, User};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use serde_json::{Value, json};

/// `auth` (to sign users up), `orgs` (to make orgs) and `clients` over the embedded backend.
pub fn spawn() -> TestApp {
    TestApp::embedded(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_clients::group(),
    ])
}

/// The same over DynamoDB, S3 and KMS on moto.
pub async fn spawn_on_moto() -> TestApp {
    TestApp::on_moto(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_clients::group(),
    ])
    .await
}

/// The clients service on the app's ports, as the tokens function builds it.
pub fn service(app: &TestApp) -> Arc<ClientsService> {
    Arc::new(ClientsService::new(
        app.state.ports.table.clone(),
        app.state.ports.clock.clone(),
        app.state.access_tokens.clone(),
        &app.state.settings.tokens,
    ))
}

/// A client made through the API, with one certificate and its private key.
#[derive(Debug)]
pub struct Credential {
    pub org: String,
    pub client: String,
    pub certificate: String,
    pub key: SigningKey,
}

impl Credential {
    /// `/v1/orgs/{org}/clients/{client}`.
    pub fn path(&self) -> String {
        format!("/v1/orgs/{}/clients/{}", self.org, self.client)
    }

    /// Claims a client library would send now: for the token endpoint, a minute to live.
    pub fn claims(&self, app: &TestApp) -> Value {
        let now = app.state.ports.clock.now().unix_timestamp();
        json!({
            "iss": self.client,
            "sub": self.client,
            "aud": app.state.settings.tokens.token_endpoint(),
            "iat": now,
            "exp": now + 60,
            "jti": ulid_like(),
        })
    }

    /// `claims` signed with this credential's key, naming its certificate.
    pub fn sign(&self, claims: &Value) -> String {
        jws::sign(&self.key, &self.certificate, "JWT", claims).unwrap()
    }

    /// A good assertion, made now.
    pub fn assertion(&self, app: &TestApp) -> String {
        self.sign(&self.claims(app))
    }
}

/// A fresh unique string for a `jti`.
pub fn ulid_like() -> String {
    coffer_core::ids::ClientId::generate(time::OffsetDateTime::now_utc())
        .unwrap()
        .as_str()
        .replacen("cli_", "jti-", 1)
}

/// Creates a client of `org` as `by`; its id.
pub async fn create_client(app: &TestApp, org: &str, by: &User, body: Value) -> String {
    let made = app
        .post(&format!("/v1/orgs/{org}/clients"), body, Some(&by.token))
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
    made.text("/id")
}

/// Creates a certificate of `client` as `by`: its id and private key.
pub async fn create_certificate(
    app: &TestApp,
    org: &str,
    client: &str,
    by: &User,
) -> (String, SigningKey) {
    let made = app
        .post(
            &format!("/v1/orgs/{org}/clients/{client}/certificates"),
            json!({}),
            Some(&by.token),
        )
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
    let key = SigningKey::from_pkcs8_pem(&made.text("/private_key_pem")).unwrap();
    (made.text("/id"), key)
}

/// An org owned by a new user, with a client and one certificate.
pub async fn credential(app: &TestApp) -> (User, Credential) {
    let owner = app.sign_up().await;
    let org = app.create_org(&owner, "free").await;
    let client = create_client(app, &org, &owner, json!({"name": "sync"})).await;
    let (certificate, key) = create_certificate(app, &org, &client, &owner).await;
    (
        owner,
        Credential {
            org,
            client,
            certificate,
            key,
        },
    )
}
