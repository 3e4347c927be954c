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
    /// One lock per key being unwrapped now: requests that miss the same key together wait for
    /// the first one's call instead of each calling the key ring (a herd at every expiry).
    loading: Mutex<HashMap<[u8; 32], Arc<tokio::sync::Mutex<()>>>>,
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
            loading: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            ring_calls: AtomicU64::new(0),
        }
    }

    /// Counts a call that reaches the key ring, and logs it with the totals so far: ring calls
    /// are rare (one per key per cache period when warm), so each is worth a line.
    fn count_ring_call(&self, operation: &'static str) {
        let ring_calls = self.ring_calls.fetch_add(1, Ordering::Relaxed) + 1;
        crate::telemetry::key_ring_call(operation);
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

impl DataKeyCache {
    /// The lock that serializes fetches of `id` (shared by every request missing it now).
    fn loading_gate(&self, id: [u8; 32]) -> Option<Arc<tokio::sync::Mutex<()>>> {
        let mut loading = self.loading.lock().ok()?;
        Some(Arc::clone(loading.entry(id).or_default()))
    }

    /// Asks the key ring, and remembers the answer.
    async fn fetch(
        &self,
        id: [u8; 32],
        wrapped: &WrappedKey,
        context: &EncryptionContext,
    ) -> Result<DataKey, KeyError> {
        self.count_ring_call("unwrap");
        let key = self.ring.unwrap_data_key(wrapped, context).await?;
        self.remember(id, &key);
        Ok(key)
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
        let Some(gate) = self.loading_gate(id) else {
            return self.fetch(id, wrapped, context).await;
        };
        let _turn = gate.lock().await;
        // Whoever held the gate before may have fetched the key meanwhile.
        let fetched = match self.lookup(&id) {
            Some(key) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Ok(key)
            }
            None => self.fetch(id, wrapped, context).await,
        };
        if let Ok(mut loading) = self.loading.lock() {
            // The last one through takes the gate away.
            if Arc::strong_count(&gate) <= 2 {
                loading.remove(&id);
            }
        }
        fetched
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    /// A ring that hands out one fixed key slowly and counts its unwraps.
    #[derive(Debug, Default)]
    struct SlowRing {
        unwraps: AtomicU64,
    }

    #[async_trait]
    impl KeyRing for SlowRing {
        async fn generate_data_key(
            &self,
            _context: &EncryptionContext,
        ) -> Result<GeneratedKey, KeyError> {
            Err(KeyError::MasterKey("not in this test".into()))
        }

        async fn unwrap_data_key(
            &self,
            _wrapped: &WrappedKey,
            _context: &EncryptionContext,
        ) -> Result<DataKey, KeyError> {
            self.unwraps.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(30)).await;
            Ok(DataKey::from_slice(&[4; 32]).unwrap())
        }

        async fn ping(&self) -> Result<(), KeyError> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn requests_missing_one_key_together_make_one_call_to_the_ring() {
        let ring = Arc::new(SlowRing::default());
        let cache = Arc::new(DataKeyCache::new(
            ring.clone(),
            Arc::new(SystemClock),
            Duration::from_secs(300),
            1_000,
        ));
        let context = EncryptionContext::from([("purpose".to_owned(), "test".to_owned())]);
        let wrapped = WrappedKey(vec![1, 2, 3]);
        let unwraps = (0..50).map(|_| {
            let (cache, context, wrapped) = (cache.clone(), context.clone(), wrapped.clone());
            tokio::spawn(async move { cache.unwrap_data_key(&wrapped, &context).await })
        });
        for unwrap in futures_util::future::join_all(unwraps).await {
            assert_eq!(unwrap.unwrap().unwrap().expose(), &[4; 32]);
        }
        assert_eq!(ring.unwraps.load(Ordering::Relaxed), 1);
        assert_eq!(
            cache.stats(),
            Some(KeyRingStats {
                ring_calls: 1,
                cache_hits: 49
            })
        );
        assert!(
            cache.loading.lock().unwrap().is_empty(),
            "no gate is left behind"
        );
    }

    #[tokio::test]
    async fn a_key_past_its_uses_is_fetched_again_once() {
        let ring = Arc::new(SlowRing::default());
        let cache = DataKeyCache::new(
            ring.clone(),
            Arc::new(SystemClock),
            Duration::from_secs(300),
            3,
        );
        let context = EncryptionContext::new();
        let wrapped = WrappedKey(vec![9]);
        for _ in 0..7 {
            cache.unwrap_data_key(&wrapped, &context).await.unwrap();
        }
        assert_eq!(ring.unwraps.load(Ordering::Relaxed), 3, "uses 1-3, 4-6, 7");
    }
}
