//! A table hook in front of the real backend that watches the one protection a race relies on
//! (the conditional writes on the keys it names) and, for the suite's self-check, can take it
//! away.
//!
//! - It counts the writes that reached the protected keys and how many of them their condition
//!   refused: every refusal is an attempt that, without the condition, would have been written.
//! - With `COFFER_RACES_UNGUARDED=1`, conditions on the protected keys are dropped (a put or
//!   delete becomes unconditional, a check always holds, a counter's bounds are lifted), so every
//!   race in the suite must then fail: that is how the suite shows its tests can fail.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use coffer_core::store::{Bounds, Condition, Item, Key, StoreError, Table, TableHook, TxOp};

/// Which writes carry the race's protection.
#[derive(Clone, Copy)]
pub enum Protection {
    /// Conditions (must-not-exist, version, must-exist) on items whose key `matches`.
    Conditions(fn(&Key) -> bool),
    /// The bounds of counters (`Add`) whose key `matches`.
    Bounds(fn(&Key) -> bool),
}

impl Protection {
    fn guards(self, op: &TxOp) -> bool {
        match (self, op) {
            (Self::Bounds(matches), TxOp::Add { key, bounds, .. }) => {
                matches(key) && *bounds != Bounds::NONE
            }
            (Self::Conditions(_), TxOp::Put { item, condition }) => {
                self.guards_condition(&item.key, *condition)
            }
            (
                Self::Conditions(_),
                TxOp::Delete { key, condition } | TxOp::Check { key, condition },
            ) => self.guards_condition(key, *condition),
            _ => false,
        }
    }

    /// Whether a put or delete of `key` under `condition` carries the protection.
    fn guards_condition(self, key: &Key, condition: Condition) -> bool {
        matches!(self, Self::Conditions(matches) if matches(key)) && condition != Condition::None
    }

    /// `op` without its protection.
    fn strip(op: TxOp) -> TxOp {
        match op {
            TxOp::Put { item, .. } => TxOp::Put {
                item,
                condition: Condition::None,
            },
            TxOp::Delete { key, .. } => TxOp::Delete {
                key,
                condition: Condition::None,
            },
            TxOp::Check { key, .. } => TxOp::Check {
                key,
                condition: Condition::None,
            },
            TxOp::Add {
                key, attribute, by, ..
            } => TxOp::Add {
                key,
                attribute,
                by,
                bounds: Bounds::NONE,
            },
        }
    }
}

/// What the hook saw, shared with the test.
#[derive(Debug, Default)]
pub struct Watch {
    /// Writes (transactions or single puts and deletes) that carried the protection.
    pub reached: AtomicUsize,
    /// Of those, the ones the protection refused.
    pub refused: AtomicUsize,
}

impl Watch {
    pub fn figures(&self) -> (usize, usize) {
        (
            self.reached.load(Ordering::Relaxed),
            self.refused.load(Ordering::Relaxed),
        )
    }
}

/// Whether this run takes the protections away (`COFFER_RACES_UNGUARDED=1`).
pub fn unguarded() -> bool {
    std::env::var("COFFER_RACES_UNGUARDED").is_ok_and(|v| v == "1")
}

pub struct Guard {
    protection: Protection,
    unguarded: bool,
    pub watch: Arc<Watch>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("unguarded", &self.unguarded)
            .finish_non_exhaustive()
    }
}

impl Guard {
    pub fn new(protection: Protection) -> Self {
        Self {
            protection,
            unguarded: unguarded(),
            watch: Arc::default(),
        }
    }

    /// `condition`, unless this run takes the protections away.
    fn kept(&self, condition: Condition) -> Condition {
        if self.unguarded {
            Condition::None
        } else {
            condition
        }
    }

    fn noted(&self, result: Result<(), StoreError>) -> Result<(), StoreError> {
        self.watch.reached.fetch_add(1, Ordering::Relaxed);
        if matches!(
            result,
            Err(StoreError::ConditionFailed
                | StoreError::TransactionFailed { .. }
                | StoreError::Conflict)
        ) {
            self.watch.refused.fetch_add(1, Ordering::Relaxed);
        }
        result
    }
}

#[async_trait]
impl TableHook for Guard {
    async fn put(
        &self,
        inner: &dyn Table,
        item: Item,
        condition: Condition,
    ) -> Result<(), StoreError> {
        if !self.protection.guards_condition(&item.key, condition) {
            return inner.put(item, condition).await;
        }
        let condition = self.kept(condition);
        self.noted(inner.put(item, condition).await)
    }

    async fn delete(
        &self,
        inner: &dyn Table,
        key: &Key,
        condition: Condition,
    ) -> Result<(), StoreError> {
        if !self.protection.guards_condition(key, condition) {
            return inner.delete(key, condition).await;
        }
        let condition = self.kept(condition);
        self.noted(inner.delete(key, condition).await)
    }

    async fn transact(&self, inner: &dyn Table, ops: Vec<TxOp>) -> Result<(), StoreError> {
        if !ops.iter().any(|op| self.protection.guards(op)) {
            return inner.transact(ops).await;
        }
        let ops = if self.unguarded {
            ops.into_iter()
                .map(|op| {
                    if self.protection.guards(&op) {
                        Protection::strip(op)
                    } else {
                        op
                    }
                })
                .collect()
        } else {
            ops
        };
        self.noted(inner.transact(ops).await)
    }
}
