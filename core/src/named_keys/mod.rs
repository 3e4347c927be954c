//! Encryption as a service: an org's named keys, each a series of versions whose data keys the
//! key ring generates under the master key (KMS on AWS), and encrypt, decrypt and rewrap with
//! them, one item or a batch of up to 1000 (API.md, "Encryption as a service").
//!
//! Rules worth knowing:
//! - Ciphertexts are envelope v2 (key-committing) in the text form `coffer:v<version>:<base64>`;
//!   the envelope names the key and version, and the caller's context is its associated data.
//! - A version opens only between the key's `oldest_version` (older ones were trimmed, deleted
//!   for good) and its newest, and not below `min_decryption_version` (retired). The key's item
//!   is read on every use, so a retirement holds from the next request on.
//! - A key's item stays small whatever its history: versions are items of their own, at most
//!   [`MAX_LIVE_VERSIONS`] at once, and trimming deletes them.
//! - Managing keys is audited; so is every decrypt and rewrap (never a value).
//!
//! Keys: `schema::named_key` (with the org's index in `gsi1`), `schema::named_key_version`,
//! `schema::named_key_name`.

pub mod ciphertext;
mod error;
mod key;
mod service;
mod version;

pub use error::{ItemError, NamedKeyError};
pub use key::{MAX_LIVE_VERSIONS, NamedKey, VersionRefusal};
pub use service::{DecryptInput, EncryptInput, KeyPatch, MAX_BATCH, NamedKeysService, Sealed};
pub use version::{PURPOSE, data_key_context, key_ref};
