//! `GET /v1/audit/verify?org_id=&from=&to=`.

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use coffer_core::access::Permission;
use coffer_core::audit::AuditService;
use coffer_core::audit::verify::VerifyRange;
use coffer_core::http::{ApiError, Caller, Service, scope};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::params;
use crate::views::{ProblemDoc, VerificationView};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VerifyParams {
    /// `org_...`: whose chains.
    #[param(required = true)]
    pub org_id: Option<String>,
    /// Start at the newest valid checkpoint at or before this time (RFC 3339): its heads are
    /// the roots. Without it, from the first event kept.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// End at the oldest valid checkpoint at or after this time (RFC 3339). Without it, at
    /// each chain's head.
    #[param(format = DateTime)]
    pub to: Option<String>,
}

const TAKES: &str = "org_id, from and to";

/// Walks the org's 16 hash chains link by link and checks its signed checkpoints (owners and
/// admins: `audit:read`); names the first event found `altered`, `removed`, `inserted` or
/// `reordered`, or the checkpoint whose heads the chains no longer pass through
/// (`checkpoint_mismatch`) or whose signature does not verify (`checkpoint_signature`), or a
/// chain whose head does not name its last link (`head_mismatch`). A broken log is still a
/// 200: the finding is the answer.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit",
    params(VerifyParams),
    responses(
        Service<AuditService>,
        Caller,
        (status = 200, description = "What the walk found", body = VerificationView),
        (status = 403, description = "A member without `audit:read`", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not a member of the org (or no such org)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A missing `org_id`, a parameter the route does not take, a time that is not RFC 3339, `from` after `to`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn verify(
    Service(audit): Service<AuditService>,
    caller: Caller,
    query: Result<Query<VerifyParams>, QueryRejection>,
) -> Result<Json<VerificationView>, ApiError> {
    let query = params::parsed(query, TAKES)?;
    let org = params::org_id(query.org_id)?;
    let at = scope(audit.access(), &caller, &org, Permission::AuditRead).await?;
    let range = VerifyRange {
        from: params::time("from", query.from.as_deref())?,
        to: params::time("to", query.to.as_deref())?,
    };
    let found = audit.verify(&at, range).await?;
    Ok(Json(VerificationView::from(&found)))
}
