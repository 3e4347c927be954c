//! What the clients domain can answer besides success, mapped once to problem documents and
//! once to the token endpoint's errors.

use crate::crypto::CryptoError;
use crate::http::{ApiError, FieldError};
use crate::store::{BadAttribute, StoreError};
use crate::tokens::TokenError;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The assertion, or the client or certificate it names, is not valid (every reason alike).
    #[error("client authentication failed")]
    Unauthenticated,
    /// A client, certificate or org that is not there for this caller.
    #[error("no such {0} in this organization")]
    NotFound(&'static str),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: &'static str,
    },
    #[error("the {tier} tier allows at most {limit} certificates")]
    TierLimit { tier: &'static str, limit: i64 },
    #[error("the records changed while this request ran; retry")]
    ConcurrentChange,
    #[error("a key pair could not be encoded")]
    KeyEncoding,
    #[error("the store failed")]
    Store(#[from] StoreError),
    #[error("randomness failed")]
    Crypto(#[from] CryptoError),
    #[error("a stored client record is malformed")]
    Corrupt(#[from] BadAttribute),
}

impl From<ClientError> for ApiError {
    fn from(err: ClientError) -> Self {
        match err {
            ClientError::Unauthenticated => ApiError::Unauthorized,
            ClientError::NotFound(_) => ApiError::NotFound,
            ClientError::Invalid { field, message } => {
                ApiError::Validation(vec![FieldError::new(field, message)])
            }
            ClientError::TierLimit { .. } => ApiError::TierLimit(err.to_string()),
            ClientError::ConcurrentChange => ApiError::Conflict(err.to_string()),
            ClientError::Store(store) => ApiError::from_store(store),
            ClientError::KeyEncoding | ClientError::Crypto(_) | ClientError::Corrupt(_) => {
                ApiError::internal(err)
            }
        }
    }
}

/// The token endpoint's view: every way authentication can fail is `invalid_client`; our own
/// failures stay failures.
impl From<ClientError> for TokenError {
    fn from(err: ClientError) -> Self {
        match err {
            ClientError::Store(err) => Self::Store(err),
            ClientError::Crypto(err) => Self::Crypto(err),
            ClientError::Corrupt(_) | ClientError::KeyEncoding => Self::Corrupt("client"),
            ClientError::Unauthenticated
            | ClientError::NotFound(_)
            | ClientError::Invalid { .. }
            | ClientError::TierLimit { .. }
            | ClientError::ConcurrentChange => Self::InvalidClient,
        }
    }
}

crate::audit::change_error!(ClientError, Self::ConcurrentChange, Self::ConcurrentChange);

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn each_rule_maps_to_its_status_and_a_tier_limit_to_its_problem_type() {
        let cases = [
            (ClientError::Unauthenticated, StatusCode::UNAUTHORIZED),
            (ClientError::NotFound("client"), StatusCode::NOT_FOUND),
            (
                ClientError::Invalid {
                    field: "scopes",
                    message: "x",
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (ClientError::ConcurrentChange, StatusCode::CONFLICT),
            (ClientError::KeyEncoding, StatusCode::INTERNAL_SERVER_ERROR),
            (
                ClientError::Corrupt(BadAttribute("public_key")),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(ApiError::from(err).status(), status);
        }
        let limit = ApiError::from(ClientError::TierLimit {
            tier: "free",
            limit: 50,
        });
        assert_eq!(limit.status(), StatusCode::FORBIDDEN);
        assert_eq!(limit.problem().kind, "/problems/tier-limit");
    }

    #[test]
    fn authentication_failures_are_invalid_client_and_store_failures_stay_store_failures() {
        assert!(matches!(
            TokenError::from(ClientError::Unauthenticated),
            TokenError::InvalidClient
        ));
        assert!(matches!(
            TokenError::from(ClientError::Store(StoreError::Conflict)),
            TokenError::Store(_)
        ));
        assert!(matches!(
            TokenError::from(ClientError::Corrupt(BadAttribute("org_id"))),
            TokenError::Corrupt(_)
        ));
    }
}
