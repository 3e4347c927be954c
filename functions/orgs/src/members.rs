//! `GET/POST /v1/orgs/{org}/members`, `PATCH/DELETE /v1/orgs/{org}/members/{user}`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_core::access::{Permission, Role};
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{Email, UserId};
use coffer_core::http::{ApiError, BoundedJson, Caller, Pagination, Service, path_id, scope};
use coffer_core::orgs::{AddedMember, OrgsService};
use coffer_core::store::Cursor;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::views::{
    InvitationEnvelope, InvitationView, MemberEnvelope, MemberList, MemberView, ProblemDoc,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    #[schema(value_type = String, format = Email, example = "jane@example.com")]
    pub email: Email,
    /// `owner` (owners only), `admin` or `member`.
    #[schema(value_type = String, example = "member")]
    pub role: Role,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRoleRequest {
    /// `owner`, `admin` or `member`; only owners make or unmake owners.
    #[schema(value_type = String, example = "admin")]
    pub role: Role,
}

/// The org's members, by user id.
#[utoipa::path(get, path = "/v1/orgs/{org}/members", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), coffer_core::http::PageParams),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 200, body = MemberList),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad query parameter, `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_members(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    Path(org): Path<String>,
    page: Pagination,
) -> Result<Json<MemberList>, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::MembersRead).await?;
    let listed = orgs.list_members(&at, page.limit, page.cursor).await?;
    Ok(Json(MemberList {
        items: listed.items.iter().map(MemberView::from).collect(),
        next_cursor: listed.next_cursor.as_ref().map(Cursor::encode),
    }))
}

/// Adds the account behind an email address (201), or invites the address when it has none
/// (202; the invitation becomes membership when the address registers and is verified).
#[utoipa::path(post, path = "/v1/orgs/{org}/members", tag = "orgs", request_body = AddMemberRequest,
    params(("org" = String, Path, description = "`org_...`")),
    responses(
        Service<OrgsService>,
        BoundedJson<AddMemberRequest>,
        Caller,
        (status = 201, description = "A member now", body = MemberEnvelope),
        (status = 202, description = "Invited", body = InvitationEnvelope),
        (status = 403, description = "Not allowed, or the user's org limit is reached (`/problems/tier-limit`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Already a member or already invited", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn add_member(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(org): Path<String>,
    BoundedJson(body): BoundedJson<AddMemberRequest>,
) -> Result<Response, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::MembersManage).await?;
    Ok(
        match orgs
            .add_member(&at, &body.email, body.role, &origin)
            .await?
        {
            AddedMember::Member(member) => (
                StatusCode::CREATED,
                Json(MemberEnvelope {
                    member: MemberView::from(&member),
                }),
            )
                .into_response(),
            AddedMember::Invited(invitation) => (
                StatusCode::ACCEPTED,
                Json(InvitationEnvelope {
                    invitation: InvitationView::from(&invitation),
                }),
            )
                .into_response(),
        },
    )
}

/// Changes a member's role. The last owner cannot be demoted (409).
#[utoipa::path(patch, path = "/v1/orgs/{org}/members/{user}", tag = "orgs", request_body = ChangeRoleRequest,
    params(("org" = String, Path, description = "`org_...`"), ("user" = String, Path, description = "`usr_...`")),
    responses(
        Service<OrgsService>,
        BoundedJson<ChangeRoleRequest>,
        Caller,
        (status = 200, body = MemberView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The last owner, or a concurrent change", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn change_role(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((org, user)): Path<(String, String)>,
    BoundedJson(body): BoundedJson<ChangeRoleRequest>,
) -> Result<Json<MemberView>, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::MembersManage).await?;
    let user = path_id(&user, UserId::parse)?;
    let member = orgs.change_role(&at, &user, body.role, &origin).await?;
    Ok(Json(MemberView::from(&member)))
}

/// Removes a member; any member may remove themselves (leave). The last owner cannot leave
/// (409).
#[utoipa::path(delete, path = "/v1/orgs/{org}/members/{user}", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), ("user" = String, Path, description = "`usr_...`")),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 204, description = "Removed"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The last owner, or a concurrent change", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn remove_member(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((org, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    // Leaving needs only membership; removing others is checked by the service.
    let at = scope(orgs.access(), &caller, &org, Permission::OrgRead).await?;
    let user = path_id(&user, UserId::parse)?;
    orgs.remove_member(&at, &user, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
