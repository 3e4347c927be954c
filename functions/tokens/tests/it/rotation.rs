//! Signing-key rotation: a new key is published before it signs, tokens signed by the old key
//! keep verifying, the old key leaves the JWKS only once its tokens have expired, and the first
//! key is made once however many requests race to make it.

use std::sync::Arc;

use futures_util::future::join_all;
use serde_json::json;

use crate::interop::verify_with_jsonwebtoken;
use crate::{decode, sibling, spawn};

fn kid(token: &str) -> String {
    decode(token).0["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_new_key_is_published_before_it_signs_and_both_keys_verify_their_tokens() {
    let app = spawn();
    let user = app.sign_up().await;
    let a = app.token_pair(&user, json!({"ttl_seconds": 86_400})).await;
    let first = kid(&a.access);
    assert_eq!(app.published_kids().await, vec![first.clone()]);

    let keys = app.state.access_tokens.keys();
    let second = keys.store().rotate_now().await.unwrap();
    assert_ne!(second, first);
    keys.refresh().await.unwrap();
    assert_eq!(
        app.published_kids().await,
        vec![first.clone(), second.clone()]
    );
    // Another process learns of it from the table, before it signs anything.
    let other = sibling(&app, |_| {});
    assert_eq!(
        other.published_kids().await,
        vec![first.clone(), second.clone()]
    );

    // Until the lead has passed, the old key still signs.
    app.clock.advance(time::Duration::seconds(3600 - 5));
    keys.refresh().await.unwrap();
    let before = app.token_pair(&user, json!({})).await;
    assert_eq!(kid(&before.access), first);

    app.clock.advance(time::Duration::seconds(10));
    keys.refresh().await.unwrap();
    let b = app.token_pair(&user, json!({})).await;
    assert_eq!(kid(&b.access), second);
    let refreshed = app.refresh(&a.refresh).await;
    assert_eq!(kid(&refreshed.text("/access_token")), second);

    for token in [&a.access, &before.access, &b.access] {
        assert_eq!(app.me(token).await.code(), 200);
        verify_with_jsonwebtoken(&app, token).await.unwrap();
    }
    let fresh = sibling(&app, |_| {});
    for token in [&a.access, &b.access] {
        assert_eq!(fresh.me(token).await.code(), 200);
    }
}

#[tokio::test]
async fn the_retired_key_stays_published_until_every_token_it_signed_has_expired() {
    let app = spawn();
    let user = app.sign_up().await;
    app.token_pair(&user, json!({})).await;
    let keys = app.state.access_tokens.keys();
    let second = keys.store().rotate_now().await.unwrap();
    keys.refresh().await.unwrap();
    // The old key's last token: a day long, signed just before the new key starts.
    app.clock.advance(time::Duration::seconds(3600 - 10));
    let last = app.token_pair(&user, json!({"ttl_seconds": 86_400})).await;
    let first = kid(&last.access);
    assert_ne!(first, second);

    app.clock.advance(time::Duration::seconds(86_400 - 10));
    keys.refresh().await.unwrap();
    assert!(app.published_kids().await.contains(&first));
    assert_eq!(app.me(&last.access).await.code(), 200);
    verify_with_jsonwebtoken(&app, &last.access).await.unwrap();
    let by_second = app.token_pair(&user, json!({"ttl_seconds": 86_400})).await;
    assert_eq!(kid(&by_second.access), second);

    // Once that token has expired (and a margin has passed), the old key is gone.
    app.clock.advance(time::Duration::seconds(2 * 3600));
    keys.refresh().await.unwrap();
    assert_eq!(app.me(&last.access).await.code(), 401);
    assert_eq!(app.published_kids().await, vec![second]);
    assert_eq!(app.me(&by_second.access).await.code(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_first_tokens_all_succeed_under_one_key() {
    let app = spawn();
    let user = app.sign_up().await;
    let replies = join_all((0..8).map(|_| app.issue_tokens(&user, json!({})))).await;
    let kids: Vec<String> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.code(), 201, "{}", r.body);
            kid(&r.text("/access_token"))
        })
        .collect();
    let published = app.published_kids().await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert!(kids.iter().all(|k| *k == published[0]), "{kids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_processes_racing_to_make_the_first_key_make_one() {
    let app = spawn();
    let user = app.sign_up().await;
    let processes: Vec<Arc<coffer_testkit::TestApp>> =
        (0..4).map(|_| Arc::new(sibling(&app, |_| {}))).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for process in &processes {
        for _ in 0..2 {
            let (process, user) = (process.clone(), user.clone());
            tasks.spawn(async move { process.issue_tokens(&user, json!({})).await });
        }
    }
    let replies = tasks.join_all().await;
    let published = app.published_kids().await;
    assert_eq!(published.len(), 1, "{published:?}");
    for reply in &replies {
        assert_eq!(reply.code(), 201, "{}", reply.body);
        let token = reply.text("/access_token");
        assert_eq!(kid(&token), published[0]);
        assert_eq!(app.me(&token).await.code(), 200);
    }
}
