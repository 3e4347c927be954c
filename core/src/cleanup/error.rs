//! Why a cleanup run stopped before its time was up.

use crate::audit::AuditError;
use crate::blobs::BlobError;
use crate::crypto::CryptoError;
use crate::store::StoreError;

/// A failure of the ports under a run. What the run finished before it stays finished; the
/// next run resumes.
#[derive(Debug, thiserror::Error)]
pub enum CleanupError {
    #[error("the table failed: {0}")]
    Store(#[from] StoreError),
    #[error("the blob store failed: {0}")]
    Blobs(#[from] BlobError),
    /// An audit event's id could not be made (the OS random source failed).
    #[error("an audit event could not be made: {0}")]
    Event(#[from] CryptoError),
    /// Audit checkpoints could not be written.
    #[error("audit checkpoints could not be written: {0}")]
    Audit(#[from] AuditError),
}

impl CleanupError {
    /// Whether the same run may succeed later: a throttled, conflicting or unavailable store.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Store(err) => err.is_retryable(),
            Self::Blobs(err) => matches!(err, BlobError::Backend(_)),
            Self::Event(_) => false,
            Self::Audit(err) => err.is_retryable(),
        }
    }
}
