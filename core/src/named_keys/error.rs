//! What the named-keys domain can answer besides success: [`NamedKeyError`] for a request as a
//! whole, [`ItemError`] for one item of a batch (the batch goes on). Both map once to problem
//! documents. Decryption failures are deliberately alike: a wrong key, a wrong context and a
//! tampered ciphertext give the same answer.

use crate::crypto::CryptoError;
use crate::http::{ApiError, FieldError};
use crate::keys::KeyError;
use crate::store::{BadAttribute, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum NamedKeyError {
    /// A key (or org) that is not there for this caller.
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: &'static str,
    },
    #[error("an organization's key names are unique")]
    NameTaken,
    #[error("the {tier} tier allows at most {limit} named keys")]
    TierLimit { tier: &'static str, limit: i64 },
    #[error("the key holds {0} versions, the most it may; trim old versions before rotating")]
    TooManyVersions(u32),
    #[error("deleting this key is not allowed; set deletion_allowed first")]
    DeletionNotAllowed,
    #[error("the key changed while this request ran; retry")]
    ConcurrentChange,
    #[error("the store failed")]
    Store(#[from] StoreError),
    #[error("the key service failed")]
    Keys(#[from] KeyError),
    #[error("a cryptographic operation failed")]
    Crypto(#[from] CryptoError),
    #[error("a stored key record is malformed")]
    Corrupt(#[from] BadAttribute),
}

impl From<NamedKeyError> for ApiError {
    fn from(err: NamedKeyError) -> Self {
        match err {
            NamedKeyError::NotFound(_) => ApiError::NotFound,
            NamedKeyError::Invalid { field, message } => {
                ApiError::Validation(vec![FieldError::new(field, message)])
            }
            NamedKeyError::NameTaken
            | NamedKeyError::TooManyVersions(_)
            | NamedKeyError::DeletionNotAllowed
            | NamedKeyError::ConcurrentChange => ApiError::Conflict(err.to_string()),
            NamedKeyError::TierLimit { .. } => ApiError::TierLimit(err.to_string()),
            NamedKeyError::Store(store) => ApiError::from_store(store),
            NamedKeyError::Keys(keys) => ApiError::from(keys),
            NamedKeyError::Crypto(_) | NamedKeyError::Corrupt(_) => ApiError::internal(err),
        }
    }
}

/// Why one item of an encrypt, decrypt or rewrap failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    #[error("{0} is not valid base64")]
    NotBase64(&'static str),
    #[error("the ciphertext is not of the form coffer:v<version>:<base64>")]
    Malformed,
    /// Wrong key, wrong context, tampered, or a version the key never made: all alike.
    #[error("the ciphertext cannot be decrypted with this key and context")]
    Undecryptable,
    #[error("the ciphertext's key version is below the key's min_decryption_version")]
    VersionRetired,
    #[error("the ciphertext's key version was trimmed and no longer exists")]
    VersionTrimmed,
}

impl From<ItemError> for ApiError {
    fn from(err: ItemError) -> Self {
        match err {
            ItemError::NotBase64(_) | ItemError::Malformed | ItemError::Undecryptable => {
                ApiError::BadRequest(err.to_string())
            }
            ItemError::VersionRetired | ItemError::VersionTrimmed => {
                ApiError::Validation(vec![FieldError::new("ciphertext", err.to_string())])
            }
        }
    }
}

crate::audit::change_error!(
    NamedKeyError,
    Self::ConcurrentChange,
    Self::ConcurrentChange
);

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn each_rule_maps_to_its_status() {
        let cases = [
            (NamedKeyError::NotFound("key"), StatusCode::NOT_FOUND),
            (
                NamedKeyError::Invalid {
                    field: "batch",
                    message: "x",
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (NamedKeyError::NameTaken, StatusCode::CONFLICT),
            (NamedKeyError::TooManyVersions(1000), StatusCode::CONFLICT),
            (NamedKeyError::DeletionNotAllowed, StatusCode::CONFLICT),
            (
                NamedKeyError::TierLimit {
                    tier: "free",
                    limit: 20,
                },
                StatusCode::FORBIDDEN,
            ),
            (
                NamedKeyError::Corrupt(BadAttribute("latest_version")),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(ApiError::from(err).status(), status);
        }
    }

    #[test]
    fn item_failures_are_400_or_422_and_never_name_a_value() {
        for (err, status) in [
            (ItemError::NotBase64("plaintext"), StatusCode::BAD_REQUEST),
            (ItemError::Malformed, StatusCode::BAD_REQUEST),
            (ItemError::Undecryptable, StatusCode::BAD_REQUEST),
            (ItemError::VersionRetired, StatusCode::UNPROCESSABLE_ENTITY),
            (ItemError::VersionTrimmed, StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            assert_eq!(ApiError::from(err).status(), status);
        }
    }
}
