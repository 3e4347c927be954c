use std::error::Error as StdError;

/// What can go wrong in the Blobs port.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("no blob at that key")]
    NotFound,
    #[error("invalid blob key {0:?}")]
    InvalidKey(String),
    #[error("invalid blob metadata")]
    InvalidMetadata,
    #[error("invalid listing cursor or limit")]
    InvalidCursor,
    /// A presign request the store cannot sign (a caller's bug, not the client's).
    #[error("invalid presign request: {0}")]
    InvalidPresign(&'static str),
    #[error("blob backend failed")]
    Backend(#[source] Box<dyn StdError + Send + Sync>),
}

impl BlobError {
    pub(crate) fn backend(err: impl StdError + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }
}
