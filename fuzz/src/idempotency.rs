//! Idempotency keys of record writes: the `idempotency-key` header as the datasets function
//! reads it (`check_key`), the claim's table key, the body digest, the reserved record ids and a
//! stored claim read back.
//!
//! The first byte splits the rest into the header value and the actor. A key is accepted only if
//! it is 1-255 printable ASCII characters; its claim key is the same for the same actor and key
//! and differs when either differs (also when the boundary between them moves); reserved ids are
//! consecutive and parse back; and a claim read from an item writes back the same item.

use axum::http::HeaderValue;
use coffer_core::datasets::idempotency::{
    IdempotencyClaim, MAX_IDEMPOTENCY_KEY, body_digest, check_key, claim_key, reserved_ids,
};
use coffer_core::ids::{DatasetId, RecordId};
use coffer_core::store::Item;
use serde_json::json;
use time::OffsetDateTime;
use ulid::Ulid;

use std::sync::LazyLock;

static DATASET: LazyLock<DatasetId> = LazyLock::new(|| {
    let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    DatasetId::generate(now).unwrap_or_else(|e| panic!("a dataset id: {e}"))
});

pub fn seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = vec![
        b"\x05usr_1import-2024-01-01".to_vec(),
        b"\x00key".to_vec(),
        b"\x03cliK\xc3\xa9y with space".to_vec(),
    ];
    let mut long = vec![4u8];
    long.extend(std::iter::repeat_n(b'k', 300));
    seeds.push(long);
    seeds
}

/// The idempotency-key target (see the module doc).
pub fn idempotency_key(data: &[u8]) {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let split = usize::from(split).min(rest.len());
    let (actor, raw) = rest.split_at(split);
    let actor = String::from_utf8_lossy(actor);

    // As the handler reads it: a header value, as text, then the rule.
    let key = HeaderValue::from_bytes(raw)
        .ok()
        .and_then(|value| value.to_str().ok().map(str::to_owned))
        .filter(|key| check_key(key));
    let printable =
        !raw.is_empty() && raw.len() <= MAX_IDEMPOTENCY_KEY && raw.iter().all(u8::is_ascii_graphic);
    assert_eq!(key.is_some(), printable, "check_key on {raw:?}");

    let key = key.unwrap_or_else(|| String::from_utf8_lossy(raw).into_owned());
    let claim = claim_key(&DATASET, &actor, &key);
    assert_eq!(
        claim,
        claim_key(&DATASET, &actor, &key),
        "claim keys are stable"
    );
    if !key.is_empty() {
        // Moving the first character of the key to the actor names another claim.
        let first = key.chars().next().map_or(0, char::len_utf8);
        let moved = format!("{actor}{}", &key[..first]);
        assert_ne!(claim, claim_key(&DATASET, &moved, &key[first..]));
    }
    assert_eq!(body_digest(rest), body_digest(rest));
    assert_eq!(body_digest(rest).len(), 43);

    reserved(rest);
    stored_claim(rest, claim);
}

/// Consecutive ids from a ULID made of the input: as many as asked, or none past the end.
fn reserved(data: &[u8]) {
    let mut raw = [0u8; 16];
    let n = data.len().min(16);
    raw[..n].copy_from_slice(&data[..n]);
    let first = Ulid::from_bytes(raw);
    let count = usize::from(data.get(16).copied().unwrap_or(3)) % 64;
    let Some(ids) = reserved_ids(first, count) else {
        return;
    };
    assert_eq!(ids.len(), count);
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "not consecutive"
    );
    for id in &ids {
        assert_eq!(RecordId::parse(id.as_str()).as_ref(), Some(id));
    }
}

/// A claim as stored, with fields from the input, reads back and writes the same item.
fn stored_claim(data: &[u8], key: coffer_core::store::Key) {
    let text = String::from_utf8_lossy(data);
    let lease = i64::from(data.first().copied().unwrap_or(0)) * 1_000_000;
    let item = Item::new(key)
        .with_version(u64::from(data.get(1).copied().unwrap_or(1)))
        .with_expiry(lease + 86_400)
        .with_attr("body_digest", text.as_ref())
        .with_attr(
            "first_record",
            Ulid::from_parts(lease as u64, 7).to_string(),
        )
        .with_attr(
            "lease_until",
            if data.get(2).is_some_and(|b| b & 1 == 1) {
                text.to_string()
            } else {
                "2026-11-30T10:00:00Z".to_owned()
            },
        )
        .with_attr("reply", json!({"ids": [text.as_ref()]}).to_string());
    let Ok(claim) = IdempotencyClaim::from_item(&item) else {
        return;
    };
    let again = IdempotencyClaim::from_item(&claim.to_item())
        .unwrap_or_else(|e| panic!("a claim written does not read back: {e:?}"));
    assert_eq!(again, claim);
}
