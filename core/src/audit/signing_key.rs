//! The key that signs audit checkpoints: an Ed25519 key made on first use, stored as a
//! [`SealedSeed`] (purpose `audit-signing`), its public half published in the JWKS with
//! `use: audit` — for as long as it exists, since an auditor may check a years-old checkpoint.
//! It is not rotated on a schedule: a checkpoint names its kid, so a new key could be added
//! without breaking older checkpoints. The `HEAD` item names the key that signs and makes the
//! first creation race-safe.

use std::sync::Arc;

use ed25519_dalek::SigningKey;

use super::{AuditError, AuditSink, Change, ChangeError, Outcome, RequestOrigin};
use crate::clock::Clock;
use crate::ids::ulid_at;
use crate::keys::{KeyRing, SealedSeed, SealedSeedError};
use crate::store::attrs::{self, BadAttribute};
use crate::store::{Condition, Item, Query, Table, schema};

/// The purpose its data key is bound to.
const PURPOSE: &str = "audit-signing";

/// A checkpoint-signing key as stored.
pub type AuditKeyRecord = SealedSeed;

impl From<SealedSeedError> for AuditError {
    fn from(err: SealedSeedError) -> Self {
        match err {
            SealedSeedError::Keys(err) => Self::Keys(err),
            SealedSeedError::Crypto(err) => Self::Crypto(err),
            SealedSeedError::Mismatch => Self::Corrupt(BadAttribute("public")),
        }
    }
}

/// Reads and creates the checkpoint-signing keys.
#[derive(Debug, Clone)]
pub struct AuditKeys {
    table: Arc<dyn Table>,
    ring: Arc<dyn KeyRing>,
    clock: Arc<dyn Clock>,
}

impl AuditKeys {
    pub fn new(table: Arc<dyn Table>, ring: Arc<dyn KeyRing>, clock: Arc<dyn Clock>) -> Self {
        Self { table, ring, clock }
    }

    /// Every key, for the JWKS and for checking checkpoints (one query).
    pub async fn published(&self) -> Result<Vec<AuditKeyRecord>, AuditError> {
        let mut keys = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .table
                .query(
                    &Query::partition(schema::AUDIT_KEYS)
                        .prefix(schema::AUDIT_KEY_PREFIX)
                        .limit(Query::MAX_LIMIT)
                        .after(cursor),
                )
                .await?;
            for item in &page.items {
                keys.push(SealedSeed::from_item(item)?);
            }
            cursor = page.next_cursor;
            if cursor.is_none() {
                return Ok(keys);
            }
        }
    }

    /// The key that signs now and its kid, made first if there is none.
    pub async fn signer(&self) -> Result<(String, SigningKey), AuditError> {
        for _ in 0..2 {
            if let Some(head) = self.table.get(&schema::audit_signing_key_head()).await? {
                let kid = attrs::text(&head, "kid")?;
                let item = self
                    .table
                    .get(&schema::audit_signing_key(kid))
                    .await?
                    .ok_or(BadAttribute("kid"))?;
                let record = SealedSeed::from_item(&item)?;
                let key = record.open(&*self.ring, PURPOSE).await?;
                return Ok((record.kid, key));
            }
            self.create().await?;
        }
        Err(AuditError::Signing)
    }

    /// Makes the first key and its head in one audited transaction; of racing processes one
    /// writes and the others read its key.
    async fn create(&self) -> Result<(), AuditError> {
        let now = self.clock.now();
        let kid = format!("audit-{}", ulid_at(now)?.to_string().to_lowercase());
        let record = SealedSeed::generate(&*self.ring, PURPOSE, &kid).await?;
        let event = AuditSink::new(self.table.clone(), self.clock.clone())
            .event(
                "audit.signing_key.create",
                Outcome::Success,
                &RequestOrigin::default(),
            )?
            .resource(&kid);
        let key = record.write_attrs(Item::new(schema::audit_signing_key(&kid)));
        let head = Item::new(schema::audit_signing_key_head()).with_attr("kid", kid.as_str());
        match Change::<AuditError>::new(event)
            .put(key, Condition::MustNotExist)
            .put(head, Condition::MustNotExist)
            .commit(&*self.table)
            .await
        {
            // Another process made the key first.
            Ok(()) | Err(ChangeError::Conflict) => Ok(()),
            Err(other) => Err(other.into()),
        }
    }
}
