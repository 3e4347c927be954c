//! What identity can answer besides success, mapped once to a problem document.

use crate::crypto::CryptoError;
use crate::http::{ApiError, FieldError};
use crate::store::StoreError;

use super::email_index::EmailIndexError;
use super::outbox::OutboxError;

/// Identity's errors. Messages never carry an email, a password or a token.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong password or unknown email: one answer for both.
    #[error("invalid email or password")]
    InvalidCredentials,
    /// No valid session (or its user is gone).
    #[error("missing or invalid credentials")]
    Unauthenticated,
    /// Registration of an address that has an account (409: the product's choice).
    #[error("an account with this email address already exists")]
    EmailTaken,
    /// The password breaks the policy; `field` names the request field.
    #[error("the password is too weak")]
    WeakPassword {
        field: &'static str,
        reasons: Vec<String>,
    },
    /// A request field that is not valid.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Changing the password needs the current one.
    #[error("the current password is not correct")]
    WrongPassword,
    /// Too many requests from this client.
    #[error("too many requests; retry in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    /// Too many failed logins for this account.
    #[error("too many failed logins; retry in {retry_after} seconds")]
    Locked { retry_after: u64 },
    /// No such session among the caller's.
    #[error("no such session")]
    SessionNotFound,
    /// A verification or reset token that is unknown, used or expired.
    #[error("the token is invalid, already used or expired")]
    InvalidToken,
    #[error("the email address is already verified")]
    AlreadyVerified,
    /// Another request changed the same record first; retrying may succeed.
    #[error("the record changed while this request ran; retry")]
    ConcurrentChange,
    /// The password was replaced after it was checked (a login or a change racing a reset):
    /// what was checked no longer proves anything. Services turn it into their own answer.
    #[error("the password changed while this request ran")]
    CredentialChanged,
    #[error("the store failed")]
    Store(#[from] StoreError),
    #[error("the key ring failed")]
    Keys(#[from] crate::keys::KeyError),
    #[error("randomness or hashing failed")]
    Crypto(#[from] CryptoError),
    #[error("password hashing failed")]
    Hashing(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the outbox failed")]
    Outbox(#[from] OutboxError),
    #[error("the email index failed")]
    EmailIndex(#[from] EmailIndexError),
    #[error("a blocking task failed")]
    Task(#[from] tokio::task::JoinError),
    /// A stored item that does not have the shape this code writes.
    #[error("stored item is malformed: {0}")]
    Corrupt(&'static str),
}

impl AuthError {
    pub(crate) fn hashing(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Hashing(Box::new(err))
    }
}

/// Reading the user's own log: a bad cursor is the caller's, the rest the store's.
impl From<crate::audit::AuditError> for AuthError {
    fn from(err: crate::audit::AuditError) -> Self {
        use crate::audit::AuditError as A;
        match err {
            A::Invalid { field, message } => Self::Invalid {
                field,
                message: message.to_owned(),
            },
            A::Store(store) => Self::Store(store),
            A::ConcurrentChange => Self::ConcurrentChange,
            A::Keys(keys) => Self::Keys(keys),
            A::Crypto(_) | A::Corrupt(_) | A::Signing | A::Task => Self::Corrupt("audit log"),
        }
    }
}

/// A change refused by a rule answers the rule's error; one that lost a race answers
/// [`AuthError::ConcurrentChange`].
/// What [`crate::audit::retrying`] runs again.
/// The single mapping from identity's errors to the API's.
impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::InvalidCredentials
            | AuthError::Unauthenticated
            | AuthError::CredentialChanged => ApiError::Unauthorized,
            AuthError::EmailTaken | AuthError::AlreadyVerified | AuthError::ConcurrentChange => {
                ApiError::Conflict(err.to_string())
            }
            AuthError::WeakPassword { field, reasons } => ApiError::Validation(
                reasons
                    .into_iter()
                    .map(|reason| FieldError::new(field, reason))
                    .collect(),
            ),
            AuthError::Invalid { field, message } => {
                ApiError::Validation(vec![FieldError::new(field, message)])
            }
            AuthError::WrongPassword => ApiError::Forbidden(err.to_string()),
            AuthError::RateLimited { retry_after } | AuthError::Locked { retry_after } => {
                ApiError::RateLimited { retry_after }
            }
            AuthError::SessionNotFound => ApiError::NotFound,
            AuthError::InvalidToken => ApiError::BadRequest(err.to_string()),
            AuthError::Store(store) => ApiError::from_store(store),
            AuthError::Keys(keys) => keys.into(),
            // The table or key ring behind the email index or the outbox may answer next time
            // (throttled, unreachable): retryable like any other failed read or write.
            AuthError::EmailIndex(EmailIndexError::Store(store))
            | AuthError::Outbox(OutboxError::Store(store)) => ApiError::from_store(store),
            AuthError::EmailIndex(EmailIndexError::Keys(keys))
            | AuthError::Outbox(OutboxError::Keys(keys)) => keys.into(),
            AuthError::Crypto(_)
            | AuthError::Hashing(_)
            | AuthError::Outbox(_)
            | AuthError::EmailIndex(_)
            | AuthError::Task(_)
            | AuthError::Corrupt(_) => ApiError::internal(err),
        }
    }
}

crate::audit::change_error!(AuthError, Self::ConcurrentChange, Self::ConcurrentChange);

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn each_error_has_the_status_the_api_names() {
        let cases = [
            (AuthError::InvalidCredentials, StatusCode::UNAUTHORIZED),
            (AuthError::Unauthenticated, StatusCode::UNAUTHORIZED),
            (AuthError::EmailTaken, StatusCode::CONFLICT),
            (
                AuthError::WeakPassword {
                    field: "password",
                    reasons: vec!["too short".into()],
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (AuthError::WrongPassword, StatusCode::FORBIDDEN),
            (
                AuthError::RateLimited { retry_after: 3 },
                StatusCode::TOO_MANY_REQUESTS,
            ),
            (
                AuthError::Locked { retry_after: 3 },
                StatusCode::TOO_MANY_REQUESTS,
            ),
            (AuthError::SessionNotFound, StatusCode::NOT_FOUND),
            (AuthError::InvalidToken, StatusCode::BAD_REQUEST),
            (AuthError::Corrupt("x"), StatusCode::INTERNAL_SERVER_ERROR),
        ];
        for (err, status) in cases {
            assert_eq!(ApiError::from(err).status(), status);
        }
    }

    #[test]
    fn a_failed_table_or_key_ring_behind_the_email_index_or_outbox_is_a_retryable_503() {
        let store = || StoreError::backend(std::io::Error::other("throttled"));
        let keys = || crate::keys::KeyError::backend(std::io::Error::other("throttled"));
        let cases = [
            AuthError::EmailIndex(EmailIndexError::Keys(keys())),
            AuthError::EmailIndex(EmailIndexError::Store(store())),
            AuthError::Outbox(OutboxError::Keys(keys())),
            AuthError::Outbox(OutboxError::Store(store())),
            AuthError::from(crate::audit::AuditError::Keys(keys())),
        ];
        for err in cases {
            assert_eq!(
                ApiError::from(err).status(),
                StatusCode::SERVICE_UNAVAILABLE
            );
        }
        assert_eq!(
            ApiError::from(AuthError::EmailIndex(EmailIndexError::Corrupt)).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn a_wrong_password_and_an_unknown_email_map_to_the_same_problem() {
        let a = ApiError::from(AuthError::InvalidCredentials).problem();
        let b = ApiError::from(AuthError::Unauthenticated).problem();
        assert_eq!((a.kind, a.title, a.detail), (b.kind, b.title, b.detail));
    }
}
