//! The last owner (API.md: the last owner can neither leave nor be demoted): owners demoting,
//! removing each other or leaving at the same instant never leave an org without an owner. Of
//! two owners exactly one change wins; of three demoting each other in a ring, at most two. The
//! org's owner count, a counter moved in each change's transaction and bounded below by one, is
//! what refuses; it always equals the owners the member list shows.

use axum::http::Method;
use coffer_core::ids::OrgId;
use coffer_core::store::{attrs, schema};
use coffer_testkit::{Reply, TestApp, User};
use serde_json::json;

use super::guard::Protection;
use super::setup::{Backend, Race, at_once, same_kind};

const OWNER_COUNTS: Protection = Protection::Bounds(|key| {
    let sample = OrgId::parse("org_01arz3ndektsv4rrffq69g5fav").unwrap();
    same_kind(key, &schema::org_owner_count(&sample))
});

#[derive(Debug, Clone, Copy)]
enum Move {
    /// Each owner demotes the next to admin.
    Demote,
    /// Each owner removes the next.
    Remove,
    /// Each owner leaves.
    Leave,
}

/// The owners' replies and the org's owners afterwards (listed, and counted).
async fn race_round(app: &std::sync::Arc<TestApp>, owners: &[User], mv: Move) -> (Vec<u16>, usize) {
    let org = app.create_org(&owners[0], "free").await;
    for owner in &owners[1..] {
        app.add_member(&org, &owners[0], owner, "owner").await;
    }
    let members = format!("/v1/orgs/{org}/members");
    let replies: Vec<Reply> = at_once(owners.len(), |i| {
        let app = app.clone();
        let (by, next) = (owners[i].clone(), owners[(i + 1) % owners.len()].clone());
        let path = match mv {
            Move::Leave => format!("{members}/{}", by.id),
            Move::Demote | Move::Remove => format!("{members}/{}", next.id),
        };
        async move {
            match mv {
                Move::Demote => {
                    app.patch(&path, json!({"role": "admin"}), Some(&by.token))
                        .await
                }
                Move::Remove | Move::Leave => {
                    app.call(Method::DELETE, &path, None, Some(&by.token)).await
                }
            }
        }
    })
    .await;
    let codes: Vec<u16> = replies.iter().map(Reply::code).collect();
    for code in &codes {
        // Won; the last owner (409); an admin cannot touch an owner (403, after a demotion
        // landed); not a member any more (404, after a removal landed).
        assert!(
            [200, 204, 409, 403, 404].contains(code),
            "{mv:?}: {codes:?}"
        );
    }
    let mut listed = None;
    for owner in owners {
        let reply = app
            .get(&format!("{members}?limit=100"), Some(&owner.token))
            .await;
        if reply.code() == 200 {
            listed = Some(reply);
            break;
        }
    }
    let listed = listed.unwrap_or_else(|| panic!("{mv:?} {codes:?}: nobody is left in the org"));
    let owners_listed = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "owner")
        .count();
    let counter = app
        .state
        .ports
        .table
        .get(&schema::org_owner_count(&OrgId::parse(&org).unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        attrs::count(&counter, "owners"),
        i64::try_from(owners_listed).unwrap(),
        "{mv:?} {codes:?}: the owner count and the members disagree"
    );
    (codes, owners_listed)
}

async fn owners_demoting_or_removing_each_other_at_once_always_leave_an_owner(backend: Backend) {
    let race = Race::new(backend, OWNER_COUNTS, |_| {}).await;
    let rounds = race.rounds(6, 1);
    let users = [
        race.app.sign_up().await,
        race.app.sign_up().await,
        race.app.sign_up().await,
    ];
    for round in 0..rounds {
        for mv in [Move::Demote, Move::Remove, Move::Leave] {
            let (codes, owners) = race_round(&race.app, &users[..2], mv).await;
            assert_eq!(owners, 1, "round {round} {mv:?}: {codes:?}");
            let won = codes.iter().filter(|c| [200, 204].contains(*c)).count();
            assert_eq!(won, 1, "round {round} {mv:?}: {codes:?}");

            let (codes, owners) = race_round(&race.app, &users, mv).await;
            assert!(owners >= 1, "round {round} {mv:?} of three: {codes:?}");
        }
    }
    race.report("last-owner demotion", rounds * 6, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn owners_demoting_or_removing_each_other_at_once_always_leave_an_owner_on_the_embedded_backend()
 {
    owners_demoting_or_removing_each_other_at_once_always_leave_an_owner(Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn owners_demoting_or_removing_each_other_at_once_always_leave_an_owner_on_the_aws_backend() {
    owners_demoting_or_removing_each_other_at_once_always_leave_an_owner(Backend::Moto).await;
}
