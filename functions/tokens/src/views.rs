//! What the token routes answer.

use coffer_core::tokens::TokenPair;
use secrecy::ExposeSecret;
use serde::Serialize;
use utoipa::ToSchema;

/// A token pair (or, for `client_credentials`, an access token alone).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// An EdDSA (Ed25519) JWT; its header names the signing key's `kid`.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque, single use; shown this once and stored only as a hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_expires_in: Option<u64>,
    /// The permissions the access token carries, separated by spaces.
    pub scope: String,
}

impl From<TokenPair> for TokenResponse {
    fn from(pair: TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            token_type: "Bearer",
            expires_in: pair.expires_in,
            refresh_token: pair
                .refresh_token
                .map(|token| token.expose_secret().to_owned()),
            refresh_expires_in: pair.refresh_expires_in,
            scope: pair.scope.to_string(),
        }
    }
}
