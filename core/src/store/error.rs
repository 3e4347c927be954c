use std::error::Error as StdError;

/// What can go wrong in the Table port.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The write's condition did not hold.
    #[error("the write's condition failed")]
    ConditionFailed,
    /// A transaction was cancelled because these operations' conditions failed (their indices).
    #[error("transaction cancelled: conditions failed at {failed:?}")]
    TransactionFailed { failed: Vec<usize> },
    /// Another write raced this one; retrying may succeed.
    #[error("conflicting concurrent write")]
    Conflict,
    /// The backend is throttling requests; retry later.
    #[error("throttled by the store")]
    Throttled,
    /// A cursor that this store did not hand out.
    #[error("invalid cursor")]
    InvalidCursor,
    /// An item or request that breaks the port's rules (a bug in the caller).
    #[error("invalid request to the store: {0}")]
    Invalid(String),
    /// The backend failed or could not be reached.
    #[error("store backend failed")]
    Backend(#[source] Box<dyn StdError + Send + Sync>),
}

impl StoreError {
    pub(crate) fn backend(err: impl StdError + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }

    /// Whether the same call may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Conflict | Self::Throttled | Self::Backend(_))
    }
}
