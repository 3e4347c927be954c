//! [`DatasetsService`]: the data vault's rules over the ports. One concern per file. Built once
//! per process by the `datasets` function group.

mod data_keys;
mod datasets;
mod idempotent;
mod jobs;
mod payload;
mod read;
mod search;
mod validate;
mod write;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use coffer_pii::SchemaValidator;

pub use datasets::{DatasetPatch, NewDataset};
pub use jobs::JobReport;
pub use payload::MAX_PAYLOAD_BYTES;
pub use payload::Payload;
pub use read::{RecordPage, RecordView};
pub use search::{SearchPage, SearchQuery};
pub use write::{Idempotency, MAX_BATCH, RecordOutcome, WriteReply};

use super::{Dataset, DatasetError};
use crate::DatasetSettings;
use crate::access::{Access, Scoped};
use crate::audit::{AuditEvent, AuditSink, Outcome, RequestOrigin};
use crate::blobs::Blobs;
use crate::clock::Clock;
use crate::http::{ApiError, AppState, GroupService};
use crate::ids::DatasetId;
use crate::keys::KeyRing;
use crate::store::{Table, schema};

/// Compiled schemas kept per process (a dataset's schema compiles once per revision).
const VALIDATOR_CACHE: usize = 256;

#[derive(Debug)]
pub struct DatasetsService {
    table: Arc<dyn Table>,
    blobs: Arc<dyn Blobs>,
    /// The key ring behind the process's data-key cache: a warm container unwraps each
    /// version's data key about once per cache period.
    keys: Arc<dyn KeyRing>,
    clock: Arc<dyn Clock>,
    audit: AuditSink,
    access: Access,
    settings: DatasetSettings,
    validators: Mutex<HashMap<(DatasetId, u64), Arc<SchemaValidator>>>,
}

impl DatasetsService {
    /// The service on the ports. Makes no I/O.
    pub fn new(
        table: Arc<dyn Table>,
        blobs: Arc<dyn Blobs>,
        keys: Arc<dyn KeyRing>,
        clock: Arc<dyn Clock>,
        settings: DatasetSettings,
    ) -> Self {
        Self {
            audit: AuditSink::new(Arc::clone(&table), Arc::clone(&clock)),
            access: Access::new(Arc::clone(&table)),
            table,
            blobs,
            keys,
            clock,
            settings,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The gate, for handlers to ask before calling a scoped method.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The dataset `id` names, for the gate to learn its org first. Every method checks it
    /// against the `Scoped` value the gate then makes.
    #[tracing::instrument(skip_all, fields(dataset_id = %id))]
    pub async fn locate(&self, id: &DatasetId) -> Result<Dataset, DatasetError> {
        self.read_dataset(id).await
    }

    /// The dataset's item as stored (soft-deleted included).
    async fn read_dataset(&self, id: &DatasetId) -> Result<Dataset, DatasetError> {
        let item = self.table.get(&schema::dataset(id)).await?;
        Ok(Dataset::from_item(
            &item.ok_or(DatasetError::NotFound("dataset"))?,
        )?)
    }

    /// The dataset, read now, as `at` may see it: what every change starts from.
    async fn current(&self, at: &Scoped, id: &DatasetId) -> Result<Dataset, DatasetError> {
        self.read_dataset(id).await?.visible_to(at)
    }

    fn event(
        &self,
        at: &Scoped,
        action: &'static str,
        outcome: Outcome,
        origin: &RequestOrigin,
        resource: &dyn std::fmt::Display,
    ) -> Result<AuditEvent, DatasetError> {
        Ok(self
            .audit
            .scoped_event(at, action, outcome, origin)?
            .resource(resource))
    }

    /// The dataset's compiled schema (compiled once per revision of the dataset).
    fn validator(&self, dataset: &Dataset) -> Result<Option<Arc<SchemaValidator>>, DatasetError> {
        let Some(schema) = &dataset.schema else {
            return Ok(None);
        };
        let key = (dataset.id.clone(), dataset.revision);
        if let Some(found) = self
            .validators
            .lock()
            .ok()
            .and_then(|cache| cache.get(&key).cloned())
        {
            return Ok(Some(found));
        }
        let compiled = Arc::new(
            SchemaValidator::compile(schema)
                .map_err(|e| DatasetError::invalid("schema", e.to_string()))?,
        );
        if let Ok(mut cache) = self.validators.lock() {
            if cache.len() >= VALIDATOR_CACHE {
                cache.clear();
            }
            cache.insert(key, Arc::clone(&compiled));
        }
        Ok(Some(compiled))
    }
}

impl GroupService for DatasetsService {
    async fn build(state: &AppState) -> Result<Self, ApiError> {
        Ok(Self::new(
            Arc::clone(&state.ports.table),
            Arc::clone(&state.ports.blobs),
            Arc::clone(&state.ports.keys),
            Arc::clone(&state.ports.clock),
            state.settings.datasets.clone(),
        ))
    }
}
