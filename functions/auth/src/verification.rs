//! `POST /v1/auth/email/verify/request` and `POST /v1/auth/email/verify/confirm`.

use axum::http::StatusCode;
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{AuthService, SecretString};
use coffer_core::http::{ApiError, BoundedJson, Caller, Problem, Service};
use serde::Deserialize;
use utoipa::ToSchema;

/// Sends the caller a single-use verification code (valid 24 hours) through the outbox.
#[utoipa::path(post, path = "/v1/auth/email/verify/request", tag = "identity",
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])),
    responses(
        Service<AuthService>,
        Caller,
        (status = 202, description = "The message is in the outbox"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address is already verified", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests this hour (`retry-after`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_verification(
    Service(auth): Service<AuthService>,
    caller: Caller,
    origin: RequestOrigin,
) -> Result<StatusCode, ApiError> {
    auth.request_email_verification(caller.user()?, &origin)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The code from the message.
    #[schema(value_type = String)]
    pub token: SecretString,
}

/// Marks the address verified; the code is spent. Needs no session: the code is the proof.
#[utoipa::path(post, path = "/v1/auth/email/verify/confirm", tag = "identity",
    request_body = TokenRequest,
    responses(
        Service<AuthService>,
        BoundedJson<TokenRequest>,
        (status = 204, description = "The address is verified"),
        (status = 400, description = "The code is unknown, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or unknown field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_verification(
    Service(auth): Service<AuthService>,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<TokenRequest>,
) -> Result<StatusCode, ApiError> {
    auth.confirm_email_verification(&body.token, &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
