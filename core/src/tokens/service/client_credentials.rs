//! `grant_type=client_credentials` with `private_key_jwt` (RFC 7523 §2.2): a machine client
//! proves itself with an assertion signed by one of its certificates' keys and gets an access
//! token bound to its org, with at most its own scopes. The assertion's `jti` is spent in the
//! same transaction as the grant's audit event, so an assertion is never accepted twice.

use super::{TokenPair, TokensService};
use crate::audit::{Change, Outcome, RequestOrigin};
use crate::tokens::{AccessTokenRequest, Scopes, TokenError};

impl TokensService {
    #[tracing::instrument(skip_all)]
    pub async fn client_credentials(
        &self,
        assertion: &str,
        client_id: Option<&str>,
        scope: Option<&str>,
        origin: &RequestOrigin,
    ) -> Result<TokenPair, TokenError> {
        let client = self.clients.authenticate(assertion, client_id).await?;
        let scopes = match scope {
            None => client.scopes,
            Some(raw) => Scopes::parse(raw).map_err(|_| TokenError::InvalidScope)?,
        };
        if !scopes.is_subset_of(client.scopes) {
            return Err(TokenError::InvalidScope);
        }
        let mut event = self
            .audit
            .event("tokens.issue", Outcome::Success, origin)?
            .actor(&client.client)
            .resource(&client.certificate);
        event.org_id = Some(client.org.to_string());
        Change::<TokenError>::new(event)
            .op_or(client.spend_assertion, TokenError::InvalidClient)
            .commit(&*self.table)
            .await?;
        let access = self
            .access_tokens
            .issue(&AccessTokenRequest {
                subject: client.client.to_string(),
                scopes,
                ttl: self.settings.access_ttl,
                org: Some(client.org.clone()),
                vault: None,
                client: Some((client.client.clone(), client.certificate.clone())),
            })
            .await?;
        Ok(TokenPair {
            access_token: access.token,
            expires_in: access.expires_in,
            refresh_token: None,
            refresh_expires_in: None,
            scope: scopes,
        })
    }
}
