//! `POST /v1/auth/email/verify/request` and `.../confirm`.

use axum::http::StatusCode;
use serde_json::json;

use super::spawn_app;

#[tokio::test]
async fn a_verification_code_from_the_outbox_verifies_the_email_once() {
    let app = spawn_app();
    let account = app.signed_up().await;

    let requested = app.ask_verification(&account.token).await;
    assert_eq!(requested.status, StatusCode::ACCEPTED);
    let user = coffer_core::auth::UserId::parse(&account.user_id).unwrap();
    let messages = app.service.outbox().messages_for(&user, 10).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to.as_str(), account.email);
    let code = app.verify_code(&account.user_id).await;

    let confirmed = app
        .post(
            "/v1/auth/email/verify/confirm",
            json!({"token": code}),
            None,
        )
        .await;

    assert_eq!(
        confirmed.status,
        StatusCode::NO_CONTENT,
        "{:?}",
        confirmed.body
    );
    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.body["email_verified"],
        true
    );
    let again = app
        .post(
            "/v1/auth/email/verify/confirm",
            json!({"token": code}),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "single use");
    let after = app.ask_verification(&account.token).await;
    assert_eq!(after.status, StatusCode::CONFLICT, "already verified");
}

#[tokio::test]
async fn a_verification_code_expires_after_24_hours() {
    let app = spawn_app();
    let account = app.signed_up().await;
    app.ask_verification(&account.token).await;
    let code = app.verify_code(&account.user_id).await;

    app.clock.advance(time::Duration::hours(24));

    let reply = app
        .post(
            "/v1/auth/email/verify/confirm",
            json!({"token": code}),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_unknown_code_answers_400_and_the_request_needs_a_session() {
    let app = spawn_app();
    let bad = app
        .post(
            "/v1/auth/email/verify/confirm",
            json!({"token": "A".repeat(43)}),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["type"], "/problems/bad-request");
    let missing = app
        .post("/v1/auth/email/verify/confirm", json!({}), None)
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let anonymous = app
        .post("/v1/auth/email/verify/request", json!({}), None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn verification_requests_are_limited_to_five_an_hour() {
    let app = spawn_app();
    let account = app.signed_up().await;
    for _ in 0..5 {
        let reply = app.ask_verification(&account.token).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
    }
    let sixth = app.ask_verification(&account.token).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(sixth.header("retry-after").is_some());
}

#[tokio::test]
async fn verifying_an_invited_address_makes_its_new_user_a_member_with_the_invited_role() {
    use coffer_core::access::{Permission, Principal, Role};
    use coffer_core::audit::RequestOrigin;
    use coffer_core::auth::{Email, UserId};
    use coffer_core::orgs::{AddedMember, Name, OrgsService, Tier};

    // GIVEN an org whose owner invited an address that has no account yet
    let app = spawn_app();
    let owner = app.signed_up().await;
    let owner_id = UserId::parse(&owner.user_id).unwrap();
    let orgs = OrgsService::new(
        app.table.clone(),
        app.clock.clone(),
        app.kit.state.ports.keys.clone(),
        &app.settings.orgs,
    );
    let origin = RequestOrigin::default();
    let org = orgs
        .create(&owner_id, Name::parse("Acme").unwrap(), Tier::Free, &origin)
        .await
        .unwrap();
    let at = orgs
        .access()
        .require(
            &Principal::User(owner_id),
            &org.id,
            Permission::MembersManage,
        )
        .await
        .unwrap();
    let invited = super::unique_email();
    let added = orgs
        .add_member(&at, &Email::parse(&invited).unwrap(), Role::Admin, &origin)
        .await
        .unwrap();
    assert!(matches!(added, AddedMember::Invited(_)), "{added:?}");

    // WHEN the address registers and verifies itself through the API
    let password = super::strong_password();
    assert_eq!(
        app.register(&invited, &password).await.status,
        StatusCode::CREATED
    );
    let login = app.login(&invited, &password).await;
    let token = login.body["session_token"].as_str().unwrap().to_owned();
    let user_id = login.body["user"]["id"].as_str().unwrap().to_owned();
    let user = UserId::parse(&user_id).unwrap();
    let not_yet = orgs
        .access()
        .require(&Principal::User(user.clone()), &org.id, Permission::OrgRead)
        .await;
    assert!(not_yet.is_err(), "registering alone joins nothing");
    app.ask_verification(&token).await;
    let code = app.verify_code(&user_id).await;
    let confirmed = app
        .post(
            "/v1/auth/email/verify/confirm",
            json!({"token": code}),
            None,
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::NO_CONTENT,
        "{:?}",
        confirmed.body
    );

    // THEN the new user is a member with the invited role
    let member = orgs
        .access()
        .require(
            &Principal::User(user.clone()),
            &org.id,
            Permission::MembersRead,
        )
        .await
        .unwrap();
    assert_eq!(member.role(), Role::Admin);
    let members = orgs.list_members(&at, 10, None).await.unwrap();
    assert!(
        members
            .items
            .iter()
            .any(|m| m.user_id == user && m.role == Role::Admin),
        "{members:?}"
    );
    assert!(
        orgs.list_invitations(&at, 10, None)
            .await
            .unwrap()
            .items
            .is_empty(),
        "the invitation is spent"
    );
}
