use axum::Json;
use coffer_core::http::{ApiError, BoundedJson, Problem, Service};
use coffer_core::pii::engine::{DetectOptions, EntityType};
use coffer_core::pii::{DetectInput, DetectedEntity, PiiService};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A text, a JSON record whose strings are scanned (field names count as context), or a batch
/// of such records: exactly one of the three.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectRequest {
    /// UTF-8 text of any size up to the body limit (`COFFER_PII_MAX_BODY_BYTES`, 16 MiB by
    /// default); a text over 1 MiB is scanned window by window, with the same result.
    text: Option<String>,
    /// A JSON object (anything else is a 422, as the document says).
    #[schema(value_type = Option<Object>)]
    record: Option<Map<String, Value>>,
    /// Up to 1000 records, each scanned as `record` is; each entity names its record's index.
    #[schema(value_type = Option<Vec<Object>>)]
    records: Option<Vec<Map<String, Value>>>,
    /// Lowest score reported (default 0.5).
    min_score: Option<f32>,
    /// Only these types (default all).
    types: Option<Vec<EntityType>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DetectResponse {
    /// Offsets are UTF-8 byte offsets into the text, or into the field's string for records;
    /// for `records`, `record` is the index of the record the entity is in.
    #[schema(value_type = Vec<DetectedEntityDoc>)]
    entities: Vec<DetectedEntity>,
}

/// One sensitive value found: what it is, where, how sure the detector is, and for `records`
/// the index of the record it is in.
// The document's view of `DetectedEntity`, its fields written out: derived, it was
// `allOf: [Entity, {record}]`, and `Entity`'s `additionalProperties: false` refused the `record`
// index every `records` reply carries (found by Schemathesis, issue #15).
#[derive(ToSchema)]
#[schema(as = DetectedEntity)]
#[expect(
    dead_code,
    reason = "only describes DetectedEntity's JSON in the OpenAPI document"
)]
struct DetectedEntityDoc {
    /// What was found.
    #[schema(rename = "type")]
    entity_type: EntityType,
    /// UTF-8 byte offset of the first byte, into the text or into the field's string.
    start: usize,
    /// UTF-8 byte offset one past the last byte (exclusive).
    end: usize,
    /// Confidence in [0, 1].
    score: f32,
    /// For records: the field's path, e.g. `customer.emails[1]`.
    field: Option<String>,
    /// For `records`: the position of the record in the request's array, from 0.
    #[schema(example = 0)]
    record: Option<usize>,
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
    let input = DetectInput::from_parts(
        request.text,
        request.record.map(Value::Object),
        request
            .records
            .map(|records| records.into_iter().map(Value::Object).collect()),
    )?;
    let mut options = DetectOptions::default();
    if let Some(min_score) = request.min_score {
        options.min_score = min_score;
    }
    options.types = request.types;
    let entities = pii.detect(input, options).await?;
    Ok(Json(DetectResponse { entities }))
}
