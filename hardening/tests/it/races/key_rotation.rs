//! Key rotation racing encrypt (docs/crypto.md): rotations and encrypts of one named key at
//! once. No rotation is lost (each success names a version of its own, the key's newest version
//! counts them all, a loser is the documented 409), every encrypt names a version that exists,
//! and after one more rotation every ciphertext still decrypts to its plaintext. The key item's
//! revision condition (and each version's must-not-exist put) is what serialises rotations.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use coffer_core::ids::NamedKeyId;
use coffer_core::store::schema;
use coffer_testkit::{Reply, assert_problem};
use serde_json::json;

use super::guard::Protection;
use super::setup::{Backend, Race, at_once, same_kind};

const NAMED_KEYS: Protection = Protection::Conditions(|key| {
    let sample = NamedKeyId::parse("key_01arz3ndektsv4rrffq69g5fav").unwrap();
    same_kind(key, &schema::named_key(&sample))
        || same_kind(key, &schema::named_key_version(&sample, 1))
});

async fn rotations_racing_encrypts_lose_no_version_and_no_ciphertext(backend: Backend) {
    let race = Race::new(backend, NAMED_KEYS, |_| {}).await;
    let (rounds, rotations, encrypts) = (race.rounds(6, 1), race.width(4, 2), race.width(12, 4));
    let app = &race.app;
    // Enterprise: no ceiling on named keys, however many rounds run.
    let (owner, member) = (app.sign_up().await, app.sign_up().await);
    let org = app.create_org(&owner, "enterprise").await;
    app.add_member(&org, &owner, &member, "member").await;
    for round in 0..rounds {
        let made = app
            .post(
                "/v1/keys",
                json!({"org_id": org, "name": format!("k{round}")}),
                Some(&owner.token),
            )
            .await;
        assert_eq!(made.code(), 201, "{}", made.body);
        let key = made.text("/id");
        let plaintext = |i: usize| STANDARD.encode(format!("secret {round}.{i}"));
        let context = STANDARD.encode(format!("ctx {round}"));
        // Interleaved: every fourth attempt rotates (as the owner), the others encrypt (as a
        // member).
        let every = (rotations + encrypts) / rotations;
        let replies = at_once(rotations + encrypts, |i| {
            let (app, key) = (race.app.clone(), key.clone());
            let (owner, member) = (owner.token.clone(), member.token.clone());
            let body = json!({"key": key, "plaintext": plaintext(i), "context": context});
            async move {
                if i % every == 0 {
                    (
                        true,
                        app.post(&format!("/v1/keys/{key}/rotate"), json!({}), Some(&owner))
                            .await,
                    )
                } else {
                    (false, app.post("/v1/encrypt", body, Some(&member)).await)
                }
            }
        })
        .await;

        let mut rotated = BTreeSet::new();
        for (_, reply) in replies.iter().filter(|(rotation, _)| *rotation) {
            match reply.code() {
                200 => assert!(
                    rotated.insert(reply.body["latest_version"].as_u64().unwrap()),
                    "round {round}: two rotations made one version: {}",
                    reply.body
                ),
                _ => assert_problem(reply, 409),
            }
        }
        let now = app
            .get(&format!("/v1/keys/{key}"), Some(&owner.token))
            .await;
        let latest = now.body["latest_version"].as_u64().unwrap();
        assert_eq!(
            rotated,
            (2..=latest).collect::<BTreeSet<_>>(),
            "round {round}: every rotation's version, and only those"
        );

        let sealed: Vec<(usize, &Reply)> = replies
            .iter()
            .enumerate()
            .filter(|(_, (rotation, _))| !*rotation)
            .map(|(i, (_, reply))| (i, reply))
            .collect();
        for (_, reply) in &sealed {
            assert_eq!(reply.code(), 200, "{}", reply.body);
            let version = reply.body["key_version"].as_u64().unwrap();
            assert!((1..=latest).contains(&version), "{}", reply.body);
            assert!(
                reply
                    .text("/ciphertext")
                    .starts_with(&format!("coffer:v{version}:"))
            );
        }
        // One more rotation makes every raced version an older one, read from its own item.
        let again = app
            .post(
                &format!("/v1/keys/{key}/rotate"),
                json!({}),
                Some(&owner.token),
            )
            .await;
        assert_eq!(again.code(), 200, "{}", again.body);
        for (i, reply) in sealed {
            let opened = app
                .post(
                    "/v1/decrypt",
                    json!({"key": key, "ciphertext": reply.text("/ciphertext"), "context": context}),
                    Some(&member.token),
                )
                .await;
            assert_eq!(opened.code(), 200, "round {round}: {}", opened.body);
            assert_eq!(opened.text("/plaintext"), plaintext(i));
        }
    }
    race.report("key rotation racing encrypt", rounds, rotations + encrypts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotations_racing_encrypts_lose_no_version_and_no_ciphertext_on_the_embedded_backend() {
    rotations_racing_encrypts_lose_no_version_and_no_ciphertext(Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotations_racing_encrypts_lose_no_version_and_no_ciphertext_on_the_aws_backend() {
    rotations_racing_encrypts_lose_no_version_and_no_ciphertext(Backend::Moto).await;
}
