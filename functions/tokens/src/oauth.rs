//! `POST /v1/oauth/token`: the RFC 6749 token endpoint. Form-encoded; `refresh_token`, and
//! `client_credentials` authenticated by a `private_key_jwt` assertion (RFC 7523). Errors are
//! RFC 6749 §5.2 JSON (`{"error": "invalid_grant", ...}`), every reply `cache-control: no-store`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, PRAGMA};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use coffer_core::audit::RequestOrigin;
use coffer_core::http::{ApiError, AppState, Problem, Service};
use coffer_core::tokens::{TokenError, TokensService};
use secrecy::SecretString;
use serde::Serialize;
use utoipa::ToSchema;

use crate::tokens::NO_STORE;
use crate::views::TokenResponse;

/// The only client assertion type accepted.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Parameters the endpoint reads; any other is ignored (RFC 6749 §3.2).
const KNOWN: [&str; 6] = [
    "grant_type",
    "refresh_token",
    "client_assertion_type",
    "client_assertion",
    "client_id",
    "scope",
];

/// An RFC 6749 §5.2 error reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `invalid_scope`,
    /// `unsupported_grant_type`.
    pub error: &'static str,
    pub error_description: &'static str,
}

impl OAuthError {
    fn reply(status: StatusCode, error: &'static str, error_description: &'static str) -> Response {
        (
            status,
            NO_STORE,
            [(PRAGMA, "no-cache")],
            Json(OAuthError {
                error,
                error_description,
            }),
        )
            .into_response()
    }

    fn invalid_request(why: &'static str) -> Response {
        Self::reply(StatusCode::BAD_REQUEST, "invalid_request", why)
    }
}

/// The form's parameters, each at most once (RFC 6749 §3.2: a repeated parameter is an
/// `invalid_request`).
fn parameters(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, &'static str> {
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form {
        return Err("the body must be application/x-www-form-urlencoded");
    }
    let mut parameters = HashMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        if !KNOWN.contains(&name.as_ref()) {
            continue;
        }
        if parameters
            .insert(name.into_owned(), value.into_owned())
            .is_some()
        {
            return Err("a parameter is repeated");
        }
    }
    Ok(parameters)
}

/// The token endpoint's form parameters, each at most once (RFC 6749, RFC 7523).
// Only describes the form in the OpenAPI document (it was `type: string`); the handler reads the
// form itself, to refuse a repeated parameter.
#[derive(ToSchema)]
#[expect(dead_code, reason = "only describes the form in the OpenAPI document")]
struct TokenForm {
    /// `refresh_token` or `client_credentials`.
    #[schema(example = "refresh_token")]
    grant_type: String,
    /// For `refresh_token`: the refresh token to spend.
    refresh_token: Option<String>,
    /// For `client_credentials`: `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`.
    client_assertion_type: Option<String>,
    /// For `client_credentials`: a JWT signed with one of the client's certificates' Ed25519 keys.
    client_assertion: Option<String>,
    /// Permission names, space-separated: at most the client's (default all of them).
    scope: Option<String>,
}

/// The token endpoint.
#[utoipa::path(post, path = "/v1/oauth/token", tag = "tokens",
    request_body(content_type = "application/x-www-form-urlencoded", content = TokenForm,
        description = "`grant_type=refresh_token&refresh_token=...`, or `grant_type=client_credentials&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=<JWT signed with a certificate's Ed25519 key>[&scope=...]`"),
    responses(
        Service<TokensService>,
        (status = 200, body = TokenResponse, headers(("cache-control" = String, description = "`no-store`"))),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `invalid_scope` or `unsupported_grant_type`", body = OAuthError),
        (status = 401, description = "`invalid_client`", body = OAuthError),
        (status = 413, description = "The form is over `COFFER_MAX_BODY_BYTES`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn token_endpoint(
    Service(tokens): Service<TokensService>,
    State(state): State<AppState>,
    origin: RequestOrigin,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() > state.settings.max_body_bytes {
        return ApiError::PayloadTooLarge {
            limit: state.settings.max_body_bytes,
        }
        .into_response();
    }
    let parameters = match parameters(&headers, &body) {
        Ok(parameters) => parameters,
        Err(why) => return OAuthError::invalid_request(why),
    };
    let get = |name: &str| parameters.get(name).map(String::as_str);
    let result = match get("grant_type") {
        Some("refresh_token") => {
            let Some(token) = get("refresh_token") else {
                return OAuthError::invalid_request("refresh_token is missing");
            };
            tokens
                .refresh(&SecretString::from(token.to_owned()), &origin)
                .await
        }
        Some("client_credentials") => {
            if get("client_assertion_type") != Some(JWT_BEARER) {
                return OAuthError::reply(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                );
            }
            let Some(assertion) = get("client_assertion") else {
                return OAuthError::reply(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client_assertion is missing",
                );
            };
            tokens
                .client_credentials(assertion, get("client_id"), get("scope"), &origin)
                .await
        }
        Some(_) => {
            return OAuthError::reply(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be client_credentials or refresh_token",
            );
        }
        None => return OAuthError::invalid_request("grant_type is missing"),
    };
    match result {
        Ok(pair) => (
            NO_STORE,
            [(PRAGMA, "no-cache")],
            Json(TokenResponse::from(pair)),
        )
            .into_response(),
        Err(err) => oauth_failure(err),
    }
}

fn oauth_failure(err: TokenError) -> Response {
    match err.oauth_error() {
        Some((status, error)) => OAuthError::reply(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            error,
            match error {
                "invalid_grant" => "the grant is invalid, expired or revoked",
                "invalid_client" => "client authentication failed",
                "invalid_scope" => "the requested scope is not allowed",
                _ => "the request is not valid",
            },
        ),
        None => ApiError::from(err).into_response(),
    }
}
