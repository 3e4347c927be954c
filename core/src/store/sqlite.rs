//! The Table port on an embedded SQLite file.
//!
//! WAL mode with a busy timeout, and every write in a `BEGIN IMMEDIATE` transaction, so several
//! processes (as `cargo lambda watch` runs, one per function) can share one file safely.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use serde_json::{Map, Value};

use super::{
    Condition, Cursor, Index, Item, Key, Page, Query, SortRange, StoreError, Sweep, Table, TxOp,
    check_transaction,
};
use crate::clock::Clock;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS items (
    pk         TEXT NOT NULL,
    sk         TEXT NOT NULL,
    gsi1pk     TEXT,
    gsi1sk     TEXT,
    expires_at INTEGER,
    ver        INTEGER NOT NULL,
    attrs      TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;
";

const COLUMNS: &str = "pk, sk, gsi1pk, gsi1sk, expires_at, ver, attrs";

/// Connections kept open for reuse: as many as requests a busy local server runs at once, so a
/// burst does not open (and close) connections.
const POOL_SIZE: usize = 64;

/// The Table port on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteTable {
    path: PathBuf,
    pool: Arc<Mutex<Vec<Connection>>>,
    /// Writers of this process take turns here before they begin: SQLite admits one writer at a
    /// time, and its busy handler makes the others sleep and poll (milliseconds each, the tail
    /// of every write-heavy route under load), where a queue in the process wakes the next at
    /// once. Other processes on the same file still meet the busy handler. The turn holds the
    /// writers' own connection, so the pages they just wrote stay in its cache (a pooled
    /// connection's cache is cold for most of them: each audited change touches a dozen pages).
    writing: Arc<Mutex<Option<Connection>>>,
    /// Writes made, to checkpoint the WAL every [`CHECKPOINT_EVERY`].
    writes: Arc<AtomicU64>,
    clock: Arc<dyn Clock>,
}

/// Writes between two WAL checkpoints (SQLite's own default is about 1,000 pages).
const CHECKPOINT_EVERY: u64 = 500;

/// A WAL longer than this at a checkpoint is copied back and restarted from its beginning by
/// the writer itself, and SQLite truncates it to this length afterwards. A passive checkpoint
/// copies the WAL but cannot restart it while readers keep reading from it, which under steady
/// load is always: the file then grew by every write for good (11 GB in a 10-minute soak).
const WAL_RESTART_BYTES: u64 = if cfg!(test) { 2 << 20 } else { 64 << 20 };

impl SqliteTable {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(StoreError::backend)?;
        }
        let conn = connect(&path)?;
        conn.execute_batch(SCHEMA).map_err(StoreError::backend)?;
        Ok(Self {
            path,
            pool: Arc::new(Mutex::new(vec![conn])),
            writing: Arc::new(Mutex::new(None)),
            writes: Arc::new(AtomicU64::new(0)),
            clock,
        })
    }

    /// Runs a read on a pooled connection on the calling thread. A WAL reader never waits for
    /// a writer, and a point read or a page of a query takes microseconds, far less than the
    /// hop to a blocking thread that [`Self::run`] makes (most of a read's cost there).
    fn read_now<T>(
        &self,
        work: impl FnOnce(&mut Connection, i64) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.pool.lock().ok().and_then(|mut p| p.pop());
        let mut conn = match pooled {
            Some(conn) => conn,
            None => connect(&self.path)?,
        };
        let result = work(&mut conn, self.clock.unix());
        if let Ok(mut p) = self.pool.lock()
            && p.len() < POOL_SIZE
        {
            p.push(conn);
        }
        result
    }

    /// Like [`Self::run`], for work that writes: one writer of this process at a time. Every
    /// [`CHECKPOINT_EVERY`] writes, the writer that just finished copies the WAL back into the
    /// database after giving up its turn (SQLite's automatic checkpoint would run inside it, and
    /// every writer queued behind would wait for its fsync).
    async fn run_writing<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, i64) -> Result<T, StoreError> + Send + 'static,
    {
        let result = self.in_turn(work).await;
        if self.writes.fetch_add(1, Ordering::Relaxed) % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1 {
            self.checkpoint().await;
        }
        result
    }

    /// Runs `work` on the writers' connection, during this process's writing turn.
    async fn in_turn<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, i64) -> Result<T, StoreError> + Send + 'static,
    {
        let writing = Arc::clone(&self.writing);
        let path = self.path.clone();
        let now = self.clock.unix();
        tokio::task::spawn_blocking(move || {
            let mut turn = writing.lock().unwrap_or_else(PoisonError::into_inner);
            let conn = match turn.take() {
                Some(conn) => conn,
                None => connect(&path)?,
            };
            let conn = turn.insert(conn);
            work(conn, now)
        })
        .await
        .map_err(StoreError::backend)?
    }

    /// Copies the WAL back into the database. Usually PASSIVE, on a pooled connection outside
    /// the writers' queue: it blocks nobody. When the WAL has grown past
    /// [`WAL_RESTART_BYTES`] anyway (readers kept it from restarting), RESTART on the writers'
    /// connection during a turn: the writers wait for one checkpoint, and the WAL starts over.
    /// A failure only leaves the WAL longer until the next one.
    async fn checkpoint(&self) {
        let wal = wal_path(&self.path);
        let long = std::fs::metadata(&wal).is_ok_and(|meta| meta.len() > WAL_RESTART_BYTES);
        let checkpoint = if long {
            self.in_turn(|conn, _| {
                conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
                    .map_err(StoreError::backend)
            })
            .await
        } else {
            self.run(|conn, _| {
                conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    .map_err(StoreError::backend)
            })
            .await
        };
        if let Err(err) = checkpoint {
            tracing::debug!(error = %err, restart = long, "WAL checkpoint did not run");
        }
    }

    /// Runs `work` on a pooled connection on a blocking thread, with the current time.
    async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, i64) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = Arc::clone(&self.pool);
        let path = self.path.clone();
        let now = self.clock.unix();
        tokio::task::spawn_blocking(move || {
            let pooled = pool.lock().ok().and_then(|mut p| p.pop());
            let mut conn = match pooled {
                Some(conn) => conn,
                None => connect(&path)?,
            };
            let result = work(&mut conn, now);
            if let Ok(mut p) = pool.lock()
                && p.len() < POOL_SIZE
            {
                p.push(conn);
            }
            result
        })
        .await
        .map_err(StoreError::backend)?
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(StoreError::backend)?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(StoreError::backend)?;
    // The WAL is checkpointed by `run_writing` (see `checkpoint`), and truncated back to
    // `WAL_RESTART_BYTES` when it restarts.
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
         PRAGMA journal_size_limit = {WAL_RESTART_BYTES};"
    ))
    .map_err(StoreError::backend)?;
    Ok(conn)
}

/// SQLite's write-ahead log beside the database file.
fn wal_path(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<(Item, String)> {
    let gsi1pk: Option<String> = row.get(2)?;
    let gsi1sk: Option<String> = row.get(3)?;
    let version: i64 = row.get(5)?;
    let item = Item {
        key: Key::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?),
        gsi1: gsi1pk.zip(gsi1sk).map(|(pk, sk)| Key::new(pk, sk)),
        expires_at: row.get(4)?,
        version: u64::try_from(version).unwrap_or_default(),
        attrs: Map::new(),
    };
    Ok((item, row.get(6)?))
}

fn parse_attrs((mut item, json): (Item, String)) -> Result<Item, StoreError> {
    item.attrs = serde_json::from_str(&json).map_err(StoreError::backend)?;
    Ok(item)
}

fn read(conn: &Connection, key: &Key) -> Result<Option<Item>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM items WHERE pk = ?1 AND sk = ?2");
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row(params![key.pk, key.sk], item_from_row))
        .optional()
        .map_err(StoreError::backend)?
        .map(parse_attrs)
        .transpose()
}

fn holds(current: Option<&Item>, condition: Condition, now: i64) -> bool {
    let live = current.filter(|item| item.is_live(now));
    match condition {
        Condition::None => true,
        Condition::MustNotExist => live.is_none(),
        Condition::MustExist => live.is_some(),
        Condition::VersionEquals(version) => live.is_some_and(|item| item.version == version),
    }
}

fn write(conn: &Connection, item: &Item) -> Result<(), StoreError> {
    let attrs = serde_json::to_string(&item.attrs).map_err(StoreError::backend)?;
    let version =
        i64::try_from(item.version).map_err(|_| StoreError::Invalid("version too large".into()))?;
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO items ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))
    .and_then(|mut stmt| {
        stmt.execute(params![
            item.key.pk,
            item.key.sk,
            item.gsi1.as_ref().map(|k| &k.pk),
            item.gsi1.as_ref().map(|k| &k.sk),
            item.expires_at,
            version,
            attrs
        ])
    })
    .map_err(StoreError::backend)?;
    Ok(())
}

fn remove(conn: &Connection, key: &Key) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM items WHERE pk = ?1 AND sk = ?2",
        params![key.pk, key.sk],
    )
    .map_err(StoreError::backend)?;
    Ok(())
}

/// Builds the SQL of a query: the sort key column, its range, the cursor and the order.
fn query_sql(query: &Query) -> Result<(String, Vec<rusqlite::types::Value>), StoreError> {
    use rusqlite::types::Value as V;
    let (pk_col, sk_col) = match query.index {
        Index::Primary => ("pk", "sk"),
        Index::Gsi1 => ("gsi1pk", "gsi1sk"),
    };
    let mut sql = format!(
        "SELECT {COLUMNS} FROM items WHERE {pk_col} = ?1 AND (expires_at IS NULL OR expires_at > ?2)"
    );
    let mut args: Vec<V> = vec![V::Text(query.partition.clone())];
    // ?2 is `now`, pushed by the caller.
    args.push(V::Null);
    match &query.range {
        SortRange::All => {}
        SortRange::Prefix(prefix) => {
            // An ascending page after a cursor starts at the cursor: give SQLite that one lower
            // bound (with two, it may seek to the prefix and filter its way to the cursor).
            let n = args.len() + 1;
            if query.cursor.is_none() || query.descending {
                sql.push_str(&format!(" AND {sk_col} >= ?{n}"));
            }
            sql.push_str(&format!(" AND substr({sk_col}, 1, length(?{n})) = ?{n}"));
            args.push(V::Text(prefix.clone()));
        }
        // A page after a cursor starts at the cursor: give SQLite only the far bound (with
        // both, it may seek to the near one and filter its way to the cursor, reading every
        // earlier page again).
        SortRange::Between(from, to) => match (query.cursor.is_some(), query.descending) {
            (true, false) => {
                sql.push_str(&format!(" AND {sk_col} <= ?{}", args.len() + 1));
                args.push(V::Text(to.clone()));
            }
            (true, true) => {
                sql.push_str(&format!(" AND {sk_col} >= ?{}", args.len() + 1));
                args.push(V::Text(from.clone()));
            }
            (false, _) => {
                sql.push_str(&format!(
                    " AND {sk_col} BETWEEN ?{} AND ?{}",
                    args.len() + 1,
                    args.len() + 2
                ));
                args.push(V::Text(from.clone()));
                args.push(V::Text(to.clone()));
            }
        },
    }
    let (cmp, order) = if query.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(cursor) = &query.cursor {
        let key = cursor.key();
        match query.index {
            Index::Primary => {
                sql.push_str(&format!(" AND sk {cmp} ?{}", args.len() + 1));
                args.push(V::Text(key.sk));
            }
            Index::Gsi1 => {
                let gsi = cursor.gsi1_key().ok_or(StoreError::InvalidCursor)?;
                let n = args.len();
                sql.push_str(&format!(
                    " AND (gsi1sk, pk, sk) {cmp} (?{}, ?{}, ?{})",
                    n + 1,
                    n + 2,
                    n + 3
                ));
                args.extend([V::Text(gsi.sk), V::Text(key.pk), V::Text(key.sk)]);
            }
        }
    }
    match query.index {
        Index::Primary => sql.push_str(&format!(" ORDER BY sk {order}")),
        Index::Gsi1 => sql.push_str(&format!(" ORDER BY gsi1sk {order}, pk {order}, sk {order}")),
    }
    sql.push_str(&format!(" LIMIT {}", query.limit + 1));
    Ok((sql, args))
}

#[async_trait]
impl Table for SqliteTable {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        key.check()?;
        self.read_now(|conn, now| Ok(read(conn, key)?.filter(|item| item.is_live(now))))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        item.check()?;
        self.run_writing(move |conn, now| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::backend)?;
            if condition != Condition::None
                && !holds(read(&tx, &item.key)?.as_ref(), condition, now)
            {
                return Err(StoreError::ConditionFailed);
            }
            write(&tx, &item)?;
            tx.commit().map_err(StoreError::backend)
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        key.check()?;
        let key = key.clone();
        self.run_writing(move |conn, now| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::backend)?;
            if condition != Condition::None && !holds(read(&tx, &key)?.as_ref(), condition, now) {
                return Err(StoreError::ConditionFailed);
            }
            remove(&tx, &key)?;
            tx.commit().map_err(StoreError::backend)
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        query.check()?;
        let (sql, mut args) = query_sql(query)?;
        let limit = query.limit;
        self.run(move |conn, now| {
            args[1] = rusqlite::types::Value::Integer(now);
            let mut stmt = conn.prepare_cached(&sql).map_err(StoreError::backend)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(args), item_from_row)
                .map_err(StoreError::backend)?;
            let mut items = Vec::with_capacity(limit + 1);
            for row in rows {
                items.push(parse_attrs(row.map_err(StoreError::backend)?)?);
            }
            let next_cursor = if items.len() > limit {
                items.truncate(limit);
                items.last().map(Cursor::after)
            } else {
                None
            };
            Ok(Page { items, next_cursor })
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(ops = ops.len()))]
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        check_transaction(&ops)?;
        self.run_writing(move |conn, now| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::backend)?;
            let mut failed = Vec::new();
            let mut sums = Vec::new();
            for (index, op) in ops.iter().enumerate() {
                let (key, condition) = match op {
                    TxOp::Put { item, condition } => (&item.key, *condition),
                    TxOp::Delete { key, condition } | TxOp::Check { key, condition } => {
                        (key, *condition)
                    }
                    TxOp::Add {
                        key,
                        attribute,
                        by,
                        bounds,
                    } => {
                        let mut item = read(&tx, key)?
                            .filter(|item| item.is_live(now))
                            .unwrap_or_else(|| Item::new(key.clone()));
                        let sum = item
                            .attrs
                            .get(*attribute)
                            .and_then(Value::as_i64)
                            .unwrap_or(0)
                            .checked_add(*by)
                            .ok_or_else(|| StoreError::Invalid("counter overflow".into()))?;
                        if !bounds.hold(sum) {
                            failed.push(index);
                        }
                        item.attrs.insert((*attribute).to_owned(), Value::from(sum));
                        sums.push(item);
                        continue;
                    }
                };
                if condition != Condition::None && !holds(read(&tx, key)?.as_ref(), condition, now)
                {
                    failed.push(index);
                }
            }
            if !failed.is_empty() {
                return Err(StoreError::TransactionFailed { failed });
            }
            for op in &ops {
                match op {
                    TxOp::Put { item, .. } => write(&tx, item)?,
                    TxOp::Delete { key, .. } => remove(&tx, key)?,
                    TxOp::Check { .. } | TxOp::Add { .. } => {}
                }
            }
            for item in &sums {
                write(&tx, item)?;
            }
            tx.commit().map_err(StoreError::backend)
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        key.check()?;
        let key = key.clone();
        self.run_writing(move |conn, now| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::backend)?;
            let mut item = match read(&tx, &key)?.filter(|item| item.is_live(now)) {
                Some(item) => item,
                None => Item::new(key.clone()).with_expiry(expires_at),
            };
            let count = item
                .attrs
                .get("count")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .checked_add(by)
                .ok_or_else(|| StoreError::Invalid("counter overflow".into()))?;
            item.attrs.insert("count".into(), Value::from(count));
            write(&tx, &item)?;
            tx.commit().map_err(StoreError::backend)?;
            Ok(count)
        })
        .await
    }

    /// The expiry index finds expired items directly, so `from` is not needed: each call takes
    /// the next `limit` of them, and says to go on while it found a full batch.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn sweep_expired(
        &self,
        limit: usize,
        _from: Option<&Cursor>,
    ) -> Result<Sweep, StoreError> {
        let batch = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run_writing(move |conn, now| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::backend)?;
            let keys: Vec<Key> = {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT pk, sk FROM items WHERE expires_at IS NOT NULL AND expires_at <= ?1 LIMIT ?2",
                    )
                    .map_err(StoreError::backend)?;
                let rows = stmt
                    .query_map(params![now, batch], |row| {
                        Ok(Key::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                    })
                    .map_err(StoreError::backend)?;
                rows.collect::<Result<_, _>>().map_err(StoreError::backend)?
            };
            for key in &keys {
                remove(&tx, key)?;
            }
            tx.commit().map_err(StoreError::backend)?;
            let resume = (keys.len() >= limit && limit > 0)
                .then(|| keys.last().map(|key| Cursor::after(&Item::new(key.clone()))))
                .flatten();
            Ok(Sweep {
                removed: keys.len(),
                resume,
            })
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.run(|conn, _| {
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
                .map_err(StoreError::backend)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use crate::store::{Item, Key, Table};

    /// Under steady reads a passive checkpoint never lets the WAL restart, so it grew by every
    /// write for as long as the process ran (the soak run's 11 GB).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_while_readers_never_stop() {
        let dir = tempfile::tempdir().unwrap();
        let clock =
            ManualClock::new(time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap());
        let path = dir.path().join("t.sqlite3");
        let table = SqliteTable::open(&path, clock).unwrap();
        let filler = "x".repeat(2_000);
        table
            .put(Item::new(Key::new("read", "me")), Condition::None)
            .await
            .unwrap();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (table, stop) = (table.clone(), Arc::clone(&stop));
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        table.get(&Key::new("read", "me")).await.unwrap();
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        let mut longest = 0;
        for n in 0..6_000u32 {
            let item =
                Item::new(Key::new("load", n.to_string())).with_attr("filler", filler.as_str());
            table.put(item, Condition::None).await.unwrap();
            longest = longest.max(std::fs::metadata(wal_path(&path)).map_or(0, |m| m.len()));
        }
        stop.store(true, Ordering::Relaxed);
        for reader in readers {
            reader.await.unwrap();
        }
        // Each write adds about 20 KB of WAL (its pages, the index's): 120 MB over the run
        // without restarts. Restarted past 2 MiB, the file holds at most about one checkpoint
        // interval (500 writes, ~10 MB) beyond that.
        assert!(
            longest < 16 << 20,
            "the WAL reached {longest} bytes over 6,000 writes"
        );
    }
}
