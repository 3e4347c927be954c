//! `GET /v1/auth/activity`.

use axum::Json;
use coffer_core::auth::AuthService;
use coffer_core::http::{AccountCaller, ApiError, PageParams, Problem, RawPagination, Service};

use crate::views::{ActivityPage, ActivityView};

/// The caller's own security events, newest first: logins (and failed ones on their account),
/// logouts, sessions revoked, password changes and resets, email verification — with time, IP
/// and user agent.
#[utoipa::path(get, path = "/v1/auth/activity", tag = "identity",
    security(("session" = []), ("session_cookie" = [])),
    params(PageParams),
    responses(
        Service<AuthService>,
        AccountCaller,
        (status = 200, description = "The caller's own events, newest first", body = ActivityPage),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn activity(
    Service(auth): Service<AuthService>,
    AccountCaller(caller): AccountCaller,
    page: RawPagination,
) -> Result<Json<ActivityPage>, ApiError> {
    let found = auth
        .activity(caller.user()?, page.limit, page.cursor.as_deref())
        .await?;
    Ok(Json(ActivityPage {
        items: found.events.iter().map(ActivityView::from).collect(),
        next_cursor: found.next_cursor,
    }))
}
