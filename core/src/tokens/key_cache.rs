//! This process's copy of the published signing keys: public keys parsed once (so a
//! verification never re-parses one), read again every few minutes so rotations are seen, and
//! at once (at most every few seconds) when a token names a kid the copy does not hold.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use ed25519_dalek::VerifyingKey;

use super::TokenError;
use super::signing_keys::{SigningKeyRecord, SigningKeyStore};

/// How often the copy is read again. The rotation lead must be longer (a new key must be known
/// everywhere before it signs); the default lead is an hour.
pub const RELOAD_EVERY: Duration = Duration::from_secs(300);

/// The least time between reads caused by unknown kids, so that tokens naming made-up kids
/// cannot turn into table reads.
const MISS_RELOAD_EVERY: Duration = Duration::from_secs(5);

/// The same while no key is published yet.
const EMPTY_RELOAD_EVERY: Duration = Duration::from_millis(200);

/// The published keys at one moment.
#[derive(Debug)]
pub struct PublishedKeys {
    pub records: Vec<SigningKeyRecord>,
    by_kid: HashMap<String, VerifyingKey>,
    read_at: Instant,
}

impl PublishedKeys {
    fn new(records: Vec<SigningKeyRecord>) -> Self {
        let by_kid = records
            .iter()
            .map(|record| (record.kid.clone(), record.public))
            .collect();
        Self {
            records,
            by_kid,
            read_at: Instant::now(),
        }
    }

    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.by_kid.get(kid)
    }
}

#[derive(Debug)]
pub struct KeyCache {
    store: SigningKeyStore,
    current: RwLock<Option<Arc<PublishedKeys>>>,
    reading: tokio::sync::Mutex<()>,
}

impl KeyCache {
    pub fn new(store: SigningKeyStore) -> Self {
        Self {
            store,
            current: RwLock::new(None),
            reading: tokio::sync::Mutex::new(()),
        }
    }

    pub fn store(&self) -> &SigningKeyStore {
        &self.store
    }

    /// The published keys, read first if never read or older than [`RELOAD_EVERY`].
    pub async fn keys(&self) -> Result<Arc<PublishedKeys>, TokenError> {
        match self.held() {
            Some(keys) if keys.read_at.elapsed() < RELOAD_EVERY => Ok(keys),
            _ => self.read(RELOAD_EVERY).await,
        }
    }

    /// The public key named `kid`, reading the keys again if it is unknown and the last read is
    /// older than a few seconds.
    pub async fn verifying_key(&self, kid: &str) -> Result<Option<VerifyingKey>, TokenError> {
        let keys = self.keys().await?;
        if let Some(key) = keys.get(kid) {
            return Ok(Some(*key));
        }
        // Before the first key exists no token is valid, so a kid seen then is most likely
        // the first key, just made by another process: look again sooner.
        let wait = if keys.records.is_empty() {
            EMPTY_RELOAD_EVERY
        } else {
            MISS_RELOAD_EVERY
        };
        if keys.read_at.elapsed() < wait {
            return Ok(None);
        }
        Ok(self.read(wait).await?.get(kid).copied())
    }

    /// Reads the keys now (after this process rotated or created one).
    pub async fn refresh(&self) -> Result<Arc<PublishedKeys>, TokenError> {
        self.read(Duration::ZERO).await
    }

    fn held(&self) -> Option<Arc<PublishedKeys>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// One reader at a time; whoever waited uses the copy just read if it is younger than
    /// `max_age`.
    async fn read(&self, max_age: Duration) -> Result<Arc<PublishedKeys>, TokenError> {
        let _reading = self.reading.lock().await;
        if let Some(keys) = self.held().filter(|k| k.read_at.elapsed() < max_age) {
            return Ok(keys);
        }
        let keys = Arc::new(PublishedKeys::new(self.store.load().await?));
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(keys.clone());
        Ok(keys)
    }
}
