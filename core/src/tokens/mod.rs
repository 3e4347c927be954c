//! Tokens: EdDSA access tokens (JWT) signed with rotating Ed25519 keys, rotating refresh tokens
//! in families with reuse detection, revocation, and the OAuth token endpoint's grants.
//!
//! - [`jws`]: the compact JWS parser and signer (EdDSA only, strict).
//! - [`signing_keys`] / [`key_cache`]: the keys in the table, sealed; this process's copy.
//! - [`AccessTokens`]: issue and verify (shared by every group through the app state).
//! - [`revocations`]: what is refused before it expires, and how fast that is seen.
//! - [`refresh`]: refresh-token families, reuse detection, the grace window.
//! - [`TokensService`]: what `functions/tokens` calls.

mod access_tokens;
mod claims;
mod error;
pub mod jws;
pub mod key_cache;
pub mod refresh;
pub mod revocations;
mod scopes;
mod service;
pub mod signing_keys;

pub use access_tokens::{AccessTokenRequest, AccessTokens, IssuedAccessToken};
pub use claims::{ACCESS_TOKEN_TYP, AccessClaims};
pub use error::TokenError;
pub use scopes::{Scopes, UnknownScope};
pub use service::*;
