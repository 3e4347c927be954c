//! The audit trail of named keys: every management action and every decrypt or rewrap request
//! writes one event (with its outcome), an encrypt writes none, and no event ever holds a
//! plaintext or a context.

use coffer_core::audit::{AuditEvent, AuditSink, Outcome};
use coffer_core::store::Item;
use coffer_testkit::TestApp;
use serde_json::json;

use crate::{b64, create_key, decrypt, encrypt, patch_key, rotate, trim};

/// The org's `keys.*` events of today, oldest first.
async fn key_events(app: &TestApp, org: &str) -> Vec<AuditEvent> {
    let mut events = AuditSink::new(app.state.ports.table.clone(), app.state.ports.clock.clone())
        .recent(org, 1000)
        .await
        .unwrap();
    events.retain(|event| event.action.starts_with("keys."));
    events.reverse();
    events
}

/// Every audit item of `org` and of the platform, as stored.
async fn audit_items(app: &TestApp, org: &str) -> Vec<Item> {
    let mut items = app.audit_links(org).await;
    items.extend(app.audit_links(coffer_core::audit::PLATFORM_SCOPE).await);
    items
}

/// Moves the clock on, so events made one after another sort in that order.
fn tick(app: &TestApp) {
    app.clock.advance(time::Duration::seconds(1));
}

#[tokio::test]
async fn every_management_action_writes_one_event_by_its_actor_on_the_key() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;

    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    tick(&app);
    rotate(&app, &key, &w.admin).await;
    tick(&app);
    patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 2})).await;
    tick(&app);
    assert_eq!(trim(&app, &key, &w.admin, 2).await.code(), 200);
    tick(&app);
    patch_key(&app, &key, &w.admin, json!({"deletion_allowed": true})).await;
    tick(&app);
    let deleted = app
        .delete(&format!("/v1/keys/{key}"), Some(&w.owner.token))
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);

    let events = key_events(&app, &w.id).await;
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.action, e.actor.as_deref().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("keys.create", w.owner.id.as_str()),
            ("keys.rotate", w.admin.id.as_str()),
            ("keys.update", w.owner.id.as_str()),
            ("keys.trim", w.admin.id.as_str()),
            ("keys.update", w.admin.id.as_str()),
            ("keys.delete", w.owner.id.as_str()),
        ]
    );
    for event in &events {
        assert_eq!(event.resource.as_deref(), Some(key.as_str()));
        assert_eq!(event.org_id.as_deref(), Some(w.id.as_str()));
        assert_eq!(event.outcome, Outcome::Success);
        assert!(event.request_id.is_some());
    }
}

#[tokio::test]
async fn every_decrypt_and_rewrap_request_writes_one_event_with_its_outcome_and_encrypt_none() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let sealed = encrypt(&app, &key, &w.member, &b64("x"), Some(&b64("c"))).await;
    let before = key_events(&app, &w.id).await.len();
    let member = Some(w.member.token.as_str());

    for _ in 0..3 {
        encrypt(&app, &key, &w.member, &b64("y"), None).await;
    }
    let batch = app
        .post(
            "/v1/encrypt",
            json!({"key": key, "batch": [{"plaintext": b64("a")}, {"plaintext": "!"}]}),
            member,
        )
        .await;
    assert_eq!(batch.code(), 200, "{}", batch.body);
    assert_eq!(
        key_events(&app, &w.id).await.len(),
        before,
        "encrypt writes no event"
    );

    tick(&app);
    assert_eq!(
        decrypt(&app, &key, &w.member, &sealed, Some(&b64("c")))
            .await
            .code(),
        200
    );
    tick(&app);
    assert_eq!(
        decrypt(&app, &key, &w.member, &sealed, None).await.code(),
        400
    );
    tick(&app);
    let mixed = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "batch": [{"ciphertext": sealed, "context": b64("c")}, {"ciphertext": "bad"}]}),
            member,
        )
        .await;
    assert_eq!(mixed.code(), 200, "{}", mixed.body);
    tick(&app);
    let none_opened = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "batch": [{"ciphertext": "bad"}, {"ciphertext": sealed}]}),
            member,
        )
        .await;
    assert_eq!(none_opened.code(), 200, "{}", none_opened.body);
    tick(&app);
    let rewrapped = app
        .post(
            "/v1/rewrap",
            json!({"key": key, "ciphertext": sealed, "context": b64("c")}),
            member,
        )
        .await;
    assert_eq!(rewrapped.code(), 200, "{}", rewrapped.body);
    tick(&app);
    let not_rewrapped = app
        .post(
            "/v1/rewrap",
            json!({"key": key, "ciphertext": sealed}),
            member,
        )
        .await;
    assert_eq!(not_rewrapped.code(), 400, "{}", not_rewrapped.body);

    let events = key_events(&app, &w.id).await;
    let seen: Vec<(&str, Outcome)> = events[before..]
        .iter()
        .map(|e| (e.action, e.outcome))
        .collect();
    assert_eq!(
        seen,
        [
            ("keys.decrypt", Outcome::Success),
            ("keys.decrypt", Outcome::Failure),
            ("keys.decrypt", Outcome::Success),
            ("keys.decrypt", Outcome::Failure),
            ("keys.rewrap", Outcome::Success),
            ("keys.rewrap", Outcome::Failure),
        ]
    );
    for event in &events[before..] {
        assert_eq!(event.actor.as_deref(), Some(w.member.id.as_str()));
        assert_eq!(event.resource.as_deref(), Some(key.as_str()));
    }
}

#[tokio::test]
async fn no_audit_item_holds_a_plaintext_or_a_context() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let key = create_key(&app, &w.id, &w.owner, "payments").await;
    let plaintext_raw = "CANARY-PLAINTEXT-7f3a9c";
    let context_raw = "CANARY-CONTEXT-41d2e8";
    let wrong_context_raw = "CANARY-WRONG-CONTEXT-0b6f";
    let (plaintext, context, wrong_context) =
        (b64(plaintext_raw), b64(context_raw), b64(wrong_context_raw));
    let member = Some(w.member.token.as_str());

    let sealed = encrypt(&app, &key, &w.member, &plaintext, Some(&context)).await;
    let batch = app
        .post(
            "/v1/encrypt",
            json!({"key": key, "batch": [{"plaintext": plaintext, "context": context}]}),
            member,
        )
        .await;
    assert_eq!(batch.code(), 200, "{}", batch.body);
    rotate(&app, &key, &w.owner).await;
    assert_eq!(
        decrypt(&app, &key, &w.member, &sealed, Some(&context))
            .await
            .code(),
        200
    );
    assert_eq!(
        decrypt(&app, &key, &w.member, &sealed, Some(&wrong_context))
            .await
            .code(),
        400
    );
    let rewrapped = app
        .post(
            "/v1/rewrap",
            json!({"key": key, "batch": [
                {"ciphertext": sealed, "context": context},
                {"ciphertext": sealed, "context": wrong_context},
            ]}),
            member,
        )
        .await;
    assert_eq!(rewrapped.code(), 200, "{}", rewrapped.body);
    patch_key(&app, &key, &w.owner, json!({"min_decryption_version": 2})).await;
    assert_eq!(
        decrypt(&app, &key, &w.member, &sealed, Some(&context))
            .await
            .code(),
        422
    );

    let items = audit_items(&app, &w.id).await;

    assert!(
        items
            .iter()
            .filter(|item| item.attrs["action"] == "keys.decrypt")
            .count()
            >= 3,
        "the decrypts were audited"
    );
    let canaries = [
        plaintext.as_str(),
        context.as_str(),
        wrong_context.as_str(),
        plaintext_raw,
        context_raw,
        wrong_context_raw,
    ];
    for item in &items {
        let text = format!("{item:?} {}", serde_json::Value::Object(item.attrs.clone()));
        for canary in canaries {
            assert!(
                !text.contains(canary),
                "an audit item holds {canary}: {text}"
            );
        }
    }
}
