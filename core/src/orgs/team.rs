//! Teams inside an org, and their members (who must be members of the org).

use time::OffsetDateTime;

use super::Name;
use crate::ids::{OrgId, TeamId, UserId};
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};

#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub id: TeamId,
    pub org_id: OrgId,
    pub name: Name,
    pub created_at: OffsetDateTime,
    /// Moves with every change of the team's members, so a deletion cannot race an addition.
    pub version: u64,
}

impl Team {
    pub fn to_item(&self) -> Item {
        Item::new(schema::team(&self.org_id, &self.id))
            .with_version(self.version)
            .with_attr("id", self.id.as_str())
            .with_attr("org_id", self.org_id.as_str())
            .with_attr("name", self.name.as_str())
            .with_attr("created_at", rfc3339(self.created_at))
    }

    pub fn name_claim(&self) -> Item {
        Item::new(schema::team_name(&self.org_id, &self.name.claim_digest()))
            .with_attr("team_id", self.id.as_str())
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            id: attrs::parsed(item, "id", TeamId::parse)?,
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            name: attrs::parsed(item, "name", |raw| Name::parse(raw).ok())?,
            created_at: attrs::time(item, "created_at")?,
            version: item.version,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TeamMember {
    pub org_id: OrgId,
    pub team_id: TeamId,
    pub user_id: UserId,
    pub added_at: OffsetDateTime,
}

impl TeamMember {
    pub fn to_item(&self) -> Item {
        Item::new(schema::team_member(
            &self.org_id,
            &self.team_id,
            &self.user_id,
        ))
        .with_attr("org_id", self.org_id.as_str())
        .with_attr("team_id", self.team_id.as_str())
        .with_attr("user_id", self.user_id.as_str())
        .with_attr("added_at", rfc3339(self.added_at))
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            team_id: attrs::parsed(item, "team_id", TeamId::parse)?,
            user_id: attrs::parsed(item, "user_id", UserId::parse)?,
            added_at: attrs::time(item, "added_at")?,
        })
    }
}
