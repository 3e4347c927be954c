//! The login path (issue 8, hole 5): an unknown email and a wrong password for a known one make
//! the same table calls and get the same answer, and the dummy hash an unknown email is checked
//! against is made at cold start, not by the first login that needs it.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::http::StatusCode;
use coffer_core::auth::AuthService;
use coffer_core::http::GroupService as _;
use coffer_core::store::{
    Condition, Cursor, Item, Key, Page, Query, StoreError, Sweep, Table, TxOp,
};

use super::{TestApp, spawn_app, unique_email};

/// A table that notes every call, with the kind of partition it touches (`EMAIL`, `USER`,
/// `RATE`, …) and every write of a transaction, before passing it on.
#[derive(Debug)]
struct CountingTable {
    inner: Arc<dyn Table>,
    calls: Mutex<Vec<String>>,
}

/// The literal head of a partition key: what kind of item it is, without the digest or id.
fn kind(pk: &str) -> &str {
    pk.split('#').next().unwrap_or(pk)
}

fn op(op: &TxOp) -> String {
    match op {
        TxOp::Put { item, .. } => format!("put {}", kind(&item.key.pk)),
        TxOp::Delete { key, .. } => format!("delete {}", kind(&key.pk)),
        TxOp::Check { key, .. } => format!("check {}", kind(&key.pk)),
        TxOp::Add { key, .. } => format!("add {}", kind(&key.pk)),
    }
}

impl CountingTable {
    fn over(inner: Arc<dyn Table>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            calls: Mutex::new(Vec::new()),
        })
    }

    fn note(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

#[async_trait]
impl Table for CountingTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.note(format!("get {}", kind(&key.pk)));
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.note(format!("put {}", kind(&item.key.pk)));
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.note(format!("delete {}", kind(&key.pk)));
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.note(format!(
            "query {:?} {} limit {}",
            query.index,
            kind(&query.partition),
            query.limit
        ));
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        let mut writes: Vec<String> = ops.iter().map(op).collect();
        writes.sort_unstable();
        self.note(format!("transact {}", writes.join(",")));
        self.inner.transact(ops).await
    }
    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        self.note(format!("increment {}", kind(&key.pk)));
        self.inner.increment(key, by, expires_at).await
    }
    async fn sweep_expired(
        &self,
        limit: usize,
        from: Option<&Cursor>,
    ) -> Result<Sweep, StoreError> {
        self.inner.sweep_expired(limit, from).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}

/// Another process of the auth function on `other`'s table, whose service works through a
/// counting table and has run its cold-start warm-up.
async fn cold_started_beside(other: &TestApp) -> (TestApp, Arc<CountingTable>) {
    let mut service = None;
    let mut counting = None;
    let kit = other.kit.sibling(
        |_| {},
        |settings, ports| {
            let table = CountingTable::over(ports.table.clone());
            counting = Some(table.clone());
            let built = Arc::new(
                AuthService::new(
                    table as Arc<dyn Table>,
                    ports.clock.clone(),
                    ports.keys.clone(),
                    settings,
                )
                .unwrap(),
            );
            service = Some(built.clone());
            vec![coffer_function_auth::group_with_service(built)]
        },
    );
    let app = super::wrap(kit, service);
    app.service.warm().await;
    (app, counting.unwrap())
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_make_the_same_table_calls_and_get_the_same_401() {
    let first = spawn_app();
    let account = first.signed_up().await;
    let (app, table) = cold_started_beside(&first).await;
    table.take();

    // The very first login of the process is the unknown one: nothing is left to load.
    let unknown = app.login(&unique_email(), "Not-The-Password-42").await;
    let unknown_calls = table.take();
    let wrong = app.login(&account.email, "Not-The-Password-42").await;
    let wrong_calls = table.take();

    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.body_without_request_id(),
        wrong.body_without_request_id()
    );
    assert_eq!(unknown_calls, wrong_calls);
    // Both read the address's partition and then a user's partition.
    let queries: Vec<&String> = wrong_calls
        .iter()
        .filter(|call| call.starts_with("query"))
        .collect();
    assert_eq!(queries.len(), 2, "{wrong_calls:?}");
    assert!(queries[0].contains("EMAIL"), "{wrong_calls:?}");
    assert!(queries[1].contains("USER"), "{wrong_calls:?}");
}

#[tokio::test]
async fn the_dummy_hash_and_the_email_index_key_are_ready_after_the_cold_start_warm_up() {
    let first = spawn_app();
    first.signed_up().await;
    let (app, table) = cold_started_beside(&first).await;
    let warm_up = table.take();

    assert!(app.service.hasher().is_prepared());
    assert_eq!(app.service.hasher().verifications(), 0);
    // The warm-up read the key the first process made; it made none.
    assert_eq!(warm_up, ["get DEPLOYMENT"], "{warm_up:?}");

    let hashed = app.service.hasher().argon2_time();
    app.login(&unique_email(), "Not-The-Password-42").await;
    let calls = table.take();
    assert!(
        calls.iter().all(|call| !call.contains("DEPLOYMENT")),
        "{calls:?}"
    );
    assert_eq!(app.service.hasher().verifications(), 1);
    assert!(app.service.hasher().argon2_time() > hashed);
}
