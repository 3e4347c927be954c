//! `POST /v1/tokens`: a session mints an access token and a refresh token, optionally bound to
//! an org or a vault and narrowed to some scopes.

use std::time::Duration;

use super::{TokenPair, TokensService, role_scopes, user_change};
use crate::access::Scoped;
use crate::audit::{Outcome, RequestOrigin};
use crate::auth::sessions::Session;
use crate::ids::VaultId;
use crate::settings::TokenSettings;
use crate::store::schema;
use crate::tokens::refresh::Grant;
use crate::tokens::{AccessTokenRequest, Scopes, TokenError};

/// What the caller asked for, parsed.
#[derive(Debug, Clone, Default)]
pub struct IssueRequest {
    /// Bind the tokens to this vault (and its org); the caller's scope must come from the gate.
    pub vault: Option<VaultId>,
    pub scopes: Option<Scopes>,
    pub ttl_seconds: Option<u64>,
}

impl TokensService {
    /// Issues a pair for the session's user. `at` is the gate's answer for the org the tokens
    /// are bound to (the vault's org when a vault is named), `None` for an unbound token.
    #[tracing::instrument(skip_all, fields(org = ?at.map(|a| a.org().to_string())))]
    pub async fn issue(
        &self,
        session: &Session,
        at: Option<&Scoped>,
        request: IssueRequest,
        origin: &RequestOrigin,
    ) -> Result<TokenPair, TokenError> {
        let ttl = access_ttl(&self.settings, request.ttl_seconds)?;
        if request.vault.is_some() && at.is_none() {
            return Err(TokenError::NotFound);
        }
        let allowed = at.map_or_else(Scopes::all, |at| role_scopes(at.role()));
        let scopes = request.scopes.unwrap_or(allowed);
        if !scopes.is_subset_of(allowed) {
            return Err(TokenError::InvalidScope);
        }
        let vault = match (&request.vault, at) {
            (Some(vault), Some(at)) => {
                let (vault, _) = self.vault(at.org(), vault).await?;
                Some((vault.id, vault.token_generation))
            }
            _ => None,
        };
        let user = &session.user_id;
        let credential_version = self
            .table
            .get(&schema::user_credential(user))
            .await?
            .map(|item| item.version)
            .ok_or(TokenError::InvalidToken)?;
        let session_key = session.key();
        let grant = Grant {
            user: user.clone(),
            session: session.id.clone(),
            session_digest: schema::session_token_digest(&session_key)
                .ok_or(TokenError::Corrupt("session key"))?
                .to_owned(),
            credential_version,
            org: at.map(|at| at.org().clone()),
            vault: vault.as_ref().map(|(id, _)| id.clone()),
            vault_generation: vault.as_ref().map_or(0, |(_, generation)| *generation),
            scope: scopes.to_string(),
            access_ttl: ttl.as_secs(),
        };
        let now = self.clock.now().unix_timestamp();
        let started = self.refresh.start(grant, now)?;
        let event = self
            .audit
            .event("tokens.issue", Outcome::Success, origin)?
            .actor(user)
            .resource(&started.family.id);
        user_change(event, at.map(|at| at.org()))
            .ops(started.ops)
            .commit(&*self.table)
            .await?;
        let access = self
            .access_tokens
            .issue(&AccessTokenRequest {
                subject: user.to_string(),
                scopes,
                ttl,
                org: at.map(|at| at.org().clone()),
                vault,
                client: None,
            })
            .await?;
        Ok(TokenPair {
            access_token: access.token,
            expires_in: access.expires_in,
            refresh_token: Some(started.token),
            refresh_expires_in: Some(self.refresh.ttl_seconds()),
            scope: scopes,
        })
    }
}

/// The lifetime asked for, within 60 s to 24 h, or the configured default.
pub(super) fn access_ttl(
    settings: &TokenSettings,
    asked: Option<u64>,
) -> Result<Duration, TokenError> {
    match asked {
        None => Ok(settings.access_ttl),
        Some(secs) if TokenSettings::ACCESS_TTL_RANGE.contains(&secs) => {
            Ok(Duration::from_secs(secs))
        }
        Some(_) => Err(TokenError::InvalidRequest {
            field: "ttl_seconds",
            message: "must be between 60 and 86400",
        }),
    }
}
