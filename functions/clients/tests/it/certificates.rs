//! Certificates: a key pair made once, listed as public keys only, revoked.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_core::ids::{ClientId, OrgId};
use coffer_core::store::{Query, schema};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use serde_json::json;

#[tokio::test]
async fn a_new_certificate_comes_with_its_private_key_once_and_is_listed_without_it() {
    let app = crate::spawn();
    let owner = app.sign_up().await;
    let org = app.create_org(&owner, "free").await;
    let client = crate::create_client(&app, &org, &owner, json!({"name": "sync"})).await;
    let certificates = format!("/v1/orgs/{org}/clients/{client}/certificates");

    let made = app.post(&certificates, json!({}), Some(&owner.token)).await;
    assert_eq!(made.code(), 201, "{}", made.body);
    assert_eq!(made.header("cache-control"), Some("no-store"));
    let id = made.text("/id");
    assert!(id.starts_with("crt_"), "{id}");
    assert_eq!(made.text("/kid"), id);
    let jwk = &made.body["public_jwk"];
    assert_eq!(
        (
            &jwk["kty"],
            &jwk["crv"],
            &jwk["alg"],
            &jwk["use"],
            &jwk["kid"]
        ),
        (
            &json!("OKP"),
            &json!("Ed25519"),
            &json!("EdDSA"),
            &json!("sig"),
            &json!(id)
        )
    );
    let pem = made.text("/private_key_pem");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    assert!(
        pem.trim_end().ends_with("-----END PRIVATE KEY-----"),
        "{pem}"
    );
    let key = SigningKey::from_pkcs8_pem(&pem).unwrap();
    assert_eq!(
        URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap(),
        key.verifying_key().to_bytes(),
        "the JWK is the public half of the PEM"
    );

    let listed = app.get(&certificates, Some(&owner.token)).await;
    assert_eq!(listed.code(), 200, "{}", listed.body);
    assert_eq!(
        listed.body["items"],
        json!([{
            "id": id,
            "kid": id,
            "public_jwk": jwk,
            "created_at": made.body["created_at"],
        }])
    );
    assert!(!listed.body.to_string().contains("PRIVATE"));

    // The table holds the public key only.
    let stored = app
        .state
        .ports
        .table
        .query(&Query::partition(schema::client_partition(
            &ClientId::parse(&client).unwrap(),
        )))
        .await
        .unwrap();
    let stored: String = stored
        .items
        .iter()
        .map(|item| serde_json::to_string(&item.attrs).unwrap())
        .collect();
    let seed = URL_SAFE_NO_PAD.encode(key.to_bytes());
    let pem_body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!stored.contains(&seed) && !stored.contains(&pem_body));
}

#[tokio::test]
async fn two_certificates_have_different_keys() {
    let app = crate::spawn();
    let (owner, credential) = crate::credential(&app).await;
    let (second, key) =
        crate::create_certificate(&app, &credential.org, &credential.client, &owner).await;
    assert_ne!(second, credential.certificate);
    assert_ne!(key.to_bytes(), credential.key.to_bytes());
}

#[tokio::test]
async fn a_create_takes_no_body_or_an_empty_object_and_refuses_anything_else() {
    let app = crate::spawn();
    let (owner, credential) = crate::credential(&app).await;
    let path = format!("{}/certificates", credential.path());
    let token = Some(owner.token.as_str());

    let bare = app.call(axum::http::Method::POST, &path, None, token).await;
    assert_eq!(bare.code(), 201, "{}", bare.body);
    let empty = app.post(&path, json!({}), token).await;
    assert_eq!(empty.code(), 201, "{}", empty.body);
    let extra = app.post(&path, json!({"private_key": "mine"}), token).await;
    assert_eq!(extra.code(), 422, "{}", extra.body);
    let not_json = app
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri(&path)
                .header("authorization", format!("Bearer {}", owner.token))
                .header("content-type", "text/plain")
                .body(axum::body::Body::from("hello"))
                .unwrap(),
        )
        .await;
    assert_eq!(not_json.code(), 415, "{}", not_json.body);
    let listed = app.get(&path, token).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn revoking_a_certificate_removes_it_and_frees_its_place() {
    let app = crate::spawn();
    let (owner, credential) = crate::credential(&app).await;
    let token = Some(owner.token.as_str());
    let certificate = format!(
        "{}/certificates/{}",
        credential.path(),
        credential.certificate
    );
    let counters = schema::org_counters(&OrgId::parse(&credential.org).unwrap());
    let count = || async {
        let item = app.state.ports.table.get(&counters).await.unwrap().unwrap();
        coffer_core::store::attrs::count(&item, "certificates")
    };
    assert_eq!(count().await, 1);

    assert_eq!(app.delete(&certificate, token).await.code(), 204);
    assert_eq!(count().await, 0);
    assert_eq!(app.delete(&certificate, token).await.code(), 404);
    assert_eq!(count().await, 0, "a second revoke frees nothing");
    let listed = app
        .get(&format!("{}/certificates", credential.path()), token)
        .await;
    assert_eq!(listed.body["items"], json!([]));
    assert_eq!(
        app.delete(
            &format!(
                "{}/certificates/crt_01arz3ndektsv4rrffq69g5fav",
                credential.path()
            ),
            token
        )
        .await
        .code(),
        404
    );
}

#[tokio::test]
async fn a_certificate_is_revoked_only_through_its_own_client() {
    let app = crate::spawn();
    let (owner, credential) = crate::credential(&app).await;
    let other = crate::create_client(&app, &credential.org, &owner, json!({"name": "b"})).await;
    let wrong = format!(
        "/v1/orgs/{}/clients/{other}/certificates/{}",
        credential.org, credential.certificate
    );
    assert_eq!(app.delete(&wrong, Some(&owner.token)).await.code(), 404);
    let listed = app
        .get(
            &format!("{}/certificates", credential.path()),
            Some(&owner.token),
        )
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
}
