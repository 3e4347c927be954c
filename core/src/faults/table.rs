use std::sync::Arc;

use async_trait::async_trait;

use super::Faulty;
use crate::store::{Condition, Cursor, Item, Key, Page, Query, StoreError, Sweep, Table, TxOp};

#[async_trait]
impl Table for Faulty<Arc<dyn Table>> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.before().await.map_err(StoreError::backend)?;
        self.inner.get(key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.before().await.map_err(StoreError::backend)?;
        self.inner.put(item, condition).await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.before().await.map_err(StoreError::backend)?;
        self.inner.delete(key, condition).await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.before().await.map_err(StoreError::backend)?;
        self.inner.query(query).await
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        self.before().await.map_err(StoreError::backend)?;
        self.inner.transact(ops).await
    }

    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        self.before().await.map_err(StoreError::backend)?;
        self.inner.increment(key, by, expires_at).await
    }

    async fn sweep_expired(
        &self,
        limit: usize,
        from: Option<&Cursor>,
    ) -> Result<Sweep, StoreError> {
        self.before().await.map_err(StoreError::backend)?;
        self.inner.sweep_expired(limit, from).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.before().await.map_err(StoreError::backend)?;
        self.inner.ping().await
    }
}
