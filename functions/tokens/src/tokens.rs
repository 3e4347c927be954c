//! `POST /v1/tokens`, `POST /v1/tokens/refresh`, `POST /v1/tokens/revoke`.

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::IntoResponse;
use coffer_core::access::{Permission, Scoped};
use coffer_core::audit::RequestOrigin;
use coffer_core::http::{ApiError, BoundedJson, Caller, FieldError, Problem, Service, scope};
use coffer_core::ids::{OrgId, VaultId};
use coffer_core::tokens::{IssueRequest, Scopes, TokensService};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::views::TokenResponse;

/// Replies that carry tokens are never cached (RFC 6749 §5.1).
pub(crate) const NO_STORE: [(axum::http::HeaderName, &str); 1] = [(CACHE_CONTROL, "no-store")];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueTokensRequest {
    /// Bind the tokens to this vault (`vlt_...`) and its org; needs `vaults:read` there.
    #[schema(value_type = Option<String>)]
    pub vault_id: Option<VaultId>,
    /// Bind the tokens to this org (`org_...`) without a vault; needs `org:read` there. With
    /// `vault_id`, it must be the vault's org.
    #[schema(value_type = Option<String>)]
    pub org_id: Option<OrgId>,
    /// Permission names, e.g. `["vaults:read", "pii:use"]`; at most what the caller's role in
    /// the bound org allows. Default: all of it (every permission when unbound).
    pub scopes: Option<Vec<String>>,
    /// 60 to 86400; default 3600.
    pub ttl_seconds: Option<u64>,
}

/// Mints an access token and a refresh token from a session (an access token cannot mint
/// more tokens).
#[utoipa::path(post, path = "/v1/tokens", tag = "tokens", request_body = IssueTokensRequest,
    responses(
        Service<TokensService>,
        BoundedJson<IssueTokensRequest>,
        Caller,
        (status = 201, body = TokenResponse, headers(("cache-control" = String, description = "`no-store`"))),
        (status = 403, description = "Not a session, or the role does not allow the vault or org", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such vault or org for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown or excessive scopes, a TTL out of range, an unknown field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = [])))]
pub async fn issue_tokens(
    Service(tokens): Service<TokensService>,
    caller: Caller,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<IssueTokensRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let session = caller
        .session()
        .ok_or_else(|| ApiError::Forbidden("tokens are issued to a session".into()))?;
    let scopes = body
        .scopes
        .as_deref()
        .map(Scopes::from_names)
        .transpose()
        .map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                "scopes",
                "each scope must be a permission name such as vaults:read",
            )])
        })?;
    let at: Option<Scoped> = match (&body.vault_id, &body.org_id) {
        (Some(vault), org) => {
            let owner = tokens.vault_org(vault).await?;
            if org.as_ref().is_some_and(|org| *org != owner) {
                return Err(ApiError::NotFound);
            }
            Some(
                scope(
                    tokens.access(),
                    &caller,
                    owner.as_str(),
                    Permission::VaultsRead,
                )
                .await?,
            )
        }
        (None, Some(org)) => {
            Some(scope(tokens.access(), &caller, org.as_str(), Permission::OrgRead).await?)
        }
        (None, None) => None,
    };
    let pair = tokens
        .issue(
            session,
            at.as_ref(),
            IssueRequest {
                vault: body.vault_id,
                scopes,
                ttl_seconds: body.ttl_seconds,
            },
            &origin,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        NO_STORE,
        Json(TokenResponse::from(pair)),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(value_type = String, format = Password)]
    pub refresh_token: SecretString,
}

/// Spends a refresh token for a new pair. A spent token presented again revokes its family.
#[utoipa::path(post, path = "/v1/tokens/refresh", tag = "tokens", request_body = RefreshRequest,
    responses(
        Service<TokensService>,
        BoundedJson<RefreshRequest>,
        (status = 200, body = TokenResponse, headers(("cache-control" = String, description = "`no-store`"))),
        (status = 401, description = "Unknown, expired, spent (the family is then revoked) or revoked", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh_tokens(
    Service(tokens): Service<TokensService>,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<RefreshRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let pair = tokens.refresh(&body.refresh_token, &origin).await?;
    Ok((NO_STORE, Json(TokenResponse::from(pair))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// An access token or a refresh token of the caller's.
    #[schema(value_type = Option<String>, format = Password)]
    pub token: Option<SecretString>,
    /// Every token bound to this vault; needs `vaults:manage` in its org.
    #[schema(value_type = Option<String>)]
    pub vault_id: Option<VaultId>,
}

/// Revokes one token (a refresh token ends its whole family) or every token of a vault. A
/// token that is unknown or not the caller's changes nothing and still answers 204.
#[utoipa::path(post, path = "/v1/tokens/revoke", tag = "tokens", request_body = RevokeRequest,
    responses(
        Service<TokensService>,
        BoundedJson<RevokeRequest>,
        Caller,
        (status = 204, description = "Revoked (or nothing to revoke)"),
        (status = 403, description = "The caller's role does not allow this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such vault for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of `token` and `vault_id`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn revoke_tokens(
    Service(tokens): Service<TokensService>,
    caller: Caller,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<RevokeRequest>,
) -> Result<StatusCode, ApiError> {
    match (body.token, body.vault_id) {
        (Some(token), None) => {
            tokens
                .revoke_token(&caller.principal(), &token, &origin)
                .await?;
        }
        (None, Some(vault)) => {
            let org = tokens.vault_org(&vault).await?;
            let at = scope(
                tokens.access(),
                &caller,
                org.as_str(),
                Permission::VaultsManage,
            )
            .await?;
            tokens.revoke_vault(&at, &vault, &origin).await?;
        }
        _ => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "token",
                "give exactly one of token and vault_id",
            )]));
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
