//! Rewrap: each ciphertext opened and sealed again under the key's encryption version (the
//! newest), with the same context (hashicorp/vault#31842: a rewrap that drops the associated
//! data breaks every later decrypt). The plaintext never leaves the function. Audited as a
//! decrypt is.

use super::NamedKeysService;
use super::data_keys::DataKeys;
use super::encrypt::{Buffers, Sealed, check_batch};
use crate::access::Scoped;
use crate::audit::RequestOrigin;
use crate::named_keys::version::key_ref;
use crate::named_keys::{DecryptInput, ItemError, NamedKey, NamedKeyError};

impl NamedKeysService {
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), key_id = %key.id, items = items.len()))]
    pub async fn rewrap(
        &self,
        at: &Scoped,
        key: NamedKey,
        items: &[DecryptInput],
        origin: &RequestOrigin,
    ) -> Result<Vec<Result<Sealed, ItemError>>, NamedKeyError> {
        check_batch(items.len())?;
        let key = key.visible_to(at)?;
        let target = key.encryption_version(None)?;
        let mut data_keys = DataKeys::new(self, &key);
        let target_key = data_keys.for_encrypting(target).await?;
        let target_ref = key_ref(&key.id, target);
        let mut buffers = Buffers::default();
        let mut results = Vec::with_capacity(items.len());
        for item in items {
            let rewrapped = match self.open(&key, &mut data_keys, &mut buffers, item).await? {
                Ok(_) => Ok(buffers.seal_current(&target_key, target, &target_ref)?),
                Err(refusal) => Err(refusal),
            };
            results.push(rewrapped);
        }
        self.audit_opening(at, &key, "keys.rewrap", &results, origin)
            .await?;
        Ok(results)
    }
}
