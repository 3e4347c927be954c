//! `POST /v1/tokens/refresh` and `grant_type=refresh_token`: the live token of a family buys a
//! new pair; reuse revokes the family (RFC 9700 §4.14.2).

use super::{TokenPair, TokensService, user_change};
use crate::audit::{Outcome, RequestOrigin, retrying};
use crate::store::schema;
use crate::tokens::refresh::{Family, Presented};
use crate::tokens::{AccessTokenRequest, TokenError};
use secrecy::{ExposeSecret, SecretString};

impl TokensService {
    #[tracing::instrument(skip_all)]
    pub async fn refresh(
        &self,
        token: &SecretString,
        origin: &RequestOrigin,
    ) -> Result<TokenPair, TokenError> {
        let grace = i64::try_from(self.settings.refresh_grace.as_secs()).unwrap_or(0);
        // A pair that cannot be signed must not cost the token: the client's retry of the
        // 503 would be a reuse, and revoke the family.
        self.access_tokens.ready_to_sign().await?;
        let (family, next) = retrying(|| async move {
            let Some((family, generation)) = self.refresh.find(token.expose_secret()).await? else {
                return Err(TokenError::InvalidToken);
            };
            let now = self.clock.now().unix_timestamp();
            let presented = family.presented(generation, now, grace);
            match presented {
                Presented::Revoked => return Err(TokenError::InvalidToken),
                Presented::Reuse => {
                    self.revoke_reused(&family, origin).await?;
                    return Err(TokenError::RefreshReused);
                }
                Presented::Live | Presented::GraceRetry => {}
            }
            if !self.grant_still_holds(&family).await? {
                return Err(TokenError::InvalidToken);
            }
            let next = self.refresh.rotate(&family, presented, now)?;
            let action = match presented {
                Presented::GraceRetry => "tokens.refresh.retry",
                _ => "tokens.refresh",
            };
            let event = self
                .audit
                .event(action, Outcome::Success, origin)?
                .actor(&family.grant.user)
                .resource(&family.id);
            // A failed version condition is a conflict: the next round reads the family again
            // and, if another refresh won, sees this token as spent.
            user_change(event, family.grant.org.as_ref())
                .ops(next.ops)
                .commit(&*self.table)
                .await?;
            Ok((family, (next.token, next.family)))
        })
        .await?;
        let (refresh_token, next_family) = next;
        let grant = &next_family.grant;
        let scopes = grant.scopes()?;
        let access = self
            .access_tokens
            .issue(&AccessTokenRequest {
                subject: grant.user.to_string(),
                scopes,
                ttl: std::time::Duration::from_secs(grant.access_ttl),
                org: grant.org.clone(),
                vault: grant
                    .vault
                    .clone()
                    .map(|vault| (vault, grant.vault_generation)),
                client: None,
            })
            .await?;
        drop(family);
        Ok(TokenPair {
            access_token: access.token,
            expires_in: access.expires_in,
            refresh_token: Some(refresh_token),
            refresh_expires_in: Some(self.refresh.ttl_seconds()),
            scope: scopes,
        })
    }

    /// Revokes a family whose spent token came back, and records it.
    async fn revoke_reused(
        &self,
        family: &Family,
        origin: &RequestOrigin,
    ) -> Result<(), TokenError> {
        let now = self.clock.now().unix_timestamp();
        let event = self
            .audit
            .event("tokens.refresh.reuse_detected", Outcome::Failure, origin)?
            .actor(&family.grant.user)
            .resource(&family.id);
        tracing::warn!(family = %family.id, "a spent refresh token was presented; family revoked");
        user_change(event, family.grant.org.as_ref())
            .op(self.refresh.revoke(family, now)?)
            .commit(&*self.table)
            .await?;
        Ok(())
    }

    /// Whether what the family was granted under still stands: its session is live, the
    /// password has not changed, and the vault's tokens have not been revoked since.
    async fn grant_still_holds(&self, family: &Family) -> Result<bool, TokenError> {
        let grant = &family.grant;
        let now = self.clock.now().unix_timestamp();
        let session_key = schema::session(&grant.session_digest);
        let credential_key = schema::user_credential(&grant.user);
        let vault_key = match (&grant.org, &grant.vault) {
            (Some(org), Some(vault)) => Some(schema::vault(org, vault)),
            _ => None,
        };
        let (session, credential, vault) = tokio::try_join!(
            self.table.get(&session_key),
            self.table.get(&credential_key),
            async {
                match &vault_key {
                    Some(key) => self.table.get(key).await,
                    None => Ok(None),
                }
            }
        )?;
        let session_live = session.is_some_and(|item| item.is_live(now));
        let password_unchanged =
            credential.is_some_and(|item| item.version == grant.credential_version);
        let vault_unrevoked = match (&vault_key, vault) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(_), Some(item)) => {
                crate::orgs::Vault::from_item(&item)?.token_generation == grant.vault_generation
            }
        };
        Ok(session_live && password_unchanged && vault_unrevoked)
    }
}
