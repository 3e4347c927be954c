//! Users: the profile, the credential, and the email uniqueness item.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{AuthError, Email, EmailDigest, UserId};
use crate::store::{Item, Query, Table, schema};

/// A user's display name: trimmed, 1-100 characters, no control characters.
#[derive(Clone, PartialEq, Eq)]
pub struct DisplayName(String);

/// Why a display name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 100 characters without control characters")]
pub struct InvalidName;

impl DisplayName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, InvalidName> {
        let name = raw.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > Self::MAX_CHARS || name.chars().any(char::is_control) {
            return Err(InvalidName);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DisplayName(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for DisplayName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// What a user sees of themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub id: UserId,
    pub email: Email,
    pub name: Option<DisplayName>,
    pub email_verified: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The password hash, apart from the profile so that reading one never reads the other.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// An Argon2id PHC string.
    pub password_hash: String,
    pub changed_at: OffsetDateTime,
}

/// Never the hash: a log line or a panic message must not hand out what an offline guesser
/// needs.
impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("password_hash", &"<redacted>")
            .field("changed_at", &self.changed_at)
            .finish()
    }
}

/// A value read from the table with the version it had.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

/// A user's profile and credential, read together.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub profile: Versioned<Profile>,
    pub credential: Versioned<Credential>,
}

impl Profile {
    pub(crate) fn to_item(&self, version: u64) -> Item {
        Item::new(schema::user_profile(&self.id))
            .with_version(version)
            .with_attr("id", self.id.as_str())
            .with_attr("email", self.email.as_str())
            .with_attr("name", self.name.as_ref().map(|n| n.as_str().to_owned()))
            .with_attr("email_verified", self.email_verified)
            .with_attr("created_at", rfc3339(self.created_at))
            .with_attr("updated_at", rfc3339(self.updated_at))
    }

    pub(crate) fn from_item(item: &Item) -> Result<Versioned<Self>, AuthError> {
        let profile = Self {
            id: UserId::parse(text(item, "id")?).ok_or(AuthError::Corrupt("profile id"))?,
            email: Email::parse(text(item, "email")?)
                .map_err(|_| AuthError::Corrupt("profile email"))?,
            name: match item.attrs.get("name") {
                Some(Value::String(name)) => {
                    Some(DisplayName::parse(name).map_err(|_| AuthError::Corrupt("profile name"))?)
                }
                _ => None,
            },
            email_verified: item
                .attrs
                .get("email_verified")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            created_at: time_attr(item, "created_at")?,
            updated_at: time_attr(item, "updated_at")?,
        };
        Ok(Versioned {
            value: profile,
            version: item.version,
        })
    }
}

impl Credential {
    pub(crate) fn to_item(&self, user: &UserId, version: u64) -> Item {
        Item::new(schema::user_credential(user))
            .with_version(version)
            .with_attr("password_hash", self.password_hash.as_str())
            .with_attr("changed_at", rfc3339(self.changed_at))
    }

    fn from_item(item: &Item) -> Result<Versioned<Self>, AuthError> {
        Ok(Versioned {
            value: Self {
                password_hash: text(item, "password_hash")?.to_owned(),
                changed_at: time_attr(item, "changed_at")?,
            },
            version: item.version,
        })
    }
}

/// Users in the table.
#[derive(Debug, Clone)]
pub struct UserStore {
    table: Arc<dyn Table>,
}

impl UserStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The user who owns the address of `email` (its keyed digest), if any (one get).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn id_by_email(&self, email: &EmailDigest) -> Result<Option<UserId>, AuthError> {
        let Some(item) = self.table.get(&schema::email_claim(email.as_str())).await? else {
            return Ok(None);
        };
        UserId::parse(text(&item, "user_id")?)
            .map(Some)
            .ok_or(AuthError::Corrupt("email owner"))
    }

    /// The owner of the address of `email` (its keyed digest), if any, and every item of the
    /// address's partition (one query): what a login needs to know before it verifies a password.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn login_identity(
        &self,
        email: &EmailDigest,
    ) -> Result<(Option<UserId>, Vec<Item>), AuthError> {
        let page = self
            .table
            .query(&Query::partition(schema::email_partition(email.as_str())).limit(20))
            .await?;
        let claim = schema::email_claim(email.as_str());
        let owner = match page.items.iter().find(|item| item.key == claim) {
            Some(item) => Some(
                UserId::parse(text(item, "user_id")?).ok_or(AuthError::Corrupt("email owner"))?,
            ),
            None => None,
        };
        Ok((owner, page.items))
    }

    /// The user's profile (one get).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    pub async fn profile(&self, id: &UserId) -> Result<Option<Versioned<Profile>>, AuthError> {
        match self.table.get(&schema::user_profile(id)).await? {
            Some(item) => Profile::from_item(&item).map(Some),
            None => Ok(None),
        }
    }

    /// The user's profile and credential (one query on the user's partition).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    pub async fn account(&self, id: &UserId) -> Result<Option<Account>, AuthError> {
        Ok(self.account_in(id, 10).await?.0)
    }

    /// The user's profile and credential, with every other item of the user's partition (their
    /// session places): what a login needs, in one strongly consistent query.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    pub async fn account_with_items(
        &self,
        id: &UserId,
    ) -> Result<(Option<Account>, Vec<Item>), AuthError> {
        self.account_in(id, Query::MAX_LIMIT).await
    }

    async fn account_in(
        &self,
        id: &UserId,
        limit: usize,
    ) -> Result<(Option<Account>, Vec<Item>), AuthError> {
        let page = self
            .table
            .query(&Query::partition(schema::user_partition(id)).limit(limit))
            .await?;
        let (profile_key, credential_key) = (schema::user_profile(id), schema::user_credential(id));
        let (mut profile, mut credential) = (None, None);
        for item in &page.items {
            if item.key == profile_key {
                profile = Some(Profile::from_item(item)?);
            } else if item.key == credential_key {
                credential = Some(Credential::from_item(item)?);
            }
        }
        let account = profile
            .zip(credential)
            .map(|(profile, credential)| Account {
                profile,
                credential,
            });
        Ok((account, page.items))
    }
}

/// The claim of an address (its keyed digest) by `user`: written with `MustNotExist` when the
/// user is created, it is the uniqueness rule of addresses.
pub(crate) fn email_claim_item(email: &EmailDigest, user: &UserId) -> Item {
    Item::new(schema::email_claim(email.as_str())).with_attr("user_id", user.as_str())
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

pub(crate) fn text<'a>(item: &'a Item, name: &'static str) -> Result<&'a str, AuthError> {
    item.attrs
        .get(name)
        .and_then(Value::as_str)
        .ok_or(AuthError::Corrupt(name))
}

pub(crate) fn time_attr(item: &Item, name: &'static str) -> Result<OffsetDateTime, AuthError> {
    OffsetDateTime::parse(text(item, name)?, &Rfc3339).map_err(|_| AuthError::Corrupt(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_survives_the_table_round_trip() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let profile = Profile {
            id: UserId::generate(now).unwrap(),
            email: Email::parse("Jane@Example.com").unwrap(),
            name: Some(DisplayName::parse(" Jane ").unwrap()),
            email_verified: false,
            created_at: now,
            updated_at: now,
        };
        let back = Profile::from_item(&profile.to_item(3)).unwrap();
        assert_eq!(back.value, profile);
        assert_eq!(back.version, 3);
    }

    #[test]
    fn a_credential_never_prints_its_hash() {
        let credential = Credential {
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into(),
            changed_at: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
        };
        let account_debug = format!(
            "{:?}",
            Versioned {
                value: credential.clone(),
                version: 1
            }
        );
        for shown in [
            format!("{credential:?}"),
            format!("{credential:#?}"),
            account_debug,
        ] {
            assert!(!shown.contains("argon2id"), "{shown}");
            assert!(!shown.contains("aGFzaGhhc2g"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Ada Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"x".repeat(101)).is_err());
        assert!(DisplayName::parse("tab\there").is_err());
    }
}
