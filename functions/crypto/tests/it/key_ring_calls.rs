//! What encrypting costs in key-ring calls (KMS on AWS): a version's data key is unwrapped about
//! once per cache period whatever the number of items or requests, and a rotation costs one
//! more call (the new version's generation). Measured as differences of the cache's counters.

use coffer_testkit::{TestApp, User};
use serde_json::{Value, json};

use crate::{b64, create_key, encrypt, ring_calls, rotate};

/// Encrypts `items` plaintexts with `key`: batches of 1000 (the last one shorter), then
/// `singles` one-item requests; the ciphertexts of the batches.
async fn encrypt_many(
    app: &TestApp,
    key: &str,
    by: &User,
    items: usize,
    singles: usize,
) -> Vec<String> {
    let mut sealed = Vec::new();
    let mut left = items - singles;
    let mut n = 0u32;
    while left > 0 {
        let size = left.min(1000);
        let batch: Vec<Value> = (0..size)
            .map(|_| {
                n += 1;
                json!({"plaintext": b64(format!("item {n}"))})
            })
            .collect();
        let reply = app
            .post(
                "/v1/encrypt",
                json!({"key": key, "batch": batch}),
                Some(&by.token),
            )
            .await;
        for result in crate::batch_results(&reply) {
            sealed.push(result["ciphertext"].as_str().expect("sealed").to_owned());
        }
        left -= size;
    }
    for _ in 0..singles {
        n += 1;
        encrypt(app, key, by, &b64(format!("item {n}")), None).await;
    }
    sealed
}

async fn encrypting_with_one_version_calls_the_key_ring_at_most_once_and_a_rotation_once_more(
    app: TestApp,
    items: usize,
    singles: usize,
) {
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "hot").await;
    let hits_before = app.state.ports.keys.stats().unwrap().cache_hits;
    let before = ring_calls(&app);

    let v1 = encrypt_many(&app, &key, &w.member, items, singles).await;

    let after_first = ring_calls(&app);
    assert!(
        after_first - before <= 1,
        "{} key-ring calls for {items} encrypts with one version",
        after_first - before
    );
    assert!(app.state.ports.keys.stats().unwrap().cache_hits > hits_before);

    rotate(&app, &key, &w.owner).await;
    let v2 = encrypt_many(&app, &key, &w.member, items, singles).await;

    let after_rotation = ring_calls(&app);
    assert!(
        after_rotation - after_first <= 1,
        "{} key-ring calls for a rotation and {items} encrypts with the new version",
        after_rotation - after_first
    );
    assert!(v1.iter().all(|c| c.starts_with("coffer:v1:")));
    assert!(v2.iter().all(|c| c.starts_with("coffer:v2:")));

    // Opening both versions' ciphertexts costs at most one call per version.
    let opening: Vec<Value> = v1
        .iter()
        .take(500)
        .chain(v2.iter().take(500))
        .map(|c| json!({"ciphertext": c}))
        .collect();
    let opened = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "batch": opening}),
            Some(&w.member.token),
        )
        .await;
    assert!(
        crate::batch_results(&opened)
            .iter()
            .all(|r| r["plaintext"].is_string())
    );
    assert!(ring_calls(&app) - after_rotation <= 2);
}

mod embedded {
    #[tokio::test]
    async fn encrypting_with_one_version_calls_the_key_ring_at_most_once_and_a_rotation_once_more()
    {
        super::encrypting_with_one_version_calls_the_key_ring_at_most_once_and_a_rotation_once_more(
            crate::spawn(),
            10_000,
            500,
        )
        .await;
    }
}

mod aws {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn encrypting_with_one_version_calls_the_key_ring_at_most_once_and_a_rotation_once_more()
    {
        super::encrypting_with_one_version_calls_the_key_ring_at_most_once_and_a_rotation_once_more(
            crate::spawn_on_moto().await,
            2_000,
            100,
        )
        .await;
    }
}
