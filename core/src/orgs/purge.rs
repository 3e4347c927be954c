//! What the cleanup does for deleted orgs: removes everything an org owned (its partition, and
//! its machine clients, which live in partitions of their own that the org's index lists),
//! then the org.
//! Bounded by the time it is given (it resumes on the next run) and safe to run twice at once:
//! a member's removal and their org count move together, conditional on the membership still
//! being there, so no count is taken down twice.

use std::time::{Duration, Instant};

use crate::ids::{ClientId, OrgId, UserId, VaultId};
use crate::store::{Condition, Item, Query, StoreError, Table, TxOp, schema};

/// Items read per page of an org's partition.
const PAGE: usize = 100;

/// Orgs and items removed by one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub orgs: usize,
    pub items: usize,
    pub out_of_time: bool,
}

/// Purges soft-deleted orgs until none is left or `deadline` is `margin` away.
pub async fn purge_deleted_orgs(
    table: &dyn Table,
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
        loop {
            if out_of_time() {
                purged.out_of_time = true;
                return Ok(purged);
            }
            let clients = purge_clients(table, &org).await?;
            purged.items += clients.removed;
            if clients.removed > 0 {
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
                if clients.listed > 0 {
                    // The index still lists clients whose items are gone (it lags the table
                    // on DynamoDB): the org stays findable until it does not, and the next run
                    // finishes it.
                    break;
                }
                table.delete(&schema::org(&org), Condition::None).await?;
                purged.orgs += 1;
                break;
            }
            for item in owned {
                match removal(&org, item) {
                    ops if ops.len() == 1 => {
                        if let Some(TxOp::Delete { key, condition }) = ops.first() {
                            table.delete(key, *condition).await?;
                        }
                    }
                    ops => match table.transact(ops).await {
                        Ok(()) => {}
                        // Another run removed it first.
                        Err(StoreError::TransactionFailed { .. } | StoreError::Conflict) => {}
                        Err(other) => return Err(other),
                    },
                }
                purged.items += 1;
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
    vec![delete(item.key.clone(), Condition::None)]
}

/// What one round of [`purge_clients`] did.
struct ClientsRound {
    /// Clients the org's index listed.
    listed: usize,
    /// Items removed from their partitions.
    removed: usize,
}

/// Removes a page of items from each of a page of the org's clients: certificates first (they
/// sort before the client item), the client item last, so a client stays listed until its
/// partition is empty. Spent assertions expire on their own.
async fn purge_clients(table: &dyn Table, org: &OrgId) -> Result<ClientsRound, StoreError> {
    let clients = table
        .query(
            &Query::gsi1(schema::org_partition(org))
                .prefix(schema::ORG_CLIENTS_PREFIX)
                .limit(PAGE),
        )
        .await?;
    let mut removed = 0;
    for client in &clients.items {
        let Some(id) = client
            .attrs
            .get("id")
            .and_then(|v| v.as_str())
            .and_then(ClientId::parse)
        else {
            // Not a client this code wrote: remove the entry itself.
            table.delete(&client.key, Condition::None).await?;
            removed += 1;
            continue;
        };
        let items = table
            .query(&Query::partition(schema::client_partition(&id)).limit(PAGE))
            .await?;
        for item in &items.items {
            table.delete(&item.key, Condition::None).await?;
            removed += 1;
        }
    }
    Ok(ClientsRound {
        listed: clients.items.len(),
        removed,
    })
}
