//! Every sample event in `events/crypto/` goes through lambda_http's own request parser into
//! the router, as on Lambda, with real ids and ciphertexts filled in.

use serde_json::json;

use crate::{b64, create_key, encrypt, patch_key};

/// Each event file and the status its reply must have, in an order that leaves something for
/// each to act on: the decrypts before `update-key` retires v1, `rotate-key` before
/// `update-key` (which raises the floor to 2) and `trim-key` (below 2), `delete-key` before the
/// guard is lifted (409), and `create-key` last (its name is the sample's own).
const EVENTS: &[(&str, u16)] = &[
    ("list-keys.json", 200),
    ("get-key.json", 200),
    ("encrypt.json", 200),
    ("encrypt-batch.json", 200),
    ("decrypt.json", 200),
    ("rewrap.json", 200),
    ("rotate-key.json", 200),
    ("update-key.json", 200),
    ("trim-key.json", 200),
    ("delete-key.json", 409),
    ("create-key.json", 201),
];

/// The context `events/crypto/rewrap.json` sends (`order-42`).
const SAMPLE_CONTEXT: &str = "b3JkZXItNDI=";

#[tokio::test]
async fn every_sample_event_gets_its_reply_through_the_lambda_parser() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "existing").await;
    let ciphertext = encrypt(&app, &key, &w.owner, &b64("hello"), None).await;
    let with_context = encrypt(&app, &key, &w.owner, &b64("hello"), Some(SAMPLE_CONTEXT)).await;
    let zeros = "00000000000000000000000000";
    let ids = [
        (format!("org_{zeros}"), w.id.clone()),
        (format!("key_{zeros}"), key.clone()),
        ("{{ciphertext}}".to_owned(), ciphertext),
        ("{{ciphertext_with_context}}".to_owned(), with_context),
    ];
    let ids: Vec<(&str, &str)> = ids.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();

    app.replay_events("crypto", EVENTS, &w.owner.token, &ids)
        .await;

    let view = crate::key_view(&app, &key, &w.owner).await;
    assert_eq!(view["latest_version"], 2);
    assert_eq!(view["oldest_version"], 2);
    patch_key(&app, &key, &w.owner, json!({"deletion_allowed": true})).await;
    let deleted = app
        .replay_event("crypto/delete-key.json", &w.owner.token, &ids)
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);
    let gone = app
        .replay_event("crypto/get-key.json", &w.owner.token, &ids)
        .await;
    assert_eq!(gone.code(), 404, "{}", gone.body);
}

#[tokio::test]
async fn the_sample_decrypt_and_rewrap_open_what_they_are_given() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "existing").await;
    let ciphertext = encrypt(&app, &key, &w.member, &b64("hello"), None).await;
    let with_context = encrypt(&app, &key, &w.member, &b64("hello"), Some(SAMPLE_CONTEXT)).await;
    let ids = [
        ("key_00000000000000000000000000", key.as_str()),
        ("{{ciphertext}}", ciphertext.as_str()),
        ("{{ciphertext_with_context}}", with_context.as_str()),
    ];

    let opened = app
        .replay_event("crypto/decrypt.json", &w.member.token, &ids)
        .await;
    let rewrapped = app
        .replay_event("crypto/rewrap.json", &w.member.token, &ids)
        .await;

    assert_eq!(opened.code(), 200, "{}", opened.body);
    assert_eq!(opened.text("/plaintext"), b64("hello"));
    assert_eq!(rewrapped.code(), 200, "{}", rewrapped.body);
    let reopened = crate::decrypt(
        &app,
        &key,
        &w.member,
        &rewrapped.text("/ciphertext"),
        Some(SAMPLE_CONTEXT),
    )
    .await;
    assert_eq!(reopened.text("/plaintext"), b64("hello"));
}
