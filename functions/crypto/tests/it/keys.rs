//! Named keys: create, list, get, rotate, retire (`PATCH`), trim and delete, with the rules each
//! keeps (names unique per org, the tier's limit, the floors' order, the deletion guard).

use coffer_core::ids::NamedKeyId;
use coffer_core::store::{Query, schema};
use coffer_testkit::TestApp;
use serde_json::json;

use crate::{
    assert_problem, b64, create_key, decrypt, encrypt, envelope_of, key_view, patch_key, rotate,
    trim,
};

/// The versions whose items are in the table for `key`, in order.
async fn stored_versions(app: &TestApp, key: &str) -> Vec<u32> {
    let id = NamedKeyId::parse(key).unwrap();
    let query = Query::partition(schema::named_key_partition(&id))
        .prefix(schema::NAMED_KEY_VERSIONS_PREFIX)
        .limit(1000);
    app.stored(query)
        .await
        .iter()
        .map(|item| schema::named_key_version_number(&item.key).unwrap())
        .collect()
}

/// Whether the table holds the item of `version` of `key`.
async fn version_stored(app: &TestApp, key: &str, version: u32) -> bool {
    let id = NamedKeyId::parse(key).unwrap();
    app.state
        .ports
        .table
        .get(&schema::named_key_version(&id, version))
        .await
        .unwrap()
        .is_some()
}

/// The ids of every page of `GET /v1/keys?org_id=<org>&limit=<limit>`, following the cursor.
async fn list_all(app: &TestApp, org: &str, token: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/v1/keys?org_id={org}&limit={limit}&cursor={cursor}"),
            None => format!("/v1/keys?org_id={org}&limit={limit}"),
        };
        let page = app.get(&path, Some(token)).await;
        assert_eq!(page.code(), 200, "{}", page.body);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= limit, "{}", page.body);
        ids.extend(
            items
                .iter()
                .map(|item| item["id"].as_str().unwrap().to_owned()),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return ids,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// create

#[tokio::test]
async fn an_admin_creates_a_key_whose_view_shows_its_first_version_and_no_key_material() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;

    let made = app
        .post(
            "/v1/keys",
            json!({"org_id": w.id, "name": "payments"}),
            Some(&w.admin.token),
        )
        .await;

    assert_eq!(made.code(), 201, "{}", made.body);
    let view = &made.body;
    assert!(view["id"].as_str().unwrap().starts_with("key_"), "{view}");
    assert_eq!(view["org_id"], w.id.as_str());
    assert_eq!(view["name"], "payments");
    for field in [
        "latest_version",
        "oldest_version",
        "min_decryption_version",
        "min_encryption_version",
    ] {
        assert_eq!(view[field], 1, "{field}: {view}");
    }
    assert_eq!(view["deletion_allowed"], false);
    assert_eq!(view["created_by"], w.admin.id.as_str());
    assert!(view["created_at"].is_string() && view["rotated_at"].is_string());
    let fields: Vec<&str> = view
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields.len(),
        11,
        "only the documented fields, never a wrapped key: {fields:?}"
    );
    assert_eq!(key_view(&app, &made.text("/id"), &w.member).await, *view);
}

#[tokio::test]
async fn a_key_name_is_unique_in_its_org_whatever_its_case_but_not_across_orgs() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    create_key(&app, &w.id, &w.owner, "Payments").await;
    let other_org = app.create_org(&w.outsider, "free").await;

    let taken = app
        .post(
            "/v1/keys",
            json!({"org_id": w.id, "name": "PAYMENTS"}),
            Some(&w.admin.token),
        )
        .await;
    let elsewhere = app
        .post(
            "/v1/keys",
            json!({"org_id": other_org, "name": "payments"}),
            Some(&w.outsider.token),
        )
        .await;

    assert_problem(&taken, 409);
    assert_eq!(elsewhere.code(), 201, "{}", elsewhere.body);
}

#[tokio::test]
async fn a_free_org_holds_twenty_keys_and_the_twenty_first_is_a_tier_limit() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    for n in 0..20 {
        create_key(&app, &w.id, &w.owner, &format!("key {n}")).await;
    }

    let refused = app
        .post(
            "/v1/keys",
            json!({"org_id": w.id, "name": "one too many"}),
            Some(&w.owner.token),
        )
        .await;

    assert_problem(&refused, 403);
    assert_eq!(refused.body["type"], "/problems/tier-limit");
    let listed = list_all(&app, &w.id, &w.owner.token, 1000).await;
    assert_eq!(listed.len(), 20);
}

#[tokio::test]
async fn creating_a_key_in_an_org_you_are_not_in_is_404_and_as_a_member_is_403() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let body = json!({"org_id": w.id, "name": "payments"});

    let outsider = app
        .post("/v1/keys", body.clone(), Some(&w.outsider.token))
        .await;
    let member = app.post("/v1/keys", body, Some(&w.member.token)).await;
    let malformed_org = app
        .post(
            "/v1/keys",
            json!({"org_id": "org_nope", "name": "payments"}),
            Some(&w.owner.token),
        )
        .await;

    assert_problem(&outsider, 404);
    assert_problem(&member, 403);
    assert_problem(&malformed_org, 404);
    assert!(list_all(&app, &w.id, &w.owner.token, 50).await.is_empty());
}

#[tokio::test]
async fn a_key_name_must_be_valid_and_unknown_fields_are_refused() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;

    let replies = [
        json!({"org_id": w.id, "name": ""}),
        json!({"org_id": w.id, "name": "x".repeat(101)}),
        json!({"org_id": w.id}),
        json!({"org_id": w.id, "name": "payments", "material": "AAAA"}),
    ];

    for body in replies {
        let reply = app.post("/v1/keys", body, Some(&w.owner.token)).await;
        assert_problem(&reply, 422);
    }
}

// ---------------------------------------------------------------------------------------------
// list

#[tokio::test]
async fn keys_are_listed_by_org_in_creation_order_page_by_page() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(create_key(&app, &w.id, &w.admin, &format!("key {n}")).await);
        // Ids order by their millisecond: keys made in the same one list in any order.
        app.clock.advance(time::Duration::milliseconds(1));
    }

    let first = app
        .get(
            &format!("/v1/keys?org_id={}&limit=2", w.id),
            Some(&w.member.token),
        )
        .await;
    let all = list_all(&app, &w.id, &w.member.token, 2).await;

    assert_eq!(first.code(), 200, "{}", first.body);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    assert!(first.body["next_cursor"].is_string());
    assert_eq!(first.body["items"][0]["name"], "key 0");
    assert_eq!(all, made);
}

#[tokio::test]
async fn another_orgs_keys_are_never_listed() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let other_org = app.create_org(&w.outsider, "free").await;
    let mine = create_key(&app, &w.id, &w.owner, "mine").await;
    let theirs = create_key(&app, &other_org, &w.outsider, "theirs").await;

    let listed_here = list_all(&app, &w.id, &w.owner.token, 1).await;
    let listed_there = list_all(&app, &other_org, &w.outsider.token, 1).await;
    let peeking = app
        .get(
            &format!("/v1/keys?org_id={other_org}"),
            Some(&w.owner.token),
        )
        .await;

    assert_eq!(listed_here, [mine]);
    assert_eq!(listed_there, [theirs]);
    assert_problem(&peeking, 404);
}

#[tokio::test]
async fn listing_without_an_org_or_with_a_bad_page_is_422() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;

    let paths = [
        "/v1/keys".to_owned(),
        "/v1/keys?limit=5".to_owned(),
        format!("/v1/keys?org_id={}&limit=0", w.id),
        format!("/v1/keys?org_id={}&limit=1001", w.id),
        format!("/v1/keys?org_id={}&cursor=not-a-cursor", w.id),
    ];

    for path in paths {
        let reply = app.get(&path, Some(&w.member.token)).await;
        assert_problem(&reply, 422);
    }
}

// ---------------------------------------------------------------------------------------------
// get

#[tokio::test]
async fn a_member_gets_a_key_an_outsider_and_a_malformed_or_unknown_id_get_404() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let unknown = NamedKeyId::generate(time::OffsetDateTime::now_utc())
        .unwrap()
        .to_string();

    let member = app
        .get(&format!("/v1/keys/{key}"), Some(&w.member.token))
        .await;
    let outsider = app
        .get(&format!("/v1/keys/{key}"), Some(&w.outsider.token))
        .await;
    let malformed = [
        "/v1/keys/key_nope".to_owned(),
        "/v1/keys/not-a-key".to_owned(),
        format!("/v1/keys/{}", w.id),
        format!("/v1/keys/{unknown}"),
    ];

    assert_eq!(member.code(), 200, "{}", member.body);
    assert_eq!(member.body["id"], key.as_str());
    assert_problem(&outsider, 404);
    for path in malformed {
        assert_problem(&app.get(&path, Some(&w.owner.token)).await, 404);
    }
}

// ---------------------------------------------------------------------------------------------
// rotate

#[tokio::test]
async fn rotating_adds_a_newest_version_and_older_ciphertexts_still_decrypt() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let plaintext = b64("card 4111");
    let old = encrypt(&app, &key, &w.member, &plaintext, None).await;
    let created = key_view(&app, &key, &w.member).await;
    app.clock.advance(time::Duration::minutes(5));

    let second = rotate(&app, &key, &w.admin).await;
    let third = rotate(&app, &key, &w.owner).await;
    let new = encrypt(&app, &key, &w.member, &plaintext, None).await;

    assert_eq!(second["latest_version"], 2);
    assert_eq!(third["latest_version"], 3);
    assert_eq!(third["oldest_version"], 1);
    assert_eq!(third["min_decryption_version"], 1);
    assert_ne!(third["rotated_at"], created["rotated_at"]);
    assert_eq!(third["created_at"], created["created_at"]);
    let (old_version, old_envelope) = envelope_of(&old);
    let (new_version, new_envelope) = envelope_of(&new);
    assert_eq!((old_version, new_version), (1, 3));
    assert_eq!((old_envelope[0], new_envelope[0]), (2, 2), "envelope v2");
    for ciphertext in [&old, &new] {
        let opened = decrypt(&app, &key, &w.member, ciphertext, None).await;
        assert_eq!(opened.code(), 200, "{}", opened.body);
        assert_eq!(opened.text("/plaintext"), plaintext);
    }
}

#[tokio::test]
async fn encrypting_with_a_chosen_version_uses_it_within_the_floors() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    rotate(&app, &key, &w.owner).await;

    let older = app
        .post(
            "/v1/encrypt",
            json!({"key": key, "plaintext": b64("x"), "key_version": 1}),
            Some(&w.member.token),
        )
        .await;
    let newer_than_newest = app
        .post(
            "/v1/encrypt",
            json!({"key": key, "plaintext": b64("x"), "key_version": 3}),
            Some(&w.member.token),
        )
        .await;

    assert_eq!(older.code(), 200, "{}", older.body);
    assert_eq!(older.body["key_version"], 1);
    assert!(older.text("/ciphertext").starts_with("coffer:v1:"));
    assert_problem(&newer_than_newest, 422);
}

// ---------------------------------------------------------------------------------------------
// patch

#[tokio::test]
async fn raising_min_decryption_version_retires_a_version_and_lowering_it_opens_it_again() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let old = encrypt(&app, &key, &w.member, &b64("old"), Some(&b64("ctx"))).await;
    rotate(&app, &key, &w.owner).await;

    let retired = patch_key(&app, &key, &w.admin, json!({"min_decryption_version": 2})).await;
    let refused = decrypt(&app, &key, &w.member, &old, Some(&b64("ctx"))).await;
    let restored = patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 1})).await;
    let reopened = decrypt(&app, &key, &w.member, &old, Some(&b64("ctx"))).await;

    assert_eq!(retired.code(), 200, "{}", retired.body);
    assert_eq!(retired.body["min_decryption_version"], 2);
    assert_eq!(
        retired.body["min_encryption_version"], 2,
        "raised along with the decryption floor"
    );
    assert_problem(&refused, 422);
    assert_eq!(refused.body["type"], "/problems/validation");
    assert_eq!(restored.code(), 200, "{}", restored.body);
    assert_eq!(restored.body["min_decryption_version"], 1);
    assert_eq!(
        restored.body["min_encryption_version"], 2,
        "lowering the decryption floor leaves the encryption floor"
    );
    assert_eq!(reopened.code(), 200, "{}", reopened.body);
    assert_eq!(reopened.text("/plaintext"), b64("old"));
}

#[tokio::test]
async fn min_encryption_version_stops_older_versions_encrypting_but_not_decrypting() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let old = encrypt(&app, &key, &w.member, &b64("old"), None).await;
    rotate(&app, &key, &w.owner).await;

    let patched = patch_key(&app, &key, &w.owner, json!({"min_encryption_version": 2})).await;
    let with_v1 = app
        .post(
            "/v1/encrypt",
            json!({"key": key, "plaintext": b64("x"), "key_version": 1}),
            Some(&w.member.token),
        )
        .await;
    let by_default = encrypt(&app, &key, &w.member, &b64("x"), None).await;
    let opened = decrypt(&app, &key, &w.member, &old, None).await;

    assert_eq!(patched.code(), 200, "{}", patched.body);
    assert_eq!(patched.body["min_encryption_version"], 2);
    assert_eq!(patched.body["min_decryption_version"], 1);
    assert_problem(&with_v1, 422);
    assert!(by_default.starts_with("coffer:v2:"));
    assert_eq!(opened.code(), 200, "{}", opened.body);
}

#[tokio::test]
async fn floors_outside_the_kept_versions_or_out_of_order_are_422_and_change_nothing() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    rotate(&app, &key, &w.owner).await;
    rotate(&app, &key, &w.owner).await;
    let before = key_view(&app, &key, &w.owner).await;

    let bodies = [
        json!({"min_decryption_version": 0}),
        json!({"min_decryption_version": 4}),
        json!({"min_encryption_version": 4}),
        json!({"min_decryption_version": 3, "min_encryption_version": 2}),
        json!({"min_decryption_version": -1}),
        json!({"min_decryption_version": "2"}),
        json!({"deletion_allowed": "yes"}),
        json!({"latest_version": 1}),
    ];

    for body in bodies {
        let reply = patch_key(&app, &key, &w.owner, body.clone()).await;
        assert_eq!(reply.code(), 422, "{body}: {}", reply.body);
        assert_problem(&reply, 422);
    }
    let raised = patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 2})).await;
    let below_decryption =
        patch_key(&app, &key, &w.owner, json!({"min_encryption_version": 1})).await;
    assert_eq!(raised.code(), 200, "{}", raised.body);
    assert_problem(&below_decryption, 422);
    let after = key_view(&app, &key, &w.owner).await;
    assert_eq!(after["min_encryption_version"], 2);
    assert_eq!(after["latest_version"], before["latest_version"]);
}

#[tokio::test]
async fn a_member_may_not_patch_rotate_trim_or_delete_a_key() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let token = Some(w.member.token.as_str());

    let patched = app
        .patch(
            &format!("/v1/keys/{key}"),
            json!({"deletion_allowed": true}),
            token,
        )
        .await;
    let rotated = app
        .post(&format!("/v1/keys/{key}/rotate"), json!({}), token)
        .await;
    let trimmed = app
        .post(
            &format!("/v1/keys/{key}/trim"),
            json!({"below_version": 1}),
            token,
        )
        .await;
    let deleted = app.delete(&format!("/v1/keys/{key}"), token).await;

    for reply in [&patched, &rotated, &trimmed, &deleted] {
        assert_problem(reply, 403);
    }
    let view = key_view(&app, &key, &w.member).await;
    assert_eq!(view["latest_version"], 1);
    assert_eq!(view["deletion_allowed"], false);
}

// ---------------------------------------------------------------------------------------------
// trim

#[tokio::test]
async fn trimming_above_min_decryption_version_is_422() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    rotate(&app, &key, &w.owner).await;

    let refused = trim(&app, &key, &w.owner, 2).await;
    let zero = trim(&app, &key, &w.owner, 0).await;
    let nothing_to_trim = trim(&app, &key, &w.owner, 1).await;

    assert_problem(&refused, 422);
    assert_eq!(zero.code(), 200, "{}", zero.body);
    assert_eq!(nothing_to_trim.code(), 200, "{}", nothing_to_trim.body);
    assert_eq!(nothing_to_trim.body["oldest_version"], 1);
    assert_eq!(stored_versions(&app, &key).await, [1, 2]);
}

#[tokio::test]
async fn a_trimmed_versions_ciphertext_is_422_for_good_even_if_the_floor_is_lowered() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let v1 = encrypt(&app, &key, &w.member, &b64("one"), None).await;
    rotate(&app, &key, &w.owner).await;
    let v2 = encrypt(&app, &key, &w.member, &b64("two"), None).await;
    rotate(&app, &key, &w.owner).await;
    let v3 = encrypt(&app, &key, &w.member, &b64("three"), None).await;
    patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 3})).await;

    let trimmed = trim(&app, &key, &w.admin, 3).await;
    let lowered_below_oldest =
        patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 1})).await;
    let lowered_to_oldest =
        patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 3})).await;

    assert_eq!(trimmed.code(), 200, "{}", trimmed.body);
    assert_eq!(trimmed.body["oldest_version"], 3);
    assert_eq!(trimmed.body["latest_version"], 3);
    assert_problem(&lowered_below_oldest, 422);
    assert_eq!(lowered_to_oldest.code(), 200, "{}", lowered_to_oldest.body);
    for gone in [&v1, &v2] {
        let refused = decrypt(&app, &key, &w.member, gone, None).await;
        assert_problem(&refused, 422);
    }
    let opened = decrypt(&app, &key, &w.member, &v3, None).await;
    assert_eq!(opened.text("/plaintext"), b64("three"));
    assert_eq!(stored_versions(&app, &key).await, [3]);
}

#[tokio::test]
async fn trimming_150_versions_takes_several_transactions_and_leaves_none_below_the_floor() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    for _ in 0..150 {
        rotate(&app, &key, &w.owner).await;
    }
    let newest = encrypt(&app, &key, &w.member, &b64("kept"), None).await;
    let raised = patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 151})).await;
    assert_eq!(raised.code(), 200, "{}", raised.body);

    let trimmed = trim(&app, &key, &w.owner, 151).await;

    assert_eq!(trimmed.code(), 200, "{}", trimmed.body);
    assert_eq!(trimmed.body["oldest_version"], 151);
    assert_eq!(trimmed.body["latest_version"], 151);
    assert_eq!(stored_versions(&app, &key).await, [151]);
    for version in 1..151 {
        assert!(!version_stored(&app, &key, version).await, "v{version}");
    }
    let trims = coffer_core::audit::AuditSink::new(
        app.state.ports.table.clone(),
        app.state.ports.clock.clone(),
    )
    .recent(&w.id, 1000)
    .await
    .unwrap()
    .into_iter()
    .filter(|event| event.action == "keys.trim")
    .count();
    assert!(trims >= 2, "one event per transaction: {trims}");
    let opened = decrypt(&app, &key, &w.member, &newest, None).await;
    assert_eq!(opened.text("/plaintext"), b64("kept"));
}

// ---------------------------------------------------------------------------------------------
// delete

#[tokio::test]
async fn deleting_is_refused_until_deletion_allowed_is_set() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;

    let refused = app
        .delete(&format!("/v1/keys/{key}"), Some(&w.owner.token))
        .await;
    let allowed = patch_key(&app, &key, &w.admin, json!({"deletion_allowed": true})).await;
    let deleted = app
        .delete(&format!("/v1/keys/{key}"), Some(&w.admin.token))
        .await;

    assert_problem(&refused, 409);
    assert_eq!(allowed.code(), 200, "{}", allowed.body);
    assert_eq!(allowed.body["deletion_allowed"], true);
    assert_eq!(deleted.code(), 204, "{}", deleted.body);
}

#[tokio::test]
async fn a_deleted_key_is_gone_for_every_use_and_from_the_table() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let sealed = encrypt(&app, &key, &w.member, &b64("secret"), None).await;
    rotate(&app, &key, &w.owner).await;
    patch_key(&app, &key, &w.owner, json!({"deletion_allowed": true})).await;

    let deleted = app
        .delete(&format!("/v1/keys/{key}"), Some(&w.owner.token))
        .await;

    assert_eq!(deleted.code(), 204, "{}", deleted.body);
    let token = Some(w.owner.token.as_str());
    let replies = [
        app.get(&format!("/v1/keys/{key}"), token).await,
        app.post(
            "/v1/encrypt",
            json!({"key": key, "plaintext": b64("x")}),
            token,
        )
        .await,
        app.post(
            "/v1/decrypt",
            json!({"key": key, "ciphertext": sealed}),
            token,
        )
        .await,
        app.post(
            "/v1/rewrap",
            json!({"key": key, "ciphertext": sealed}),
            token,
        )
        .await,
        app.post(&format!("/v1/keys/{key}/rotate"), json!({}), token)
            .await,
        app.delete(&format!("/v1/keys/{key}"), token).await,
    ];
    for reply in &replies {
        assert_problem(reply, 404);
    }
    assert!(stored_versions(&app, &key).await.is_empty());
    let id = NamedKeyId::parse(&key).unwrap();
    let left = app
        .state
        .ports
        .table
        .query(&Query::partition(schema::named_key_partition(&id)))
        .await
        .unwrap();
    assert!(left.items.is_empty(), "{} items left", left.items.len());
    assert!(list_all(&app, &w.id, &w.owner.token, 50).await.is_empty());
}

#[tokio::test]
async fn a_deleted_keys_name_can_be_used_again() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    patch_key(&app, &key, &w.owner, json!({"deletion_allowed": true})).await;
    app.delete(&format!("/v1/keys/{key}"), Some(&w.owner.token))
        .await;

    let again = app
        .post(
            "/v1/keys",
            json!({"org_id": w.id, "name": "Payments"}),
            Some(&w.owner.token),
        )
        .await;

    assert_eq!(again.code(), 201, "{}", again.body);
    assert_ne!(again.text("/id"), key);
}

#[tokio::test]
async fn deleting_a_key_frees_its_place_under_the_tier_limit() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let mut keys = Vec::new();
    for n in 0..20 {
        keys.push(create_key(&app, &w.id, &w.owner, &format!("key {n}")).await);
    }
    let full = app
        .post(
            "/v1/keys",
            json!({"org_id": w.id, "name": "extra"}),
            Some(&w.owner.token),
        )
        .await;
    assert_problem(&full, 403);
    patch_key(&app, &keys[7], &w.owner, json!({"deletion_allowed": true})).await;
    let deleted = app
        .delete(&format!("/v1/keys/{}", keys[7]), Some(&w.owner.token))
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);

    let made = app
        .post(
            "/v1/keys",
            json!({"org_id": w.id, "name": "extra"}),
            Some(&w.owner.token),
        )
        .await;
    let over_again = app
        .post(
            "/v1/keys",
            json!({"org_id": w.id, "name": "extra 2"}),
            Some(&w.owner.token),
        )
        .await;

    assert_eq!(made.code(), 201, "{}", made.body);
    assert_problem(&over_again, 403);
    assert_eq!(over_again.body["type"], "/problems/tier-limit");
}
