//! Envelope v1, read-only since v2:
//!
//! ```text
//! version (1) | key_ref length (u16) | key_ref | nonce (12) | ciphertext | tag (16)
//! ```
//! AES-256-GCM straight under the data key, with a random nonce. It is not key-committing (a
//! crafted ciphertext can open under two keys), which is why new writes are v2; stored v1
//! ciphertexts still open.

use super::{Prefix, SealedBody};
use crate::crypto::{Aead256, CryptoError, DataKey, NONCE_LEN};

pub const VERSION: u8 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeV1<'a> {
    key_ref: &'a [u8],
    nonce: [u8; NONCE_LEN],
    sealed: SealedBody<'a>,
}

impl<'a> EnvelopeV1<'a> {
    pub(super) fn parse(bytes: &'a [u8], prefix: Prefix<'a>) -> Result<Self, CryptoError> {
        let body = prefix.end + NONCE_LEN;
        let nonce: [u8; NONCE_LEN] = bytes
            .get(prefix.end..body)
            .and_then(|n| n.try_into().ok())
            .ok_or(CryptoError::Malformed)?;
        Ok(Self {
            key_ref: prefix.key_ref,
            nonce,
            // The nonce is not associated data: v1 binds the prefix only.
            sealed: SealedBody::new(&bytes[..prefix.end], &bytes[body..])?,
        })
    }

    pub fn key_ref(&self) -> &'a [u8] {
        self.key_ref
    }

    pub(super) fn open_into(
        &self,
        aead: &dyn Aead256,
        key: &DataKey,
        aad: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        self.sealed.open_into(aead, key, &self.nonce, aad, out)
    }

    /// Writes a v1 envelope, as Coffer did before v2: only tests make them now.
    #[cfg(test)]
    pub(super) fn seal(
        key: &DataKey,
        key_ref: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let nonce = crate::crypto::random::bytes::<NONCE_LEN>()?;
        Self::seal_with_nonce(key, key_ref, &nonce, aad, plaintext)
    }

    /// [`Self::seal`] with a chosen nonce, for tests that craft ciphertexts.
    #[cfg(test)]
    pub(super) fn seal_with_nonce(
        key: &DataKey,
        key_ref: &[u8],
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let mut out = vec![
            0u8;
            super::PREFIX_LEN
                + key_ref.len()
                + NONCE_LEN
                + plaintext.len()
                + crate::crypto::TAG_LEN
        ];
        let header_len = Prefix::write(VERSION, key_ref, &mut out)?;
        out[header_len..header_len + NONCE_LEN].copy_from_slice(nonce);
        let (header, rest) = out.split_at_mut(header_len);
        let full_aad = super::full_aad(header, aad);
        crate::crypto::AwsLcGcm.seal_into(
            key,
            nonce,
            &full_aad,
            plaintext,
            &mut rest[NONCE_LEN..],
        )?;
        Ok(out)
    }
}
