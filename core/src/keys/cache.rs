//! Plaintext data keys cached in memory, so a warm function calls the key service about once per
//! key per few minutes rather than once per record.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::{EncryptionContext, GeneratedKey, KeyError, KeyRing, KeyRingStats, WrappedKey};
use crate::clock::Clock;
use crate::crypto::DataKey;

/// At most this many keys are held; the oldest goes first.
const MAX_ENTRIES: usize = 4096;

/// A [`KeyRing`] that remembers unwrapped keys for `max_age` and `max_uses`.
#[derive(Debug)]
pub struct DataKeyCache {
    ring: Arc<dyn KeyRing>,
    clock: Arc<dyn Clock>,
    max_age: Duration,
    max_uses: u64,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
    /// Unwraps answered from memory.
    hits: AtomicU64,
    /// Calls that reached the key ring (generates and unwrap misses): what KMS bills.
    ring_calls: AtomicU64,
}

#[derive(Debug)]
struct Entry {
    key: DataKey,
    created: i64,
    uses: u64,
}

impl DataKeyCache {
    pub fn new(
        ring: Arc<dyn KeyRing>,
        clock: Arc<dyn Clock>,
        max_age: Duration,
        max_uses: u64,
    ) -> Self {
        Self {
            ring,
            clock,
            max_age,
            max_uses,
            entries: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            ring_calls: AtomicU64::new(0),
        }
    }

    /// Counts a call that reaches the key ring, and logs it with the totals so far: ring calls
    /// are rare (one per key per cache period when warm), so each is worth a line.
    fn count_ring_call(&self, operation: &'static str) {
        let ring_calls = self.ring_calls.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::info!(
            operation,
            ring_calls,
            cache_hits = self.hits.load(Ordering::Relaxed),
            "key ring call"
        );
    }

    /// The key ring behind the cache.
    pub fn inner(&self) -> &Arc<dyn KeyRing> {
        &self.ring
    }

    /// How many keys are cached now.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn age_limit(&self) -> i64 {
        i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX)
    }

    fn lookup(&self, id: &[u8; 32]) -> Option<DataKey> {
        let now = self.clock.unix();
        let mut entries = self.entries.lock().ok()?;
        let entry = entries.get_mut(id)?;
        if now - entry.created >= self.age_limit() || entry.uses >= self.max_uses {
            entries.remove(id);
            return None;
        }
        entry.uses += 1;
        Some(entry.key.clone())
    }

    fn remember(&self, id: [u8; 32], key: &DataKey) {
        let now = self.clock.unix();
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES {
            let limit = self.age_limit();
            entries.retain(|_, e| now - e.created < limit);
            if entries.len() >= MAX_ENTRIES
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.created)
                    .map(|(k, _)| *k)
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            id,
            Entry {
                key: key.clone(),
                created: now,
                uses: 1,
            },
        );
    }
}

/// The cache's key for a wrapped key under a context.
fn entry_id(wrapped: &WrappedKey, context: &EncryptionContext) -> [u8; 32] {
    let mut encoded = (wrapped.0.len() as u64).to_be_bytes().to_vec();
    encoded.extend_from_slice(&wrapped.0);
    super::encode_context(context, &mut encoded);
    Sha256::digest(&encoded).into()
}

#[async_trait]
impl KeyRing for DataKeyCache {
    async fn generate_data_key(
        &self,
        context: &EncryptionContext,
    ) -> Result<GeneratedKey, KeyError> {
        self.count_ring_call("generate");
        let generated = self.ring.generate_data_key(context).await?;
        self.remember(entry_id(&generated.wrapped, context), &generated.plaintext);
        Ok(generated)
    }

    async fn unwrap_data_key(
        &self,
        wrapped: &WrappedKey,
        context: &EncryptionContext,
    ) -> Result<DataKey, KeyError> {
        let id = entry_id(wrapped, context);
        if let Some(key) = self.lookup(&id) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(key);
        }
        self.count_ring_call("unwrap");
        let key = self.ring.unwrap_data_key(wrapped, context).await?;
        self.remember(id, &key);
        Ok(key)
    }

    async fn ping(&self) -> Result<(), KeyError> {
        self.ring.ping().await
    }

    fn stats(&self) -> Option<KeyRingStats> {
        Some(KeyRingStats {
            ring_calls: self.ring_calls.load(Ordering::Relaxed),
            cache_hits: self.hits.load(Ordering::Relaxed),
        })
    }
}
