//! A machine client: a named identity of one org that authenticates with its certificates'
//! keys and acts with a member's role at most, narrowed by its scopes.

use time::OffsetDateTime;

use super::ClientError;
use crate::access::{Permission, Role};
use crate::ids::{ClientId, OrgId};
use crate::orgs::Name;
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};
use crate::tokens::Scopes;

/// The most scope names one request may list (every permission, with room for repeats).
const MAX_SCOPE_NAMES: usize = 2 * Permission::ALL.len();

#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub id: ClientId,
    pub org_id: OrgId,
    pub name: Name,
    /// What its tokens may do at most; within [`Client::scope_ceiling`].
    pub scopes: Scopes,
    pub created_at: OffsetDateTime,
    /// The principal that created it (a user or client id).
    pub created_by: String,
}

impl Client {
    /// The most a client may be given: what a member's role allows, since that is the role the
    /// gate gives a client.
    pub fn scope_ceiling() -> Scopes {
        Permission::ALL
            .into_iter()
            .filter(|p| Role::Member.allows(*p))
            .collect()
    }

    /// The scopes a create asks for: none named is the ceiling; named ones must be permission
    /// names (`vaults:read`) within it.
    pub fn requested_scopes<S: AsRef<str>>(names: Option<&[S]>) -> Result<Scopes, ClientError> {
        let Some(names) = names else {
            return Ok(Self::scope_ceiling());
        };
        if names.len() > MAX_SCOPE_NAMES {
            return Err(ClientError::Invalid {
                field: "scopes",
                message: "lists too many scopes",
            });
        }
        let scopes = Scopes::from_names(names).map_err(|_| ClientError::Invalid {
            field: "scopes",
            message: "names a scope that is not a permission",
        })?;
        Self::within_ceiling(scopes)
    }

    /// `scopes` if a client may have them.
    pub fn within_ceiling(scopes: Scopes) -> Result<Scopes, ClientError> {
        if scopes.is_subset_of(Self::scope_ceiling()) {
            Ok(scopes)
        } else {
            Err(ClientError::Invalid {
                field: "scopes",
                message: "asks for more than a member may do: a client acts with a member's role at most",
            })
        }
    }

    pub fn to_item(&self) -> Item {
        let index = schema::client_in_org_index(&self.org_id, &self.id);
        Item::new(schema::client(&self.id))
            .with_gsi1(index.pk, index.sk)
            .with_attr("id", self.id.as_str())
            .with_attr("org_id", self.org_id.as_str())
            .with_attr("name", self.name.as_str())
            .with_attr("scopes", self.scopes.to_string())
            .with_attr("created_at", rfc3339(self.created_at))
            .with_attr("created_by", self.created_by.as_str())
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            id: attrs::parsed(item, "id", ClientId::parse)?,
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            name: attrs::parsed(item, "name", |raw| Name::parse(raw).ok())?,
            scopes: attrs::parsed(item, "scopes", |raw| Scopes::parse(raw).ok())?,
            created_at: attrs::time(item, "created_at")?,
            created_by: attrs::text(item, "created_by")?.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_scopes_named_is_a_members_reach_and_more_is_refused() {
        let ceiling = Client::scope_ceiling();
        assert_eq!(Client::requested_scopes::<&str>(None).unwrap(), ceiling);
        assert_eq!(
            ceiling.names(),
            [
                "org:read",
                "members:read",
                "teams:read",
                "vaults:read",
                "pii:use",
                "keys:use",
                "datasets:read",
                "records:read",
                "records:write"
            ]
        );
        let narrow = Client::requested_scopes(Some(&["vaults:read"][..])).unwrap();
        assert_eq!(narrow.names(), ["vaults:read"]);
        assert_eq!(
            Client::requested_scopes::<&str>(Some(&[])).unwrap(),
            Scopes::NONE
        );
        for refused in [&["vaults:manage"][..], &["admin"], &["vaults:read", "*"]] {
            assert!(matches!(
                Client::requested_scopes(Some(refused)),
                Err(ClientError::Invalid {
                    field: "scopes",
                    ..
                })
            ));
        }
        let many = vec!["org:read"; MAX_SCOPE_NAMES + 1];
        assert!(Client::requested_scopes(Some(&many[..])).is_err());
    }

    #[test]
    fn a_client_reads_back_from_its_item() {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let client = Client {
            id: ClientId::generate(now).unwrap(),
            org_id: OrgId::generate(now).unwrap(),
            name: Name::parse("billing sync").unwrap(),
            scopes: Scopes::parse("vaults:read pii:use").unwrap(),
            created_at: now,
            created_by: "usr_01hzzzzzzzzzzzzzzzzzzzzzzz".into(),
        };
        let item = client.to_item();
        assert_eq!(
            item.gsi1,
            Some(schema::client_in_org_index(&client.org_id, &client.id))
        );
        assert_eq!(Client::from_item(&item).unwrap(), client);
    }
}
