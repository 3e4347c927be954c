use std::error::Error as StdError;

/// What can go wrong in the KeyRing port.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The wrapped key was not made by this key ring, was tampered with, or the context differs.
    #[error("the data key cannot be unwrapped with this context")]
    UnwrapFailed,
    /// The key service is throttling requests; retry later.
    #[error("throttled by the key service")]
    Throttled,
    /// The master key is missing, unreadable or malformed.
    #[error("master key unavailable: {0}")]
    MasterKey(String),
    #[error("key service failed")]
    Backend(#[source] Box<dyn StdError + Send + Sync>),
}

impl KeyError {
    pub(crate) fn backend(err: impl StdError + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }

    /// Whether the same call may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Throttled | Self::Backend(_))
    }
}
