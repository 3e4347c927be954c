//! `POST /v1/auth/password`.

use axum::http::StatusCode;
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{AuthService, SecretString};
use coffer_core::http::{AccountCaller, ApiError, BoundedJson, Problem, Service};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[schema(value_type = String, format = Password)]
    pub current_password: SecretString,
    /// The same policy as at registration, and not the current password.
    #[schema(value_type = String, format = Password, min_length = 12, max_length = 1024)]
    pub new_password: SecretString,
}

/// Changes the caller's password; every other session of the user ends.
#[utoipa::path(post, path = "/v1/auth/password", tag = "identity",
    security(("session" = []), ("session_cookie" = [])),
    request_body = ChangePasswordRequest,
    responses(
        Service<AuthService>,
        BoundedJson<ChangePasswordRequest>,
        AccountCaller,
        (status = 204, description = "Changed; the caller's other sessions are revoked"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The current password is not correct (counts towards the lockout), or an access token: this route takes the user's session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The password changed meanwhile; retry", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A weak new password or an unknown field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The account is locked after failed attempts (`retry-after`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    Service(auth): Service<AuthService>,
    AccountCaller(caller): AccountCaller,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    auth.change_password(
        caller.user()?,
        caller.session(),
        body.current_password,
        body.new_password,
        &origin,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
