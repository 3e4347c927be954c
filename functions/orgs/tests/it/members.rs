//! Members and invitations: adding by email, roles, the last owner, leaving.

use serde_json::json;

#[tokio::test]
async fn an_address_with_an_account_becomes_a_member_and_one_without_gets_an_invitation() {
    let app = crate::spawn();
    let owner = app.sign_up().await;
    let other = app.sign_up().await;
    let org = app.create_org(&owner, "free").await;
    let members = format!("/v1/orgs/{org}/members");

    let added = app
        .post(&members, json!({"email": other.email.to_uppercase().replace("EXAMPLE.COM", "example.com"), "role": "admin"}), Some(&owner.token))
        .await;
    assert_eq!(added.code(), 201, "{}", added.body);
    assert_eq!(added.body["member"]["user_id"], other.id.as_str());
    assert_eq!(added.body["member"]["role"], "admin");
    let again = app
        .post(
            &members,
            json!({"email": other.email, "role": "member"}),
            Some(&owner.token),
        )
        .await;
    assert_eq!(again.code(), 409);

    let invited = app
        .post(
            &members,
            json!({"email": "newcomer@example.com", "role": "member"}),
            Some(&owner.token),
        )
        .await;
    assert_eq!(invited.code(), 202, "{}", invited.body);
    let invitation = invited.text("/invitation/id");
    assert!(invitation.starts_with("inv_"));
    let twice = app
        .post(
            &members,
            json!({"email": "newcomer@example.com", "role": "admin"}),
            Some(&owner.token),
        )
        .await;
    assert_eq!(twice.code(), 409, "one pending invitation per address");
    let pending = app
        .get(&format!("/v1/orgs/{org}/invitations"), Some(&owner.token))
        .await;
    assert_eq!(pending.body["items"][0]["id"], invitation.as_str());
    assert_eq!(pending.body["items"][0]["email"], "newcomer@example.com");

    let revoked = app
        .delete(
            &format!("/v1/orgs/{org}/invitations/{invitation}"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(revoked.code(), 204);
    let pending = app
        .get(&format!("/v1/orgs/{org}/invitations"), Some(&owner.token))
        .await;
    assert_eq!(pending.body["items"], json!([]));
}

#[tokio::test]
async fn bad_emails_and_role_strings_are_422() {
    let app = crate::spawn();
    let owner = app.sign_up().await;
    let org = app.create_org(&owner, "free").await;
    let members = format!("/v1/orgs/{org}/members");
    for body in [
        json!({"email": "not-an-email", "role": "member"}),
        json!({"email": "a@example.com", "role": "root"}),
        json!({"email": "a@example.com", "role": "Owner"}),
        json!({"email": "a@example.com"}),
    ] {
        let reply = app.post(&members, body.clone(), Some(&owner.token)).await;
        assert_eq!(reply.code(), 422, "{body}: {}", reply.body);
    }
    let user = app.sign_up().await;
    app.add_member(&org, &owner, &user, "member").await;
    let reply = app
        .patch(
            &format!("{members}/{}", user.id),
            json!({"role": "superuser"}),
            Some(&owner.token),
        )
        .await;
    assert_eq!(reply.code(), 422);
}

#[tokio::test]
async fn the_last_owner_can_neither_leave_nor_be_demoted() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let me = format!("/v1/orgs/{}/members/{}", w.id, w.owner.id);
    let demoted = app
        .patch(&me, json!({"role": "admin"}), Some(&w.owner.token))
        .await;
    assert_eq!(demoted.code(), 409, "{}", demoted.body);
    assert_eq!(app.delete(&me, Some(&w.owner.token)).await.code(), 409);

    // With a second owner, the first may go.
    let promoted = app
        .patch(
            &format!("/v1/orgs/{}/members/{}", w.id, w.admin.id),
            json!({"role": "owner"}),
            Some(&w.owner.token),
        )
        .await;
    assert_eq!(promoted.code(), 200, "{}", promoted.body);
    assert_eq!(app.delete(&me, Some(&w.owner.token)).await.code(), 204);
    assert_eq!(
        app.get(&format!("/v1/orgs/{}", w.id), Some(&w.owner.token))
            .await
            .code(),
        404
    );
}

#[tokio::test]
async fn admins_cannot_add_promote_demote_or_remove_owners() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let members = format!("/v1/orgs/{}/members", w.id);
    let newcomer = app.sign_up().await;
    let add_owner = app
        .post(
            &members,
            json!({"email": newcomer.email, "role": "owner"}),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(add_owner.code(), 403);
    let promote = app
        .patch(
            &format!("{members}/{}", w.member.id),
            json!({"role": "owner"}),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(promote.code(), 403);
    let demote = app
        .patch(
            &format!("{members}/{}", w.owner.id),
            json!({"role": "member"}),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(demote.code(), 403);
    let remove = app
        .delete(&format!("{members}/{}", w.owner.id), Some(&w.admin.token))
        .await;
    assert_eq!(remove.code(), 403);
    // Admins do manage members.
    let promote = app
        .patch(
            &format!("{members}/{}", w.member.id),
            json!({"role": "admin"}),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(promote.code(), 200);
}

#[tokio::test]
async fn any_member_may_leave_and_then_sees_nothing_of_the_org() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let left = app
        .delete(
            &format!("/v1/orgs/{}/members/{}", w.id, w.member.id),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(left.code(), 204);
    assert_eq!(
        app.get(&format!("/v1/orgs/{}", w.id), Some(&w.member.token))
            .await
            .code(),
        404
    );
}

#[tokio::test]
async fn twelve_hundred_members_list_page_by_page_with_none_lost() {
    // Written straight through the service to keep the test quick; read through the route.
    use coffer_core::access::{Permission, Principal, Role};
    use coffer_core::audit::RequestOrigin;
    use coffer_core::auth::UserId;
    use coffer_core::http::GroupService;
    use coffer_core::orgs::{Name, OrgsService, Tier};
    let app = crate::spawn();
    let owner = app.sign_up().await;
    let orgs = OrgsService::build(&app.state).await.unwrap();
    let owner_id = UserId::parse(&owner.id).unwrap();
    let origin = RequestOrigin::default();
    let org = orgs
        .create(&owner_id, Name::parse("big").unwrap(), Tier::Free, &origin)
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
    let total = 1_200;
    for _ in 0..total {
        let user = UserId::generate(time::OffsetDateTime::now_utc()).unwrap();
        orgs.add_user(&at, &user, Role::Member, &origin)
            .await
            .unwrap();
    }
    let mut count = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/orgs/{}/members?limit=500&cursor={c}", org.id),
            None => format!("/v1/orgs/{}/members?limit=500", org.id),
        };
        let page = app.get(&path, Some(&owner.token)).await;
        assert_eq!(page.code(), 200, "{}", page.body);
        count += page.body["items"].as_array().unwrap().len();
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(count, total + 1);
}

#[tokio::test]
async fn an_account_that_never_verified_the_address_is_invited_not_made_a_member() {
    // The attack: register cfo@victim.example without owning it and wait to be added as admin.
    let app = crate::spawn();
    let owner = app.sign_up().await;
    let squatter = app.sign_up_unverified().await;
    let org = app.create_org(&owner, "free").await;
    let added = app
        .post(
            &format!("/v1/orgs/{org}/members"),
            json!({"email": squatter.email, "role": "admin"}),
            Some(&owner.token),
        )
        .await;
    assert_eq!(added.code(), 202, "{}", added.body);
    assert!(added.body["invitation"]["id"].is_string());
    assert_eq!(
        app.get(&format!("/v1/orgs/{org}"), Some(&squatter.token))
            .await
            .code(),
        404,
        "no access before the address is proved"
    );
    // Proving the address turns the invitation into membership.
    app.verify_email(&squatter).await;
    let got = app
        .get(&format!("/v1/orgs/{org}"), Some(&squatter.token))
        .await;
    assert_eq!(got.code(), 200, "{}", got.body);
    assert_eq!(got.body["role"], "admin");
}
