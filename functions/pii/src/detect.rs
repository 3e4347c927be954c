use axum::Json;
use coffer_core::http::{ApiError, BoundedJson, Problem, Service};
use coffer_core::pii::engine::{DetectOptions, EntityType};
use coffer_core::pii::{DetectInput, DetectedEntity, PiiService};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A text, a JSON record whose strings are scanned (field names count as context), or a batch
/// of such records: exactly one of the three.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectRequest {
    /// UTF-8 text of any size up to the body limit (`COFFER_PII_MAX_BODY_BYTES`, 16 MiB by
    /// default); a text over 1 MiB is scanned window by window, with the same result.
    text: Option<String>,
    #[schema(value_type = Option<Object>)]
    record: Option<Value>,
    /// Up to 1000 records, each scanned as `record` is; each entity names its record's index.
    #[schema(value_type = Option<Vec<Object>>)]
    records: Option<Vec<Value>>,
    /// Lowest score reported (default 0.5).
    min_score: Option<f32>,
    /// Only these types (default all).
    types: Option<Vec<EntityType>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DetectResponse {
    /// Offsets are UTF-8 byte offsets into the text, or into the field's string for records;
    /// for `records`, `record` is the index of the record the entity is in.
    entities: Vec<DetectedEntity>,
}

/// Finds PII in a text, a record or a batch of records.
#[utoipa::path(post, path = "/v1/pii/detect", tag = "pii", request_body = DetectRequest,
    responses(
        Service<PiiService>,
        BoundedJson<DetectRequest>,
        (status = 200, body = DetectResponse),
        (status = 413, description = "A body over `COFFER_PII_MAX_BODY_BYTES` (16 MiB by default), or a record whose strings exceed 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not exactly one of text, record and records, or more than 1000 records", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn detect(
    Service(pii): Service<PiiService>,
    BoundedJson(request): BoundedJson<DetectRequest>,
) -> Result<Json<DetectResponse>, ApiError> {
    let input = DetectInput::from_parts(request.text, request.record, request.records)?;
    let mut options = DetectOptions::default();
    if let Some(min_score) = request.min_score {
        options.min_score = min_score;
    }
    options.types = request.types;
    let entities = pii.detect(input, options).await?;
    Ok(Json(DetectResponse { entities }))
}
