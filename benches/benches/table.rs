//! A point read on the embedded (SQLite) table: the cost under every session lookup locally.

use std::hint::black_box;
use std::sync::Arc;

use coffer_core::SystemClock;
use coffer_core::store::{Condition, Item, Key, Table, sqlite::SqliteTable};
use criterion::{Criterion, criterion_group, criterion_main};

fn table_get(c: &mut Criterion) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    else {
        return;
    };
    let Ok(table) = SqliteTable::open(dir.path().join("bench.sqlite3"), Arc::new(SystemClock))
    else {
        return;
    };
    let setup = runtime.block_on(async {
        for i in 0..10_000 {
            let item = Item::new(Key::new(format!("USER#{i:05}"), "PROFILE"))
                .with_gsi1(format!("EMAIL#user{i}@example.com"), "USER")
                .with_attr("name", format!("User {i}"))
                .with_attr("email_verified", true);
            table.put(item, Condition::None).await?;
        }
        Ok::<_, coffer_core::store::StoreError>(())
    });
    if setup.is_err() {
        return;
    }
    let key = Key::new("USER#04242", "PROFILE");
    c.bench_function("table_get/sqlite", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(table.get(&key).await) })
    });
}

criterion_group!(benches, table_get);
criterion_main!(benches);
