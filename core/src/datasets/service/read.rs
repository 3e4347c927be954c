//! Reading records: each sealed field the reader's view shows is opened (a field the view
//! redacts is never decrypted), then shown in clear or masked. Every read that decrypted
//! something writes one audit event naming the fields, never their values. Deleting a record
//! removes it with its index entries in one audited transaction; its payload's blob goes after.

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::DatasetsService;
use super::data_keys::DataKeys;
use crate::access::Scoped;
use crate::audit::{Change, Outcome, RequestOrigin};
use crate::datasets::cursor::DatasetCursor;
use crate::datasets::policy::View;
use crate::datasets::seal::open_field;
use crate::datasets::view::mask;
use crate::datasets::{Dataset, DatasetError, PayloadRef, PiiFlag, StoredRecord, reads_as_admin};
use crate::ids::RecordId;
use crate::store::{Condition, Query, TxOp, schema};

/// A record as a reader sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordView {
    pub id: RecordId,
    pub data: Map<String, Value>,
    /// Fields the reader's view leaves out.
    pub redacted_fields: Vec<String>,
    pub key_version: u32,
    pub pii: Vec<PiiFlag>,
    pub payload: Option<PayloadRef>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One page of records.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPage {
    pub items: Vec<RecordView>,
    pub next_cursor: Option<String>,
}

/// The list name records' cursors carry.
const RECORDS_LIST: &str = "records";

impl DatasetsService {
    /// One record, decrypted as `at`'s view allows.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %dataset.id, record_id = %id))]
    pub async fn get_record(
        &self,
        at: &Scoped,
        dataset: Dataset,
        id: &RecordId,
        origin: &RequestOrigin,
    ) -> Result<RecordView, DatasetError> {
        let dataset = dataset.visible_to(at)?;
        let record = self.stored_record(&dataset, id).await?;
        let mut keys = DataKeys::new(self, &dataset);
        let mut decrypted = BTreeSet::new();
        let view = open_record(
            &dataset,
            record,
            &mut keys,
            reads_as_admin(at),
            &mut decrypted,
        )
        .await?;
        self.audit_read(at, "records.read", id, &decrypted, origin)
            .await?;
        Ok(view)
    }

    /// A page of records in id order, decrypted as `at`'s view allows.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %dataset.id))]
    pub async fn list_records(
        &self,
        at: &Scoped,
        dataset: Dataset,
        limit: usize,
        cursor: Option<&str>,
        origin: &RequestOrigin,
    ) -> Result<RecordPage, DatasetError> {
        let dataset = dataset.visible_to(at)?;
        let after = cursor
            .map(|raw| DatasetCursor::decode(raw, &dataset.id, RECORDS_LIST))
            .transpose()?
            .and_then(|(_, inner)| inner);
        let page = self
            .table
            .query(
                &Query::gsi1(schema::dataset_records_partition(&dataset.id))
                    .limit(limit)
                    .after(after),
            )
            .await?;
        let mut keys = DataKeys::new(self, &dataset);
        let mut decrypted = BTreeSet::new();
        let admin = reads_as_admin(at);
        let mut items = Vec::with_capacity(page.items.len());
        for item in &page.items {
            let record = StoredRecord::from_item(item)?;
            items.push(open_record(&dataset, record, &mut keys, admin, &mut decrypted).await?);
        }
        self.audit_read(at, "records.read", &dataset.id, &decrypted, origin)
            .await?;
        Ok(RecordPage {
            items,
            next_cursor: page
                .next_cursor
                .map(|c| DatasetCursor::new(&dataset.id, RECORDS_LIST, None, &c).encode()),
        })
    }

    /// Deletes a record with its index entries; its payload's blob is removed after (cleanup
    /// removes it if this process dies first).
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %dataset.id, record_id = %id))]
    pub async fn delete_record(
        &self,
        at: &Scoped,
        dataset: Dataset,
        id: &RecordId,
        origin: &RequestOrigin,
    ) -> Result<(), DatasetError> {
        let dataset = dataset.visible_to(at)?;
        let record = self.stored_record(&dataset, id).await?;
        let event = self.event(at, "records.delete", Outcome::Success, origin, id)?;
        Change::new(event)
            .delete_or(
                schema::record(id),
                Condition::VersionEquals(record.revision),
                DatasetError::ConcurrentChange("record"),
            )
            .ops(dataset.searchable_fields().map(|(field, _)| TxOp::Delete {
                key: schema::record_index_entry(id, field),
                condition: Condition::None,
            }))
            .commit(&*self.table)
            .await?;
        if let Some(payload) = record.payload {
            self.forget_blob(&payload.blob).await;
        }
        Ok(())
    }

    /// The record `id` of `dataset` as stored: one of another dataset is not found.
    pub(super) async fn stored_record(
        &self,
        dataset: &Dataset,
        id: &RecordId,
    ) -> Result<StoredRecord, DatasetError> {
        let item = self
            .table
            .get(&schema::record(id))
            .await?
            .ok_or(DatasetError::NotFound("record"))?;
        let record = StoredRecord::from_item(&item)?;
        if record.dataset_id != dataset.id {
            return Err(DatasetError::NotFound("record"));
        }
        Ok(record)
    }

    /// The audit event of a read that decrypted `fields` (none: nothing to record).
    pub(super) async fn audit_read(
        &self,
        at: &Scoped,
        action: &'static str,
        resource: &(dyn std::fmt::Display + Sync),
        fields: &BTreeSet<String>,
        origin: &RequestOrigin,
    ) -> Result<(), DatasetError> {
        if fields.is_empty() {
            return Ok(());
        }
        let event = self
            .event(at, action, Outcome::Success, origin, resource)?
            .fields(fields);
        self.audit.record(&event).await?;
        Ok(())
    }

    /// Removes a blob nothing points to any more; a failure leaves an orphan for cleanup.
    pub(super) async fn forget_blob(&self, blob: &str) {
        if let Err(err) = self.blobs.delete(blob).await {
            tracing::warn!(error = %err, "orphan blob left for cleanup");
        }
    }
}

/// `record` as a reader with (or without) the admin view sees it; the names of the fields it
/// decrypted are added to `decrypted`.
pub(super) async fn open_record(
    dataset: &Dataset,
    record: StoredRecord,
    keys: &mut DataKeys<'_>,
    admin: bool,
    decrypted: &mut BTreeSet<String>,
) -> Result<RecordView, DatasetError> {
    let view_of = |name: &str| {
        dataset
            .field(name)
            .map_or(View::Clear, |spec| spec.view(admin))
    };
    let mut data = Map::with_capacity(record.plain.len() + record.sealed.len());
    let mut redacted_fields = Vec::new();
    for (name, value) in record.plain {
        match view_of(&name) {
            View::Clear => {
                data.insert(name, value);
            }
            View::Masked => {
                data.insert(name, mask(&value));
            }
            View::Redacted => redacted_fields.push(name),
        }
    }
    let needs_key = record
        .sealed
        .keys()
        .any(|name| view_of(name) != View::Redacted);
    let key = if needs_key {
        Some(keys.get(record.key_version).await?)
    } else {
        None
    };
    for (name, sealed) in record.sealed {
        let view = view_of(&name);
        let (Some(key), false) = (&key, view == View::Redacted) else {
            redacted_fields.push(name);
            continue;
        };
        let ciphertext = sealed
            .as_str()
            .ok_or(crate::store::BadAttribute("sealed"))?;
        let value = open_field(
            key,
            &dataset.id,
            &record.id,
            &name,
            record.key_version,
            ciphertext,
        )?;
        let shown = if view == View::Masked {
            mask(&value)
        } else {
            value
        };
        decrypted.insert(name.clone());
        data.insert(name, shown);
    }
    redacted_fields.sort();
    // What the engine flagged in a field the view hides says something about that field.
    let pii = record
        .pii
        .into_iter()
        .filter(|flag| data.contains_key(top_level(&flag.field)))
        .collect();
    Ok(RecordView {
        id: record.id,
        data,
        redacted_fields,
        key_version: record.key_version,
        pii,
        payload: record.payload,
        created_at: record.created_at,
        updated_at: record.updated_at,
    })
}

/// The top-level field of a path such as `address.lines[0]`.
fn top_level(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or(path)
}
