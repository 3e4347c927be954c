//! What the data vault can answer besides success: [`DatasetError`] for a request as a whole,
//! mapped once to problem documents. A batch reports per record with [`RecordFailure`].
//! Nothing here carries a field's value: names, paths and types only.

use crate::blobs::BlobError;
use crate::crypto::CryptoError;
use crate::http::{ApiError, FieldError};
use crate::keys::KeyError;
use crate::store::{BadAttribute, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// A dataset, record, payload or job that is not there for this caller.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The request breaks a rule: every error with its path.
    #[error("the request is not valid")]
    Invalid(Vec<FieldError>),
    #[error("an organization's dataset names are unique")]
    NameTaken,
    #[error("the {tier} tier allows at most {limit} datasets")]
    TierLimit { tier: &'static str, limit: i64 },
    #[error("a re-encryption of this dataset is already running")]
    JobRunning,
    /// A record id written already (by an earlier attempt with the same idempotency key).
    #[error("the record exists")]
    RecordExists,
    #[error("the {0} changed while this request ran; retry")]
    ConcurrentChange(&'static str),
    #[error("this idempotency key was used with another request body")]
    IdempotencyMismatch,
    #[error("a request with this idempotency key is still in progress; retry")]
    IdempotencyInProgress,
    #[error("the payload is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the payload was uploaded through a presigned URL: fetch it with payload/url")]
    PresignedPayload,
    #[error("the store failed")]
    Store(#[from] StoreError),
    #[error("the blob store failed")]
    Blobs(#[from] BlobError),
    #[error("the key service failed")]
    Keys(#[from] KeyError),
    #[error("a cryptographic operation failed")]
    Crypto(#[from] CryptoError),
    #[error("a stored dataset or record is malformed")]
    Corrupt(#[from] BadAttribute),
}

impl DatasetError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<DatasetError> for ApiError {
    fn from(err: DatasetError) -> Self {
        match err {
            DatasetError::NotFound(_) => ApiError::NotFound,
            DatasetError::Invalid(errors) => ApiError::Validation(errors),
            DatasetError::IdempotencyMismatch => {
                ApiError::Validation(vec![FieldError::new("idempotency-key", err.to_string())])
            }
            DatasetError::NameTaken
            | DatasetError::RecordExists
            | DatasetError::JobRunning
            | DatasetError::ConcurrentChange(_)
            | DatasetError::IdempotencyInProgress
            | DatasetError::PresignedPayload => ApiError::Conflict(err.to_string()),
            DatasetError::TierLimit { .. } => ApiError::TierLimit(err.to_string()),
            DatasetError::PayloadTooLarge { limit } => ApiError::PayloadTooLarge { limit },
            DatasetError::Store(store) => ApiError::from_store(store),
            DatasetError::Blobs(blobs) => ApiError::from(blobs),
            DatasetError::Keys(keys) => ApiError::from(keys),
            DatasetError::Crypto(_) | DatasetError::Corrupt(_) => ApiError::internal(err),
        }
    }
}

crate::audit::change_error!(
    DatasetError,
    Self::ConcurrentChange("dataset"),
    Self::ConcurrentChange(_)
);

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn each_rule_maps_to_its_status() {
        let cases = [
            (DatasetError::NotFound("record"), StatusCode::NOT_FOUND),
            (
                DatasetError::invalid("data.age", "must be a number"),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (DatasetError::NameTaken, StatusCode::CONFLICT),
            (DatasetError::JobRunning, StatusCode::CONFLICT),
            (
                DatasetError::IdempotencyMismatch,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (DatasetError::IdempotencyInProgress, StatusCode::CONFLICT),
            (
                DatasetError::PayloadTooLarge { limit: 4 },
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            (
                DatasetError::TierLimit {
                    tier: "free",
                    limit: 10,
                },
                StatusCode::FORBIDDEN,
            ),
            (
                DatasetError::Store(StoreError::Throttled),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (
                DatasetError::Corrupt(BadAttribute("plain")),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(ApiError::from(err).status(), status);
        }
    }
}
