//! Email addresses: parsed once, normalised, and compared case-insensitively.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// An email address. Trimmed, with the domain lower-cased; the local part keeps its case for
/// display, but uniqueness and look-ups use [`Email::canonical`] (all lower-case). `Debug` hides
/// the address so that it cannot reach a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
    canonical: String,
}

/// Why a string is not an email address (never quotes the input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid email address")]
pub struct InvalidEmail;

impl Email {
    /// The longest address accepted (RFC 5321's path limit less the brackets).
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            return Err(InvalidEmail);
        }
        let (local, domain) = raw.rsplit_once('@').ok_or(InvalidEmail)?;
        if !valid_local(local) || !valid_domain(domain) {
            return Err(InvalidEmail);
        }
        let domain = domain.to_lowercase();
        Ok(Self {
            address: format!("{local}@{domain}"),
            canonical: format!("{}@{domain}", local.to_lowercase()),
        })
    }

    /// The address as the user wrote it, domain lower-cased: what is shown and mailed to.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The lower-cased address that uniqueness is judged on. Keys hold its keyed digest
    /// ([`super::EmailIndex::digest`]), never the address nor a plain hash of it.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(local, _)| local)
    }
}

fn valid_local(local: &str) -> bool {
    (1..=64).contains(&local.len())
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    (1..=253).contains(&domain.len())
        && labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidEmail;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

/// Request bodies take an `Email` directly: a bad address is a 422 naming the field.
impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_trimmed_and_its_domain_lower_cased() {
        let email = Email::parse("  Jane.Doe@Example.COM \n").unwrap();
        assert_eq!(email.as_str(), "Jane.Doe@example.com");
        assert_eq!(email.canonical(), "jane.doe@example.com");
        assert_eq!(email.local_part(), "Jane.Doe");
    }

    #[test]
    fn the_same_address_in_other_cases_has_one_canonical_form() {
        let a = Email::parse("Jane@example.com").unwrap();
        let b = Email::parse("jane@EXAMPLE.com").unwrap();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.canonical(), b.canonical());
    }

    #[test]
    fn things_that_are_not_addresses_are_refused() {
        for raw in [
            "",
            "jane",
            "@example.com",
            "jane@",
            "jane@localhost",
            "jane doe@example.com",
            "jane@exa mple.com",
            "jane@-example.com",
            "jane@example..com",
            ".jane@example.com",
            "ja..ne@example.com",
            "<jane>@example.com",
            &format!("{}@example.com", "a".repeat(65)),
            &format!("jane@{}.com", "a".repeat(250)),
        ] {
            assert_eq!(Email::parse(raw), Err(InvalidEmail), "{raw:?}");
        }
    }

    #[test]
    fn debug_output_hides_the_address() {
        let email = Email::parse("secret.person@example.com").unwrap();
        assert!(!format!("{email:?}").contains("secret"));
    }

    #[test]
    fn a_body_with_a_bad_address_fails_to_deserialize_without_echoing_it() {
        let err = serde_json::from_str::<Email>("\"canary-not-an-address\"").unwrap_err();
        assert!(!err.to_string().contains("canary"), "{err}");
    }
}
