//! What reading, verifying and checkpointing the audit log can answer besides success, mapped
//! once to problem documents.

use crate::crypto::CryptoError;
use crate::http::{ApiError, FieldError};
use crate::keys::KeyError;
use crate::store::{BadAttribute, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: &'static str,
    },
    #[error("another checkpoint was written at the same time; retry")]
    ConcurrentChange,
    #[error("the store failed")]
    Store(#[from] StoreError),
    #[error("the key service failed")]
    Keys(#[from] KeyError),
    #[error("a cryptographic operation failed")]
    Crypto(#[from] CryptoError),
    #[error("a stored audit item is malformed")]
    Corrupt(#[from] BadAttribute),
    #[error("a checkpoint could not be signed")]
    Signing,
    /// A task walking a shard panicked or was cancelled.
    #[error("a verification task failed")]
    Task,
}

impl AuditError {
    pub fn invalid(field: &'static str, message: &'static str) -> Self {
        Self::Invalid { field, message }
    }

    /// Whether trying again later may succeed (a dependency failed, not the request or data).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Store(err) => err.is_retryable(),
            Self::Keys(err) => err.is_retryable(),
            Self::ConcurrentChange => true,
            Self::Invalid { .. }
            | Self::Crypto(_)
            | Self::Corrupt(_)
            | Self::Signing
            | Self::Task => false,
        }
    }
}

impl From<AuditError> for ApiError {
    fn from(err: AuditError) -> Self {
        match err {
            AuditError::Invalid { field, message } => {
                ApiError::Validation(vec![FieldError::new(field, message)])
            }
            AuditError::ConcurrentChange => ApiError::Conflict(err.to_string()),
            AuditError::Store(store) => ApiError::from_store(store),
            AuditError::Keys(keys) => ApiError::from(keys),
            AuditError::Crypto(_)
            | AuditError::Corrupt(_)
            | AuditError::Signing
            | AuditError::Task => ApiError::internal(err),
        }
    }
}

crate::audit::change_error!(AuditError, Self::ConcurrentChange, Self::ConcurrentChange);
