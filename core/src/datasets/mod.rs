//! The data vault (API.md, "Data vault"): an org's datasets, their records with field-level
//! encryption and role-based views, payloads, blind-index search, idempotent writes and managed
//! re-encryption.
//!
//! Rules worth knowing:
//! - A record's sensitive fields (`encrypt`, `tokenize`, `mask`, `redact`) are sealed (envelope
//!   v2) under the dataset's data key before anything is written; the associated data binds each
//!   ciphertext to (dataset, record, field, key version). Items hold only ciphertext for them.
//! - Readers get the view of their role (`member`, or `admin` for owners and admins); every read
//!   that decrypted something writes an audit event naming the fields, never their values.
//! - `tokenize` (and `plain` fields declared searchable) have a blind index: HMAC-SHA256 under
//!   a per-field key derived from the data key, truncated for tokenize fields (see
//!   [`blind_index`]); a search drops the deliberate false candidates after decrypting them.
//! - Rotation makes a new data-key version; a job re-seals every record and payload under it,
//!   resumable from where it stopped. Old versions keep opening until then.
//!
//! Keys: `schema::dataset` (org index in `gsi1`), `schema::dataset_key_version`,
//! `schema::dataset_name`, `schema::dataset_job`, `schema::record` (dataset index in `gsi1`),
//! `schema::record_index_entry` (blind index in `gsi1`), `schema::idempotency_key`; blobs
//! under `schema::dataset_blob_prefix`.

pub mod blind_index;
pub mod cursor;
mod dataset;
mod error;
pub mod idempotency;
mod index_entry;
mod job;
mod pii_rule;
pub mod policy;
mod prepare;
mod record;
pub mod seal;
mod service;
mod version;
pub mod view;

pub use dataset::{Dataset, deleted_with_org, reads_as_admin};
pub use error::DatasetError;
pub use index_entry::{Comparand, IndexEntry, Indexer};
pub use job::{JobState, ReencryptionJob};
pub use pii_rule::PiiRule;
pub use prepare::MAX_RECORD_BYTES;
pub use record::{PayloadRef, PiiFlag, StoredRecord};
pub use service::*;
pub use version::{PURPOSE, data_key_context};
