//! The cleanup lease: the dataset purge and the orphan scan delete blobs, and a blob's delete
//! cannot say whether it removed anything, so those two run under one lease at a time. The
//! lease is an item put only where none lives; its random version names the holder (the
//! release is conditional on it) and it expires when the holder's invocation ends, so a run
//! that died holding it only delays the next one.

use std::time::Duration;

use crate::store::{Condition, Item, StoreError, Table, schema};

/// A lease this run holds.
#[derive(Debug)]
pub(super) struct Lease {
    token: u64,
}

impl Lease {
    /// Takes the lease until `for_at_most` from `now_unix` (and a second more), unless another
    /// run holds it.
    pub async fn acquire(
        table: &dyn Table,
        now_unix: i64,
        for_at_most: Duration,
    ) -> Result<Option<Self>, StoreError> {
        // A whole number both backends store exactly (JSON numbers are exact to 2^53).
        let token = fastrand::u64(1..1 << 53);
        let seconds = i64::try_from(for_at_most.as_secs()).unwrap_or(i64::MAX);
        let until = now_unix.saturating_add(seconds).saturating_add(1);
        let item = Item::new(schema::cleanup_lease())
            .with_version(token)
            .with_expiry(until);
        match table.put(item, Condition::MustNotExist).await {
            Ok(()) => Ok(Some(Self { token })),
            Err(StoreError::ConditionFailed) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Gives the lease back (if it is still this run's: it may have expired and been taken).
    pub async fn release(self, table: &dyn Table) {
        match table
            .delete(
                &schema::cleanup_lease(),
                Condition::VersionEquals(self.token),
            )
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => {}
            // It expires on its own.
            Err(err) => tracing::warn!(error = %err, "the cleanup lease could not be released"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::sqlite::SqliteTable;
    use crate::{Clock, ManualClock};

    #[tokio::test]
    async fn one_run_holds_the_lease_until_it_gives_it_back_or_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::starting_now();
        let table = SqliteTable::open(
            dir.path().join("t.sqlite3"),
            clock.clone() as Arc<dyn Clock>,
        )
        .unwrap();
        let minute = Duration::from_secs(60);
        let first = Lease::acquire(&table, clock.unix(), minute).await.unwrap();
        assert!(first.is_some());
        assert!(
            Lease::acquire(&table, clock.unix(), minute)
                .await
                .unwrap()
                .is_none(),
            "held"
        );
        first.unwrap().release(&table).await;
        let second = Lease::acquire(&table, clock.unix(), minute).await.unwrap();
        assert!(second.is_some(), "given back");

        // The holder died: its lease expires, and its late release takes nothing from the next.
        clock.advance(time::Duration::seconds(62));
        let third = Lease::acquire(&table, clock.unix(), minute).await.unwrap();
        assert!(third.is_some(), "expired");
        second.unwrap().release(&table).await;
        assert!(
            Lease::acquire(&table, clock.unix(), minute)
                .await
                .unwrap()
                .is_none(),
            "still the third's"
        );
    }
}
