//! `GET /v1/audit/logs?org_id=&actor=&action=&resource=&from=&to=&limit=&cursor=`.

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use coffer_core::access::Permission;
use coffer_core::audit::AuditService;
use coffer_core::audit::log::LogQuery;
use coffer_core::http::{ApiError, Caller, RawPagination, Service, scope};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::params;
use crate::views::{EventList, EventView, ProblemDoc};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    /// `org_...`: whose log.
    #[param(required = true)]
    pub org_id: Option<String>,
    /// Only events by this actor (`usr_...` or `cli_...`).
    pub actor: Option<String>,
    /// Only events of this action (`orgs.vault.create`, `records.read`, ...).
    pub action: Option<String>,
    /// Only events on this resource (an id).
    pub resource: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Only events at or before this time (RFC 3339).
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// See `limit` below.
    #[param(ignore)]
    pub limit: Option<String>,
    /// See `cursor` below.
    #[param(ignore)]
    pub cursor: Option<String>,
}

const TAKES: &str = "org_id, actor, action, resource, from, to, limit and cursor";

/// The org's audit events, newest first (owners and admins: `audit:read`): every state change
/// and every read of decrypted data, each with its place in its hash chain. Filters combine
/// (all must match). A page may hold fewer than `limit` events and still have a
/// `next_cursor` when several filters are given.
#[utoipa::path(get, path = "/v1/audit/logs", tag = "audit",
    params(LogParams, coffer_core::http::PageParams),
    responses(
        Service<AuditService>,
        Caller,
        (status = 200, description = "The org's events, newest first", body = EventList),
        (status = 403, description = "A member without `audit:read`", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not a member of the org (or no such org)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A missing `org_id`, a parameter the route does not take, a time that is not RFC 3339, `from` after `to`, a bad `limit` or `cursor`", body = ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn logs(
    Service(audit): Service<AuditService>,
    caller: Caller,
    query: Result<Query<LogParams>, QueryRejection>,
    page: RawPagination,
) -> Result<Json<EventList>, ApiError> {
    let query = params::parsed(query, TAKES)?;
    let org = params::org_id(query.org_id)?;
    let at = scope(audit.access(), &caller, &org, Permission::AuditRead).await?;
    let filter = LogQuery {
        actor: params::filter("actor", query.actor)?,
        action: params::filter("action", query.action)?,
        resource: params::filter("resource", query.resource)?,
        from: params::time("from", query.from.as_deref())?,
        to: params::time("to", query.to.as_deref())?,
    };
    let found = audit
        .logs(&at, &filter, page.limit, page.cursor.as_deref())
        .await?;
    Ok(Json(EventList {
        items: found.links.iter().map(EventView::from).collect(),
        next_cursor: found.next_cursor,
    }))
}
