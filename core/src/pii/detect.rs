//! What detection works on and what it reports: a text (of any size: one over the engine's
//! 1 MiB goes through its windowed path), one JSON record, or a batch of records, each entity
//! saying which record of the batch it is in.

use coffer_pii::validate::MAX_RECORDS;
use coffer_pii::{DetectOptions, Detector, Entity, MAX_INPUT_BYTES, PiiError};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::PiiServiceError;

/// A text, a record, or records: what `POST /v1/pii/detect` scans.
#[derive(Debug, Clone, PartialEq)]
pub enum DetectInput {
    /// Any size; the body limit bounds it.
    Text(String),
    Record(Value),
    /// At most [`MAX_RECORDS`], each under the engine's per-record bound.
    Records(Vec<Value>),
}

impl DetectInput {
    /// A request gives exactly one of a text, a record and records.
    pub fn from_parts(
        text: Option<String>,
        record: Option<Value>,
        records: Option<Vec<Value>>,
    ) -> Result<Self, PiiServiceError> {
        match (text, record, records) {
            (Some(text), None, None) => Ok(Self::Text(text)),
            (None, Some(record), None) => Ok(Self::Record(record)),
            (None, None, Some(records)) if records.len() > MAX_RECORDS => {
                Err(PiiError::TooManyRecords {
                    len: records.len(),
                    max: MAX_RECORDS,
                }
                .into())
            }
            (None, None, Some(records)) => Ok(Self::Records(records)),
            _ => Err(PiiServiceError::OneOf("text, record, records")),
        }
    }

    /// About how many bytes the engine will scan (to choose a blocking thread for large input).
    pub(super) fn size_hint(&self) -> usize {
        match self {
            Self::Text(text) => text.len(),
            Self::Record(record) => serialized_len(record),
            Self::Records(records) => records
                .iter()
                .map(serialized_len)
                .fold(0, usize::saturating_add),
        }
    }

    /// Runs the engine: a text up to 1 MiB in one pass, a longer one window by window (same
    /// result, memory of one window); records one by one, each entity tagged with its record.
    pub(super) fn detect(
        &self,
        detector: &Detector,
        options: &DetectOptions,
    ) -> Result<Vec<DetectedEntity>, PiiError> {
        let untagged = |entities: Vec<Entity>| {
            entities
                .into_iter()
                .map(|entity| DetectedEntity {
                    entity,
                    record: None,
                })
                .collect()
        };
        match self {
            Self::Text(text) if text.len() > MAX_INPUT_BYTES => {
                Ok(untagged(detector.detect_large_text(text, options)))
            }
            Self::Text(text) => detector.detect_text(text, options).map(untagged),
            Self::Record(record) => detector.detect_record(record, options).map(untagged),
            Self::Records(records) => {
                let mut out = Vec::new();
                for (index, record) in records.iter().enumerate() {
                    out.extend(detector.detect_record(record, options)?.into_iter().map(
                        |entity| DetectedEntity {
                            entity,
                            record: Some(index),
                        },
                    ));
                }
                Ok(out)
            }
        }
    }
}

/// An entity found, and for `records` the index of the record it is in (its `field` is the path
/// inside that record): `{type, start, end, score, field?, record?}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DetectedEntity {
    #[serde(flatten)]
    pub entity: Entity,
    /// For `records`: the position of the record in the request's array, from 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, example = 0)]
    pub record: Option<usize>,
}

/// Serialized length bounds the strings inside; cheap next to the scan itself.
fn serialized_len(record: &Value) -> usize {
    serde_json::to_vec(record).map_or(usize::MAX, |v| v.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exactly_one_input_is_accepted() {
        let text = || Some("a".to_owned());
        let record = || Some(json!({}));
        let records = || Some(vec![json!({})]);
        assert!(DetectInput::from_parts(text(), None, None).is_ok());
        assert!(DetectInput::from_parts(None, record(), None).is_ok());
        assert!(DetectInput::from_parts(None, None, records()).is_ok());
        for (t, r, rs) in [
            (None, None, None),
            (text(), record(), None),
            (text(), None, records()),
            (None, record(), records()),
            (text(), record(), records()),
        ] {
            assert!(matches!(
                DetectInput::from_parts(t, r, rs),
                Err(PiiServiceError::OneOf(_))
            ));
        }
        assert!(matches!(
            DetectInput::from_parts(None, None, Some(vec![json!({}); MAX_RECORDS + 1])),
            Err(PiiServiceError::Engine(PiiError::TooManyRecords { .. }))
        ));
    }

    #[test]
    fn an_entity_of_a_record_in_a_batch_serializes_flat_with_its_index() {
        let found =
            DetectInput::Records(vec![json!({"a": 1}), json!({"email": "bob@example.org"})])
                .detect(Detector::shared(), &DetectOptions::default())
                .unwrap();
        // Through the text, as a reply is (a score is an f32: two decimals on the wire).
        let json: Value = serde_json::from_str(&serde_json::to_string(&found).unwrap()).unwrap();
        assert_eq!(
            json,
            json!([{"type": "EMAIL", "start": 0, "end": 15, "score": 0.95, "field": "email", "record": 1}])
        );
        let text = DetectInput::Text("bob@example.org".into())
            .detect(Detector::shared(), &DetectOptions::default())
            .unwrap();
        assert!(
            serde_json::to_value(&text).unwrap()[0]
                .get("record")
                .is_none()
        );
    }

    #[test]
    fn a_text_over_the_engine_limit_is_detected_in_windows() {
        let line = "mail bob@example.org now\n";
        let text = line.repeat(MAX_INPUT_BYTES / line.len() + 10);
        let found = DetectInput::Text(text)
            .detect(Detector::shared(), &DetectOptions::default())
            .unwrap();
        assert_eq!(found.len(), MAX_INPUT_BYTES / line.len() + 10);
    }
}
