//! What the org routes send: views of the domain's records (never a sensitive value beyond
//! what an org admin manages: an invited address).

use coffer_core::access::Role;
use coffer_core::http::Problem;
use coffer_core::orgs::{Invitation, Membership, Org, Team, TeamMember, Vault};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Problem documents, as the route annotations name them.
pub type ProblemDoc = Problem;

/// An org, with the caller's role in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    /// `org_...`
    pub id: String,
    pub name: String,
    /// `free`, `pro` or `enterprise`.
    pub tier: String,
    /// The caller's role: `owner`, `admin` or `member`.
    pub role: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl OrgView {
    pub fn new(org: &Org, role: Role) -> Self {
        Self {
            id: org.id.to_string(),
            name: org.name.to_string(),
            tier: org.tier.as_str().to_owned(),
            role: role.as_str().to_owned(),
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgList {
    pub items: Vec<OrgView>,
    /// Pass as `?cursor=` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// `usr_...`
    pub user_id: String,
    pub role: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: OffsetDateTime,
}

impl From<&Membership> for MemberView {
    fn from(m: &Membership) -> Self {
        Self {
            user_id: m.user_id.to_string(),
            role: m.role.as_str().to_owned(),
            joined_at: m.joined_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<MemberView>,
    pub next_cursor: Option<String>,
}

/// `{"member": ...}`: the address had an account and is a member now.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberEnvelope {
    pub member: MemberView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    /// `inv_...`
    pub id: String,
    #[schema(format = Email)]
    pub email: String,
    pub role: String,
    /// `usr_...` of who invited.
    pub invited_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
}

impl From<&Invitation> for InvitationView {
    fn from(i: &Invitation) -> Self {
        Self {
            id: i.id.to_string(),
            email: i.email.as_str().to_owned(),
            role: i.role.as_str().to_owned(),
            invited_by: i.invited_by.to_string(),
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

/// `{"invitation": ...}`: the address has no account; an invitation went to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationEnvelope {
    pub invitation: InvitationView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationList {
    pub items: Vec<InvitationView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    /// `team_...`
    pub id: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&Team> for TeamView {
    fn from(t: &Team) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name.to_string(),
            created_at: t.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    pub items: Vec<TeamView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberView {
    /// `usr_...`
    pub user_id: String,
    /// `team_...`
    pub team_id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub added_at: OffsetDateTime,
}

impl From<&TeamMember> for TeamMemberView {
    fn from(m: &TeamMember) -> Self {
        Self {
            user_id: m.user_id.to_string(),
            team_id: m.team_id.to_string(),
            added_at: m.added_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberList {
    pub items: Vec<TeamMemberView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VaultView {
    /// `vlt_...`
    pub id: String,
    pub name: String,
    /// Who created it (`usr_...` or `cli_...`).
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&Vault> for VaultView {
    fn from(v: &Vault) -> Self {
        Self {
            id: v.id.to_string(),
            name: v.name.to_string(),
            created_by: v.created_by.clone(),
            created_at: v.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VaultList {
    pub items: Vec<VaultView>,
    pub next_cursor: Option<String>,
}
