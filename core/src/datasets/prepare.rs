//! Turning a record as a client sent it into what is stored: checked against the dataset
//! (top-level fields it knows, its JSON Schema, its size), its `plain` strings shown to the PII
//! engine (flagged, masked or refused as the dataset says), its sensitive fields sealed and its
//! searchable fields indexed. Nothing of a value leaves here in an error: paths and rule names.

use coffer_pii::{DetectOptions, Detector, Operator, Operators, SchemaValidator, anonymize_record};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::dataset::Dataset;
use super::index_entry::{Comparand, IndexEntry, Indexer};
use super::record::{PiiFlag, StoredRecord};
use super::seal::Sealer;
use super::{DatasetError, PiiRule};
use crate::crypto::DataKey;
use crate::http::FieldError;
use crate::ids::RecordId;

/// Largest record (its JSON text), so a sealed record stays well inside an item's 400 KB.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// A record ready to write.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub record: StoredRecord,
    pub entries: Vec<IndexEntry>,
}

/// Prepares the records of one request under one key version.
pub struct Preparer<'a> {
    dataset: &'a Dataset,
    validator: Option<&'a SchemaValidator>,
    sealer: Sealer<'a>,
    indexer: Indexer<'a>,
    detector: &'static Detector,
}

impl<'a> Preparer<'a> {
    pub fn new(
        dataset: &'a Dataset,
        validator: Option<&'a SchemaValidator>,
        data_key: &'a DataKey,
        version: u32,
    ) -> Self {
        Self {
            dataset,
            validator,
            sealer: Sealer::new(data_key, &dataset.id, version),
            indexer: Indexer::new(dataset, data_key, version),
            detector: Detector::shared(),
        }
    }

    /// The stored form of `data` as record `id`, or every reason it is refused (paths under
    /// `data`).
    pub fn prepare(
        &mut self,
        id: RecordId,
        data: Value,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<Result<Prepared, Vec<FieldError>>, DatasetError> {
        let data = match self.check(data) {
            Ok(data) => data,
            Err(errors) => return Ok(Err(errors)),
        };
        let (mut plain, sealed_values): (Map<String, Value>, Vec<(String, Value)>) = {
            let mut plain = Map::new();
            let mut sealed = Vec::new();
            for (name, value) in data {
                if self.dataset.policy_of(&name).is_sealed() {
                    sealed.push((name, value));
                } else {
                    plain.insert(name, value);
                }
            }
            (plain, sealed)
        };
        let pii = match self.screen(&mut plain) {
            Ok(pii) => pii,
            Err(errors) => return Ok(Err(errors)),
        };
        let mut entries = Vec::new();
        for (name, value) in &plain {
            entries.extend(
                self.indexer
                    .entry(&id, name, value, || Comparand::Plain(value.to_string())),
            );
        }
        let mut sealed = Map::new();
        for (name, value) in sealed_values {
            let ciphertext = self.sealer.seal_field(&id, &name, &value)?;
            entries.extend(
                self.indexer
                    .entry(&id, &name, &value, || Comparand::Sealed(ciphertext.clone())),
            );
            sealed.insert(name, Value::String(ciphertext));
        }
        Ok(Ok(Prepared {
            record: StoredRecord {
                id,
                dataset_id: self.dataset.id.clone(),
                key_version: self.sealer.version(),
                plain,
                sealed,
                pii,
                payload: None,
                created_at: now,
                updated_at: now,
                created_by: actor.to_owned(),
                revision: 1,
            },
            entries,
        }))
    }

    /// An object, not too large, of known fields, satisfying the schema.
    fn check(&self, data: Value) -> Result<Map<String, Value>, Vec<FieldError>> {
        let Value::Object(object) = data else {
            return Err(vec![FieldError::new("data", "must be a JSON object")]);
        };
        let size = serde_json::to_vec(&object).map_or(usize::MAX, |v| v.len());
        if size > MAX_RECORD_BYTES {
            return Err(vec![FieldError::new(
                "data",
                format!("a record is at most {MAX_RECORD_BYTES} bytes of JSON"),
            )]);
        }
        let mut errors: Vec<FieldError> = object
            .keys()
            .filter(|name| !self.dataset.allows_field(name))
            .map(|name| FieldError::new(format!("data.{name}"), "is not a field of this dataset"))
            .collect();
        let data = Value::Object(object);
        if let Some(validator) = self.validator {
            let report = validator.validate(0, &data);
            errors.extend(report.errors.into_iter().map(|e| {
                let path = if e.field.is_empty() {
                    "data".to_owned()
                } else {
                    format!("data.{}", e.field)
                };
                FieldError::new(path, e.message)
            }));
        }
        match data {
            Value::Object(object) if errors.is_empty() => Ok(object),
            _ => Err(errors),
        }
    }

    /// Shows the plain fields to the PII engine and applies the dataset's rule.
    fn screen(&self, plain: &mut Map<String, Value>) -> Result<Vec<PiiFlag>, Vec<FieldError>> {
        if self.dataset.pii == PiiRule::Off || plain.is_empty() {
            return Ok(Vec::new());
        }
        let record = Value::Object(std::mem::take(plain));
        let found = match self
            .detector
            .detect_record(&record, &DetectOptions::default())
        {
            Ok(found) => found,
            Err(err) => {
                *plain = into_object(record);
                return Err(vec![FieldError::new("data", err.to_string())]);
            }
        };
        let flags: Vec<PiiFlag> = found
            .iter()
            .map(|e| PiiFlag {
                field: e.field.clone().unwrap_or_default(),
                entity_type: e.entity_type.to_string(),
                start: e.start,
                end: e.end,
            })
            .collect();
        match self.dataset.pii {
            PiiRule::Refuse if !flags.is_empty() => {
                *plain = into_object(record);
                Err(flags
                    .iter()
                    .map(|f| {
                        FieldError::new(
                            format!("data.{}", f.field),
                            format!("holds personal data ({}) in a plain field", f.entity_type),
                        )
                    })
                    .collect())
            }
            PiiRule::Mask if !found.is_empty() => {
                let operators = Operators::all(Operator::Mask {
                    masking_char: '*',
                    keep_last: 0,
                });
                match anonymize_record(&record, &found, &operators, None) {
                    Ok(masked) => {
                        *plain = into_object(masked.record);
                        Ok(flags)
                    }
                    Err(err) => {
                        *plain = into_object(record);
                        Err(vec![FieldError::new("data", err.to_string())])
                    }
                }
            }
            _ => {
                *plain = into_object(record);
                Ok(flags)
            }
        }
    }
}

fn into_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(object) => object,
        _ => Map::new(),
    }
}
