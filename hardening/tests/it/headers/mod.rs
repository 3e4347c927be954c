//! Every reply that carries a credential, decrypted data or personal data says `no-store`, and
//! every reply says `nosniff`: walked through the real routes that hand such values out.

use axum::http::{Method, StatusCode};
use base64::Engine as _;
use coffer_testkit::{Reply, TestApp, customer, customer_dataset, json_request, unique_email};
use serde_json::json;

fn assert_not_stored(what: &str, reply: &Reply) {
    assert!(
        reply.status.is_success(),
        "{what}: {} {}",
        reply.status,
        reply.body
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"), "{what}");
    assert_eq!(
        reply.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_with_credentials_or_decrypted_data_are_never_cached() {
    let app = TestApp::embedded(coffer_local::function_groups());
    let password = coffer_testkit::strong_password();
    let email = unique_email();
    let registered = app
        .post(
            "/v1/auth/register",
            json!({"email": email, "password": password, "name": "Ada"}),
            None,
        )
        .await;
    assert_not_stored("register", &registered);
    let login = app
        .post(
            "/v1/auth/login",
            json!({"email": email, "password": password, "client": "web"}),
            None,
        )
        .await;
    assert_not_stored("login", &login);
    let session = login.text("/session_token");
    assert_not_stored("me", &app.get("/v1/auth/me", Some(&session)).await);

    let issued = app.post("/v1/tokens", json!({}), Some(&session)).await;
    assert_not_stored("tokens", &issued);
    let refreshed = app
        .post(
            "/v1/tokens/refresh",
            json!({"refresh_token": issued.text("/refresh_token")}),
            None,
        )
        .await;
    assert_not_stored("refresh", &refreshed);

    let org = app
        .post("/v1/orgs", json!({"name": "headers org"}), Some(&session))
        .await;
    assert_not_stored("org", &org);
    let org = org.text("/id");

    let client = app
        .post(
            &format!("/v1/orgs/{org}/clients"),
            json!({"name": "batch job", "scopes": ["records:read"]}),
            Some(&session),
        )
        .await;
    assert_not_stored("client", &client);
    let certificate = app
        .post(
            &format!("/v1/orgs/{org}/clients/{}/certificates", client.text("/id")),
            json!({}),
            Some(&session),
        )
        .await;
    assert_not_stored("certificate with its private key", &certificate);

    let key = app
        .post(
            "/v1/keys",
            json!({"org_id": org, "name": "headers"}),
            Some(&session),
        )
        .await;
    assert_not_stored("key", &key);
    let key = key.text("/id");
    let plaintext = base64::engine::general_purpose::STANDARD.encode("a secret");
    let sealed = app
        .post(
            "/v1/encrypt",
            json!({"key": key, "plaintext": plaintext}),
            Some(&session),
        )
        .await;
    assert_not_stored("encrypt", &sealed);
    let opened = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "ciphertext": sealed.text("/ciphertext")}),
            Some(&session),
        )
        .await;
    assert_not_stored("decrypt", &opened);

    let mut dataset = customer_dataset(100);
    dataset["org_id"] = json!(org);
    dataset["name"] = json!("customers");
    let dataset = app.post("/v1/datasets", dataset, Some(&session)).await;
    assert_not_stored("dataset", &dataset);
    let dataset = dataset.text("/id");
    let written = app
        .post(
            &format!("/v1/datasets/{dataset}/records"),
            json!({"data": customer(1)}),
            Some(&session),
        )
        .await;
    assert_not_stored("record write", &written);
    let record = written
        .body
        .pointer("/id")
        .or_else(|| written.body.pointer("/ids/0"))
        .and_then(|v| v.as_str())
        .unwrap()
        .to_owned();
    let path = format!("/v1/datasets/{dataset}/records/{record}");
    assert_not_stored("record read", &app.get(&path, Some(&session)).await);
    assert_not_stored(
        "records list",
        &app.get(&format!("/v1/datasets/{dataset}/records"), Some(&session))
            .await,
    );
    assert_not_stored(
        "search",
        &app.get(
            &format!("/v1/datasets/{dataset}/search?field=email&value=customer1%40example.com"),
            Some(&session),
        )
        .await,
    );

    let anonymized = app
        .post(
            "/v1/anonymize",
            json!({"org_id": org, "text": "mail ada@example.com",
                   "operators": {"default": {"type": "tokenize"}}}),
            Some(&session),
        )
        .await;
    assert_not_stored("anonymize", &anonymized);
    let restored = app
        .post(
            "/v1/deanonymize",
            json!({"org_id": org, "text": anonymized.text("/text")}),
            Some(&session),
        )
        .await;
    assert_not_stored("deanonymize", &restored);

    // Even a refusal says nosniff and no-store.
    let refused = app
        .send(json_request(
            Method::GET,
            "/v1/auth/me",
            None,
            Some("not-a-token"),
        ))
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.header("cache-control"), Some("no-store"));
    assert_eq!(refused.header("x-content-type-options"), Some("nosniff"));

    // The JWKS is public and asks to be cached; it still says nosniff.
    let jwks = app.get("/.well-known/jwks.json", None).await;
    assert_eq!(jwks.status, StatusCode::OK);
    assert_ne!(jwks.header("cache-control"), Some("no-store"));
    assert_eq!(jwks.header("x-content-type-options"), Some("nosniff"));
}
