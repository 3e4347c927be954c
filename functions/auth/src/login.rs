//! `POST /v1/auth/login` and `POST /v1/auth/logout`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{AuthService, ClientKind, Email, ExposeSecret, Limited, SecretString};
use coffer_core::http::{ApiError, BoundedJson, Caller, Problem, Service};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::views::{RateLimitHeaders, SessionCookie, UserView};

/// What kind of client the session is for.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LoginClient {
    /// 30 days, and the `__Host-coffer_session` cookie is set.
    #[default]
    Web,
    /// 90 days, no cookie.
    Cli,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(value_type = String, format = Email, example = "jane@example.com")]
    pub email: Email,
    #[schema(value_type = String, format = Password, max_length = 1024)]
    pub password: SecretString,
    /// `web` (the default) or `cli`.
    #[serde(default)]
    pub client: LoginClient,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The session's bearer token: shown this once, stored only as a hash.
    pub session_token: String,
    /// `ses_...`
    pub session_id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    pub user: UserView,
}

/// Logs in. A wrong password and an unknown email get the same 401, after the same work.
#[utoipa::path(post, path = "/v1/auth/login", tag = "identity",
    request_body = LoginRequest,
    responses(
        Service<AuthService>,
        BoundedJson<LoginRequest>,
        (status = 200, description = "A new session; `web` logins also set the `__Host-coffer_session` cookie", body = LoginResponse, headers(
            ("set-cookie" = String, description = "`__Host-coffer_session=...; Path=/; HttpOnly; Secure; SameSite=Lax` (web only)"),
            ("x-ratelimit-limit" = u32, description = "Login attempts allowed per IP per hour"),
            ("x-ratelimit-remaining" = u32, description = "Attempts left in the window"),
            ("x-ratelimit-reset" = u64, description = "Seconds until the window resets"),
        )),
        (status = 401, description = "Wrong email or password (one answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed email, a password over 1024 bytes, or an unknown field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this IP, or the account is locked after failed logins (`retry-after`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    Service(auth): Service<AuthService>,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<LoginRequest>,
) -> Response {
    let client = match body.client {
        LoginClient::Web => ClientKind::Web,
        LoginClient::Cli => ClientKind::Cli,
    };
    let Limited { quota, outcome } = auth
        .login(&body.email, body.password, client, &origin)
        .await;
    let reply = outcome
        .map(|success| {
            let token = success.token.expose_secret();
            let cookie = match success.session.client {
                ClientKind::Web => {
                    let max_age =
                        (success.session.expires_at - success.session.created_at).whole_seconds();
                    SessionCookie::set(token, max_age)
                }
                ClientKind::Cli => SessionCookie::none(),
            };
            let body = LoginResponse {
                session_token: token.to_owned(),
                session_id: success.session.id.to_string(),
                expires_at: success.session.expires_at,
                user: UserView::from(&success.profile),
            };
            (cookie, Json(body))
        })
        .map_err(ApiError::from);
    (RateLimitHeaders(quota), reply).into_response()
}

/// Ends the session the request came with, and clears the cookie.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "identity",
    security(("session" = []), ("session_cookie" = [])),
    responses(
        Service<AuthService>,
        Caller,
        (status = 204, description = "The session is gone", headers(("set-cookie" = String, description = "Clears `__Host-coffer_session`"))),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn logout(
    Service(auth): Service<AuthService>,
    caller: Caller,
    origin: RequestOrigin,
) -> Result<Response, ApiError> {
    let session = caller.session().ok_or(ApiError::Unauthorized)?;
    auth.logout(session, &origin).await?;
    Ok((StatusCode::NO_CONTENT, SessionCookie::clear(), ()).into_response())
}
