//! Ports that note every call before passing it on: the table (through `store::Hooked`), the key
//! ring under the data-key cache (what KMS would bill), and the blob store. Each call is noted
//! with the AWS API it stands for, the DynamoDB capacity it would consume and the time it took
//! here (so the route's own CPU time is the rest).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use coffer_core::blobs::{
    Blob, BlobError, BlobInfo, BlobPage, Blobs, PresignRequest, PresignedUrl,
};
use coffer_core::crypto::DataKey;
use coffer_core::keys::{EncryptionContext, GeneratedKey, KeyError, KeyRing, WrappedKey};
use coffer_core::store::{
    Condition, Index, Item, Key, Page, Query, StoreError, Table, TableHook, TxOp,
};

use crate::capacity::{self, Units};

/// The AWS API a port call stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Api {
    GetItem,
    Query,
    PutItem,
    UpdateItem,
    DeleteItem,
    TransactWriteItems,
    DescribeTable,
    KmsGenerateDataKey,
    KmsDecrypt,
    KmsDescribeKey,
    S3Put,
    S3Get,
    S3Head,
    S3Delete,
    S3List,
    S3HeadBucket,
    /// Signed locally: no request.
    S3Presign,
}

impl Api {
    pub fn is_table(self) -> bool {
        self <= Self::DescribeTable
    }

    pub fn is_kms(self) -> bool {
        matches!(
            self,
            Self::KmsGenerateDataKey | Self::KmsDecrypt | Self::KmsDescribeKey
        )
    }

    pub fn is_s3_request(self) -> bool {
        !self.is_table() && !self.is_kms() && self != Self::S3Presign
    }
}

/// One call that reached a port.
#[derive(Debug, Clone)]
pub struct Call {
    pub api: Api,
    /// The items a transaction wrote or checked, or a query returned.
    pub items: usize,
    /// Which items, by the literal heads of their keys (`get ORG/MEMBER`).
    pub touched: Vec<String>,
    /// The bytes of the items read or written, as DynamoDB sizes them.
    pub bytes: usize,
    pub units: Units,
    /// When it began here, and the time it took (including the look at the old item that
    /// sizes a write).
    pub started: Instant,
    pub took: Duration,
    /// When the call began and ended, in the tally's own order of events: calls whose spans
    /// overlap were in flight together (`try_join!`), so they cost one round trip, not two.
    pub span: (u64, u64),
}

/// Every call since the last `take`.
#[derive(Debug, Default)]
pub struct Tally {
    calls: Mutex<Vec<Call>>,
    events: AtomicU64,
}

/// What a table call read or wrote.
#[derive(Default)]
struct Seen {
    items: usize,
    touched: Vec<String>,
    bytes: usize,
    units: Units,
}

/// A call under way: when it began.
struct Begun {
    at: Instant,
    seq: u64,
}

impl Tally {
    /// Starts a call. It first lets the task yield once, as a network call would, so calls a
    /// route makes together are seen in flight together (the embedded store answers at once).
    async fn begin(&self) -> Begun {
        tokio::task::yield_now().await;
        Begun {
            at: Instant::now(),
            seq: self.events.fetch_add(1, Ordering::SeqCst),
        }
    }

    fn note(&self, begun: &Begun, api: Api, seen: Seen) {
        let call = Call {
            api,
            items: seen.items,
            touched: seen.touched,
            bytes: seen.bytes,
            units: seen.units,
            started: begun.at,
            took: begun.at.elapsed(),
            span: (begun.seq, self.events.fetch_add(1, Ordering::SeqCst)),
        };
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(call);
    }

    pub fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A key part's literal head (`ORG` of `ORG#org_…`): what kind of item, without ids or digests.
fn head(part: &str) -> &str {
    let head = part.split('#').next().unwrap_or(part);
    if head.starts_with(|c: char| c.is_ascii_digit()) {
        "…"
    } else {
        head
    }
}

/// `pk`'s and `sk`'s literal heads (`ORG/MEMBER`).
pub fn kind(key: &Key) -> String {
    format!("{}/{}", head(&key.pk), head(&key.sk))
}

/// The table hook: notes each call with its capacity. Writes look at the item they replace
/// first (uncounted), since DynamoDB bills the larger of the two and index maintenance.
#[derive(Debug)]
pub struct CountingHook(pub Arc<Tally>);

/// The live item at `key` before a write, as DynamoDB would size it.
async fn before(inner: &dyn Table, key: &Key) -> Result<Option<Item>, StoreError> {
    inner.get(key).await
}

fn size(item: Option<&Item>) -> usize {
    item.map_or(0, capacity::item_size)
}

#[async_trait]
impl TableHook for CountingHook {
    async fn get(&self, inner: &dyn Table, key: &Key) -> Result<Option<Item>, StoreError> {
        let begun = self.0.begin().await;
        let found = inner.get(key).await?;
        let seen = Seen {
            items: usize::from(found.is_some()),
            touched: vec![format!("get {}", kind(key))],
            bytes: size(found.as_ref()),
            units: capacity::get(found.as_ref()),
        };
        self.0.note(&begun, Api::GetItem, seen);
        Ok(found)
    }

    async fn put(
        &self,
        inner: &dyn Table,
        item: Item,
        condition: Condition,
    ) -> Result<(), StoreError> {
        let begun = self.0.begin().await;
        let old = before(inner, &item.key).await?;
        let seen = Seen {
            items: 1,
            touched: vec![format!("put {}", kind(&item.key))],
            bytes: size(Some(&item)),
            units: capacity::write(old.as_ref(), Some(&item), 1.0),
        };
        let result = inner.put(item, condition).await;
        self.0.note(&begun, Api::PutItem, seen);
        result
    }

    async fn delete(
        &self,
        inner: &dyn Table,
        key: &Key,
        condition: Condition,
    ) -> Result<(), StoreError> {
        let begun = self.0.begin().await;
        let old = before(inner, key).await?;
        let result = inner.delete(key, condition).await;
        let seen = Seen {
            items: 1,
            touched: vec![format!("delete {}", kind(key))],
            bytes: size(old.as_ref()),
            units: capacity::write(old.as_ref(), None, 1.0),
        };
        self.0.note(&begun, Api::DeleteItem, seen);
        result
    }

    async fn query(&self, inner: &dyn Table, query: &Query) -> Result<Page, StoreError> {
        let begun = self.0.begin().await;
        let page = inner.query(query).await?;
        let index = match query.index {
            Index::Primary => "",
            Index::Gsi1 => " (gsi1)",
        };
        let seen = Seen {
            items: page.items.len(),
            touched: vec![format!("query {}{index}", head(&query.partition))],
            bytes: page.items.iter().map(capacity::item_size).sum(),
            units: capacity::query(query.index, &page),
        };
        self.0.note(&begun, Api::Query, seen);
        Ok(page)
    }

    async fn transact(&self, inner: &dyn Table, ops: Vec<TxOp>) -> Result<(), StoreError> {
        let begun = self.0.begin().await;
        let mut seen = Seen {
            items: ops.len(),
            ..Seen::default()
        };
        for op in &ops {
            let (verb, key) = match op {
                TxOp::Put { item, .. } => ("put", &item.key),
                TxOp::Delete { key, .. } => ("delete", key),
                TxOp::Check { key, .. } => ("check", key),
                TxOp::Add { key, .. } => ("add", key),
            };
            let old = before(inner, key).await?;
            seen.units += match op {
                TxOp::Put { item, .. } => {
                    seen.bytes += capacity::item_size(item);
                    capacity::write(old.as_ref(), Some(item), 2.0)
                }
                TxOp::Delete { .. } => capacity::write(old.as_ref(), None, 2.0),
                TxOp::Check { .. } => capacity::transactional_check(old.as_ref()),
                TxOp::Add { .. } => capacity::counter_update(old.as_ref(), 2.0),
            };
            seen.touched.push(format!("{verb} {}", kind(key)));
        }
        seen.touched.sort_unstable();
        let result = inner.transact(ops).await;
        self.0.note(&begun, Api::TransactWriteItems, seen);
        result
    }

    async fn increment(
        &self,
        inner: &dyn Table,
        key: &Key,
        by: i64,
        expires_at: i64,
    ) -> Result<i64, StoreError> {
        let begun = self.0.begin().await;
        let old = before(inner, key).await?;
        let result = inner.increment(key, by, expires_at).await;
        let seen = Seen {
            items: 1,
            touched: vec![format!("update {}", kind(key))],
            bytes: size(old.as_ref()),
            units: capacity::counter_update(old.as_ref(), 1.0),
        };
        self.0.note(&begun, Api::UpdateItem, seen);
        result
    }

    async fn ping(&self, inner: &dyn Table) -> Result<(), StoreError> {
        let begun = self.0.begin().await;
        let result = inner.ping().await;
        let seen = Seen {
            touched: vec!["describe table".into()],
            ..Seen::default()
        };
        self.0.note(&begun, Api::DescribeTable, seen);
        result
    }
}

/// The key ring under the data-key cache: every call here is one KMS request on AWS.
#[derive(Debug)]
pub struct CountingRing {
    pub inner: Arc<dyn KeyRing>,
    pub tally: Arc<Tally>,
}

impl CountingRing {
    fn note(&self, begun: &Begun, api: Api) {
        self.tally.note(begun, api, Seen::default());
    }
}

#[async_trait]
impl KeyRing for CountingRing {
    async fn generate_data_key(
        &self,
        context: &EncryptionContext,
    ) -> Result<GeneratedKey, KeyError> {
        let begun = self.tally.begin().await;
        let result = self.inner.generate_data_key(context).await;
        self.note(&begun, Api::KmsGenerateDataKey);
        result
    }

    async fn unwrap_data_key(
        &self,
        wrapped: &WrappedKey,
        context: &EncryptionContext,
    ) -> Result<DataKey, KeyError> {
        let begun = self.tally.begin().await;
        let result = self.inner.unwrap_data_key(wrapped, context).await;
        self.note(&begun, Api::KmsDecrypt);
        result
    }

    async fn ping(&self) -> Result<(), KeyError> {
        let begun = self.tally.begin().await;
        let result = self.inner.ping().await;
        self.note(&begun, Api::KmsDescribeKey);
        result
    }
}

/// The blob store: every call but `presign` is one S3 request on AWS.
#[derive(Debug)]
pub struct CountingBlobs {
    pub inner: Arc<dyn Blobs>,
    pub tally: Arc<Tally>,
}

impl CountingBlobs {
    fn note(&self, begun: &Begun, api: Api) {
        self.tally.note(begun, api, Seen::default());
    }
}

#[async_trait]
impl Blobs for CountingBlobs {
    async fn put(&self, key: &str, blob: Blob) -> Result<(), BlobError> {
        let begun = self.tally.begin().await;
        let result = self.inner.put(key, blob).await;
        self.note(&begun, Api::S3Put);
        result
    }

    async fn get(&self, key: &str) -> Result<Blob, BlobError> {
        let begun = self.tally.begin().await;
        let result = self.inner.get(key).await;
        self.note(&begun, Api::S3Get);
        result
    }

    async fn head(&self, key: &str) -> Result<BlobInfo, BlobError> {
        let begun = self.tally.begin().await;
        let result = self.inner.head(key).await;
        self.note(&begun, Api::S3Head);
        result
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let begun = self.tally.begin().await;
        let result = self.inner.delete(key).await;
        self.note(&begun, Api::S3Delete);
        result
    }

    async fn list(
        &self,
        prefix: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<BlobPage, BlobError> {
        let begun = self.tally.begin().await;
        let result = self.inner.list(prefix, limit, cursor).await;
        self.note(&begun, Api::S3List);
        result
    }

    async fn ping(&self) -> Result<(), BlobError> {
        let begun = self.tally.begin().await;
        let result = self.inner.ping().await;
        self.note(&begun, Api::S3HeadBucket);
        result
    }

    async fn presign(&self, request: &PresignRequest) -> Result<PresignedUrl, BlobError> {
        let begun = self.tally.begin().await;
        let result = self.inner.presign(request).await;
        self.note(&begun, Api::S3Presign);
        result
    }
}
