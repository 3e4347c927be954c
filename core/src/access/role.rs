//! A member's role in an org, and the one table of what each role may do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Permission;

/// `owner` may do everything; `admin` everything but deleting the org and adding, promoting or
/// demoting owners; `member` reads and uses the org's keys and operators as policies allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

/// A role string outside the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of owner, admin, member")]
pub struct InvalidRole;

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// The role → permission table: the one place it is written.
    pub fn allows(self, need: Permission) -> bool {
        use Permission as P;
        match self {
            Self::Owner => true,
            Self::Admin => !matches!(need, P::OrgDelete | P::OwnersManage),
            Self::Member => matches!(
                need,
                P::OrgRead
                    | P::MembersRead
                    | P::TeamsRead
                    | P::VaultsRead
                    | P::PiiUse
                    | P::KeysUse
                    | P::DatasetsRead
                    | P::RecordsRead
                    | P::RecordsWrite
            ),
        }
    }
}

impl FromStr for Role {
    type Err = InvalidRole;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "owner" => Ok(Self::Owner),
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            _ => Err(InvalidRole),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_may_do_everything_and_admins_all_but_deleting_and_owner_changes() {
        for need in Permission::ALL {
            assert!(Role::Owner.allows(need), "{need:?}");
            let admin = !matches!(need, Permission::OrgDelete | Permission::OwnersManage);
            assert_eq!(Role::Admin.allows(need), admin, "{need:?}");
        }
    }

    #[test]
    fn members_only_read_use_the_pii_operators_and_named_keys_and_read_and_write_records() {
        let allowed: Vec<Permission> = Permission::ALL
            .into_iter()
            .filter(|p| Role::Member.allows(*p))
            .collect();
        assert_eq!(
            allowed,
            [
                Permission::OrgRead,
                Permission::MembersRead,
                Permission::TeamsRead,
                Permission::VaultsRead,
                Permission::PiiUse,
                Permission::KeysUse,
                Permission::DatasetsRead,
                Permission::RecordsRead,
                Permission::RecordsWrite
            ]
        );
    }

    #[test]
    fn roles_parse_only_from_their_three_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("Owner".parse::<Role>(), Err(InvalidRole));
        assert_eq!("root".parse::<Role>(), Err(InvalidRole));
        assert!(serde_json::from_str::<Role>("\"superuser\"").is_err());
    }
}
