//! `POST/GET /v1/orgs`, `GET/PATCH/DELETE /v1/orgs/{org}`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use coffer_core::access::{Permission, Role};
use coffer_core::audit::RequestOrigin;
use coffer_core::http::{ApiError, BoundedJson, Caller, Pagination, Service, scope};
use coffer_core::orgs::{Name, OrgsService, Tier};
use coffer_core::store::Cursor;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::views::{OrgList, OrgView, ProblemDoc};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgRequest {
    /// 1-100 characters.
    #[schema(value_type = String, max_length = 100, example = "Acme")]
    pub name: Name,
    /// `free` (the default), `pro` or `enterprise`.
    #[schema(value_type = Option<String>, example = "free")]
    pub tier: Option<Tier>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameOrgRequest {
    #[schema(value_type = String, max_length = 100, example = "Acme Corp")]
    pub name: Name,
}

/// Creates an organization; the caller becomes its owner.
#[utoipa::path(post, path = "/v1/orgs", tag = "orgs", request_body = CreateOrgRequest,
    responses(
        Service<OrgsService>,
        BoundedJson<CreateOrgRequest>,
        Caller,
        (status = 201, description = "Created; the caller is its owner", body = OrgView),
        (status = 403, description = "The caller belongs to as many orgs as allowed (`/problems/tier-limit`)", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn create_org(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    BoundedJson(body): BoundedJson<CreateOrgRequest>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    let org = orgs
        .create(
            caller.user()?,
            body.name,
            body.tier.unwrap_or_default(),
            &origin,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(OrgView::new(&org, Role::Owner))))
}

/// The organizations the caller belongs to, with their role, by org id.
#[utoipa::path(get, path = "/v1/orgs", tag = "orgs",
    params(coffer_core::http::PageParams),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 200, body = OrgList),
        (status = 422, description = "A bad query parameter, `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_orgs(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    page: Pagination,
) -> Result<Json<OrgList>, ApiError> {
    let listed = orgs
        .list_mine(caller.user()?, page.limit, page.cursor)
        .await?;
    Ok(Json(OrgList {
        items: listed
            .items
            .iter()
            .map(|(org, role)| OrgView::new(org, *role))
            .collect(),
        next_cursor: listed.next_cursor.as_ref().map(Cursor::encode),
    }))
}

/// An organization the caller belongs to.
#[utoipa::path(get, path = "/v1/orgs/{org}", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`")),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 200, body = OrgView),
        (status = 404, description = "No such org, or the caller is not a member", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn get_org(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    Path(org): Path<String>,
) -> Result<Json<OrgView>, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::OrgRead).await?;
    Ok(Json(OrgView::new(&orgs.get(&at), at.role())))
}

/// Renames an organization (owners and admins).
#[utoipa::path(patch, path = "/v1/orgs/{org}", tag = "orgs", request_body = RenameOrgRequest,
    params(("org" = String, Path, description = "`org_...`")),
    responses(
        Service<OrgsService>,
        BoundedJson<RenameOrgRequest>,
        Caller,
        (status = 200, body = OrgView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Changed concurrently; retry", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn rename_org(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(org): Path<String>,
    BoundedJson(body): BoundedJson<RenameOrgRequest>,
) -> Result<Json<OrgView>, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::OrgRename).await?;
    let org = orgs.rename(&at, body.name, &origin).await?;
    Ok(Json(OrgView::new(&org, at.role())))
}

/// Deletes an organization (owners only). Soft: it is gone for every route at once, and the
/// cleanup purges what it owned.
#[utoipa::path(delete, path = "/v1/orgs/{org}", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`")),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 204, description = "Deleted"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn delete_org(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(org): Path<String>,
) -> Result<StatusCode, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::OrgDelete).await?;
    orgs.delete(&at, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
