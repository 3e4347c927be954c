//! A token's scopes bound the checks a service makes after the gate, not only the gate's own:
//! an owner's token scoped `members:manage` manages admins and members, but making, unmaking
//! or removing an owner needs `owners:manage` in its scopes too. (The matrix found the same
//! hole on removals: the gate checked the token for `org:read`, the service only the role for
//! `members:manage`.)

use coffer_testkit::{TestApp, assert_problem};
use serde_json::json;

#[tokio::test]
async fn an_owners_token_without_owners_manage_can_neither_make_nor_remove_an_owner() {
    let app = TestApp::embedded(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_tokens::group(),
    ]);
    let org = app.org_with_every_role().await;
    let token = app
        .token_pair(
            &org.owner,
            json!({"org_id": org.id, "scopes": ["org:read", "members:manage"]}),
        )
        .await
        .access;
    let members = format!("/v1/orgs/{}/members", org.id);
    let member = format!("{members}/{}", org.member.id);

    let promoted = app
        .patch(&member, json!({"role": "owner"}), Some(&token))
        .await;
    assert_problem(&promoted, 403);
    let added = app
        .post(
            &members,
            json!({"email": org.outsider.email, "role": "owner"}),
            Some(&token),
        )
        .await;
    assert_problem(&added, 403);

    // Within its scopes it works.
    let changed = app
        .patch(&member, json!({"role": "admin"}), Some(&token))
        .await;
    assert_eq!(changed.code(), 200, "{}", changed.body);

    // The owner's session makes a second owner, whom the token may not demote or remove.
    let by_session = app
        .patch(&member, json!({"role": "owner"}), Some(&org.owner.token))
        .await;
    assert_eq!(by_session.code(), 200, "{}", by_session.body);
    let demoted = app
        .patch(&member, json!({"role": "member"}), Some(&token))
        .await;
    assert_problem(&demoted, 403);
    assert_problem(&app.delete(&member, Some(&token)).await, 403);

    let listed = app.get(&members, Some(&org.owner.token)).await;
    let owners = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "owner")
        .count();
    assert_eq!(owners, 2, "{}", listed.body);
}
