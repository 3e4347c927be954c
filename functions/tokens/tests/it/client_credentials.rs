//! `grant_type=client_credentials` end to end: a machine client and a certificate made through
//! the clients routes, an assertion signed with `jsonwebtoken` (RFC 7523 `private_key_jwt`), the
//! access token it buys, replay, scopes, and revocation of the certificate or the client.

use coffer_testkit::{Reply, TestApp};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::interop::verify_with_jsonwebtoken;
use crate::{decode, now};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub(crate) fn spawn() -> TestApp {
    let mut groups = crate::groups();
    groups.push(coffer_function_clients::group());
    TestApp::embedded(groups)
}

/// A machine client of an org and one certificate of it, made by the org's owner.
pub(crate) struct Machine {
    pub(crate) org: String,
    pub(crate) client: String,
    pub(crate) certificate: String,
    private_key_pem: String,
    pub(crate) owner: coffer_testkit::User,
}

impl Machine {
    pub(crate) async fn new(app: &TestApp, scopes: Value) -> Self {
        let owner = app.sign_up().await;
        let org = app.create_org(&owner, "free").await;
        let client = app
            .post(
                &format!("/v1/orgs/{org}/clients"),
                json!({"name": "billing-sync", "scopes": scopes}),
                Some(&owner.token),
            )
            .await;
        assert_eq!(client.code(), 201, "{}", client.body);
        let client = client.text("/id");
        let (certificate, private_key_pem) = certificate(app, &org, &client, &owner).await;
        Self {
            org,
            client,
            certificate,
            private_key_pem,
            owner,
        }
    }

    /// A fresh assertion (its own jti) for the token endpoint, signed with the certificate.
    pub(crate) fn assertion(&self, app: &TestApp) -> String {
        self.assertion_with(app, &self.certificate, &self.private_key_pem, json!({}))
    }

    /// An assertion with `changes` over the standard claims, signed with `pem` and naming `kid`.
    fn assertion_with(&self, app: &TestApp, kid: &str, pem: &str, changes: Value) -> String {
        let mut claims = json!({
            "iss": self.client,
            "sub": self.client,
            "aud": app.state.settings.tokens.token_endpoint(),
            "exp": now(app) + 60,
            "iat": now(app),
            "jti": ulid(),
        });
        for (name, value) in changes.as_object().unwrap() {
            claims[name] = value.clone();
        }
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.to_owned());
        let key = EncodingKey::from_ed_pem(pem.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }
}

/// A new certificate of `client`: its id and private key.
async fn certificate(
    app: &TestApp,
    org: &str,
    client: &str,
    owner: &coffer_testkit::User,
) -> (String, String) {
    let made = app
        .post(
            &format!("/v1/orgs/{org}/clients/{client}/certificates"),
            json!({}),
            Some(&owner.token),
        )
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
    assert_eq!(made.text("/kid"), made.text("/id"));
    (made.text("/id"), made.text("/private_key_pem"))
}

fn ulid() -> String {
    format!("jti-{}", ulid_like())
}

fn ulid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        time::OffsetDateTime::now_utc().unix_timestamp_nanos(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

pub(crate) async fn grant(app: &TestApp, assertion: &str, extra: &[(&str, &str)]) -> Reply {
    let mut pairs = vec![
        ("grant_type", "client_credentials"),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion),
    ];
    pairs.extend_from_slice(extra);
    app.oauth_token(&pairs).await
}

fn assert_invalid_client(reply: &Reply, why: &str) {
    assert_eq!(reply.code(), 401, "{why}: {}", reply.body);
    assert_eq!(
        reply.body["error"], "invalid_client",
        "{why}: {}",
        reply.body
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"), "{why}");
}

#[tokio::test]
async fn a_client_with_a_certificate_gets_an_access_token_for_its_org_and_no_refresh_token() {
    let app = spawn();
    let m = Machine::new(&app, json!(["org:read", "vaults:read"])).await;
    let configuration = app.get("/.well-known/openid-configuration", None).await;
    assert_eq!(
        configuration.text("/token_endpoint"),
        format!("{}/v1/oauth/token", configuration.text("/issuer"))
    );

    let reply = grant(&app, &m.assertion(&app), &[]).await;
    assert_eq!(reply.code(), 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 3600);
    assert!(reply.body.get("refresh_token").is_none(), "{}", reply.body);
    assert_eq!(reply.body["scope"], "org:read vaults:read");
    let access = reply.text("/access_token");
    let (_, claims) = decode(&access);
    assert_eq!(claims["sub"], m.client.as_str());
    assert_eq!(claims["client"], m.client.as_str());
    assert_eq!(claims["org"], m.org.as_str());
    assert_eq!(claims["crt"], m.certificate.as_str());
    verify_with_jsonwebtoken(&app, &access).await.unwrap();

    // It works in its org, for what its scope allows.
    let vaults = app
        .get(&format!("/v1/orgs/{}/vaults", m.org), Some(&access))
        .await;
    assert_eq!(vaults.code(), 200, "{}", vaults.body);
    let org = app.get(&format!("/v1/orgs/{}", m.org), Some(&access)).await;
    assert_eq!(org.code(), 200, "{}", org.body);
    let members = app
        .get(&format!("/v1/orgs/{}/members", m.org), Some(&access))
        .await;
    assert_eq!(members.code(), 403, "{}", members.body);
    // Not in another org, and it is no user.
    let elsewhere = app.create_org(&m.owner, "free").await;
    let other = app
        .get(&format!("/v1/orgs/{elsewhere}/vaults"), Some(&access))
        .await;
    assert_eq!(other.code(), 404, "{}", other.body);
    assert_eq!(app.me(&access).await.code(), 403);
    let minted = app.post("/v1/tokens", json!({}), Some(&access)).await;
    assert_eq!(minted.code(), 403, "{}", minted.body);
}

#[tokio::test]
async fn the_same_assertion_presented_twice_is_a_replay() {
    let app = spawn();
    let m = Machine::new(&app, json!(["vaults:read"])).await;
    let assertion = m.assertion(&app);
    let first = grant(&app, &assertion, &[]).await;
    assert_eq!(first.code(), 200, "{}", first.body);
    let replay = grant(&app, &assertion, &[]).await;
    assert_invalid_client(&replay, "replay");
    // A new assertion (another jti) is fine.
    let next = grant(&app, &m.assertion(&app), &[]).await;
    assert_eq!(next.code(), 200, "{}", next.body);
}

#[tokio::test]
async fn revoking_the_certificate_ends_its_tokens_and_its_grants() {
    let app = spawn();
    let m = Machine::new(&app, json!(["vaults:read"])).await;
    let (spare, spare_pem) = certificate(&app, &m.org, &m.client, &m.owner).await;
    let access = grant(&app, &m.assertion(&app), &[])
        .await
        .text("/access_token");
    let spare_access = grant(
        &app,
        &m.assertion_with(&app, &spare, &spare_pem, json!({})),
        &[],
    )
    .await
    .text("/access_token");
    let vaults = format!("/v1/orgs/{}/vaults", m.org);
    assert_eq!(app.get(&vaults, Some(&access)).await.code(), 200);

    let revoked = app
        .delete(
            &format!(
                "/v1/orgs/{}/clients/{}/certificates/{}",
                m.org, m.client, m.certificate
            ),
            Some(&m.owner.token),
        )
        .await;
    assert_eq!(revoked.code(), 204, "{}", revoked.body);
    assert_eq!(app.get(&vaults, Some(&access)).await.code(), 401);
    assert_invalid_client(
        &grant(&app, &m.assertion(&app), &[]).await,
        "revoked certificate",
    );

    // The client's other certificate, and its tokens, are untouched.
    assert_eq!(app.get(&vaults, Some(&spare_access)).await.code(), 200);
    let again = grant(
        &app,
        &m.assertion_with(&app, &spare, &spare_pem, json!({})),
        &[],
    )
    .await;
    assert_eq!(again.code(), 200, "{}", again.body);

    // Deleting the client ends the rest.
    let deleted = app
        .delete(
            &format!("/v1/orgs/{}/clients/{}", m.org, m.client),
            Some(&m.owner.token),
        )
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);
    assert_eq!(app.get(&vaults, Some(&spare_access)).await.code(), 401);
    assert_eq!(
        app.get(&vaults, Some(&again.text("/access_token")))
            .await
            .code(),
        401
    );
    assert_invalid_client(
        &grant(
            &app,
            &m.assertion_with(&app, &spare, &spare_pem, json!({})),
            &[],
        )
        .await,
        "deleted client",
    );
}

#[tokio::test]
async fn a_client_may_ask_for_less_than_its_scopes_and_never_more() {
    let app = spawn();
    let m = Machine::new(&app, json!(["org:read", "vaults:read"])).await;
    let narrow = grant(&app, &m.assertion(&app), &[("scope", "vaults:read")]).await;
    assert_eq!(narrow.code(), 200, "{}", narrow.body);
    assert_eq!(narrow.body["scope"], "vaults:read");
    let access = narrow.text("/access_token");
    assert_eq!(
        app.get(&format!("/v1/orgs/{}", m.org), Some(&access))
            .await
            .code(),
        403
    );
    for scope in ["vaults:manage", "vaults:read members:manage", "everything"] {
        let reply = grant(&app, &m.assertion(&app), &[("scope", scope)]).await;
        assert_eq!(reply.code(), 400, "{scope}: {}", reply.body);
        assert_eq!(reply.body["error"], "invalid_scope", "{scope}");
    }
}

#[tokio::test]
async fn an_assertion_that_breaks_a_rule_is_an_invalid_client() {
    let app = spawn();
    let m = Machine::new(&app, json!(["vaults:read"])).await;
    let other = Machine::new(&app, json!(["vaults:read"])).await;
    let t = now(&app);
    let pem = m.private_key_pem.clone();
    let cases: Vec<(&str, String)> = vec![
        (
            "another audience",
            m.assertion_with(
                &app,
                &m.certificate,
                &pem,
                json!({"aud": "https://elsewhere.example/v1/oauth/token"}),
            ),
        ),
        (
            "expired",
            m.assertion_with(
                &app,
                &m.certificate,
                &pem,
                json!({"exp": t - 60, "iat": t - 120}),
            ),
        ),
        (
            "a life of an hour",
            m.assertion_with(&app, &m.certificate, &pem, json!({"exp": t + 3600})),
        ),
        (
            "iss and sub differ",
            m.assertion_with(&app, &m.certificate, &pem, json!({"sub": other.client})),
        ),
        (
            "another client's certificate as kid",
            m.assertion_with(&app, &other.certificate, &pem, json!({})),
        ),
        (
            "signed with another client's key",
            m.assertion_with(&app, &m.certificate, &other.private_key_pem, json!({})),
        ),
        (
            "posing as another client with its kid and our key",
            m.assertion_with(
                &app,
                &other.certificate,
                &pem,
                json!({"iss": other.client, "sub": other.client}),
            ),
        ),
        (
            "no jti",
            m.assertion_with(&app, &m.certificate, &pem, json!({"jti": ""})),
        ),
    ];
    for (why, assertion) in cases {
        assert_invalid_client(&grant(&app, &assertion, &[]).await, why);
    }
    // A client_id that names another client than the assertion.
    let mismatched = grant(&app, &m.assertion(&app), &[("client_id", &other.client)]).await;
    assert_invalid_client(&mismatched, "client_id differs");
    let matching = grant(&app, &m.assertion(&app), &[("client_id", &m.client)]).await;
    assert_eq!(matching.code(), 200, "{}", matching.body);
}
