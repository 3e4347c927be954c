//! `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`.

use axum::Json;
use axum::http::header::CACHE_CONTROL;
use axum::response::IntoResponse;
use coffer_core::http::{ApiError, Problem, Service};
use coffer_core::tokens::{Jwk, OpenIdConfiguration, TokensService};
use serde::Serialize;
use utoipa::ToSchema;

/// How long clients may cache the discovery documents. Shorter than the signing-key rotation
/// lead, so a new key is in every cache before it signs.
const CACHE: &str = "public, max-age=300";

#[derive(Debug, Serialize, ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// The public signing keys: the one that signs now, the next one (published before it signs)
/// and every earlier one that signed tokens not yet expired.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "tokens",
    responses(
        Service<TokensService>,
        (status = 200, body = JwkSet, headers(("cache-control" = String, description = "`public, max-age=300`"))),
    ))]
pub async fn jwks(Service(tokens): Service<TokensService>) -> Result<impl IntoResponse, ApiError> {
    let keys = tokens.jwks().await?;
    Ok(([(CACHE_CONTROL, CACHE)], Json(JwkSet { keys })))
}

/// The issuer, its key set and its token endpoint, with the grants and algorithms it supports.
#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "tokens",
    responses(
        (status = 200, body = OpenIdConfiguration, headers(("cache-control" = String, description = "`public, max-age=300`"))),
        (status = 503, description = "The server is overloaded or could not start the token service; retry", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn openid_configuration(Service(tokens): Service<TokensService>) -> impl IntoResponse {
    (
        [(CACHE_CONTROL, CACHE)],
        Json(tokens.openid_configuration()),
    )
}
