//! AES-256-GCM behind one small trait, so the envelope format does not depend on the library.
//!
//! `AwsLcGcm` (aws-lc-rs, already linked by the AWS SDK's TLS stack) is the one Coffer uses: it
//! runs at OpenSSL's speed, about twice the pure-Rust `aes-gcm` crate at 1 MiB. `RustCryptoGcm`
//! stays as a second, independent implementation that the tests check against.

use super::{CryptoError, DataKey};

pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

/// An AES-256-GCM implementation.
pub trait Aead256: Send + Sync + std::fmt::Debug {
    /// Encrypts `in_out` in place and returns the tag.
    fn seal_detached(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError>;

    /// Decrypts `ciphertext_and_tag`; any failure is [`CryptoError::Decrypt`].
    fn open(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
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
    fn seal_detached(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError> {
        use aws_lc_rs::aead::{Aad, Nonce};
        let tag = Self::key(key)?
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), in_out)
            .map_err(|_| CryptoError::Encrypt)?;
        tag.as_ref().try_into().map_err(|_| CryptoError::Encrypt)
    }

    fn open(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        use aws_lc_rs::aead::{Aad, Nonce};
        let mut buf = ciphertext_and_tag.to_vec();
        let len = Self::key(key)?
            .open_in_place(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), &mut buf)
            .map_err(|_| CryptoError::Decrypt)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

/// AES-256-GCM from the RustCrypto `aes-gcm` crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct RustCryptoGcm;

impl Aead256 for RustCryptoGcm {
    fn seal_detached(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError> {
        use aes_gcm::aead::AeadInPlace;
        use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
        let cipher = Aes256Gcm::new_from_slice(key.expose()).map_err(|_| CryptoError::KeyLength(DataKey::LEN))?;
        let tag = cipher
            .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, in_out)
            .map_err(|_| CryptoError::Encrypt)?;
        Ok(tag.into())
    }

    fn open(
        &self,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        use aes_gcm::aead::AeadInPlace;
        use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};
        let split = ciphertext_and_tag
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(CryptoError::Decrypt)?;
        let (ciphertext, tag) = ciphertext_and_tag.split_at(split);
        let cipher = Aes256Gcm::new_from_slice(key.expose()).map_err(|_| CryptoError::KeyLength(DataKey::LEN))?;
        let mut buf = ciphertext.to_vec();
        cipher
            .decrypt_in_place_detached(Nonce::from_slice(nonce), aad, &mut buf, Tag::from_slice(tag))
            .map_err(|_| CryptoError::Decrypt)?;
        Ok(buf)
    }
}
