//! [`TokensService`]: what `functions/tokens` calls. Issue (from a session), refresh, revoke,
//! the `client_credentials` grant, and the discovery documents. One concern per file.
//!
//! A user's token events (issue, refresh, reuse, revoke) are platform events with the user as
//! actor, so that the user's own activity log (`GET /v1/auth/activity`) lists them; those of a
//! family bound to an org are also written to the org's log, in the same transaction, so its
//! admins see reuse detection. A machine client's grants and a vault's revocation belong to the
//! org.

mod client_credentials;
mod discovery;
mod issue;
mod refresh;
mod revoke;

use std::sync::Arc;

pub use discovery::{Jwk, OpenIdConfiguration};
pub use issue::IssueRequest;

use super::refresh::RefreshTokens;
use super::{AccessTokens, Scopes, TokenError};
use crate::access::{Access, Permission, Role};
use crate::audit::signing_key::AuditKeys;
use crate::audit::{AuditEvent, AuditSink, Change};
use crate::clients::ClientsService;
use crate::clock::Clock;
use crate::http::{ApiError, AppState, GroupService};
use crate::ids::{OrgId, VaultId};
use crate::orgs::Vault;
use crate::settings::TokenSettings;
use crate::store::{Item, Table, schema};
use secrecy::SecretString;

/// What the token endpoints hand out.
#[derive(Debug)]
pub struct TokenPair {
    pub access_token: String,
    pub expires_in: u64,
    /// Absent for `client_credentials` (RFC 6749 §4.4.3).
    pub refresh_token: Option<SecretString>,
    pub refresh_expires_in: Option<u64>,
    pub scope: Scopes,
}

#[derive(Debug)]
pub struct TokensService {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
    audit: AuditSink,
    access: Access,
    access_tokens: Arc<AccessTokens>,
    refresh: RefreshTokens,
    clients: ClientsService,
    /// The keys that sign audit checkpoints, published in the JWKS beside the token keys.
    audit_keys: AuditKeys,
    settings: TokenSettings,
}

impl GroupService for TokensService {
    async fn build(state: &AppState) -> Result<Self, ApiError> {
        let ports = &state.ports;
        let settings = state.settings.tokens.clone();
        Ok(Self {
            table: ports.table.clone(),
            clock: ports.clock.clone(),
            audit: AuditSink::new(ports.table.clone(), ports.clock.clone()),
            access: Access::new(ports.table.clone()),
            access_tokens: state.access_tokens.clone(),
            refresh: RefreshTokens::new(ports.table.clone(), settings.refresh_ttl),
            clients: ClientsService::build(state).await?,
            audit_keys: AuditKeys::new(
                ports.table.clone(),
                ports.keys.clone(),
                ports.clock.clone(),
            ),
            settings,
        })
    }
}

impl TokensService {
    /// The access gate, for handlers that scope a request to the vault's org.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The org a vault belongs to (404 when there is no such vault).
    pub async fn vault_org(&self, vault: &VaultId) -> Result<OrgId, TokenError> {
        let item = self
            .table
            .get(&schema::vault_owner(vault))
            .await?
            .ok_or(TokenError::NotFound)?;
        crate::store::attrs::parsed(&item, "org_id", OrgId::parse).map_err(TokenError::from)
    }

    /// The vault as stored, and its item (for a versioned write).
    async fn vault(&self, org: &OrgId, vault: &VaultId) -> Result<(Vault, Item), TokenError> {
        let item = self
            .table
            .get(&schema::vault(org, vault))
            .await?
            .ok_or(TokenError::NotFound)?;
        Ok((Vault::from_item(&item)?, item))
    }
}

/// A change recorded by a user's `event`, also in `org`'s log when the tokens are bound to one.
fn user_change(event: AuditEvent, org: Option<&OrgId>) -> Change<TokenError> {
    let in_org = org.map(|org| {
        let mut copy = event.clone();
        copy.org_id = Some(org.to_string());
        copy
    });
    let change = Change::new(event);
    match in_org {
        Some(copy) => change.also(copy),
        None => change,
    }
}

/// The permissions a role allows, as scopes.
fn role_scopes(role: Role) -> Scopes {
    Permission::ALL
        .into_iter()
        .filter(|p| role.allows(*p))
        .collect()
}
