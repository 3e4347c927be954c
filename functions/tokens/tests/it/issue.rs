//! `POST /v1/tokens`: what a session gets, what the token says, what it may be asked for, and
//! how other routes honour its org binding and scopes.

use serde_json::json;

use crate::{decode, now, spawn};

#[tokio::test]
async fn a_session_gets_a_bearer_pair_of_an_hour_that_is_never_cached() {
    let app = spawn();
    let user = app.sign_up().await;
    let issued = app.issue_tokens(&user, json!({})).await;
    assert_eq!(issued.code(), 201, "{}", issued.body);
    assert_eq!(issued.body["token_type"], "Bearer");
    assert_eq!(issued.body["expires_in"], 3600);
    assert_eq!(issued.body["refresh_expires_in"], 90 * 86_400);
    assert!(issued.body["access_token"].as_str().unwrap().contains('.'));
    let refresh = issued.text("/refresh_token");
    assert!(refresh.len() >= 43 && !refresh.contains('.'), "{refresh}");
    assert_eq!(issued.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn the_access_token_is_an_eddsa_at_jwt_naming_its_key_with_the_registered_claims() {
    let app = spawn();
    let user = app.sign_up().await;
    let issued = app.issue_tokens(&user, json!({})).await;
    let (header, claims) = decode(&issued.text("/access_token"));

    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    let kid = header["kid"].as_str().unwrap();
    assert!(!kid.is_empty());
    assert_eq!(app.published_kids().await, vec![kid.to_owned()]);
    assert_eq!(header.as_object().unwrap().len(), 3, "{header}");

    let settings = &app.state.settings.tokens;
    assert_eq!(claims["iss"], settings.issuer.as_str());
    assert_eq!(claims["aud"], settings.audience.as_str());
    assert_eq!(claims["sub"], user.id.as_str());
    let t = now(&app);
    assert_eq!(claims["iat"], t);
    assert_eq!(claims["nbf"], t);
    assert_eq!(claims["exp"], t + 3600);
    assert!(claims["jti"].as_str().unwrap().len() >= 22);
    // Unbound, a session's token may do all its user may do.
    let scope = claims["scope"].as_str().unwrap();
    assert!(
        scope.contains("vaults:read") && scope.contains("org:delete"),
        "{scope}"
    );
    assert_eq!(issued.body["scope"], scope);
    assert!(
        claims.get("org").is_none() && claims.get("vault").is_none(),
        "{claims}"
    );

    let again = app.issue_tokens(&user, json!({})).await;
    let (_, second) = decode(&again.text("/access_token"));
    assert_ne!(second["jti"], claims["jti"], "each token has its own jti");
}

#[tokio::test]
async fn a_token_for_a_vault_carries_the_vault_and_its_org() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let vault = app.create_vault(&w.id, &w.admin, "payroll").await;
    let issued = app
        .issue_tokens(
            &w.member,
            json!({"vault_id": vault, "scopes": ["vaults:read"]}),
        )
        .await;
    assert_eq!(issued.code(), 201, "{}", issued.body);
    let (_, claims) = decode(&issued.text("/access_token"));
    assert_eq!(claims["org"], w.id.as_str());
    assert_eq!(claims["vault"], vault.as_str());
    assert_eq!(claims["scope"], "vaults:read");
    assert_eq!(issued.body["scope"], "vaults:read");

    // Without scopes, the member's role is the ceiling and the default.
    let issued = app
        .issue_tokens(&w.member, json!({"vault_id": vault}))
        .await;
    assert_eq!(issued.code(), 201, "{}", issued.body);
    let (_, claims) = decode(&issued.text("/access_token"));
    let scope = claims["scope"].as_str().unwrap();
    assert!(scope.contains("vaults:read"), "{scope}");
    assert!(
        !scope.contains("vaults:manage") && !scope.contains("org:delete"),
        "{scope}"
    );
}

#[tokio::test]
async fn a_lifetime_from_60_seconds_to_a_day_is_allowed_and_nothing_outside() {
    let app = spawn();
    let user = app.sign_up().await;
    for (ttl, code) in [(59, 422), (60, 201), (86_400, 201), (86_401, 422), (0, 422)] {
        let issued = app.issue_tokens(&user, json!({"ttl_seconds": ttl})).await;
        assert_eq!(issued.code(), code, "ttl {ttl}: {}", issued.body);
        if code == 201 {
            assert_eq!(issued.body["expires_in"], ttl);
            let (_, claims) = decode(&issued.text("/access_token"));
            assert_eq!(
                claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
                ttl
            );
        }
    }
}

#[tokio::test]
async fn a_scope_that_is_not_a_permission_is_refused() {
    let app = spawn();
    let user = app.sign_up().await;
    for scopes in [json!(["vaults:read", "admin"]), json!(["*"]), json!([""])] {
        let issued = app.issue_tokens(&user, json!({"scopes": scopes})).await;
        assert_eq!(issued.code(), 422, "{scopes}: {}", issued.body);
    }
    let unknown_field = app
        .issue_tokens(&user, json!({"scope": "vaults:read"}))
        .await;
    assert_eq!(unknown_field.code(), 422, "{}", unknown_field.body);
}

#[tokio::test]
async fn a_member_cannot_ask_for_more_than_their_role_allows_in_the_vaults_org() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let vault = app.create_vault(&w.id, &w.owner, "v").await;
    let refused = app
        .issue_tokens(
            &w.member,
            json!({"vault_id": vault, "scopes": ["vaults:read", "vaults:manage"]}),
        )
        .await;
    assert_eq!(refused.code(), 422, "{}", refused.body);
    let allowed = app
        .issue_tokens(
            &w.admin,
            json!({"vault_id": vault, "scopes": ["vaults:manage"]}),
        )
        .await;
    assert_eq!(allowed.code(), 201, "{}", allowed.body);
}

#[tokio::test]
async fn a_vault_of_an_org_the_caller_is_not_in_is_not_found() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let vault = app.create_vault(&w.id, &w.owner, "v").await;
    let outsider = app
        .issue_tokens(&w.outsider, json!({"vault_id": vault}))
        .await;
    assert_eq!(outsider.code(), 404, "{}", outsider.body);
    let unknown = app
        .issue_tokens(
            &w.owner,
            json!({"vault_id": "vlt_01arz3ndektsv4rrffq69g5fav"}),
        )
        .await;
    assert_eq!(unknown.code(), 404, "{}", unknown.body);
    // Named with another org than its own: not found either.
    let other_org = app.create_org(&w.owner, "free").await;
    let mismatched = app
        .issue_tokens(&w.owner, json!({"vault_id": vault, "org_id": other_org}))
        .await;
    assert_eq!(mismatched.code(), 404, "{}", mismatched.body);
    // Bound to an org the caller is not in.
    let org_outsider = app.issue_tokens(&w.outsider, json!({"org_id": w.id})).await;
    assert_eq!(org_outsider.code(), 404, "{}", org_outsider.body);
}

#[tokio::test]
async fn an_access_token_cannot_mint_more_tokens() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let minted = app.post("/v1/tokens", json!({}), Some(&pair.access)).await;
    assert_eq!(minted.code(), 403, "{}", minted.body);
    let refresh_as_bearer = app.post("/v1/tokens", json!({}), Some(&pair.refresh)).await;
    assert_eq!(refresh_as_bearer.code(), 401, "{}", refresh_as_bearer.body);
    let anonymous = app.post("/v1/tokens", json!({}), None).await;
    assert_eq!(anonymous.code(), 401, "{}", anonymous.body);
}

#[tokio::test]
async fn the_access_token_authenticates_its_user_on_the_auth_routes() {
    let app = spawn();
    let user = app.sign_up().await;
    let pair = app.token_pair(&user, json!({})).await;
    let me = app.me(&pair.access).await;
    assert_eq!(me.code(), 200, "{}", me.body);
    assert_eq!(me.body["email"], user.email.as_str());
    assert_eq!(me.body["id"], user.id.as_str());
}

#[tokio::test]
async fn an_org_route_needs_a_token_bound_to_that_org_and_scoped_for_the_route() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let vaults = format!("/v1/orgs/{}/vaults", w.id);
    let vault = app
        .post(&vaults, json!({"name": "v"}), Some(&w.owner.token))
        .await
        .text("/id");

    let read = app
        .token_pair(
            &w.member,
            json!({"org_id": w.id, "scopes": ["vaults:read"]}),
        )
        .await;
    let listed = app.get(&vaults, Some(&read.access)).await;
    assert_eq!(listed.code(), 200, "{}", listed.body);
    assert_eq!(listed.body["items"][0]["id"], vault.as_str());

    let vault_bound = app
        .token_pair(
            &w.member,
            json!({"vault_id": vault, "scopes": ["vaults:read"]}),
        )
        .await;
    let got = app
        .get(&format!("{vaults}/{vault}"), Some(&vault_bound.access))
        .await;
    assert_eq!(got.code(), 200, "{}", got.body);

    let no_read = app
        .token_pair(&w.member, json!({"org_id": w.id, "scopes": ["org:read"]}))
        .await;
    let refused = app.get(&vaults, Some(&no_read.access)).await;
    assert_eq!(refused.code(), 403, "{}", refused.body);

    // An unbound token is held to its scopes too.
    let unbound = app
        .token_pair(&w.member, json!({"scopes": ["org:read"]}))
        .await;
    assert_eq!(app.get(&vaults, Some(&unbound.access)).await.code(), 403);

    // The member is in a second org; a token bound there does not reach the first.
    let other_org = app.create_org(&w.member, "free").await;
    let elsewhere = app
        .token_pair(
            &w.member,
            json!({"org_id": other_org, "scopes": ["vaults:read"]}),
        )
        .await;
    let not_found = app.get(&vaults, Some(&elsewhere.access)).await;
    assert_eq!(not_found.code(), 404, "{}", not_found.body);
    let own = app
        .get(
            &format!("/v1/orgs/{other_org}/vaults"),
            Some(&elsewhere.access),
        )
        .await;
    assert_eq!(own.code(), 200, "{}", own.body);

    // A token can do no more than the role: an admin-scoped ask by a member was refused at
    // issue, and a member's full token still cannot create a vault.
    let full = app.token_pair(&w.member, json!({"org_id": w.id})).await;
    let create = app
        .post(&vaults, json!({"name": "w"}), Some(&full.access))
        .await;
    assert_eq!(create.code(), 403, "{}", create.body);
}

#[tokio::test]
async fn a_token_of_a_member_who_left_the_org_no_longer_reaches_it() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let vaults = format!("/v1/orgs/{}/vaults", w.id);
    let pair = app.token_pair(&w.member, json!({"org_id": w.id})).await;
    assert_eq!(app.get(&vaults, Some(&pair.access)).await.code(), 200);
    let removed = app
        .delete(
            &format!("/v1/orgs/{}/members/{}", w.id, w.member.id),
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(removed.code(), 204, "{}", removed.body);
    assert_eq!(app.get(&vaults, Some(&pair.access)).await.code(), 404);
    // And a token of an admin demoted to member loses what the admin role gave it.
    let admin = app
        .token_pair(
            &w.admin,
            json!({"org_id": w.id, "scopes": ["vaults:manage"]}),
        )
        .await;
    let demoted = app
        .patch(
            &format!("/v1/orgs/{}/members/{}", w.id, w.admin.id),
            json!({"role": "member"}),
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(demoted.code(), 200, "{}", demoted.body);
    let create = app
        .post(&vaults, json!({"name": "after"}), Some(&admin.access))
        .await;
    assert_eq!(create.code(), 403, "{}", create.body);
}

#[tokio::test]
async fn a_token_bound_to_a_vault_reaches_that_vault_and_no_other_of_its_org() {
    let app = spawn();
    let w = app.org_with_every_role().await;
    let payroll = app.create_vault(&w.id, &w.admin, "payroll").await;
    let hr = app.create_vault(&w.id, &w.admin, "hr").await;
    let bound = app
        .token_pair(&w.admin, json!({"vault_id": payroll}))
        .await
        .access;
    let own = app
        .get(&format!("/v1/orgs/{}/vaults/{payroll}", w.id), Some(&bound))
        .await;
    assert_eq!(own.code(), 200, "{}", own.body);
    let other = app
        .get(&format!("/v1/orgs/{}/vaults/{hr}", w.id), Some(&bound))
        .await;
    assert_eq!(other.code(), 404, "{}", other.body);
    let deleted = app
        .delete(&format!("/v1/orgs/{}/vaults/{hr}", w.id), Some(&bound))
        .await;
    assert_eq!(deleted.code(), 404, "{}", deleted.body);
}
