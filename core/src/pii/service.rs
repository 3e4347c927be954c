//! The PII service: the business rules around the engine. Detection, redaction, masking and
//! replacement need no key; `hash`, `tokenize` and `deanonymize` use the scope's keys and so need
//! an authenticated caller; reversing tokens is a read of protected data and is audited.

use coffer_pii::{
    DetectOptions, Detector, Entity, OperatorKind, Operators, PiiError, Restored, SchemaValidator,
    ValidationReport,
};
use serde_json::Value;

use super::{DEPLOYMENT_SCOPE, PiiKeyStore};
use crate::audit::{AuditSink, Outcome, RequestOrigin};
use crate::auth::UserId;
use crate::backends::Ports;
use crate::http::ApiError;
use crate::keys::KeyError;
use crate::store::StoreError;

/// Inputs at least this large are scanned on a blocking thread, so the runtime keeps serving.
const BLOCKING_THRESHOLD: usize = 16 * 1024;

/// What the engine works on: a text, or a JSON record whose strings it walks.
#[derive(Debug, Clone, PartialEq)]
pub enum PiiInput {
    Text(String),
    Record(Value),
}

impl PiiInput {
    /// A request gives a text or a record, never both and never neither.
    pub fn from_parts(
        text: Option<String>,
        record: Option<Value>,
    ) -> Result<Self, PiiServiceError> {
        match (text, record) {
            (Some(text), None) => Ok(Self::Text(text)),
            (None, Some(record)) => Ok(Self::Record(record)),
            _ => Err(PiiServiceError::OneOf("text, record")),
        }
    }

    fn size_hint(&self) -> usize {
        match self {
            Self::Text(text) => text.len(),
            // Serialized length bounds the strings inside; cheap next to the scan itself.
            Self::Record(record) => serde_json::to_vec(record)
                .map(|v| v.len())
                .unwrap_or(usize::MAX),
        }
    }
}

/// The rewritten text or record.
#[derive(Debug, Clone, PartialEq)]
pub enum PiiOutput {
    Text(String),
    Record(Value),
}

/// What can go wrong in the PII service.
#[derive(Debug, thiserror::Error)]
pub enum PiiServiceError {
    #[error(transparent)]
    Engine(#[from] PiiError),
    /// `hash`, `tokenize` and `deanonymize` need to know who asks.
    #[error("keyed operators need an authenticated caller")]
    Unauthenticated,
    #[error("the stored PII key is unreadable")]
    CorruptKey,
    #[error("dataset {0} does not exist")]
    NoSuchDataset(String),
    #[error("give exactly one of {0}")]
    OneOf(&'static str),
    #[error("the scan was interrupted")]
    Interrupted,
    #[error("the random source failed")]
    Random(#[from] crate::crypto::CryptoError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keys(#[from] KeyError),
}

impl From<PiiServiceError> for ApiError {
    fn from(err: PiiServiceError) -> Self {
        match err {
            PiiServiceError::Engine(PiiError::InputTooLarge { max, .. }) => {
                ApiError::PayloadTooLarge { limit: max }
            }
            PiiServiceError::Engine(
                ref engine @ (PiiError::TooDeep { .. }
                | PiiError::TooManyRecords { .. }
                | PiiError::InvalidOperator { .. }),
            ) => ApiError::Validation(vec![crate::http::FieldError::new("", engine.to_string())]),
            PiiServiceError::Engine(PiiError::InvalidSchema(_)) => {
                ApiError::Validation(vec![crate::http::FieldError::new(
                    "schema",
                    err.to_string(),
                )])
            }
            PiiServiceError::Unauthenticated => ApiError::Unauthorized,
            PiiServiceError::NoSuchDataset(_) => ApiError::NotFound,
            PiiServiceError::OneOf(fields) => {
                ApiError::Validation(vec![crate::http::FieldError::new(
                    fields,
                    "give exactly one of these",
                )])
            }
            other => ApiError::internal(other),
        }
    }
}

/// The PII service over the ports.
#[derive(Debug)]
pub struct PiiService<'a> {
    ports: &'a Ports,
}

impl<'a> PiiService<'a> {
    pub fn new(ports: &'a Ports) -> Self {
        Self { ports }
    }

    /// Every entity found, with offsets into the text (or into each field's string).
    pub async fn detect(
        &self,
        input: PiiInput,
        options: DetectOptions,
    ) -> Result<Vec<Entity>, PiiServiceError> {
        run_engine(input.size_hint(), move || match &input {
            PiiInput::Text(text) => Detector::shared().detect_text(text, &options),
            PiiInput::Record(record) => Detector::shared().detect_record(record, &options),
        })
        .await
    }

    /// Detects and rewrites. Keyed operators use the caller's scope keys.
    pub async fn anonymize(
        &self,
        input: PiiInput,
        operators: Operators,
        caller: Option<&UserId>,
    ) -> Result<(PiiOutput, Vec<coffer_pii::Change>), PiiServiceError> {
        operators.validate()?;
        let keyed = operators
            .0
            .values()
            .any(|op| matches!(op.kind(), OperatorKind::Hash | OperatorKind::Tokenize));
        let keys = if keyed {
            caller.ok_or(PiiServiceError::Unauthenticated)?;
            Some(self.key_store().keys(DEPLOYMENT_SCOPE).await?)
        } else {
            None
        };
        let options = DetectOptions::default();
        run_engine(input.size_hint(), move || {
            let detector = Detector::shared();
            match &input {
                PiiInput::Text(text) => detector
                    .anonymize_text(text, &options, &operators, keys.as_ref())
                    .map(|out| (PiiOutput::Text(out.text), out.changes)),
                PiiInput::Record(record) => detector
                    .anonymize_record(record, &options, &operators, keys.as_ref())
                    .map(|out| (PiiOutput::Record(out.record), out.changes)),
            }
        })
        .await
    }

    /// Reverses the tokens `tokenize` made in this scope. Audited, success or not, before anything
    /// is returned: it reveals protected values, so no audit means no answer.
    pub async fn deanonymize(
        &self,
        input: PiiInput,
        caller: &UserId,
        origin: &RequestOrigin,
    ) -> Result<(PiiOutput, Vec<Restored>, usize), PiiServiceError> {
        let keys = self.key_store().keys(DEPLOYMENT_SCOPE).await?;
        let result = run_engine(input.size_hint(), move || match &input {
            PiiInput::Text(text) => coffer_pii::deanonymize_text(text, &keys)
                .map(|out| (PiiOutput::Text(out.text), out.restored, out.failed)),
            PiiInput::Record(record) => coffer_pii::deanonymize_record(record, &keys)
                .map(|out| (PiiOutput::Record(out.record), out.restored, out.failed)),
        })
        .await;
        let outcome = if result.is_ok() {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let audit = AuditSink::new(self.ports.table.clone(), self.ports.clock.clone());
        let event = audit
            .event("pii.deanonymize", outcome, origin)?
            .actor(caller)
            .resource(DEPLOYMENT_SCOPE);
        audit.record(&event).await?;
        result
    }

    /// Validates records against a JSON Schema (or, once datasets exist, a dataset's schema).
    pub async fn validate(
        &self,
        schema: Option<Value>,
        dataset_id: Option<String>,
        records: Vec<Value>,
    ) -> Result<ValidationReport, PiiServiceError> {
        let schema = match (schema, dataset_id) {
            (Some(schema), None) => schema,
            // No dataset exists before the data-vault issue, so any id is unknown.
            (None, Some(id)) => return Err(PiiServiceError::NoSuchDataset(id)),
            _ => return Err(PiiServiceError::OneOf("schema, dataset_id")),
        };
        let size = records.len().saturating_mul(64);
        run_engine(size, move || {
            SchemaValidator::compile(&schema)?.validate_many(&records)
        })
        .await
    }

    fn key_store(&self) -> PiiKeyStore {
        PiiKeyStore::new(self.ports.table.clone(), self.ports.keys.clone())
    }
}

/// Runs engine work inline when small, on a blocking thread when large.
async fn run_engine<T, F>(size: usize, work: F) -> Result<T, PiiServiceError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, PiiError> + Send + 'static,
{
    if size < BLOCKING_THRESHOLD {
        return Ok(work()?);
    }
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .await
        .map_err(|_| PiiServiceError::Interrupted)?
        .map_err(PiiServiceError::from)
}
