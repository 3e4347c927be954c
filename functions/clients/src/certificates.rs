//! `GET/POST /v1/orgs/{org}/clients/{client}/certificates`,
//! `DELETE /v1/orgs/{org}/clients/{client}/certificates/{certificate}`.

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Path, Request};
use axum::http::StatusCode;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::clients::ClientsService;
use coffer_core::http::{
    ApiError, AppState, BoundedJson, Caller, Pagination, Service, path_id, scope,
};
use coffer_core::ids::{CertificateId, ClientId};
use coffer_core::store::Cursor;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::views::{CertificateList, CertificateView, IssuedCertificateView, ProblemDoc};

/// The body of a certificate create: none, or `{}` (any field is refused).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCertificateRequest {}

/// A JSON body that may be absent: an empty body is `None`; anything else is read as
/// [`BoundedJson`] reads it (415, 413, 400, 422).
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned> FromRequest<AppState> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let limit = state.settings.max_body_bytes;
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge { limit })?;
        if bytes.is_empty() {
            return Ok(Self(None));
        }
        let request = Request::from_parts(parts, Body::from(bytes));
        let BoundedJson(value) = BoundedJson::<T>::from_request(request, state).await?;
        Ok(Self(Some(value)))
    }
}

/// The client's certificates, public keys only (any member: `members:read`).
#[utoipa::path(get, path = "/v1/orgs/{org}/clients/{client}/certificates", tag = "clients",
    params(
        ("org" = String, Path, description = "`org_...`"),
        ("client" = String, Path, description = "`cli_...`"),
        coffer_core::http::PageParams,
    ),
    responses(
        Service<ClientsService>,
        Caller,
        (status = 200, body = CertificateList),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A bad `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_certificates(
    Service(clients): Service<ClientsService>,
    caller: Caller,
    Path((org, client)): Path<(String, String)>,
    page: Pagination,
) -> Result<Json<CertificateList>, ApiError> {
    let at = scope(clients.access(), &caller, &org, Permission::MembersRead).await?;
    let client = path_id(&client, ClientId::parse)?;
    let listed = clients
        .list_certificates(&at, &client, page.limit, page.cursor)
        .await?;
    Ok(Json(CertificateList {
        items: listed.items.iter().map(CertificateView::from).collect(),
        next_cursor: listed.next_cursor.as_ref().map(Cursor::encode),
    }))
}

/// Makes a new Ed25519 key pair for the client (owners and admins: `members:manage`). The
/// private key is in this reply only: Coffer never stores it. The client signs its assertions
/// with it, naming `kid` in their header. Over the tier's certificate limit (free 50, pro 500)
/// answers 403 `/problems/tier-limit`, however many creates race.
#[utoipa::path(post, path = "/v1/orgs/{org}/clients/{client}/certificates", tag = "clients",
    request_body(content = Option<CreateCertificateRequest>, description = "No body, or `{}`"),
    params(("org" = String, Path, description = "`org_...`"), ("client" = String, Path, description = "`cli_...`")),
    responses(
        Service<ClientsService>,
        BoundedJson<CreateCertificateRequest>,
        Caller,
        (status = 201, body = IssuedCertificateView, headers(("cache-control" = String, description = "`no-store`"))),
        (status = 403, description = "Not allowed, or the tier's certificate limit is reached (`/problems/tier-limit`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A field in the body", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn create_certificate(
    Service(clients): Service<ClientsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((org, client)): Path<(String, String)>,
    OptionalJson(_body): OptionalJson<CreateCertificateRequest>,
) -> Result<
    (
        StatusCode,
        [(axum::http::HeaderName, &'static str); 1],
        Json<IssuedCertificateView>,
    ),
    ApiError,
> {
    let at = scope(clients.access(), &caller, &org, Permission::MembersManage).await?;
    let client = path_id(&client, ClientId::parse)?;
    let issued = clients.create_certificate(&at, &client, &origin).await?;
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(IssuedCertificateView::from(&issued)),
    ))
}

/// Revokes a certificate (owners and admins: `members:manage`): it is deleted, and the tokens
/// issued through it stop working.
#[utoipa::path(delete, path = "/v1/orgs/{org}/clients/{client}/certificates/{certificate}", tag = "clients",
    params(
        ("org" = String, Path, description = "`org_...`"),
        ("client" = String, Path, description = "`cli_...`"),
        ("certificate" = String, Path, description = "`crt_...`"),
    ),
    responses(
        Service<ClientsService>,
        Caller,
        (status = 204, description = "Revoked"),
        (status = 403, description = "The caller's role does not allow this", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, or none the caller may see", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn delete_certificate(
    Service(clients): Service<ClientsService>,
    caller: Caller,
    origin: RequestOrigin,
    Path((org, client, certificate)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let at = scope(clients.access(), &caller, &org, Permission::MembersManage).await?;
    let client = path_id(&client, ClientId::parse)?;
    let certificate = path_id(&certificate, CertificateId::parse)?;
    clients
        .delete_certificate(&at, &client, &certificate, &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
