use axum::Json;
use coffer_core::http::{ApiError, BoundedJson, Problem, Service};
use coffer_core::pii::engine::{DetectOptions, Entity, EntityType};
use coffer_core::pii::{PiiInput, PiiService};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A text, or a JSON record whose strings are scanned (field names count as context).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectRequest {
    /// Up to 1 MiB of UTF-8 text.
    text: Option<String>,
    #[schema(value_type = Option<Object>)]
    record: Option<Value>,
    /// Lowest score reported (default 0.5).
    min_score: Option<f32>,
    /// Only these types (default all).
    types: Option<Vec<EntityType>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DetectResponse {
    /// Offsets are UTF-8 byte offsets into the text, or into the field's string for records.
    entities: Vec<Entity>,
}

/// Finds PII in a text or a record.
#[utoipa::path(post, path = "/v1/pii/detect", tag = "pii", request_body = DetectRequest,
    responses(
        (status = 200, body = DetectResponse),
        (status = 413, description = "Text over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of text and record", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn detect(
    Service(pii): Service<PiiService>,
    BoundedJson(request): BoundedJson<DetectRequest>,
) -> Result<Json<DetectResponse>, ApiError> {
    let input = PiiInput::from_parts(request.text, request.record)?;
    let mut options = DetectOptions::default();
    if let Some(min_score) = request.min_score {
        options.min_score = min_score;
    }
    options.types = request.types;
    let entities = pii.detect(input, options).await?;
    Ok(Json(DetectResponse { entities }))
}
