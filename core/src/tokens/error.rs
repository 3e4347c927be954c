//! Everything the tokens domain can refuse or fail with. Every way a presented token can be bad
//! is one variant, [`TokenError::InvalidToken`], so that no reply tells an attacker which check
//! failed; the reason is logged at debug level only.

use crate::access::AccessError;
use crate::crypto::CryptoError;
use crate::http::ApiError;
use crate::keys::KeyError;
use crate::orgs::OrgError;
use crate::store::{BadAttribute, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A bad, expired, revoked or unknown token or assertion (401 / `invalid_grant`).
    #[error("the token is not valid")]
    InvalidToken,
    /// A refresh token that was already spent was presented again: its family is now revoked.
    #[error("the refresh token was already used; its family is revoked")]
    RefreshReused,
    /// The client could not be authenticated (`invalid_client`).
    #[error("client authentication failed")]
    InvalidClient,
    /// A scope that is not a permission, or more than the principal may have (`invalid_scope`).
    #[error("the requested scope is not allowed")]
    InvalidScope,
    /// A field of the request is out of range (422 / `invalid_request`).
    #[error("{field}: {message}")]
    InvalidRequest {
        field: &'static str,
        message: &'static str,
    },
    /// The vault or org named does not exist for the caller.
    #[error("no such resource")]
    NotFound,
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// Concurrent writers kept winning.
    #[error("the records changed while the token was issued")]
    Conflict,
    #[error("a stored token record is corrupt: {0}")]
    Corrupt(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<crate::keys::SealedSeedError> for TokenError {
    fn from(err: crate::keys::SealedSeedError) -> Self {
        use crate::keys::SealedSeedError as S;
        match err {
            S::Keys(err) => Self::Keys(err),
            S::Crypto(err) => Self::Crypto(err),
            S::Mismatch => Self::Corrupt("signing key pair"),
        }
    }
}

impl From<BadAttribute> for TokenError {
    fn from(_: BadAttribute) -> Self {
        Self::Corrupt("attribute")
    }
}

impl From<AccessError> for TokenError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => Self::NotFound,
            AccessError::Forbidden(_) => Self::Forbidden("the role does not allow it"),
            AccessError::Store(err) => Self::Store(err),
            AccessError::Corrupt => Self::Corrupt("membership"),
        }
    }
}

impl From<OrgError> for TokenError {
    fn from(err: OrgError) -> Self {
        match err {
            OrgError::Store(err) => Self::Store(err),
            OrgError::Access(err) => err.into(),
            OrgError::NotFound(_) => Self::NotFound,
            _ => Self::Corrupt("org"),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(err: TokenError) -> Self {
        match err {
            TokenError::InvalidToken | TokenError::RefreshReused | TokenError::InvalidClient => {
                Self::Unauthorized
            }
            TokenError::InvalidScope => Self::Validation(vec![crate::http::FieldError::new(
                "scopes",
                "names a scope that is not a permission, or one the caller may not have",
            )]),
            TokenError::InvalidRequest { field, message } => {
                Self::Validation(vec![crate::http::FieldError::new(field, message)])
            }
            TokenError::NotFound => Self::NotFound,
            TokenError::Forbidden(why) => Self::Forbidden(why.to_owned()),
            TokenError::Conflict => Self::Conflict("the records changed; try again".into()),
            TokenError::Store(err) => err.into(),
            TokenError::Keys(err) => err.into(),
            other => Self::internal(other),
        }
    }
}

impl TokenError {
    /// The RFC 6749 §5.2 error the token endpoint answers, with its status; `None` for our own
    /// failures (answered as a 5xx problem document).
    pub fn oauth_error(&self) -> Option<(u16, &'static str)> {
        match self {
            Self::InvalidToken | Self::RefreshReused | Self::NotFound | Self::Forbidden(_) => {
                Some((400, "invalid_grant"))
            }
            Self::InvalidClient => Some((401, "invalid_client")),
            Self::InvalidScope => Some((400, "invalid_scope")),
            Self::InvalidRequest { .. } => Some((400, "invalid_request")),
            Self::Conflict
            | Self::Corrupt(_)
            | Self::Store(_)
            | Self::Keys(_)
            | Self::Crypto(_) => None,
        }
    }
}

crate::audit::change_error!(TokenError, Self::Conflict, Self::Conflict);
