//! `crypto`: a named key, encrypt (one and a batch, with contexts), decrypt, rewrap, rotate,
//! retire. Plaintexts and contexts rest nowhere (API.md "Encryption as a service": only the
//! ciphertext leaves; docs/crypto.md: "No value, plaintext ..." is logged or audited); the key's
//! name in its item (docs/keys.md "named key": "its org, name, ...").

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use coffer_core::ids::NamedKeyId;
use coffer_core::store::schema;
use serde_json::json;

use super::Scene;
use crate::canaries::driver::ok;
use crate::canaries::values::Place;

pub async fn plant(s: &mut Scene<'_>) {
    let d = s.d;
    let owner = s.owner.token.clone();
    let token = Some(owner.as_str());
    let name = s.c.text("key_name");
    let key = ok(d
        .call(
            "POST /v1/keys",
            &[],
            "",
            Some(json!({"org_id": s.org, "name": name})),
            token,
        )
        .await)
    .text("/id");
    s.c.allow(
        "key_name",
        Place::Item(schema::named_key(&NamedKeyId::parse(&key).unwrap())),
    );
    ok(d.call(
        "GET /v1/keys",
        &[],
        &format!("org_id={}", s.org),
        None,
        token,
    )
    .await);

    let plaintext = s.c.text("crypto_plaintext");
    let context = s.c.text("crypto_context");
    let sealed = ok(d
        .call(
            "POST /v1/encrypt",
            &[],
            "",
            Some(json!({"key": key, "plaintext": STANDARD.encode(&plaintext), "context": STANDARD.encode(&context)})),
            token,
        )
        .await)
    .text("/ciphertext");
    let batch_plaintext = s.c.email("crypto_batch_plaintext");
    let batch_context = s.c.text("crypto_batch_context");
    ok(d.call(
        "POST /v1/encrypt",
        &[],
        "",
        Some(json!({"key": key, "batch": [
            {"plaintext": STANDARD.encode(&batch_plaintext), "context": STANDARD.encode(&batch_context)},
            {"plaintext": STANDARD.encode(s.c.card("crypto_batch_card"))},
        ]})),
        token,
    )
    .await);
    ok(
        d.call("POST /v1/keys/{key}/rotate", &[&key], "", None, token)
            .await,
    );
    ok(d.call(
        "POST /v1/decrypt",
        &[],
        "",
        Some(json!({"key": key, "ciphertext": sealed, "context": STANDARD.encode(&context)})),
        token,
    )
    .await);
    // A wrong context is refused without echoing either.
    let wrong_context = s.c.text("crypto_wrong_context");
    let refused = d
        .call(
            "POST /v1/decrypt",
            &[],
            "",
            Some(json!({"key": key, "ciphertext": sealed, "context": STANDARD.encode(&wrong_context)})),
            token,
        )
        .await;
    assert_eq!(refused.code(), 400, "{}", refused.body);
    let rewrapped = ok(d
        .call(
            "POST /v1/rewrap",
            &[],
            "",
            Some(json!({"key": key, "ciphertext": sealed, "context": STANDARD.encode(&context)})),
            token,
        )
        .await)
    .text("/ciphertext");
    ok(d.call(
        "POST /v1/decrypt",
        &[],
        "",
        Some(json!({"key": key, "ciphertext": rewrapped, "context": STANDARD.encode(&context)})),
        token,
    )
    .await);
    ok(d.call(
        "PATCH /v1/keys/{key}",
        &[&key],
        "",
        Some(json!({"min_decryption_version": 2})),
        token,
    )
    .await);
    d.call(
        "POST /v1/keys/{key}/trim",
        &[&key],
        "",
        Some(json!({"below_version": 2})),
        token,
    )
    .await;
    ok(d.call("GET /v1/keys/{key}", &[&key], "", None, token).await);
}
