//! The data keys of one request's versions: each version's wrapped key is read (the newest one
//! is in the dataset's item already) and unwrapped once per request through the process's
//! data-key cache, so a warm container calls the key ring about once per version per cache
//! period however many records it seals or opens.

use std::collections::HashMap;

use super::DatasetsService;
use crate::crypto::DataKey;
use crate::datasets::version::data_key_context;
use crate::datasets::{Dataset, DatasetError};
use crate::keys::WrappedVersion;
use crate::store::schema;

/// One request's view of a dataset's data keys.
pub(super) struct DataKeys<'a> {
    service: &'a DatasetsService,
    dataset: &'a Dataset,
    unwrapped: HashMap<u32, DataKey>,
}

impl<'a> DataKeys<'a> {
    pub fn new(service: &'a DatasetsService, dataset: &'a Dataset) -> Self {
        Self {
            service,
            dataset,
            unwrapped: HashMap::new(),
        }
    }

    /// The data key of `version`; a version the dataset never made is a corrupt record (500).
    pub async fn get(&mut self, version: u32) -> Result<DataKey, DatasetError> {
        if let Some(known) = self.unwrapped.get(&version) {
            return Ok(known.clone());
        }
        let wrapped = if version == self.dataset.latest_version {
            self.dataset.latest_wrapped.clone()
        } else {
            let item = self
                .service
                .table
                .get(&schema::dataset_key_version(&self.dataset.id, version))
                .await?
                // A record names a version its dataset never made: the record is corrupt.
                .ok_or(crate::store::BadAttribute("key_version"))?;
            WrappedVersion::from_item(&item)?.wrapped
        };
        let key = self
            .service
            .keys
            .unwrap_data_key(
                &wrapped,
                &data_key_context(&self.dataset.org_id, &self.dataset.id, version),
            )
            .await?;
        self.unwrapped.insert(version, key.clone());
        Ok(key)
    }
}
