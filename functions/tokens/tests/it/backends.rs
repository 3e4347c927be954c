//! The core of the tokens domain once more on the AWS backends (DynamoDB, S3 and KMS on moto),
//! and on the embedded backend with the same code: issue, refresh, reuse detection, revocation
//! by vault, and verification by a JOSE library that is not ours.

use coffer_testkit::TestApp;
use coffer_testkit::tokens::TokenPair;
use serde_json::json;

use crate::decode;
use crate::interop::verify_with_jsonwebtoken;

async fn a_pair_is_issued_verified_elsewhere_and_refreshed_once(app: TestApp) {
    let user = app.sign_up().await;
    let issued = app.issue_tokens(&user, json!({})).await;
    assert_eq!(issued.code(), 201, "{}", issued.body);
    assert_eq!(issued.header("cache-control"), Some("no-store"));
    let first = TokenPair::from_reply(&issued);
    let (header, claims) = decode(&first.access);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(app.me(&first.access).await.code(), 200);
    let verified = verify_with_jsonwebtoken(&app, &first.access).await.unwrap();
    assert_eq!(verified["jti"], claims["jti"]);

    let reply = app.refresh(&first.refresh).await;
    assert_eq!(reply.code(), 200, "{}", reply.body);
    let second = TokenPair::from_reply(&reply);
    assert_eq!(app.me(&second.access).await.code(), 200);
    verify_with_jsonwebtoken(&app, &second.access)
        .await
        .unwrap();

    // Reuse of the spent token revokes the family.
    assert_eq!(app.refresh(&first.refresh).await.code(), 401);
    assert_eq!(app.refresh(&second.refresh).await.code(), 401);
    let events = coffer_core::audit::AuditSink::new(
        app.state.ports.table.clone(),
        app.state.ports.clock.clone(),
    )
    .day(None, app.state.ports.clock.now(), 1000)
    .await
    .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.action == "tokens.refresh.reuse_detected"
                && e.actor.as_deref() == Some(user.id.as_str())),
        "no reuse event for {}",
        user.id
    );
}

async fn revoking_a_vault_ends_its_tokens_and_a_new_one_works(app: TestApp) {
    let w = app.org_with_every_role().await;
    let vault = app
        .post(
            &format!("/v1/orgs/{}/vaults", w.id),
            json!({"name": "v"}),
            Some(&w.owner.token),
        )
        .await
        .text("/id");
    let vault_path = format!("/v1/orgs/{}/vaults/{vault}", w.id);
    let bound = app.token_pair(&w.member, json!({"vault_id": vault})).await;
    assert_eq!(app.get(&vault_path, Some(&bound.access)).await.code(), 200);
    let revoked = app.revoke(&w.admin.token, json!({"vault_id": vault})).await;
    assert_eq!(revoked.code(), 204, "{}", revoked.body);
    assert_eq!(app.get(&vault_path, Some(&bound.access)).await.code(), 401);
    assert_eq!(app.refresh(&bound.refresh).await.code(), 401);
    let fresh = app.token_pair(&w.member, json!({"vault_id": vault})).await;
    assert_eq!(app.get(&vault_path, Some(&fresh.access)).await.code(), 200);

    // One access token by value.
    let pair = app.token_pair(&w.member, json!({})).await;
    assert_eq!(
        app.revoke(&w.member.token, json!({"token": pair.access}))
            .await
            .code(),
        204
    );
    assert_eq!(app.me(&pair.access).await.code(), 401);
}

mod embedded {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_pair_is_issued_verified_elsewhere_and_refreshed_once() {
        super::a_pair_is_issued_verified_elsewhere_and_refreshed_once(crate::spawn()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn revoking_a_vault_ends_its_tokens_and_a_new_one_works() {
        super::revoking_a_vault_ends_its_tokens_and_a_new_one_works(crate::spawn()).await;
    }
}

mod aws {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_pair_is_issued_verified_elsewhere_and_refreshed_once() {
        super::a_pair_is_issued_verified_elsewhere_and_refreshed_once(crate::spawn_on_moto().await)
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn revoking_a_vault_ends_its_tokens_and_a_new_one_works() {
        super::revoking_a_vault_ends_its_tokens_and_a_new_one_works(crate::spawn_on_moto().await)
            .await;
    }
}
