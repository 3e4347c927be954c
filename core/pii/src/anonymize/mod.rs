//! Anonymization: replace what the detector found, per entity type, with `redact`, `mask`,
//! `replace`, `hash` (HMAC-SHA256 under the organization's key) or `tokenize` (deterministic
//! AES-SIV, reversible by [`deanonymize_text`]/[`deanonymize_record`], each token naming the
//! key version that made it). The result lists what changed, never the original values.

mod apply;
mod keys;
mod operators;
mod record;
mod token;

pub use apply::{AnonymizedText, Change, anonymize_text};
pub use keys::{KeyLookup, PiiKeys};
pub use operators::{Operator, OperatorKind, OperatorTarget, Operators};
pub use record::{AnonymizedRecord, DeanonymizedRecord, anonymize_record, deanonymize_record};
pub use token::{DeanonymizedText, Restored, deanonymize_text};

use crate::{DetectOptions, Detector, PiiError};

impl Detector {
    /// Detects then anonymizes a text in one call.
    pub fn anonymize_text(
        &self,
        text: &str,
        detect: &DetectOptions,
        operators: &Operators,
        keys: Option<&PiiKeys>,
    ) -> Result<AnonymizedText, PiiError> {
        let entities = self.detect_text(text, detect)?;
        anonymize_text(text, &entities, operators, keys)
    }

    /// Detects then anonymizes a record in one call.
    pub fn anonymize_record(
        &self,
        record: &serde_json::Value,
        detect: &DetectOptions,
        operators: &Operators,
        keys: Option<&PiiKeys>,
    ) -> Result<AnonymizedRecord, PiiError> {
        let entities = self.detect_record(record, detect)?;
        anonymize_record(record, &entities, operators, keys)
    }
}
