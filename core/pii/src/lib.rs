//! Coffer's PII engine: find sensitive values in text and JSON records, anonymize them (redact,
//! mask, replace, keyed hash, reversible token), reverse the tokens, and validate records against a
//! JSON Schema.
//!
//! Pure computation: no I/O besides the name lists embedded in the binary, no network. Keys come
//! from the caller (see [`PiiKeys`]), which derives them per organization from its key service.
//!
//! ```
//! use coffer_pii::{DetectOptions, Detector, EntityType};
//!
//! let found = Detector::shared().detect_text("mail bob@example.com", &DetectOptions::default())?;
//! assert_eq!(found[0].entity_type, EntityType::Email);
//! # Ok::<(), coffer_pii::PiiError>(())
//! ```

pub mod anonymize;
pub mod detect;
mod entity;
mod error;
pub mod validate;

pub use anonymize::{
    AnonymizedRecord, AnonymizedText, Change, DeanonymizedRecord, DeanonymizedText, KeyLookup,
    Operator, OperatorKind, OperatorTarget, Operators, PiiKeys, Restored, anonymize_record,
    anonymize_text, deanonymize_record, deanonymize_text,
};
pub use detect::{DetectOptions, DetectStream, Detector, StreamError};
pub use entity::{Entity, EntityType};
pub use error::PiiError;
pub use validate::{RecordValidation, SchemaError, SchemaValidator, ValidationReport};

/// Largest text (or total of a record's strings) the engine accepts, in bytes: bounds CPU and
/// memory per request. A larger text is scanned window by window with the same result
/// ([`Detector::detect_large_text`], [`DetectStream`]), its size bounded by the caller.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// Deepest JSON nesting the record walkers accept; deeper input is refused, not truncated.
pub const MAX_DEPTH: usize = 64;
