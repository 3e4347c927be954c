//! `POST /v1/tokens/revoke`: one token (an access token by its `jti` until it expires, a refresh
//! token's whole family), or every token bound to a vault (its generation is raised).

use super::TokensService;
use crate::access::{Principal, Scoped};
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::ids::VaultId;
use crate::store::Condition;
use crate::store::schema::Revoked;
use crate::tokens::TokenError;
use secrecy::{ExposeSecret, SecretString};

impl TokensService {
    /// Revokes `token` if it is one of `who`'s. Anything else — malformed, expired, unknown,
    /// someone else's — changes nothing and is not an error (RFC 7009 §2.2), so the endpoint
    /// tells nobody whether a token exists.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_token(
        &self,
        who: &Principal,
        token: &SecretString,
        origin: &RequestOrigin,
    ) -> Result<(), TokenError> {
        let token = token.expose_secret();
        if token.contains('.') {
            let claims = match self.access_tokens.verify(token).await {
                Ok(claims) => claims,
                Err(TokenError::InvalidToken) => return Ok(()),
                Err(other) => return Err(other),
            };
            if claims.principal().as_ref() != Some(who) {
                return Ok(());
            }
            let event = self
                .audit
                .event("tokens.revoke", Outcome::Success, origin)?
                .actor(who.actor_id())
                .resource(&claims.jti);
            let revocations = self.access_tokens.revocations();
            Change::<TokenError>::new(event)
                .op(revocations.revoke_op(Revoked::AccessToken(&claims.jti), None))
                .commit(&*self.table)
                .await?;
            revocations.note(Revoked::AccessToken(&claims.jti), None);
            return Ok(());
        }
        // Retried: a refresh that won a race moved the family this revocation builds on.
        retrying(|| async move {
            let Some((family, _)) = self.refresh.find(token).await? else {
                return Ok(());
            };
            if who.user() != Some(&family.grant.user) || family.revoked {
                return Ok(());
            }
            let event = self
                .audit
                .event("tokens.revoke", Outcome::Success, origin)?
                .actor(who.actor_id())
                .resource(&family.id);
            let now = self.clock.now().unix_timestamp();
            Change::<TokenError>::new(event)
                .op(self.refresh.revoke(&family, now)?)
                .commit(&*self.table)
                .await?;
            Ok(())
        })
        .await
    }

    /// Ends every token bound to `vault`: its generation goes up (refresh families and access
    /// tokens from before are refused), in one audited change.
    #[tracing::instrument(skip_all, fields(org = %at.org(), vault = %vault))]
    pub async fn revoke_vault(
        &self,
        at: &Scoped,
        vault: &VaultId,
        origin: &RequestOrigin,
    ) -> Result<(), TokenError> {
        let generation = retrying(|| async move {
            let (mut record, item) = self.vault(at.org(), vault).await?;
            record.token_generation += 1;
            let event = self
                .audit
                .scoped_event(at, "tokens.revoke_vault", Outcome::Success, origin)?
                .resource(vault);
            let revocations = self.access_tokens.revocations();
            Change::<TokenError>::new(event)
                .put(
                    record.to_item().with_version(item.version + 1),
                    Condition::VersionEquals(item.version),
                )
                .op(revocations.revoke_op(Revoked::Vault(vault), Some(record.token_generation)))
                .commit(&*self.table)
                .await?;
            Ok::<_, TokenError>(record.token_generation)
        })
        .await?;
        self.access_tokens
            .revocations()
            .note(Revoked::Vault(vault), Some(generation));
        Ok(())
    }
}
