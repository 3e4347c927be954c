//! The `pii` function: PII detection, anonymization, token reversal and schema validation.
//! Handlers only translate HTTP to `coffer_core::pii::PiiService` and back.

mod anonymize;
mod detect;
mod validate;

use coffer_core::http::RouteGroup;
use utoipa_axum::routes;

/// This function's routes (health and the OpenAPI document are added by `coffer_core::http::app`).
pub fn routes() -> RouteGroup {
    RouteGroup::new()
        .routes(routes!(detect::detect))
        .routes(routes!(anonymize::anonymize))
        .routes(routes!(anonymize::deanonymize))
        .routes(routes!(validate::validate))
}
