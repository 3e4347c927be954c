//! AES-256-GCM behind one small trait, so the envelope format does not depend on the library.
//!
//! `AwsLcGcm` (aws-lc-rs, already linked by the AWS SDK's TLS stack) is the one Coffer uses: it
//! runs at OpenSSL's speed, about twice the pure-Rust `aes-gcm` crate at 1 MiB. `RustCryptoGcm`
//! stays as a second, independent implementation that the tests check against.

use super::{CryptoError, DataKey};

pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

/// An AES-256-GCM implementation. Out-of-place in both directions, so the envelope never copies
/// a payload before encrypting or decrypting it.
pub trait Aead256: Send + Sync + std::fmt::Debug {
    /// Encrypts `plaintext` into `out`, which must be exactly `plaintext.len() + TAG_LEN` long
    /// (the ciphertext, then the tag).
    fn seal_into(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError>;

    /// Decrypts `ciphertext_and_tag` into `out`, which must be exactly `TAG_LEN` shorter; any
    /// failure is [`CryptoError::Decrypt`] and leaves `out` meaningless.
    fn open_into(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError>;
}

/// Splits `ciphertext || tag`, checking `out` has room for the plaintext.
fn split_tag<'a>(
    ciphertext_and_tag: &'a [u8],
    out: &[u8],
) -> Result<(&'a [u8], &'a [u8]), CryptoError> {
    let split = ciphertext_and_tag
        .len()
        .checked_sub(TAG_LEN)
        .filter(|len| *len == out.len())
        .ok_or(CryptoError::Decrypt)?;
    Ok(ciphertext_and_tag.split_at(split))
}

/// AES-256-GCM from aws-lc-rs.
#[derive(Debug, Default, Clone, Copy)]
pub struct AwsLcGcm;

impl AwsLcGcm {
    fn key(key: &DataKey) -> Result<aws_lc_rs::aead::LessSafeKey, CryptoError> {
        let unbound = aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, key.expose())
            .map_err(|_| CryptoError::KeyLength(DataKey::LEN))?;
        Ok(aws_lc_rs::aead::LessSafeKey::new(unbound))
    }
}

impl Aead256 for AwsLcGcm {
    fn seal_into(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        use aws_lc_rs::aead::{Aad, Nonce};
        if out.len() != plaintext.len() + TAG_LEN {
            return Err(CryptoError::Encrypt);
        }
        // Scatter: `plaintext` encrypted straight into `out`, tag after it — no copy, and measured
        // faster in aws-lc than copying and sealing in place.
        Self::key(key)?
            .seal_in_place_scatter(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                &mut [],
                plaintext,
                out,
            )
            .map_err(|_| CryptoError::Encrypt)
    }

    fn open_into(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        use aws_lc_rs::aead::{Aad, Nonce};
        let (ciphertext, tag) = split_tag(ciphertext_and_tag, out)?;
        Self::key(key)?
            .open_separate_gather(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                ciphertext,
                tag,
                out,
            )
            .map_err(|_| CryptoError::Decrypt)
    }
}

/// AES-256-GCM from the RustCrypto `aes-gcm` crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct RustCryptoGcm;

impl RustCryptoGcm {
    fn cipher(key: &DataKey) -> Result<aes_gcm::Aes256Gcm, CryptoError> {
        use aes_gcm::KeyInit;
        aes_gcm::Aes256Gcm::new_from_slice(key.expose())
            .map_err(|_| CryptoError::KeyLength(DataKey::LEN))
    }
}

impl Aead256 for RustCryptoGcm {
    fn seal_into(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        use aes_gcm::Nonce;
        use aes_gcm::aead::AeadInPlace;
        if out.len() != plaintext.len() + TAG_LEN {
            return Err(CryptoError::Encrypt);
        }
        let (body, tag_out) = out.split_at_mut(plaintext.len());
        body.copy_from_slice(plaintext);
        let tag = Self::cipher(key)?
            .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, body)
            .map_err(|_| CryptoError::Encrypt)?;
        tag_out.copy_from_slice(&tag);
        Ok(())
    }

    fn open_into(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        use aes_gcm::aead::AeadInPlace;
        use aes_gcm::{Nonce, Tag};
        let (ciphertext, tag) = split_tag(ciphertext_and_tag, out)?;
        out.copy_from_slice(ciphertext);
        Self::cipher(key)?
            .decrypt_in_place_detached(Nonce::from_slice(nonce), aad, out, Tag::from_slice(tag))
            .map_err(|_| CryptoError::Decrypt)
    }
}
