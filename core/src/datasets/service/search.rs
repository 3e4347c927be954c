//! Exact-match search on a field with an index: `tokenize` fields (blind index, truncated so
//! equal indexes prove nothing) and `plain` fields declared searchable. The value's index is
//! computed under each key version the dataset's records may be sealed with (two while a
//! re-encryption runs), candidates are read from the index, and only true matches — compared
//! after decryption — are returned, as the reader's view shows them. A reader whose view of
//! the field is not clear may not search it: matches would tell what the view hides.

use std::collections::BTreeSet;

use futures_util::future::try_join_all;
use sha2::{Digest, Sha256};

use super::DatasetsService;
use super::data_keys::DataKeys;
use super::read::{RecordView, open_record};
use crate::access::Scoped;
use crate::audit::RequestOrigin;
use crate::datasets::blind_index::{IndexKey, PLAIN_INDEX_BITS, canonical};
use crate::datasets::cursor::DatasetCursor;
use crate::datasets::policy::View;
use crate::datasets::seal::open_field;
use crate::datasets::{Comparand, Dataset, DatasetError, IndexEntry, reads_as_admin};
use crate::store::{Cursor, Query, StoreError, schema};

/// One page of matches.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    pub items: Vec<RecordView>,
    pub next_cursor: Option<String>,
}

/// What a search asks for.
#[derive(Debug, Clone, Copy)]
pub struct SearchQuery<'a> {
    pub field: &'a str,
    pub value: &'a str,
    /// Candidates examined per page (so a page may hold fewer matches and still go on).
    pub limit: usize,
    pub cursor: Option<&'a str>,
}

/// Longest value searched for.
pub const MAX_SEARCH_VALUE: usize = 4096;

impl DatasetsService {
    /// Records whose `field` equals `value`.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %dataset.id, field = query.field))]
    pub async fn search(
        &self,
        at: &Scoped,
        dataset: Dataset,
        query: SearchQuery<'_>,
        origin: &RequestOrigin,
    ) -> Result<SearchPage, DatasetError> {
        let SearchQuery {
            field,
            value,
            limit,
            cursor,
        } = query;
        let dataset = dataset.visible_to(at)?;
        if value.len() > MAX_SEARCH_VALUE {
            return Err(DatasetError::invalid(
                "value",
                format!("at most {MAX_SEARCH_VALUE} bytes"),
            ));
        }
        let spec = match dataset.field(field) {
            Some(spec) if spec.searchable => *spec,
            Some(_) => {
                return Err(DatasetError::invalid(
                    "field",
                    "is not searchable: only tokenize fields and plain fields declared searchable are",
                ));
            }
            None if dataset.allows_field(field) => {
                return Err(DatasetError::invalid(
                    "field",
                    "is not searchable: declare it a plain field with searchable: true",
                ));
            }
            None => {
                return Err(DatasetError::invalid(
                    "field",
                    "is not a field of this dataset",
                ));
            }
        };
        let admin = reads_as_admin(at);
        if spec.view(admin) != View::Clear {
            return Err(DatasetError::invalid(
                "field",
                "your role's view of this field is not clear, so you may not search it",
            ));
        }
        let list = search_list(field, value);
        let (mut version, mut after) = match cursor {
            Some(raw) => {
                let (version, inner) = DatasetCursor::decode(raw, &dataset.id, &list)?;
                (version.unwrap_or(dataset.oldest_version), inner)
            }
            None => (dataset.oldest_version, None),
        };
        let bits = spec.index_bits.unwrap_or(PLAIN_INDEX_BITS);
        let mut keys = DataKeys::new(self, &dataset);
        let mut decrypted = BTreeSet::new();
        let mut matches = Vec::new();
        let mut budget = limit;
        let mut next_cursor = None;
        while version <= dataset.latest_version && budget > 0 {
            let key = keys.get(version).await?;
            let index = IndexKey::derive(&key, &dataset.id, field).index(value.as_bytes(), bits);
            let page = self
                .table
                .query(
                    &Query::gsi1(schema::blind_index_partition(
                        &dataset.id,
                        field,
                        version,
                        &index,
                    ))
                    .limit(budget)
                    .after(after.take()),
                )
                .await
                .map_err(|err| match err {
                    StoreError::InvalidCursor => {
                        DatasetError::invalid("cursor", "is not a cursor of this list")
                    }
                    other => other.into(),
                })?;
            budget -= page.items.len().min(budget);
            for item in &page.items {
                let entry = IndexEntry::from_item(item)?;
                let candidate = match &entry.comparand {
                    Comparand::Sealed(sealed) => {
                        decrypted.insert(field.to_owned());
                        open_field(&key, &dataset.id, &entry.record_id, field, version, sealed)?
                    }
                    Comparand::Plain(text) => serde_json::from_str(text)
                        .map_err(|_| crate::store::BadAttribute("plain"))?,
                };
                if *canonical(&candidate) == *value.as_bytes() {
                    matches.push(entry.record_id);
                }
            }
            match page.next_cursor {
                Some(inner) => {
                    next_cursor = Some(stop_at(&dataset, &list, version, &inner));
                    break;
                }
                None => {
                    version += 1;
                    // Out of room exactly where a version's index ended: go on with the next.
                    if budget == 0 && version <= dataset.latest_version {
                        next_cursor =
                            Some(DatasetCursor::at_version(&dataset.id, &list, version).encode());
                    }
                }
            }
        }
        // A match deleted since its entry was read is left out.
        let records = try_join_all(matches.iter().map(|id| async {
            match self.stored_record(&dataset, id).await {
                Ok(record) => Ok(Some(record)),
                Err(DatasetError::NotFound(_)) => Ok(None),
                Err(other) => Err(other),
            }
        }))
        .await?;
        let records: Vec<_> = records.into_iter().flatten().collect();
        let mut items = Vec::with_capacity(records.len());
        for record in records {
            items.push(open_record(&dataset, record, &mut keys, admin, &mut decrypted).await?);
        }
        self.audit_read(at, "records.search", &dataset.id, &decrypted, origin)
            .await?;
        Ok(SearchPage { items, next_cursor })
    }
}

/// What a search's cursors are bound to: the field and (a digest of) the value, so a cursor
/// of one search does not page another.
fn search_list(field: &str, value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    let short: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("search:{field}:{short}")
}

fn stop_at(dataset: &Dataset, list: &str, version: u32, inner: &Cursor) -> String {
    DatasetCursor::new(&dataset.id, list, Some(version), inner).encode()
}
