//! `GET /v1/orgs/{org}/invitations`, `DELETE /v1/orgs/{org}/invitations/{invitation}`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::http::{ApiError, Caller, Pagination, Service, path_id, scope};
use coffer_core::ids::InvitationId;
use coffer_core::orgs::OrgsService;
use coffer_core::store::Cursor;

use crate::views::{InvitationList, InvitationView, ProblemDoc};

/// Pending invitations (they expire after 7 days); owners and admins.
#[utoipa::path(get, path = "/v1/orgs/{org}/invitations", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), coffer_core::http::PageParams),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 200, body = InvitationList),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad query parameter, `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_invitations(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    Path(org): Path<String>,
    page: Pagination,
) -> Result<Json<InvitationList>, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::MembersManage).await?;
    let listed = orgs.list_invitations(&at, page.limit, page.cursor).await?;
    Ok(Json(InvitationList {
        items: listed.items.iter().map(InvitationView::from).collect(),
        next_cursor: listed.next_cursor.as_ref().map(Cursor::encode),
    }))
}

/// Revokes a pending invitation.
#[utoipa::path(delete, path = "/v1/orgs/{org}/invitations/{invitation}", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), ("invitation" = String, Path, description = "`inv_...`")),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 204, description = "Revoked"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn revoke_invitation(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((org, invitation)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::MembersManage).await?;
    let invitation = path_id(&invitation, InvitationId::parse)?;
    orgs.revoke_invitation(&at, &invitation, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
