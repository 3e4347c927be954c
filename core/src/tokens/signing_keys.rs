//! The token-signing keys in the table. Each is an Ed25519 key whose 32-byte seed is stored only
//! sealed (the envelope format) under a data key from the key ring, bound to the key's `kid`.
//!
//! A key's life: created with `signs_from` in the future (the rotation lead), so verifiers and
//! JWKS caches learn it before any token names it; it signs from then until its successor's
//! `signs_from`; when the successor is made, its `published_until` is set to the successor's
//! start plus the longest access token's life and a margin, so every token it signed verifies
//! until it expires; the item then expires. The `HEAD` item names the newest key and its version
//! makes both the first key and each rotation race-safe: of processes that race, one writes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::{SigningKey, VerifyingKey};
use time::OffsetDateTime;

use super::TokenError;
use crate::audit::{AuditSink, Change, RequestOrigin};
use crate::clock::Clock;
use crate::ids::ulid_at;
use crate::keys::{KeyRing, SealedSeed};
use crate::settings::TokenSettings;
use crate::store::attrs::{self, BadAttribute};
use crate::store::{Condition, Item, Query, Table, schema};

/// Longest an access token lives; a retired key stays published at least this long.
const MAX_ACCESS_TTL: i64 = 86_400;

/// Extra time a retired key stays published: for processes that learned of its successor late
/// and for clock skew.
const RETIRE_MARGIN: i64 = 3_600;

/// A signing key as stored: public half in the clear, seed sealed ([`SealedSeed`], purpose
/// `token-signing`).
#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub public: VerifyingKey,
    /// Unix seconds from which it is the key that signs (if no newer key has started).
    pub signs_from: i64,
    /// Unix seconds until which it stays in the JWKS; `None` while it is the newest key.
    pub published_until: Option<i64>,
    seed: SealedSeed,
    version: u64,
}

impl SigningKeyRecord {
    /// Whether the JWKS lists it at `now`.
    pub fn is_published(&self, now: i64) -> bool {
        self.published_until.is_none_or(|until| now < until)
    }

    fn to_item(&self) -> Item {
        let mut item = self
            .seed
            .write_attrs(Item::new(schema::signing_key(&self.kid)))
            .with_version(self.version)
            .with_attr("signs_from", self.signs_from)
            .with_attr("published_until", self.published_until);
        if let Some(until) = self.published_until {
            item = item.with_expiry(until);
        }
        item
    }

    fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        let seed = SealedSeed::from_item(item)?;
        Ok(Self {
            kid: seed.kid.clone(),
            public: seed.public,
            signs_from: attrs::count(item, "signs_from"),
            published_until: item
                .attrs
                .get("published_until")
                .and_then(serde_json::Value::as_i64),
            seed,
            version: item.version,
        })
    }
}

/// The purpose a signing key's data key is bound to.
const PURPOSE: &str = "token-signing";

/// Reads, creates and rotates the signing keys.
#[derive(Debug, Clone)]
pub struct SigningKeyStore {
    table: Arc<dyn Table>,
    ring: Arc<dyn KeyRing>,
    clock: Arc<dyn Clock>,
    audit: AuditSink,
    rotation: Duration,
    lead: Duration,
}

impl SigningKeyStore {
    pub fn new(
        table: Arc<dyn Table>,
        ring: Arc<dyn KeyRing>,
        clock: Arc<dyn Clock>,
        settings: &TokenSettings,
    ) -> Self {
        Self {
            audit: AuditSink::new(table.clone(), clock.clone()),
            table,
            ring,
            clock,
            rotation: settings.signing_key_rotation,
            lead: settings.signing_key_lead,
        }
    }

    /// Every stored key that is still published, oldest `signs_from` first (one query).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn load(&self) -> Result<Vec<SigningKeyRecord>, TokenError> {
        let now = self.clock.now().unix_timestamp();
        let mut keys = BTreeMap::new();
        let mut cursor = None;
        loop {
            let page = self
                .table
                .query(
                    &Query::partition(schema::SIGNING_KEYS)
                        .prefix(schema::SIGNING_KEY_PREFIX)
                        .limit(Query::MAX_LIMIT)
                        .after(cursor),
                )
                .await?;
            for item in &page.items {
                let record = SigningKeyRecord::from_item(item)?;
                if record.is_published(now) {
                    keys.insert((record.signs_from, record.kid.clone()), record);
                }
            }
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        Ok(keys.into_values().collect())
    }

    /// The private key of `record`, unsealed through the key ring. A record whose kid was
    /// changed does not open: the seed is bound to its kid.
    #[tracing::instrument(level = "debug", skip_all, fields(kid = %record.kid))]
    pub async fn unseal(&self, record: &SigningKeyRecord) -> Result<SigningKey, TokenError> {
        if record.kid != record.seed.kid {
            return Err(TokenError::Corrupt("signing key pair"));
        }
        Ok(record.seed.open(&*self.ring, PURPOSE).await?)
    }

    /// Makes the first key if there is none (signing at once: no token can name an older one).
    /// Safe to race: one process's key is written, the others read it.
    pub async fn ensure_first(&self) -> Result<(), TokenError> {
        if self.table.get(&schema::signing_key_head()).await?.is_some() {
            return Ok(());
        }
        match self.rotate(Duration::ZERO, None).await {
            Ok(_) | Err(TokenError::Conflict) => Ok(()),
            Err(other) => Err(other),
        }
    }

    /// Adds a key now (on demand): it is published at once and signs after the lead.
    pub async fn rotate_now(&self) -> Result<String, TokenError> {
        match self.table.get(&schema::signing_key_head()).await? {
            None => self.rotate(Duration::ZERO, None).await,
            Some(head) => self.rotate(self.lead, Some(head.version)).await,
        }
    }

    /// Adds a key if the newest one has signed for the rotation period less the lead (the
    /// cleanup run calls this). Returns the new kid, if a key was made.
    pub async fn rotate_if_due(&self) -> Result<Option<String>, TokenError> {
        let Some(head) = self.table.get(&schema::signing_key_head()).await? else {
            return self.rotate(Duration::ZERO, None).await.map(Some);
        };
        let newest = attrs::text(&head, "kid")?.to_owned();
        let Some(item) = self.table.get(&schema::signing_key(&newest)).await? else {
            return Err(TokenError::Corrupt("signing key head"));
        };
        let newest = SigningKeyRecord::from_item(&item)?;
        let due = newest.signs_from + secs(self.rotation) - secs(self.lead);
        if self.clock.now().unix_timestamp() < due {
            return Ok(None);
        }
        match self.rotate(self.lead, Some(head.version)).await {
            Ok(kid) => Ok(Some(kid)),
            // Another run rotated first.
            Err(TokenError::Conflict) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Writes a new key that signs after `lead`, retires the newest one (if `head_version` says
    /// there is one) and moves the head, in one audited transaction conditioned on the head's
    /// version.
    async fn rotate(
        &self,
        lead: Duration,
        head_version: Option<u64>,
    ) -> Result<String, TokenError> {
        let now = self.clock.now();
        let kid = ulid_at(now)?.to_string().to_lowercase();
        let signs_from = now.unix_timestamp() + secs(lead);
        let record = self.generate(&kid, signs_from).await?;
        let event = self
            .audit
            .event(
                "tokens.signing_key.rotate",
                crate::audit::Outcome::Success,
                &RequestOrigin::default(),
            )?
            .resource(&kid);
        let head = Item::new(schema::signing_key_head()).with_attr("kid", kid.as_str());
        let mut change = Change::<TokenError>::new(event).put_or(
            record.to_item(),
            Condition::MustNotExist,
            TokenError::Conflict,
        );
        match head_version {
            None => {
                change = change.put_or(head, Condition::MustNotExist, TokenError::Conflict);
            }
            Some(version) => {
                let previous = self
                    .load()
                    .await?
                    .into_iter()
                    .filter(|k| k.published_until.is_none() && k.kid != kid);
                for mut retired in previous {
                    retired.published_until = Some(signs_from + MAX_ACCESS_TTL + RETIRE_MARGIN);
                    let expected = retired.version;
                    retired.version += 1;
                    change = change.put_or(
                        retired.to_item(),
                        Condition::VersionEquals(expected),
                        TokenError::Conflict,
                    );
                }
                change = change.put_or(
                    head.with_version(version + 1),
                    Condition::VersionEquals(version),
                    TokenError::Conflict,
                );
            }
        }
        change.commit(&*self.table).await?;
        tracing::info!(kid = %kid, signs_from, "signing key added");
        Ok(kid)
    }

    async fn generate(&self, kid: &str, signs_from: i64) -> Result<SigningKeyRecord, TokenError> {
        let seed = SealedSeed::generate(&*self.ring, PURPOSE, kid).await?;
        Ok(SigningKeyRecord {
            kid: kid.to_owned(),
            public: seed.public,
            signs_from,
            published_until: None,
            seed,
            version: 1,
        })
    }
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX / 4)
}

/// The key that signs at `now`: the newest whose `signs_from` has come.
pub fn signing_at(keys: &[SigningKeyRecord], now: OffsetDateTime) -> Option<&SigningKeyRecord> {
    let now = now.unix_timestamp();
    keys.iter()
        .filter(|k| k.signs_from <= now)
        .max_by(|a, b| (a.signs_from, &a.kid).cmp(&(b.signs_from, &b.kid)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::Ports;
    use crate::clock::ManualClock;
    use crate::settings::Settings;

    fn store() -> (
        SigningKeyStore,
        Arc<ManualClock>,
        Settings,
        tempfile::TempDir,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::embedded(dir.path());
        let clock = ManualClock::starting_now();
        let ports = Ports::embedded(&settings, clock.clone() as Arc<dyn Clock>).unwrap();
        let store = SigningKeyStore::new(ports.table, ports.keys, ports.clock, &settings.tokens);
        (store, clock, settings, dir)
    }

    #[tokio::test]
    async fn the_first_key_signs_at_once_and_racing_creators_make_only_one() {
        let (store, clock, _, _dir) = store();
        let racers = (0..6).map(|_| store.ensure_first());
        for result in futures_util::future::join_all(racers).await {
            result.unwrap();
        }
        let keys = store.load().await.unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(signing_at(&keys, clock.now()).unwrap().kid, keys[0].kid);
        let unsealed = store.unseal(&keys[0]).await.unwrap();
        assert_eq!(unsealed.verifying_key(), keys[0].public);
    }

    #[tokio::test]
    async fn a_rotated_key_is_published_at_once_signs_after_the_lead_and_its_predecessor_stays_until_its_tokens_expire()
     {
        let (store, clock, settings, _dir) = store();
        store.ensure_first().await.unwrap();
        let first = store.load().await.unwrap()[0].kid.clone();
        let second = store.rotate_now().await.unwrap();
        let keys = store.load().await.unwrap();
        assert_eq!(keys.len(), 2, "both published");
        assert_eq!(signing_at(&keys, clock.now()).unwrap().kid, first);

        let lead = settings.tokens.signing_key_lead.as_secs() as i64;
        clock.advance(time::Duration::seconds(lead));
        let keys = store.load().await.unwrap();
        assert_eq!(signing_at(&keys, clock.now()).unwrap().kid, second);

        clock.advance(time::Duration::seconds(MAX_ACCESS_TTL + RETIRE_MARGIN - 1));
        assert_eq!(
            store.load().await.unwrap().len(),
            2,
            "old tokens still verify"
        );
        clock.advance(time::Duration::seconds(2));
        let keys = store.load().await.unwrap();
        assert_eq!(keys.len(), 1, "retired once its last token expired");
        assert_eq!(keys[0].kid, second);
    }

    #[tokio::test]
    async fn scheduled_rotation_waits_for_the_period_less_the_lead() {
        let (store, clock, settings, _dir) = store();
        assert!(store.rotate_if_due().await.unwrap().is_some(), "first key");
        assert_eq!(store.rotate_if_due().await.unwrap(), None);
        let wait = settings.tokens.signing_key_rotation - settings.tokens.signing_key_lead;
        clock.advance(time::Duration::seconds(wait.as_secs() as i64 - 1));
        assert_eq!(store.rotate_if_due().await.unwrap(), None);
        clock.advance(time::Duration::seconds(1));
        assert!(store.rotate_if_due().await.unwrap().is_some());
    }

    #[tokio::test]
    async fn a_sealed_seed_does_not_open_under_another_kid() {
        let (store, _, _, _dir) = store();
        store.ensure_first().await.unwrap();
        let mut record = store.load().await.unwrap().remove(0);
        record.kid = "01arz3ndektsv4rrffq69g5fav".into();
        assert!(store.unseal(&record).await.is_err());
    }
}
