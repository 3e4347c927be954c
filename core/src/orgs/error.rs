//! What tenancy can answer besides success, mapped once to problem documents.

use crate::access::AccessError;
use crate::crypto::CryptoError;
use crate::http::{ApiError, FieldError};
use crate::store::{BadAttribute, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error(transparent)]
    Access(#[from] AccessError),
    /// A member, team, vault or invitation that is not in this org.
    #[error("no such {0} in this organization")]
    NotFound(&'static str),
    #[error("a {0} with this name already exists in this organization")]
    NameTaken(&'static str),
    #[error("the last owner can neither leave nor be demoted")]
    LastOwner,
    #[error("only owners add, promote, demote or remove owners")]
    OwnersOnly,
    #[error("the {tier} tier allows at most {limit} {resource}")]
    TierLimit {
        resource: &'static str,
        tier: &'static str,
        limit: i64,
    },
    #[error("a user may belong to at most {limit} organizations")]
    MembershipLimit { limit: u32 },
    #[error("this user is already a member")]
    AlreadyMember,
    #[error("this address already has a pending invitation")]
    AlreadyInvited,
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: &'static str,
    },
    #[error("the organization changed while this request ran; retry")]
    ConcurrentChange,
    #[error("the store failed")]
    Store(#[from] StoreError),
    #[error("randomness failed")]
    Crypto(#[from] CryptoError),
    #[error("a stored record is malformed")]
    Corrupt(#[from] BadAttribute),
    #[error("the outbox failed")]
    Outbox(#[from] crate::auth::OutboxError),
    #[error("the email index failed")]
    EmailIndex(#[from] crate::auth::EmailIndexError),
}

impl From<OrgError> for ApiError {
    fn from(err: OrgError) -> Self {
        match err {
            OrgError::Access(access) => access.into(),
            OrgError::NotFound(_) => ApiError::NotFound,
            OrgError::NameTaken(_)
            | OrgError::LastOwner
            | OrgError::AlreadyMember
            | OrgError::AlreadyInvited
            | OrgError::ConcurrentChange => ApiError::Conflict(err.to_string()),
            OrgError::OwnersOnly => ApiError::Forbidden(err.to_string()),
            OrgError::TierLimit { .. } | OrgError::MembershipLimit { .. } => {
                ApiError::TierLimit(err.to_string())
            }
            OrgError::Invalid { field, message } => {
                ApiError::Validation(vec![FieldError::new(field, message)])
            }
            OrgError::Store(store) => ApiError::from_store(store),
            OrgError::Crypto(_)
            | OrgError::Corrupt(_)
            | OrgError::Outbox(_)
            | OrgError::EmailIndex(_) => ApiError::internal(err),
        }
    }
}

crate::audit::change_error!(OrgError, Self::ConcurrentChange, Self::ConcurrentChange);

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn each_rule_maps_to_its_status_and_a_tier_limit_to_its_problem_type() {
        let cases = [
            (OrgError::NotFound("vault"), StatusCode::NOT_FOUND),
            (
                OrgError::Access(AccessError::NotFound),
                StatusCode::NOT_FOUND,
            ),
            (
                OrgError::Access(AccessError::Forbidden(crate::access::Permission::OrgDelete)),
                StatusCode::FORBIDDEN,
            ),
            (OrgError::LastOwner, StatusCode::CONFLICT),
            (OrgError::NameTaken("vault"), StatusCode::CONFLICT),
            (OrgError::OwnersOnly, StatusCode::FORBIDDEN),
            (
                OrgError::Invalid {
                    field: "email",
                    message: "x",
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(ApiError::from(err).status(), status);
        }
        let limit = ApiError::from(OrgError::TierLimit {
            resource: "vaults",
            tier: "free",
            limit: 5,
        });
        assert_eq!(limit.status(), StatusCode::FORBIDDEN);
        assert_eq!(limit.problem().kind, "/problems/tier-limit");
    }
}
