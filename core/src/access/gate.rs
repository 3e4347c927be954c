//! [`Access::require`]: one strongly consistent read of the membership (and, beside it, of the
//! org, so a soft-deleted org is gone for everyone at once and services get its tier without
//! reading it again). No scan, no list.

use std::sync::Arc;

use super::{AccessError, Permission, Principal, Role, Scoped};
use crate::ids::OrgId;
use crate::orgs::{Membership, Org};
use crate::store::{Table, schema};

#[derive(Debug, Clone)]
pub struct Access {
    table: Arc<dyn Table>,
}

impl Access {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Lets `who` act in `org` if its role there allows `need`.
    #[tracing::instrument(level = "debug", skip(self), fields(org = %org, need = need.as_str()))]
    pub async fn require(
        &self,
        who: &Principal,
        org: &OrgId,
        need: Permission,
    ) -> Result<Scoped, AccessError> {
        let (role, record) = match who {
            Principal::User(user) => {
                let (member_key, org_key) = (schema::org_member(org, user), schema::org(org));
                let (membership, record) =
                    tokio::try_join!(self.table.get(&member_key), self.table.get(&org_key))?;
                let membership = membership.ok_or(AccessError::NotFound)?;
                let role = Membership::from_item(&membership)
                    .map_err(|_| AccessError::Corrupt)?
                    .role;
                (role, record)
            }
            // Machine clients act only in their own org, with a member's reach until their
            // scopes say more (the clients issue).
            Principal::Client { org: own, .. } if own == org => {
                (Role::Member, self.table.get(&schema::org(org)).await?)
            }
            Principal::Client { .. } => return Err(AccessError::NotFound),
        };
        let org = record
            .map(|item| Org::from_item(&item).map_err(|_| AccessError::Corrupt))
            .transpose()?
            .filter(|org| org.deleted_at.is_none())
            .ok_or(AccessError::NotFound)?;
        if !role.allows(need) {
            return Err(AccessError::Forbidden(need));
        }
        Ok(Scoped::new(who.clone(), org, role))
    }
}
