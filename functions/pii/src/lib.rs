//! The `pii` function: PII detection, anonymization and schema validation routes.

use coffer_core::http::RouteGroup;

/// This function's routes (health and the OpenAPI document are added by `coffer_core::http::app`).
pub fn routes() -> RouteGroup {
    RouteGroup::new()
}
