//! The KeyRing port: data keys generated and unwrapped under a master key (KMS on AWS, a local
//! key file embedded), bound to an encryption context.

mod cache;
mod error;
pub mod kms;
pub mod local;
pub mod sealed_seed;
mod wrapped_version;

use std::collections::BTreeMap;

use async_trait::async_trait;

pub use cache::DataKeyCache;
pub use error::KeyError;
pub use sealed_seed::{SealedSeed, SealedSeedError};
pub use wrapped_version::WrappedVersion;

use crate::crypto::DataKey;

/// Names the tenant and purpose a data key serves. Unwrapping needs exactly the same context.
pub type EncryptionContext = BTreeMap<String, String>;

/// Appends `context` in one canonical form (sorted names, each name and value length-prefixed),
/// so no two contexts encode alike. The local key ring binds it as associated data and the
/// data-key cache hashes it into its entry ids.
pub(crate) fn encode_context(context: &EncryptionContext, out: &mut Vec<u8>) {
    for (name, value) in context {
        for part in [name, value] {
            out.extend_from_slice(&(part.len() as u64).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
    }
}

/// A freshly generated data key: its plaintext for use now, its wrapped form for storage.
#[derive(Debug)]
pub struct GeneratedKey {
    pub plaintext: DataKey,
    pub wrapped: WrappedKey,
}

/// A data key as the master key wrapped it; safe to store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WrappedKey(pub Vec<u8>);

/// The key service.
#[async_trait]
pub trait KeyRing: Send + Sync + std::fmt::Debug + 'static {
    /// A new AES-256 data key under the master key, bound to `context`.
    async fn generate_data_key(
        &self,
        context: &EncryptionContext,
    ) -> Result<GeneratedKey, KeyError>;
    /// The plaintext of `wrapped`; fails unless `context` is the one it was generated with.
    async fn unwrap_data_key(
        &self,
        wrapped: &WrappedKey,
        context: &EncryptionContext,
    ) -> Result<DataKey, KeyError>;
    /// Answers when the key service can serve requests (readiness).
    async fn ping(&self) -> Result<(), KeyError>;
    /// How many calls reached the key service and how many a cache answered, for a ring that
    /// counts (the [`DataKeyCache`] in front of every deployment's ring).
    fn stats(&self) -> Option<KeyRingStats> {
        None
    }
}

/// Counts of a cached key ring since the process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyRingStats {
    /// Generates and unwraps that reached the key service (KMS on AWS).
    pub ring_calls: u64,
    /// Unwraps answered from the cache.
    pub cache_hits: u64,
}
