//! Named keys on the AWS backends (DynamoDB and KMS on moto): every route, a key's whole life,
//! the tenancy rule, and trims and deletions that take more than one transaction.

use coffer_core::ids::NamedKeyId;
use coffer_core::store::{Query, schema};
use coffer_testkit::TestApp;
use serde_json::json;

use crate::{assert_problem, b64, create_key, decrypt, encrypt, key_view, patch_key, rotate, trim};

/// How many items the table holds in `key`'s partition (its item and its versions).
async fn items_of(app: &TestApp, key: &str) -> usize {
    let id = NamedKeyId::parse(key).unwrap();
    let page = app
        .state
        .ports
        .table
        .query(&Query::partition(schema::named_key_partition(&id)).limit(1000))
        .await
        .unwrap();
    page.items.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_lives_its_whole_life_on_dynamodb_and_kms() {
    let app = crate::spawn_on_moto().await;
    let w = app.org_with_every_role().await;
    let member = Some(w.member.token.as_str());

    // create, list, get
    let key = create_key(&app, &w.id, &w.admin, "payments").await;
    let listed = app.get(&format!("/v1/keys?org_id={}", w.id), member).await;
    assert_eq!(listed.code(), 200, "{}", listed.body);
    assert_eq!(listed.body["items"][0]["id"], key.as_str());
    assert_eq!(key_view(&app, &key, &w.member).await["latest_version"], 1);

    // encrypt one and a batch
    let old = encrypt(&app, &key, &w.member, &b64("old"), Some(&b64("ctx"))).await;
    let batch = app
        .post(
            "/v1/encrypt",
            json!({"key": key, "batch": [{"plaintext": b64("a")}, {"plaintext": b64("b"), "context": b64("c")}]}),
            member,
        )
        .await;
    let batch = crate::batch_results(&batch);
    assert!(batch.iter().all(|r| r["key_version"] == 1), "{batch:?}");

    // rotate; old and new both open
    assert_eq!(rotate(&app, &key, &w.owner).await["latest_version"], 2);
    let new = encrypt(&app, &key, &w.member, &b64("new"), None).await;
    assert!(new.starts_with("coffer:v2:"));
    let opened_old = decrypt(&app, &key, &w.member, &old, Some(&b64("ctx"))).await;
    let opened_new = decrypt(&app, &key, &w.member, &new, None).await;
    assert_eq!(opened_old.text("/plaintext"), b64("old"));
    assert_eq!(opened_new.text("/plaintext"), b64("new"));
    let opened_batch = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "batch": [
                {"ciphertext": batch[0]["ciphertext"]},
                {"ciphertext": batch[1]["ciphertext"], "context": b64("c")},
            ]}),
            member,
        )
        .await;
    let opened_batch = crate::batch_results(&opened_batch);
    assert_eq!(opened_batch[0]["plaintext"], b64("a"));
    assert_eq!(opened_batch[1]["plaintext"], b64("b"));

    // rewrap moves the old one to v2, context kept
    let rewrapped = app
        .post(
            "/v1/rewrap",
            json!({"key": key, "ciphertext": old, "context": b64("ctx")}),
            member,
        )
        .await;
    assert_eq!(rewrapped.code(), 200, "{}", rewrapped.body);
    let moved = rewrapped.text("/ciphertext");
    assert!(moved.starts_with("coffer:v2:"));
    assert_problem(&decrypt(&app, &key, &w.member, &moved, None).await, 400);

    // retire v1: 422 from the next request on
    let retired = patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 2})).await;
    assert_eq!(retired.code(), 200, "{}", retired.body);
    assert_problem(
        &decrypt(&app, &key, &w.member, &old, Some(&b64("ctx"))).await,
        422,
    );
    let reopened = decrypt(&app, &key, &w.member, &moved, Some(&b64("ctx"))).await;
    assert_eq!(reopened.text("/plaintext"), b64("old"));

    // trim v1 for good
    let trimmed = trim(&app, &key, &w.admin, 2).await;
    assert_eq!(trimmed.code(), 200, "{}", trimmed.body);
    assert_eq!(trimmed.body["oldest_version"], 2);
    assert_problem(
        &patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 1})).await,
        422,
    );
    assert_problem(
        &decrypt(&app, &key, &w.member, &old, Some(&b64("ctx"))).await,
        422,
    );
    assert_eq!(items_of(&app, &key).await, 2, "the key's item and v2");

    // delete, behind its guard
    let refused = app
        .delete(&format!("/v1/keys/{key}"), Some(&w.owner.token))
        .await;
    assert_problem(&refused, 409);
    patch_key(&app, &key, &w.owner, json!({"deletion_allowed": true})).await;
    let deleted = app
        .delete(&format!("/v1/keys/{key}"), Some(&w.owner.token))
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);
    assert_problem(&app.get(&format!("/v1/keys/{key}"), member).await, 404);
    assert_problem(
        &app.post(
            "/v1/encrypt",
            json!({"key": key, "plaintext": b64("x")}),
            member,
        )
        .await,
        404,
    );
    assert_problem(
        &decrypt(&app, &key, &w.member, &moved, Some(&b64("ctx"))).await,
        404,
    );
    assert_eq!(items_of(&app, &key).await, 0);
    create_key(&app, &w.id, &w.admin, "payments").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ciphertext_of_one_orgs_key_is_refused_under_another_orgs_key_on_moto() {
    let app = crate::spawn_on_moto().await;
    let w = app.org_with_every_role().await;
    let other_org = app.create_org(&w.outsider, "free").await;
    let ours = create_key(&app, &w.id, &w.owner, "shared name").await;
    let theirs = create_key(&app, &other_org, &w.outsider, "shared name").await;
    let sealed = encrypt(&app, &ours, &w.member, &b64("ours"), None).await;

    let under_their_key = decrypt(&app, &theirs, &w.outsider, &sealed, None).await;
    let rewrapped_under_their_key = app
        .post(
            "/v1/rewrap",
            json!({"key": theirs, "ciphertext": sealed}),
            Some(&w.outsider.token),
        )
        .await;
    let our_key_by_them = decrypt(&app, &ours, &w.outsider, &sealed, None).await;

    assert_problem(&under_their_key, 400);
    assert_problem(&rewrapped_under_their_key, 400);
    assert_problem(&our_key_by_them, 404);
    assert_eq!(
        decrypt(&app, &ours, &w.member, &sealed, None)
            .await
            .text("/plaintext"),
        b64("ours")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trims_and_deletions_larger_than_one_transaction_finish_on_dynamodb() {
    let app = crate::spawn_on_moto().await;
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "long lived").await;
    for _ in 0..105 {
        rotate(&app, &key, &w.owner).await;
    }
    let kept = encrypt(&app, &key, &w.member, &b64("kept"), None).await;
    patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 100})).await;

    let trimmed = trim(&app, &key, &w.owner, 100).await;

    assert_eq!(trimmed.code(), 200, "{}", trimmed.body);
    assert_eq!(trimmed.body["oldest_version"], 100);
    assert_eq!(
        items_of(&app, &key).await,
        1 + 7,
        "the key's item and v100..=v106"
    );
    let opened = decrypt(&app, &key, &w.member, &kept, None).await;
    assert_eq!(opened.text("/plaintext"), b64("kept"));

    let doomed = create_key(&app, &w.id, &w.owner, "doomed").await;
    for _ in 0..104 {
        rotate(&app, &doomed, &w.owner).await;
    }
    assert_eq!(items_of(&app, &doomed).await, 1 + 105);
    patch_key(&app, &doomed, &w.owner, json!({"deletion_allowed": true})).await;
    let deleted = app
        .delete(&format!("/v1/keys/{doomed}"), Some(&w.owner.token))
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);
    assert_eq!(items_of(&app, &doomed).await, 0);
}
