//! Idempotency keys of record writes. A key is claimed (a conditional put) before anything is
//! written, with the digest of the request body and the record ids the request will use
//! (consecutive ULIDs): a retry with the same body gets the first reply once it is stored, or —
//! if the first attempt died — takes the claim over after its lease and writes the same ids, so
//! records the first attempt wrote are found, not duplicated. The same key with another body is
//! refused. Claims expire after `COFFER_IDEMPOTENCY_TTL_SECONDS`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use ulid::Ulid;

use crate::ids::{DatasetId, RecordId};
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, Key, schema};

/// Longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// A key as a client sent it: 1 to 255 printable ASCII characters.
pub fn check_key(raw: &str) -> bool {
    !raw.is_empty() && raw.len() <= MAX_IDEMPOTENCY_KEY && raw.bytes().all(|b| b.is_ascii_graphic())
}

/// Where the claim of `actor`'s `key` on `dataset` lives: keys are the caller's own, so two
/// callers never share (or see) one another's.
pub fn claim_key(dataset: &DatasetId, actor: &str, key: &str) -> Key {
    let mut hash = Sha256::new();
    for part in [actor, key] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    schema::idempotency_key(dataset, &URL_SAFE_NO_PAD.encode(hash.finalize()))
}

/// The digest a claim compares request bodies by.
pub fn body_digest(body: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(body))
}

/// `count` consecutive record ids from `first`.
pub fn reserved_ids(first: Ulid, count: usize) -> Option<Vec<RecordId>> {
    let mut ids = Vec::with_capacity(count);
    let mut next = first;
    for i in 0..count {
        if i > 0 {
            next = next.increment()?;
        }
        ids.push(RecordId::parse(&format!(
            "{}{}",
            RecordId::PREFIX,
            next.to_string().to_lowercase()
        ))?);
    }
    Some(ids)
}

/// A claim as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyClaim {
    pub key: Key,
    pub body_digest: String,
    /// The first of the request's record ids.
    pub first_record: Ulid,
    /// The reply, once the request is done.
    pub reply: Option<Value>,
    /// Until when the attempt that holds the claim may still be running.
    pub lease_until: OffsetDateTime,
    pub expires_at: i64,
    pub revision: u64,
}

impl IdempotencyClaim {
    pub fn to_item(&self) -> Item {
        let mut item = Item::new(self.key.clone())
            .with_version(self.revision)
            .with_expiry(self.expires_at)
            .with_attr("body_digest", self.body_digest.as_str())
            .with_attr("first_record", self.first_record.to_string())
            .with_attr("lease_until", rfc3339(self.lease_until));
        if let Some(reply) = &self.reply {
            item = item.with_attr("reply", reply.to_string());
        }
        item
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            key: item.key.clone(),
            body_digest: attrs::text(item, "body_digest")?.to_owned(),
            first_record: attrs::parsed(item, "first_record", |raw| Ulid::from_string(raw).ok())?,
            reply: item
                .attrs
                .get("reply")
                .and_then(Value::as_str)
                .map(|raw| serde_json::from_str(raw).map_err(|_| BadAttribute("reply")))
                .transpose()?,
            lease_until: attrs::time(item, "lease_until")?,
            expires_at: item.expires_at.ok_or(BadAttribute("expires_at"))?,
            revision: item.version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_ids_are_consecutive_and_parse_back() {
        let first = Ulid::from_parts(1_700_000_000_000, 41);
        let ids = reserved_ids(first, 3).unwrap();
        assert_eq!(ids.len(), 3);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(reserved_ids(first, 3).unwrap(), ids);
    }

    #[test]
    fn keys_are_printable_ascii_and_bounded() {
        assert!(check_key("order-42/retry"));
        for bad in ["", " x", "é", &"k".repeat(256)] {
            assert!(!check_key(bad), "{bad:?}");
        }
    }

    #[test]
    fn two_callers_with_the_same_key_get_different_claims() {
        let dataset = DatasetId::generate(OffsetDateTime::now_utc()).unwrap();
        assert_ne!(
            claim_key(&dataset, "usr_a", "k1"),
            claim_key(&dataset, "usr_b", "k1")
        );
        assert_eq!(
            claim_key(&dataset, "usr_a", "k1"),
            claim_key(&dataset, "usr_a", "k1")
        );
    }
}
