//! A user's membership of an org: the item the access gate reads.

use time::OffsetDateTime;

use crate::access::Role;
use crate::ids::{OrgId, UserId};
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};

#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role: Role,
    pub joined_at: OffsetDateTime,
    pub version: u64,
}

impl Membership {
    pub fn to_item(&self) -> Item {
        let index = schema::member_in_user_index(&self.user_id, &self.org_id);
        Item::new(schema::org_member(&self.org_id, &self.user_id))
            .with_gsi1(index.pk, index.sk)
            .with_version(self.version)
            .with_attr("org_id", self.org_id.as_str())
            .with_attr("user_id", self.user_id.as_str())
            .with_attr("role", self.role.as_str())
            .with_attr("joined_at", rfc3339(self.joined_at))
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            user_id: attrs::parsed(item, "user_id", UserId::parse)?,
            role: attrs::parsed(item, "role", |raw| raw.parse().ok())?,
            joined_at: attrs::time(item, "joined_at")?,
            version: item.version,
        })
    }
}
