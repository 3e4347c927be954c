//! Who is calling: a session token (from `Authorization: Bearer` or the `__Host-coffer_session`
//! cookie) resolved to its user, or an access token (an EdDSA JWT, `Bearer` only) verified by
//! the process's [`crate::tokens::AccessTokens`] and speaking for a user or a machine client.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use secrecy::{ExposeSecret, SecretString};

use super::{ApiError, AppState};
use crate::access::{Permission, Principal, Scoped};
use crate::auth::sessions::{SESSION_COOKIE, Session, SessionStore};
use crate::auth::{SessionId, UserId};
use crate::ids::{OrgId, VaultId};
use crate::tokens::{AccessClaims, Scopes};

/// An authenticated caller. Missing, malformed, unknown, expired and revoked credentials are
/// all 401.
#[derive(Debug, Clone)]
pub struct Caller {
    principal: Principal,
    pub credential: CallerCredential,
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum CallerCredential {
    /// A session token (bearer or cookie).
    Session(Session),
    /// An access token, with the scopes it carries.
    AccessToken {
        claims: AccessClaims,
        scopes: Scopes,
    },
}

impl Caller {
    /// Who the access gate sees.
    pub fn principal(&self) -> Principal {
        self.principal.clone()
    }

    /// The user behind the request; a machine client is not one (403 on user-only routes).
    pub fn user(&self) -> Result<&UserId, ApiError> {
        self.principal
            .user()
            .ok_or_else(|| ApiError::Forbidden("a machine client has no user account".into()))
    }

    /// The session the caller used, if they used one.
    pub fn session(&self) -> Option<&Session> {
        match &self.credential {
            CallerCredential::Session(session) => Some(session),
            CallerCredential::AccessToken { .. } => None,
        }
    }

    pub fn session_id(&self) -> Option<&SessionId> {
        self.session().map(|s| &s.id)
    }

    /// Whether the credential reaches `vault`: a token bound to a vault reaches that vault and
    /// no other of its org (404, as for a vault that does not exist).
    pub(super) fn credential_reaches_vault(&self, vault: &VaultId) -> Result<(), ApiError> {
        match &self.credential {
            CallerCredential::AccessToken { claims, .. }
                if claims.vault.as_ref().is_some_and(|bound| bound != vault) =>
            {
                Err(ApiError::NotFound)
            }
            _ => Ok(()),
        }
    }

    /// `at` as far as the credential reaches: an access token's scopes bound what the role
    /// allows in the checks a service makes after the gate.
    pub fn narrow(&self, at: Scoped) -> Scoped {
        match &self.credential {
            CallerCredential::Session(_) => at,
            CallerCredential::AccessToken { scopes, .. } => at.within(*scopes),
        }
    }

    /// Whether the credential lets the caller act in `org` with `need`: a session always may
    /// (the gate decides); an access token only inside the org it is bound to, if any, and only
    /// for the permissions its scopes name.
    pub fn credential_allows(&self, org: &OrgId, need: Permission) -> Result<(), ApiError> {
        match &self.credential {
            CallerCredential::Session(_) => Ok(()),
            CallerCredential::AccessToken { claims, scopes } => {
                if claims.org.as_ref().is_some_and(|bound| bound != org) {
                    return Err(ApiError::NotFound);
                }
                if !scopes.contains(need) {
                    return Err(ApiError::Forbidden(format!(
                        "the token's scope does not include {}",
                        need.as_str()
                    )));
                }
                Ok(())
            }
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = presented_token(parts)?.ok_or(ApiError::Unauthorized)?;
        if token.expose_secret().contains('.') {
            let claims = state
                .access_tokens
                .verify(token.expose_secret())
                .await
                .map_err(ApiError::from)?;
            let principal = claims.principal().ok_or(ApiError::Unauthorized)?;
            let scopes = Scopes::parse(&claims.scope).map_err(|_| ApiError::Unauthorized)?;
            return Ok(Self {
                principal,
                credential: CallerCredential::AccessToken { claims, scopes },
            });
        }
        let sessions = SessionStore::new(state.ports.table.clone(), state.ports.clock.clone());
        let session = sessions
            .resolve(&token)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(Self {
            principal: Principal::User(session.user_id.clone()),
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
