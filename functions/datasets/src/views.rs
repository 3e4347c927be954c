//! What the data-vault routes send: datasets with their policies, records as the reader's view
//! shows them, per-record outcomes of a write, jobs, and presigned URLs. Never a key, and never
//! a field the reader's view hides.

use std::collections::BTreeMap;

use coffer_core::blobs::PresignedUrl;
use coffer_core::datasets::policy::{FieldPolicy, View};
use coffer_core::datasets::{
    Dataset, JobState, PayloadRef, PiiFlag, PiiRule, RecordOutcome, RecordView, ReencryptionJob,
};
use coffer_core::http::{FieldError, Problem};
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Problem documents, as the route annotations name them.
pub type ProblemDoc = Problem;

/// A field's policy and who sees what.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldView {
    pub policy: FieldPolicy,
    /// What members (and machine clients) see.
    pub member: View,
    /// What owners and admins see.
    pub admin: View,
    /// Whether `search` works on it.
    pub searchable: bool,
    /// Tokenize fields: bits of the blind index kept (chosen from `expected_records` so that a
    /// lookup meets between 2 and sqrt(R) false candidates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_bits: Option<u8>,
}

/// A dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetView {
    /// `dst_...`
    pub id: String,
    /// `org_...`
    pub org_id: String,
    pub name: String,
    pub description: String,
    /// The JSON Schema records satisfy (an object or a boolean), or `null`.
    #[schema(schema_with = dataset_schema)]
    pub schema: Option<Value>,
    pub fields: BTreeMap<String, FieldView>,
    /// What happens to PII found in plain string fields.
    pub pii: PiiRule,
    pub expected_records: u64,
    /// The data-key version new records are sealed with.
    pub key_version: u32,
    /// The oldest version a record may be sealed with.
    pub oldest_key_version: u32,
    /// `job_...` of a re-encryption in progress.
    pub active_job: Option<String>,
    /// Who created it (`usr_...` or `cli_...`).
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<&Dataset> for DatasetView {
    fn from(d: &Dataset) -> Self {
        Self {
            id: d.id.to_string(),
            org_id: d.org_id.to_string(),
            name: d.name.to_string(),
            description: d.description.clone(),
            schema: d.schema.clone(),
            fields: d
                .fields
                .iter()
                .map(|(name, spec)| {
                    (
                        name.clone(),
                        FieldView {
                            policy: spec.policy,
                            member: spec.member,
                            admin: spec.admin,
                            searchable: spec.searchable,
                            index_bits: spec.index_bits,
                        },
                    )
                })
                .collect(),
            pii: d.pii,
            expected_records: d.expected_records,
            key_version: d.latest_version,
            oldest_key_version: d.oldest_version,
            active_job: d.active_job.as_ref().map(ToString::to_string),
            created_by: d.created_by.clone(),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetList {
    pub items: Vec<DatasetView>,
    /// Pass as `?cursor=` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// What the PII engine found in a plain field (never the value).
#[derive(Debug, Serialize, ToSchema)]
pub struct PiiFlagView {
    /// The field's path.
    pub field: String,
    /// `EMAIL`, `PERSON`, ...
    #[serde(rename = "type")]
    pub entity_type: String,
    /// UTF-8 byte offsets into the field's string.
    pub start: usize,
    pub end: usize,
}

impl From<&PiiFlag> for PiiFlagView {
    fn from(f: &PiiFlag) -> Self {
        Self {
            field: f.field.clone(),
            entity_type: f.entity_type.clone(),
            start: f.start,
            end: f.end,
        }
    }
}

/// A record's payload, described (its bytes come from `GET .../payload` or its URL).
#[derive(Debug, Serialize, ToSchema)]
pub struct PayloadView {
    /// Bytes in clear (0 for a presigned upload, whose size the store knows).
    pub size: u64,
    pub content_type: String,
    /// Uploaded through a presigned URL: fetch it with `GET .../payload/url`.
    pub presigned: bool,
    /// The data-key version that sealed it (in-function payloads).
    pub key_version: u32,
}

impl From<&PayloadRef> for PayloadView {
    fn from(p: &PayloadRef) -> Self {
        Self {
            size: p.size,
            content_type: p.content_type.clone(),
            presigned: p.presigned,
            key_version: p.key_version,
        }
    }
}

/// A record as the caller's role's view shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordReply {
    /// `rec_...`
    pub id: String,
    /// The fields: clear or masked as the view says.
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
    /// Fields the view leaves out.
    pub redacted_fields: Vec<String>,
    /// The data-key version its sensitive fields are sealed with.
    pub key_version: u32,
    /// What the PII engine flagged in plain fields when it was written.
    pub pii: Vec<PiiFlagView>,
    pub payload: Option<PayloadView>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<RecordView> for RecordReply {
    fn from(r: RecordView) -> Self {
        Self {
            id: r.id.to_string(),
            data: r.data,
            redacted_fields: r.redacted_fields,
            key_version: r.key_version,
            pii: r.pii.iter().map(PiiFlagView::from).collect(),
            payload: r.payload.as_ref().map(PayloadView::from),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordList {
    pub items: Vec<RecordReply>,
    /// Pass as `?cursor=` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// What became of one record of a write.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordOutcomeView {
    /// Its place in `records` (0 for a single record).
    pub index: usize,
    /// 201 written; 422 refused (see `errors`); 503 not written this time: retry it.
    pub status: u16,
    /// `rec_...`, when written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// What the PII engine found in plain fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pii: Vec<PiiFlagView>,
}

impl From<&RecordOutcome> for RecordOutcomeView {
    fn from(o: &RecordOutcome) -> Self {
        Self {
            index: o.index,
            status: o.status,
            id: o.id.as_ref().map(ToString::to_string),
            errors: o.errors.clone(),
            pii: o.pii.iter().map(PiiFlagView::from).collect(),
        }
    }
}

/// A batch write's outcomes, in the order of `records`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WriteBatchReply {
    pub items: Vec<RecordOutcomeView>,
}

/// One record written (`{id, pii}`), or a batch every record of which was written (`{items}`):
/// what a 201 of `POST /v1/datasets/{id}/records` holds.
// Only for the document (a batch's 201 was documented as one record's reply, found by
// Schemathesis, issue #15); the handler builds the two replies itself.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum WriteRecordsCreated {
    One(WrittenRecord),
    Batch(WriteBatchReply),
}

/// A single record written.
#[derive(Debug, Serialize, ToSchema)]
pub struct WrittenRecord {
    /// `rec_...`
    pub id: String,
    /// What the PII engine found in plain fields.
    pub pii: Vec<PiiFlagView>,
}

/// A re-encryption job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    /// `job_...`
    pub id: String,
    /// `dst_...`
    pub dataset_id: String,
    /// `counting`, then `running`, then `done`.
    #[schema(value_type = String)]
    pub state: JobState,
    /// Records visited by the re-sealing pass.
    pub done: u64,
    /// Records to visit (final once `running`).
    pub total: u64,
    /// The key version every record ends up sealed with.
    pub target_version: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<OffsetDateTime>,
}

impl From<&ReencryptionJob> for JobView {
    fn from(j: &ReencryptionJob) -> Self {
        Self {
            id: j.id.to_string(),
            dataset_id: j.dataset_id.to_string(),
            state: j.state,
            done: j.done,
            total: j.total,
            target_version: j.target_version,
            started_at: j.started_at,
            finished_at: j.finished_at,
        }
    }
}

/// A presigned URL to a record's payload.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresignedUrlView {
    pub url: String,
    /// `PUT` or `GET`.
    pub method: String,
    /// Headers the request must carry exactly (the upload's encryption settings are signed).
    pub headers: BTreeMap<String, String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
}

impl From<PresignedUrl> for PresignedUrlView {
    fn from(u: PresignedUrl) -> Self {
        Self {
            url: u.url,
            method: u.method.to_owned(),
            headers: u.headers,
            expires_at: u.expires_at,
        }
    }
}

/// How the document describes a JSON Schema: an object, or a boolean schema (`true` accepts
/// every record, `false` none), or `null` for none. (`schema_with` drops the field's doc
/// comment, so each use names its own description.)
fn json_schema_document(description: &str) -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{SchemaType, Type};
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([
            Type::Object,
            Type::Boolean,
            Type::Null,
        ]))
        .description(Some(description))
        .build()
}

/// `DatasetView::schema`.
pub fn dataset_schema() -> utoipa::openapi::Object {
    json_schema_document("The JSON Schema records satisfy (an object or a boolean), or `null`.")
}

/// `CreateDatasetRequest::schema`.
pub fn new_dataset_schema() -> utoipa::openapi::Object {
    json_schema_document(
        "A JSON Schema (2020-12 unless `$schema` says otherwise; an object or a boolean) every \
         record must satisfy; at most 64 KiB, no references outside itself.",
    )
}

/// `UpdateDatasetRequest::schema`.
pub fn changed_dataset_schema() -> utoipa::openapi::Object {
    json_schema_document(
        "A new schema for records written from now on (an object or a boolean); `null` removes it.",
    )
}

/// A payload's bytes, as stored and sent back (any content type).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PayloadBytes(pub Vec<u8>);
