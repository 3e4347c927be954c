//! A named key's metadata: one small item however many versions were made. It carries the
//! newest version's wrapped data key (so encrypting reads one item) and the window of versions
//! that exist: `oldest..=latest`. Trimming moves `oldest` up and deletes what fell below it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use super::NamedKeyError;
use crate::access::Scoped;
use crate::ids::{NamedKeyId, OrgId};
use crate::keys::WrappedKey;
use crate::orgs::Name;
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};

/// Versions a key may hold at once: rotating past it needs a trim first, so a key never grows
/// without bound (Vault Transit's keys do: hashicorp/vault#5258).
pub const MAX_LIVE_VERSIONS: u32 = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct NamedKey {
    pub id: NamedKeyId,
    pub org_id: OrgId,
    pub name: Name,
    /// The newest version; encryption uses it unless told otherwise.
    pub latest_version: u32,
    /// The oldest version that still exists (versions below it were trimmed).
    pub oldest_version: u32,
    /// Nothing below it decrypts (a retired or compromised version).
    pub min_decryption_version: u32,
    /// Nothing below it encrypts.
    pub min_encryption_version: u32,
    /// The deletion guard: `DELETE` is refused until this is set.
    pub deletion_allowed: bool,
    /// Set by the first step of a deletion: the key is gone for every use from then on.
    pub deleting: bool,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub rotated_at: OffsetDateTime,
    pub(super) latest_wrapped: WrappedKey,
    /// The item's version, for optimistic concurrency.
    pub(super) revision: u64,
}

impl NamedKey {
    pub fn to_item(&self) -> Item {
        // Listed even while deleting, so that a deleted org's purge finds a deletion cut short;
        // the list route leaves such keys out.
        let index = schema::named_key_in_org_index(&self.org_id, &self.id);
        Item::new(schema::named_key(&self.id))
            .with_gsi1(index.pk, index.sk)
            .with_version(self.revision)
            .with_attr("id", self.id.as_str())
            .with_attr("org_id", self.org_id.as_str())
            .with_attr("name", self.name.as_str())
            .with_attr("latest_version", self.latest_version)
            .with_attr("oldest_version", self.oldest_version)
            .with_attr("min_decryption_version", self.min_decryption_version)
            .with_attr("min_encryption_version", self.min_encryption_version)
            .with_attr("deletion_allowed", self.deletion_allowed)
            .with_attr("deleting", self.deleting)
            .with_attr("created_at", rfc3339(self.created_at))
            .with_attr("created_by", self.created_by.as_str())
            .with_attr("rotated_at", rfc3339(self.rotated_at))
            .with_attr("latest_wrapped", STANDARD.encode(&self.latest_wrapped.0))
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        let flag = |name: &'static str| {
            item.attrs
                .get(name)
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
        };
        Ok(Self {
            id: attrs::parsed(item, "id", NamedKeyId::parse)?,
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            name: attrs::parsed(item, "name", |raw| Name::parse(raw).ok())?,
            latest_version: attrs::version(item, "latest_version")?,
            oldest_version: attrs::version(item, "oldest_version")?,
            min_decryption_version: attrs::version(item, "min_decryption_version")?,
            min_encryption_version: attrs::version(item, "min_encryption_version")?,
            deletion_allowed: flag("deletion_allowed"),
            deleting: flag("deleting"),
            created_at: attrs::time(item, "created_at")?,
            created_by: attrs::text(item, "created_by")?.to_owned(),
            rotated_at: attrs::time(item, "rotated_at")?,
            latest_wrapped: WrappedKey(attrs::parsed(item, "latest_wrapped", |raw| {
                STANDARD.decode(raw).ok()
            })?),
            revision: item.version,
        })
    }

    /// The claim on the key's name in its org.
    pub fn name_claim(&self) -> Item {
        Item::new(schema::named_key_name(
            &self.org_id,
            &self.name.claim_digest(),
        ))
        .with_attr("key_id", self.id.as_str())
    }

    /// The key as `at` may see it: another org's key, or one being deleted, is not found.
    pub fn visible_to(self, at: &Scoped) -> Result<Self, NamedKeyError> {
        if self.deleting || &self.org_id != at.org() {
            return Err(NamedKeyError::NotFound("key"));
        }
        Ok(self)
    }

    /// The versions that exist now.
    pub fn live_versions(&self) -> u32 {
        self.latest_version + 1 - self.oldest_version
    }

    /// The version to encrypt with: `requested` if allowed, else the newest.
    pub fn encryption_version(&self, requested: Option<u32>) -> Result<u32, NamedKeyError> {
        let version = requested.unwrap_or(self.latest_version);
        if version > self.latest_version {
            return Err(NamedKeyError::Invalid {
                field: "key_version",
                message: "the key has no such version",
            });
        }
        if version < self.min_encryption_version || version < self.min_decryption_version {
            return Err(NamedKeyError::Invalid {
                field: "key_version",
                message: "below the key's min_encryption_version",
            });
        }
        Ok(version)
    }

    /// Whether a ciphertext of `version` may be opened now.
    pub fn decryptable(&self, version: u32) -> Result<(), VersionRefusal> {
        if version > self.latest_version || version == 0 {
            Err(VersionRefusal::Unknown)
        } else if version < self.oldest_version {
            Err(VersionRefusal::Trimmed)
        } else if version < self.min_decryption_version {
            Err(VersionRefusal::Retired)
        } else {
            Ok(())
        }
    }
}

/// Why a version cannot be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionRefusal {
    /// Newer than the newest version: never made by this key.
    Unknown,
    /// Deleted for good by a trim.
    Trimmed,
    /// Below `min_decryption_version`.
    Retired,
}
