//! Verification: walks each of a scope's chains link by link — every link's hash recomputed,
//! every link's `prev` matched against the link before it, every sequence number accounted
//! for — checks each checkpoint's signature and that the chain passes through the heads it
//! signed, and ends at the shard's head. It names the first event found altered, removed,
//! inserted or moved, or the checkpoint that does not match.
//!
//! Without a range it walks everything kept; with `from` it starts at the newest checkpoint at
//! or before `from` (its heads are the roots), with `to` it ends at the oldest checkpoint at or
//! after `to`. Events expire after the retention period: a chain whose first kept link is not
//! link 1 starts at a checkpoint naming the link before it, or at the retention horizon.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::join_all;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::chain::{GENESIS, Link, LinkHash, ShardHead};
use super::checkpoint::{self, Checkpoint, Stored};
use super::error::AuditError;
use super::event::sort_time;
use super::retention;
use super::signing_key::AuditKeyRecord;
use crate::store::{Query, Table, schema};

/// Why a chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The event's content no longer hashes to what its chain recorded.
    Altered,
    /// The event is missing from its chain.
    Removed,
    /// The event is not the one its chain recorded at that place.
    Inserted,
    /// The event was moved to another place in its chain.
    Reordered,
    /// A signed checkpoint names a head the chain does not pass through.
    CheckpointMismatch,
    /// A checkpoint's signature does not verify under a published audit key.
    CheckpointSignature,
    /// A shard's head does not name its chain's last link.
    HeadMismatch,
}

/// The first break found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub event_id: Option<String>,
    pub checkpoint_id: Option<String>,
    pub reason: BreakReason,
    pub shard: Option<u8>,
    pub seq: Option<u64>,
    /// When the link where it was found happened, to order breaks across shards.
    at: Option<OffsetDateTime>,
}

/// The newest checkpoint of the scope, as verification found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointCheck {
    pub id: String,
    pub time: String,
    pub kid: String,
    pub valid: bool,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub intact: bool,
    /// Links walked.
    pub checked: u64,
    pub first_broken: Option<Break>,
    pub checkpoint: Option<CheckpointCheck>,
}

/// The part of the chains to walk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyRange {
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
}

/// A known point of a shard's chain: from a checkpoint.
#[derive(Debug, Clone)]
struct Anchor {
    hash: LinkHash,
    event_id: Option<String>,
    checkpoint: String,
}

/// Verifies `scope`'s chains (see the module's doc).
pub async fn verify(
    table: &Arc<dyn Table>,
    scope: &str,
    keys: &[AuditKeyRecord],
    range: VerifyRange,
    now: OffsetDateTime,
) -> Result<Verification, AuditError> {
    if let (Some(from), Some(to)) = (range.from, range.to)
        && from > to
    {
        return Err(AuditError::invalid("from", "must not be after `to`"));
    }
    let stored = checkpoint::all(&**table, scope).await?;
    let mut breaks = Vec::new();
    let mut checkpoints: Vec<Checkpoint> = Vec::with_capacity(stored.len());
    for item in stored {
        match item {
            Stored::Readable(checkpoint) => checkpoints.push(checkpoint),
            Stored::Unreadable { id } => breaks.push(Break {
                event_id: None,
                checkpoint_id: id,
                reason: BreakReason::CheckpointSignature,
                shard: None,
                seq: None,
                at: None,
            }),
        }
    }
    let mut valid: Vec<&Checkpoint> = Vec::new();
    for checkpoint in &checkpoints {
        if checkpoint.verified(keys) && checkpoint.claims.scope == scope {
            valid.push(checkpoint);
        } else {
            breaks.push(Break {
                event_id: None,
                checkpoint_id: Some(checkpoint.claims.id.clone()),
                reason: BreakReason::CheckpointSignature,
                shard: None,
                seq: None,
                at: None,
            });
        }
    }
    let newest = checkpoints.last().map(|checkpoint| CheckpointCheck {
        id: checkpoint.claims.id.clone(),
        time: checkpoint.claims.time.clone(),
        kid: checkpoint.kid.clone(),
        valid: valid
            .last()
            .is_some_and(|v| v.claims.id == checkpoint.claims.id),
    });
    let root = range.from.and_then(|from| {
        let from = sort_time(from);
        valid.iter().rev().find(|c| c.claims.time <= from).copied()
    });
    let end = range.to.and_then(|to| {
        let to = sort_time(to);
        valid.iter().find(|c| c.claims.time >= to).copied()
    });
    let mut anchors: Vec<BTreeMap<u64, Anchor>> =
        vec![BTreeMap::new(); usize::from(schema::AUDIT_SHARDS)];
    for checkpoint in &valid {
        for (shard, seq, hash, event_id) in checkpoint.anchors() {
            if let (Some(shard_anchors), Some(hash)) = (anchors.get_mut(usize::from(shard)), hash) {
                shard_anchors.entry(seq).or_insert(Anchor {
                    hash,
                    event_id: event_id.map(str::to_owned),
                    checkpoint: checkpoint.claims.id.clone(),
                });
            }
        }
    }
    let horizon = now - Duration::days(i64::from(retention::days())) + Duration::days(1);
    // Each shard on its own task: the hashing spreads over the cores.
    let walks = join_all((0..schema::AUDIT_SHARDS).map(|shard| {
        let shard_anchors = anchors.get(usize::from(shard)).cloned().unwrap_or_default();
        let root = root.and_then(|c| head_of(c, shard));
        let end = end.and_then(|c| head_of(c, shard));
        let (table, scope) = (Arc::clone(table), scope.to_owned());
        tokio::spawn(async move {
            let head = match end {
                Some(_) => None,
                None => Some(ShardHead::read(&*table, &scope, shard).await?),
            };
            walk_shard(
                &*table,
                &scope,
                shard,
                ShardWalk {
                    root,
                    end,
                    head,
                    anchors: &shard_anchors,
                    horizon,
                },
            )
            .await
        })
    }))
    .await;
    let mut checked = 0;
    for walk in walks {
        let (walked, broken) = walk.map_err(|_| AuditError::Task)??;
        checked += walked;
        breaks.extend(broken);
    }
    // Checkpoint signatures first, then the earliest link.
    breaks.sort_by_key(|b| {
        (
            b.reason != BreakReason::CheckpointSignature,
            b.at.is_none(),
            b.at,
        )
    });
    let first_broken = breaks.into_iter().next();
    Ok(Verification {
        intact: first_broken.is_none(),
        checked,
        first_broken,
        checkpoint: newest,
    })
}

/// A shard's point in a checkpoint: `(seq, hash, event id)`.
fn head_of(checkpoint: &Checkpoint, shard: u8) -> Option<(u64, LinkHash, Option<String>)> {
    checkpoint
        .anchors()
        .find(|(s, ..)| *s == shard)
        .and_then(|(_, seq, hash, event_id)| Some((seq, hash?, event_id.map(str::to_owned))))
}

/// What to walk of one shard.
struct ShardWalk<'a> {
    /// Start after this point (a checkpoint's), else at the first kept link.
    root: Option<(u64, LinkHash, Option<String>)>,
    /// End at this point (a checkpoint's), else at `head`.
    end: Option<(u64, LinkHash, Option<String>)>,
    head: Option<ShardHead>,
    anchors: &'a BTreeMap<u64, Anchor>,
    /// Links older than this may have expired before the first kept one.
    horizon: OffsetDateTime,
}

fn broken(
    reason: BreakReason,
    event_id: Option<String>,
    shard: u8,
    seq: u64,
    at: Option<OffsetDateTime>,
) -> Break {
    Break {
        event_id,
        checkpoint_id: None,
        reason,
        shard: Some(shard),
        seq: Some(seq),
        at,
    }
}

/// Walks one shard; returns the links walked and the first break.
async fn walk_shard(
    table: &dyn Table,
    scope: &str,
    shard: u8,
    walk: ShardWalk<'_>,
) -> Result<(u64, Option<Break>), AuditError> {
    let upper = match (&walk.end, &walk.head) {
        (Some((seq, ..)), _) => *seq,
        (None, Some(head)) => head.seq,
        (None, None) => 0,
    };
    let (mut expected, mut running, mut last_id) = match &walk.root {
        Some((seq, hash, event_id)) => (Some(seq + 1), *hash, event_id.clone()),
        None => (None, GENESIS, None),
    };
    let lower = expected.unwrap_or(1);
    let mut before_last_id: Option<String> = None;
    let mut before_last_hash: Option<LinkHash> = None;
    let mut checked = 0;
    let mut cursor = None;
    let mut more = lower <= upper;
    while more {
        let page = table
            .query(
                &Query::partition(schema::audit_chain_partition(scope, shard))
                    .between(schema::audit_seq(lower), schema::audit_seq(upper))
                    .limit(Query::MAX_LIMIT)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let seq: u64 = item.key.sk.parse().unwrap_or(0);
            let Some(link) = Link::from_item(item) else {
                let id = crate::store::attrs::text(item, "id")
                    .ok()
                    .map(str::to_owned);
                return Ok((
                    checked,
                    Some(broken(BreakReason::Altered, id, shard, seq, None)),
                ));
            };
            let at = Some(link.event.time);
            let next = match expected {
                Some(next) => next,
                None => {
                    // The first kept link of a walk without a root.
                    if link.seq == 1 {
                        1
                    } else if let Some(anchor) = walk.anchors.get(&(link.seq - 1)) {
                        running = anchor.hash;
                        last_id.clone_from(&anchor.event_id);
                        link.seq
                    } else if link.event.time <= walk.horizon {
                        // What came before it expired.
                        running = link.prev;
                        last_id.clone_from(&link.prev_event);
                        link.seq
                    } else {
                        let missing = link.prev_event.clone().or(Some(link.event.id.clone()));
                        let found = broken(BreakReason::Removed, missing, shard, link.seq, at);
                        return Ok((checked, Some(found)));
                    }
                }
            };
            let found = if link.seq > next {
                let missing = link.prev_event.clone().or(Some(link.event.id.clone()));
                Some(broken(BreakReason::Removed, missing, shard, next, at))
            } else if link.stated_seq != link.seq || link.prev != running {
                let id = Some(link.event.id.clone());
                if link.prev_event.is_some()
                    && link.prev_event == before_last_id
                    && Some(link.prev) == before_last_hash
                {
                    // It follows the link before the last: the last was put in between.
                    Some(broken(
                        BreakReason::Inserted,
                        last_id.clone(),
                        shard,
                        link.seq - 1,
                        at,
                    ))
                } else if link.stated_seq != link.seq {
                    Some(broken(BreakReason::Reordered, id, shard, link.seq, at))
                } else if link.prev_event.is_some() && link.prev_event == last_id {
                    // It follows the last link, whose content (and hash) changed.
                    Some(broken(
                        BreakReason::Altered,
                        last_id.clone(),
                        shard,
                        link.seq - 1,
                        at,
                    ))
                } else {
                    Some(broken(BreakReason::Inserted, id, shard, link.seq, at))
                }
            } else if link.computed_hash() != link.hash {
                Some(broken(
                    BreakReason::Altered,
                    Some(link.event.id.clone()),
                    shard,
                    link.seq,
                    at,
                ))
            } else {
                walk.anchors
                    .get(&link.seq)
                    .filter(|anchor| anchor.hash != link.hash)
                    .map(|anchor| Break {
                        checkpoint_id: Some(anchor.checkpoint.clone()),
                        ..broken(
                            BreakReason::CheckpointMismatch,
                            Some(link.event.id.clone()),
                            shard,
                            link.seq,
                            at,
                        )
                    })
            };
            if found.is_some() {
                return Ok((checked, found));
            }
            checked += 1;
            before_last_hash = Some(running);
            running = link.hash;
            before_last_id = last_id.replace(link.event.id.clone());
            expected = Some(link.seq + 1);
        }
        cursor = page.next_cursor;
        more = cursor.is_some();
    }
    if expected.is_none()
        && let Some(head) = &walk.head
        && walk
            .anchors
            .get(&head.seq)
            .is_some_and(|anchor| anchor.hash == head.hash)
    {
        // Every link has expired; a checkpoint vouches for the head they led to.
        return Ok((checked, None));
    }
    let walked_to = expected.map_or(lower.saturating_sub(1), |next| next - 1);
    if walked_to < upper {
        // The links after the last one found are gone.
        let missing = match (&walk.end, &walk.head) {
            (Some((_, _, event_id)), _) => event_id.clone(),
            (None, Some(head)) => head.event_id.clone(),
            (None, None) => None,
        };
        let found = broken(BreakReason::Removed, missing, shard, walked_to + 1, None);
        return Ok((checked, Some(found)));
    }
    if let Some(head) = &walk.head {
        if head.seq > 0 && head.hash != running {
            let found = broken(
                BreakReason::HeadMismatch,
                head.event_id.clone(),
                shard,
                head.seq,
                None,
            );
            return Ok((checked, Some(found)));
        }
        // A link beyond the head (read again: appends since the walk began are fine) was
        // put there without moving the head.
        let now_head = ShardHead::read(table, scope, shard).await?;
        let beyond = table
            .query(
                &Query::partition(schema::audit_chain_partition(scope, shard))
                    .between(
                        schema::audit_seq(now_head.seq + 1),
                        schema::audit_seq(999_999_999_999),
                    )
                    .limit(1),
            )
            .await?;
        if let Some(item) = beyond.items.first() {
            let id = crate::store::attrs::text(item, "id")
                .ok()
                .map(str::to_owned);
            let seq = item.key.sk.parse().unwrap_or(0);
            return Ok((
                checked,
                Some(broken(BreakReason::Inserted, id, shard, seq, None)),
            ));
        }
        // A checkpoint that signed links beyond the head: they were removed with the head.
        if let Some((seq, anchor)) = walk.anchors.range(head.seq + 1..).next() {
            let found = Break {
                checkpoint_id: Some(anchor.checkpoint.clone()),
                ..broken(
                    BreakReason::Removed,
                    anchor.event_id.clone(),
                    shard,
                    *seq,
                    None,
                )
            };
            return Ok((checked, Some(found)));
        }
    }
    Ok((checked, None))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::audit::chain::encode_hash;
    use crate::audit::signing_key::AuditKeys;
    use crate::audit::{AuditSink, Outcome, RequestOrigin};
    use crate::backends::Ports;
    use crate::clock::{Clock, ManualClock};
    use crate::settings::Settings;
    use crate::store::{Condition, Item};

    const ORG: &str = "org_01arz3ndektsv4rrffq69g5fav";

    struct Kit {
        ports: Ports,
        clock: Arc<ManualClock>,
        keys: AuditKeys,
        _dir: tempfile::TempDir,
    }

    impl Kit {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let clock = ManualClock::starting_now();
            let ports = Ports::embedded(
                &Settings::embedded(dir.path()),
                clock.clone() as Arc<dyn crate::Clock>,
            )
            .unwrap();
            let keys = AuditKeys::new(ports.table.clone(), ports.keys.clone(), ports.clock.clone());
            Self {
                ports,
                clock,
                keys,
                _dir: dir,
            }
        }

        async fn events(&self, count: usize) {
            let sink = AuditSink::new(self.ports.table.clone(), self.ports.clock.clone());
            for n in 0..count {
                let mut event = sink
                    .event(
                        "orgs.vault.create",
                        Outcome::Success,
                        &RequestOrigin::default(),
                    )
                    .unwrap()
                    .actor("usr_a")
                    .resource(format!("vlt_{n}"));
                event.org_id = Some(ORG.to_owned());
                sink.record(&event).await.unwrap();
                self.clock.advance(Duration::milliseconds(1));
            }
        }

        async fn verify(&self) -> Verification {
            let keys = self.keys.published().await.unwrap();
            verify(
                &self.ports.table,
                ORG,
                &keys,
                VerifyRange::default(),
                self.clock.now(),
            )
            .await
            .unwrap()
        }

        async fn checkpoint(&self) -> Checkpoint {
            let (kid, key) = self.keys.signer().await.unwrap();
            checkpoint::write(
                &*self.ports.table,
                (&kid, &key),
                ORG,
                self.clock.now(),
                None,
            )
            .await
            .unwrap()
        }

        /// The links of the shard that holds the most, in order.
        async fn longest_chain(&self) -> Vec<Item> {
            let mut longest = Vec::new();
            for shard in 0..schema::AUDIT_SHARDS {
                let page = self
                    .ports
                    .table
                    .query(&Query::partition(schema::audit_chain_partition(ORG, shard)).limit(1000))
                    .await
                    .unwrap();
                if page.items.len() > longest.len() {
                    longest = page.items;
                }
            }
            longest
        }
    }

    fn id(item: &Item) -> String {
        item.attrs["id"].as_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn an_untouched_log_is_intact_and_every_event_is_checked() {
        let kit = Kit::new();
        kit.events(40).await;
        let found = kit.verify().await;
        assert!(found.intact, "{found:?}");
        assert_eq!(found.checked, 40);
        assert_eq!(found.checkpoint, None);
    }

    #[tokio::test]
    async fn a_changed_field_names_the_event_as_altered() {
        let kit = Kit::new();
        kit.events(40).await;
        let chain = kit.longest_chain().await;
        let mut victim = chain[1].clone();
        victim.attrs.insert("ip".into(), "198.51.100.1".into());
        kit.ports
            .table
            .put(victim.clone(), Condition::None)
            .await
            .unwrap();
        let broken = kit.verify().await.first_broken.unwrap();
        assert_eq!(broken.reason, BreakReason::Altered);
        assert_eq!(broken.event_id, Some(id(&victim)));
    }

    #[tokio::test]
    async fn a_chain_rewritten_consistently_fails_the_checkpoint_that_signed_it() {
        let kit = Kit::new();
        kit.events(40).await;
        let checkpoint = kit.checkpoint().await;
        assert!(kit.verify().await.intact);
        // Rewrite the longest chain from its first link on, hashes and head included: only the
        // signed checkpoint can tell.
        let chain = kit.longest_chain().await;
        let mut links: Vec<Link> = chain.iter().map(|i| Link::from_item(i).unwrap()).collect();
        links[0].event.ip = Some("198.51.100.1".into());
        let mut prev = GENESIS;
        for link in &mut links {
            link.prev = prev;
            link.hash = link.computed_hash();
            prev = link.hash;
            kit.ports
                .table
                .put(link.to_item(), Condition::None)
                .await
                .unwrap();
        }
        let last = links.last().unwrap();
        let mut head = ShardHead::read(&*kit.ports.table, ORG, last.shard)
            .await
            .unwrap();
        head.hash = last.hash;
        kit.ports
            .table
            .put(head.to_item(false), Condition::None)
            .await
            .unwrap();

        let found = kit.verify().await;
        let broken = found.first_broken.unwrap();
        assert_eq!(broken.reason, BreakReason::CheckpointMismatch, "{broken:?}");
        assert_eq!(broken.checkpoint_id, Some(checkpoint.claims.id.clone()));
        assert_eq!(broken.event_id, Some(last.event.id.clone()));
        assert!(found.checkpoint.unwrap().valid);
    }

    #[tokio::test]
    async fn a_checkpoint_whose_signature_does_not_verify_is_named() {
        let kit = Kit::new();
        kit.events(5).await;
        let checkpoint = kit.checkpoint().await;
        let key = schema::audit_checkpoint(ORG, &checkpoint.claims.time, &checkpoint.claims.id);
        let mut item = kit.ports.table.get(&key).await.unwrap().unwrap();
        let mut forged = checkpoint.claims.clone();
        forged.heads[0].hash = encode_hash(&[7; 32]);
        let (kid, other_key) = (
            checkpoint.kid.clone(),
            ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
        );
        let jws = crate::tokens::jws::sign(&other_key, &kid, checkpoint::TYP, &forged).unwrap();
        item.attrs.insert("jws".into(), jws.into());
        kit.ports.table.put(item, Condition::None).await.unwrap();
        let found = kit.verify().await;
        let broken = found.first_broken.unwrap();
        assert_eq!(broken.reason, BreakReason::CheckpointSignature);
        assert_eq!(broken.checkpoint_id, Some(checkpoint.claims.id));
        assert!(!found.checkpoint.unwrap().valid);
    }

    #[tokio::test]
    async fn expired_events_do_not_break_the_verification_of_newer_ones() {
        let kit = Kit::new();
        kit.events(30).await;
        kit.checkpoint().await;
        kit.clock.advance(Duration::days(200));
        kit.events(30).await;
        kit.checkpoint().await;
        // The first thirty expire; both checkpoints are kept longer than the events.
        kit.clock.advance(Duration::days(170));
        let found = kit.verify().await;
        assert!(found.intact, "{found:?}");
        assert_eq!(found.checked, 30);
    }

    #[tokio::test]
    async fn a_range_starts_at_the_checkpoint_before_from() {
        let kit = Kit::new();
        kit.events(20).await;
        kit.checkpoint().await;
        kit.clock.advance(Duration::seconds(10));
        let from = kit.clock.now();
        kit.events(7).await;
        let keys = kit.keys.published().await.unwrap();
        let found = verify(
            &kit.ports.table,
            ORG,
            &keys,
            VerifyRange {
                from: Some(from),
                to: None,
            },
            kit.clock.now(),
        )
        .await
        .unwrap();
        assert!(found.intact, "{found:?}");
        assert_eq!(found.checked, 7);
    }
}
