//! `POST /v1/tokens/revoke`: one access token, a refresh token's family, every token of a
//! vault; who may; and how soon the revoking process and another process see it.

use std::time::Duration;

use coffer_testkit::TestApp;
use coffer_testkit::tokens::TokenPair;
use serde_json::json;

use crate::{sibling, spawn};

/// An org with every role and a vault in it.
async fn org_with_vault(app: &TestApp) -> (coffer_testkit::OrgWithRoles, String) {
    let w = app.org_with_every_role().await;
    let vault = app.create_vault(&w.id, &w.owner, "v").await;
    (w, vault)
}

#[tokio::test]
async fn a_revoked_access_token_is_refused_at_once_by_the_process_that_revoked_it() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let other = app.token_pair(&user, json!({})).await;
    assert_eq!(app.me(&pair.access).await.code(), 200, "the copy is read");
    let revoked = app.revoke(&user.token, json!({"token": pair.access})).await;
    assert_eq!(revoked.code(), 204, "{}", revoked.body);
    assert_eq!(app.me(&pair.access).await.code(), 401);
    // Only that token: another of the user's still works, and so does its own refresh token.
    assert_eq!(app.me(&other.access).await.code(), 200);
    assert_eq!(app.refresh(&pair.refresh).await.code(), 200);
    // Revoking it again changes nothing and says nothing.
    assert_eq!(
        app.revoke(&user.token, json!({"token": pair.access}))
            .await
            .code(),
        204
    );
}

#[tokio::test]
async fn an_access_token_may_revoke_itself() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let revoked = app
        .revoke(&pair.access, json!({"token": pair.access}))
        .await;
    assert_eq!(revoked.code(), 204, "{}", revoked.body);
    assert_eq!(app.me(&pair.access).await.code(), 401);
}

#[tokio::test]
async fn revoking_any_refresh_token_of_a_family_ends_the_family() {
    let app = spawn();
    let user = app.sign_up().await;
    let first = app.token_pair(&user, json!({})).await;
    let live = app.refresh(&first.refresh).await;
    let live = TokenPair::from_reply(&live);
    let revoked = app
        .revoke(&user.token, json!({"token": live.refresh}))
        .await;
    assert_eq!(revoked.code(), 204, "{}", revoked.body);
    assert_eq!(app.refresh(&live.refresh).await.code(), 401);

    // Through a spent token too.
    let second = app.token_pair(&user, json!({})).await;
    let next = TokenPair::from_reply(&app.refresh(&second.refresh).await);
    assert_eq!(
        app.revoke(&user.token, json!({"token": second.refresh}))
            .await
            .code(),
        204
    );
    assert_eq!(app.refresh(&next.refresh).await.code(), 401);
}

#[tokio::test]
async fn revoking_someone_elses_token_answers_204_and_changes_nothing() {
    let app = spawn();
    let victim = app.sign_up().await;
    let attacker = app.sign_up().await;
    let pair = app.token_pair(&victim, json!({})).await;
    for token in [&pair.access, &pair.refresh] {
        let reply = app.revoke(&attacker.token, json!({"token": token})).await;
        assert_eq!(reply.code(), 204, "{}", reply.body);
    }
    assert_eq!(app.me(&pair.access).await.code(), 200);
    assert_eq!(app.refresh(&pair.refresh).await.code(), 200);
    for garbage in ["nope", "a.b.c", ""] {
        let reply = app.revoke(&attacker.token, json!({"token": garbage})).await;
        assert_eq!(reply.code(), 204, "{garbage}: {}", reply.body);
    }
}

#[tokio::test]
async fn a_revocation_names_exactly_one_of_a_token_and_a_vault_and_needs_a_caller() {
    let app = spawn();
    let (w, vault) = org_with_vault(&app).await;
    let pair = app.token_pair(&w.owner, json!({})).await;
    let neither = app.revoke(&w.owner.token, json!({})).await;
    assert_eq!(neither.code(), 422, "{}", neither.body);
    let both = app
        .revoke(
            &w.owner.token,
            json!({"token": pair.access, "vault_id": vault}),
        )
        .await;
    assert_eq!(both.code(), 422, "{}", both.body);
    let anonymous = app
        .post("/v1/tokens/revoke", json!({"token": pair.access}), None)
        .await;
    assert_eq!(anonymous.code(), 401, "{}", anonymous.body);
    assert_eq!(app.me(&pair.access).await.code(), 200);
}

#[tokio::test]
async fn revoking_a_vault_ends_every_token_bound_to_it_and_new_ones_work() {
    let app = spawn();
    let (w, vault) = org_with_vault(&app).await;
    let other_vault = app.create_vault(&w.id, &w.owner, "other").await;
    let vault_path = format!("/v1/orgs/{}/vaults/{vault}", w.id);
    let member = app.token_pair(&w.member, json!({"vault_id": vault})).await;
    let owner = app.token_pair(&w.owner, json!({"vault_id": vault})).await;
    let elsewhere = app
        .token_pair(&w.member, json!({"vault_id": other_vault}))
        .await;
    let org_bound = app.token_pair(&w.member, json!({"org_id": w.id})).await;
    assert_eq!(app.get(&vault_path, Some(&member.access)).await.code(), 200);

    let revoked = app.revoke(&w.admin.token, json!({"vault_id": vault})).await;
    assert_eq!(revoked.code(), 204, "{}", revoked.body);

    for pair in [&member, &owner] {
        assert_eq!(app.me(&pair.access).await.code(), 401);
        assert_eq!(app.get(&vault_path, Some(&pair.access)).await.code(), 401);
        assert_eq!(app.refresh(&pair.refresh).await.code(), 401);
    }
    // Tokens not bound to that vault are untouched.
    assert_eq!(app.me(&elsewhere.access).await.code(), 200);
    assert_eq!(app.me(&org_bound.access).await.code(), 200);
    assert_eq!(app.refresh(&elsewhere.refresh).await.code(), 200);

    // A new token for the vault works, and so does its refresh.
    let fresh = app.token_pair(&w.member, json!({"vault_id": vault})).await;
    assert_eq!(app.get(&vault_path, Some(&fresh.access)).await.code(), 200);
    let next = app.refresh(&fresh.refresh).await;
    assert_eq!(next.code(), 200, "{}", next.body);
    assert_eq!(app.me(&next.text("/access_token")).await.code(), 200);

    // It was audited in the org.
    let events = coffer_core::audit::AuditSink::new(
        app.state.ports.table.clone(),
        app.state.ports.clock.clone(),
    )
    .recent(&w.id, 200)
    .await
    .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.action == "tokens.revoke_vault"
                && e.resource.as_deref() == Some(vault.as_str())),
        "{events:?}"
    );
}

#[tokio::test]
async fn revoking_a_vaults_tokens_needs_vaults_manage_in_its_org() {
    let app = spawn();
    let (w, vault) = org_with_vault(&app).await;
    let pair = app.token_pair(&w.member, json!({"vault_id": vault})).await;
    let member = app
        .revoke(&w.member.token, json!({"vault_id": vault}))
        .await;
    assert_eq!(member.code(), 403, "{}", member.body);
    let outsider = app
        .revoke(&w.outsider.token, json!({"vault_id": vault}))
        .await;
    assert_eq!(outsider.code(), 404, "{}", outsider.body);
    let unknown = app
        .revoke(
            &w.owner.token,
            json!({"vault_id": "vlt_01arz3ndektsv4rrffq69g5fav"}),
        )
        .await;
    assert_eq!(unknown.code(), 404, "{}", unknown.body);
    // An admin's token scoped without vaults:manage may not either.
    let narrow = app
        .token_pair(
            &w.admin,
            json!({"vault_id": vault, "scopes": ["vaults:read"]}),
        )
        .await;
    let by_narrow = app.revoke(&narrow.access, json!({"vault_id": vault})).await;
    assert_eq!(by_narrow.code(), 403, "{}", by_narrow.body);
    assert_eq!(
        app.me(&pair.access).await.code(),
        200,
        "nothing was revoked"
    );

    let manager = app
        .token_pair(
            &w.admin,
            json!({"vault_id": vault, "scopes": ["vaults:manage"]}),
        )
        .await;
    let by_manager = app
        .revoke(&manager.access, json!({"vault_id": vault}))
        .await;
    assert_eq!(by_manager.code(), 204, "{}", by_manager.body);
    assert_eq!(app.me(&pair.access).await.code(), 401);
}

#[tokio::test]
async fn another_process_with_a_revocation_bound_of_zero_sees_a_revocation_at_once() {
    let app = spawn();
    let other = sibling(&app, |s| s.tokens.revocation_bound = Duration::ZERO);
    let (w, vault) = org_with_vault(&app).await;
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let bound = app.token_pair(&w.member, json!({"vault_id": vault})).await;
    assert_eq!(other.me(&pair.access).await.code(), 200);
    assert_eq!(other.me(&bound.access).await.code(), 200);

    assert_eq!(
        app.revoke(&user.token, json!({"token": pair.access}))
            .await
            .code(),
        204
    );
    assert_eq!(other.me(&pair.access).await.code(), 401);

    assert_eq!(
        app.revoke(&w.owner.token, json!({"vault_id": vault}))
            .await
            .code(),
        204
    );
    assert_eq!(other.me(&bound.access).await.code(), 401);
    // A revocation the other process makes holds there at once too.
    let second = app.token_pair(&user, json!({})).await;
    assert_eq!(
        other
            .revoke(&user.token, json!({"token": second.access}))
            .await
            .code(),
        204
    );
    assert_eq!(other.me(&second.access).await.code(), 401);
}
