//! Validating records against a dataset without writing them (`POST /v1/validate` with a
//! `dataset_id`): the same checks a write makes before sealing — fields the dataset knows and
//! its JSON Schema — so a client can test a batch first.

use coffer_pii::{RecordValidation, SchemaError, ValidationReport};
use serde_json::Value;

use super::DatasetsService;
use super::write::MAX_BATCH;
use crate::access::Scoped;
use crate::datasets::{Dataset, DatasetError};

impl DatasetsService {
    /// Per-record validity and every error, as `POST /v1/validate` answers.
    pub fn validate_records(
        &self,
        at: &Scoped,
        dataset: Dataset,
        records: &[Value],
    ) -> Result<ValidationReport, DatasetError> {
        if records.len() > MAX_BATCH {
            return Err(DatasetError::invalid(
                "records",
                format!("holds at most {MAX_BATCH} records"),
            ));
        }
        let dataset = dataset.visible_to(at)?;
        let validator = self.validator(&dataset)?;
        let records: Vec<RecordValidation> = records
            .iter()
            .enumerate()
            .map(|(index, record)| {
                let mut checked = match &validator {
                    Some(validator) => validator.validate(index, record),
                    None => RecordValidation {
                        index,
                        valid: true,
                        errors: Vec::new(),
                        truncated: 0,
                    },
                };
                let unknown = match record {
                    Value::Object(object) => object
                        .keys()
                        .filter(|name| !dataset.allows_field(name))
                        .map(|name| SchemaError {
                            field: name.clone(),
                            instance_path: format!("/{name}"),
                            keyword: "dataset".to_owned(),
                            message: "is not a field of this dataset".to_owned(),
                        })
                        .collect(),
                    _ => vec![SchemaError {
                        field: String::new(),
                        instance_path: String::new(),
                        keyword: "type".to_owned(),
                        message: "a record is a JSON object".to_owned(),
                    }],
                };
                checked.errors.extend(unknown);
                checked.valid = checked.errors.is_empty();
                checked
            })
            .collect();
        Ok(ValidationReport {
            valid: records.iter().all(|r| r.valid),
            records,
        })
    }
}
