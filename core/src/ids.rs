//! Identifiers with a type prefix (`usr_`, `org_`, ...): ULIDs made from the clock and the OS
//! CSPRNG. `parse` accepts only the prefix and a ULID, so an id from a URL that is not one of
//! ours is refused before any table read (and answers 404, never 500).

use std::fmt;

use time::OffsetDateTime;
use ulid::Ulid;

use crate::crypto::{CryptoError, random};

/// A ULID for `now`, its random part from the OS CSPRNG.
pub fn ulid_at(now: OffsetDateTime) -> Result<Ulid, CryptoError> {
    let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let random = u128::from_be_bytes(random::bytes::<16>()?);
    Ok(Ulid::from_parts(millis, random))
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A new id made at `now`.
            pub fn generate(now: OffsetDateTime) -> Result<Self, CryptoError> {
                Ok(Self(format!("{}{}", $prefix, ulid_at(now)?.to_string().to_lowercase())))
            }

            /// Reads an id a client sent: the prefix and a ULID, nothing else.
            pub fn parse(raw: &str) -> Option<Self> {
                let ulid = Ulid::from_string(raw.strip_prefix($prefix)?).ok()?;
                Some(Self(format!("{}{}", $prefix, ulid.to_string().to_lowercase())))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&raw).ok_or_else(|| {
                    serde::de::Error::custom(concat!("must be an id starting with ", $prefix))
                })
            }
        }
    };
}

prefixed_id!(
    /// A user: `usr_<ulid>`.
    UserId,
    "usr_"
);
prefixed_id!(
    /// A session: `ses_<ulid>`. Public (listed, revoked by id); the session's token is not.
    SessionId,
    "ses_"
);
prefixed_id!(
    /// An organization, the tenant: `org_<ulid>`.
    OrgId,
    "org_"
);
prefixed_id!(
    /// A vault of an organization: `vlt_<ulid>`.
    VaultId,
    "vlt_"
);
prefixed_id!(
    /// A team inside an organization: `team_<ulid>`.
    TeamId,
    "team_"
);
prefixed_id!(
    /// A pending invitation to an organization: `inv_<ulid>`.
    InvitationId,
    "inv_"
);
prefixed_id!(
    /// A machine client of an organization: `cli_<ulid>`.
    ClientId,
    "cli_"
);
prefixed_id!(
    /// A client certificate: `crt_<ulid>`, also the `kid` its assertions name.
    CertificateId,
    "crt_"
);
prefixed_id!(
    /// A chain of refresh tokens: `rfam_<ulid>`. Never shown to clients.
    RefreshFamilyId,
    "rfam_"
);
prefixed_id!(
    /// A named encryption key of an organization (encryption as a service): `key_<ulid>`.
    NamedKeyId,
    "key_"
);
prefixed_id!(
    /// A dataset of the data vault: `dst_<ulid>`.
    DatasetId,
    "dst_"
);
prefixed_id!(
    /// A record of a dataset: `rec_<ulid>`. Ids of an idempotent batch are consecutive ULIDs
    /// reserved by its key, so a retry writes the same records.
    RecordId,
    "rec_"
);
prefixed_id!(
    /// A background job (a dataset's re-encryption): `job_<ulid>`.
    JobId,
    "job_"
);
prefixed_id!(
    /// An audit event: `evt_<ulid>`.
    EventId,
    "evt_"
);
prefixed_id!(
    /// A signed checkpoint of an audit scope's chains: `cpt_<ulid>`.
    CheckpointId,
    "cpt_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_parse_back() {
        let now = OffsetDateTime::now_utc();
        let id = UserId::generate(now).unwrap();
        assert!(id.as_str().starts_with("usr_"));
        assert_eq!(id.as_str().len(), 4 + 26);
        assert_eq!(UserId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(
            UserId::parse(&id.as_str().to_uppercase().replacen("USR_", "usr_", 1)),
            Some(id.clone())
        );
        assert_eq!(SessionId::parse(id.as_str()), None);
        assert_eq!(UserId::parse("usr_not-a-ulid"), None);
        assert_eq!(OrgId::parse("org_../../etc"), None);
    }

    #[test]
    fn ids_made_later_sort_later() {
        let t = OffsetDateTime::now_utc();
        let a = SessionId::generate(t).unwrap();
        let b = SessionId::generate(t + time::Duration::milliseconds(2)).unwrap();
        assert!(a < b);
    }

    #[test]
    fn ids_deserialize_only_from_their_own_shape() {
        let org: OrgId = serde_json::from_str("\"org_01arz3ndektsv4rrffq69g5fav\"").unwrap();
        assert_eq!(
            serde_json::to_string(&org).unwrap(),
            "\"org_01arz3ndektsv4rrffq69g5fav\""
        );
        assert!(serde_json::from_str::<OrgId>("\"usr_01arz3ndektsv4rrffq69g5fav\"").is_err());
    }
}
