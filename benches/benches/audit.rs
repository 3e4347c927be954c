//! The audit log's two goals (issue 12), on the embedded stack (SQLite in a temporary folder),
//! beside their references in the same run.
//!
//! - `audit_change`: audited changes per second through the unit of work (`Change::commit`: the
//!   change's one write, the event as the next link of its shard's chain — head read, link, its
//!   3 filter entries, the head moved conditionally — in one transaction). All events are in one
//!   org, the worst case: every writer contends for the same 16 shard heads. `one_writer` commits
//!   one change at a time; `eight_writers` runs them from 8 tasks on a 2-thread runtime (the
//!   local server's shape). Reference: `bare_put`, the change's one write alone, unaudited.
//!   Goal: at least 5,000 changes/s.
//! - `audit_verify`: `verify` over one org's chains of `COFFER_BENCH_AUDIT_EVENTS` events
//!   (default 1,000,000; built once and kept in `target/bench-data/`), every link's hash
//!   recomputed and every link matched to the one before. Reference: `read_only`, the same links
//!   read page by page with nothing checked. Goal: 1,000,000 events in under 10 s.
//!
//! `cargo bench -p coffer-benches --bench audit -- --warm-up-time 1 --measurement-time 5`

// Setup failures should stop the bench loudly; nothing here runs in production.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coffer_core::audit::chain::{Link, ShardHead};
use coffer_core::audit::verify::{self, VerifyRange};
use coffer_core::audit::{AuditEvent, AuditSink, Change, Outcome, RequestOrigin};
use coffer_core::ids::{OrgId, VaultId};
use coffer_core::store::sqlite::SqliteTable;
use coffer_core::store::{Condition, Item, Key, Query, Table, TxOp, schema};
use coffer_core::{Clock, SystemClock};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use time::OffsetDateTime;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn org_event(sink: &AuditSink, org: &str, n: u64) -> AuditEvent {
    let mut event = sink
        .event(
            "orgs.vault.create",
            Outcome::Success,
            &RequestOrigin::default(),
        )
        .unwrap()
        .actor("usr_01arz3ndektsv4rrffq69g5fav")
        .resource(format!("vlt_{n}"));
    event.org_id = Some(org.to_owned());
    event
}

/// The one write each change makes: a new vault's item (its key from the schema module).
fn vault_key(org: &str) -> Key {
    let org = OrgId::parse(org).unwrap();
    schema::vault(&org, &VaultId::generate(OffsetDateTime::now_utc()).unwrap())
}

/// The org the cached verification table's chains belong to.
const VERIFY_ORG: &str = "org_01arz3ndektsv4rrffq69g5fav";

fn change(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let table: Arc<dyn Table> =
        Arc::new(SqliteTable::open(dir.path().join("t.sqlite3"), Arc::clone(&clock)).unwrap());
    let sink = AuditSink::new(Arc::clone(&table), clock);
    let org = OrgId::generate(OffsetDateTime::now_utc())
        .unwrap()
        .to_string();
    let mut group = c.benchmark_group("audit_change");
    group.throughput(Throughput::Elements(1));
    let mut n = 0u64;
    group.bench_function("one_writer", |b| {
        b.iter(|| {
            n += 1;
            let event = org_event(&sink, &org, n);
            let item = Item::new(vault_key(&org));
            rt.block_on(
                Change::<()>::new(event)
                    .put(item, Condition::MustNotExist)
                    .commit(&*table),
            )
            .unwrap();
        });
    });
    group.bench_function("eight_writers", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            rt.block_on(async {
                let tasks: Vec<_> = (0..8u64)
                    .map(|task| {
                        let (table, sink, org) = (Arc::clone(&table), sink.clone(), org.clone());
                        tokio::spawn(async move {
                            for i in (task..iters).step_by(8) {
                                let event = org_event(&sink, &org, i);
                                let item = Item::new(vault_key(&org));
                                Change::<()>::new(event)
                                    .put(item, Condition::MustNotExist)
                                    .commit(&*table)
                                    .await
                                    .unwrap();
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            });
            start.elapsed()
        });
    });
    group.bench_function("bare_put", |b| {
        b.iter(|| {
            n += 1;
            let item = Item::new(vault_key(&org));
            rt.block_on(table.put(item, Condition::MustNotExist))
                .unwrap();
        });
    });
    group.finish();
}

/// How many events the verification bench walks.
fn verify_events() -> u64 {
    std::env::var("COFFER_BENCH_AUDIT_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000)
}

/// A table holding one org's chains of `events` links (built once, then reused).
fn chains(rt: &tokio::runtime::Runtime, events: u64) -> (Arc<dyn Table>, String) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("audit-verify-{events}.sqlite3"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let table: Arc<dyn Table> = Arc::new(SqliteTable::open(&path, Arc::clone(&clock)).unwrap());
    let org = VERIFY_ORG.to_owned();
    // Built already when the shards' heads say so.
    let mut built = 0;
    for shard in 0..schema::AUDIT_SHARDS {
        built += rt
            .block_on(ShardHead::read(&*table, &org, shard))
            .unwrap()
            .seq;
    }
    if built == events {
        return (table, org);
    }
    let sink = AuditSink::new(Arc::clone(&table), clock);
    let mut heads: Vec<ShardHead> = (0..schema::AUDIT_SHARDS)
        .map(|shard| ShardHead::genesis(&org, shard))
        .collect();
    let started = Instant::now();
    let mut batch = Vec::with_capacity(100);
    for n in 0..events {
        let event = org_event(&sink, &org, n);
        let shard = coffer_core::audit::chain::shard_of(&event.id);
        let head = &mut heads[usize::from(shard)];
        let link = Link::after(head, event);
        head.seq = link.seq;
        head.hash = link.hash;
        head.event_id = Some(link.event.id.clone());
        batch.push(TxOp::Put {
            item: link.to_item(),
            condition: Condition::None,
        });
        if batch.len() == 100 {
            rt.block_on(table.transact(std::mem::take(&mut batch)))
                .unwrap();
        }
    }
    for head in &mut heads {
        head.version = 1;
        batch.push(TxOp::Put {
            item: head.to_item(false),
            condition: Condition::None,
        });
    }
    for chunk in batch.chunks(100) {
        rt.block_on(table.transact(chunk.to_vec())).unwrap();
    }
    eprintln!(
        "built {events} audit links in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    (table, org)
}

fn verification(c: &mut Criterion) {
    let rt = runtime();
    let events = verify_events();
    let (table, org) = chains(&rt, events);
    let mut group = c.benchmark_group("audit_verify");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(events));
    group.bench_function("verify", |b| {
        b.iter(|| {
            let found = rt
                .block_on(verify::verify(
                    &table,
                    &org,
                    &[],
                    VerifyRange::default(),
                    OffsetDateTime::now_utc(),
                ))
                .unwrap();
            assert!(found.intact, "{found:?}");
            assert_eq!(found.checked, events);
        });
    });
    group.bench_function("read_only", |b| {
        b.iter(|| {
            let read = rt.block_on(async {
                let shards = (0..schema::AUDIT_SHARDS).map(|shard| {
                    let (table, org) = (Arc::clone(&table), org.clone());
                    tokio::spawn(async move {
                        let (mut count, mut cursor) = (0u64, None);
                        loop {
                            let page = table
                                .query(
                                    &Query::partition(schema::audit_chain_partition(&org, shard))
                                        .limit(Query::MAX_LIMIT)
                                        .after(cursor),
                                )
                                .await
                                .unwrap();
                            count += page.items.len() as u64;
                            cursor = page.next_cursor;
                            if cursor.is_none() {
                                return count;
                            }
                        }
                    })
                });
                let mut total = 0;
                for shard in shards.collect::<Vec<_>>() {
                    total += shard.await.unwrap();
                }
                total
            });
            assert_eq!(read, events);
        });
    });
    group.finish();
}

criterion_group!(benches, change, verification);
criterion_main!(benches);
