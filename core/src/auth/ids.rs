//! Identifiers with a type prefix (`usr_`, `ses_`): ULIDs made from the clock and the OS CSPRNG.

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
    }

    #[test]
    fn ids_made_later_sort_later() {
        let t = OffsetDateTime::now_utc();
        let a = SessionId::generate(t).unwrap();
        let b = SessionId::generate(t + time::Duration::milliseconds(2)).unwrap();
        assert!(a < b);
    }
}
