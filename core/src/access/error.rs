//! Why the gate said no, mapped once to the API's errors.

use super::Permission;
use crate::http::ApiError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// Not a member, or no such org (the same answer, so nobody learns which orgs exist).
    #[error("no such organization")]
    NotFound,
    /// A member whose role does not allow this.
    #[error("your role in this organization does not allow {}", .0.as_str())]
    Forbidden(Permission),
    #[error("the store failed")]
    Store(#[from] StoreError),
    #[error("a stored membership is malformed")]
    Corrupt,
}

impl From<AccessError> for ApiError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => ApiError::NotFound,
            AccessError::Forbidden(_) => ApiError::Forbidden(err.to_string()),
            // A throttled or unreachable store may answer next time: 503 with retry-after.
            AccessError::Store(store) => ApiError::from_store(store),
            AccessError::Corrupt => ApiError::internal(err),
        }
    }
}
