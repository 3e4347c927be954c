//! The audited unit of work: the writes of one change and the audit events that record it, in
//! one transaction, with failed conditions mapped to the domain's errors and optimistic
//! concurrency retried. So no change goes unaudited, no event records a change that did not
//! happen, and a service method reads as the rule it enforces.
//!
//! ```ignore
//! retrying(|| async move {
//!     let org = orgs.get(...).await?;                     // fresh reads each round
//!     Change::new(audit.scoped_event(at, "orgs.vault.create", origin)?)
//!         .put_or(vault_item, Condition::MustNotExist, OrgError::NameTaken)
//!         .add_or(schema::org_counters(&org), "vaults", 1, Bounds::at_most(limit), OrgError::TierLimit)
//!         .commit(&*table)
//!         .await
//! })
//! .await
//! ```

use std::time::Duration;

use super::{AuditEvent, chain};
use crate::ids::OrgId;
use crate::store::{Bounds, Condition, Item, Key, StoreError, Table, TxOp, schema};

/// Rounds of read-then-write before a change gives up as a conflict.
pub const ATTEMPTS: usize = 8;

/// Why a change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError<E> {
    /// A rule the change's conditions enforce refused it (the error its op was given).
    #[error("the change was refused")]
    Refused(E),
    /// Another writer got there first and no rule was broken: read again and retry.
    #[error("the records changed while the change was made")]
    Conflict,
    #[error(transparent)]
    Store(StoreError),
}

impl<E> From<StoreError> for ChangeError<E> {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}

/// One change: its writes (each with the error a failed condition means) and its events.
#[derive(Debug)]
pub struct Change<E> {
    ops: Vec<TxOp>,
    refusals: Vec<Option<E>>,
    events: Vec<AuditEvent>,
}

impl<E> Change<E> {
    /// A change recorded by `event`.
    pub fn new(event: AuditEvent) -> Self {
        Self {
            ops: Vec::new(),
            refusals: Vec::new(),
            events: vec![event],
        }
    }

    /// A further event in the same transaction (a login that also ends the oldest session).
    pub fn also(mut self, event: AuditEvent) -> Self {
        self.events.push(event);
        self
    }

    fn push(mut self, op: TxOp, refusal: Option<E>) -> Self {
        self.ops.push(op);
        self.refusals.push(refusal);
        self
    }

    /// A write whose failed condition means a conflict (read again and retry).
    pub fn op(self, op: TxOp) -> Self {
        self.push(op, None)
    }

    /// Writes whose failed conditions mean a conflict.
    pub fn ops(mut self, ops: impl IntoIterator<Item = TxOp>) -> Self {
        for op in ops {
            self = self.push(op, None);
        }
        self
    }

    /// A write whose failed condition means `refusal`.
    pub fn op_or(self, op: TxOp, refusal: E) -> Self {
        self.push(op, Some(refusal))
    }

    pub fn put(self, item: Item, condition: Condition) -> Self {
        self.op(TxOp::Put { item, condition })
    }

    pub fn put_or(self, item: Item, condition: Condition, refusal: E) -> Self {
        self.op_or(TxOp::Put { item, condition }, refusal)
    }

    pub fn delete(self, key: Key, condition: Condition) -> Self {
        self.op(TxOp::Delete { key, condition })
    }

    pub fn delete_or(self, key: Key, condition: Condition, refusal: E) -> Self {
        self.op_or(TxOp::Delete { key, condition }, refusal)
    }

    /// Requires `condition` of another item without writing it.
    pub fn check_or(self, key: Key, condition: Condition, refusal: E) -> Self {
        self.op_or(TxOp::Check { key, condition }, refusal)
    }

    /// Requires `org` live, else `refusal`: deleting an org removes its owner count (which a
    /// live org always has), so a change that adds to an org fails for a deleted one however
    /// it raced the deletion.
    pub fn org_is_live_or(self, org: &OrgId, refusal: E) -> Self {
        self.check_or(schema::org_owner_count(org), Condition::MustExist, refusal)
    }

    /// Adds to a counter with no bound.
    pub fn add(self, key: Key, attribute: &'static str, by: i64) -> Self {
        self.op(TxOp::Add {
            key,
            attribute,
            by,
            bounds: Bounds::NONE,
        })
    }

    /// Adds to a counter that must stay inside `bounds`, else `refusal`.
    pub fn add_or(
        self,
        key: Key,
        attribute: &'static str,
        by: i64,
        bounds: Bounds,
        refusal: E,
    ) -> Self {
        self.op_or(
            TxOp::Add {
                key,
                attribute,
                by,
                bounds,
            },
            refusal,
        )
    }

    /// How many writes the change holds so far (events not counted).
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Writes everything in one transaction: the change's writes, then each event as the next
    /// link of its shard's chain with the shard head moved (conditional on the head read just
    /// before). A failed condition that was given an error answers the first such error (in
    /// the order the writes were added); any other failed condition of the change's own writes
    /// is [`ChangeError::Conflict`]. When only a head moved under it (another process appended
    /// to the same shard), the links are made again on the new head and the write retried here:
    /// the change's own conditions are checked again by that write, so nothing is re-read.
    pub async fn commit(self, table: &dyn Table) -> Result<(), ChangeError<E>> {
        let Self {
            ops,
            refusals,
            events,
        } = self;
        let _appending = chain::lock_shards(&events).await;
        let own = ops.len();
        let started = std::time::Instant::now();
        let mut appends = 0;
        loop {
            appends += 1;
            // A head that moved means another writer's append went through: the chain makes
            // progress, so a head-only conflict is retried for a while, not a number of times
            // (on a loaded machine a burst of writers can move one head more often than that).
            let again = appends < CHAIN_ATTEMPTS || started.elapsed() < CHAIN_PATIENCE;
            let mut all = Vec::with_capacity(own + events.len() * 5);
            all.extend(ops.iter().cloned());
            all.extend(chain::append_ops(table, &events).await?);
            match table.transact(all).await {
                Ok(()) => return Ok(()),
                Err(StoreError::TransactionFailed { failed })
                    if failed.iter().all(|index| *index >= own) && again =>
                {
                    jitter(appends).await;
                }
                // DynamoDB's TransactionConflict: another transaction held an item; nothing
                // was written, and the same write may simply be made again.
                Err(StoreError::Conflict) if again => jitter(appends).await,
                Err(StoreError::TransactionFailed { mut failed }) => {
                    failed.sort_unstable();
                    let first = refusals
                        .into_iter()
                        .enumerate()
                        .filter(|(index, _)| failed.binary_search(index).is_ok())
                        .find_map(|(_, refusal)| refusal);
                    return Err(first.map_or(ChangeError::Conflict, ChangeError::Refused));
                }
                Err(StoreError::Conflict | StoreError::ConditionFailed) => {
                    return Err(ChangeError::Conflict);
                }
                Err(other) => return Err(ChangeError::Store(other)),
            }
        }
    }
}

/// Rounds of appending to a chain whose head other writers keep moving, at the least...
const CHAIN_ATTEMPTS: usize = 16;

/// ...and for at least this long: every lost round is another writer's append.
const CHAIN_PATIENCE: Duration = Duration::from_secs(5);

async fn jitter(attempt: usize) {
    let ceiling = 1u64 << attempt.min(6);
    tokio::time::sleep(Duration::from_millis(fastrand::u64(0..=ceiling))).await;
}

/// Makes a layer's error enum take a change's outcome (`?` on [`Change::commit`]: a refusal is
/// the layer's own error, a conflict its "changed meanwhile" variant, a store error its `Store`
/// variant) and tell [`retrying`] which of its values is that conflict. One line per layer
/// instead of the same two impls in each.
macro_rules! change_error {
    ($error:ty, $conflict:expr, $is_conflict:pat) => {
        impl From<$crate::audit::ChangeError<$error>> for $error {
            fn from(err: $crate::audit::ChangeError<$error>) -> Self {
                match err {
                    $crate::audit::ChangeError::Refused(refusal) => refusal,
                    $crate::audit::ChangeError::Conflict => $conflict,
                    $crate::audit::ChangeError::Store(store) => Self::Store(store),
                }
            }
        }

        impl $crate::audit::Conflicted for $error {
            fn is_conflict(&self) -> bool {
                matches!(self, $is_conflict)
            }
        }
    };
}
pub(crate) use change_error;

/// An error that may only mean "another writer got there first".
pub trait Conflicted {
    fn is_conflict(&self) -> bool;
}

impl<E> Conflicted for ChangeError<E> {
    fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict)
    }
}

/// Runs `round` (fresh reads, then a [`Change`]) until it commits, a rule refuses it, or
/// [`ATTEMPTS`] rounds lost their race (the last conflict is returned); waits a little, with
/// jitter, between rounds so that racing writers spread out.
///
/// `round` is a plain closure returning a future (`|| async move { ... }` over references), not
/// an async closure: handler futures must be `Send` for every lifetime, which async closures'
/// futures cannot yet promise.
pub async fn retrying<T, E, F, Fut>(mut round: F) -> Result<T, E>
where
    E: Conflicted,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match round().await {
            Err(err) if err.is_conflict() && attempt < ATTEMPTS => {
                let ceiling = 2u64 << attempt.min(6);
                tokio::time::sleep(Duration::from_millis(fastrand::u64(1..=ceiling))).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::audit::{AuditSink, Outcome, PLATFORM_SCOPE, RequestOrigin};
    use crate::store::sqlite::SqliteTable;
    use crate::{Clock, ManualClock};

    #[derive(Debug, PartialEq)]
    enum Rule {
        Taken,
        Full,
    }

    fn setup() -> (Arc<dyn Table>, AuditSink, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let clock: Arc<dyn Clock> = ManualClock::starting_now();
        let table: Arc<dyn Table> =
            Arc::new(SqliteTable::open(dir.path().join("t.sqlite3"), Arc::clone(&clock)).unwrap());
        let audit = AuditSink::new(Arc::clone(&table), clock);
        (table, audit, dir)
    }

    fn event(audit: &AuditSink) -> AuditEvent {
        audit
            .event(
                "orgs.vault.create",
                Outcome::Success,
                &RequestOrigin::default(),
            )
            .unwrap()
    }

    #[tokio::test]
    async fn a_change_writes_its_ops_and_its_event_together() {
        let (table, audit, _dir) = setup();
        let event = event(&audit);
        Change::<Rule>::new(event.clone())
            .put(Item::new(Key::new("A", "1")), Condition::MustNotExist)
            .add(Key::new("A", "COUNTERS"), "n", 1)
            .commit(&*table)
            .await
            .unwrap();
        assert!(table.get(&Key::new("A", "1")).await.unwrap().is_some());
        let events = audit.recent(PLATFORM_SCOPE, 10).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].id, event.id);
    }

    #[tokio::test]
    async fn a_failed_rule_answers_its_error_and_writes_nothing_not_even_the_event() {
        let (table, audit, _dir) = setup();
        table
            .put(Item::new(Key::new("A", "1")), Condition::None)
            .await
            .unwrap();
        let event = event(&audit);
        let err = Change::new(event.clone())
            .add_or(
                Key::new("A", "COUNTERS"),
                "n",
                1,
                Bounds::at_most(Some(0)),
                Rule::Full,
            )
            .put_or(
                Item::new(Key::new("A", "1")),
                Condition::MustNotExist,
                Rule::Taken,
            )
            .commit(&*table)
            .await
            .unwrap_err();
        // Both failed; the first added wins.
        assert!(matches!(err, ChangeError::Refused(Rule::Full)), "{err:?}");
        assert!(audit.recent(PLATFORM_SCOPE, 10).await.unwrap().is_empty());
        assert!(
            table
                .get(&Key::new("A", "COUNTERS"))
                .await
                .unwrap()
                .is_none()
        );
    }

    /// Another process: before each of the first `times` transactions, it appends an event to
    /// the shard the change writes to, so the head the change read has moved.
    #[derive(Debug)]
    struct Interloper {
        audit: AuditSink,
        shard: u8,
        times: std::sync::atomic::AtomicUsize,
    }

    #[async_trait::async_trait]
    impl crate::store::TableHook for Interloper {
        async fn transact(&self, inner: &dyn Table, ops: Vec<TxOp>) -> Result<(), StoreError> {
            let left = self.times.load(std::sync::atomic::Ordering::SeqCst);
            if left > 0 {
                self.times
                    .store(left - 1, std::sync::atomic::Ordering::SeqCst);
                let rival = loop {
                    let candidate = event(&self.audit);
                    if chain::shard_of(&candidate.id) == self.shard {
                        break candidate;
                    }
                };
                let appended = chain::append_ops(inner, &[rival]).await?;
                inner.transact(appended).await?;
            }
            inner.transact(ops).await
        }
    }

    #[tokio::test]
    async fn a_change_commits_while_other_writers_move_its_chain_head_more_often_than_its_attempt_count()
     {
        let (table, audit, _dir) = setup();
        let change_event = event(&audit);
        let interloper = crate::store::Hooked::new(
            Arc::clone(&table),
            Interloper {
                audit: audit.clone(),
                shard: chain::shard_of(&change_event.id),
                times: std::sync::atomic::AtomicUsize::new(CHAIN_ATTEMPTS + 4),
            },
        );
        Change::<Rule>::new(change_event.clone())
            .put(Item::new(Key::new("A", "1")), Condition::MustNotExist)
            .commit(&interloper)
            .await
            .unwrap();
        assert!(table.get(&Key::new("A", "1")).await.unwrap().is_some());
        let events = audit.recent(PLATFORM_SCOPE, 100).await.unwrap();
        assert_eq!(events.len(), CHAIN_ATTEMPTS + 4 + 1);
        assert!(events.iter().any(|e| e.id == change_event.id));
    }

    #[tokio::test]
    async fn a_failed_condition_without_a_rule_is_a_conflict_that_retrying_reruns() {
        let (table, audit, _dir) = setup();
        table
            .put(
                Item::new(Key::new("A", "1")).with_version(2),
                Condition::None,
            )
            .await
            .unwrap();
        let rounds = std::sync::atomic::AtomicU64::new(0);
        let (rounds_ref, table, audit) = (&rounds, &table, &audit);
        let result: Result<(), ChangeError<Rule>> = retrying(|| async move {
            let round = rounds_ref.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            // The first round read a stale version; the second reads the current one.
            let version = if round == 1 { 1 } else { 2 };
            Change::new(event(audit))
                .put(
                    Item::new(Key::new("A", "1")).with_version(version + 1),
                    Condition::VersionEquals(version),
                )
                .commit(&**table)
                .await
        })
        .await;
        result.unwrap();
        assert_eq!(rounds.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(
            table
                .get(&Key::new("A", "1"))
                .await
                .unwrap()
                .unwrap()
                .version,
            3
        );
    }
}
