//! Every org route × {owner, admin, member, outsider, anonymous}: the status each must get. The
//! table is the contract of API.md's "who may do what"; each case runs on an org of its own so
//! that one role's success cannot change another's answer.

use axum::http::Method;
use coffer_testkit::{TestApp, User, unique_email};
use serde_json::{Value, json};

/// One route: method, path (with `{org}`, `{vault}`, `{team}`, `{full_team}`, `{user}`,
/// `{invitation}`), body, and the statuses for owner, admin, member, outsider, anonymous.
struct Case {
    method: Method,
    path: &'static str,
    body: fn() -> Option<Value>,
    want: [u16; 5],
}

fn none() -> Option<Value> {
    None
}

fn cases() -> Vec<Case> {
    use Method as M;
    let c = |method, path, body, want| Case {
        method,
        path,
        body,
        want,
    };
    vec![
        c(
            M::POST,
            "/v1/orgs",
            || Some(json!({"name": "another"})),
            [201, 201, 201, 201, 401],
        ),
        c(M::GET, "/v1/orgs", none, [200, 200, 200, 200, 401]),
        c(M::GET, "/v1/orgs/{org}", none, [200, 200, 200, 404, 401]),
        c(
            M::PATCH,
            "/v1/orgs/{org}",
            || Some(json!({"name": "renamed"})),
            [200, 200, 403, 404, 401],
        ),
        c(M::DELETE, "/v1/orgs/{org}", none, [204, 403, 403, 404, 401]),
        c(
            M::GET,
            "/v1/orgs/{org}/members",
            none,
            [200, 200, 200, 404, 401],
        ),
        c(
            M::POST,
            "/v1/orgs/{org}/members",
            || Some(json!({"email": unique_email(), "role": "member"})),
            [202, 202, 403, 404, 401],
        ),
        c(
            M::PATCH,
            "/v1/orgs/{org}/members/{user}",
            || Some(json!({"role": "admin"})),
            [200, 200, 403, 404, 401],
        ),
        c(
            M::DELETE,
            "/v1/orgs/{org}/members/{user}",
            none,
            [204, 204, 403, 404, 401],
        ),
        c(
            M::GET,
            "/v1/orgs/{org}/invitations",
            none,
            [200, 200, 403, 404, 401],
        ),
        c(
            M::DELETE,
            "/v1/orgs/{org}/invitations/{invitation}",
            none,
            [204, 204, 403, 404, 401],
        ),
        c(
            M::GET,
            "/v1/orgs/{org}/teams",
            none,
            [200, 200, 200, 404, 401],
        ),
        c(
            M::POST,
            "/v1/orgs/{org}/teams",
            || Some(json!({"name": "platform"})),
            [201, 201, 403, 404, 401],
        ),
        c(
            M::DELETE,
            "/v1/orgs/{org}/teams/{team}",
            none,
            [204, 204, 403, 404, 401],
        ),
        c(
            M::GET,
            "/v1/orgs/{org}/teams/{full_team}/members",
            none,
            [200, 200, 200, 404, 401],
        ),
        c(
            M::POST,
            "/v1/orgs/{org}/teams/{team}/members",
            || None,
            [201, 201, 403, 404, 401],
        ),
        c(
            M::DELETE,
            "/v1/orgs/{org}/teams/{full_team}/members/{user}",
            none,
            [204, 204, 403, 404, 401],
        ),
        c(
            M::GET,
            "/v1/orgs/{org}/vaults",
            none,
            [200, 200, 200, 404, 401],
        ),
        c(
            M::POST,
            "/v1/orgs/{org}/vaults",
            || Some(json!({"name": "payments"})),
            [201, 201, 403, 404, 401],
        ),
        c(
            M::GET,
            "/v1/orgs/{org}/vaults/{vault}",
            none,
            [200, 200, 200, 404, 401],
        ),
        c(
            M::DELETE,
            "/v1/orgs/{org}/vaults/{vault}",
            none,
            [204, 204, 403, 404, 401],
        ),
    ]
}

/// An org with every role, a target member, a vault, an empty team, a team holding the target,
/// and a pending invitation.
struct World {
    org: coffer_testkit::OrgWithRoles,
    target: User,
    vault: String,
    team: String,
    full_team: String,
    invitation: String,
}

async fn world(app: &TestApp) -> World {
    let org = app.org_with_every_role().await;
    let target = app.sign_up().await;
    app.add_member(&org.id, &org.owner, &target, "member").await;
    let owner = Some(org.owner.token.as_str());
    let base = format!("/v1/orgs/{}", org.id);
    let vault = app
        .post(&format!("{base}/vaults"), json!({"name": "v0"}), owner)
        .await
        .text("/id");
    let team = app
        .post(&format!("{base}/teams"), json!({"name": "empty"}), owner)
        .await
        .text("/id");
    let full_team = app
        .post(&format!("{base}/teams"), json!({"name": "full"}), owner)
        .await
        .text("/id");
    let added = app
        .post(
            &format!("{base}/teams/{full_team}/members"),
            json!({"user_id": target.id}),
            owner,
        )
        .await;
    assert_eq!(added.code(), 201, "{}", added.body);
    let invitation = app
        .post(
            &format!("{base}/members"),
            json!({"email": unique_email(), "role": "member"}),
            owner,
        )
        .await
        .text("/invitation/id");
    World {
        org,
        target,
        vault,
        team,
        full_team,
        invitation,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_org_route_answers_each_role_as_the_permission_table_says() {
    let app = crate::spawn();
    let mut failures = Vec::new();
    for case in cases() {
        for (role, want) in ["owner", "admin", "member", "outsider", "anonymous"]
            .into_iter()
            .zip(case.want)
        {
            let w = world(&app).await;
            let path = case
                .path
                .replace("{org}", &w.org.id)
                .replace("{vault}", &w.vault)
                .replace("{full_team}", &w.full_team)
                .replace("{team}", &w.team)
                .replace("{user}", &w.target.id)
                .replace("{invitation}", &w.invitation);
            let token = match role {
                "owner" => Some(w.org.owner.token.as_str()),
                "admin" => Some(w.org.admin.token.as_str()),
                "member" => Some(w.org.member.token.as_str()),
                "outsider" => Some(w.org.outsider.token.as_str()),
                _ => None,
            };
            let body = if case.path.ends_with("/teams/{team}/members") {
                Some(json!({"user_id": w.target.id}))
            } else {
                (case.body)()
            };
            let reply = app.call(case.method.clone(), &path, body, token).await;
            if reply.code() != want {
                failures.push(format!(
                    "{} {} as {role}: got {}, want {want}: {}",
                    case.method,
                    case.path,
                    reply.code(),
                    reply.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn malformed_and_unknown_ids_are_not_found_never_a_server_error() {
    let app = crate::spawn();
    let w = world(&app).await;
    let owner = Some(w.org.owner.token.as_str());
    let unknown_org = "org_01arz3ndektsv4rrffq69g5fav";
    for path in [
        "/v1/orgs/not-an-id".to_owned(),
        "/v1/orgs/usr_01arz3ndektsv4rrffq69g5fav".to_owned(),
        format!("/v1/orgs/{unknown_org}"),
        format!("/v1/orgs/{unknown_org}/vaults"),
        format!("/v1/orgs/{}/vaults/vlt_nope", w.org.id),
        format!(
            "/v1/orgs/{}/vaults/vlt_01arz3ndektsv4rrffq69g5fav",
            w.org.id
        ),
        format!("/v1/orgs/{}/teams/team_%00/members", w.org.id),
        format!(
            "/v1/orgs/{}/teams/team_01arz3ndektsv4rrffq69g5fav/members",
            w.org.id
        ),
    ] {
        let reply = app.get(&path, owner).await;
        assert_eq!(reply.code(), 404, "{path}: {}", reply.body);
    }
    for path in [
        format!("/v1/orgs/{}/members/usr_bad", w.org.id),
        format!(
            "/v1/orgs/{}/members/usr_01arz3ndektsv4rrffq69g5fav",
            w.org.id
        ),
        format!(
            "/v1/orgs/{}/invitations/inv_01arz3ndektsv4rrffq69g5fav",
            w.org.id
        ),
    ] {
        let reply = app.delete(&path, owner).await;
        assert_eq!(reply.code(), 404, "{path}: {}", reply.body);
    }
}
