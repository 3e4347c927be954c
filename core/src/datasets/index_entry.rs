//! A record's entry in one searchable field's blind index. It lives in the record's partition
//! (so the record's deletion finds it) and in the index partition of its value's index, where a
//! search finds it; it carries the field's ciphertext (tokenize) or value (plain) so a search
//! can drop false candidates without reading their records.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Dataset;
use super::blind_index::{IndexKey, PLAIN_INDEX_BITS, canonical};
use crate::crypto::DataKey;
use crate::ids::{DatasetId, RecordId};
use crate::store::attrs::{self, BadAttribute};
use crate::store::{Item, schema};

/// What an entry holds to compare a candidate with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparand {
    /// A tokenize field's ciphertext (base64 envelope).
    Sealed(String),
    /// A plain field's value as JSON text.
    Plain(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub dataset_id: DatasetId,
    pub record_id: RecordId,
    pub field: String,
    /// The key version whose index key made `index`.
    pub version: u32,
    pub index: String,
    pub comparand: Comparand,
}

impl IndexEntry {
    pub fn to_item(&self) -> Item {
        let index = schema::blind_index_entry(
            &self.dataset_id,
            &self.field,
            self.version,
            &self.index,
            &self.record_id,
        );
        let (kind, text) = match &self.comparand {
            Comparand::Sealed(s) => ("sealed", s.as_str()),
            Comparand::Plain(p) => ("plain", p.as_str()),
        };
        Item::new(schema::record_index_entry(&self.record_id, &self.field))
            .with_gsi1(index.pk, index.sk)
            .with_attr("dataset_id", self.dataset_id.as_str())
            .with_attr("record_id", self.record_id.as_str())
            .with_attr("field", self.field.as_str())
            .with_attr("version", self.version)
            .with_attr("index", self.index.as_str())
            .with_attr(kind, text)
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        let text = |name| item.attrs.get(name).and_then(Value::as_str);
        let comparand = match (text("sealed"), text("plain")) {
            (Some(sealed), None) => Comparand::Sealed(sealed.to_owned()),
            (None, Some(plain)) => Comparand::Plain(plain.to_owned()),
            _ => return Err(BadAttribute("sealed")),
        };
        Ok(Self {
            dataset_id: attrs::parsed(item, "dataset_id", DatasetId::parse)?,
            record_id: attrs::parsed(item, "record_id", RecordId::parse)?,
            field: attrs::text(item, "field")?.to_owned(),
            version: u32::try_from(attrs::count(item, "version"))
                .map_err(|_| BadAttribute("version"))?,
            index: attrs::text(item, "index")?.to_owned(),
            comparand,
        })
    }
}

/// Makes a record's index entries under one key version of its dataset.
pub struct Indexer<'a> {
    dataset: &'a Dataset,
    version: u32,
    keys: BTreeMap<&'a str, IndexKey>,
}

impl<'a> Indexer<'a> {
    pub fn new(dataset: &'a Dataset, data_key: &DataKey, version: u32) -> Self {
        let keys = dataset
            .searchable_fields()
            .map(|(name, _)| (name.as_str(), IndexKey::derive(data_key, &dataset.id, name)))
            .collect();
        Self {
            dataset,
            version,
            keys,
        }
    }

    /// The entry of `field` holding `value` (stored as `comparand`), if the field has an index.
    pub fn entry(
        &self,
        record: &RecordId,
        field: &str,
        value: &Value,
        comparand: impl FnOnce() -> Comparand,
    ) -> Option<IndexEntry> {
        let key = self.keys.get(field)?;
        let bits = self
            .dataset
            .field(field)
            .and_then(|spec| spec.index_bits)
            .unwrap_or(PLAIN_INDEX_BITS);
        Some(IndexEntry {
            dataset_id: self.dataset.id.clone(),
            record_id: record.clone(),
            field: field.to_owned(),
            version: self.version,
            index: key.index(&canonical(value), bits),
            comparand: comparand(),
        })
    }
}
