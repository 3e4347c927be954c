//! A record as stored: plain fields in clear, sensitive fields as ciphertexts (never their
//! values), the key version that sealed them, and where its payload is. Both field maps are
//! kept as JSON text, so a record's shape never meets the table's type rules.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::ids::{DatasetId, RecordId};
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};

/// A payload sealed by the function into the blob store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadRef {
    /// The blob's key.
    pub blob: String,
    /// The upload's name (part of the blob key, bound into the ciphertext).
    pub upload: String,
    /// The payload's size in clear.
    pub size: u64,
    pub content_type: String,
    /// The data-key version that sealed it.
    pub key_version: u32,
    /// `true` for a payload uploaded through a presigned URL (SSE-KMS at rest in S3, not
    /// sealed by the function).
    #[serde(default)]
    pub presigned: bool,
}

/// What the PII engine flagged in a plain field (never the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiiFlag {
    pub field: String,
    #[serde(rename = "type")]
    pub entity_type: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub id: RecordId,
    pub dataset_id: DatasetId,
    /// The data-key version the sealed fields are sealed with.
    pub key_version: u32,
    pub plain: Map<String, Value>,
    /// Field name → base64 envelope.
    pub sealed: Map<String, Value>,
    pub pii: Vec<PiiFlag>,
    pub payload: Option<PayloadRef>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub created_by: String,
    /// The item's version, for optimistic concurrency.
    pub revision: u64,
}

impl StoredRecord {
    pub fn to_item(&self) -> Item {
        let index = schema::record_in_dataset_index(&self.dataset_id, &self.id);
        let mut item = Item::new(schema::record(&self.id))
            .with_gsi1(index.pk, index.sk)
            .with_version(self.revision)
            .with_attr("id", self.id.as_str())
            .with_attr("dataset_id", self.dataset_id.as_str())
            .with_attr("key_version", self.key_version)
            .with_attr("plain", Value::Object(self.plain.clone()).to_string())
            .with_attr("sealed", Value::Object(self.sealed.clone()).to_string())
            .with_attr("created_at", rfc3339(self.created_at))
            .with_attr("updated_at", rfc3339(self.updated_at))
            .with_attr("created_by", self.created_by.as_str());
        if !self.pii.is_empty() {
            item = item.with_attr("pii", serde_json::to_string(&self.pii).unwrap_or_default());
        }
        if let Some(payload) = &self.payload {
            item = item.with_attr(
                "payload",
                serde_json::to_string(payload).unwrap_or_default(),
            );
        }
        item
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        let object = |name: &'static str| -> Result<Map<String, Value>, BadAttribute> {
            attrs::parsed(item, name, |raw| serde_json::from_str(raw).ok())
        };
        let optional_json =
            |name: &'static str| -> Option<&str> { item.attrs.get(name).and_then(Value::as_str) };
        Ok(Self {
            id: attrs::parsed(item, "id", RecordId::parse)?,
            dataset_id: attrs::parsed(item, "dataset_id", DatasetId::parse)?,
            key_version: attrs::version(item, "key_version")?,
            plain: object("plain")?,
            sealed: object("sealed")?,
            pii: optional_json("pii")
                .map(|raw| serde_json::from_str(raw).map_err(|_| BadAttribute("pii")))
                .transpose()?
                .unwrap_or_default(),
            payload: optional_json("payload")
                .map(|raw| serde_json::from_str(raw).map_err(|_| BadAttribute("payload")))
                .transpose()?,
            created_at: attrs::time(item, "created_at")?,
            updated_at: attrs::time(item, "updated_at")?,
            created_by: attrs::text(item, "created_by")?.to_owned(),
            revision: item.version,
        })
    }
}
