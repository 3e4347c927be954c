//! The reset request path (issue 8, hole 5): a known and an unknown address cost the same reads
//! and writes, mail is only written to the outbox, and each client IP has a quota.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::http::StatusCode;
use coffer_core::auth::AuthService;
use coffer_core::store::{Condition, Item, Key, Page, Query, StoreError, Table, TxOp};
use serde_json::json;

use super::{TestApp, spawn_app, unique_email};

/// A table that notes every call (and every write of a transaction) before passing it on.
#[derive(Debug)]
struct CountingTable {
    inner: Arc<dyn Table>,
    calls: Mutex<Vec<String>>,
}

impl CountingTable {
    fn note(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

fn op_kind(op: &TxOp) -> &'static str {
    match op {
        TxOp::Put { .. } => "put",
        TxOp::Delete { .. } => "delete",
        TxOp::Check { .. } => "check",
        TxOp::Add { .. } => "add",
    }
}

#[async_trait]
impl Table for CountingTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.note("get".into());
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.note("put".into());
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.note("delete".into());
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.note(format!("query {:?}", query.index));
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        let mut kinds: Vec<&str> = ops.iter().map(op_kind).collect();
        kinds.sort_unstable();
        self.note(format!("transact {}", kinds.join(",")));
        self.inner.transact(ops).await
    }
    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        self.note("increment".into());
        self.inner.increment(key, by, expires_at).await
    }
    async fn sweep_expired(
        &self,
        limit: usize,
        from: Option<&coffer_core::store::Cursor>,
    ) -> Result<coffer_core::store::Sweep, StoreError> {
        self.inner.sweep_expired(limit, from).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}

/// The auth app whose service works through a counting table.
fn spawn_counting_app() -> (TestApp, Arc<CountingTable>) {
    super::logs::capture();
    let mut service = None;
    let mut counting = None;
    let kit = coffer_testkit::TestApp::embedded_built(
        |_| {},
        |settings, ports| {
            let table = Arc::new(CountingTable {
                inner: ports.table.clone(),
                calls: Mutex::new(Vec::new()),
            });
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
    (super::wrap(kit, service), counting.unwrap())
}

#[tokio::test]
async fn a_reset_request_for_a_known_and_an_unknown_email_does_the_same_reads_and_writes() {
    let (app, table) = spawn_counting_app();
    let account = app.signed_up().await;
    // Warm: the first request of a process may fetch a data key; both below pay the same.
    app.post(
        "/v1/auth/password/reset/request",
        json!({"email": unique_email()}),
        None,
    )
    .await;
    table.take();

    let known = app
        .post(
            "/v1/auth/password/reset/request",
            json!({"email": account.email}),
            None,
        )
        .await;
    let known_calls = table.take();
    let unknown = app
        .post(
            "/v1/auth/password/reset/request",
            json!({"email": unique_email()}),
            None,
        )
        .await;
    let unknown_calls = table.take();

    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!(unknown.status, StatusCode::ACCEPTED);
    assert_eq!(known.body, unknown.body);
    assert_eq!(known_calls, unknown_calls);
    assert!(
        known_calls.iter().any(|call| call.starts_with("transact")),
        "{known_calls:?}"
    );
}

#[tokio::test]
async fn reset_requests_from_one_ip_past_the_quota_answer_429_with_retry_after() {
    let app = spawn_app();

    for n in 0..20 {
        let reply = app
            .post(
                "/v1/auth/password/reset/request",
                json!({"email": unique_email()}),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "request {n}");
    }
    let refused = app
        .post(
            "/v1/auth/password/reset/request",
            json!({"email": unique_email()}),
            None,
        )
        .await;

    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3_600).contains(&retry_after), "{retry_after}");
    // Another client is not affected.
    let other = app
        .send_from(
            super::random_ip(),
            super::json_request(
                axum::http::Method::POST,
                "/v1/auth/password/reset/request",
                Some(json!({"email": unique_email()})),
                None,
            ),
        )
        .await;
    assert_eq!(other.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn verification_requests_from_one_ip_past_the_quota_answer_429_with_retry_after() {
    let app = spawn_app();
    let mut refused = None;
    // Each user may ask 5 times an hour; 5 users from one IP reach the IP's 20.
    for _ in 0..5 {
        let account = app.signed_up().await;
        for _ in 0..5 {
            let reply = app
                .post(
                    "/v1/auth/email/verify/request",
                    json!({}),
                    Some(&account.token),
                )
                .await;
            if reply.status == StatusCode::TOO_MANY_REQUESTS {
                refused = Some(reply);
            }
        }
    }
    let refused = refused.expect("the IP's quota refuses the 21st request");
    assert!(refused.header("retry-after").is_some());
}

#[tokio::test]
async fn a_reset_request_writes_its_message_in_the_same_transaction_as_its_code() {
    let (app, table) = spawn_counting_app();
    let account = app.signed_up().await;
    table.take();

    app.post(
        "/v1/auth/password/reset/request",
        json!({"email": account.email}),
        None,
    )
    .await;

    let calls = table.take();
    let writes: Vec<&String> = calls
        .iter()
        .filter(|call| call.starts_with("put") || call.starts_with("transact"))
        .collect();
    assert_eq!(writes.len(), 1, "one write: {calls:?}");
}
