//! `GET /v1/auth/me` and `PUT /v1/users/me`.

use axum::Json;
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{AuthService, DisplayName, ProfileUpdate};
use coffer_core::http::{AccountCaller, ApiError, BoundedJson, Caller, Problem, Service};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use crate::views::UserView;

/// The caller's profile.
#[utoipa::path(get, path = "/v1/auth/me", tag = "identity",
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])),
    responses(
        Service<AuthService>,
        Caller,
        (status = 200, description = "The caller's profile", body = UserView),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(
    Service(auth): Service<AuthService>,
    caller: Caller,
) -> Result<Json<UserView>, ApiError> {
    let profile = auth.profile(caller.user()?).await?;
    Ok(Json(UserView::from(&profile)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// 1-100 characters; `null` removes the name; absent leaves it as it is. (The email address
    /// cannot be changed here.)
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub name: Option<Option<DisplayName>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Changes the caller's profile.
#[utoipa::path(put, path = "/v1/users/me", tag = "identity",
    security(("session" = []), ("session_cookie" = [])),
    request_body = UpdateProfileRequest,
    responses(
        Service<AuthService>,
        BoundedJson<UpdateProfileRequest>,
        AccountCaller,
        (status = 200, description = "The updated profile", body = UserView),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The profile changed meanwhile; retry", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad name or an unknown field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_me(
    Service(auth): Service<AuthService>,
    AccountCaller(caller): AccountCaller,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<UpdateProfileRequest>,
) -> Result<Json<UserView>, ApiError> {
    let update = ProfileUpdate { name: body.name };
    let profile = auth.update_profile(caller.user()?, update, &origin).await?;
    Ok(Json(UserView::from(&profile)))
}
