//! The hash chains that make the audit log tamper-evident without a hot spot.
//!
//! A scope's events (an org's; a user's own; the platform's) are spread over
//! [`schema::AUDIT_SHARDS`] chains by a hash of the event id. Each event is a link: it carries
//! its shard's sequence number, the hash of the link before it (and that link's event id) and
//! its own hash, SHA-256 over everything it says. The shard's head item names the last link; it
//! moves with a conditional write in the transaction of the change the event records, so two
//! writers cannot both append at the same place, and one partition (about 1,000 writes/s) never
//! carries more than one shard. A head not yet covered by a checkpoint is in the dirty index,
//! where the cleanup finds the scopes to checkpoint.

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::event::AuditEvent;
use super::retention;
use crate::store::attrs::{self, BadAttribute};
use crate::store::schema::{self, AuditFilter};
use crate::store::{Condition, Item, StoreError, Table, TxOp};

/// What an event without an actor or a resource is filed under.
pub const NOBODY: &str = "_";

/// The hash before a chain's first link.
pub const GENESIS: [u8; 32] = [0; 32];

/// A link's hash (or the hash before it).
pub type LinkHash = [u8; 32];

/// The shard an event's chain link goes to.
pub fn shard_of(event_id: &str) -> u8 {
    Sha256::digest(event_id.as_bytes())[0] % schema::AUDIT_SHARDS
}

/// The dirty-index bucket of a shard head: a scope's shards spread over buckets, so a busy
/// scope does not make one index partition hot.
fn dirty_bucket(scope: &str, shard: u8) -> u8 {
    let mut digest = Sha256::new();
    digest.update(scope.as_bytes());
    digest.update([shard]);
    digest.finalize()[0] % schema::AUDIT_DIRTY_BUCKETS
}

pub fn encode_hash(hash: &LinkHash) -> String {
    URL_SAFE_NO_PAD.encode(hash)
}

pub fn decode_hash(raw: &str) -> Option<LinkHash> {
    URL_SAFE_NO_PAD.decode(raw).ok()?.try_into().ok()
}

/// The last link of a shard's chain (the genesis when the shard has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardHead {
    pub scope: String,
    pub shard: u8,
    /// The last link's sequence number; 0 before the first.
    pub seq: u64,
    pub hash: LinkHash,
    pub event_id: Option<String>,
    /// The head item's version; 0 when there is none yet.
    pub version: u64,
}

impl ShardHead {
    pub fn genesis(scope: &str, shard: u8) -> Self {
        Self {
            scope: scope.to_owned(),
            shard,
            seq: 0,
            hash: GENESIS,
            event_id: None,
            version: 0,
        }
    }

    pub fn from_item(scope: &str, shard: u8, item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            scope: scope.to_owned(),
            shard,
            seq: u64::try_from(attrs::count(item, "seq")).map_err(|_| BadAttribute("seq"))?,
            hash: attrs::parsed(item, "hash", decode_hash)?,
            event_id: attrs::text(item, "event_id").ok().map(str::to_owned),
            version: item.version,
        })
    }

    /// The head item; `dirty` keeps it in the index of heads no checkpoint covers.
    pub fn to_item(&self, dirty: bool) -> Item {
        let mut item = Item::new(schema::audit_shard_head(&self.scope, self.shard))
            .with_version(self.version)
            .with_attr("scope", self.scope.as_str())
            .with_attr("shard", i64::from(self.shard))
            .with_attr("seq", i64::try_from(self.seq).unwrap_or(i64::MAX))
            .with_attr("hash", encode_hash(&self.hash))
            .with_attr("event_id", self.event_id.clone());
        if dirty {
            item = item.with_gsi1(
                schema::audit_dirty_partition(dirty_bucket(&self.scope, self.shard)),
                schema::audit_dirty_sort_key(&self.scope, self.shard),
            );
        }
        item
    }

    /// Reads a shard's head (strongly consistent).
    pub async fn read(table: &dyn Table, scope: &str, shard: u8) -> Result<Self, StoreError> {
        match table.get(&schema::audit_shard_head(scope, shard)).await? {
            None => Ok(Self::genesis(scope, shard)),
            // A head that cannot be read cannot be appended to: the store's data is bad.
            Some(item) => Self::from_item(scope, shard, &item)
                .map_err(|bad| StoreError::Invalid(format!("audit shard head: {bad}"))),
        }
    }
}

/// An event in its place in a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub event: AuditEvent,
    pub scope: String,
    pub shard: u8,
    pub seq: u64,
    pub prev: LinkHash,
    pub prev_event: Option<String>,
    pub hash: LinkHash,
    /// The `seq` the item says it has (its key says `seq`): they differ only if it was moved.
    pub stated_seq: u64,
}

impl Link {
    /// `event` appended after `head`.
    pub fn after(head: &ShardHead, event: AuditEvent) -> Self {
        let seq = head.seq + 1;
        let mut link = Self {
            scope: head.scope.clone(),
            shard: head.shard,
            seq,
            prev: head.hash,
            prev_event: head.event_id.clone(),
            hash: GENESIS,
            stated_seq: seq,
            event,
        };
        link.hash = link.computed_hash();
        link
    }

    /// SHA-256 over a length-prefixed encoding of everything the link says (its stated place
    /// included: a link moved in the table is caught by comparing that with its key), so no
    /// two different links encode alike.
    pub fn computed_hash(&self) -> LinkHash {
        let mut digest = Sha256::new();
        let mut part = |bytes: Option<&[u8]>| match bytes {
            None => digest.update(u32::MAX.to_be_bytes()),
            Some(bytes) => {
                digest.update(
                    u32::try_from(bytes.len())
                        .unwrap_or(u32::MAX - 1)
                        .to_be_bytes(),
                );
                digest.update(bytes);
            }
        };
        let event = &self.event;
        fn text(value: &Option<String>) -> Option<&[u8]> {
            value.as_deref().map(str::as_bytes)
        }
        part(Some(b"coffer-audit-link:v1"));
        part(Some(self.scope.as_bytes()));
        part(Some(&[self.shard]));
        part(Some(&self.stated_seq.to_be_bytes()));
        part(Some(&self.prev));
        part(text(&self.prev_event));
        part(Some(event.id.as_bytes()));
        part(Some(event.sort_time().as_bytes()));
        part(text(&event.actor));
        part(Some(event.action.as_bytes()));
        part(text(&event.resource));
        part(Some(event.outcome.as_str().as_bytes()));
        part(text(&event.ip));
        part(text(&event.user_agent));
        part(text(&event.request_id));
        part(text(&event.org_id));
        part(Some(
            &u32::try_from(event.fields.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        ));
        for field in &event.fields {
            part(Some(field.as_bytes()));
        }
        digest.finalize().into()
    }

    fn write_attrs(&self, item: Item) -> Item {
        self.event
            .write_attrs(&self.event.sort_time(), item)
            .with_attr("scope", self.scope.as_str())
            .with_attr("shard", i64::from(self.shard))
            .with_attr("seq", i64::try_from(self.seq).unwrap_or(i64::MAX))
            .with_attr("prev", encode_hash(&self.prev))
            .with_attr("prev_event", self.prev_event.clone())
            .with_attr("hash", encode_hash(&self.hash))
            .with_expiry(retention::expiry_of(self.event.time))
    }

    /// The link item: in its chain by `seq`, in the index by time.
    pub fn to_item(&self) -> Item {
        let item = Item::new(schema::audit_link(&self.scope, self.shard, self.seq)).with_gsi1(
            schema::audit_log_partition(&self.scope, self.shard),
            schema::audit_sort_key(&self.event.sort_time(), &self.event.id),
        );
        self.write_attrs(item)
    }

    /// The link's entries under its actor, action and resource — always three, an absent actor
    /// or resource filed as [`NOBODY`], so that every event costs the same writes (a failed
    /// login on an account and one for an unknown address look alike to the store). An entry
    /// holds only the link's place (its shard is in the entry's partition): a copy of the
    /// event would cost each audited change three times the bytes, and a filtered read gets the
    /// few links a page shows.
    pub(crate) fn filter_entries(&self) -> Vec<Item> {
        let event = &self.event;
        let sort_time = event.sort_time();
        let filters = [
            AuditFilter::Action(event.action),
            AuditFilter::Actor(event.actor.as_deref().unwrap_or(NOBODY)),
            AuditFilter::Resource(event.resource.as_deref().unwrap_or(NOBODY)),
        ];
        filters
            .into_iter()
            .map(|filter| {
                Item::new(schema::audit_filter_entry(
                    &self.scope,
                    filter,
                    self.shard,
                    &sort_time,
                    &event.id,
                ))
                .with_attr("seq", i64::try_from(self.seq).unwrap_or(i64::MAX))
                .with_expiry(retention::expiry_of(event.time))
            })
            .collect()
    }

    /// The link an item of a chain holds; `None` when it is not one (unreadable as a link).
    /// The link a chain item holds; its place is its key, its `seq` what it states.
    pub fn from_item(item: &Item) -> Option<Self> {
        let stated_seq = u64::try_from(attrs::count(item, "seq")).ok()?;
        let seq = item.key.sk.parse().ok()?;
        Some(Self {
            event: AuditEvent::from_item(item)?,
            scope: attrs::text(item, "scope").ok()?.to_owned(),
            shard: u8::try_from(attrs::count(item, "shard")).ok()?,
            seq,
            prev: decode_hash(attrs::text(item, "prev").ok()?)?,
            prev_event: attrs::text(item, "prev_event").ok().map(str::to_owned),
            hash: decode_hash(attrs::text(item, "hash").ok()?)?,
            stated_seq,
        })
    }
}

/// Stripes of in-process locks: a process appends to one shard at a time, so its own writers
/// do not race each other for a head (other processes still can; the condition settles it).
/// They are only a courtesy: a writer that waits longer than [`LOCK_PATIENCE`] (another one's
/// write is stalled) goes ahead without, and the head's condition keeps the chain whole.
static STRIPES: LazyLock<Vec<tokio::sync::Mutex<()>>> =
    LazyLock::new(|| (0..64).map(|_| tokio::sync::Mutex::new(())).collect());

fn stripe(scope: &str, shard: u8) -> usize {
    usize::from(dirty_bucket(scope, shard))
}

/// How long a writer waits for another to finish appending to the same shard.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_millis(100);

/// The locks for appending to the shards of `events`, taken in one order so that two changes
/// never wait on each other (and never longer than [`LOCK_PATIENCE`] each).
pub(crate) async fn lock_shards(
    events: &[AuditEvent],
) -> Vec<tokio::sync::MutexGuard<'static, ()>> {
    let mut stripes: Vec<usize> = events
        .iter()
        .map(|event| stripe(event.scope(), shard_of(&event.id)))
        .collect();
    stripes.sort_unstable();
    stripes.dedup();
    let mut guards = Vec::with_capacity(stripes.len());
    for index in stripes {
        if let Some(lock) = STRIPES.get(index)
            && let Ok(guard) = tokio::time::timeout(LOCK_PATIENCE, lock.lock()).await
        {
            guards.push(guard);
        }
    }
    guards
}

/// The writes that append `events` to their chains (reading each shard's head): each link,
/// its filter entries, and each moved head, conditional on the head not having moved since.
pub(crate) async fn append_ops(
    table: &dyn Table,
    events: &[AuditEvent],
) -> Result<Vec<TxOp>, StoreError> {
    let mut heads: Vec<(ShardHead, u64)> = Vec::new();
    let mut ops = Vec::with_capacity(events.len() * 5);
    for event in events {
        let (scope, shard) = (event.scope(), shard_of(&event.id));
        let at = match heads
            .iter()
            .position(|(head, _)| head.scope == scope && head.shard == shard)
        {
            Some(at) => at,
            None => {
                let head = ShardHead::read(table, scope, shard).await?;
                let read_version = head.version;
                heads.push((head, read_version));
                heads.len() - 1
            }
        };
        let Some((head, _)) = heads.get_mut(at) else {
            continue;
        };
        let link = Link::after(head, event.clone());
        ops.push(TxOp::Put {
            item: link.to_item(),
            condition: Condition::MustNotExist,
        });
        ops.extend(link.filter_entries().into_iter().map(|item| TxOp::Put {
            item,
            condition: Condition::None,
        }));
        head.seq = link.seq;
        head.hash = link.hash;
        head.event_id = Some(event.id.clone());
    }
    for (mut head, read_version) in heads {
        head.version = read_version + 1;
        let condition = if read_version == 0 {
            Condition::MustNotExist
        } else {
            Condition::VersionEquals(read_version)
        };
        ops.push(TxOp::Put {
            item: head.to_item(true),
            condition,
        });
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Outcome, RequestOrigin};

    fn event(id: &str) -> AuditEvent {
        AuditEvent {
            id: id.to_owned(),
            time: time::macros::datetime!(2026-11-30 05:00:00 UTC),
            actor: Some("usr_a".into()),
            action: "orgs.org.rename",
            resource: Some("org_x".into()),
            outcome: Outcome::Success,
            ip: Some("203.0.113.7".into()),
            user_agent: None,
            request_id: RequestOrigin::default().request_id,
            org_id: Some("org_x".into()),
            fields: vec!["name".into()],
        }
    }

    #[test]
    fn a_link_hash_covers_every_field_and_its_place() {
        let head = ShardHead::genesis("org_x", 3);
        let link = Link::after(&head, event("evt_1"));
        assert_eq!(link.hash, link.computed_hash());
        let mut changed = link.clone();
        changed.event.ip = Some("203.0.113.8".into());
        assert_ne!(changed.computed_hash(), link.hash);
        let mut moved = link.clone();
        moved.stated_seq = 2;
        assert_ne!(moved.computed_hash(), link.hash);
        let mut other_field = link.clone();
        other_field.event.fields = vec!["nam".into(), "e".into()];
        assert_ne!(other_field.computed_hash(), link.hash);
        let mut none_vs_empty = link.clone();
        none_vs_empty.event.resource = Some(String::new());
        let mut none = link.clone();
        none.event.resource = None;
        assert_ne!(none_vs_empty.computed_hash(), none.computed_hash());
    }

    #[test]
    fn a_link_item_reads_back_as_the_same_link() {
        let head = ShardHead::genesis("org_x", 3);
        let link = Link::after(&head, event("evt_1"));
        let back = Link::from_item(&link.to_item()).unwrap();
        assert_eq!(back, link);
        assert_eq!(back.computed_hash(), link.hash);
    }

    #[test]
    fn events_spread_over_every_shard() {
        let mut seen = [false; schema::AUDIT_SHARDS as usize];
        for n in 0..400 {
            seen[usize::from(shard_of(&format!("evt_{n}")))] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
