//! An org's plan and the limits it sets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `free` (5 vaults, 50 certificates, 20 named keys), `pro` (50, 500, 200), `enterprise` (no
/// limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tier {
    #[default]
    Free,
    Pro,
    Enterprise,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of free, pro, enterprise")]
pub struct InvalidTier;

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Pro => "pro",
            Self::Enterprise => "enterprise",
        }
    }

    /// Vaults an org of this tier may hold; `None` is no limit.
    pub fn vault_limit(self) -> Option<i64> {
        match self {
            Self::Free => Some(5),
            Self::Pro => Some(50),
            Self::Enterprise => None,
        }
    }

    /// Client certificates an org of this tier may hold (the clients issue enforces it).
    pub fn certificate_limit(self) -> Option<i64> {
        match self {
            Self::Free => Some(50),
            Self::Pro => Some(500),
            Self::Enterprise => None,
        }
    }
}

impl Tier {
    /// Named encryption keys an org of this tier may hold (the crypto function enforces it).
    pub fn named_key_limit(self) -> Option<i64> {
        match self {
            Self::Free => Some(20),
            Self::Pro => Some(200),
            Self::Enterprise => None,
        }
    }
}

impl Tier {
    /// Live datasets an org of this tier may hold (a soft-deleted one frees its place).
    pub fn dataset_limit(self) -> Option<i64> {
        match self {
            Self::Free => Some(10),
            Self::Pro => Some(1000),
            Self::Enterprise => None,
        }
    }
}

impl FromStr for Tier {
    type Err = InvalidTier;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "free" => Ok(Self::Free),
            "pro" => Ok(Self::Pro),
            "enterprise" => Ok(Self::Enterprise),
            _ => Err(InvalidTier),
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Tier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Tier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}
