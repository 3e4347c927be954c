//! `GET /v1/audit/checkpoints?org_id=&limit=&cursor=`, `POST /v1/audit/checkpoints?org_id=`.

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use coffer_core::access::Permission;
use coffer_core::audit::{AuditService, RequestOrigin};
use coffer_core::http::{ApiError, Caller, Pagination, Service, scope};
use coffer_core::store::Cursor;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::params;
use crate::views::{CheckpointList, CheckpointView, ProblemDoc};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCheckpointsParams {
    /// `org_...`: whose checkpoints.
    #[param(required = true)]
    pub org_id: Option<String>,
    /// See `limit` below.
    #[param(ignore)]
    pub limit: Option<String>,
    /// See `cursor` below.
    #[param(ignore)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CreateCheckpointParams {
    /// `org_...`: whose chains to checkpoint.
    #[param(required = true)]
    pub org_id: Option<String>,
}

/// The org's signed checkpoints, newest first (owners and admins: `audit:read`): every chain
/// head at one moment, signed with an audit key the JWKS publishes with `use: audit`, so an
/// auditor can keep them outside Coffer and check them offline. The cleanup run writes one
/// whenever the org's chains moved since the last.
#[utoipa::path(get, path = "/v1/audit/checkpoints", tag = "audit",
    params(ListCheckpointsParams, coffer_core::http::PageParams),
    responses(
        Service<AuditService>,
        Caller,
        (status = 200, description = "The org's checkpoints, newest first", body = CheckpointList),
        (status = 403, description = "A member without `audit:read`", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not a member of the org (or no such org)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A missing `org_id`, a parameter the route does not take, a bad `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn list_checkpoints(
    Service(audit): Service<AuditService>,
    caller: Caller,
    query: Result<Query<ListCheckpointsParams>, QueryRejection>,
    page: Pagination,
) -> Result<Json<CheckpointList>, ApiError> {
    let query = params::parsed(query, "org_id, limit and cursor")?;
    let org = params::org_id(query.org_id)?;
    let at = scope(audit.access(), &caller, &org, Permission::AuditRead).await?;
    let (checkpoints, next) = audit.checkpoints(&at, page.limit, page.cursor).await?;
    Ok(Json(CheckpointList {
        items: checkpoints.iter().map(CheckpointView::from).collect(),
        next_cursor: next.as_ref().map(Cursor::encode),
    }))
}

/// Checkpoints the org now (owners and admins: `audit:checkpoint`): signs every chain head
/// as it is, for an auditor who wants a checkpoint at a moment of their choosing. The org is
/// named in the query string, as on the other audit routes; the request has no body (one is
/// ignored). Audited (`audit.checkpoint`, in the same transaction; the event is the first link
/// after the heads it signs).
#[utoipa::path(post, path = "/v1/audit/checkpoints", tag = "audit",
    params(CreateCheckpointParams),
    responses(
        Caller,
        (status = 201, description = "The checkpoint written", body = CheckpointView),
        (status = 403, description = "A member without `audit:checkpoint`", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not a member of the org (or no such org)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Another checkpoint or event was written at the same moment; retry", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A missing `org_id`, a parameter the route does not take", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "The key service did not answer", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn create_checkpoint(
    Service(audit): Service<AuditService>,
    caller: Caller,
    origin: RequestOrigin,
    query: Result<Query<CreateCheckpointParams>, QueryRejection>,
) -> Result<(StatusCode, Json<CheckpointView>), ApiError> {
    let query = params::parsed(query, "org_id")?;
    let org = params::org_id(query.org_id)?;
    let at = scope(audit.access(), &caller, &org, Permission::AuditCheckpoint).await?;
    let checkpoint = audit.checkpoint_now(&at, &origin).await?;
    Ok((StatusCode::CREATED, Json(CheckpointView::from(&checkpoint))))
}
