//! The core of the tokens domain once more on the AWS backends (DynamoDB, S3 and KMS on moto),
//! and on the embedded backend with the same code: issue, refresh, reuse detection, revocation
//! by vault and by token, the OAuth endpoint's two grants, discovery, and verification by a JOSE
//! library that is not ours.

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
    .recent(user.id.as_str(), 1000)
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
    let vault = app.create_vault(&w.id, &w.owner, "v").await;
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

async fn the_oauth_grants_revocation_by_token_and_discovery_work(app: TestApp) {
    use crate::client_credentials::{Machine, grant};

    let config = app.get("/.well-known/openid-configuration", None).await;
    assert_eq!(config.code(), 200, "{}", config.body);
    assert_eq!(
        config.text("/token_endpoint"),
        app.state.settings.tokens.token_endpoint()
    );

    // client_credentials: a grant, its replay refused, its token verified elsewhere, and
    // revoking the certificate ends the token and the grants.
    let machine = Machine::new(&app, json!(["vaults:read"])).await;
    let assertion = machine.assertion(&app);
    let granted = grant(&app, &assertion, &[]).await;
    assert_eq!(granted.code(), 200, "{}", granted.body);
    let access = granted.text("/access_token");
    verify_with_jsonwebtoken(&app, &access).await.unwrap();
    let vaults = format!("/v1/orgs/{}/vaults", machine.org);
    assert_eq!(app.get(&vaults, Some(&access)).await.code(), 200);
    assert_eq!(grant(&app, &assertion, &[]).await.code(), 401, "replay");
    let path = format!(
        "/v1/orgs/{}/clients/{}/certificates/{}",
        machine.org, machine.client, machine.certificate
    );
    assert_eq!(
        app.delete(&path, Some(&machine.owner.token)).await.code(),
        204
    );
    assert_eq!(app.get(&vaults, Some(&access)).await.code(), 401);
    assert_eq!(grant(&app, &machine.assertion(&app), &[]).await.code(), 401);

    // refresh_token at the OAuth endpoint, then revocation of the new access token by value.
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let refreshed = app
        .oauth_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &pair.refresh),
        ])
        .await;
    assert_eq!(refreshed.code(), 200, "{}", refreshed.body);
    let access = refreshed.text("/access_token");
    assert_eq!(app.me(&access).await.code(), 200);
    let revoked = app.revoke(&user.token, json!({"token": access})).await;
    assert_eq!(revoked.code(), 204, "{}", revoked.body);
    assert_eq!(app.me(&access).await.code(), 401);
}

mod embedded {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_oauth_grants_revocation_by_token_and_discovery_work() {
        super::the_oauth_grants_revocation_by_token_and_discovery_work(
            crate::client_credentials::spawn(),
        )
        .await;
    }

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
    async fn the_oauth_grants_revocation_by_token_and_discovery_work() {
        let mut groups = crate::groups();
        groups.push(coffer_function_clients::group());
        let app = coffer_testkit::TestApp::on_moto(groups).await;
        super::the_oauth_grants_revocation_by_token_and_discovery_work(app).await;
    }

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
