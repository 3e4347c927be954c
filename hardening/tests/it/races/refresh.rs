//! Concurrent refreshes of one refresh token (docs/tokens.md, default grace 0): exactly one
//! gets a new pair, every other one presented a spent token, so the family is revoked and the
//! winner's new token is refused too. And a spent token replayed while the live one is being
//! refreshed: the reuse is always detected and the family always ends revoked, whichever write
//! lands first — a refresh that read the family before the revocation must not bring it back.
//! The same for a family revoked by its owner (`POST /v1/tokens/revoke`) while it is refreshed.

use coffer_core::ids::RefreshFamilyId;
use coffer_core::store::{attrs, schema};
use coffer_testkit::tokens::TokenPair;
use coffer_testkit::{Reply, TestApp};
use serde_json::json;

use super::guard::Protection;
use super::setup::{Backend, Race, at_once, same_kind};

/// The family item's version condition is what lets one refresh of a generation win.
const FAMILIES: Protection = Protection::Conditions(|key| {
    let sample = RefreshFamilyId::parse("rfam_01arz3ndektsv4rrffq69g5fav").unwrap();
    same_kind(key, &schema::refresh_family(&sample))
});

/// Whether the family of `token`, as stored, is revoked.
async fn family_revoked(app: &TestApp, token: &str) -> bool {
    let table = &app.state.ports.table;
    let token_item = table
        .get(&schema::refresh_token(&coffer_core::auth::digest(token)))
        .await
        .unwrap()
        .expect("the token is stored");
    let family = attrs::parsed(&token_item, "family", RefreshFamilyId::parse).unwrap();
    let family = table
        .get(&schema::refresh_family(&family))
        .await
        .unwrap()
        .expect("the family is stored");
    family.attrs.get("revoked") == Some(&json!(true))
}

fn codes(replies: &[Reply]) -> Vec<u16> {
    replies.iter().map(Reply::code).collect()
}

async fn many_refreshes_of_one_token_at_once_give_one_pair_and_revoke_the_family(backend: Backend) {
    let race = Race::new(backend, FAMILIES, |_| {}).await;
    let (rounds, width) = (race.rounds(10, 2), race.width(8, 4));
    let user = race.app.sign_up().await;
    for round in 0..rounds {
        let pair = race.app.token_pair(&user, json!({})).await;
        let replies = at_once(width, |_| {
            let (app, token) = (race.app.clone(), pair.refresh.clone());
            async move { app.refresh(&token).await }
        })
        .await;
        let codes = codes(&replies);
        assert_eq!(
            codes.iter().filter(|c| **c == 200).count(),
            1,
            "round {round}: {codes:?}"
        );
        assert!(codes.iter().all(|c| [200, 401].contains(c)), "{codes:?}");
        // The losers presented a spent token: reuse, the family is revoked, the winner's new
        // token with it.
        let won = TokenPair::from_reply(replies.iter().find(|r| r.code() == 200).unwrap());
        assert!(
            family_revoked(&race.app, &pair.refresh).await,
            "round {round}"
        );
        let after = race.app.refresh(&won.refresh).await;
        assert_eq!(after.code(), 401, "round {round}: {}", after.body);
    }
    race.report("concurrent refresh of one token", rounds, width);
}

async fn a_spent_token_replayed_during_a_refresh_always_leaves_the_family_revoked(
    backend: Backend,
) {
    let race = Race::new(backend, FAMILIES, |_| {}).await;
    let (rounds, half) = (race.rounds(16, 2), race.width(3, 2));
    let user = race.app.sign_up().await;
    for round in 0..rounds {
        let first = race.app.token_pair(&user, json!({})).await;
        let refreshed = race.app.refresh(&first.refresh).await;
        assert_eq!(refreshed.code(), 200, "{}", refreshed.body);
        let live = TokenPair::from_reply(&refreshed);
        // Odd attempts replay the spent token, even ones present the live one.
        let replies = at_once(2 * half, |i| {
            let app = race.app.clone();
            let token = if i % 2 == 0 {
                live.refresh.clone()
            } else {
                first.refresh.clone()
            };
            async move { app.refresh(&token).await }
        })
        .await;
        let codes = codes(&replies);
        assert!(
            replies.iter().skip(1).step_by(2).all(|r| r.code() == 401),
            "round {round}: the spent token was accepted: {codes:?}"
        );
        assert!(
            codes.iter().filter(|c| **c == 200).count() <= 1,
            "round {round}: {codes:?}"
        );
        assert!(
            family_revoked(&race.app, &first.refresh).await,
            "round {round}: reuse was detected ({codes:?}) but the family is live"
        );
        for won in replies.iter().filter(|r| r.code() == 200) {
            let next = TokenPair::from_reply(won);
            let after = race.app.refresh(&next.refresh).await;
            assert_eq!(
                after.code(),
                401,
                "round {round}: a refresh that raced the reuse kept the family alive"
            );
        }
    }
    race.report("spent token replayed during a refresh", rounds, 2 * half);
}

async fn a_family_revoked_while_it_is_refreshed_stays_revoked(backend: Backend) {
    let race = Race::new(backend, FAMILIES, |_| {}).await;
    let (rounds, width) = (race.rounds(16, 2), race.width(4, 3));
    let user = race.app.sign_up().await;
    for round in 0..rounds {
        let pair = race.app.token_pair(&user, json!({})).await;
        // The first attempt revokes the token (RFC 7009, as its owner), the others refresh it.
        let replies = at_once(width, |i| {
            let (app, token, session) =
                (race.app.clone(), pair.refresh.clone(), user.token.clone());
            async move {
                if i == 0 {
                    app.revoke(&session, json!({"token": token})).await
                } else {
                    app.refresh(&token).await
                }
            }
        })
        .await;
        let codes = codes(&replies);
        assert_eq!(codes[0], 204, "round {round}: {}", replies[0].body);
        assert!(
            codes[1..].iter().filter(|c| **c == 200).count() <= 1,
            "round {round}: {codes:?}"
        );
        assert!(
            family_revoked(&race.app, &pair.refresh).await,
            "round {round}: the revocation was undone ({codes:?})"
        );
        for won in replies[1..].iter().filter(|r| r.code() == 200) {
            let after = race.app.refresh(&TokenPair::from_reply(won).refresh).await;
            assert_eq!(
                after.code(),
                401,
                "round {round}: a revoked family refreshed"
            );
        }
    }
    race.report("revocation racing a refresh", rounds, width);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_refreshes_of_one_token_at_once_give_one_pair_and_revoke_the_family_on_the_embedded_backend()
 {
    many_refreshes_of_one_token_at_once_give_one_pair_and_revoke_the_family(Backend::Embedded)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_refreshes_of_one_token_at_once_give_one_pair_and_revoke_the_family_on_the_aws_backend()
 {
    many_refreshes_of_one_token_at_once_give_one_pair_and_revoke_the_family(Backend::Moto).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_spent_token_replayed_during_a_refresh_always_leaves_the_family_revoked_on_the_embedded_backend()
 {
    a_spent_token_replayed_during_a_refresh_always_leaves_the_family_revoked(Backend::Embedded)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_spent_token_replayed_during_a_refresh_always_leaves_the_family_revoked_on_the_aws_backend()
 {
    a_spent_token_replayed_during_a_refresh_always_leaves_the_family_revoked(Backend::Moto).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_family_revoked_while_it_is_refreshed_stays_revoked_on_the_embedded_backend() {
    a_family_revoked_while_it_is_refreshed_stays_revoked(Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_family_revoked_while_it_is_refreshed_stays_revoked_on_the_aws_backend() {
    a_family_revoked_while_it_is_refreshed_stays_revoked(Backend::Moto).await;
}
