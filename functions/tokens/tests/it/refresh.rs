//! `POST /v1/tokens/refresh`: single-use refresh tokens in families, reuse detection that
//! revokes the family, the grace window for a client that lost a reply, races, and the session
//! and password the family hangs on.

use std::time::Duration;

use coffer_testkit::TestApp;
use coffer_testkit::tokens::TokenPair;
use futures_util::future::join_all;
use serde_json::json;

use crate::{decode, spawn, spawn_with};

/// The audit events of today in the platform scope (or `org`'s) with `action`.
async fn audited(app: &TestApp, scope: &str, action: &str) -> Vec<coffer_core::audit::AuditEvent> {
    coffer_core::audit::AuditSink::new(app.state.ports.table.clone(), app.state.ports.clock.clone())
        .recent(scope, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

/// Refreshes `token`, which must work; the new pair.
async fn refreshed(app: &TestApp, token: &str) -> TokenPair {
    let reply = app.refresh(token).await;
    assert_eq!(reply.code(), 200, "{}", reply.body);
    TokenPair::from_reply(&reply)
}

fn with_grace(seconds: u64) -> TestApp {
    spawn_with(move |s| s.tokens.refresh_grace = Duration::from_secs(seconds))
}

#[tokio::test]
async fn a_refresh_token_buys_a_new_pair_with_the_same_grant() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let vault = app.create_vault(&w.id, &w.owner, "v").await;
    let first = app
        .token_pair(
            &w.member,
            json!({"vault_id": vault, "scopes": ["vaults:read"], "ttl_seconds": 600}),
        )
        .await;
    app.clock.advance(time::Duration::seconds(60));
    let reply = app.refresh(&first.refresh).await;
    assert_eq!(reply.code(), 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 600);
    assert_eq!(reply.body["scope"], "vaults:read");
    let second = TokenPair::from_reply(&reply);
    assert_ne!(second.refresh, first.refresh);
    assert_ne!(second.access, first.access);
    let (_, old) = decode(&first.access);
    let (_, new) = decode(&second.access);
    for claim in ["sub", "org", "vault", "scope", "iss", "aud"] {
        assert_eq!(new[claim], old[claim], "{claim}");
    }
    assert_eq!(new["iat"], old["iat"].as_i64().unwrap() + 60);
    assert_ne!(new["jti"], old["jti"]);
    assert_eq!(app.me(&second.access).await.code(), 200);
    // The new refresh token is live in turn.
    refreshed(&app, &second.refresh).await;
}

#[tokio::test]
async fn a_spent_refresh_token_presented_again_revokes_the_whole_family_and_is_audited() {
    let app = spawn();
    let user = app.sign_up().await;
    let first = app.token_pair(&user, json!({})).await;
    let second = refreshed(&app, &first.refresh).await;

    let reused = app.refresh(&first.refresh).await;
    assert_eq!(reused.code(), 401, "{}", reused.body);
    let newest = app.refresh(&second.refresh).await;
    assert_eq!(
        newest.code(),
        401,
        "the thief's or the owner's: the family is gone"
    );
    assert_eq!(app.refresh(&first.refresh).await.code(), 401);

    // Another family of the same user is untouched.
    let other = app.token_pair(&user, json!({})).await;
    refreshed(&app, &other.refresh).await;

    let events = audited(&app, user.id.as_str(), "tokens.refresh.reuse_detected").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].actor.as_deref(), Some(user.id.as_str()));
}

#[tokio::test]
async fn reuse_of_an_org_bound_family_is_audited_once_in_the_users_log_and_once_in_the_orgs() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let first = app.token_pair(&w.member, json!({"org_id": w.id})).await;
    refreshed(&app, &first.refresh).await;
    assert_eq!(app.refresh(&first.refresh).await.code(), 401);
    assert_eq!(app.refresh(&first.refresh).await.code(), 401);
    // Once in each log, by the member, naming the family: the user's activity and the org's
    // admins both see it.
    for org in [w.id.as_str(), w.member.id.as_str()] {
        let events = audited(&app, org, "tokens.refresh.reuse_detected").await;
        assert_eq!(events.len(), 1, "{org:?}: {events:?}");
        assert_eq!(events[0].actor.as_deref(), Some(w.member.id.as_str()));
        assert!(
            events[0]
                .resource
                .as_deref()
                .is_some_and(|family| family.starts_with("rfam_")),
            "{events:?}"
        );
    }
}

#[tokio::test]
async fn without_a_grace_window_the_token_just_spent_is_reuse_at_once() {
    let app = spawn();
    let user = app.sign_up().await;
    let first = app.token_pair(&user, json!({})).await;
    let second = refreshed(&app, &first.refresh).await;
    assert_eq!(app.refresh(&first.refresh).await.code(), 401);
    assert_eq!(app.refresh(&second.refresh).await.code(), 401);
}

#[tokio::test]
async fn inside_the_grace_window_the_token_just_spent_buys_one_more_pair() {
    let app = with_grace(10);
    let user = app.sign_up().await;
    let first = app.token_pair(&user, json!({})).await;
    let _lost = refreshed(&app, &first.refresh).await;
    app.clock.advance(time::Duration::seconds(9));
    let retried = refreshed(&app, &first.refresh).await;
    assert_eq!(app.me(&retried.access).await.code(), 200);
    // The pair from the retry is the live one: it goes on.
    let third = refreshed(&app, &retried.refresh).await;
    refreshed(&app, &third.refresh).await;
    assert!(
        audited(&app, user.id.as_str(), "tokens.refresh.reuse_detected")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_second_retry_inside_the_grace_window_revokes_the_family() {
    let app = with_grace(10);
    let user = app.sign_up().await;
    let first = app.token_pair(&user, json!({})).await;
    refreshed(&app, &first.refresh).await;
    let retried = refreshed(&app, &first.refresh).await;
    let again = app.refresh(&first.refresh).await;
    assert_eq!(again.code(), 401, "{}", again.body);
    assert_eq!(app.refresh(&retried.refresh).await.code(), 401);
    assert_eq!(
        audited(&app, user.id.as_str(), "tokens.refresh.reuse_detected")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_retry_after_the_grace_window_revokes_the_family() {
    let app = with_grace(10);
    let user = app.sign_up().await;
    let first = app.token_pair(&user, json!({})).await;
    let second = refreshed(&app, &first.refresh).await;
    app.clock.advance(time::Duration::seconds(11));
    assert_eq!(app.refresh(&first.refresh).await.code(), 401);
    assert_eq!(app.refresh(&second.refresh).await.code(), 401);
}

#[tokio::test]
async fn a_token_two_generations_old_revokes_the_family_even_inside_the_grace_window() {
    let app = with_grace(10);
    let user = app.sign_up().await;
    let first = app.token_pair(&user, json!({})).await;
    let second = refreshed(&app, &first.refresh).await;
    let third = refreshed(&app, &second.refresh).await;
    assert_eq!(app.refresh(&first.refresh).await.code(), 401);
    assert_eq!(app.refresh(&third.refresh).await.code(), 401);
    assert_eq!(
        app.refresh(&second.refresh).await.code(),
        401,
        "no grace for a revoked family"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_refreshes_of_one_token_give_at_most_one_pair() {
    let app = spawn();
    let user = app.sign_up().await;
    let first = app.token_pair(&user, json!({})).await;
    let replies = join_all((0..8).map(|_| app.refresh(&first.refresh))).await;
    let codes: Vec<u16> = replies.iter().map(|r| r.code()).collect();
    let won = codes.iter().filter(|c| **c == 200).count();
    assert!(won <= 1, "{codes:?}");
    assert!(
        codes.iter().all(|c| *c == 200 || *c == 401),
        "{codes:?}: {:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    // Whoever lost presented a spent token: the family is revoked, the winner's pair too.
    if won == 1 && codes.len() > 1 {
        let winner = replies.iter().find(|r| r.code() == 200).unwrap();
        let next = winner.text("/refresh_token");
        assert_eq!(app.refresh(&next).await.code(), 401);
    }
}

#[tokio::test]
async fn logging_out_ends_the_family_of_the_session() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let second = refreshed(&app, &pair.refresh).await;
    let out = app
        .post("/v1/auth/logout", json!({}), Some(&user.token))
        .await;
    assert_eq!(out.code(), 204, "{}", out.body);
    let after = app.refresh(&second.refresh).await;
    assert_eq!(after.code(), 401, "{}", after.body);
}

#[tokio::test]
async fn a_password_change_ends_the_family() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let changed = app
        .post(
            "/v1/auth/password",
            json!({"current_password": user.password, "new_password": coffer_testkit::strong_password()}),
            Some(&user.token),
        )
        .await;
    assert_eq!(changed.code(), 204, "{}", changed.body);
    // The session that changed it lives on; the family minted before the change does not.
    assert_eq!(app.me(&user.token).await.code(), 200);
    let after = app.refresh(&pair.refresh).await;
    assert_eq!(after.code(), 401, "{}", after.body);
    // A family minted after the change works.
    let fresh = app.token_pair(&user, json!({})).await;
    refreshed(&app, &fresh.refresh).await;
}

#[tokio::test]
async fn an_unknown_empty_or_access_token_is_not_a_refresh_token() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    for bad in [
        "",
        "nope",
        pair.access.as_str(),
        &"A".repeat(200),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let reply = app.refresh(bad).await;
        assert!(
            [401, 422].contains(&reply.code()),
            "{bad}: {} {}",
            reply.code(),
            reply.body
        );
    }
    assert_eq!(app.refresh("nope").await.code(), 401);
    // None of that touched the real family.
    refreshed(&app, &pair.refresh).await;
}

#[tokio::test]
async fn a_refresh_token_expires_after_its_lifetime() {
    let app = spawn_with(|s| s.tokens.refresh_ttl = Duration::from_secs(600));
    let user = app.sign_up().await;
    let issued = app.issue_tokens(&user, json!({})).await;
    assert_eq!(issued.body["refresh_expires_in"], 600);
    let early = TokenPair::from_reply(&issued);
    let late = app.token_pair(&user, json!({})).await;
    app.clock.advance(time::Duration::seconds(599));
    refreshed(&app, &early.refresh).await;
    app.clock.advance(time::Duration::seconds(2));
    assert_eq!(app.refresh(&late.refresh).await.code(), 401);
}

#[tokio::test]
async fn deleting_the_vault_ends_the_families_bound_to_it() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let vaults = format!("/v1/orgs/{}/vaults", w.id);
    let vault = app
        .post(&vaults, json!({"name": "v"}), Some(&w.owner.token))
        .await
        .text("/id");
    let pair = app.token_pair(&w.member, json!({"vault_id": vault})).await;
    let deleted = app
        .delete(&format!("{vaults}/{vault}"), Some(&w.owner.token))
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);
    assert_eq!(app.refresh(&pair.refresh).await.code(), 401);
}
