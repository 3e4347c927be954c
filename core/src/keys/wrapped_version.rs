//! One version of a data key as the table keeps it: only its wrapped form, with its number and
//! when it was made. Named keys and datasets keep their versions this way, each under its own
//! key from `store::schema` and its own encryption context.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use super::WrappedKey;
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, Key};

#[derive(Debug, Clone, PartialEq)]
pub struct WrappedVersion {
    pub version: u32,
    pub wrapped: WrappedKey,
    pub created_at: OffsetDateTime,
}

impl WrappedVersion {
    /// The version's item at `key`.
    pub fn to_item(&self, key: Key) -> Item {
        Item::new(key)
            .with_attr("version", self.version)
            .with_attr("wrapped", STANDARD.encode(&self.wrapped.0))
            .with_attr("created_at", rfc3339(self.created_at))
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            version: attrs::version(item, "version")?,
            wrapped: WrappedKey(attrs::parsed(item, "wrapped", |raw| {
                STANDARD.decode(raw).ok()
            })?),
            created_at: attrs::time(item, "created_at")?,
        })
    }
}
