//! Payload blobs no record points to. A payload's blob is written before its record points to
//! it (and the blob it replaces is deleted after), so a crash, a lost race or a failed delete
//! leaves a blob behind. The scan lists every payload blob (`datasets/`), and removes one when
//! it is older than an hour and its record does not point to it: the record is gone, or its
//! payload names another blob. A record points to exactly one blob, its payload's `blob` (for a
//! payload sealed by the function, `p…`, and for one uploaded through a presigned URL, `u…`,
//! named from the moment the URL is handed out, before the upload lands).
//!
//! The hour is what keeps a blob written just now, whose record has not moved to it yet, from
//! being taken for an orphan. Blobs whose key is not a payload's are left alone. The scan
//! remembers where it stopped (the blob store's cursor, in the cleanup state) and goes on from
//! there next run; it runs under the cleanup lease, so two runs never remove (or count) the
//! same blob.

use std::time::Instant;

use time::OffsetDateTime;

use super::CleanupError;
use crate::backends::Ports;
use crate::blobs::{BlobEntry, BlobError};
use crate::datasets::StoredRecord;
use crate::store::{Condition, Item, StoreError, schema};

/// How old an unreferenced blob must be before it is removed.
pub const ORPHAN_AGE: time::Duration = time::Duration::HOUR;

/// Blobs listed per page (each old one costs a read of its record; the position is kept per
/// page, so a run that stops within a page looks at that page again).
const PAGE: usize = 50;

/// What one scan did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct OrphansRemoved {
    pub removed: usize,
    pub out_of_time: bool,
    /// It stopped midway; the next run goes on from there.
    pub resumes: bool,
}

/// Scans payload blobs from where the last scan stopped until the pass is complete or `end`
/// comes.
pub(super) async fn remove_orphan_blobs(
    ports: &Ports,
    end: Instant,
) -> Result<OrphansRemoved, CleanupError> {
    let mut scan = OrphansRemoved::default();
    let mut cursor = position(ports).await?;
    let resumed = cursor.is_some();
    let older_than = ports.clock.now() - ORPHAN_AGE;
    let outcome = async {
        loop {
            if Instant::now() >= end {
                scan.out_of_time = true;
                return Ok(());
            }
            let page = match ports
                .blobs
                .list(schema::DATASET_BLOBS_PREFIX, PAGE, cursor.as_deref())
                .await
            {
                Ok(page) => page,
                // A position the store no longer takes: the pass starts again.
                Err(BlobError::InvalidCursor) if cursor.is_some() => {
                    cursor = None;
                    continue;
                }
                Err(other) => return Err(CleanupError::from(other)),
            };
            for blob in &page.items {
                if Instant::now() >= end {
                    // The position stays before this page: what was kept is looked at again.
                    scan.out_of_time = true;
                    return Ok(());
                }
                if is_orphan(ports, blob, older_than).await? {
                    ports.blobs.delete(&blob.key).await?;
                    scan.removed += 1;
                }
            }
            cursor = page.next_cursor;
            if cursor.is_none() {
                return Ok(());
            }
        }
    }
    .await;
    // Where it got to is kept even when a page failed: that page is read again next time.
    if cursor.is_some() || resumed {
        save_position(ports, cursor.as_deref()).await?;
    }
    outcome?;
    scan.resumes = cursor.is_some();
    Ok(scan)
}

/// Whether `blob` is a payload's blob older than `older_than` that its record does not point
/// to.
async fn is_orphan(
    ports: &Ports,
    blob: &BlobEntry,
    older_than: OffsetDateTime,
) -> Result<bool, StoreError> {
    if blob.last_modified > older_than {
        return Ok(false);
    }
    let Some((dataset, record)) = schema::payload_blob_owner(&blob.key) else {
        return Ok(false);
    };
    let Some(item) = ports.table.get(&schema::record(&record)).await? else {
        return Ok(true);
    };
    // A record this code cannot read keeps its blobs: better an orphan than a lost payload.
    let Ok(stored) = StoredRecord::from_item(&item) else {
        return Ok(false);
    };
    if stored.dataset_id != dataset {
        return Ok(true);
    }
    Ok(!stored.payload.is_some_and(|payload| {
        payload.blob == blob.key
            || schema::payload_blob(&stored.dataset_id, &stored.id, &payload.upload) == blob.key
    }))
}

/// Where the last scan stopped, if it did not finish.
async fn position(ports: &Ports) -> Result<Option<String>, StoreError> {
    let Some(item) = ports.table.get(&schema::cleanup_orphan_scan()).await? else {
        return Ok(None);
    };
    Ok(item
        .attrs
        .get("resume")
        .and_then(|v| v.as_str())
        .map(str::to_owned))
}

async fn save_position(ports: &Ports, at: Option<&str>) -> Result<(), StoreError> {
    let item = Item::new(schema::cleanup_orphan_scan()).with_attr("resume", at);
    ports.table.put(item, Condition::None).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{DatasetId, RecordId};

    #[test]
    fn a_payload_blob_key_names_its_dataset_and_record_and_nothing_else_does() {
        let now = OffsetDateTime::now_utc();
        let dataset = DatasetId::generate(now).unwrap();
        let record = RecordId::generate(now).unwrap();
        let key = schema::payload_blob(&dataset, &record, "p01jabc");
        assert_eq!(
            schema::payload_blob_owner(&key),
            Some((dataset.clone(), record.clone()))
        );
        for other in [
            format!("datasets/{dataset}/{record}"),
            format!("datasets/{dataset}/{record}/p1/extra"),
            format!("datasets/{record}/{dataset}/p1"),
            format!("other/{dataset}/{record}/p1"),
        ] {
            assert_eq!(schema::payload_blob_owner(&other), None, "{other}");
        }
    }
}
