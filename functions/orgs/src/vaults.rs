//! `GET/POST /v1/orgs/{org}/vaults`, `GET/DELETE /v1/orgs/{org}/vaults/{vault}`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::http::{ApiError, BoundedJson, Caller, Pagination, Service, scope, scope_vault};
use coffer_core::orgs::{Name, OrgsService};
use coffer_core::store::Cursor;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::views::{ProblemDoc, VaultList, VaultView};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVaultRequest {
    /// 1-100 characters, unique in the org regardless of case.
    #[schema(value_type = String, max_length = 100, example = "payments")]
    pub name: Name,
}

/// Lists the org's vaults.
#[utoipa::path(get, path = "/v1/orgs/{org}/vaults", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), coffer_core::http::PageParams),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 200, body = VaultList),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad query parameter, `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_vaults(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    Path(org): Path<String>,
    page: Pagination,
) -> Result<Json<VaultList>, ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::VaultsRead).await?;
    let listed = orgs.list_vaults(&at, page.limit, page.cursor).await?;
    Ok(Json(VaultList {
        items: listed.items.iter().map(VaultView::from).collect(),
        next_cursor: listed.next_cursor.as_ref().map(Cursor::encode),
    }))
}

/// Creates a vault; over the tier's limit answers 403 `/problems/tier-limit`, however many
/// creates race.
#[utoipa::path(post, path = "/v1/orgs/{org}/vaults", tag = "orgs", request_body = CreateVaultRequest,
    params(("org" = String, Path, description = "`org_...`")),
    responses(
        Service<OrgsService>,
        BoundedJson<CreateVaultRequest>,
        Caller,
        (status = 201, body = VaultView),
        (status = 403, description = "Not allowed, or the tier's vault limit is reached (`/problems/tier-limit`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn create_vault(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(org): Path<String>,
    BoundedJson(body): BoundedJson<CreateVaultRequest>,
) -> Result<(StatusCode, Json<VaultView>), ApiError> {
    let at = scope(orgs.access(), &caller, &org, Permission::VaultsManage).await?;
    let vault = orgs.create_vault(&at, body.name, &origin).await?;
    Ok((StatusCode::CREATED, Json(VaultView::from(&vault))))
}

/// One vault of the org.
#[utoipa::path(get, path = "/v1/orgs/{org}/vaults/{vault}", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), ("vault" = String, Path, description = "`vlt_...`")),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 200, body = VaultView),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn get_vault(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    Path((org, vault)): Path<(String, String)>,
) -> Result<Json<VaultView>, ApiError> {
    let (at, vault) =
        scope_vault(orgs.access(), &caller, &org, &vault, Permission::VaultsRead).await?;
    Ok(Json(VaultView::from(&orgs.get_vault(&at, &vault).await?)))
}

/// Deletes a vault of the org.
#[utoipa::path(delete, path = "/v1/orgs/{org}/vaults/{vault}", tag = "orgs",
    params(("org" = String, Path, description = "`org_...`"), ("vault" = String, Path, description = "`vlt_...`")),
    responses(
        Service<OrgsService>,
        Caller,
        (status = 204, description = "Deleted"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn delete_vault(
    Service(orgs): Service<OrgsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((org, vault)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (at, vault) = scope_vault(
        orgs.access(),
        &caller,
        &org,
        &vault,
        Permission::VaultsManage,
    )
    .await?;
    orgs.delete_vault(&at, &vault, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
