//! What encrypt, decrypt and rewrap answer to bad input: a problem document (400, 404, 413 or
//! 422) for a request, or an `error` per bad item of a batch; never a 500, never a plaintext
//! for a ciphertext that was not sealed with this key and context.

use coffer_testkit::{OrgWithRoles, TestApp};
use serde_json::{Value, json};

use crate::{
    assert_item_error, assert_problem, b64, batch_results, ciphertext_of, create_key, decrypt,
    encrypt, envelope_of, patch_key, rotate, trim,
};

/// An org with two keys, and another org (the outsider's) with a key of its own.
struct Setting {
    app: TestApp,
    w: OrgWithRoles,
    key: String,
    sibling: String,
    foreign: String,
}

async fn setting() -> Setting {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "main").await;
    let sibling = create_key(&app, &w.id, &w.owner, "sibling").await;
    let foreign_org = app.create_org(&w.outsider, "free").await;
    let foreign = create_key(&app, &foreign_org, &w.outsider, "main").await;
    Setting {
        app,
        w,
        key,
        sibling,
        foreign,
    }
}

impl Setting {
    /// Rotates the key to version 3, trims version 1 and retires version 2.
    async fn trim_v1_and_retire_v2(&self) {
        rotate(&self.app, &self.key, &self.w.owner).await;
        patch_key(
            &self.app,
            &self.key,
            &self.w.owner,
            json!({"min_decryption_version": 2}),
        )
        .await;
        assert_eq!(
            trim(&self.app, &self.key, &self.w.owner, 2).await.code(),
            200
        );
        patch_key(
            &self.app,
            &self.key,
            &self.w.owner,
            json!({"min_decryption_version": 3}),
        )
        .await;
    }

    fn member(&self) -> Option<&str> {
        Some(&self.w.member.token)
    }

    async fn seal(&self, plaintext: &str, context: Option<&str>) -> String {
        encrypt(&self.app, &self.key, &self.w.member, plaintext, context).await
    }

    async fn open(&self, ciphertext: &str, context: Option<&str>) -> coffer_testkit::Reply {
        decrypt(&self.app, &self.key, &self.w.member, ciphertext, context).await
    }

    /// Decrypts and rewraps `items` as one batch each: every result must be an error of `status`.
    async fn assert_batch_refused(&self, items: &[Value], status: u16) {
        for route in ["/v1/decrypt", "/v1/rewrap"] {
            let reply = self
                .app
                .post(
                    route,
                    json!({"key": self.key, "batch": items}),
                    self.member(),
                )
                .await;
            let results = batch_results(&reply);
            assert_eq!(results.len(), items.len());
            for (n, result) in results.iter().enumerate() {
                assert_eq!(
                    result["error"]["status"], status,
                    "{route} item {n}: {result}"
                );
                assert_item_error(result, status);
            }
        }
    }
}

#[tokio::test]
async fn a_ciphertext_of_another_key_of_the_same_org_is_400() {
    let s = setting().await;
    let sealed = encrypt(&s.app, &s.sibling, &s.w.member, &b64("hello"), None).await;

    let refused = s.open(&sealed, None).await;
    let rewrapped = s
        .app
        .post(
            "/v1/rewrap",
            json!({"key": s.key, "ciphertext": sealed}),
            s.member(),
        )
        .await;

    assert_problem(&refused, 400);
    assert_problem(&rewrapped, 400);
    assert_eq!(refused.body["type"], "/problems/bad-request");
}

#[tokio::test]
async fn another_keys_ciphertext_is_400_even_where_this_key_retired_or_trimmed_that_version() {
    let s = setting().await;
    let sibling_v1 = encrypt(&s.app, &s.sibling, &s.w.member, &b64("one"), None).await;
    rotate(&s.app, &s.sibling, &s.w.owner).await;
    let sibling_v2 = encrypt(&s.app, &s.sibling, &s.w.member, &b64("two"), None).await;
    rotate(&s.app, &s.key, &s.w.owner).await;
    s.trim_v1_and_retire_v2().await;

    let over_trimmed = s.open(&sibling_v1, None).await;
    let over_retired = s.open(&sibling_v2, None).await;

    assert_problem(&over_trimmed, 400);
    assert_problem(&over_retired, 400);
}

#[tokio::test]
async fn a_wrong_context_a_missing_one_or_an_unexpected_one_is_400() {
    let s = setting().await;
    let with_context = s.seal(&b64("hello"), Some(&b64("order-42"))).await;
    let without_context = s.seal(&b64("hello"), None).await;

    let wrong = s.open(&with_context, Some(&b64("order-43"))).await;
    let missing = s.open(&with_context, None).await;
    let empty = s.open(&with_context, Some("")).await;
    let unexpected = s.open(&without_context, Some(&b64("order-42"))).await;
    let right = s.open(&with_context, Some(&b64("order-42"))).await;

    for reply in [&wrong, &missing, &empty, &unexpected] {
        assert_problem(reply, 400);
    }
    assert_eq!(
        wrong.body_without_request_id(),
        missing.body_without_request_id(),
        "decryption failures are alike"
    );
    assert_eq!(right.text("/plaintext"), b64("hello"));
}

#[tokio::test]
async fn a_flipped_bit_anywhere_in_the_envelope_is_400() {
    let s = setting().await;
    let sealed = s.seal(&b64("hi"), Some(&b64("ctx"))).await;
    let (version, envelope) = envelope_of(&sealed);

    // Each byte's lowest bit, one request each.
    for at in 0..envelope.len() {
        let mut flipped = envelope.clone();
        flipped[at] ^= 0x01;
        let reply = s
            .open(&ciphertext_of(version, &flipped), Some(&b64("ctx")))
            .await;
        assert_eq!(reply.code(), 400, "byte {at}: {}", reply.body);
        assert_problem(&reply, 400);
    }
    // Every bit of every byte, in batches.
    let mut items = Vec::new();
    for at in 0..envelope.len() {
        for bit in 0..8 {
            let mut flipped = envelope.clone();
            flipped[at] ^= 1 << bit;
            items.push(
                json!({"ciphertext": ciphertext_of(version, &flipped), "context": b64("ctx")}),
            );
        }
    }
    for chunk in items.chunks(1000) {
        s.assert_batch_refused(chunk, 400).await;
    }
    assert_eq!(s.open(&sealed, Some(&b64("ctx"))).await.code(), 200);
}

#[tokio::test]
async fn every_truncation_of_a_ciphertext_is_400() {
    let s = setting().await;
    let sealed = s.seal(&b64("hello"), None).await;
    let (version, envelope) = envelope_of(&sealed);

    for len in 0..envelope.len() {
        let reply = s
            .open(&ciphertext_of(version, &envelope[..len]), None)
            .await;
        assert_eq!(reply.code(), 400, "{len} bytes: {}", reply.body);
        assert_problem(&reply, 400);
    }
    let text_prefixes: Vec<Value> = (0..sealed.len())
        .map(|len| json!({"ciphertext": &sealed[..len]}))
        .collect();
    s.assert_batch_refused(&text_prefixes, 400).await;
}

#[tokio::test]
async fn a_retired_version_is_422_and_a_trimmed_one_too() {
    let s = setting().await;
    let v1 = s.seal(&b64("one"), None).await;
    rotate(&s.app, &s.key, &s.w.owner).await;
    let v2 = s.seal(&b64("two"), None).await;
    s.trim_v1_and_retire_v2().await;

    let trimmed = s.open(&v1, None).await;
    let retired = s.open(&v2, None).await;

    assert_problem(&trimmed, 422);
    assert_problem(&retired, 422);
    assert_ne!(
        trimmed.body["errors"], retired.body["errors"],
        "each says why"
    );
    s.assert_batch_refused(&[json!({"ciphertext": v1}), json!({"ciphertext": v2})], 422)
        .await;
}

#[tokio::test]
async fn a_version_the_key_never_made_or_a_relabelled_one_is_400() {
    let s = setting().await;
    let sealed = s.seal(&b64("hello"), None).await;
    let (_, envelope) = envelope_of(&sealed);

    let above_newest = s.open(&ciphertext_of(2, &envelope), None).await;
    let far_above = s.open(&ciphertext_of(u32::MAX, &envelope), None).await;
    rotate(&s.app, &s.key, &s.w.owner).await;
    let relabelled = s.open(&ciphertext_of(2, &envelope), None).await;

    assert_problem(&above_newest, 400);
    assert_problem(&far_above, 400);
    assert_problem(&relabelled, 400);
    assert_eq!(s.open(&sealed, None).await.code(), 200);
}

#[tokio::test]
async fn another_orgs_ciphertext_is_400_with_your_own_key_and_404_with_theirs() {
    let s = setting().await;
    let theirs = encrypt(&s.app, &s.foreign, &s.w.outsider, &b64("theirs"), None).await;

    let with_own_key = s.open(&theirs, None).await;
    let with_their_key = decrypt(&s.app, &s.foreign, &s.w.member, &theirs, None).await;
    let rewrap_with_their_key = s
        .app
        .post(
            "/v1/rewrap",
            json!({"key": s.foreign, "ciphertext": theirs}),
            s.member(),
        )
        .await;
    let encrypt_with_their_key = s
        .app
        .post(
            "/v1/encrypt",
            json!({"key": s.foreign, "plaintext": b64("x")}),
            s.member(),
        )
        .await;

    assert_problem(&with_own_key, 400);
    assert_problem(&with_their_key, 404);
    assert_problem(&rewrap_with_their_key, 404);
    assert_problem(&encrypt_with_their_key, 404);
}

#[tokio::test]
async fn plaintext_context_or_ciphertext_that_is_not_base64_is_400() {
    let s = setting().await;
    let sealed = s.seal(&b64("hello"), None).await;

    let replies = [
        s.app
            .post(
                "/v1/encrypt",
                json!({"key": s.key, "plaintext": "not base64!"}),
                s.member(),
            )
            .await,
        s.app
            .post(
                "/v1/encrypt",
                json!({"key": s.key, "plaintext": b64("x"), "context": "%%%"}),
                s.member(),
            )
            .await,
        s.app
            .post(
                "/v1/encrypt",
                json!({"key": s.key, "plaintext": "aGVsbG8"}),
                s.member(),
            )
            .await,
        s.open(&sealed, Some("not base64!")).await,
        s.open("coffer:v1:not base64!", None).await,
        s.open("coffer:v1:AAAA*===", None).await,
        s.app
            .post(
                "/v1/rewrap",
                json!({"key": s.key, "ciphertext": sealed, "context": "?"}),
                s.member(),
            )
            .await,
    ];

    for reply in &replies {
        assert_problem(reply, 400);
    }
}

#[tokio::test]
async fn edits_of_the_coffer_prefix_are_400() {
    let s = setting().await;
    let sealed = s.seal(&b64("hello"), None).await;
    let body = sealed.strip_prefix("coffer:v1:").unwrap();

    let edits = [
        format!("coffer:v01:{body}"),
        format!("coffer:v0:{body}"),
        format!("coffer:v:{body}"),
        format!("coffer:v-1:{body}"),
        format!("coffer:v+1:{body}"),
        format!("coffer:1:{body}"),
        format!("coffer:{body}"),
        format!("v1:{body}"),
        body.to_owned(),
        format!("COFFER:v1:{body}"),
        format!("vault:v1:{body}"),
        format!(" coffer:v1:{body}"),
        format!("coffer:v1:{body}\n"),
        format!("coffer:v1::{body}"),
        format!("coffer:v4294967296:{body}"),
        "coffer:v1".to_owned(),
        String::new(),
    ];

    for edited in &edits {
        let reply = s.open(edited, None).await;
        assert_eq!(reply.code(), 400, "{edited:?}: {}", reply.body);
        assert_problem(&reply, 400);
    }
    let items: Vec<Value> = edits.iter().map(|c| json!({"ciphertext": c})).collect();
    s.assert_batch_refused(&items, 400).await;
}

#[tokio::test]
async fn an_empty_batch_or_one_of_1001_items_is_422() {
    let s = setting().await;
    let sealed = s.seal(&b64("x"), None).await;
    let plain = json!({"plaintext": b64("x")});
    let cipher = json!({"ciphertext": sealed});

    let replies = [
        ("/v1/encrypt", json!({"key": s.key, "batch": []})),
        (
            "/v1/encrypt",
            json!({"key": s.key, "batch": vec![plain; 1001]}),
        ),
        ("/v1/decrypt", json!({"key": s.key, "batch": []})),
        (
            "/v1/decrypt",
            json!({"key": s.key, "batch": vec![cipher.clone(); 1001]}),
        ),
        ("/v1/rewrap", json!({"key": s.key, "batch": []})),
        (
            "/v1/rewrap",
            json!({"key": s.key, "batch": vec![cipher; 1001]}),
        ),
    ];

    for (route, body) in replies {
        let reply = s.app.post(route, body, s.member()).await;
        assert_eq!(reply.code(), 422, "{route}: {}", reply.body);
        assert_problem(&reply, 422);
    }
}

#[tokio::test]
async fn both_an_item_and_a_batch_or_neither_is_422() {
    let s = setting().await;
    let sealed = s.seal(&b64("x"), None).await;

    let replies = [
        (
            "/v1/encrypt",
            json!({"key": s.key, "plaintext": b64("x"), "batch": [{"plaintext": b64("y")}]}),
        ),
        ("/v1/encrypt", json!({"key": s.key})),
        ("/v1/encrypt", json!({"key": s.key, "context": b64("c")})),
        (
            "/v1/decrypt",
            json!({"key": s.key, "ciphertext": sealed, "batch": [{"ciphertext": sealed}]}),
        ),
        ("/v1/decrypt", json!({"key": s.key})),
        (
            "/v1/rewrap",
            json!({"key": s.key, "ciphertext": sealed, "batch": [{"ciphertext": sealed}]}),
        ),
        ("/v1/rewrap", json!({"key": s.key, "context": b64("c")})),
    ];

    for (route, body) in replies {
        let reply = s.app.post(route, body.clone(), s.member()).await;
        assert_eq!(reply.code(), 422, "{route} {body}: {}", reply.body);
        assert_problem(&reply, 422);
    }
}

#[tokio::test]
async fn unknown_fields_or_a_missing_key_are_422() {
    let s = setting().await;
    let sealed = s.seal(&b64("x"), None).await;

    let replies = [
        (
            "/v1/encrypt",
            json!({"key": s.key, "plaintext": b64("x"), "aad": "eA=="}),
        ),
        (
            "/v1/encrypt",
            json!({"key": s.key, "batch": [{"plaintext": b64("x"), "key_version": 1}]}),
        ),
        ("/v1/encrypt", json!({"plaintext": b64("x")})),
        (
            "/v1/decrypt",
            json!({"key": s.key, "ciphertext": sealed, "plaintext": "x"}),
        ),
        (
            "/v1/decrypt",
            json!({"key": s.key, "batch": [{"ciphertext": sealed, "extra": 1}]}),
        ),
        (
            "/v1/decrypt",
            json!({"key": s.key, "batch": [{"context": b64("c")}]}),
        ),
        (
            "/v1/rewrap",
            json!({"key": s.key, "ciphertext": sealed, "key_version": 1}),
        ),
        ("/v1/rewrap", json!({"key": 7, "ciphertext": sealed})),
    ];

    for (route, body) in replies {
        let reply = s.app.post(route, body.clone(), s.member()).await;
        assert_eq!(reply.code(), 422, "{route} {body}: {}", reply.body);
        assert_problem(&reply, 422);
    }
}

#[tokio::test]
async fn a_body_over_the_crypto_limit_is_413() {
    let s = setting().await;
    let limit = s.app.state.settings.crypto_max_body_bytes;
    let huge = "A".repeat(limit + 4);

    let replies = [
        ("/v1/encrypt", json!({"key": s.key, "plaintext": huge})),
        (
            "/v1/decrypt",
            json!({"key": s.key, "ciphertext": format!("coffer:v1:{huge}")}),
        ),
        (
            "/v1/rewrap",
            json!({"key": s.key, "ciphertext": format!("coffer:v1:{huge}")}),
        ),
    ];

    for (route, body) in replies {
        let reply = s.app.post(route, body, s.member()).await;
        assert_eq!(reply.code(), 413, "{route}: {}", reply.body);
        assert_problem(&reply, 413);
    }
}

#[tokio::test]
async fn an_unknown_or_malformed_key_is_404() {
    let s = setting().await;
    let sealed = s.seal(&b64("x"), None).await;

    for key in [
        "key_nope",
        "",
        "org_00000000000000000000000000",
        "key_00000000000000000000000000",
    ] {
        for (route, body) in [
            ("/v1/encrypt", json!({"key": key, "plaintext": b64("x")})),
            ("/v1/decrypt", json!({"key": key, "ciphertext": sealed})),
            ("/v1/rewrap", json!({"key": key, "ciphertext": sealed})),
        ] {
            let reply = s.app.post(route, body, s.member()).await;
            assert_eq!(reply.code(), 404, "{route} {key:?}: {}", reply.body);
            assert_problem(&reply, 404);
        }
    }
}

#[tokio::test]
async fn in_an_encrypt_batch_each_bad_item_fails_alone() {
    let s = setting().await;
    let items = json!([
        {"plaintext": b64("good one")},
        {"plaintext": "not base64!"},
        {"plaintext": b64("good two"), "context": b64("ctx")},
        {"plaintext": b64("x"), "context": "not base64!"},
        {"plaintext": ""},
    ]);

    let reply = s
        .app
        .post(
            "/v1/encrypt",
            json!({"key": s.key, "batch": items}),
            s.member(),
        )
        .await;

    let results = batch_results(&reply);
    assert_eq!(results.len(), 5);
    assert_item_error(&results[1], 400);
    assert_item_error(&results[3], 400);
    for n in [0, 2, 4] {
        assert!(results[n].get("error").is_none(), "{}", results[n]);
        assert_eq!(results[n]["key_version"], 1);
    }
    let one = s
        .open(results[0]["ciphertext"].as_str().unwrap(), None)
        .await;
    let two = s
        .open(
            results[2]["ciphertext"].as_str().unwrap(),
            Some(&b64("ctx")),
        )
        .await;
    let empty = s
        .open(results[4]["ciphertext"].as_str().unwrap(), None)
        .await;
    assert_eq!(one.text("/plaintext"), b64("good one"));
    assert_eq!(two.text("/plaintext"), b64("good two"));
    assert_eq!(empty.text("/plaintext"), "");
}

#[tokio::test]
async fn in_a_decrypt_or_rewrap_batch_each_bad_item_gets_its_own_error_and_good_ones_succeed() {
    let s = setting().await;
    let trimmed = s.seal(&b64("v1"), None).await;
    rotate(&s.app, &s.key, &s.w.owner).await;
    let retired = s.seal(&b64("v2"), None).await;
    s.trim_v1_and_retire_v2().await;
    let good = s.seal(&b64("good"), None).await;
    let good_with_context = s.seal(&b64("ctx good"), Some(&b64("c"))).await;
    let sibling = encrypt(&s.app, &s.sibling, &s.w.member, &b64("s"), None).await;
    let foreign = encrypt(&s.app, &s.foreign, &s.w.outsider, &b64("f"), None).await;
    let (_, envelope) = envelope_of(&good);
    let mut tampered = envelope.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x80;
    let items = json!([
        {"ciphertext": good},
        {"ciphertext": trimmed},
        {"ciphertext": retired},
        {"ciphertext": good_with_context, "context": b64("c")},
        {"ciphertext": good_with_context, "context": b64("d")},
        {"ciphertext": good_with_context},
        {"ciphertext": sibling},
        {"ciphertext": foreign},
        {"ciphertext": ciphertext_of(3, &tampered)},
        {"ciphertext": ciphertext_of(4, &envelope)},
        {"ciphertext": "coffer:v01:AAAA"},
        {"ciphertext": good, "context": "%"},
        {"ciphertext": good},
    ]);
    let want: [Option<u16>; 13] = [
        None,
        Some(422),
        Some(422),
        None,
        Some(400),
        Some(400),
        Some(400),
        Some(400),
        Some(400),
        Some(400),
        Some(400),
        Some(400),
        None,
    ];

    let decrypted = s
        .app
        .post(
            "/v1/decrypt",
            json!({"key": s.key, "batch": items}),
            s.member(),
        )
        .await;
    let rewrapped = s
        .app
        .post(
            "/v1/rewrap",
            json!({"key": s.key, "batch": items}),
            s.member(),
        )
        .await;

    let decrypted = batch_results(&decrypted);
    let rewrapped = batch_results(&rewrapped);
    for (n, want) in want.iter().enumerate() {
        match want {
            Some(status) => {
                assert_item_error(&decrypted[n], *status);
                assert_item_error(&rewrapped[n], *status);
            }
            None => {
                assert!(decrypted[n].get("error").is_none(), "{n}: {}", decrypted[n]);
                assert!(decrypted[n]["plaintext"].is_string());
                assert!(
                    rewrapped[n]["ciphertext"]
                        .as_str()
                        .unwrap()
                        .starts_with("coffer:v3:")
                );
            }
        }
    }
    assert_eq!(decrypted[0]["plaintext"], b64("good"));
    assert_eq!(decrypted[3]["plaintext"], b64("ctx good"));
    assert_eq!(decrypted[12]["plaintext"], b64("good"));
}
