//! Issues and verifies access tokens: one per process, shared by every route group through the
//! app state, so the keys and the revocation copy are read once and a revocation made here holds
//! here at once. Verification is pure CPU on the hot path: a parse, a map lookup for the key,
//! one signature check (once per token per process: a token seen before is found by its text),
//! the claim checks and a set lookup for revocation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use ed25519_dalek::SigningKey;

use super::claims::ACCESS_TOKEN_TYP;
use super::jws::{self, Unverified};
use super::key_cache::KeyCache;
use super::revocations::Revocations;
use super::signing_keys::{SigningKeyStore, signing_at};
use super::{AccessClaims, Scopes, TokenError};
use crate::backends::Ports;
use crate::clock::Clock;
use crate::crypto::random;
use crate::ids::{CertificateId, ClientId, OrgId, VaultId};
use crate::settings::TokenSettings;

/// What an access token is for.
#[derive(Debug, Clone)]
pub struct AccessTokenRequest {
    /// A user id or a client id.
    pub subject: String,
    pub scopes: Scopes,
    pub ttl: Duration,
    pub org: Option<OrgId>,
    /// The vault and its token generation now.
    pub vault: Option<(VaultId, u64)>,
    /// The machine client and the certificate it authenticated with.
    pub client: Option<(ClientId, CertificateId)>,
}

/// A signed access token and what its reply says about it.
#[derive(Debug, Clone)]
pub struct IssuedAccessToken {
    pub token: String,
    pub expires_in: u64,
}

#[derive(Debug)]
pub struct AccessTokens {
    settings: TokenSettings,
    clock: Arc<dyn Clock>,
    keys: KeyCache,
    revocations: Revocations,
    /// The key that signs now, unsealed once (only processes that issue tokens unseal one).
    signer: Mutex<Option<(String, Arc<SigningKey>)>>,
    /// Tokens whose signature this process has checked, by their exact text, so a client that
    /// presents its token on every request pays for the signature once. The time and revocation
    /// checks still run on every use.
    verified: RwLock<HashMap<Box<str>, Arc<AccessClaims>>>,
}

/// Most tokens remembered as verified; when full, those that expired go, or else all.
const MAX_VERIFIED: usize = 8192;

impl AccessTokens {
    pub fn new(settings: &TokenSettings, ports: &Ports) -> Self {
        let store = SigningKeyStore::new(
            ports.table.clone(),
            ports.keys.clone(),
            ports.clock.clone(),
            settings,
        );
        Self {
            settings: settings.clone(),
            clock: ports.clock.clone(),
            keys: KeyCache::new(store),
            revocations: Revocations::new(
                ports.table.clone(),
                ports.clock.clone(),
                settings.revocation_bound,
            ),
            signer: Mutex::new(None),
            verified: RwLock::new(HashMap::new()),
        }
    }

    pub fn keys(&self) -> &KeyCache {
        &self.keys
    }

    pub fn revocations(&self) -> &Revocations {
        &self.revocations
    }

    /// Loads the key that signs now (once loaded, it is cached), so that a change a client
    /// cannot take back — spending a refresh token — is made only when the pair it buys can be
    /// signed: a key ring that fails then fails the request before the change, not after.
    pub async fn ready_to_sign(&self) -> Result<(), TokenError> {
        self.signer().await.map(|_| ())
    }

    /// Signs a new access token.
    pub async fn issue(
        &self,
        request: &AccessTokenRequest,
    ) -> Result<IssuedAccessToken, TokenError> {
        let (kid, key) = self.signer().await?;
        let now = self.clock.now().unix_timestamp();
        let ttl = i64::try_from(request.ttl.as_secs()).unwrap_or(3600);
        let jti = random::token()?;
        let claims = AccessClaims {
            iss: self.settings.issuer.clone(),
            sub: request.subject.clone(),
            aud: self.settings.audience.clone(),
            exp: now + ttl,
            iat: now,
            nbf: now,
            jti,
            scope: request.scopes.to_string(),
            org: request.org.clone(),
            vault: request.vault.as_ref().map(|(vault, _)| vault.clone()),
            vgen: request.vault.as_ref().map(|(_, generation)| *generation),
            client: request.client.as_ref().map(|(client, _)| client.clone()),
            crt: request.client.as_ref().map(|(_, crt)| crt.clone()),
        };
        let token = jws::sign(&key, &kid, ACCESS_TOKEN_TYP, &claims)
            .map_err(|_| TokenError::Corrupt("claims"))?;
        Ok(IssuedAccessToken {
            token,
            expires_in: request.ttl.as_secs(),
        })
    }

    /// The claims of `token` if it is an access token Coffer issued that is valid now: EdDSA,
    /// a published kid, its signature, `iss`, `aud`, `nbf`/`exp`/`iat` with the leeway, and not
    /// revoked.
    pub async fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let known = self
            .verified
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned();
        let claims = match known {
            Some(claims) => claims,
            None => {
                let claims = Arc::new(self.check_signature(token).await?);
                self.remember(token, &claims);
                claims
            }
        };
        self.check_claims(&claims)?;
        if self.revocations.refuses(&claims).await? {
            return Err(TokenError::InvalidToken);
        }
        Ok(AccessClaims::clone(&claims))
    }

    /// The claims of `token` if its header is ours and a published key signed it.
    async fn check_signature(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let parsed = Unverified::parse(token).map_err(|reason| {
            tracing::debug!(%reason, "access token refused");
            TokenError::InvalidToken
        })?;
        // RFC 9068 §4: the type is required, so a client assertion or an ID token signed by a
        // key we publish could never pass as an access token.
        if parsed.typ() != Some(ACCESS_TOKEN_TYP) {
            return Err(TokenError::InvalidToken);
        }
        let key = self
            .keys
            .verifying_key(parsed.kid())
            .await?
            .ok_or(TokenError::InvalidToken)?;
        parsed.verify(&key).map_err(|reason| {
            tracing::debug!(%reason, "access token refused");
            TokenError::InvalidToken
        })
    }

    fn remember(&self, token: &str, claims: &Arc<AccessClaims>) {
        let mut verified = self
            .verified
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= MAX_VERIFIED {
            let now = self.clock.now().unix_timestamp();
            verified.retain(|_, claims| claims.exp > now);
            if verified.len() >= MAX_VERIFIED {
                verified.clear();
            }
        }
        verified.insert(token.into(), Arc::clone(claims));
    }

    fn check_claims(&self, claims: &AccessClaims) -> Result<(), TokenError> {
        let now = self.clock.now().unix_timestamp();
        let leeway = i64::try_from(self.settings.leeway.as_secs()).unwrap_or(0);
        let valid = claims.iss == self.settings.issuer
            && claims.aud == self.settings.audience
            && claims.nbf <= now + leeway
            && claims.iat <= now + leeway
            && now < claims.exp + leeway
            && claims.exp > claims.iat
            && claims.exp - claims.iat <= 86_400
            && claims.principal().is_some();
        if valid {
            Ok(())
        } else {
            Err(TokenError::InvalidToken)
        }
    }

    /// The key that signs now and its kid; makes the first key if there is none.
    async fn signer(&self) -> Result<(String, Arc<SigningKey>), TokenError> {
        let now = self.clock.now();
        let mut keys = self.keys.keys().await?;
        if signing_at(&keys.records, now).is_none() {
            self.keys.store().ensure_first().await?;
            keys = self.keys.refresh().await?;
        }
        let record = signing_at(&keys.records, now).ok_or(TokenError::Corrupt("no signing key"))?;
        if let Some((kid, key)) = self
            .signer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|(kid, _)| *kid == record.kid)
        {
            return Ok((kid.clone(), key.clone()));
        }
        let key = Arc::new(self.keys.store().unseal(record).await?);
        *self.signer.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((record.kid.clone(), key.clone()));
        Ok((record.kid.clone(), key))
    }
}
