//! `POST /v1/auth/register`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{AuthService, DisplayName, Email, Limited, Registration, SecretString};
use coffer_core::http::{ApiError, BoundedJson, Problem, Service};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::views::{RateLimitHeaders, UserEnvelope, UserView};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Trimmed, domain lower-cased; unique regardless of case.
    #[schema(value_type = String, format = Email, example = "jane@example.com")]
    pub email: Email,
    /// 12 to 1024 bytes, not easy to guess, without the email or the name in it.
    #[schema(value_type = String, format = Password, min_length = 12, max_length = 1024)]
    pub password: SecretString,
    /// 1-100 characters.
    #[schema(value_type = Option<String>, max_length = 100)]
    pub name: Option<DisplayName>,
}

/// Registers a user. A taken email answers 409 (by the product's choice: registration says so
/// plainly; login and reset never tell).
#[utoipa::path(post, path = "/v1/auth/register", tag = "identity",
    request_body = RegisterRequest,
    responses(
        Service<AuthService>,
        BoundedJson<RegisterRequest>,
        (status = 201, description = "The user was created", body = UserEnvelope, headers(
            ("x-ratelimit-limit" = u32, description = "Registrations allowed per IP per day"),
            ("x-ratelimit-remaining" = u32, description = "Registrations left in the window"),
            ("x-ratelimit-reset" = u64, description = "Seconds until the window resets"),
        )),
        (status = 409, description = "The email address has an account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A weak password, a bad email or name, or an unknown field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this IP today (`retry-after`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    Service(auth): Service<AuthService>,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<RegisterRequest>,
) -> Response {
    let registration = Registration {
        email: body.email,
        password: body.password,
        name: body.name,
    };
    let Limited { quota, outcome } = auth.register(registration, &origin).await;
    let reply = outcome
        .map(|profile| {
            (
                StatusCode::CREATED,
                Json(UserEnvelope {
                    user: UserView::from(&profile),
                }),
            )
        })
        .map_err(ApiError::from);
    (RateLimitHeaders(quota), reply).into_response()
}
