//! Named-key rotations under faults, with encrypts and decrypts between them: an org's keys are
//! created, rotated round after round, and used to encrypt (and decrypt what they encrypted
//! before), every call retried as the API allows. With the faults gone: every ciphertext a
//! reply handed out decrypts to its plaintext, every key's versions are exactly 1 to its
//! newest (no version missing, none beyond it), and every key the faulty app created is listed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use coffer_core::ids::NamedKeyId;
use coffer_core::store::{Query, schema};
use coffer_testkit::{TestApp, User};
use serde_json::{Value, json};

use super::retry::{Tally, until_answered};
use super::rig::{Rig, scale};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_every_ciphertext_handed_out_decrypts_and_no_key_version_dangles() {
    let rig = Rig::embedded("keys");
    rotations(&rig, 4 * scale(), 12, 4).await;
}

/// A ciphertext a reply handed out, and what it seals.
#[derive(Debug)]
struct Sealed {
    key: String,
    plaintext: String,
    context: String,
    ciphertext: String,
}

/// `keys` keys, `rounds` rounds of a rotation each then `per_round` encrypts each (and as many
/// decrypts of earlier ciphertexts).
pub async fn rotations(rig: &Rig, keys: usize, rounds: usize, per_round: usize) {
    let started = Instant::now();
    let tally = Tally::default();
    let owner = rig.healthy.sign_up().await;
    let org = rig.healthy.create_org(&owner, "pro").await;
    let app = &rig.faulty;

    let mut ids = Vec::new();
    for n in 0..keys {
        if let Some(id) = create_key(rig, &tally, &org, &owner, &format!("key-{n}")).await {
            ids.push(id);
        }
    }
    let mut sealed: Vec<Sealed> = Vec::new();
    let mut rotated: BTreeMap<&str, BTreeSet<u64>> = BTreeMap::new();
    let mut decrypted = 0;
    for round in 0..rounds {
        for key in &ids {
            let path = format!("/v1/keys/{key}/rotate");
            let (reply, _) = until_answered(&tally, "rotate", || {
                app.post(&path, json!({}), Some(&owner.token))
            })
            .await;
            match reply.code() {
                200 => {
                    let version = reply.body["latest_version"].as_u64().unwrap();
                    let fresh = rotated.entry(key).or_default().insert(version);
                    assert!(
                        fresh,
                        "two rotations acknowledged version {version} of {key}"
                    );
                }
                // Given up on, or a 5xx `until_answered` noted.
                500.. => {}
                _ => tally.unexpected(format!("rotate: {} {}", reply.code(), reply.body)),
            }
            for n in 0..per_round {
                let plaintext = STANDARD.encode(format!("secret {key} {round} {n}"));
                let context = STANDARD.encode(format!("row {round}.{n}"));
                let body = json!({"key": key, "plaintext": plaintext, "context": context});
                let (reply, _) = until_answered(&tally, "encrypt", || {
                    app.post("/v1/encrypt", body.clone(), Some(&owner.token))
                })
                .await;
                match reply.code() {
                    200 => sealed.push(Sealed {
                        key: key.clone(),
                        plaintext,
                        context,
                        ciphertext: reply.text("/ciphertext"),
                    }),
                    // Given up on, or a 5xx `until_answered` noted.
                    500.. => {}
                    _ => tally.unexpected(format!("encrypt: {} {}", reply.code(), reply.body)),
                }
                // Under faults a decrypt answers the truth or a retryable failure.
                let earlier = &sealed[(round * 7 + n * 13) % sealed.len().max(1)..];
                if let Some(old) = earlier.first() {
                    let (opened, _) = until_answered(&tally, "decrypt", || {
                        app.post("/v1/decrypt", decrypt_body(old), Some(&owner.token))
                    })
                    .await;
                    match opened.code() {
                        200 => {
                            assert_eq!(opened.body["plaintext"], json!(old.plaintext));
                            decrypted += 1;
                        }
                        // Given up on, or a 5xx `until_answered` noted.
                        500.. => {}
                        _ => {
                            tally.unexpected(format!("decrypt: {} {}", opened.code(), opened.body))
                        }
                    }
                }
            }
        }
    }
    rig.report(&format!(
        "{} keys × {rounds} rotations, {} ciphertexts, {decrypted} decrypted under faults, in {:?}; client saw {}",
        ids.len(),
        sealed.len(),
        started.elapsed(),
        tally.summary()
    ));
    tally.assert_clean();
    assert_eq!(ids.len(), keys, "every key was created in the end");

    // With the faults gone.
    let healthy = &rig.healthy;
    for old in &sealed {
        let opened = healthy
            .post("/v1/decrypt", decrypt_body(old), Some(&owner.token))
            .await;
        assert_eq!(
            opened.code(),
            200,
            "{} decrypts: {}",
            old.ciphertext,
            opened.body
        );
        assert_eq!(opened.body["plaintext"], json!(old.plaintext));
    }
    let listed = healthy
        .get(
            &format!("/v1/keys?org_id={org}&limit=1000"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(listed.code(), 200, "{}", listed.body);
    let listed: BTreeSet<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    let written = rig.ledger.items_of(NamedKeyId::parse, schema::named_key);
    let mut problems = Vec::new();
    for key in &written {
        if !listed.contains(key.as_str()) {
            problems.push(format!("{key}: written but not listed"));
        }
        let view = healthy
            .get(&format!("/v1/keys/{key}"), Some(&owner.token))
            .await;
        let newest = view.body["latest_version"].as_u64().unwrap();
        let versions: Vec<u64> = healthy
            .stored(Query::partition(schema::named_key_partition(key)))
            .await
            .iter()
            .filter_map(|item| schema::named_key_version_number(&item.key))
            .map(u64::from)
            .collect();
        if versions != (1..=newest).collect::<Vec<_>>() {
            problems.push(format!("{key}: newest {newest}, versions {versions:?}"));
        }
        if let Some(acknowledged) = rotated.get(key.as_str())
            && acknowledged.last().is_some_and(|last| *last > newest)
        {
            problems.push(format!(
                "{key}: a rotation to {acknowledged:?} was acknowledged, newest is {newest}"
            ));
        }
        // The newest version's data key opens: a fresh encrypt and decrypt work.
        let probe = Sealed {
            key: key.to_string(),
            plaintext: STANDARD.encode("probe"),
            context: String::new(),
            ciphertext: String::new(),
        };
        let sealed = healthy
            .post(
                "/v1/encrypt",
                json!({"key": key, "plaintext": probe.plaintext}),
                Some(&owner.token),
            )
            .await;
        if sealed.code() != 200
            || !sealed
                .text("/ciphertext")
                .starts_with(&format!("coffer:v{newest}:"))
        {
            problems.push(format!(
                "{key}: the newest version does not encrypt: {}",
                sealed.body
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} half-written: {problems:#?}",
        problems.len()
    );
    eprintln!(
        "faults/keys: scanned {} keys, {} ciphertexts decrypted afterwards",
        written.len(),
        sealed.len()
    );
}

fn decrypt_body(sealed: &Sealed) -> Value {
    json!({"key": sealed.key, "ciphertext": sealed.ciphertext, "context": sealed.context})
}

/// Creates a key through the faulty app; its id (looked up by name when a retry found the
/// name taken by its own earlier attempt).
async fn create_key(rig: &Rig, tally: &Tally, org: &str, by: &User, name: &str) -> Option<String> {
    let app: &TestApp = &rig.faulty;
    let body = json!({"org_id": org, "name": name});
    let (made, failed_before) = until_answered(tally, "create key", || {
        app.post("/v1/keys", body.clone(), Some(&by.token))
    })
    .await;
    match made.code() {
        201 => Some(made.text("/id")),
        409 if failed_before => {
            tally.count("create key: 409 name taken, by an earlier attempt that went through");
            let listed = rig
                .healthy
                .get(
                    &format!("/v1/keys?org_id={org}&limit=1000"),
                    Some(&by.token),
                )
                .await;
            listed.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["name"] == name)
                .map(|k| k["id"].as_str().unwrap().to_owned())
        }
        // Given up on, or a 5xx `until_answered` noted.
        500.. => None,
        _ => {
            tally.unexpected(format!("create key: {} {}", made.code(), made.body));
            None
        }
    }
}
