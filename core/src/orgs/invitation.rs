//! A pending invitation: an address without an account, asked to join with a role. It becomes a
//! membership when that address registers and verifies it; it expires after the configured time
//! (7 days by default). The address is kept so that admins can see whom they invited.

use time::OffsetDateTime;

use crate::access::Role;
use crate::auth::{Email, EmailDigest};
use crate::ids::{InvitationId, OrgId, UserId};
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};

/// The invitation item's attribute that holds the keyed digest of its address.
pub(crate) const EMAIL_DIGEST: &str = "email_digest";

#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub id: InvitationId,
    pub org_id: OrgId,
    pub email: Email,
    pub role: Role,
    pub invited_by: UserId,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl Invitation {
    /// The invitation's item; `email` is the keyed digest of its address, kept so that the
    /// cleanup (which holds no key ring) can remove the claim with the invitation.
    pub fn to_item(&self, email: &EmailDigest) -> Item {
        Item::new(schema::invitation(&self.org_id, &self.id))
            .with_expiry(self.expires_at.unix_timestamp())
            .with_attr("id", self.id.as_str())
            .with_attr("org_id", self.org_id.as_str())
            .with_attr("email", self.email.as_str())
            .with_attr(EMAIL_DIGEST, email.as_str())
            .with_attr("role", self.role.as_str())
            .with_attr("invited_by", self.invited_by.as_str())
            .with_attr("created_at", rfc3339(self.created_at))
            .with_attr("valid_until", rfc3339(self.expires_at))
    }

    /// The claim that keeps one pending invitation per address (`email`, its keyed digest) and
    /// org, and lets a verification find it.
    pub fn claim_item(&self, email: &EmailDigest) -> Item {
        Item::new(schema::invitation_claim(email.as_str(), &self.org_id))
            .with_expiry(self.expires_at.unix_timestamp())
            .with_attr("invitation_id", self.id.as_str())
            .with_attr("org_id", self.org_id.as_str())
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            id: attrs::parsed(item, "id", InvitationId::parse)?,
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            email: attrs::parsed(item, "email", |raw| Email::parse(raw).ok())?,
            role: attrs::parsed(item, "role", |raw| raw.parse().ok())?,
            invited_by: attrs::parsed(item, "invited_by", UserId::parse)?,
            created_at: attrs::time(item, "created_at")?,
            expires_at: attrs::time(item, "valid_until")?,
        })
    }
}
