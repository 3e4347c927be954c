//! A table that notes every call before passing it on: each as `verb KIND`, where `KIND` is the
//! literal head of the partition key (`EMAIL`, `USER`, `RATE`, …), and a transaction as its
//! writes, sorted. Tests compare two requests' calls to show they cost the same.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use coffer_core::store::{
    Condition, Cursor, Item, Key, Page, Query, StoreError, Sweep, Table, TxOp,
};

#[derive(Debug)]
pub struct RecordingTable {
    inner: Arc<dyn Table>,
    calls: Mutex<Vec<String>>,
}

/// What kind of item a partition key names, without its digest or id.
fn kind(pk: &str) -> &str {
    pk.split('#').next().unwrap_or(pk)
}

fn write(op: &TxOp) -> String {
    match op {
        TxOp::Put { item, .. } => format!("put {}", kind(&item.key.pk)),
        TxOp::Delete { key, .. } => format!("delete {}", kind(&key.pk)),
        TxOp::Check { key, .. } => format!("check {}", kind(&key.pk)),
        TxOp::Add { key, .. } => format!("add {}", kind(&key.pk)),
    }
}

impl RecordingTable {
    pub fn over(inner: Arc<dyn Table>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            calls: Mutex::new(Vec::new()),
        })
    }

    fn note(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    /// The calls noted since the last `take`.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

#[async_trait]
impl Table for RecordingTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.note(format!("get {}", kind(&key.pk)));
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.note(format!("put {}", kind(&item.key.pk)));
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.note(format!("delete {}", kind(&key.pk)));
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.note(format!(
            "query {:?} {} limit {}",
            query.index,
            kind(&query.partition),
            query.limit
        ));
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        let mut writes: Vec<String> = ops.iter().map(write).collect();
        writes.sort_unstable();
        self.note(format!("transact {}", writes.join(",")));
        self.inner.transact(ops).await
    }
    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        self.note(format!("increment {}", kind(&key.pk)));
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
