//! The per-message key and key commitment of envelope v2, derived as the AWS Encryption SDK's
//! message format v2 does: HKDF-SHA512, extracted with the random message id as salt from the
//! data key, expanded under a label naming the format.
//!
//! One 64-byte expansion gives both halves (the message key, then the commitment): HKDF's output
//! blocks are independent under the PRF assumption, so this is the two derivations of the SDK
//! (`DERIVEKEY`, `COMMITKEY`) for the price of one HMAC. Finding two data keys with the same
//! commitment for one message id is a 256-bit collision of HMAC-SHA512's output, which is what
//! makes a v2 ciphertext open under exactly one key.

use aws_lc_rs::hkdf::{HKDF_SHA512, KeyType, Salt};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{CryptoError, DataKey};

/// Length of the random message id (the HKDF salt).
pub const MESSAGE_ID_LEN: usize = 32;
/// Length of the key commitment stored in the header.
pub const COMMITMENT_LEN: usize = 32;

/// Names the format in the derivation, so no other use of a data key derives the same bytes.
const LABEL: &[u8] = b"coffer envelope v2: message key | commitment";

/// What one message's derivation yields.
pub struct MessageKey {
    pub key: DataKey,
    pub commitment: [u8; COMMITMENT_LEN],
}

struct Len64;

impl KeyType for Len64 {
    fn len(&self) -> usize {
        DataKey::LEN + COMMITMENT_LEN
    }
}

impl MessageKey {
    /// Derives the message key and commitment of `message_id` under `data_key`.
    pub fn derive(
        data_key: &DataKey,
        message_id: &[u8; MESSAGE_ID_LEN],
    ) -> Result<Self, CryptoError> {
        let prk = Salt::new(HKDF_SHA512, message_id).extract(data_key.expose());
        let mut okm = Zeroizing::new([0u8; DataKey::LEN + COMMITMENT_LEN]);
        prk.expand(&[LABEL], Len64)
            .and_then(|okm_source| okm_source.fill(okm.as_mut()))
            .map_err(|_| CryptoError::Encrypt)?;
        let (key, commitment) = okm.split_at(DataKey::LEN);
        let mut out = [0u8; COMMITMENT_LEN];
        out.copy_from_slice(commitment);
        Ok(Self {
            key: DataKey::from_slice(key)?,
            commitment: out,
        })
    }

    /// Whether `stored` is this key's commitment, compared in constant time.
    pub fn commits_to(&self, stored: &[u8]) -> bool {
        self.commitment.ct_eq(stored).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_derivation_is_deterministic_and_separates_keys_and_messages() {
        let k1 = DataKey::from_slice(&[1; 32]).unwrap();
        let k2 = DataKey::from_slice(&[2; 32]).unwrap();
        let a = MessageKey::derive(&k1, &[9; 32]).unwrap();
        let again = MessageKey::derive(&k1, &[9; 32]).unwrap();
        assert_eq!(a.key, again.key);
        assert!(a.commits_to(&again.commitment));
        let other_key = MessageKey::derive(&k2, &[9; 32]).unwrap();
        let other_message = MessageKey::derive(&k1, &[8; 32]).unwrap();
        assert!(!a.commits_to(&other_key.commitment));
        assert!(!a.commits_to(&other_message.commitment));
        assert_ne!(a.key, other_key.key);
        assert_ne!(a.key, other_message.key);
        assert_ne!(&a.key.expose()[..], &a.commitment[..], "the halves differ");
    }

    #[test]
    fn a_commitment_of_the_wrong_length_never_matches() {
        let k = MessageKey::derive(&DataKey::from_slice(&[1; 32]).unwrap(), &[0; 32]).unwrap();
        assert!(!k.commits_to(&k.commitment[..31]));
        assert!(!k.commits_to(&[]));
    }
}
