use serde_json::{Map, Value};

use super::StoreError;

/// Attribute names the table itself uses; an item's own attributes may not take them.
pub const RESERVED_ATTRIBUTES: [&str; 6] = ["pk", "sk", "gsi1pk", "gsi1sk", "expires_at", "ver"];

/// An item's primary key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    pub(crate) fn check(&self) -> Result<(), StoreError> {
        if self.pk.is_empty() || self.sk.is_empty() {
            return Err(StoreError::Invalid("pk and sk must not be empty".into()));
        }
        if self.pk.len() > 1024 || self.sk.len() > 1024 {
            return Err(StoreError::Invalid(
                "pk and sk are at most 1024 bytes".into(),
            ));
        }
        Ok(())
    }
}

/// One item of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub key: Key,
    /// The item's key in `gsi1`, if it appears there.
    pub gsi1: Option<Key>,
    /// Unix seconds after which the item is gone for every read.
    pub expires_at: Option<i64>,
    /// Set by the caller; `Condition::VersionEquals` compares against it.
    pub version: u64,
    /// The item's own attributes (no reserved names).
    pub attrs: Map<String, Value>,
}

impl Item {
    pub fn new(key: Key) -> Self {
        Self {
            key,
            gsi1: None,
            expires_at: None,
            version: 1,
            attrs: Map::new(),
        }
    }

    pub fn with_gsi1(mut self, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        self.gsi1 = Some(Key::new(pk, sk));
        self
    }

    pub fn with_expiry(mut self, expires_at: i64) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    pub fn with_version(mut self, version: u64) -> Self {
        self.version = version;
        self
    }

    pub fn with_attr(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attrs.insert(name.into(), value.into());
        self
    }

    /// Whether reads at `now` (Unix seconds) still see the item.
    pub fn is_live(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }

    pub(crate) fn check(&self) -> Result<(), StoreError> {
        self.key.check()?;
        if let Some(gsi1) = &self.gsi1 {
            gsi1.check()?;
        }
        if let Some(name) = self
            .attrs
            .keys()
            .find(|k| RESERVED_ATTRIBUTES.contains(&k.as_str()))
        {
            return Err(StoreError::Invalid(format!(
                "attribute name {name:?} is reserved"
            )));
        }
        Ok(())
    }
}
