//! A vault: a named compartment of an org that tokens and datasets are scoped to.

use time::OffsetDateTime;

use super::Name;
use crate::ids::{OrgId, VaultId};
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};

#[derive(Debug, Clone, PartialEq)]
pub struct Vault {
    pub id: VaultId,
    pub org_id: OrgId,
    pub name: Name,
    pub created_at: OffsetDateTime,
    /// The principal that created it (a user or client id).
    pub created_by: String,
    /// Raised by each revocation of the vault's tokens; tokens carry the generation they were
    /// issued under, and one from an older generation is refused.
    pub token_generation: u64,
}

impl Vault {
    pub fn to_item(&self) -> Item {
        Item::new(schema::vault(&self.org_id, &self.id))
            .with_attr("id", self.id.as_str())
            .with_attr("org_id", self.org_id.as_str())
            .with_attr("name", self.name.as_str())
            .with_attr("created_at", rfc3339(self.created_at))
            .with_attr("created_by", self.created_by.as_str())
            .with_attr("token_generation", self.token_generation)
    }

    /// The pointer from the vault's id to its org.
    pub fn owner_item(&self) -> Item {
        Item::new(schema::vault_owner(&self.id)).with_attr("org_id", self.org_id.as_str())
    }

    pub fn name_claim(&self) -> Item {
        Item::new(schema::vault_name(&self.org_id, &self.name.claim_digest()))
            .with_attr("vault_id", self.id.as_str())
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            id: attrs::parsed(item, "id", VaultId::parse)?,
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            name: attrs::parsed(item, "name", |raw| Name::parse(raw).ok())?,
            created_at: attrs::time(item, "created_at")?,
            created_by: attrs::text(item, "created_by")?.to_owned(),
            token_generation: u64::try_from(attrs::count(item, "token_generation")).unwrap_or(0),
        })
    }
}
