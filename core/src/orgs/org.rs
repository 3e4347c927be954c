//! The org record.

use time::OffsetDateTime;

use super::{Name, Tier};
use crate::ids::OrgId;
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};

#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    pub id: OrgId,
    pub name: Name,
    pub tier: Tier,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Set when the org was deleted; the gate treats it as gone from then on.
    pub deleted_at: Option<OffsetDateTime>,
    /// For optimistic updates.
    pub version: u64,
}

impl Org {
    pub fn to_item(&self) -> Item {
        let mut item = Item::new(schema::org(&self.id))
            .with_version(self.version)
            .with_attr("id", self.id.as_str())
            .with_attr("name", self.name.as_str())
            .with_attr("tier", self.tier.as_str())
            .with_attr("created_at", rfc3339(self.created_at))
            .with_attr("updated_at", rfc3339(self.updated_at))
            .with_attr("deleted_at", self.deleted_at.map(rfc3339));
        if let Some(at) = self.deleted_at {
            let index = schema::deleted_org_index(&self.id, at.unix_timestamp_nanos() / 1_000_000);
            item = item.with_gsi1(index.pk, index.sk);
        }
        item
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            id: attrs::parsed(item, "id", OrgId::parse)?,
            name: attrs::parsed(item, "name", |raw| Name::parse(raw).ok())?,
            tier: attrs::parsed(item, "tier", |raw| raw.parse().ok())?,
            created_at: attrs::time(item, "created_at")?,
            updated_at: attrs::time(item, "updated_at")?,
            deleted_at: attrs::optional_time(item, "deleted_at")?,
            version: item.version,
        })
    }
}
