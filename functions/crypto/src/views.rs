//! What the crypto routes send: views of keys, and per-item results of a batch (a value or a
//! problem document, never both).

use coffer_core::http::{ApiError, FieldError, Problem};
use coffer_core::named_keys::{ItemError, NamedKey, Sealed};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Problem documents, as the route annotations name them.
pub type ProblemDoc = Problem;

/// A named key: its versions and their floors. Never its key material.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    /// `key_...`
    pub id: String,
    /// `org_...`
    pub org_id: String,
    pub name: String,
    /// The newest version; encryption uses it.
    pub latest_version: u32,
    /// The oldest version kept (older ones were trimmed).
    pub oldest_version: u32,
    /// Ciphertexts of older versions do not decrypt.
    pub min_decryption_version: u32,
    /// Older versions do not encrypt.
    pub min_encryption_version: u32,
    /// Whether `DELETE` is allowed.
    pub deletion_allowed: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Who created it (`usr_...` or `cli_...`).
    pub created_by: String,
    /// When the newest version was made.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub rotated_at: OffsetDateTime,
}

impl From<&NamedKey> for KeyView {
    fn from(k: &NamedKey) -> Self {
        Self {
            id: k.id.to_string(),
            org_id: k.org_id.to_string(),
            name: k.name.to_string(),
            latest_version: k.latest_version,
            oldest_version: k.oldest_version,
            min_decryption_version: k.min_decryption_version,
            min_encryption_version: k.min_encryption_version,
            deletion_allowed: k.deletion_allowed,
            created_at: k.created_at,
            created_by: k.created_by.clone(),
            rotated_at: k.rotated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub items: Vec<KeyView>,
    /// Pass as `?cursor=` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// One ciphertext, or why its item failed (in a batch).
// `deny_unknown_fields` only writes `additionalProperties: false` into the document (this type is
// never read): without it a batch's reply also matched this schema, and `oneOf` failed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CiphertextView {
    /// `coffer:v<version>:<base64>`
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "coffer:v1:AgAS...")]
    pub ciphertext: Option<String>,
    /// The key version that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u32>,
    /// Set instead of the above when this item failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ProblemDoc>,
}

impl From<Result<Sealed, ItemError>> for CiphertextView {
    fn from(result: Result<Sealed, ItemError>) -> Self {
        match result {
            Ok(sealed) => Self {
                ciphertext: Some(sealed.ciphertext),
                key_version: Some(sealed.key_version),
                error: None,
            },
            Err(err) => Self {
                ciphertext: None,
                key_version: None,
                error: Some(ApiError::from(err).problem()),
            },
        }
    }
}

/// One plaintext (base64), or why its item failed (in a batch).
// As for `CiphertextView`: tells it apart from `PlaintextBatch` in the document's `oneOf`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaintextView {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "aGVsbG8=")]
    pub plaintext: Option<String>,
    /// Set instead of `plaintext` when this item failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ProblemDoc>,
}

impl From<Result<String, ItemError>> for PlaintextView {
    fn from(result: Result<String, ItemError>) -> Self {
        match result {
            Ok(plaintext) => Self {
                plaintext: Some(plaintext),
                error: None,
            },
            Err(err) => Self {
                plaintext: None,
                error: Some(ApiError::from(err).problem()),
            },
        }
    }
}

/// A batch's results, in the order of its items.
#[derive(Debug, Serialize, ToSchema)]
pub struct CiphertextBatch {
    pub batch_results: Vec<CiphertextView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaintextBatch {
    pub batch_results: Vec<PlaintextView>,
}

/// One ciphertext (encrypt, rewrap), or a batch's results.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CiphertextReply {
    One(CiphertextView),
    Batch(CiphertextBatch),
}

impl CiphertextReply {
    /// A batch's results, or the one item's ciphertext (its failure is the request's problem).
    pub fn new(results: Vec<Result<Sealed, ItemError>>, is_batch: bool) -> Result<Self, ApiError> {
        if is_batch {
            return Ok(Self::Batch(CiphertextBatch {
                batch_results: results.into_iter().map(CiphertextView::from).collect(),
            }));
        }
        Ok(Self::One(CiphertextView::from(Ok(only(results)?))))
    }
}

/// One plaintext (decrypt), or a batch's results.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PlaintextReply {
    One(PlaintextView),
    Batch(PlaintextBatch),
}

impl PlaintextReply {
    /// A batch's results, or the one item's plaintext (its failure is the request's problem).
    pub fn new(results: Vec<Result<String, ItemError>>, is_batch: bool) -> Result<Self, ApiError> {
        if is_batch {
            return Ok(Self::Batch(PlaintextBatch {
                batch_results: results.into_iter().map(PlaintextView::from).collect(),
            }));
        }
        Ok(Self::One(PlaintextView::from(Ok(only(results)?))))
    }
}

/// The result of a request's only item.
fn only<T>(results: Vec<Result<T, ItemError>>) -> Result<T, ApiError> {
    let mut results = results.into_iter();
    match (results.next(), results.next()) {
        (Some(one), None) => Ok(one?),
        _ => Err(ApiError::BadRequest("expected one item".into())),
    }
}

/// The items of a request that carries one item inline or a `batch`, never both, and whether it
/// was a batch.
pub fn one_or_batch<T>(
    single: Option<T>,
    batch: Option<Vec<T>>,
) -> Result<(Vec<T>, bool), ApiError> {
    match (single, batch) {
        (Some(one), None) => Ok((vec![one], false)),
        (None, Some(batch)) => Ok((batch, true)),
        (Some(_), Some(_)) => Err(shape("give one item or a batch, not both")),
        (None, None) => Err(shape("give one item or a batch")),
    }
}

fn shape(message: &str) -> ApiError {
    ApiError::Validation(vec![FieldError::new("batch", message)])
}
