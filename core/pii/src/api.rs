//! Request and response bodies of the PII routes (API.md, "PII"), for the HTTP layer to extract
//! and document. They only carry data; the work is in [`crate::Detector`], [`crate::anonymize`]
//! and [`crate::validate`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{DetectOptions, Entity, Operators, PiiError};

/// What a request asks to scan: a text or a JSON record, exactly one of them.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// Free text.
    Text(&'a str),
    /// A JSON record; entities name their field.
    Record(&'a Value),
}

fn subject<'a>(text: Option<&'a str>, record: Option<&'a Value>) -> Result<Subject<'a>, PiiError> {
    match (text, record) {
        (Some(t), None) => Ok(Subject::Text(t)),
        (None, Some(r)) => Ok(Subject::Record(r)),
        _ => Err(PiiError::InvalidRequest("give exactly one of `text` and `record`")),
    }
}

/// `POST /v1/pii/detect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectRequest {
    /// Text to scan (or `record`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// JSON record to scan (or `text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub record: Option<Value>,
    /// Score threshold and type filter.
    #[serde(default)]
    pub options: DetectOptions,
}

impl DetectRequest {
    /// The text or the record, refusing both or neither.
    pub fn subject(&self) -> Result<Subject<'_>, PiiError> {
        subject(self.text.as_deref(), self.record.as_ref())
    }
}

/// Reply of `POST /v1/pii/detect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DetectResponse {
    /// What was found, in order.
    pub entities: Vec<Entity>,
}

/// `POST /v1/anonymize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnonymizeRequest {
    /// Text to anonymize (or `record`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// JSON record to anonymize (or `text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub record: Option<Value>,
    /// Operator per entity type and `default`; `replace` when absent.
    #[serde(default)]
    pub operators: Operators,
    /// Score threshold and type filter for detection.
    #[serde(default)]
    pub options: DetectOptions,
}

impl AnonymizeRequest {
    /// The text or the record, refusing both or neither.
    pub fn subject(&self) -> Result<Subject<'_>, PiiError> {
        subject(self.text.as_deref(), self.record.as_ref())
    }
}

/// `POST /v1/deanonymize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeanonymizeRequest {
    /// Text holding tokens (or `record`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// JSON record holding tokens (or `text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub record: Option<Value>,
}

impl DeanonymizeRequest {
    /// The text or the record, refusing both or neither.
    pub fn subject(&self) -> Result<Subject<'_>, PiiError> {
        subject(self.text.as_deref(), self.record.as_ref())
    }
}

/// `POST /v1/validate`: a schema, or the id of a dataset whose schema to use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// The JSON Schema (or `dataset_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub schema: Option<Value>,
    /// A dataset whose schema to use (or `schema`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_id: Option<String>,
    /// The records, at most [`crate::validate::MAX_RECORDS`].
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use utoipa::OpenApi;

    #[derive(OpenApi)]
    #[openapi(components(schemas(
        DetectRequest,
        DetectResponse,
        AnonymizeRequest,
        DeanonymizeRequest,
        ValidateRequest,
        crate::Entity,
        crate::EntityType,
        crate::DetectOptions,
        crate::Operator,
        crate::Operators,
        crate::OperatorKind,
        crate::Change,
        crate::AnonymizedText,
        crate::AnonymizedRecord,
        crate::DeanonymizedText,
        crate::DeanonymizedRecord,
        crate::Restored,
        crate::SchemaError,
        crate::RecordValidation,
        crate::ValidationReport,
    )))]
    struct Doc;

    #[test]
    fn schemas_render_with_api_names() {
        let json = Doc::openapi().to_json().unwrap();
        for needle in ["\"US_SSN\"", "\"CRYPTO_WALLET\"", "keep_last", "pseudonym", "instance_path", "\"tokenize\""] {
            assert!(json.contains(needle), "{needle} missing");
        }
    }

    #[test]
    fn requests_take_exactly_one_subject_and_no_unknown_fields() {
        let r: DetectRequest = serde_json::from_value(json!({"text": "hi"})).unwrap();
        assert!(matches!(r.subject(), Ok(Subject::Text("hi"))));
        let both: DetectRequest = serde_json::from_value(json!({"text": "hi", "record": {}})).unwrap();
        assert!(both.subject().is_err());
        assert!(serde_json::from_value::<DetectRequest>(json!({"txt": "hi"})).is_err());
        let a: AnonymizeRequest =
            serde_json::from_value(json!({"record": {"ssn": "1"}, "operators": {"default": {"type": "redact"}}})).unwrap();
        assert!(matches!(a.subject(), Ok(Subject::Record(_))));
    }
}
