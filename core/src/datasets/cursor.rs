//! Cursors of a dataset's lists and searches: the store's cursor wrapped with the dataset (and
//! for a search, the field and key version) it belongs to, so a cursor from another dataset or
//! another search is refused (422) instead of paging somewhere else.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::DatasetError;
use crate::ids::DatasetId;
use crate::store::Cursor;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetCursor {
    /// The dataset.
    d: String,
    /// What the list is (`records`, or `search:<field>`).
    l: String,
    /// A search's key version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    v: Option<u32>,
    /// The store's cursor; absent: the start of version `v`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<String>,
}

impl DatasetCursor {
    pub fn new(dataset: &DatasetId, list: &str, version: Option<u32>, inner: &Cursor) -> Self {
        Self {
            d: dataset.to_string(),
            l: list.to_owned(),
            v: version,
            c: Some(inner.encode()),
        }
    }

    /// A cursor at the start of `version` (a search that ran out of room where one version's
    /// index ended).
    pub fn at_version(dataset: &DatasetId, list: &str, version: u32) -> Self {
        Self {
            d: dataset.to_string(),
            l: list.to_owned(),
            v: Some(version),
            c: None,
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a client's cursor for `list` of `dataset`: the version it was at and where (`None`:
    /// that version's start).
    pub fn decode(
        raw: &str,
        dataset: &DatasetId,
        list: &str,
    ) -> Result<(Option<u32>, Option<Cursor>), DatasetError> {
        let refused = || DatasetError::invalid("cursor", "is not a cursor of this list");
        if raw.len() > 16 * 1024 {
            return Err(refused());
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| refused())?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| refused())?;
        if cursor.d != dataset.as_str() || cursor.l != list {
            return Err(refused());
        }
        let inner = cursor
            .c
            .map(|c| Cursor::decode(&c).map_err(|_| refused()))
            .transpose()?;
        if inner.is_none() && cursor.v.is_none() {
            return Err(refused());
        }
        Ok((cursor.v, inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Item, Key};
    use time::OffsetDateTime;

    #[test]
    fn a_cursor_pages_only_the_list_of_the_dataset_it_came_from() {
        let now = OffsetDateTime::now_utc();
        let (a, b) = (
            DatasetId::generate(now).unwrap(),
            DatasetId::generate(now).unwrap(),
        );
        let inner = Cursor::after(&Item::new(Key::new("p", "s")));
        let raw = DatasetCursor::new(&a, "records", None, &inner).encode();
        assert_eq!(
            DatasetCursor::decode(&raw, &a, "records").unwrap(),
            (None, Some(inner))
        );
        let start = DatasetCursor::at_version(&a, "search:f", 2).encode();
        assert_eq!(
            DatasetCursor::decode(&start, &a, "search:f").unwrap(),
            (Some(2), None)
        );
        assert!(DatasetCursor::decode(&raw, &b, "records").is_err());
        assert!(DatasetCursor::decode(&raw, &a, "search:email").is_err());
        assert!(DatasetCursor::decode("not-a-cursor", &a, "records").is_err());
    }
}
