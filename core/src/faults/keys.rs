use std::sync::Arc;

use async_trait::async_trait;

use super::Faulty;
use crate::crypto::DataKey;
use crate::keys::{EncryptionContext, GeneratedKey, KeyError, KeyRing, WrappedKey};

#[async_trait]
impl KeyRing for Faulty<Arc<dyn KeyRing>> {
    async fn generate_data_key(
        &self,
        context: &EncryptionContext,
    ) -> Result<GeneratedKey, KeyError> {
        self.before().await.map_err(KeyError::backend)?;
        self.inner.generate_data_key(context).await
    }

    async fn unwrap_data_key(
        &self,
        wrapped: &WrappedKey,
        context: &EncryptionContext,
    ) -> Result<DataKey, KeyError> {
        self.before().await.map_err(KeyError::backend)?;
        self.inner.unwrap_data_key(wrapped, context).await
    }

    async fn ping(&self) -> Result<(), KeyError> {
        self.before().await.map_err(KeyError::backend)?;
        self.inner.ping().await
    }
}
