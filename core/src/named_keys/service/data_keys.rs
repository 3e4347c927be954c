//! The data keys of one request's versions: each version's wrapped key is read (the newest one
//! is in the key's item already) and unwrapped once per request, through the process's
//! data-key cache, so a warm container calls the key ring about once per version per cache
//! period.

use std::collections::HashMap;

use super::NamedKeysService;
use crate::crypto::DataKey;
use crate::keys::WrappedVersion;
use crate::named_keys::version::data_key_context;
use crate::named_keys::{ItemError, NamedKey, NamedKeyError, key::VersionRefusal};
use crate::store::schema;

/// One request's view of a key's data keys.
pub(super) struct DataKeys<'a> {
    service: &'a NamedKeysService,
    key: &'a NamedKey,
    unwrapped: HashMap<u32, Option<DataKey>>,
}

impl<'a> DataKeys<'a> {
    pub fn new(service: &'a NamedKeysService, key: &'a NamedKey) -> Self {
        Self {
            service,
            key,
            unwrapped: HashMap::new(),
        }
    }

    /// The data key of `version`, for encrypting (the caller checked the encryption floor).
    pub async fn for_encrypting(&mut self, version: u32) -> Result<DataKey, NamedKeyError> {
        self.get(version)
            .await?
            .ok_or(NamedKeyError::NotFound("key version"))
    }

    /// The data key that opens a ciphertext of `version`, or why none does.
    pub async fn for_decrypting(
        &mut self,
        version: u32,
    ) -> Result<Result<DataKey, ItemError>, NamedKeyError> {
        if let Err(refusal) = self.key.decryptable(version) {
            return Ok(Err(match refusal {
                VersionRefusal::Unknown => ItemError::Undecryptable,
                VersionRefusal::Trimmed => ItemError::VersionTrimmed,
                VersionRefusal::Retired => ItemError::VersionRetired,
            }));
        }
        // A version item gone although the key's item still counts it: a trim raced this read.
        Ok(self.get(version).await?.ok_or(ItemError::VersionTrimmed))
    }

    async fn get(&mut self, version: u32) -> Result<Option<DataKey>, NamedKeyError> {
        if let Some(known) = self.unwrapped.get(&version) {
            return Ok(known.clone());
        }
        let wrapped = if version == self.key.latest_version {
            Some(self.key.latest_wrapped.clone())
        } else {
            let item = self
                .service
                .table
                .get(&schema::named_key_version(&self.key.id, version))
                .await?;
            item.map(|item| WrappedVersion::from_item(&item))
                .transpose()?
                .map(|v| v.wrapped)
        };
        let key = match wrapped {
            Some(wrapped) => Some(
                self.service
                    .keys
                    .unwrap_data_key(
                        &wrapped,
                        &data_key_context(&self.key.org_id, &self.key.id, version),
                    )
                    .await?,
            ),
            None => None,
        };
        self.unwrapped.insert(version, key.clone());
        Ok(key)
    }
}
