//! Reading a scope's log newest first, through indexes (no scan): the merge of its shards'
//! time-ordered partitions — the events' own index, or the entries filed under an actor, an
//! action or a resource — each shard queried at once. With more than one filter the most
//! selective index is read and the others are checked on what it returns.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::StreamExt as _;
use futures_util::future::join_all;
use time::OffsetDateTime;

use super::chain::{Link, NOBODY};
use super::error::AuditError;
use super::event::sort_time;
use crate::store::schema::{self, AuditFilter};
use crate::store::{Item, Key, Query, Table};

/// Rounds of reading the shards for one page when checked filters leave it short.
const MAX_ROUNDS: usize = 8;

/// Longest filter value accepted (ids and action names are far shorter).
const MAX_FILTER: usize = 128;

/// Longest cursor accepted (a sort key is about 60 characters).
const MAX_CURSOR: usize = 200;

/// What a page is filtered by (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub resource: Option<String>,
    /// Events at or after this time.
    pub from: Option<OffsetDateTime>,
    /// Events at or before this time.
    pub to: Option<OffsetDateTime>,
}

impl LogQuery {
    /// The index to read: the most selective filter given.
    fn index(&self) -> Option<AuditFilter<'_>> {
        if let Some(actor) = &self.actor {
            Some(AuditFilter::Actor(actor))
        } else if let Some(resource) = &self.resource {
            Some(AuditFilter::Resource(resource))
        } else {
            self.action.as_deref().map(AuditFilter::Action)
        }
    }

    fn matches(&self, link: &Link) -> bool {
        // An event without an actor or resource is filed (and found) under `_`.
        let event = &link.event;
        let actor = event.actor.as_deref().unwrap_or(NOBODY);
        let resource = event.resource.as_deref().unwrap_or(NOBODY);
        self.actor.as_deref().is_none_or(|a| actor == a)
            && self.action.as_deref().is_none_or(|a| event.action == a)
            && self.resource.as_deref().is_none_or(|r| resource == r)
    }
}

/// One page, newest first.
#[derive(Debug, Clone)]
pub struct LogPage {
    pub links: Vec<Link>,
    /// Pass back for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// A page of `scope`'s events matching `query`, at most `limit`, after `cursor`.
pub async fn read(
    table: &dyn Table,
    scope: &str,
    query: &LogQuery,
    limit: usize,
    cursor: Option<&str>,
) -> Result<LogPage, AuditError> {
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(AuditError::invalid("from", "must not be after `to`"));
    }
    for (field, value) in [
        ("actor", &query.actor),
        ("action", &query.action),
        ("resource", &query.resource),
    ] {
        if value
            .as_deref()
            .is_some_and(|v| v.is_empty() || v.len() > MAX_FILTER || v.contains('#'))
        {
            return Err(AuditError::invalid(field, "must be an id or action name"));
        }
    }
    let lower = query.from.map(sort_time).unwrap_or_default();
    // `#~` sorts after every `#evt_…` of the same instant.
    let mut upper = query
        .to
        .map_or_else(|| "~".to_owned(), |to| format!("{}#~", sort_time(to)));
    // Items at or above `before` were on an earlier page.
    let mut before: Option<String> = None;
    if let Some(raw) = cursor {
        let position = decode_cursor(raw)?;
        if position < upper {
            upper.clone_from(&position);
        }
        before = Some(position);
    }
    let index = query.index();
    let partitions: Vec<(u8, bool, String)> = (0..schema::AUDIT_SHARDS)
        .map(|shard| match index {
            None => (shard, true, schema::audit_log_partition(scope, shard)),
            Some(filter) => (
                shard,
                false,
                schema::audit_filter_partition(scope, filter, shard),
            ),
        })
        .collect();
    let mut links = Vec::with_capacity(limit.min(1000));
    for _ in 0..MAX_ROUNDS {
        let pages = join_all(partitions.iter().map(|(shard, in_gsi1, partition)| {
            let query = if *in_gsi1 {
                Query::gsi1(partition.clone())
            } else {
                Query::partition(partition.clone())
            };
            let query = query
                .between(lower.clone(), upper.clone())
                .descending()
                .limit((limit + 1).min(Query::MAX_LIMIT));
            async move { (*shard, table.query(&query).await) }
        }))
        .await;
        let mut more_in_shards = false;
        let mut merged: Vec<(String, u8, Item)> = Vec::new();
        for (shard, page) in pages {
            let page = page?;
            more_in_shards |= page.next_cursor.is_some();
            merged.extend(page.items.into_iter().filter_map(|item| {
                let key = time_key(&item, index.is_none())?;
                before
                    .as_ref()
                    .is_none_or(|b| key < *b)
                    .then_some((key, shard, item))
            }));
        }
        merged.sort_unstable_by(|a, b| b.0.cmp(&a.0));
        // The newest `limit` of the merge are certain: a shard that had more returned `limit`
        // items newer than anything it kept back.
        let certain = merged.len().min(limit);
        let more = more_in_shards || merged.len() > certain;
        merged.truncate(certain);
        let found = match index {
            None => merged
                .iter()
                .map(|(_, _, item)| Link::from_item(item))
                .collect(),
            Some(_) => links_of_entries(table, scope, &merged).await?,
        };
        let mut last_scanned = None;
        for ((key, _, _), link) in merged.into_iter().zip(found) {
            if let Some(link) = link.filter(|link| query.matches(link)) {
                links.push(link);
                if links.len() == limit {
                    return Ok(LogPage {
                        links,
                        next_cursor: Some(encode_cursor(&key)),
                    });
                }
            }
            last_scanned = Some(key);
        }
        match last_scanned {
            Some(key) if more => {
                upper.clone_from(&key);
                before = Some(key);
            }
            _ => {
                return Ok(LogPage {
                    links,
                    next_cursor: None,
                });
            }
        }
    }
    let next_cursor = before.as_deref().map(encode_cursor);
    Ok(LogPage { links, next_cursor })
}

/// Point reads of links in flight at once for one page.
const LINK_READS: usize = 32;

/// The links filter entries point to, in order (one that expired meanwhile is `None`).
async fn links_of_entries(
    table: &dyn Table,
    scope: &str,
    entries: &[(String, u8, Item)],
) -> Result<Vec<Option<Link>>, AuditError> {
    // Owned keys: a stream of futures borrowing the entries is not `Send` for every lifetime.
    let keys: Vec<Key> = entries
        .iter()
        .map(|(_, shard, entry)| {
            let seq = u64::try_from(crate::store::attrs::count(entry, "seq")).unwrap_or(0);
            schema::audit_link(scope, *shard, seq)
        })
        .collect();
    let reads = keys.into_iter().map(|key| async move {
        let link = table.get(&key).await?;
        Ok::<_, AuditError>(link.as_ref().and_then(Link::from_item))
    });
    futures_util::stream::iter(reads)
        .buffered(LINK_READS)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// An item's time key: the index sort key of a link, the sort key of a filter entry.
fn time_key(item: &Item, in_gsi1: bool) -> Option<String> {
    if in_gsi1 {
        item.gsi1.as_ref().map(|key| key.sk.clone())
    } else {
        Some(item.key.sk.clone())
    }
}

fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

fn decode_cursor(raw: &str) -> Result<String, AuditError> {
    let bad = || AuditError::invalid("cursor", "is not a cursor this API returned");
    if raw.len() > MAX_CURSOR {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let key = String::from_utf8(bytes).map_err(|_| bad())?;
    let well_formed = key
        .split_once("#evt_")
        .is_some_and(|(time, id)| time.ends_with('Z') && !id.is_empty() && !id.contains('#'));
    if well_formed { Ok(key) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_a_made_up_one_is_refused() {
        let key = "2026-11-30T05:00:00.000000000Z#evt_01arz3ndektsv4rrffq69g5fav";
        assert_eq!(decode_cursor(&encode_cursor(key)).unwrap(), key);
        for bad in ["", "!!", &encode_cursor("ORG#x"), &"A".repeat(300)] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
