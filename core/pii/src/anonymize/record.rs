//! Anonymizing and restoring JSON records, field by field.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::apply::{Change, Rewriter};
use super::keys::{KeyLookup, PiiKeys};
use super::operators::Operators;
use super::token::{Opener, Restored, restore_into};
use crate::detect::record::{push_index, push_key, spend};
use crate::{Entity, MAX_DEPTH, MAX_INPUT_BYTES, PiiError};

/// An anonymized record and what changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AnonymizedRecord {
    /// The record with every value replaced (an anonymized integer becomes a string).
    #[schema(value_type = Object)]
    pub record: Value,
    /// What was replaced, with each field's path.
    pub changes: Vec<Change>,
}

/// A record with its tokens put back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeanonymizedRecord {
    /// The record with every token this organization's keys open replaced by its value.
    #[schema(value_type = Object)]
    pub record: Value,
    /// What was restored, with each field's path.
    pub restored: Vec<Restored>,
    /// Tokens left as they are: another organization's, a key version the caller did not
    /// supply, the unversioned first format, or tampered with.
    pub failed: usize,
}

/// Anonymizes `record` at the given entities (e.g. from [`crate::Detector::detect_record`]),
/// each naming its field. Pseudonyms are consistent across all fields.
pub fn anonymize_record(
    record: &Value,
    entities: &[Entity],
    operators: &Operators,
    keys: Option<&PiiKeys>,
) -> Result<AnonymizedRecord, PiiError> {
    operators.validate()?;
    let mut by_field: HashMap<&str, Vec<(usize, &Entity)>> = HashMap::new();
    for (i, e) in entities.iter().enumerate() {
        let field = e
            .field
            .as_deref()
            .ok_or(PiiError::InvalidEntity { index: i })?;
        by_field.entry(field).or_default().push((i, e));
    }
    let mut out = record.clone();
    let mut rw = Rewriter::new(operators, keys);
    let mut changes = Vec::with_capacity(entities.len());
    let mut used = 0;
    walk_mut(&mut out, &mut |path, leaf| {
        let Some(spans) = by_field.get(path) else {
            return Ok(());
        };
        used += spans.len();
        let text = match leaf {
            Value::String(s) => std::mem::take(s),
            Value::Number(n) => n.to_string(),
            _ => return Ok(()),
        };
        let new = rw.rewrite(&text, spans, Some(path), &mut changes)?;
        *leaf = Value::String(new);
        Ok(())
    })?;
    if used != entities.len() {
        // Some entity names a field the record does not have.
        let index = entities
            .iter()
            .position(|e| !field_exists(record, e.field.as_deref().unwrap_or("")))
            .unwrap_or(0);
        return Err(PiiError::InvalidEntity { index });
    }
    Ok(AnonymizedRecord {
        record: out,
        changes,
    })
}

/// Puts back every token in every string of `record` whose key version `keys` has and opens.
pub fn deanonymize_record<K: KeyLookup + ?Sized>(
    record: &Value,
    keys: &K,
) -> Result<DeanonymizedRecord, PiiError> {
    let mut opener = Opener::new(keys);
    let mut out = record.clone();
    let mut restored = Vec::new();
    let mut failed = 0;
    walk_mut(&mut out, &mut |path, leaf| {
        if let Value::String(s) = leaf
            && s.contains(super::token::PREFIX)
        {
            let mut new = String::with_capacity(s.len());
            restore_into(
                s,
                &mut opener,
                Some(path),
                &mut new,
                &mut restored,
                &mut failed,
            );
            *s = new;
        }
        Ok(())
    })?;
    Ok(DeanonymizedRecord {
        record: out,
        restored,
        failed,
    })
}

fn field_exists(record: &Value, field: &str) -> bool {
    let mut found = false;
    let _ = crate::detect::record::walk(record, &mut |leaf| found |= leaf.path == field);
    found
}

type LeafFn<'f> = dyn FnMut(&str, &mut Value) -> Result<(), PiiError> + 'f;

/// Calls `f` with the path of every string and integer leaf, in the same order and with the
/// same paths as detection, within the same bounds.
fn walk_mut(v: &mut Value, f: &mut LeafFn<'_>) -> Result<(), PiiError> {
    let mut path = String::new();
    let mut budget = MAX_INPUT_BYTES;
    walk_mut_at(v, &mut path, 0, &mut budget, f)
}

fn walk_mut_at(
    v: &mut Value,
    path: &mut String,
    depth: usize,
    budget: &mut usize,
    f: &mut LeafFn<'_>,
) -> Result<(), PiiError> {
    if depth > MAX_DEPTH {
        return Err(PiiError::TooDeep { max: MAX_DEPTH });
    }
    match v {
        Value::String(s) => {
            spend(budget, s.len())?;
            f(path, v)?;
        }
        Value::Number(n) if n.is_i64() || n.is_u64() => f(path, v)?,
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = path.len();
                push_index(path, i);
                walk_mut_at(item, path, depth + 1, budget, f)?;
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                spend(budget, k.len())?;
                let len = path.len();
                push_key(path, k);
                walk_mut_at(item, path, depth + 1, budget, f)?;
                path.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anonymize::Operator;
    use crate::{DetectOptions, Detector, EntityType};
    use serde_json::json;

    #[test]
    fn record_fields_are_anonymized_by_path() {
        let rec = json!({"customer": {"name": "Justin Glass", "ssn": "123-45-6789", "emails": ["a@x.io", "lhayes@example.org"]}, "n": 3});
        let det = Detector::shared();
        let found = det.detect_record(&rec, &DetectOptions::default()).unwrap();
        let ops = Operators::all(Operator::Replace {
            new_value: None,
            pseudonym: false,
        });
        let out = anonymize_record(&rec, &found, &ops, None).unwrap();
        assert_eq!(out.record["customer"]["ssn"], json!("<US_SSN>"));
        assert_eq!(out.record["customer"]["emails"][1], json!("<EMAIL>"));
        assert_eq!(out.record["customer"]["name"], json!("<PERSON>"));
        assert_eq!(out.record["n"], json!(3));
        assert!(
            out.changes
                .iter()
                .any(|c| c.field.as_deref() == Some("customer.emails[1]"))
        );
    }

    #[test]
    fn integer_fields_become_strings_when_anonymized() {
        let rec = json!({"ssn": 123456789});
        let found = Detector::shared()
            .detect_record(&rec, &DetectOptions::default())
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].entity_type, EntityType::UsSsn);
        let out = anonymize_record(&rec, &found, &Operators::default(), None).unwrap();
        assert_eq!(out.record, json!({"ssn": "<US_SSN>"}));
    }

    #[test]
    fn tokenized_records_round_trip() {
        let keys = PiiKeys::new(1, [1; 32], [2; 64]);
        let rec = json!({"contact": {"email": "ann@example.com", "note": "call 774-999-7629"}});
        let det = Detector::shared();
        let out = det
            .anonymize_record(
                &rec,
                &DetectOptions::default(),
                &Operators::all(Operator::Tokenize),
                Some(&keys),
            )
            .unwrap();
        assert!(!out.record.to_string().contains("ann@example.com"));
        let back = deanonymize_record(&out.record, &keys).unwrap();
        assert_eq!(back.record, rec);
        assert_eq!(back.restored.len(), 2);
    }

    #[test]
    fn entities_must_name_existing_fields() {
        let rec = json!({"a": "x"});
        let e = Entity {
            entity_type: EntityType::Email,
            start: 0,
            end: 1,
            score: 1.0,
            field: Some("b".into()),
        };
        assert_eq!(
            anonymize_record(&rec, &[e], &Operators::default(), None),
            Err(PiiError::InvalidEntity { index: 0 })
        );
    }
}
