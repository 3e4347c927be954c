use axum::Json;
use axum::extract::State;
use coffer_core::audit::RequestOrigin;
use coffer_core::http::{ApiError, AppState, BoundedJson, Caller, Problem};
use coffer_core::pii::engine::{Change, Operators, Restored};
use coffer_core::pii::{PiiInput, PiiOutput, PiiService};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnonymizeRequest {
    text: Option<String>,
    #[schema(value_type = Option<Object>)]
    record: Option<Value>,
    /// Per entity type, or `default`: `redact`, `mask` (`masking_char`, `keep_last`), `replace`
    /// (`new_value`, `pseudonym`), `hash` or `tokenize`. The default operator is `replace`.
    /// `hash` and `tokenize` need an authenticated caller.
    #[serde(default)]
    operators: Operators,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnonymizeResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    record: Option<Value>,
    /// What was changed, with offsets into the original; never the original values.
    changes: Vec<Change>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeanonymizeRequest {
    text: Option<String>,
    #[schema(value_type = Option<Object>)]
    record: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeanonymizeResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    record: Option<Value>,
    restored: Vec<Restored>,
    /// Tokens that looked like Coffer's but did not open under this deployment's key.
    failed: usize,
}

fn split(output: PiiOutput) -> (Option<String>, Option<Value>) {
    match output {
        PiiOutput::Text(text) => (Some(text), None),
        PiiOutput::Record(record) => (None, Some(record)),
    }
}

/// Detects PII and rewrites it with the chosen operators.
#[utoipa::path(post, path = "/v1/anonymize", tag = "pii", request_body = AnonymizeRequest,
    responses(
        (status = 200, body = AnonymizeResponse),
        (status = 401, description = "`hash` or `tokenize` without a session", body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of text and record, or a bad operator", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("session" = [])))]
pub async fn anonymize(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    BoundedJson(request): BoundedJson<AnonymizeRequest>,
) -> Result<Json<AnonymizeResponse>, ApiError> {
    let input = PiiInput::from_parts(request.text, request.record)?;
    let caller = caller.ok();
    let (output, changes) = PiiService::new(&state.ports)
        .anonymize(
            input,
            request.operators,
            caller.as_ref().map(|c| &c.user_id),
        )
        .await?;
    let (text, record) = split(output);
    Ok(Json(AnonymizeResponse {
        text,
        record,
        changes,
    }))
}

/// Reverses the tokens that `tokenize` made; audited.
#[utoipa::path(post, path = "/v1/deanonymize", tag = "pii", request_body = DeanonymizeRequest,
    responses(
        (status = 200, body = DeanonymizeResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("session" = [])))]
pub async fn deanonymize(
    State(state): State<AppState>,
    caller: Caller,
    origin: RequestOrigin,
    BoundedJson(request): BoundedJson<DeanonymizeRequest>,
) -> Result<Json<DeanonymizeResponse>, ApiError> {
    let input = PiiInput::from_parts(request.text, request.record)?;
    let (output, restored, failed) = PiiService::new(&state.ports)
        .deanonymize(input, &caller.user_id, &origin)
        .await?;
    let (text, record) = split(output);
    Ok(Json(DeanonymizeResponse {
        text,
        record,
        restored,
        failed,
    }))
}
