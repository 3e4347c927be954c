use std::sync::Arc;

use async_trait::async_trait;

use super::Faulty;
use crate::blobs::{Blob, BlobError, BlobInfo, BlobPage, Blobs, PresignRequest, PresignedUrl};

#[async_trait]
impl Blobs for Faulty<Arc<dyn Blobs>> {
    async fn put(&self, key: &str, blob: Blob) -> Result<(), BlobError> {
        self.before().await.map_err(BlobError::backend)?;
        self.inner.put(key, blob).await
    }

    async fn get(&self, key: &str) -> Result<Blob, BlobError> {
        self.before().await.map_err(BlobError::backend)?;
        self.inner.get(key).await
    }

    async fn head(&self, key: &str) -> Result<BlobInfo, BlobError> {
        self.before().await.map_err(BlobError::backend)?;
        self.inner.head(key).await
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        self.before().await.map_err(BlobError::backend)?;
        self.inner.delete(key).await
    }

    async fn list(
        &self,
        prefix: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<BlobPage, BlobError> {
        self.before().await.map_err(BlobError::backend)?;
        self.inner.list(prefix, limit, cursor).await
    }

    async fn ping(&self) -> Result<(), BlobError> {
        self.before().await.map_err(BlobError::backend)?;
        self.inner.ping().await
    }

    async fn presign(&self, request: &PresignRequest) -> Result<PresignedUrl, BlobError> {
        self.before().await.map_err(BlobError::backend)?;
        self.inner.presign(request).await
    }
}
