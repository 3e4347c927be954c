//! `GET/POST /v1/orgs/{org}/teams`, `DELETE .../teams/{team}`,
//! `GET/POST .../teams/{team}/members`, `DELETE .../teams/{team}/members/{user}`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::UserId;
use coffer_core::http::{ApiError, BoundedJson, Caller, Pagination, Service, path_id, scope};
use coffer_core::ids::TeamId;
use coffer_core::orgs::{Name, OrgsService};
use coffer_core::store::Cursor;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::views::{ProblemDoc, TeamList, TeamMemberList, TeamMemberView, TeamView};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    /// 1-100 characters, unique in the org regardless of case.
    #[schema(value_type = String, max_length = 100, example = "platform")]
    pub name: Name,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddTeamMemberRequest {
    /// A member of the org: `usr_...`.
    #[schema(value_type = String, example = "usr_01hzy8x1yq4r2m9m3k8t2n5v7w")]
    pub user_id: UserId,
}

/// Lists the org's teams.
#[utoipa::path(get, path = "/v1/orgs/{org}/teams", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), coffer_core::http::PageParams),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 200, body = TeamList),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad query parameter, `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_teams(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    Path(org): Path<String>,
    page: Pagination,
) -> Result<Json<TeamList>, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::TeamsRead).await?;
    let listed = orgs.list_teams(&at, page.limit, page.cursor).await?;
    Ok(Json(TeamList {
        items: listed.items.iter().map(TeamView::from).collect(),
        next_cursor: listed.next_cursor.as_ref().map(Cursor::encode),
    }))
}

/// Creates a team in the org.
#[utoipa::path(post, path = "/v1/orgs/{org}/teams", tag = "orgs", request_body = CreateTeamRequest,
    params(("org" = String, Path, description = "`org_...`")),
    responses(
        Service<OrgsService>,
        BoundedJson<CreateTeamRequest>,
        Caller,
        (status = 201, body = TeamView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn create_team(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(org): Path<String>,
    BoundedJson(body): BoundedJson<CreateTeamRequest>,
) -> Result<(StatusCode, Json<TeamView>), ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::TeamsManage).await?;
    let team = orgs.create_team(&at, body.name, &origin).await?;
    Ok((StatusCode::CREATED, Json(TeamView::from(&team))))
}

/// Deletes a team without members (422 while it has some).
#[utoipa::path(delete, path = "/v1/orgs/{org}/teams/{team}", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), ("team" = String, Path, description = "`team_...`")),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 204, description = "Deleted"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The team still has members", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn delete_team(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((org, team)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::TeamsManage).await?;
    let team = path_id(&team, TeamId::parse)?;
    orgs.delete_team(&at, &team, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists a team's members.
#[utoipa::path(get, path = "/v1/orgs/{org}/teams/{team}/members", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), ("team" = String, Path, description = "`team_...`"), coffer_core::http::PageParams),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 200, body = TeamMemberList),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad query parameter, `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_team_members(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    Path((org, team)): Path<(String, String)>,
    page: Pagination,
) -> Result<Json<TeamMemberList>, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::TeamsRead).await?;
    let team = path_id(&team, TeamId::parse)?;
    let listed = orgs
        .list_team_members(&at, &team, page.limit, page.cursor)
        .await?;
    Ok(Json(TeamMemberList {
        items: listed.items.iter().map(TeamMemberView::from).collect(),
        next_cursor: listed.next_cursor.as_ref().map(Cursor::encode),
    }))
}

/// Adds a member of the org to the team (422 for someone who is not a member).
#[utoipa::path(post, path = "/v1/orgs/{org}/teams/{team}/members", tag = "orgs", request_body = AddTeamMemberRequest,
    params(("org" = String, Path, description = "`org_...`"), ("team" = String, Path, description = "`team_...`")),
    responses(
        Service<OrgsService>,
        BoundedJson<AddTeamMemberRequest>,
        Caller,
        (status = 201, body = TeamMemberView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Already in the team", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn add_team_member(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((org, team)): Path<(String, String)>,
    BoundedJson(body): BoundedJson<AddTeamMemberRequest>,
) -> Result<(StatusCode, Json<TeamMemberView>), ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::TeamsManage).await?;
    let team = path_id(&team, TeamId::parse)?;
    let member = orgs
        .add_team_member(&at, &team, &body.user_id, &origin)
        .await?;
    Ok((StatusCode::CREATED, Json(TeamMemberView::from(&member))))
}

/// Removes a member from the team (they stay a member of the org).
#[utoipa::path(delete, path = "/v1/orgs/{org}/teams/{team}/members/{user}", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), ("team" = String, Path, description = "`team_...`"), ("user" = String, Path, description = "`usr_...`")),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 204, description = "Removed from the team"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn remove_team_member(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((org, team, user)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::TeamsManage).await?;
    let team = path_id(&team, TeamId::parse)?;
    let user = path_id(&user, UserId::parse)?;
    orgs.remove_team_member(&at, &team, &user, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
