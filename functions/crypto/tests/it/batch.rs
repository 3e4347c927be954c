//! Batches of up to 1000 items: encrypt, decrypt and rewrap keep their items' order, each item
//! its own context, and a rewrap moves every item to the newest version without revealing it.

use coffer_testkit::TestApp;
use serde_json::{Value, json};

use crate::{Rng, b64, batch_results, create_key, rotate};

/// One plaintext and its optional context, in base64.
#[derive(Debug, Clone)]
struct Item {
    plaintext: String,
    context: Option<String>,
}

impl Item {
    fn to_encrypt(&self) -> Value {
        crate::with_context(
            json!({"plaintext": self.plaintext}),
            self.context.as_deref(),
        )
    }

    fn to_open(&self, ciphertext: &str) -> Value {
        crate::with_context(json!({"ciphertext": ciphertext}), self.context.as_deref())
    }
}

/// `n` random plaintexts of 0 to 2048 bytes, every third with a random context, and a few
/// repeated, from `seed`.
fn random_items(seed: u64, n: usize) -> Vec<Item> {
    let mut rng = Rng::new(seed);
    let mut items: Vec<Item> = (0..n)
        .map(|i| {
            let len = rng.below(2049);
            Item {
                plaintext: b64(rng.bytes(len)),
                context: (i % 3 == 0).then(|| {
                    let len = 1 + rng.below(64);
                    b64(rng.bytes(len))
                }),
            }
        })
        .collect();
    for i in (10..n).step_by(97) {
        items[i] = items[i - 10].clone();
    }
    items
}

/// Encrypts `items` as one batch as `token`; the ciphertexts, in order.
async fn encrypt_batch(app: &TestApp, key: &str, token: &str, items: &[Item]) -> Vec<String> {
    let batch: Vec<Value> = items.iter().map(Item::to_encrypt).collect();
    let reply = app
        .post(
            "/v1/encrypt",
            json!({"key": key, "batch": batch}),
            Some(token),
        )
        .await;
    batch_results(&reply)
        .iter()
        .map(|result| {
            assert!(result.get("error").is_none(), "{result}");
            result["ciphertext"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_thousand_random_items_round_trip_through_encrypt_and_decrypt_batches_in_order() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "bulk").await;
    let items = random_items(7, 1000);

    let sealed = encrypt_batch(&app, &key, &w.member.token, &items).await;
    let opening: Vec<Value> = items
        .iter()
        .zip(&sealed)
        .map(|(item, ciphertext)| item.to_open(ciphertext))
        .collect();
    let opened = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "batch": opening}),
            Some(&w.member.token),
        )
        .await;

    assert_eq!(sealed.len(), 1000);
    assert!(sealed.iter().all(|c| c.starts_with("coffer:v1:")));
    let distinct: std::collections::HashSet<&String> = sealed.iter().collect();
    assert_eq!(distinct.len(), 1000, "equal plaintexts seal differently");
    let opened = batch_results(&opened);
    assert_eq!(opened.len(), 1000);
    for (n, (item, result)) in items.iter().zip(&opened).enumerate() {
        assert_eq!(result["plaintext"], item.plaintext.as_str(), "item {n}");
    }
}

#[tokio::test]
async fn a_rewrap_batch_moves_every_item_to_the_newest_version_and_keeps_its_context() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "bulk").await;
    let items = random_items(11, 1000);
    let mut sealed = encrypt_batch(&app, &key, &w.member.token, &items[..500]).await;
    rotate(&app, &key, &w.owner).await;
    sealed.extend(encrypt_batch(&app, &key, &w.member.token, &items[500..]).await);
    rotate(&app, &key, &w.admin).await;
    let rewrapping: Vec<Value> = items
        .iter()
        .zip(&sealed)
        .map(|(item, ciphertext)| item.to_open(ciphertext))
        .collect();

    let reply = app
        .post(
            "/v1/rewrap",
            json!({"key": key, "batch": rewrapping}),
            Some(&w.member.token),
        )
        .await;

    let rewrapped: Vec<String> = batch_results(&reply)
        .iter()
        .map(|result| {
            assert_eq!(result["key_version"], 3, "{result}");
            assert!(result.get("plaintext").is_none(), "{result}");
            result["ciphertext"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(rewrapped.iter().all(|c| c.starts_with("coffer:v3:")));
    let body = reply.body.to_string();
    for item in items.iter().filter(|item| item.plaintext.len() >= 16) {
        assert!(
            !body.contains(&item.plaintext),
            "a rewrap revealed a plaintext"
        );
    }
    let with_context: Vec<Value> = items
        .iter()
        .zip(&rewrapped)
        .map(|(item, ciphertext)| item.to_open(ciphertext))
        .collect();
    let without_context: Vec<Value> = rewrapped
        .iter()
        .map(|ciphertext| json!({"ciphertext": ciphertext}))
        .collect();
    let opened = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "batch": with_context}),
            Some(&w.member.token),
        )
        .await;
    let opened_bare = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "batch": without_context}),
            Some(&w.member.token),
        )
        .await;
    let (opened, opened_bare) = (batch_results(&opened), batch_results(&opened_bare));
    for (n, item) in items.iter().enumerate() {
        assert_eq!(opened[n]["plaintext"], item.plaintext.as_str(), "item {n}");
        if item.context.is_some() {
            crate::assert_item_error(&opened_bare[n], 400);
        } else {
            assert_eq!(
                opened_bare[n]["plaintext"],
                item.plaintext.as_str(),
                "item {n}"
            );
        }
    }
}

#[tokio::test]
async fn a_single_rewrap_answers_only_the_new_ciphertext_and_its_version() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "one").await;
    let plaintext = b64("a secret worth keeping");
    let sealed = crate::encrypt(&app, &key, &w.member, &plaintext, Some(&b64("ctx"))).await;
    rotate(&app, &key, &w.owner).await;

    let reply = app
        .post(
            "/v1/rewrap",
            json!({"key": key, "ciphertext": sealed, "context": b64("ctx")}),
            Some(&w.member.token),
        )
        .await;

    assert_eq!(reply.code(), 200, "{}", reply.body);
    let mut fields: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["ciphertext", "key_version"]);
    assert_eq!(reply.body["key_version"], 2);
    assert!(!reply.body.to_string().contains(&plaintext));
    let bare = crate::decrypt(&app, &key, &w.member, &reply.text("/ciphertext"), None).await;
    let opened = crate::decrypt(
        &app,
        &key,
        &w.member,
        &reply.text("/ciphertext"),
        Some(&b64("ctx")),
    )
    .await;
    crate::assert_problem(&bare, 400);
    assert_eq!(opened.text("/plaintext"), plaintext);
}

#[tokio::test]
async fn a_batch_above_the_general_body_limit_is_taken_up_to_the_crypto_limit() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "big").await;
    let mut rng = Rng::new(3);
    let items: Vec<Item> = (0..1000)
        .map(|_| Item {
            plaintext: b64(rng.bytes(3000)),
            context: None,
        })
        .collect();
    let size = json!({"key": key, "batch": items.iter().map(Item::to_encrypt).collect::<Vec<_>>()})
        .to_string()
        .len();
    assert!(size > app.state.settings.max_body_bytes, "{size}");
    assert!(size < app.state.settings.crypto_max_body_bytes, "{size}");

    let sealed = encrypt_batch(&app, &key, &w.member.token, &items).await;

    assert_eq!(sealed.len(), 1000);
}
