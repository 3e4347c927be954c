//! A user's membership of an org: the item the access gate reads.

use time::OffsetDateTime;

use serde_json::Value;

use crate::access::Role;
use crate::ids::{OrgId, TeamId, UserId};
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};

#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role: Role,
    pub joined_at: OffsetDateTime,
    /// The org's teams the member is in: kept here, on the item every team change rewrites
    /// with its version, so leaving the org removes exactly these and no team change can slip
    /// past a removal.
    pub teams: Vec<TeamId>,
    pub version: u64,
}

/// The most teams of one org a member may be in (their removal is one transaction).
pub const MAX_TEAMS_PER_MEMBER: usize = 50;

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
            .with_attr(
                "teams",
                self.teams
                    .iter()
                    .map(|team| Value::from(team.as_str()))
                    .collect::<Vec<_>>(),
            )
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            user_id: attrs::parsed(item, "user_id", UserId::parse)?,
            role: attrs::parsed(item, "role", |raw| raw.parse().ok())?,
            joined_at: attrs::time(item, "joined_at")?,
            teams: match item.attrs.get("teams") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(teams)) => teams
                    .iter()
                    .map(|team| team.as_str().and_then(TeamId::parse))
                    .collect::<Option<_>>()
                    .ok_or(BadAttribute("teams"))?,
                Some(_) => return Err(BadAttribute("teams")),
            },
            version: item.version,
        })
    }
}
