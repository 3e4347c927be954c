//! The `audit` function: an org's audit log (API.md, "Audit"; docs/audit.md). Each handler
//! parses its input, asks the access gate for the permission the route needs, calls
//! [`AuditService`] with the `Scoped` value, and turns the result into a reply. Owners and
//! admins read and verify the log (`audit:read`) and checkpoint it on demand
//! (`audit:checkpoint`); members get 403, anyone outside the org 404.
//!
//! | routes | module |
//! |---|---|
//! | `GET /v1/audit/logs` | [`logs`] |
//! | `GET /v1/audit/verify` | [`verify`] |
//! | `GET/POST /v1/audit/checkpoints` | [`checkpoints`] |

pub mod checkpoints;
pub mod logs;
pub mod verify;
pub mod views;

mod params;

use std::sync::Arc;

use coffer_core::audit::AuditService;
use coffer_core::http::{FunctionGroup, RouteGroup, ServiceCell};
use utoipa_axum::routes;

/// This function's routes over the process's [`AuditService`] (built at cold start).
pub fn group() -> FunctionGroup {
    FunctionGroup::new(routes()).with_service::<AuditService>()
}

/// The routes over a service built by the caller (tests reach into it).
pub fn group_with_service(service: Arc<AuditService>) -> FunctionGroup {
    FunctionGroup::new(routes()).with_cell(ServiceCell::ready(service))
}

fn routes() -> RouteGroup {
    RouteGroup::new()
        .routes(routes!(logs::logs))
        .routes(routes!(verify::verify))
        .routes(routes!(
            checkpoints::list_checkpoints,
            checkpoints::create_checkpoint
        ))
}
