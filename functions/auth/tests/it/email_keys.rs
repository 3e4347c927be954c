//! Email addresses in keys (issue 8, hole 7): keys hold a keyed digest of the address (HMAC under
//! the deployment's email-index key from the key ring), so a dump of the table and a list of
//! addresses do not confirm which have accounts; every process of the deployment computes the
//! same digest.

use axum::http::StatusCode;
use coffer_core::auth::{Email, EmailIndex};
use coffer_core::store::schema::{self, DeploymentKey};

use super::{spawn_app, spawn_on_table};

#[tokio::test]
async fn the_email_claim_is_keyed_by_the_hmac_of_the_address_not_its_plain_sha256() {
    let app = spawn_app();
    let account = app.signed_up().await;
    let email = Email::parse(&account.email).unwrap();

    let plain = coffer_core::auth::digest(email.canonical());
    assert!(
        app.table
            .get(&schema::email_claim(&plain))
            .await
            .unwrap()
            .is_none(),
        "a claim under the plain SHA-256 of the address"
    );
    let index = EmailIndex::new(app.table.clone(), app.kit.state.ports.keys.clone());
    let keyed = index.digest(&email).await.unwrap();
    assert_ne!(keyed.as_str(), plain);
    let claim = app
        .table
        .get(&schema::email_claim(keyed.as_str()))
        .await
        .unwrap()
        .expect("the claim under the keyed digest");
    assert_eq!(claim.attrs["user_id"], account.user_id.as_str());
    // The key that made it is stored only wrapped.
    let stored = app
        .table
        .get(&schema::deployment_key(DeploymentKey::EmailIndex))
        .await
        .unwrap()
        .unwrap();
    assert!(stored.attrs.contains_key("wrapped"));
}

#[tokio::test]
async fn another_process_on_the_same_table_finds_the_address_by_the_same_digest() {
    let first = spawn_app();
    let account = first.signed_up().await;
    let second = spawn_on_table(&first, |_| {});

    let login = second.login(&account.email, &account.password).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(login.body["user"]["id"], account.user_id.as_str());
    let again = second
        .register(&account.email, &super::strong_password())
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_first_uses_of_two_fresh_processes_agree_on_one_key() {
    let first = spawn_app();
    let second = spawn_on_table(&first, |_| {});
    let (email, password) = (super::unique_email(), super::strong_password());
    let other_email = super::unique_email();

    // Neither process has loaded the key; both make their first request together.
    let (registered, other) = tokio::join!(
        first.register(&email, &password),
        second.register(&other_email, &password),
    );
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{:?}",
        registered.body
    );
    assert_eq!(other.status, StatusCode::CREATED, "{:?}", other.body);

    let login = second.login(&email, &password).await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
}
