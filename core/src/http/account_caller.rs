//! The caller of a route that changes the account or shows its security history: it must come
//! with the user's session. An access token is handed to apps and machines for the scopes it
//! names, none of which is the account itself, so a leaked token (even one bound to a vault to
//! read records) cannot rename the user, end their sessions, try their password or read where
//! they logged in from.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::{ApiError, AppState, Caller};

/// A [`Caller`] that presented a session (a bearer session token or the cookie): 401 without
/// credentials, 403 for an access token.
#[derive(Debug, Clone)]
pub struct AccountCaller(pub Caller);

impl FromRequestParts<AppState> for AccountCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.session().is_none() {
            return Err(ApiError::Forbidden(
                "this route takes the user's session, not an access token".into(),
            ));
        }
        Ok(Self(caller))
    }
}
