//! What the cleanup does for deleted orgs: removes everything an org owned (its partition, and
//! its machine clients and named keys, which live in partitions of their own that the org's
//! index lists), hands its live datasets to the dataset purge (soft-deleted as of the org's
//! deletion, so they are due at once: records, index entries and blobs go there), then the org.
//! Bounded by the time it is given (it resumes on the next run) and safe to run twice at once:
//! a member's removal and their org count move together, conditional on the membership still
//! being there, so no count is taken down twice; every delete is conditional on the item still
//! being there and counted only when it happened, so two runs never count an item twice.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::Org;
use crate::audit::{AuditEvent, Change, ChangeError, Outcome};
use crate::clock::Clock;
use crate::ids::EventId;
use crate::ids::{ClientId, NamedKeyId, OrgId, UserId, VaultId};
use crate::store::{Condition, Item, Query, StoreError, Table, TxOp, schema};

/// Items read per page of an org's partition.
const PAGE: usize = 100;

/// Orgs and items removed by one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub orgs: usize,
    pub items: usize,
    /// Live datasets of deleted orgs handed to the dataset purge.
    pub datasets_queued: usize,
    pub out_of_time: bool,
}

/// Purges soft-deleted orgs until none is left or `deadline` is `margin` away.
pub async fn purge_deleted_orgs(
    table: &dyn Table,
    clock: &dyn Clock,
    deadline: Instant,
    margin: Duration,
) -> Result<Purged, StoreError> {
    let mut purged = Purged::default();
    let out_of_time = || Instant::now() + margin >= deadline;
    let deleted = table
        .query(&Query::gsi1(schema::DELETED_ORGS).limit(PAGE))
        .await?;
    for org_item in &deleted.items {
        let Some(org) = org_item
            .attrs
            .get("id")
            .and_then(|v| v.as_str())
            .and_then(OrgId::parse)
        else {
            continue;
        };
        // Its datasets count as deleted when it was (an unreadable time: due at once).
        let deleted_at = Org::from_item(org_item)
            .ok()
            .and_then(|org| org.deleted_at)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        loop {
            if out_of_time() {
                purged.out_of_time = true;
                return Ok(purged);
            }
            let listed = purge_listed(table, &org, deleted_at).await?;
            purged.items += listed.removed;
            purged.datasets_queued += listed.queued;
            if listed.removed > 0 || listed.queued > 0 {
                continue;
            }
            let page = table
                .query(&Query::partition(schema::org_partition(&org)).limit(PAGE))
                .await?;
            let owned: Vec<&Item> = page
                .items
                .iter()
                .filter(|item| item.key != schema::org(&org))
                .collect();
            if owned.is_empty() {
                if listed.listed > 0 {
                    // The index still lists entries whose items are gone (it lags the table
                    // on DynamoDB): the org stays findable until it does not, and the next run
                    // finishes it.
                    break;
                }
                purged.orgs += usize::from(remove_org(table, clock, &org).await?);
                break;
            }
            for item in owned {
                let removed = match removal(&org, item) {
                    ops if ops.len() == 1 => match ops.first() {
                        Some(TxOp::Delete { key, .. }) => delete_if_there(table, key).await?,
                        _ => false,
                    },
                    ops => match table.transact(ops).await {
                        Ok(()) => true,
                        // Another run removed it first.
                        Err(StoreError::TransactionFailed { .. } | StoreError::Conflict) => false,
                        Err(other) => return Err(other),
                    },
                };
                purged.items += usize::from(removed);
            }
        }
    }
    Ok(purged)
}

/// The writes that remove one item an org owned (and what hangs on it elsewhere).
fn removal(org: &OrgId, item: &Item) -> Vec<TxOp> {
    let delete = |key, condition| TxOp::Delete { key, condition };
    let text = |name: &str| item.attrs.get(name).and_then(|v| v.as_str());
    if let Some(user) = item
        .key
        .sk
        .strip_prefix(schema::ORG_MEMBERS_PREFIX)
        .and_then(UserId::parse)
    {
        // The member comes from the key itself, so the delete always targets this item.
        return vec![
            delete(item.key.clone(), Condition::MustExist),
            TxOp::Add {
                key: schema::user_counters(&user),
                attribute: "orgs",
                by: -1,
                bounds: crate::store::Bounds::NONE,
            },
        ];
    }
    if item.key.sk.starts_with(schema::ORG_INVITATIONS_PREFIX)
        && let Some(email_digest) = text(super::invitation::EMAIL_DIGEST)
    {
        return vec![
            delete(item.key.clone(), Condition::MustExist),
            delete(schema::invitation_claim(email_digest, org), Condition::None),
        ];
    }
    if let Some(vault) = item
        .key
        .sk
        .strip_prefix(schema::ORG_VAULTS_PREFIX)
        .and_then(VaultId::parse)
    {
        return vec![
            delete(item.key.clone(), Condition::MustExist),
            delete(schema::vault_owner(&vault), Condition::None),
        ];
    }
    vec![delete(item.key.clone(), Condition::MustExist)]
}

/// Deletes the item at `key` if it is still there; says whether this call removed it (another
/// run may have first).
/// Removes the org's own item, the last of it, in one audited change (`orgs.org.purge` in the
/// org's chain, by nobody: the schedule). `false` when another run removed it first.
async fn remove_org(table: &dyn Table, clock: &dyn Clock, org: &OrgId) -> Result<bool, StoreError> {
    let now = clock.now();
    let event = AuditEvent {
        id: EventId::generate(now)
            .map_err(StoreError::backend)?
            .to_string(),
        time: now,
        actor: None,
        action: "orgs.org.purge",
        resource: Some(org.to_string()),
        outcome: Outcome::Success,
        ip: None,
        user_agent: None,
        request_id: None,
        org_id: Some(org.to_string()),
        fields: Vec::new(),
    };
    match Change::<()>::new(event)
        .delete(schema::org(org), Condition::MustExist)
        .commit(table)
        .await
    {
        Ok(()) => Ok(true),
        Err(ChangeError::Conflict | ChangeError::Refused(())) => Ok(false),
        Err(ChangeError::Store(err)) => Err(err),
    }
}

async fn delete_if_there(table: &dyn Table, key: &crate::store::Key) -> Result<bool, StoreError> {
    match table.delete(key, Condition::MustExist).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(other) => Err(other),
    }
}

/// What one round of [`purge_listed`] did.
struct ListedRound {
    /// Entries the org's index listed.
    listed: usize,
    /// Items removed from their partitions.
    removed: usize,
    /// Live datasets soft-deleted for the dataset purge.
    queued: usize,
}

/// The partition an index entry's id names, if the id is of the entry's kind.
type PartitionOf = fn(&str) -> Option<String>;

/// The kinds of item that live in partitions of their own and that the org's index lists, with
/// the partition an entry's id names: machine clients (with their certificates) and named keys
/// (with their versions).
const LISTED: [(&str, PartitionOf); 2] = [
    (schema::ORG_CLIENTS_PREFIX, |id| {
        ClientId::parse(id).map(|id| schema::client_partition(&id))
    }),
    (schema::ORG_NAMED_KEYS_PREFIX, |id| {
        NamedKeyId::parse(id).map(|id| schema::named_key_partition(&id))
    }),
];

/// Removes a page of items from each of a page of the partitions the org's index lists: the
/// rest of the partition first, the listed item last, so an entry stays listed until its
/// partition is empty. Spent assertions expire on their own. The org's live datasets are
/// soft-deleted as of `deleted_at` (which moves them out of the org's index into the dataset
/// purge's), conditional on their revision.
async fn purge_listed(
    table: &dyn Table,
    org: &OrgId,
    deleted_at: OffsetDateTime,
) -> Result<ListedRound, StoreError> {
    let mut round = ListedRound {
        listed: 0,
        removed: 0,
        queued: 0,
    };
    let datasets = table
        .query(
            &Query::gsi1(schema::org_partition(org))
                .prefix(schema::ORG_DATASETS_PREFIX)
                .limit(PAGE),
        )
        .await?;
    round.listed += datasets.items.len();
    for item in &datasets.items {
        let Some(deleted) = crate::datasets::deleted_with_org(item, deleted_at) else {
            continue;
        };
        match table
            .put(deleted, Condition::VersionEquals(item.version))
            .await
        {
            Ok(()) => round.queued += 1,
            // Changed or purged meanwhile (or the index lags): the next round reads it again.
            Err(StoreError::ConditionFailed) => {}
            Err(other) => return Err(other),
        }
    }
    for (prefix, partition_of) in LISTED {
        let entries = table
            .query(
                &Query::gsi1(schema::org_partition(org))
                    .prefix(prefix)
                    .limit(PAGE),
            )
            .await?;
        round.listed += entries.items.len();
        for entry in &entries.items {
            let Some(partition) = entry
                .attrs
                .get("id")
                .and_then(|v| v.as_str())
                .and_then(partition_of)
            else {
                // Not an entry this code wrote: remove the entry itself.
                round.removed += usize::from(delete_if_there(table, &entry.key).await?);
                continue;
            };
            let items = table
                .query(&Query::partition(partition).limit(PAGE))
                .await?;
            let rest: Vec<&Item> = items
                .items
                .iter()
                .filter(|item| item.key != entry.key)
                .collect();
            for item in &rest {
                round.removed += usize::from(delete_if_there(table, &item.key).await?);
            }
            if rest.is_empty() {
                round.removed += usize::from(delete_if_there(table, &entry.key).await?);
            }
        }
    }
    Ok(round)
}
