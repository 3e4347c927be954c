//! A table that notes the key of every item a write stored, so that after a run the checks can
//! visit everything the faulty app wrote — also what no reply acknowledged — on either backend.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use coffer_core::store::{
    Condition, Cursor, Item, Key, Page, Query, StoreError, Sweep, Table, TxOp,
};

#[derive(Debug)]
pub struct Ledger {
    inner: Arc<dyn Table>,
    written: Mutex<BTreeSet<Key>>,
}

impl Ledger {
    pub fn over(inner: Arc<dyn Table>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            written: Mutex::new(BTreeSet::new()),
        })
    }

    /// Every key a successful write put an item at.
    pub fn written(&self) -> Vec<Key> {
        self.written.lock().unwrap().iter().cloned().collect()
    }

    /// The ids of the written items of one kind: those whose partition or sort key names, after
    /// its first `#`, an id `parse` reads, and whose key is `key_of` that id.
    pub fn items_of<T>(
        &self,
        parse: impl Fn(&str) -> Option<T>,
        key_of: impl Fn(&T) -> Key,
    ) -> Vec<T> {
        self.written()
            .into_iter()
            .filter_map(|key| {
                [&key.pk, &key.sk].into_iter().find_map(|part| {
                    let (_, rest) = part.split_once('#')?;
                    let id = parse(rest)?;
                    (key_of(&id) == key).then_some(id)
                })
            })
            .collect()
    }

    fn note(&self, keys: impl IntoIterator<Item = Key>) {
        self.written.lock().unwrap().extend(keys);
    }
}

#[async_trait]
impl Table for Ledger {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let key = item.key.clone();
        self.inner.put(item, condition).await?;
        self.note([key]);
        Ok(())
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        let keys: Vec<Key> = ops
            .iter()
            .filter_map(|op| match op {
                TxOp::Put { item, .. } => Some(item.key.clone()),
                TxOp::Add { key, .. } => Some(key.clone()),
                TxOp::Delete { .. } | TxOp::Check { .. } => None,
            })
            .collect();
        self.inner.transact(ops).await?;
        self.note(keys);
        Ok(())
    }

    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        self.inner.increment(key, by, expires_at).await
    }

    async fn sweep_expired(
        &self,
        limit: usize,
        from: Option<&Cursor>,
    ) -> Result<Sweep, StoreError> {
        self.inner.sweep_expired(limit, from).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}
