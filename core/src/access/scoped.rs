//! Proof that the gate let a principal act in an org, with the role it found. Its fields are
//! private and only [`super::Access`] builds one, so holding a `&Scoped` means the check ran.

use super::{Permission, Principal, Role};
use crate::ids::OrgId;
use crate::orgs::Org;
use crate::tokens::Scopes;

#[derive(Debug, Clone)]
pub struct Scoped {
    principal: Principal,
    org: Org,
    role: Role,
    /// An access token's scopes, which bound what the role allows (`None`: a session).
    scopes: Option<Scopes>,
}

impl Scoped {
    pub(super) fn new(principal: Principal, org: Org, role: Role) -> Self {
        Self {
            principal,
            org,
            role,
            scopes: None,
        }
    }

    /// The same proof, narrowed to `scopes` (an access token's): [`Scoped::may`] then allows
    /// only what both the role and the scopes allow, so a service's own checks on the target
    /// (removing someone else, touching an owner) honour the token as the gate did.
    pub fn within(mut self, scopes: Scopes) -> Self {
        self.scopes = Some(self.scopes.map_or(scopes, |own| own.intersection(scopes)));
        self
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

    /// Whether the principal's role, and the token's scopes if it used one, also allow `need`
    /// (for rules that depend on the target, such as touching an owner).
    pub fn may(&self, need: Permission) -> bool {
        self.role.allows(need) && self.scopes.is_none_or(|scopes| scopes.contains(need))
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::ids::UserId;
    use crate::orgs::{Name, Tier};

    fn admin_in_an_org() -> Scoped {
        let now = OffsetDateTime::now_utc();
        let org = Org {
            id: OrgId::generate(now).unwrap(),
            name: Name::parse("Acme").unwrap(),
            tier: Tier::Free,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            version: 1,
        };
        Scoped::new(
            Principal::User(UserId::generate(now).unwrap()),
            org,
            Role::Admin,
        )
    }

    #[test]
    fn a_session_may_what_its_role_allows() {
        let at = admin_in_an_org();
        assert!(at.may(Permission::MembersManage));
        assert!(!at.may(Permission::OwnersManage));
    }

    #[test]
    fn a_token_may_only_what_both_its_role_and_its_scopes_allow() {
        let at = admin_in_an_org().within([Permission::OrgRead].into_iter().collect());
        assert!(at.may(Permission::OrgRead));
        assert!(
            !at.may(Permission::MembersManage),
            "the scopes do not name it"
        );
        let owners: Scopes = [Permission::OrgRead, Permission::OwnersManage]
            .into_iter()
            .collect();
        assert!(
            !admin_in_an_org()
                .within(owners)
                .may(Permission::OwnersManage),
            "nor does the role"
        );
        let narrower = admin_in_an_org()
            .within(owners)
            .within([Permission::OrgRead].into_iter().collect());
        assert!(
            !narrower.may(Permission::OwnersManage),
            "narrowing only narrows"
        );
    }
}
