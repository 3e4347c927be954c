//! The `pii` function: PII detection, anonymization, token reversal and schema validation.
//! Handlers only translate HTTP to `coffer_core::pii::PiiService` (built once per process) and
//! back; the service asks the access gate about the org a request names. Bodies may be up to
//! `COFFER_PII_MAX_BODY_BYTES` (a text to scan may be far over the engine's 1 MiB pass).

mod anonymize;
mod detect;
mod validate;

use coffer_core::datasets::DatasetsService;
use coffer_core::http::{BodyLimit, FunctionGroup, RouteGroup};
use coffer_core::pii::PiiService;
use utoipa_axum::routes;

/// This function's routes and their service (health and the OpenAPI document are added by
/// `coffer_core::http::app`).
pub fn group() -> FunctionGroup {
    FunctionGroup::new(
        RouteGroup::new()
            .routes(routes!(detect::detect))
            .routes(routes!(anonymize::anonymize))
            .routes(routes!(anonymize::deanonymize))
            .routes(routes!(validate::validate)),
    )
    .with_service::<PiiService>()
    // `POST /v1/validate` with a `dataset_id` checks records as a write to that dataset would.
    .with_service::<DatasetsService>()
    .with_body_limit(BodyLimit(|settings| settings.pii_max_body_bytes))
}
