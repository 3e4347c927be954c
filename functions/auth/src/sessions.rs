//! `GET /v1/auth/sessions` and `DELETE /v1/auth/sessions/{id}`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{AuthService, SessionId};
use coffer_core::http::{AccountCaller, ApiError, Problem, Service};

use crate::views::{SessionCookie, SessionPage, SessionView};

/// The caller's live sessions, oldest first; `current` marks the one the request came with.
#[utoipa::path(get, path = "/v1/auth/sessions", tag = "identity",
    security(("session" = []), ("session_cookie" = [])),
    responses(
        Service<AuthService>,
        AccountCaller,
        (status = 200, description = "The caller's live sessions", body = SessionPage),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_sessions(
    Service(auth): Service<AuthService>,
    AccountCaller(caller): AccountCaller,
) -> Result<Json<SessionPage>, ApiError> {
    let sessions = auth.list_sessions(caller.user()?).await?;
    let current = caller.session_id();
    let items = sessions
        .iter()
        .map(|session| SessionView::new(session, Some(&session.id) == current))
        .collect();
    Ok(Json(SessionPage {
        items,
        next_cursor: None,
    }))
}

/// Revokes one of the caller's sessions (the current one too; its cookie is then cleared).
/// Another user's session id answers 404, like one that does not exist.
#[utoipa::path(delete, path = "/v1/auth/sessions/{id}", tag = "identity",
    security(("session" = []), ("session_cookie" = [])),
    params(("id" = String, Path, description = "`ses_...`")),
    responses(
        Service<AuthService>,
        AccountCaller,
        (status = 204, description = "The session is gone"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The caller has no such session", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_session(
    Service(auth): Service<AuthService>,
    AccountCaller(caller): AccountCaller,
    origin: RequestOrigin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = SessionId::parse(&id).ok_or(ApiError::NotFound)?;
    auth.revoke_session(caller.user()?, &id, &origin).await?;
    let cookie = if caller.session_id() == Some(&id) {
        SessionCookie::clear()
    } else {
        SessionCookie::none()
    };
    Ok((StatusCode::NO_CONTENT, cookie, ()).into_response())
}
