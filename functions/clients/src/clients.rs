//! `GET/POST /v1/orgs/{org}/clients`, `GET/DELETE /v1/orgs/{org}/clients/{client}`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::clients::{Client, ClientsService};
use coffer_core::http::{ApiError, BoundedJson, Caller, Pagination, Service, path_id, scope};
use coffer_core::ids::ClientId;
use coffer_core::orgs::Name;
use coffer_core::store::Cursor;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::views::{ClientList, ClientView, ProblemDoc};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClientRequest {
    /// 1-100 characters.
    #[schema(value_type = String, max_length = 100, example = "billing-sync")]
    pub name: Name,
    /// Permission names its tokens may carry at most; a member's permissions at most
    /// (`org:read`, `members:read`, `teams:read`, `vaults:read`, `pii:use`), which is also the
    /// default.
    #[schema(example = json!(["vaults:read"]))]
    pub scopes: Option<Vec<String>>,
}

/// The org's machine clients (any member: `members:read`).
#[utoipa::path(get, path = "/v1/orgs/{org}/clients", tag = "clients",
    params(("org" = String, Path, description = "`org_...`"), coffer_core::http::PageParams),
    responses(
        Service<ClientsService>,
        Caller,
        (status = 200, body = ClientList),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_clients(
    Service(clients): Service<ClientsService>,
    caller: Caller,
    Path(org): Path<String>,
    page: Pagination,
) -> Result<Json<ClientList>, ApiError> {
    let at = scope(clients.access(), &caller, &org, Permission::MembersRead).await?;
    let listed = clients.list_clients(&at, page.limit, page.cursor).await?;
    Ok(Json(ClientList {
        items: listed.items.iter().map(ClientView::from).collect(),
        next_cursor: listed.next_cursor.as_ref().map(Cursor::encode),
    }))
}

/// Creates a machine client (owners and admins: `members:manage`). It authenticates with the
/// keys of its certificates (`POST .../certificates`) at `POST /v1/oauth/token`.
#[utoipa::path(post, path = "/v1/orgs/{org}/clients", tag = "clients", request_body = CreateClientRequest,
    params(("org" = String, Path, description = "`org_...`")),
    responses(
        Service<ClientsService>,
        BoundedJson<CreateClientRequest>,
        Caller,
        (status = 201, body = ClientView),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad name, or scopes that are not permissions or exceed a member's", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn create_client(
    Service(clients): Service<ClientsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path(org): Path<String>,
    BoundedJson(body): BoundedJson<CreateClientRequest>,
) -> Result<(StatusCode, Json<ClientView>), ApiError> {
    let at = scope(clients.access(), &caller, &org, Permission::MembersManage).await?;
    let scopes = Client::requested_scopes(body.scopes.as_deref())?;
    let client = clients
        .create_client(&at, body.name, scopes, &origin)
        .await?;
    Ok((StatusCode::CREATED, Json(ClientView::from(&client))))
}

/// One client (any member: `members:read`).
#[utoipa::path(get, path = "/v1/orgs/{org}/clients/{client}", tag = "clients",
    params(("org" = String, Path, description = "`org_...`"), ("client" = String, Path, description = "`cli_...`")),
    responses(
        Service<ClientsService>,
        Caller,
        (status = 200, body = ClientView),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn get_client(
    Service(clients): Service<ClientsService>,
    caller: Caller,
    Path((org, client)): Path<(String, String)>,
) -> Result<Json<ClientView>, ApiError> {
    let at = scope(clients.access(), &caller, &org, Permission::MembersRead).await?;
    let client = path_id(&client, ClientId::parse)?;
    Ok(Json(ClientView::from(
        &clients.get_client(&at, &client).await?,
    )))
}

/// Deletes a client and its certificates (owners and admins: `members:manage`); every token it
/// holds stops working.
#[utoipa::path(delete, path = "/v1/orgs/{org}/clients/{client}", tag = "clients",
    params(("org" = String, Path, description = "`org_...`"), ("client" = String, Path, description = "`cli_...`")),
    responses(
        Service<ClientsService>,
        Caller,
        (status = 204, description = "Deleted, with its certificates; its tokens are revoked"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn delete_client(
    Service(clients): Service<ClientsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((org, client)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let at = scope(clients.access(), &caller, &org, Permission::MembersManage).await?;
    let client = path_id(&client, ClientId::parse)?;
    clients.delete_client(&at, &client, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}
