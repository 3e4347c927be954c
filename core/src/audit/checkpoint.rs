//! Signed checkpoints: every shard head of a scope at one moment, signed as a compact JWS
//! (EdDSA, `typ: coffer-audit-checkpoint`) with the audit key, whose public half the JWKS
//! publishes with `use: audit`. An auditor who keeps them outside Coffer can later prove that
//! the chains up to each head were not rewritten; verification uses them as anchors and, once
//! older events have expired, as the root of what is left.
//!
//! The cleanup run checkpoints every scope whose heads moved since their last checkpoint (the
//! dirty index lists them), and clears each head's dirty mark if it did not move meanwhile.

use std::time::Instant;

use ed25519_dalek::SigningKey;
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::chain::{ShardHead, decode_hash, encode_hash};
use super::event::sort_time;
use super::retention;
use super::signing_key::AuditKeyRecord;
use super::{AuditError, AuditEvent, Change};
use crate::ids::CheckpointId;
use crate::store::attrs::{self, BadAttribute};
use crate::store::{Condition, Item, Query, Table, TxOp, schema};
use crate::tokens::jws::{self, Unverified};

/// The JWS `typ` of a checkpoint.
pub const TYP: &str = "coffer-audit-checkpoint";

/// One shard's head as a checkpoint states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadClaim {
    pub shard: u8,
    pub seq: u64,
    /// The link's hash, base64url.
    pub hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

/// What a checkpoint signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointClaims {
    /// `cpt_<ulid>`.
    pub id: String,
    /// The org (or user, or `_`) whose chains these are.
    pub scope: String,
    /// RFC 3339, nine fraction digits.
    pub time: String,
    /// Every shard's head, shard 0 first (seq 0 for a shard without events).
    pub heads: Vec<HeadClaim>,
}

/// A stored checkpoint: its claims as written and the JWS that signs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub claims: CheckpointClaims,
    pub kid: String,
    pub jws: String,
}

impl Checkpoint {
    fn to_item(&self, time: OffsetDateTime) -> Item {
        Item::new(schema::audit_checkpoint(
            &self.claims.scope,
            &self.claims.time,
            &self.claims.id,
        ))
        .with_attr("id", self.claims.id.as_str())
        .with_attr("kid", self.kid.as_str())
        .with_attr("jws", self.jws.as_str())
        .with_expiry(retention::checkpoint_expiry_of(time))
    }

    /// A stored checkpoint, its claims read from the JWS (not yet checked: see
    /// [`Self::verified`]).
    fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        let jws = attrs::text(item, "jws")?.to_owned();
        let unverified = Unverified::parse(&jws).map_err(|_| BadAttribute("jws"))?;
        let claims = unverified
            .claims_unverified()
            .map_err(|_| BadAttribute("jws"))?;
        Ok(Self {
            claims,
            kid: unverified.kid().to_owned(),
            jws,
        })
    }

    /// Whether the JWS verifies under the published key it names and says what the item says.
    pub fn verified(&self, keys: &[AuditKeyRecord]) -> bool {
        let Some(key) = keys.iter().find(|key| key.kid == self.kid) else {
            return false;
        };
        let Ok(unverified) = Unverified::parse(&self.jws) else {
            return false;
        };
        unverified.typ() == Some(TYP)
            && unverified
                .verify::<CheckpointClaims>(&key.public)
                .is_ok_and(|claims| claims == self.claims)
    }

    /// `(seq, hash, event id)` of each shard, for verification.
    pub fn anchors(&self) -> impl Iterator<Item = (u8, u64, Option<[u8; 32]>, Option<&str>)> {
        self.claims.heads.iter().map(|head| {
            (
                head.shard,
                head.seq,
                decode_hash(&head.hash),
                head.event_id.as_deref(),
            )
        })
    }
}

/// Every shard head of `scope`, read at once.
async fn read_heads(table: &dyn Table, scope: &str) -> Result<Vec<ShardHead>, AuditError> {
    join_all((0..schema::AUDIT_SHARDS).map(|shard| ShardHead::read(table, scope, shard)))
        .await
        .into_iter()
        .map(|head| head.map_err(AuditError::from))
        .collect()
}

/// Writes a checkpoint of `scope` signed with `key` (named `kid`), then clears the dirty mark of
/// each head that did not move meanwhile. `event` (an on-demand checkpoint's) is written in the
/// same transaction; the cleanup's own checkpoints are their own record.
pub async fn write(
    table: &dyn Table,
    (kid, key): (&str, &SigningKey),
    scope: &str,
    now: OffsetDateTime,
    event: Option<AuditEvent>,
) -> Result<Checkpoint, AuditError> {
    let heads = read_heads(table, scope).await?;
    let claims = CheckpointClaims {
        id: CheckpointId::generate(now)?.to_string(),
        scope: scope.to_owned(),
        time: sort_time(now),
        heads: heads
            .iter()
            .map(|head| HeadClaim {
                shard: head.shard,
                seq: head.seq,
                hash: encode_hash(&head.hash),
                event_id: head.event_id.clone(),
            })
            .collect(),
    };
    let jws = jws::sign(key, kid, TYP, &claims).map_err(|_| AuditError::Signing)?;
    let checkpoint = Checkpoint {
        claims,
        kid: kid.to_owned(),
        jws,
    };
    let put = TxOp::Put {
        item: checkpoint.to_item(now),
        condition: Condition::MustNotExist,
    };
    match event {
        Some(event) => Change::<AuditError>::new(event)
            .op(put)
            .commit(table)
            .await
            .map_err(AuditError::from)?,
        None => table.transact(vec![put]).await?,
    }
    for head in heads.into_iter().filter(|head| head.version > 0) {
        let clean = head.to_item(false);
        match table
            .put(clean, Condition::VersionEquals(head.version))
            .await
        {
            // It moved: it stays dirty for the next checkpoint.
            Ok(()) | Err(crate::store::StoreError::ConditionFailed) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(checkpoint)
}

/// One page of a scope's checkpoints, newest first.
pub async fn list(
    table: &dyn Table,
    scope: &str,
    limit: usize,
    cursor: Option<crate::store::Cursor>,
) -> Result<(Vec<Checkpoint>, Option<crate::store::Cursor>), AuditError> {
    let page = table
        .query(
            &Query::partition(schema::audit_checkpoints_partition(scope))
                .descending()
                .limit(limit)
                .after(cursor),
        )
        .await?;
    let mut checkpoints = Vec::with_capacity(page.items.len());
    for item in &page.items {
        match Checkpoint::from_item(item) {
            Ok(checkpoint) => checkpoints.push(checkpoint),
            // Verification names it; a listing cannot show what it cannot read.
            Err(_) => tracing::warn!(key = %item.key.sk, "an unreadable audit checkpoint"),
        }
    }
    Ok((checkpoints, page.next_cursor))
}

/// A stored checkpoint as verification reads it: readable, or not (its id, if that is left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Readable(Checkpoint),
    Unreadable { id: Option<String> },
}

/// Every checkpoint of a scope, oldest first (for verification).
pub async fn all(table: &dyn Table, scope: &str) -> Result<Vec<Stored>, AuditError> {
    let mut checkpoints = Vec::new();
    let mut cursor = None;
    loop {
        let page = table
            .query(
                &Query::partition(schema::audit_checkpoints_partition(scope))
                    .limit(Query::MAX_LIMIT)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            checkpoints.push(match Checkpoint::from_item(item) {
                Ok(checkpoint) => Stored::Readable(checkpoint),
                Err(_) => Stored::Unreadable {
                    id: attrs::text(item, "id").ok().map(str::to_owned),
                },
            });
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            return Ok(checkpoints);
        }
    }
}

/// What one checkpointing pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointRun {
    pub written: usize,
    pub out_of_time: bool,
}

/// Checkpoints every scope whose heads moved since their last checkpoint, until none is left
/// or `deadline` comes. Safe to run twice at once: at worst a scope gets two checkpoints.
pub async fn write_due(
    table: &dyn Table,
    signer: (&str, &SigningKey),
    clock: &dyn crate::Clock,
    deadline: Instant,
) -> Result<CheckpointRun, AuditError> {
    let mut run = CheckpointRun::default();
    // A scope's shards are in several buckets; one checkpoint covers them all.
    let mut done = std::collections::HashSet::new();
    for bucket in 0..schema::AUDIT_DIRTY_BUCKETS {
        let mut cursor = None;
        loop {
            if Instant::now() >= deadline {
                run.out_of_time = true;
                return Ok(run);
            }
            let page = table
                .query(
                    &Query::gsi1(schema::audit_dirty_partition(bucket))
                        .limit(Query::MAX_LIMIT)
                        .after(cursor),
                )
                .await?;
            let mut scopes: Vec<String> = page
                .items
                .iter()
                .filter_map(|item| attrs::text(item, "scope").ok().map(str::to_owned))
                .collect();
            scopes.retain(|scope| !done.contains(scope));
            scopes.dedup();
            for scope in scopes {
                if Instant::now() >= deadline {
                    run.out_of_time = true;
                    return Ok(run);
                }
                write(table, signer, &scope, clock.now(), None).await?;
                run.written += 1;
                done.insert(scope);
            }
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
    }
    Ok(run)
}
