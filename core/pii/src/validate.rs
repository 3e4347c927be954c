//! JSON Schema validation of records (the `jsonschema` crate, without network or file
//! resolving). Error messages name the field and the rule, never the value: a record's values are
//! sensitive and error bodies end up in logs.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::{PatternOptions, ValidationError, Validator};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::PiiError;
use crate::detect::record::{push_index, push_key};

/// Most records validated in one call (API.md: batches of at most 1000).
pub const MAX_RECORDS: usize = 1000;

/// Most errors reported per record; the rest are counted in `truncated`.
pub const MAX_ERRORS_PER_RECORD: usize = 100;

/// A compiled schema, reusable across records and threads.
#[derive(Debug)]
pub struct SchemaValidator {
    inner: Validator,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SchemaError {
    /// The field, in the same path form as PII entities (`customer.emails[1]`; empty for the
    /// record itself).
    pub field: String,
    /// The same place as a JSON Pointer (`/customer/emails/1`).
    pub instance_path: String,
    /// The schema keyword that failed (`type`, `required`, `pattern`...).
    pub keyword: String,
    /// What is wrong, without the value.
    pub message: String,
}

/// The outcome for one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordValidation {
    /// Position of the record in the batch.
    pub index: usize,
    /// Whether the record satisfies the schema.
    pub valid: bool,
    /// Every broken rule (at most [`MAX_ERRORS_PER_RECORD`]).
    pub errors: Vec<SchemaError>,
    /// Errors not listed because of the cap.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub truncated: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The outcome for a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ValidationReport {
    /// Whether every record is valid.
    pub valid: bool,
    /// One entry per record, in order.
    pub records: Vec<RecordValidation>,
}

impl SchemaValidator {
    /// Compiles a schema (draft from `$schema`, 2020-12 by default). A schema that does not
    /// compile, or that refers to anything outside itself, is [`PiiError::InvalidSchema`] (a 422
    /// for the caller). `pattern` uses a linear-time regex engine, so a schema cannot make
    /// validation backtrack forever.
    pub fn compile(schema: &Value) -> Result<Self, PiiError> {
        let inner = jsonschema::options()
            .should_validate_formats(true)
            .with_pattern_options(PatternOptions::regex())
            .build(schema)
            .map_err(|e| PiiError::InvalidSchema(schema_error_text(&e)))?;
        Ok(Self { inner })
    }

    /// Validates one record.
    pub fn validate(&self, index: usize, record: &Value) -> RecordValidation {
        let mut errors = Vec::new();
        let mut truncated = 0;
        for e in self.inner.iter_errors(record) {
            if errors.len() < MAX_ERRORS_PER_RECORD {
                errors.push(to_error(&e));
            } else {
                truncated += 1;
            }
        }
        RecordValidation {
            index,
            valid: errors.is_empty(),
            errors,
            truncated,
        }
    }

    /// Validates a batch of at most [`MAX_RECORDS`] records.
    pub fn validate_many(&self, records: &[Value]) -> Result<ValidationReport, PiiError> {
        if records.len() > MAX_RECORDS {
            return Err(PiiError::TooManyRecords {
                len: records.len(),
                max: MAX_RECORDS,
            });
        }
        let records: Vec<RecordValidation> = records
            .iter()
            .enumerate()
            .map(|(i, r)| self.validate(i, r))
            .collect();
        Ok(ValidationReport {
            valid: records.iter().all(|r| r.valid),
            records,
        })
    }
}

/// A schema error: where in the schema, and the rule; the schema is the caller's own document,
/// not record data, but its text is still kept short.
fn schema_error_text(e: &ValidationError<'_>) -> String {
    let mut s = e.to_string();
    if s.len() > 300 {
        let mut cut = 300;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    let at = e.instance_path().as_str();
    if at.is_empty() {
        s
    } else {
        format!("{s} (at {at})")
    }
}

fn to_error(e: &ValidationError<'_>) -> SchemaError {
    let mut field = String::new();
    for seg in e.instance_path().segments() {
        match seg {
            LocationSegment::Property(p) => push_key(&mut field, &p),
            LocationSegment::Index(i) => push_index(&mut field, i),
        }
    }
    SchemaError {
        field,
        instance_path: e.instance_path().as_str().to_owned(),
        keyword: e.kind().keyword().to_owned(),
        message: message(e.kind()),
    }
}

/// A message for each rule that never quotes the instance.
fn message(kind: &ValidationErrorKind) -> String {
    use ValidationErrorKind as K;
    match kind {
        K::Type {
            kind: TypeKind::Single(t),
        } => format!("must be of type {t}"),
        K::Type {
            kind: TypeKind::Multiple(ts),
        } => {
            let names: Vec<String> = ts.iter().map(|t| t.to_string()).collect();
            format!("must be of type {}", names.join(" or "))
        }
        K::Required { property } => format!("is missing required property {property}"),
        K::AdditionalProperties { unexpected } => {
            format!(
                "has properties the schema does not allow: {}",
                unexpected.join(", ")
            )
        }
        K::UnevaluatedProperties { unexpected } => {
            format!("has unevaluated properties: {}", unexpected.join(", "))
        }
        K::MinLength { limit } => format!("must be at least {limit} characters long"),
        K::MaxLength { limit } => format!("must be at most {limit} characters long"),
        K::MinItems { limit } => format!("must have at least {limit} items"),
        K::MaxItems { limit } => format!("must have at most {limit} items"),
        K::MinProperties { limit } => format!("must have at least {limit} properties"),
        K::MaxProperties { limit } => format!("must have at most {limit} properties"),
        K::Minimum { limit } => format!("must be at least {limit}"),
        K::Maximum { limit } => format!("must be at most {limit}"),
        K::ExclusiveMinimum { limit } => format!("must be more than {limit}"),
        K::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        K::Pattern { pattern } => format!("does not match the pattern {pattern}"),
        K::Format { format } => format!("is not a valid {format}"),
        K::Enum { .. } => "is not one of the allowed values".to_owned(),
        K::Constant { .. } => "is not the required constant".to_owned(),
        K::UniqueItems => "has duplicate items".to_owned(),
        K::FalseSchema => "is not allowed here".to_owned(),
        K::AnyOf { .. } => "matches none of the allowed schemas (anyOf)".to_owned(),
        K::OneOfNotValid { .. } => "matches none of the allowed schemas (oneOf)".to_owned(),
        K::OneOfMultipleValid { .. } => "matches more than one schema (oneOf)".to_owned(),
        K::Not { .. } => "matches a schema it must not match".to_owned(),
        K::Contains => "contains no item that matches the schema".to_owned(),
        K::MultipleOf { .. } => "is not a multiple of the required number".to_owned(),
        other => format!("does not satisfy `{}`", other.keyword()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> SchemaValidator {
        SchemaValidator::compile(&json!({
            "type": "object",
            "required": ["email", "age"],
            "properties": {
                "email": {"type": "string", "format": "email"},
                "age": {"type": "integer", "minimum": 0},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}}
            },
            "additionalProperties": false
        }))
        .unwrap()
    }

    #[test]
    fn reports_every_error_with_its_path_and_no_value() {
        let v = schema();
        let report = v
            .validate_many(&[
                json!({"email": "a@b.io", "age": 3}),
                json!({"email": "123-45-6789", "age": -1, "tags": ["ok", "secret-value"], "ssn": "x"}),
            ])
            .unwrap();
        assert!(!report.valid);
        assert!(report.records[0].valid);
        let errs = &report.records[1].errors;
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"email"), "{errs:?}");
        assert!(fields.contains(&"age"));
        assert!(fields.contains(&"tags[1]"));
        assert!(
            fields.contains(&""),
            "additionalProperties is reported on the record"
        );
        let all = serde_json::to_string(errs).unwrap();
        assert!(
            !all.contains("123-45-6789") && !all.contains("secret-value"),
            "{all}"
        );
        assert!(
            errs.iter()
                .any(|e| e.instance_path == "/tags/1" && e.keyword == "maxLength")
        );
    }

    #[test]
    fn missing_property_is_named() {
        let r = schema().validate(0, &json!({"email": "a@b.io"}));
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].keyword, "required");
        assert!(r.errors[0].message.contains("age"));
    }

    #[test]
    fn bad_schemas_are_errors() {
        assert!(matches!(
            SchemaValidator::compile(&json!({"type": "no-such-type"})),
            Err(PiiError::InvalidSchema(_))
        ));
        assert!(matches!(
            SchemaValidator::compile(&json!({"$ref": "https://example.com/schema.json"})),
            Err(PiiError::InvalidSchema(_))
        ));
        assert!(matches!(
            SchemaValidator::compile(&json!({"type": "string", "pattern": "(unclosed"})),
            Err(PiiError::InvalidSchema(_))
        ));
    }

    #[test]
    fn batches_are_bounded() {
        let recs = vec![json!({}); MAX_RECORDS + 1];
        assert!(matches!(
            schema().validate_many(&recs),
            Err(PiiError::TooManyRecords { .. })
        ));
    }
}
