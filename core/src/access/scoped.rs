//! Proof that the gate let a principal act in an org, with the role it found. Its fields are
//! private and only [`super::Access`] builds one, so holding a `&Scoped` means the check ran.

use super::{Permission, Principal, Role};
use crate::ids::OrgId;
use crate::orgs::Org;

#[derive(Debug, Clone)]
pub struct Scoped {
    principal: Principal,
    org: Org,
    role: Role,
}

impl Scoped {
    pub(super) fn new(principal: Principal, org: Org, role: Role) -> Self {
        Self {
            principal,
            org,
            role,
        }
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn org(&self) -> &OrgId {
        &self.org.id
    }

    /// The org as the gate read it (name, tier, version).
    pub fn org_record(&self) -> &Org {
        &self.org
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the principal's role also allows `need` (for rules that depend on the target,
    /// such as touching an owner).
    pub fn may(&self, need: Permission) -> bool {
        self.role.allows(need)
    }
}
