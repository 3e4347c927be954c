//! Envelope v2, key-committing:
//!
//! ```text
//! version (1 = 2) | key_ref length (u16) | key_ref | message id (32) | commitment (32) | ciphertext | tag (16)
//! ```
//! A random message id and the data key give, through HKDF ([`MessageKey`]), a key for this
//! message alone and a commitment to the data key. Opening derives both again and compares the
//! commitment in constant time before AES-GCM runs, so a ciphertext opens under exactly one data
//! key (no "invisible salamanders"). As each message key seals one message, the GCM nonce is a
//! constant (zero), as the AWS Encryption SDK does per frame. The header, commitment included,
//! is the AEAD's associated data, before the caller's.

use super::{PREFIX_LEN, Prefix, SealedBody, fit, full_aad};
use crate::crypto::message_key::{COMMITMENT_LEN, MESSAGE_ID_LEN, MessageKey};
use crate::crypto::{Aead256, CryptoError, DataKey, NONCE_LEN, TAG_LEN};

pub const VERSION: u8 = 2;
/// Each message key seals exactly one message, so one nonce serves all.
const NONCE: [u8; NONCE_LEN] = [0; NONCE_LEN];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeV2<'a> {
    key_ref: &'a [u8],
    message_id: [u8; MESSAGE_ID_LEN],
    commitment: &'a [u8],
    sealed: SealedBody<'a>,
}

impl<'a> EnvelopeV2<'a> {
    pub(super) fn seal_into(
        aead: &dyn Aead256,
        key: &DataKey,
        key_ref: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        message_id: [u8; MESSAGE_ID_LEN],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let derived = MessageKey::derive(key, &message_id)?;
        let prefix_end = PREFIX_LEN + key_ref.len();
        let header_len = prefix_end + MESSAGE_ID_LEN + COMMITMENT_LEN;
        fit(out, header_len + plaintext.len() + TAG_LEN);
        Prefix::write(VERSION, key_ref, out)?;
        out[prefix_end..prefix_end + MESSAGE_ID_LEN].copy_from_slice(&message_id);
        out[prefix_end + MESSAGE_ID_LEN..header_len].copy_from_slice(&derived.commitment);
        let (header, body) = out.split_at_mut(header_len);
        aead.seal_into(
            &derived.key,
            &NONCE,
            &full_aad(header, aad),
            plaintext,
            body,
        )
    }

    pub(super) fn parse(bytes: &'a [u8], prefix: Prefix<'a>) -> Result<Self, CryptoError> {
        let commitment_at = prefix.end + MESSAGE_ID_LEN;
        let header_len = commitment_at + COMMITMENT_LEN;
        let message_id: [u8; MESSAGE_ID_LEN] = bytes
            .get(prefix.end..commitment_at)
            .and_then(|id| id.try_into().ok())
            .ok_or(CryptoError::Malformed)?;
        let commitment = bytes
            .get(commitment_at..header_len)
            .ok_or(CryptoError::Malformed)?;
        Ok(Self {
            key_ref: prefix.key_ref,
            message_id,
            commitment,
            sealed: SealedBody::new(&bytes[..header_len], &bytes[header_len..])?,
        })
    }

    pub fn key_ref(&self) -> &'a [u8] {
        self.key_ref
    }

    /// The message id (public: it is in the header).
    pub fn message_id(&self) -> [u8; MESSAGE_ID_LEN] {
        self.message_id
    }

    pub(super) fn open_into(
        &self,
        aead: &dyn Aead256,
        key: &DataKey,
        aad: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let derived = MessageKey::derive(key, &self.message_id)?;
        if !derived.commits_to(self.commitment) {
            return Err(CryptoError::Decrypt);
        }
        self.sealed.open_into(aead, &derived.key, &NONCE, aad, out)
    }
}
