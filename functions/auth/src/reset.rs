//! `POST /v1/auth/password/reset/request` and `POST /v1/auth/password/reset/confirm`.

use axum::http::StatusCode;
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{AuthService, Email, SecretString};
use coffer_core::http::{ApiError, BoundedJson, Problem, Service};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[schema(value_type = String, format = Email)]
    pub email: Email,
}

/// Sends a single-use reset code (valid 1 hour) if the address has an account. Answers 202
/// either way.
#[utoipa::path(post, path = "/v1/auth/password/reset/request", tag = "identity",
    request_body = ResetRequest,
    responses(
        Service<AuthService>,
        BoundedJson<ResetRequest>,
        (status = 202, description = "Accepted, whether or not the address has an account"),
        (status = 422, description = "A malformed email or an unknown field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reset requests from this IP this hour (`retry-after`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_reset(
    Service(auth): Service<AuthService>,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    auth.request_password_reset(&body.email, &origin).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmRequest {
    /// The code from the message.
    #[schema(value_type = String)]
    pub token: SecretString,
    #[schema(value_type = String, format = Password, min_length = 12, max_length = 1024)]
    pub new_password: SecretString,
}

/// Sets a new password with a reset code; the code is spent and every session of the user ends.
#[utoipa::path(post, path = "/v1/auth/password/reset/confirm", tag = "identity",
    request_body = ResetConfirmRequest,
    responses(
        Service<AuthService>,
        BoundedJson<ResetConfirmRequest>,
        (status = 204, description = "The password is changed and every session revoked"),
        (status = 400, description = "The code is unknown, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A weak new password or an unknown field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_reset(
    Service(auth): Service<AuthService>,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<ResetConfirmRequest>,
) -> Result<StatusCode, ApiError> {
    auth.confirm_password_reset(&body.token, body.new_password, &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
