//! Reading an item's attributes back into domain values: a missing or malformed attribute is
//! [`BadAttribute`], which each domain maps to its own "corrupt record" error.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Item;

/// An attribute this code writes is missing or has the wrong shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("attribute {0} is missing or malformed")]
pub struct BadAttribute(pub &'static str);

/// The RFC 3339 form times are stored in.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

pub fn text<'a>(item: &'a Item, name: &'static str) -> Result<&'a str, BadAttribute> {
    item.attrs
        .get(name)
        .and_then(Value::as_str)
        .ok_or(BadAttribute(name))
}

pub fn time(item: &Item, name: &'static str) -> Result<OffsetDateTime, BadAttribute> {
    OffsetDateTime::parse(text(item, name)?, &Rfc3339).map_err(|_| BadAttribute(name))
}

/// An optional time: absent or `null` is `None`.
pub fn optional_time(
    item: &Item,
    name: &'static str,
) -> Result<Option<OffsetDateTime>, BadAttribute> {
    match item.attrs.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => time(item, name).map(Some),
    }
}

/// A whole number; absent counts as 0 (counters start there).
pub fn count(item: &Item, name: &'static str) -> i64 {
    item.attrs.get(name).and_then(Value::as_i64).unwrap_or(0)
}

/// A version number: a whole number from 1 to `u32::MAX`.
pub fn version(item: &Item, name: &'static str) -> Result<u32, BadAttribute> {
    u32::try_from(count(item, name))
        .ok()
        .filter(|v| *v >= 1)
        .ok_or(BadAttribute(name))
}

/// Parses a text attribute with `parse`.
pub fn parsed<T>(
    item: &Item,
    name: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, BadAttribute> {
    parse(text(item, name)?).ok_or(BadAttribute(name))
}
