//! The Table port: Coffer's single-table model (DynamoDB on AWS, SQLite embedded).
//!
//! Every access pattern is a get, a conditional write, or a query on the primary key or on the one
//! secondary index `gsi1`. Items may carry an expiry; reads treat an expired item as absent because
//! DynamoDB's TTL removes items late (and emulators never do).

pub mod attrs;
mod cursor;
mod definition;
pub mod dynamo;
mod error;
mod hooked;
mod item;
pub mod schema;
pub mod sqlite;

use async_trait::async_trait;

pub use attrs::BadAttribute;
pub use cursor::Cursor;
pub use definition::{GSI1, TABLE_DEFINITION, TableDefinition};
pub use error::StoreError;
pub use hooked::{Hooked, TableHook};
pub use item::{Item, Key, RESERVED_ATTRIBUTES};

/// What must hold about the stored item for a write to happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Write unconditionally.
    None,
    /// No live item has this key (an expired one counts as absent).
    MustNotExist,
    /// A live item has this key.
    MustExist,
    /// A live item has this key at exactly this version (optimistic concurrency).
    VersionEquals(u64),
}

/// Which index a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// `pk` / `sk`.
    Primary,
    /// `gsi1pk` / `gsi1sk`.
    Gsi1,
}

/// Which sort keys of the partition a query returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortRange {
    All,
    /// Sort keys starting with this prefix.
    Prefix(String),
    /// Sort keys from `.0` to `.1`, both inclusive.
    Between(String, String),
}

/// A query on one partition of the primary index or of `gsi1`.
#[derive(Debug, Clone)]
pub struct Query {
    pub index: Index,
    pub partition: String,
    pub range: SortRange,
    /// At most this many items (1..=1000).
    pub limit: usize,
    /// Newest-first when sort keys are time-ordered.
    pub descending: bool,
    /// Where the previous page stopped.
    pub cursor: Option<Cursor>,
}

impl Query {
    /// All items of a partition of the primary index, ascending, 50 at a time.
    pub fn partition(pk: impl Into<String>) -> Self {
        Self {
            index: Index::Primary,
            partition: pk.into(),
            range: SortRange::All,
            limit: 50,
            descending: false,
            cursor: None,
        }
    }

    /// All items of a partition of `gsi1`.
    pub fn gsi1(gsi1pk: impl Into<String>) -> Self {
        Self {
            index: Index::Gsi1,
            ..Self::partition(gsi1pk)
        }
    }

    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.range = SortRange::Prefix(prefix.into());
        self
    }

    pub fn between(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.range = SortRange::Between(from.into(), to.into());
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.cursor = cursor;
        self
    }

    /// The largest page any backend serves.
    pub const MAX_LIMIT: usize = 1000;

    fn check(&self) -> Result<(), StoreError> {
        if self.limit == 0 || self.limit > Self::MAX_LIMIT {
            return Err(StoreError::Invalid(format!(
                "query limit must be 1..={}",
                Self::MAX_LIMIT
            )));
        }
        if self.partition.is_empty() {
            return Err(StoreError::Invalid("query partition is empty".into()));
        }
        Ok(())
    }
}

/// One page of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    /// Present when more items may follow.
    pub next_cursor: Option<Cursor>,
}

/// One write of a transaction.
#[derive(Debug, Clone)]
pub enum TxOp {
    Put {
        item: Item,
        condition: Condition,
    },
    Delete {
        key: Key,
        condition: Condition,
    },
    /// Writes nothing; only requires the condition of another item.
    Check {
        key: Key,
        condition: Condition,
    },
    /// Adds `by` to the whole-number attribute `attribute` of the item at `key` (an absent item
    /// or attribute counts as 0 and is created), keeping the item's other attributes. Fails its
    /// condition when the result would leave `bounds`: this is how counters enforce limits
    /// (tier limits, the last owner) however many writers race.
    Add {
        key: Key,
        attribute: &'static str,
        by: i64,
        bounds: Bounds,
    },
}

/// The range a counter must stay in after an [`TxOp::Add`]; `None` leaves that side open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bounds {
    pub at_least: Option<i64>,
    pub at_most: Option<i64>,
}

impl Bounds {
    /// No bound: the add always happens.
    pub const NONE: Self = Self {
        at_least: None,
        at_most: None,
    };

    pub fn at_most(limit: Option<i64>) -> Self {
        Self {
            at_least: None,
            at_most: limit,
        }
    }

    pub fn at_least(floor: i64) -> Self {
        Self {
            at_least: Some(floor),
            at_most: None,
        }
    }

    /// Whether `value` is inside.
    pub fn hold(&self, value: i64) -> bool {
        self.at_least.is_none_or(|low| value >= low)
            && self.at_most.is_none_or(|high| value <= high)
    }
}

impl TxOp {
    fn key(&self) -> &Key {
        match self {
            TxOp::Put { item, .. } => &item.key,
            TxOp::Delete { key, .. } | TxOp::Check { key, .. } | TxOp::Add { key, .. } => key,
        }
    }
}

/// What one call of [`Table::sweep_expired`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sweep {
    pub removed: usize,
    /// Where to go on; `None` when the pass is complete.
    pub resume: Option<Cursor>,
}

/// The most writes one transaction may hold (DynamoDB's limit).
pub const MAX_TRANSACTION_OPS: usize = 100;

/// The single-table store.
#[async_trait]
pub trait Table: Send + Sync + std::fmt::Debug + 'static {
    /// The live item at `key`, if any.
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;

    /// Writes `item` if `condition` holds, else [`StoreError::ConditionFailed`].
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError>;

    /// Deletes the item at `key` if `condition` holds, else [`StoreError::ConditionFailed`].
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError>;

    /// One page of live items of a partition, in sort-key order.
    async fn query(&self, query: &Query) -> Result<Page, StoreError>;

    /// All writes happen or none does; [`StoreError::TransactionFailed`] names the ops whose
    /// condition failed.
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError>;

    /// Adds `by` to the counter at `key` and returns the new value. A counter that does not
    /// exist, or has expired, starts again from zero and takes `expires_at` (Unix seconds).
    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError>;

    /// Removes up to `limit` expired items from a bounded stretch of the table that starts after
    /// `from`, and says how many went and where the next call goes on (`None`: the pass reached
    /// the end). For the cleanup function only: it may scan. One call never reads the whole
    /// table, so a caller with a deadline can stop between calls and resume later.
    async fn sweep_expired(&self, limit: usize, from: Option<&Cursor>)
    -> Result<Sweep, StoreError>;

    /// Answers when the store can serve requests (readiness).
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Checks a transaction's shape once, for every backend.
fn check_transaction(ops: &[TxOp]) -> Result<(), StoreError> {
    if ops.is_empty() || ops.len() > MAX_TRANSACTION_OPS {
        return Err(StoreError::Invalid(format!(
            "a transaction holds 1..={MAX_TRANSACTION_OPS} operations"
        )));
    }
    let mut keys: Vec<&Key> = ops.iter().map(TxOp::key).collect();
    keys.sort();
    if keys.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(StoreError::Invalid(
            "a transaction may touch each key only once".into(),
        ));
    }
    for op in ops {
        match op {
            TxOp::Put { item, .. } => item.check()?,
            TxOp::Add { key, attribute, .. } => {
                key.check()?;
                if RESERVED_ATTRIBUTES.contains(attribute) {
                    return Err(StoreError::Invalid(format!(
                        "attribute name {attribute:?} is reserved"
                    )));
                }
            }
            TxOp::Delete { key, .. } | TxOp::Check { key, .. } => key.check()?,
        }
    }
    Ok(())
}
