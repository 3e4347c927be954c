//! What a token may be used for: a set of [`Permission`]s, written in tokens and requests as
//! their names separated by spaces (`scope`, RFC 6749 §3.3). A token acts with the permissions
//! its principal's role allows *and* its scopes name, never more than either.

use std::fmt;

use crate::access::Permission;

/// A set of permissions, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scopes(u32);

/// A scope name that is not a permission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope")]
pub struct UnknownScope;

const _: () = assert!(Permission::ALL.len() <= 32);

fn bit(permission: Permission) -> u32 {
    let index = Permission::ALL
        .iter()
        .position(|p| *p == permission)
        .unwrap_or(0);
    1 << index
}

impl Scopes {
    pub const NONE: Self = Self(0);

    /// Every permission there is.
    pub fn all() -> Self {
        Permission::ALL.into_iter().collect()
    }

    /// Reads `"vaults:read pii:use"`: names separated by single spaces, each a permission. An
    /// empty string is the empty set.
    pub fn parse(raw: &str) -> Result<Self, UnknownScope> {
        if raw.len() > 1024 {
            return Err(UnknownScope);
        }
        raw.split(' ')
            .filter(|name| !name.is_empty())
            .map(|name| Permission::parse(name).ok_or(UnknownScope))
            .collect()
    }

    /// Reads a list of names (a JSON request's `scopes`).
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Self, UnknownScope> {
        names
            .iter()
            .map(|name| Permission::parse(name.as_ref()).ok_or(UnknownScope))
            .collect()
    }

    pub fn contains(self, permission: Permission) -> bool {
        self.0 & bit(permission) != 0
    }

    pub fn is_subset_of(self, other: Self) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// The names, in [`Permission::ALL`]'s order.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Permission::as_str).collect()
    }
}

impl FromIterator<Permission> for Scopes {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Self(iter.into_iter().fold(0, |acc, p| acc | bit(p)))
    }
}

impl fmt::Display for Scopes {
    /// The `scope` claim: names separated by spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn scope_strings_parse_to_permissions_and_print_back() {
        let scopes = Scopes::parse("vaults:read pii:use").unwrap();
        assert!(scopes.contains(Permission::VaultsRead));
        assert!(scopes.contains(Permission::PiiUse));
        assert!(!scopes.contains(Permission::OrgDelete));
        assert_eq!(scopes.to_string(), "vaults:read pii:use");
        assert_eq!(Scopes::parse("").unwrap(), Scopes::NONE);
        assert_eq!(
            Scopes::parse(&Scopes::all().to_string()).unwrap(),
            Scopes::all()
        );
    }

    #[test]
    fn an_unknown_scope_is_refused() {
        assert!(Scopes::parse("vaults:read admin").is_err());
        assert!(Scopes::from_names(&["*"]).is_err());
    }

    #[test]
    fn subsets_and_intersections_follow_the_permissions() {
        let read = Scopes::parse("vaults:read").unwrap();
        let both = Scopes::parse("vaults:read vaults:manage").unwrap();
        assert!(read.is_subset_of(both));
        assert!(!both.is_subset_of(read));
        assert_eq!(both.intersection(read), read);
    }

    proptest! {
        #[test]
        fn any_set_of_permissions_round_trips(mask in 0u32..(1 << Permission::ALL.len())) {
            let scopes: Scopes = Permission::ALL
                .into_iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, p)| p)
                .collect();
            prop_assert_eq!(Scopes::parse(&scopes.to_string()).unwrap(), scopes);
        }

        #[test]
        fn any_string_parses_or_is_refused_without_panicking(raw in ".{0,200}") {
            let _ = Scopes::parse(&raw);
        }
    }
}
