//! A table whose calls pass through a hook first: tests put a rival writer, a spy or a gate in
//! front of a real backend by overriding only the calls they care about (every other call goes
//! straight through), instead of each writing out the whole trait again.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Condition, Cursor, Item, Key, Page, Query, StoreError, Sweep, Table, TxOp};

/// What a [`Hooked`] table does with each call; by default, hands it to `inner` unchanged.
#[async_trait]
pub trait TableHook: Send + Sync + std::fmt::Debug + 'static {
    async fn get(&self, inner: &dyn Table, key: &Key) -> Result<Option<Item>, StoreError> {
        inner.get(key).await
    }

    async fn put(
        &self,
        inner: &dyn Table,
        item: Item,
        condition: Condition,
    ) -> Result<(), StoreError> {
        inner.put(item, condition).await
    }

    async fn delete(
        &self,
        inner: &dyn Table,
        key: &Key,
        condition: Condition,
    ) -> Result<(), StoreError> {
        inner.delete(key, condition).await
    }

    async fn query(&self, inner: &dyn Table, query: &Query) -> Result<Page, StoreError> {
        inner.query(query).await
    }

    async fn transact(&self, inner: &dyn Table, ops: Vec<TxOp>) -> Result<(), StoreError> {
        inner.transact(ops).await
    }

    async fn increment(
        &self,
        inner: &dyn Table,
        key: &Key,
        by: i64,
        expires_at: i64,
    ) -> Result<i64, StoreError> {
        inner.increment(key, by, expires_at).await
    }

    async fn sweep_expired(
        &self,
        inner: &dyn Table,
        limit: usize,
        from: Option<&Cursor>,
    ) -> Result<Sweep, StoreError> {
        inner.sweep_expired(limit, from).await
    }

    async fn ping(&self, inner: &dyn Table) -> Result<(), StoreError> {
        inner.ping().await
    }
}

/// `inner` with every call going through `hook`.
#[derive(Debug)]
pub struct Hooked<H> {
    inner: Arc<dyn Table>,
    hook: H,
}

impl<H: TableHook> Hooked<H> {
    pub fn new(inner: Arc<dyn Table>, hook: H) -> Self {
        Self { inner, hook }
    }

    /// The hook (to read what a spy saw).
    pub fn hook(&self) -> &H {
        &self.hook
    }
}

#[async_trait]
impl<H: TableHook> Table for Hooked<H> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.hook.get(&*self.inner, key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.hook.put(&*self.inner, item, condition).await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.hook.delete(&*self.inner, key, condition).await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.hook.query(&*self.inner, query).await
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        self.hook.transact(&*self.inner, ops).await
    }

    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        self.hook.increment(&*self.inner, key, by, expires_at).await
    }

    async fn sweep_expired(
        &self,
        limit: usize,
        from: Option<&Cursor>,
    ) -> Result<Sweep, StoreError> {
        self.hook.sweep_expired(&*self.inner, limit, from).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.hook.ping(&*self.inner).await
    }
}
