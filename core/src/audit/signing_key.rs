//! The key that signs audit checkpoints: an Ed25519 key made on first use, its 32-byte seed
//! stored only sealed (the envelope) under a data key from the key ring bound to its purpose and
//! kid, its public half published in the JWKS with `use: audit` — for as long as it exists, since
//! an auditor may check a years-old checkpoint. It is not rotated on a schedule: a checkpoint
//! names its kid, so a new key could be added without breaking older checkpoints. The `HEAD`
//! item names the key that signs and makes the first creation race-safe.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use super::{AuditError, AuditSink, Change, ChangeError, Outcome, RequestOrigin};
use crate::clock::Clock;
use crate::crypto::{Envelope, random};
use crate::ids::ulid_at;
use crate::keys::{EncryptionContext, KeyRing, WrappedKey};
use crate::store::attrs::{self, BadAttribute};
use crate::store::{Condition, Item, Query, Table, schema};

/// A checkpoint-signing key as stored: public half in the clear, seed sealed.
#[derive(Debug, Clone)]
pub struct AuditKeyRecord {
    pub kid: String,
    pub public: VerifyingKey,
    wrapped: WrappedKey,
    sealed_seed: Vec<u8>,
}

impl AuditKeyRecord {
    fn to_item(&self) -> Item {
        Item::new(schema::audit_signing_key(&self.kid))
            .with_attr("kid", self.kid.as_str())
            .with_attr("public", STANDARD.encode(self.public.as_bytes()))
            .with_attr("wrapped", STANDARD.encode(&self.wrapped.0))
            .with_attr("sealed_seed", STANDARD.encode(&self.sealed_seed))
    }

    fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        let bytes = |name: &'static str| attrs::parsed(item, name, |raw| STANDARD.decode(raw).ok());
        let public: [u8; 32] = bytes("public")?
            .try_into()
            .map_err(|_| BadAttribute("public"))?;
        Ok(Self {
            kid: attrs::text(item, "kid")?.to_owned(),
            public: VerifyingKey::from_bytes(&public).map_err(|_| BadAttribute("public"))?,
            wrapped: WrappedKey(bytes("wrapped")?),
            sealed_seed: bytes("sealed_seed")?,
        })
    }
}

/// The encryption context of an audit key's data key: unwrappable only for this purpose and kid.
fn context(kid: &str) -> EncryptionContext {
    [
        ("purpose".to_owned(), "audit-signing".to_owned()),
        ("kid".to_owned(), kid.to_owned()),
    ]
    .into()
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
                keys.push(AuditKeyRecord::from_item(item)?);
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
                let record = AuditKeyRecord::from_item(&item)?;
                let key = self.unseal(&record).await?;
                return Ok((record.kid, key));
            }
            self.create().await?;
        }
        Err(AuditError::Signing)
    }

    async fn unseal(&self, record: &AuditKeyRecord) -> Result<SigningKey, AuditError> {
        let data_key = self
            .ring
            .unwrap_data_key(&record.wrapped, &context(&record.kid))
            .await?;
        let seed = Zeroizing::new(
            Envelope::parse(&record.sealed_seed)?.open(&data_key, record.kid.as_bytes())?,
        );
        let seed: &[u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| BadAttribute("sealed_seed"))?;
        let key = SigningKey::from_bytes(seed);
        if key.verifying_key() != record.public {
            return Err(AuditError::Corrupt(BadAttribute("public")));
        }
        Ok(key)
    }

    /// Makes the first key and its head in one audited transaction; of racing processes one
    /// writes and the others read its key.
    async fn create(&self) -> Result<(), AuditError> {
        let now = self.clock.now();
        let kid = format!("audit-{}", ulid_at(now)?.to_string().to_lowercase());
        let seed = Zeroizing::new(random::bytes::<32>()?);
        let public = SigningKey::from_bytes(&seed).verifying_key();
        let generated = self.ring.generate_data_key(&context(&kid)).await?;
        let sealed_seed =
            Envelope::seal(&generated.plaintext, b"", kid.as_bytes(), seed.as_slice())?;
        let record = AuditKeyRecord {
            kid: kid.clone(),
            public,
            wrapped: generated.wrapped,
            sealed_seed,
        };
        let event = AuditSink::new(self.table.clone(), self.clock.clone())
            .event(
                "audit.signing_key.create",
                Outcome::Success,
                &RequestOrigin::default(),
            )?
            .resource(&kid);
        let head = Item::new(schema::audit_signing_key_head()).with_attr("kid", kid.as_str());
        match Change::<AuditError>::new(event)
            .put(record.to_item(), Condition::MustNotExist)
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
