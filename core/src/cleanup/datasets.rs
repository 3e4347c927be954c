//! The purge of soft-deleted datasets past their retention: everything a dataset holds goes —
//! its records with their blind-index entries, its payload blobs, its key versions and jobs —
//! and last the dataset's item, in one audited change (`datasets.purge`, a system event of the
//! dataset's org). A dataset is found in the index of deleted datasets (`DELETED_DATASETS`, by
//! purge time: one query, no scan), where a soft delete (or its org's purge) put it.
//!
//! Resumable without a cursor: the dataset stays in that index until its item goes, which is
//! last, so a run that stops midway (its deadline, a failure) leaves the dataset where the next
//! run finds it again, with what was already removed gone. Safe when two runs overlap: it runs
//! under the cleanup lease, every table delete is conditional on the item still being there
//! and counted only when it removed it, and the dataset's item goes only at the revision this
//! run read (so the purge event is written once).
//!
//! Idempotency claims live in partitions named by their digest (not findable by dataset
//! without a scan); they expire after `COFFER_IDEMPOTENCY_TTL_SECONDS` and the table sweep
//! removes them.

use std::convert::Infallible;
use std::time::Instant;

use time::OffsetDateTime;

use super::CleanupError;
use crate::audit::{AuditSink, Change, ChangeError, Outcome, RequestOrigin};
use crate::backends::Ports;
use crate::ids::{DatasetId, OrgId};
use crate::store::attrs;
use crate::store::{Condition, Item, Key, Query, StoreError, Table, schema};

/// Items read per page of an index or partition.
const PAGE: usize = 100;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct DatasetsPurged {
    pub datasets: usize,
    /// Records, blind-index entries, key versions and jobs.
    pub items: usize,
    pub blobs: usize,
    pub out_of_time: bool,
}

/// Purges the deleted datasets whose purge time has come, until none is left or `end` comes.
pub(super) async fn purge_due_datasets(
    ports: &Ports,
    end: Instant,
) -> Result<DatasetsPurged, CleanupError> {
    let mut purged = DatasetsPurged::default();
    let now = ports.clock.now();
    let (from, to) = schema::deleted_datasets_due(unix_ms(now));
    let mut cursor = None;
    loop {
        if Instant::now() >= end {
            purged.out_of_time = true;
            return Ok(purged);
        }
        let page = ports
            .table
            .query(
                &Query::gsi1(schema::DELETED_DATASETS)
                    .between(from.as_str(), to.as_str())
                    .limit(PAGE)
                    .after(cursor),
            )
            .await?;
        for listed in &page.items {
            let Some(id) = listed
                .attrs
                .get("id")
                .and_then(|v| v.as_str())
                .and_then(DatasetId::parse)
            else {
                continue;
            };
            if !purge_dataset(ports, &id, now, end, &mut purged).await? {
                purged.out_of_time = true;
                return Ok(purged);
            }
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            return Ok(purged);
        }
    }
}

/// Purges one dataset if it is (still) soft-deleted and due at `now`; says whether it got to
/// the end (`false`: `end` came first).
async fn purge_dataset(
    ports: &Ports,
    id: &DatasetId,
    now: OffsetDateTime,
    end: Instant,
    purged: &mut DatasetsPurged,
) -> Result<bool, CleanupError> {
    let table = &*ports.table;
    // The item as it is now (the index may lag): never purge what is not deleted and due.
    let Some(current) = table.get(&schema::dataset(id)).await? else {
        return Ok(true);
    };
    if !is_due(&current, now) {
        return Ok(true);
    }
    if !purge_records(table, id, end, purged).await? {
        return Ok(false);
    }
    if !purge_blobs(ports, id, end, purged).await? {
        return Ok(false);
    }
    // Its key versions and jobs (a running job leaves the workers' index with its item).
    let mut cursor = None;
    loop {
        if Instant::now() >= end {
            return Ok(false);
        }
        let page = table
            .query(
                &Query::partition(schema::dataset_partition(id))
                    .limit(PAGE)
                    .after(cursor),
            )
            .await?;
        for item in page.items.iter().filter(|item| item.key != current.key) {
            purged.items += usize::from(delete_if_there(table, &item.key).await?);
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let audit = AuditSink::new(ports.table.clone(), ports.clock.clone());
    let mut event = audit
        .event(
            "datasets.purge",
            Outcome::Success,
            &RequestOrigin::default(),
        )?
        .resource(id);
    event.org_id = attrs::parsed(&current, "org_id", OrgId::parse)
        .ok()
        .map(|org| org.to_string());
    match Change::<Infallible>::new(event)
        .delete(
            current.key.clone(),
            Condition::VersionEquals(current.version),
        )
        .commit(table)
        .await
    {
        Ok(()) => purged.datasets += 1,
        // Another run purged it first, or it changed under this one (a job finishing): the
        // next run looks again.
        Err(ChangeError::Conflict) => {}
        Err(ChangeError::Store(err)) => return Err(err.into()),
        Err(ChangeError::Refused(never)) => match never {},
    }
    Ok(true)
}

/// Whether a dataset's item is soft-deleted with its purge time come at `now`.
fn is_due(item: &Item, now: OffsetDateTime) -> bool {
    let Ok(Some(deleted_at)) = attrs::optional_time(item, "deleted_at") else {
        return false;
    };
    let purge_after = attrs::optional_time(item, "purge_after")
        .ok()
        .flatten()
        .unwrap_or(deleted_at);
    purge_after <= now
}

/// Removes the dataset's records, each with its blind-index entries first (so a record stays
/// listed until nothing of it is left); says whether it got to the end before `end`.
async fn purge_records(
    table: &dyn Table,
    id: &DatasetId,
    end: Instant,
    purged: &mut DatasetsPurged,
) -> Result<bool, StoreError> {
    let mut cursor = None;
    loop {
        let page = table
            .query(
                &Query::gsi1(schema::dataset_records_partition(id))
                    .limit(PAGE)
                    .after(cursor),
            )
            .await?;
        for record in &page.items {
            if Instant::now() >= end {
                return Ok(false);
            }
            let entries = table
                .query(
                    &Query::partition(record.key.pk.clone())
                        .prefix(schema::RECORD_INDEX_PREFIX)
                        .limit(PAGE),
                )
                .await?;
            for entry in &entries.items {
                purged.items += usize::from(delete_if_there(table, &entry.key).await?);
            }
            purged.items += usize::from(delete_if_there(table, &record.key).await?);
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            return Ok(true);
        }
    }
}

/// Removes the dataset's payload blobs (its folder); says whether it got to the end.
async fn purge_blobs(
    ports: &Ports,
    id: &DatasetId,
    end: Instant,
    purged: &mut DatasetsPurged,
) -> Result<bool, CleanupError> {
    let prefix = schema::dataset_blob_prefix(id);
    let mut cursor: Option<String> = None;
    loop {
        if Instant::now() >= end {
            return Ok(false);
        }
        let page = ports.blobs.list(&prefix, PAGE, cursor.as_deref()).await?;
        for blob in &page.items {
            if Instant::now() >= end {
                return Ok(false);
            }
            ports.blobs.delete(&blob.key).await?;
            purged.blobs += 1;
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            return Ok(true);
        }
    }
}

/// Deletes the item at `key` if it is still there; says whether this call removed it.
async fn delete_if_there(table: &dyn Table, key: &Key) -> Result<bool, StoreError> {
    match table.delete(key, Condition::MustExist).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Unix milliseconds of `at`.
fn unix_ms(at: OffsetDateTime) -> i128 {
    at.unix_timestamp_nanos() / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::attrs::rfc3339;

    #[test]
    fn only_a_soft_deleted_dataset_whose_purge_time_has_come_is_due() {
        let now = OffsetDateTime::now_utc();
        let id = DatasetId::generate(now).unwrap();
        let item = |deleted: Option<OffsetDateTime>, purge: Option<OffsetDateTime>| {
            Item::new(schema::dataset(&id))
                .with_attr("deleted_at", deleted.map(rfc3339))
                .with_attr("purge_after", purge.map(rfc3339))
        };
        let day = time::Duration::DAY;
        assert!(!is_due(&item(None, None), now), "live");
        assert!(!is_due(&item(Some(now - day), Some(now + day)), now));
        assert!(is_due(&item(Some(now - day * 31), Some(now - day)), now));
        assert!(is_due(&item(Some(now - day), None), now), "no purge time");
    }
}
