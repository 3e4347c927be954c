//! An Ed25519 key kept in the table: its public half in the clear, its 32-byte seed only sealed
//! (the envelope) under a data key the key ring wraps with a context naming the key's purpose
//! and kid, and bound to the kid as associated data — so a seed opens only for its own key.
//! The token-signing keys and the audit-checkpoint key are both stored this way.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use super::{EncryptionContext, KeyError, KeyRing, WrappedKey};
use crate::crypto::{CryptoError, Envelope, random};
use crate::store::Item;
use crate::store::attrs::{self, BadAttribute};

/// Why a sealed key could not be made or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealedSeedError {
    #[error("the key service failed")]
    Keys(#[from] KeyError),
    #[error("a cryptographic operation failed")]
    Crypto(#[from] CryptoError),
    /// The seed opened but is not the public key's (or not a seed at all).
    #[error("the stored key pair does not match")]
    Mismatch,
}

/// A stored Ed25519 key.
#[derive(Debug, Clone)]
pub struct SealedSeed {
    pub kid: String,
    pub public: VerifyingKey,
    wrapped: WrappedKey,
    sealed: Vec<u8>,
}

/// The data key's context: unwrappable only for this purpose and kid.
fn context(purpose: &str, kid: &str) -> EncryptionContext {
    [
        ("purpose".to_owned(), purpose.to_owned()),
        ("kid".to_owned(), kid.to_owned()),
    ]
    .into()
}

impl SealedSeed {
    /// A new key named `kid`, its seed sealed for `purpose`.
    pub async fn generate(
        ring: &dyn KeyRing,
        purpose: &str,
        kid: &str,
    ) -> Result<Self, SealedSeedError> {
        let seed = Zeroizing::new(random::bytes::<32>()?);
        let public = SigningKey::from_bytes(&seed).verifying_key();
        let generated = ring.generate_data_key(&context(purpose, kid)).await?;
        let sealed = Envelope::seal(&generated.plaintext, b"", kid.as_bytes(), seed.as_slice())?;
        Ok(Self {
            kid: kid.to_owned(),
            public,
            wrapped: generated.wrapped,
            sealed,
        })
    }

    /// The private key, unsealed through the key ring and checked against the public half.
    pub async fn open(
        &self,
        ring: &dyn KeyRing,
        purpose: &str,
    ) -> Result<SigningKey, SealedSeedError> {
        let data_key = ring
            .unwrap_data_key(&self.wrapped, &context(purpose, &self.kid))
            .await?;
        let seed =
            Zeroizing::new(Envelope::parse(&self.sealed)?.open(&data_key, self.kid.as_bytes())?);
        let seed: &[u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| SealedSeedError::Mismatch)?;
        let key = SigningKey::from_bytes(seed);
        if key.verifying_key() != self.public {
            return Err(SealedSeedError::Mismatch);
        }
        Ok(key)
    }

    /// Its attributes (`kid`, `public`, `wrapped`, `sealed_seed`) on `item`.
    pub fn write_attrs(&self, item: Item) -> Item {
        item.with_attr("kid", self.kid.as_str())
            .with_attr("public", STANDARD.encode(self.public.as_bytes()))
            .with_attr("wrapped", STANDARD.encode(&self.wrapped.0))
            .with_attr("sealed_seed", STANDARD.encode(&self.sealed))
    }

    /// The key an item's attributes hold.
    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        let bytes = |name: &'static str| attrs::parsed(item, name, |raw| STANDARD.decode(raw).ok());
        let public: [u8; 32] = bytes("public")?
            .try_into()
            .map_err(|_| BadAttribute("public"))?;
        Ok(Self {
            kid: attrs::text(item, "kid")?.to_owned(),
            public: VerifyingKey::from_bytes(&public).map_err(|_| BadAttribute("public"))?,
            wrapped: WrappedKey(bytes("wrapped")?),
            sealed: bytes("sealed_seed")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::keys::local::LocalKeyRing;

    #[tokio::test]
    async fn a_seed_opens_for_its_own_purpose_and_kid_only() {
        let dir = tempfile::tempdir().unwrap();
        let ring: Arc<dyn KeyRing> =
            Arc::new(LocalKeyRing::open(dir.path().join("master.key")).unwrap());
        let sealed = SealedSeed::generate(&*ring, "audit-signing", "k1")
            .await
            .unwrap();
        let key = sealed.open(&*ring, "audit-signing").await.unwrap();
        assert_eq!(key.verifying_key(), sealed.public);
        let item = Item::new(crate::store::schema::audit_signing_key("k1"));
        let back = SealedSeed::from_item(&sealed.write_attrs(item)).unwrap();
        let reopened = back.open(&*ring, "audit-signing").await.unwrap();
        assert_eq!(reopened.verifying_key(), key.verifying_key());
        assert!(sealed.open(&*ring, "token-signing").await.is_err());
        let mut other_kid = back.clone();
        other_kid.kid = "k2".into();
        assert!(other_kid.open(&*ring, "audit-signing").await.is_err());
    }
}
