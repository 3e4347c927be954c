//! The entity vocabulary shared by detection, anonymization and the HTTP contract.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A kind of sensitive value; serialized as in API.md (`"EMAIL"`, `"US_SSN"`, ...).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EntityType {
    /// An e-mail address.
    Email,
    /// A telephone number (North American or international `+CC` form).
    Phone,
    /// A US Social Security number.
    UsSsn,
    /// A payment card number (Luhn-checked, known issuer prefix and length).
    CreditCard,
    /// An International Bank Account Number (ISO 13616 mod-97 checked).
    Iban,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// A person's name.
    Person,
    /// A date of birth (a date with birth context).
    DateOfBirth,
    /// A US passport number.
    UsPassport,
    /// A US driver's licence number (needs licence context).
    UsDriverLicense,
    /// A web address.
    Url,
    /// An AWS access key id (`AKIA`/`ASIA`).
    AwsAccessKey,
    /// A generic high-entropy credential or a known vendor token.
    ApiSecret,
    /// A JSON Web Token.
    Jwt,
    /// A Bitcoin or Ethereum address.
    CryptoWallet,
    /// A MAC (EUI-48) address.
    MacAddress,
}

impl EntityType {
    /// Every type, in declaration order.
    pub const ALL: [EntityType; 16] = [
        Self::Email,
        Self::Phone,
        Self::UsSsn,
        Self::CreditCard,
        Self::Iban,
        Self::IpAddress,
        Self::Person,
        Self::DateOfBirth,
        Self::UsPassport,
        Self::UsDriverLicense,
        Self::Url,
        Self::AwsAccessKey,
        Self::ApiSecret,
        Self::Jwt,
        Self::CryptoWallet,
        Self::MacAddress,
    ];

    /// The wire name, e.g. `"US_SSN"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
            Self::UsSsn => "US_SSN",
            Self::CreditCard => "CREDIT_CARD",
            Self::Iban => "IBAN",
            Self::IpAddress => "IP_ADDRESS",
            Self::Person => "PERSON",
            Self::DateOfBirth => "DATE_OF_BIRTH",
            Self::UsPassport => "US_PASSPORT",
            Self::UsDriverLicense => "US_DRIVER_LICENSE",
            Self::Url => "URL",
            Self::AwsAccessKey => "AWS_ACCESS_KEY",
            Self::ApiSecret => "API_SECRET",
            Self::Jwt => "JWT",
            Self::CryptoWallet => "CRYPTO_WALLET",
            Self::MacAddress => "MAC_ADDRESS",
        }
    }

    /// Position in [`EntityType::ALL`], for per-type tables.
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityType {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|t| t.as_str() == s).ok_or(())
    }
}

/// One sensitive value found: where it is, what it is, and how sure the detector is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// What was found.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// UTF-8 byte offset of the first byte, into the text or into the field's string.
    pub start: usize,
    /// UTF-8 byte offset one past the last byte (exclusive).
    pub end: usize,
    /// Confidence in [0, 1].
    pub score: f32,
    /// For records: the field's path, e.g. `customer.emails[1]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Entity {
    /// Length of the span in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span is empty (never for detector output).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_types_serialize_as_api_names() {
        for t in EntityType::ALL {
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(t.as_str().parse::<EntityType>(), Ok(t));
            assert_eq!(EntityType::ALL[t.index()], t);
        }
    }

    #[test]
    fn entity_without_field_omits_it() {
        let e = Entity {
            entity_type: EntityType::UsSsn,
            start: 1,
            end: 12,
            score: 0.9,
            field: None,
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"type":"US_SSN","start":1,"end":12,"score":0.9}"#
        );
    }
}
