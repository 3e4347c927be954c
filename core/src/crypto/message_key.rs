//! The per-message key and key commitment of envelope v2, derived as the AWS Encryption SDK's
//! message format v2 does, from the data key and a random message id through HKDF: here
//! HKDF-SHA256 (SHA extensions make it four times cheaper than SHA-512 on the machines Coffer
//! runs on), expanding straight from the data key with the message id in the info. RFC 5869
//! §3.3 allows skipping the extract step when the input is already a uniformly random key, which
//! a data key from the key ring is.
//!
//! One 64-byte expansion gives both halves (the message key, then the commitment): HKDF's output
//! blocks are independent under the PRF assumption, so this is the two labelled derivations of
//! the SDK for the price of one. Finding two data keys with the same commitment for one message
//! id is a collision of HMAC-SHA256, which is what makes a v2 ciphertext open under exactly one
//! key.

use hkdf::Hkdf;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{CryptoError, DataKey};

/// Length of the random message id.
pub const MESSAGE_ID_LEN: usize = 32;
/// Length of the key commitment stored in the header.
pub const COMMITMENT_LEN: usize = 32;

/// Names the format in the derivation, so no other use of a data key derives the same bytes.
/// Short, so that label, message id and counter fit one SHA-256 block.
const LABEL: &[u8] = b"coffer env v2";

/// What one message's derivation yields.
pub struct MessageKey {
    pub key: DataKey,
    pub commitment: [u8; COMMITMENT_LEN],
}

impl MessageKey {
    /// Derives the message key and commitment of `message_id` under `data_key`.
    pub fn derive(
        data_key: &DataKey,
        message_id: &[u8; MESSAGE_ID_LEN],
    ) -> Result<Self, CryptoError> {
        let hkdf = Hkdf::<Sha256>::from_prk(data_key.expose()).map_err(|_| CryptoError::Encrypt)?;
        let mut info = [0u8; LABEL.len() + MESSAGE_ID_LEN];
        info[..LABEL.len()].copy_from_slice(LABEL);
        info[LABEL.len()..].copy_from_slice(message_id);
        let mut okm = Zeroizing::new([0u8; DataKey::LEN + COMMITMENT_LEN]);
        hkdf.expand(&info, okm.as_mut())
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
    fn the_derivation_is_hkdf_sha256_expand_from_the_data_key() {
        // RFC 5869's HKDF-Expand computed by hand with HMAC-SHA256, as a second implementation.
        use hmac::{Hmac, Mac};
        let dk = DataKey::from_slice(&[5; 32]).unwrap();
        let id = [6u8; MESSAGE_ID_LEN];
        let info = [LABEL, &id[..]].concat();
        let block = |previous: &[u8], counter: u8| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(dk.expose()).unwrap();
            mac.update(previous);
            mac.update(&info);
            mac.update(&[counter]);
            mac.finalize().into_bytes()
        };
        let t1 = block(&[], 1);
        let t2 = block(&t1, 2);
        let derived = MessageKey::derive(&dk, &id).unwrap();
        assert_eq!(&derived.key.expose()[..], &t1[..]);
        assert_eq!(&derived.commitment[..], &t2[..]);
    }

    #[test]
    fn a_commitment_of_the_wrong_length_never_matches() {
        let k = MessageKey::derive(&DataKey::from_slice(&[1; 32]).unwrap(), &[0; 32]).unwrap();
        assert!(!k.commits_to(&k.commitment[..31]));
        assert!(!k.commits_to(&[]));
    }
}
