//! The PII service: the business rules around the engine. Detection, redaction, masking and
//! replacement need no key and no org; `hash` and `tokenize` use an org's keys and so need a
//! member of that org (`pii:use`); `deanonymize` reverses an org's tokens for its owners and
//! admins only (`pii:deanonymize`) and, being a read of protected data, is audited in the org.
//! The methods that touch an org's keys take the [`Scoped`] value only the access gate makes.

use std::sync::Arc;

use coffer_pii::{
    DetectOptions, Detector, Operators, PiiError, Restored, SchemaValidator, ValidationReport,
};
use serde_json::Value;

use super::detect::{DetectInput, DetectedEntity};
use super::keys::{OrgKeys, PiiKeyStore};
use crate::access::{Access, AccessError, Permission, Scoped};
use crate::audit::{AuditSink, Outcome, RequestOrigin};
use crate::backends::Ports;
use crate::http::{ApiError, FieldError, GroupService};
use crate::ids::OrgId;
use crate::keys::KeyError;
use crate::store::StoreError;

/// Inputs at least this large are scanned on a blocking thread, so the runtime keeps serving.
const BLOCKING_THRESHOLD: usize = 16 * 1024;

/// What anonymization and token reversal work on: a text, or a JSON record whose strings they
/// walk (detection also takes a batch of records: [`DetectInput`]).
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
    /// `hash` and `tokenize` (and naming an org) need to know who asks.
    #[error("keyed operators need an authenticated caller")]
    Unauthenticated,
    /// `hash` and `tokenize` use an org's keys, so the request must name the org.
    #[error("hash and tokenize use an organization's keys: give its org_id")]
    MissingOrg,
    /// The gate said no: not a member (404) or not allowed (403).
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error("the stored PII key is unreadable")]
    CorruptKey,
    /// An org has no key of this version (internal: absent versions open no token).
    #[error("no PII key of version {0}")]
    NoKeyVersion(u32),
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
            ) => ApiError::Validation(vec![FieldError::new("", engine.to_string())]),
            PiiServiceError::Engine(PiiError::InvalidSchema(_)) => {
                ApiError::Validation(vec![FieldError::new("schema", err.to_string())])
            }
            PiiServiceError::Unauthenticated => ApiError::Unauthorized,
            PiiServiceError::MissingOrg => {
                ApiError::Validation(vec![FieldError::new("org_id", err.to_string())])
            }
            PiiServiceError::Access(access) => access.into(),
            PiiServiceError::OneOf(fields) => {
                ApiError::Validation(vec![FieldError::new(fields, "give exactly one of these")])
            }
            other => ApiError::internal(other),
        }
    }
}

/// The PII service, built once per process: the gate, the audit sink and every org's keys
/// (cached, see [`OrgKeys`]).
#[derive(Debug)]
pub struct PiiService {
    access: Access,
    audit: AuditSink,
    keys: OrgKeys,
}

impl GroupService for PiiService {
    async fn build(state: &crate::http::AppState) -> Result<Self, ApiError> {
        Ok(Self::new(&state.ports, state.settings.data_key_max_age))
    }

    /// Compiles the detector's automata and loads the name lists at cold start.
    async fn warm(&self) {
        Detector::shared();
    }
}

impl PiiService {
    /// The service over `ports`; derived org keys stay in memory at most `key_max_age`.
    pub fn new(ports: &Ports, key_max_age: std::time::Duration) -> Self {
        let store = PiiKeyStore::new(Arc::clone(&ports.table), Arc::clone(&ports.keys));
        Self {
            access: Access::new(Arc::clone(&ports.table)),
            audit: AuditSink::new(Arc::clone(&ports.table), Arc::clone(&ports.clock)),
            keys: OrgKeys::new(store, Arc::clone(&ports.clock), key_max_age),
        }
    }

    /// Who must pass the gate, and where, for an anonymization: nobody with no org for
    /// operators that need no key. `hash` and `tokenize` need an authenticated caller (else 401)
    /// and an org (else 422 on `org_id`); an org named for other operators is gated the same way
    /// (`pii:use` there, 404 for a non-member).
    pub fn gate_for<'a, W>(
        who: Option<W>,
        org: Option<&'a OrgId>,
        operators: &Operators,
    ) -> Result<Option<(W, &'a OrgId)>, PiiServiceError> {
        if org.is_none() && !operators.needs_keys() {
            return Ok(None);
        }
        let who = who.ok_or(PiiServiceError::Unauthenticated)?;
        let org = org.ok_or(PiiServiceError::MissingOrg)?;
        Ok(Some((who, org)))
    }

    /// The gate, for handlers to ask before calling a scoped method.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// Every entity found, with offsets into the text (or into each field's string), and for
    /// records the index of the record. Needs no key and no org. A text of any size is scanned
    /// (the body limit bounds it), one over the engine's 1 MiB window by window.
    pub async fn detect(
        &self,
        input: DetectInput,
        options: DetectOptions,
    ) -> Result<Vec<DetectedEntity>, PiiServiceError> {
        run_engine(input.size_hint(), move || {
            input.detect(Detector::shared(), &options)
        })
        .await
    }

    /// Detects and rewrites. Keyed operators use the keys of the org `at` names, so their
    /// hashes and tokens mean nothing in another org.
    pub async fn anonymize(
        &self,
        input: PiiInput,
        operators: Operators,
        at: Option<&Scoped>,
    ) -> Result<(PiiOutput, Vec<coffer_pii::Change>), PiiServiceError> {
        operators.validate()?;
        let keys = if operators.needs_keys() {
            let at = at.ok_or(PiiServiceError::MissingOrg)?;
            if !at.may(Permission::PiiUse) {
                return Err(AccessError::Forbidden(Permission::PiiUse).into());
            }
            Some(self.keys.current(at.org()).await?)
        } else {
            None
        };
        let options = DetectOptions::default();
        run_engine(input.size_hint(), move || {
            let detector = Detector::shared();
            let keys = keys.as_deref();
            match &input {
                PiiInput::Text(text) => detector
                    .anonymize_text(text, &options, &operators, keys)
                    .map(|out| (PiiOutput::Text(out.text), out.changes)),
                PiiInput::Record(record) => detector
                    .anonymize_record(record, &options, &operators, keys)
                    .map(|out| (PiiOutput::Record(out.record), out.changes)),
            }
        })
        .await
    }

    /// Reverses the tokens `tokenize` made in the org `at` names, each under the key version it
    /// names; another org's tokens stay as they are and count as failed. Audited in the org,
    /// success or not, before anything is returned: it reveals protected values, so no audit
    /// means no answer.
    pub async fn deanonymize(
        &self,
        input: PiiInput,
        at: &Scoped,
        origin: &RequestOrigin,
    ) -> Result<(PiiOutput, Vec<Restored>, usize), PiiServiceError> {
        if !at.may(Permission::PiiDeanonymize) {
            return Err(AccessError::Forbidden(Permission::PiiDeanonymize).into());
        }
        let keys = self.keys.all_versions(at.org()).await?;
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
        let event = self
            .audit
            .scoped_event(at, "pii.deanonymize", outcome, origin)?
            .resource(at.org());
        self.audit.record(&event).await?;
        result
    }

    /// Validates records against a JSON Schema (a dataset's records: `DatasetsService::
    /// validate_records`).
    pub async fn validate(
        &self,
        schema: Value,
        records: Vec<Value>,
    ) -> Result<ValidationReport, PiiServiceError> {
        let size = records.len().saturating_mul(64);
        run_engine(size, move || {
            SchemaValidator::compile(&schema)?.validate_many(&records)
        })
        .await
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
