use axum::Json;
use coffer_core::http::{ApiError, BoundedJson, Problem, Service};
use coffer_core::pii::PiiService;
use coffer_core::pii::engine::ValidationReport;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// A JSON Schema (draft 2020-12 unless `$schema` says otherwise).
    #[schema(value_type = Option<Object>)]
    schema: Option<Value>,
    /// A dataset whose schema to use instead (datasets arrive with the data vault).
    dataset_id: Option<String>,
    #[schema(value_type = Vec<Object>)]
    records: Vec<Value>,
}

/// Validates records against a JSON Schema; every error with its path.
#[utoipa::path(post, path = "/v1/validate", tag = "pii", request_body = ValidateRequest,
    responses(
        (status = 200, description = "Per-record validity and errors", body = ValidationReport),
        (status = 404, description = "No such dataset", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid schema, or neither/both of schema and dataset_id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn validate(
    Service(pii): Service<PiiService>,
    BoundedJson(request): BoundedJson<ValidateRequest>,
) -> Result<Json<ValidationReport>, ApiError> {
    let report = pii
        .validate(request.schema, request.dataset_id, request.records)
        .await?;
    Ok(Json(report))
}
