use axum::Json;
use coffer_core::access::Permission;
use coffer_core::datasets::DatasetsService;
use coffer_core::http::{
    ApiError, BoundedJson, Caller, FieldError, Problem, Service, scope_dataset,
};
use coffer_core::pii::PiiService;
use coffer_core::pii::engine::ValidationReport;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// A JSON Schema (draft 2020-12 unless `$schema` says otherwise): an object or a boolean.
    #[schema(schema_with = json_schema_document)]
    schema: Option<Value>,
    /// A dataset (`dst_...`) to check the records against instead: its schema and the fields it
    /// knows, as a write would (any member of its org: `datasets:read`).
    dataset_id: Option<String>,
    /// JSON objects (anything else is a 422).
    #[schema(value_type = Vec<Object>)]
    records: Vec<Map<String, Value>>,
}

/// Validates records against a JSON Schema, or against a dataset as a write to it would; every
/// error with its path.
#[utoipa::path(post, path = "/v1/validate", tag = "pii", request_body = ValidateRequest,
    responses(
        Service<PiiService>,
        BoundedJson<ValidateRequest>,
        (status = 200, description = "Per-record validity and errors", body = ValidationReport),
        (status = 401, description = "A `dataset_id` without credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset (or not the caller's)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid schema, or neither/both of schema and dataset_id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn validate(
    Service(pii): Service<PiiService>,
    Service(datasets): Service<DatasetsService>,
    caller: Result<Caller, ApiError>,
    BoundedJson(request): BoundedJson<ValidateRequest>,
) -> Result<Json<ValidationReport>, ApiError> {
    let records: Vec<Value> = request.records.into_iter().map(Value::Object).collect();
    let report = match (request.schema, request.dataset_id) {
        (Some(schema), None) => pii.validate(schema, records).await?,
        (None, Some(id)) => {
            let (at, dataset) =
                scope_dataset(&datasets, &caller?, &id, Permission::DatasetsRead).await?;
            datasets.validate_records(&at, dataset, &records)?
        }
        _ => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "schema, dataset_id",
                "give exactly one of these",
            )]));
        }
    };
    Ok(Json(report))
}

/// How the document describes the schema: an object, or a boolean schema (`true` accepts every
/// record, `false` none), or `null` (then `dataset_id`). (`schema_with` drops the field's doc
/// comment, so the description is here.)
fn json_schema_document() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{SchemaType, Type};
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([
            Type::Object,
            Type::Boolean,
            Type::Null,
        ]))
        .description(Some(
            "A JSON Schema (draft 2020-12 unless `$schema` says otherwise): an object or a boolean.",
        ))
        .build()
}
