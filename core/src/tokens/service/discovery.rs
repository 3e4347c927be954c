//! The discovery documents: the JWKS (every published signing key, so that a token signed by
//! any of them verifies) and the OpenID-style provider configuration.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use utoipa::ToSchema;

use super::TokensService;
use crate::tokens::TokenError;
use crate::tokens::jws::ALG;

/// One public signing key (RFC 8037 §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Jwk {
    /// `OKP`.
    pub kty: &'static str,
    /// `Ed25519`.
    pub crv: &'static str,
    /// `EdDSA`.
    pub alg: &'static str,
    /// `sig` for token-signing keys, `audit` for the keys that sign audit checkpoints.
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub kid: String,
    /// The public key, base64url.
    pub x: String,
}

impl Jwk {
    pub fn ed25519(kid: &str, public: &[u8; 32]) -> Self {
        Self {
            kty: "OKP",
            crv: "Ed25519",
            alg: ALG,
            use_: "sig",
            kid: kid.to_owned(),
            x: URL_SAFE_NO_PAD.encode(public),
        }
    }

    /// A key that signs audit checkpoints (`use: audit`): not for tokens.
    pub fn audit(kid: &str, public: &[u8; 32]) -> Self {
        Self {
            use_: "audit",
            ..Self::ed25519(kid, public)
        }
    }
}

/// Where a client finds the issuer's keys and endpoints.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenIdConfiguration {
    pub issuer: String,
    pub jwks_uri: String,
    pub token_endpoint: String,
    pub grant_types_supported: Vec<&'static str>,
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    pub token_endpoint_auth_signing_alg_values_supported: Vec<&'static str>,
    pub scopes_supported: Vec<&'static str>,
    pub response_types_supported: Vec<&'static str>,
}

impl TokensService {
    /// Every published key, the first one made now if there is none yet.
    pub async fn jwks(&self) -> Result<Vec<Jwk>, TokenError> {
        let mut keys = self.access_tokens.keys().keys().await?;
        if keys.records.is_empty() {
            self.access_tokens.keys().store().ensure_first().await?;
            keys = self.access_tokens.keys().refresh().await?;
        }
        let now = self.clock.now().unix_timestamp();
        let audit_keys = self.audit_keys.published().await.map_err(|err| match err {
            crate::audit::AuditError::Store(store) => TokenError::Store(store),
            _ => TokenError::Corrupt("audit signing key"),
        })?;
        Ok(keys
            .records
            .iter()
            .filter(|record| record.is_published(now))
            .map(|record| Jwk::ed25519(&record.kid, record.public.as_bytes()))
            .chain(
                audit_keys
                    .iter()
                    .map(|key| Jwk::audit(&key.kid, key.public.as_bytes())),
            )
            .collect())
    }

    pub fn openid_configuration(&self) -> OpenIdConfiguration {
        let issuer = &self.settings.issuer;
        OpenIdConfiguration {
            issuer: issuer.clone(),
            jwks_uri: format!("{issuer}/.well-known/jwks.json"),
            token_endpoint: self.settings.token_endpoint(),
            grant_types_supported: vec!["client_credentials", "refresh_token"],
            token_endpoint_auth_methods_supported: vec!["private_key_jwt"],
            token_endpoint_auth_signing_alg_values_supported: vec![ALG],
            scopes_supported: crate::access::Permission::ALL
                .iter()
                .map(|p| p.as_str())
                .collect(),
            response_types_supported: vec!["token"],
        }
    }
}
