//! Blind indexes: HMAC-SHA256 of a field's value under an index key derived (HKDF-SHA256) from
//! the dataset's data key for one field, so an index says nothing to whoever lacks the key, and
//! two fields (or datasets, or key versions) never share an index.
//!
//! `tokenize` indexes are truncated on purpose: with R records expected and b bits kept, a
//! lookup meets C = R / 2^b false candidates. CipherSweet's rule (and the AWS Database
//! Encryption SDK's beacon guidance) keeps 2 <= C <= sqrt(R): enough collisions that equal
//! indexes prove nothing, few enough that a search stays cheap. We take the middle of that
//! range in bits. `plain` fields are in clear already and keep 64 bits.

use std::borrow::Cow;

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::crypto::DataKey;
use crate::ids::DatasetId;

/// Bits kept of a plain field's index.
pub const PLAIN_INDEX_BITS: u8 = 64;

/// The bits a tokenize index keeps for a dataset expecting `expected_records` records.
pub fn index_bits(expected_records: u64) -> u8 {
    let log2 = (expected_records.max(2) as f64).log2();
    // C <= sqrt(R)  <=>  b >= log2(R) / 2;   C >= 2  <=>  b <= log2(R) - 1.
    let fewest = (log2 / 2.0).ceil();
    let most = (log2 - 1.0).floor().max(fewest);
    (((fewest + most) / 2.0).floor() as u8).clamp(1, 32)
}

/// One field's index key (of one key version of one dataset).
pub struct IndexKey(Zeroizing<[u8; 32]>);

impl IndexKey {
    /// Derives the key of `field` of `dataset` from that version's data key.
    pub fn derive(data_key: &DataKey, dataset: &DatasetId, field: &str) -> Self {
        let mut info = Vec::with_capacity(64);
        info.extend_from_slice(b"coffer blind index v1\0");
        info.extend_from_slice(dataset.as_str().as_bytes());
        info.push(0);
        info.extend_from_slice(field.as_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        // A 32-byte uniformly random key is a valid PRK (RFC 5869 §3.3), and 32 bytes of
        // output is far below HKDF's limit: neither call can fail.
        if let Ok(hkdf) = Hkdf::<Sha256>::from_prk(data_key.expose()) {
            let _ = hkdf.expand(&info, out.as_mut_slice());
        }
        Self(out)
    }

    /// The index of `value`, keeping `bits` bits, as fixed-width lower-case hex.
    pub fn index(&self, value: &[u8], bits: u8) -> String {
        let bits = bits.clamp(1, 64);
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.0.as_slice()) else {
            return String::new();
        };
        mac.update(value);
        let digest = mac.finalize().into_bytes();
        let mut head = [0u8; 8];
        head.copy_from_slice(&digest[..8]);
        let kept = u64::from_be_bytes(head) >> (64 - u32::from(bits));
        let width = usize::from(bits).div_ceil(4);
        format!("{kept:0width$x}")
    }
}

/// The bytes a value is indexed and compared as: a string's own bytes, anything else its JSON
/// text. A search's `value` is a string, so `42` finds the number 42 and the string "42".
pub fn canonical(value: &Value) -> Cow<'_, [u8]> {
    match value {
        Value::String(s) => Cow::Borrowed(s.as_bytes()),
        other => Cow::Owned(serde_json::to_vec(other).unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::OffsetDateTime;

    fn key(byte: u8) -> DataKey {
        DataKey::from_slice(&[byte; 32]).unwrap()
    }

    #[test]
    fn the_truncation_keeps_false_matches_between_two_and_the_square_root_of_r() {
        for r in [
            100u64,
            1_000,
            10_000,
            1_000_000,
            100_000_000,
            10_000_000_000,
        ] {
            let bits = index_bits(r);
            let c = r as f64 / 2f64.powi(i32::from(bits));
            assert!(c >= 2.0 && c <= (r as f64).sqrt(), "R={r}: b={bits}, C={c}");
        }
        assert_eq!(index_bits(1_000_000), 14);
    }

    #[test]
    fn indexes_differ_by_field_dataset_and_key_and_have_a_fixed_width() {
        let now = OffsetDateTime::now_utc();
        let (a, b) = (
            DatasetId::generate(now).unwrap(),
            DatasetId::generate(now).unwrap(),
        );
        let value = b"alice@example.com";
        let base = IndexKey::derive(&key(1), &a, "email").index(value, 64);
        assert_eq!(base.len(), 16);
        assert_eq!(
            base,
            IndexKey::derive(&key(1), &a, "email").index(value, 64)
        );
        assert_ne!(
            base,
            IndexKey::derive(&key(1), &a, "phone").index(value, 64)
        );
        assert_ne!(
            base,
            IndexKey::derive(&key(1), &b, "email").index(value, 64)
        );
        assert_ne!(
            base,
            IndexKey::derive(&key(2), &a, "email").index(value, 64)
        );
        assert_eq!(
            IndexKey::derive(&key(1), &a, "email")
                .index(value, 14)
                .len(),
            4
        );
    }

    #[test]
    fn strings_index_as_their_text_and_other_values_as_json() {
        assert_eq!(&*canonical(&Value::from("42")), b"42");
        assert_eq!(&*canonical(&Value::from(42)), b"42");
        assert_eq!(&*canonical(&serde_json::json!({"a": 1})), br#"{"a":1}"#);
    }

    proptest! {
        #[test]
        fn a_truncated_index_is_a_prefix_of_the_full_one_in_bits(value in proptest::collection::vec(any::<u8>(), 0..64), bits in 1u8..=64) {
            let now = OffsetDateTime::now_utc();
            let dataset = DatasetId::generate(now).unwrap();
            let index_key = IndexKey::derive(&key(3), &dataset, "f");
            let full = u64::from_str_radix(&index_key.index(&value, 64), 16).unwrap();
            let short = u64::from_str_radix(&index_key.index(&value, bits), 16).unwrap();
            prop_assert_eq!(short, full >> (64 - u32::from(bits)));
        }
    }
}
