//! Who is calling: a session token from `Authorization: Bearer` or the `__Host-coffer_session` cookie,
//! resolved to its user. (Access tokens join here later.)

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use secrecy::SecretString;

use super::{ApiError, AppState};
use crate::auth::sessions::{SESSION_COOKIE, Session, SessionStore};
use crate::auth::{SessionId, UserId};

/// An authenticated caller. Missing, malformed, unknown and expired credentials are all 401.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub credential: CallerCredential,
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum CallerCredential {
    /// A session token (bearer or cookie).
    Session(Session),
}

impl Caller {
    /// Who the access gate sees.
    pub fn principal(&self) -> crate::access::Principal {
        crate::access::Principal::User(self.user_id.clone())
    }

    /// The session the caller used, if they used one.
    pub fn session(&self) -> Option<&Session> {
        match &self.credential {
            CallerCredential::Session(session) => Some(session),
        }
    }

    pub fn session_id(&self) -> Option<&SessionId> {
        self.session().map(|s| &s.id)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = presented_token(parts)?.ok_or(ApiError::Unauthorized)?;
        let sessions = SessionStore::new(state.ports.table.clone(), state.ports.clock.clone());
        let session = sessions
            .resolve(&token)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(Self {
            user_id: session.user_id.clone(),
            credential: CallerCredential::Session(session),
        })
    }
}

/// The token the request carries: the `Authorization` header if there is one (it must then be
/// `Bearer`), else the session cookie.
fn presented_token(parts: &Parts) -> Result<Option<SecretString>, ApiError> {
    if let Some(value) = parts.headers.get(AUTHORIZATION) {
        let value = value.to_str().map_err(|_| ApiError::Unauthorized)?;
        let (scheme, token) = value.trim().split_once(' ').ok_or(ApiError::Unauthorized)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(ApiError::Unauthorized);
        }
        return Ok(Some(SecretString::from(token)));
    }
    Ok(parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, token)| SecretString::from(token.trim_matches('"'))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use secrecy::ExposeSecret;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::builder().uri("/");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn token(headers: &[(&str, &str)]) -> Result<Option<String>, ApiError> {
        presented_token(&parts(headers)).map(|t| t.map(|t| t.expose_secret().to_owned()))
    }

    #[test]
    fn a_bearer_header_or_the_session_cookie_carries_the_token() {
        assert_eq!(
            token(&[("authorization", "Bearer abc")])
                .unwrap()
                .as_deref(),
            Some("abc")
        );
        assert_eq!(
            token(&[("authorization", "bearer  abc ")])
                .unwrap()
                .as_deref(),
            Some("abc")
        );
        assert_eq!(
            token(&[("cookie", "theme=dark; __Host-coffer_session=xyz; other=1")])
                .unwrap()
                .as_deref(),
            Some("xyz")
        );
        assert_eq!(token(&[]).unwrap(), None);
    }

    #[test]
    fn another_scheme_is_refused_even_with_a_cookie() {
        assert!(
            token(&[
                ("authorization", "Basic dXNlcjpwYXNz"),
                ("cookie", "__Host-coffer_session=xyz")
            ])
            .is_err()
        );
        assert!(token(&[("authorization", "Bearer")]).is_err());
    }
}
