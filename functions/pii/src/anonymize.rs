use axum::Json;
use coffer_core::access::Permission;
use coffer_core::audit::RequestOrigin;
use coffer_core::http::{ApiError, BoundedJson, Caller, Problem, Service, scope_org};
use coffer_core::ids::OrgId;
use coffer_core::pii::engine::{Change, Operators, Restored};
use coffer_core::pii::{PiiInput, PiiOutput, PiiService};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnonymizeRequest {
    text: Option<String>,
    /// A JSON object (anything else is a 422).
    #[schema(value_type = Option<Object>)]
    record: Option<Map<String, Value>>,
    /// The org whose keys `hash` and `tokenize` use (required for them; the caller must be a
    /// member). Values hashed or tokenized in one org mean nothing in another.
    #[schema(value_type = Option<String>, example = "org_01jd5zq7x3m4k8r2v6n9p0t1wy")]
    org_id: Option<OrgId>,
    /// Per entity type, or `default`: `redact`, `mask` (`masking_char`, `keep_last`), `replace`
    /// (`new_value`, `pseudonym`), `hash` or `tokenize`. The default operator is `replace`.
    /// `hash` and `tokenize` need an authenticated member of `org_id`; tokens look like
    /// `<tok:EMAIL:v1:...>`, naming the org's key version that made them.
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
    /// The org whose tokens to reverse; the caller must be its `owner` or `admin`.
    #[schema(value_type = String, example = "org_01jd5zq7x3m4k8r2v6n9p0t1wy")]
    org_id: OrgId,
    text: Option<String>,
    /// A JSON object (anything else is a 422).
    #[schema(value_type = Option<Object>)]
    record: Option<Map<String, Value>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeanonymizeResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    record: Option<Value>,
    restored: Vec<Restored>,
    /// Tokens that looked like Coffer's but did not open under this org's keys (another org's,
    /// the unversioned first format, or tampered with); they are left as they are.
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
        Service<PiiService>,
        BoundedJson<AnonymizeRequest>,
        (status = 200, body = AnonymizeResponse),
        (status = 401, description = "`hash` or `tokenize` (or an `org_id`) without a session", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The caller is not a member of `org_id` (or it does not exist)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of text and record, a bad operator, or `hash`/`tokenize` without `org_id`", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn anonymize(
    Service(pii): Service<PiiService>,
    caller: Result<Caller, ApiError>,
    BoundedJson(request): BoundedJson<AnonymizeRequest>,
) -> Result<Json<AnonymizeResponse>, ApiError> {
    let input = PiiInput::from_parts(request.text, request.record.map(Value::Object))?;
    let gate = PiiService::gate_for(caller.ok(), request.org_id.as_ref(), &request.operators)?;
    let at = match gate {
        None => None,
        Some((caller, org)) => {
            Some(scope_org(pii.access(), &caller, org, Permission::PiiUse).await?)
        }
    };
    let (output, changes) = pii.anonymize(input, request.operators, at.as_ref()).await?;
    let (text, record) = split(output);
    Ok(Json(AnonymizeResponse {
        text,
        record,
        changes,
    }))
}

/// Reverses the org's tokens that `tokenize` made; owners and admins only; audited in the org.
#[utoipa::path(post, path = "/v1/deanonymize", tag = "pii", request_body = DeanonymizeRequest,
    responses(
        Service<PiiService>,
        BoundedJson<DeanonymizeRequest>,
        Caller,
        (status = 200, body = DeanonymizeResponse),
        (status = 403, description = "A member of the org who is not an owner or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The caller is not a member of `org_id` (or it does not exist)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session" = []), ("session_cookie" = []), ("access_token" = [])))]
pub async fn deanonymize(
    Service(pii): Service<PiiService>,
    caller: Caller,
    origin: RequestOrigin,
    BoundedJson(request): BoundedJson<DeanonymizeRequest>,
) -> Result<Json<DeanonymizeResponse>, ApiError> {
    let at = scope_org(
        pii.access(),
        &caller,
        &request.org_id,
        Permission::PiiDeanonymize,
    )
    .await?;
    let input = PiiInput::from_parts(request.text, request.record.map(Value::Object))?;
    let (output, restored, failed) = pii.deanonymize(input, &at, &origin).await?;
    let (text, record) = split(output);
    Ok(Json(DeanonymizeResponse {
        text,
        record,
        restored,
        failed,
    }))
}
