//! Steps the rule tests share (bad input, tenancy, views, audit, idempotency, search, rotation,
//! PII, batches): requests as a client makes them, the audit items as stored, access tokens as
//! `POST /v1/tokens` or a client assertion would sign them, and a table whose record writes a
//! test can stall or fail.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use coffer_core::datasets::DatasetsService;
use coffer_core::ids::{CertificateId, ClientId, OrgId};
use coffer_core::store::{
    Condition, Cursor, Item, Key, Page, Query, StoreError, Sweep, Table, TxOp, schema,
};
use coffer_core::tokens::{AccessTokenRequest, Scopes};
use coffer_testkit::{Reply, TestApp, User};
use serde_json::{Value, json};

/// The data vault's service over the app's own ports (as the job worker builds it).
pub fn service(app: &TestApp) -> DatasetsService {
    DatasetsService::new(
        app.state.ports.table.clone(),
        app.state.ports.blobs.clone(),
        app.state.ports.keys.clone(),
        app.state.ports.clock.clone(),
        app.state.settings.datasets.clone(),
    )
}

/// Runs the worker with a generous budget until no job moves; panics if one never finishes.
pub async fn finish_jobs(app: &TestApp) {
    let worker = service(app);
    for _ in 0..100 {
        let report = worker.run_jobs(Duration::from_secs(60)).await.unwrap();
        if report.advanced == 0 {
            return;
        }
    }
    panic!("the re-encryption jobs did not finish");
}

pub use coffer_testkit::{assert_problem, query_value};

/// The `field`s of a validation problem's `errors`, in order.
pub fn error_fields(reply: &Reply) -> Vec<String> {
    reply.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {}", reply.body))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// `POST .../records` with `body` as the bearer of `token`, with an optional idempotency key.
pub async fn write_body(
    app: &TestApp,
    dataset: &str,
    token: &str,
    body: Value,
    idempotency_key: Option<&str>,
) -> Reply {
    let mut request = coffer_testkit::json_request(
        Method::POST,
        &format!("/v1/datasets/{dataset}/records"),
        Some(body),
        Some(token),
    );
    if let Some(key) = idempotency_key {
        request
            .headers_mut()
            .insert("idempotency-key", key.parse().unwrap());
    }
    app.send(request).await
}

/// `{"records": [{"data": ...}, ...]}`.
pub fn batch(records: &[Value]) -> Value {
    json!({"records": records.iter().map(|data| json!({"data": data})).collect::<Vec<_>>()})
}

/// The ids of a batch reply's items, `None` where a record was not written.
pub fn batch_ids(reply: &Reply) -> Vec<Option<String>> {
    reply.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {}", reply.body))
        .iter()
        .map(|item| item["id"].as_str().map(str::to_owned))
        .collect()
}

/// `PUT .../records/{record}/payload` with `bytes`.
pub async fn put_payload(
    app: &TestApp,
    dataset: &str,
    record: &str,
    token: &str,
    bytes: Vec<u8>,
) -> Reply {
    app.send(
        Request::builder()
            .method(Method::PUT)
            .uri(format!("/v1/datasets/{dataset}/records/{record}/payload"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await
}

/// `GET .../records/{record}/payload`: the status and the bytes.
pub async fn get_payload(
    app: &TestApp,
    dataset: &str,
    record: &str,
    token: &str,
) -> (StatusCode, Bytes) {
    let (status, _, bytes) = app
        .send_raw(
            Request::builder()
                .uri(format!("/v1/datasets/{dataset}/records/{record}/payload"))
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    (status, bytes)
}

/// `GET .../search?field=&value=` plus `extra` (`&limit=...`).
pub async fn search(
    app: &TestApp,
    dataset: &str,
    token: &str,
    field: &str,
    value: &str,
    extra: &str,
) -> Reply {
    app.get(
        &format!(
            "/v1/datasets/{dataset}/search?field={}&value={}{extra}",
            query_value(field),
            query_value(value)
        ),
        Some(token),
    )
    .await
}

/// Every page of a search with `limit` candidates a page: the matches and the number of pages.
pub async fn search_all(
    app: &TestApp,
    dataset: &str,
    token: &str,
    field: &str,
    value: &str,
    limit: usize,
) -> (Vec<Value>, usize) {
    let (mut items, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let extra = match &cursor {
            Some(c) => format!("&limit={limit}&cursor={}", query_value(c)),
            None => format!("&limit={limit}"),
        };
        let page = search(app, dataset, token, field, value, &extra).await;
        assert_eq!(page.code(), 200, "{}", page.body);
        pages += 1;
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return (items, pages),
        }
        assert!(pages < 10_000, "the search never ends");
    }
}

/// Every record of the dataset as `token`'s bearer sees it, page after page.
pub async fn list_all(app: &TestApp, dataset: &str, token: &str, limit: usize) -> Vec<Value> {
    let (mut items, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            Some(c) => format!(
                "/v1/datasets/{dataset}/records?limit={limit}&cursor={}",
                query_value(c)
            ),
            None => format!("/v1/datasets/{dataset}/records?limit={limit}"),
        };
        let page = app.get(&path, Some(token)).await;
        assert_eq!(page.code(), 200, "{}", page.body);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// The ids of `records`, sorted.
pub fn ids_of(records: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// `POST /v1/datasets/{dataset}/rotate` as `by`, which must answer 202; the job's id.
pub async fn rotate(app: &TestApp, dataset: &str, by: &User) -> String {
    let rotated = app
        .call(
            Method::POST,
            &format!("/v1/datasets/{dataset}/rotate"),
            None,
            Some(&by.token),
        )
        .await;
    assert_eq!(rotated.code(), 202, "{}", rotated.body);
    rotated.text("/id")
}

/// `GET /v1/datasets/{dataset}/jobs/{job}` as `by`, which must answer 200.
pub async fn job(app: &TestApp, dataset: &str, job: &str, by: &User) -> Value {
    let got = app
        .get(
            &format!("/v1/datasets/{dataset}/jobs/{job}"),
            Some(&by.token),
        )
        .await;
    assert_eq!(got.code(), 200, "{}", got.body);
    got.body
}

/// `GET /v1/datasets/{dataset}` as `by`, which must answer 200.
pub async fn dataset_view(app: &TestApp, dataset: &str, by: &User) -> Value {
    let got = app
        .get(&format!("/v1/datasets/{dataset}"), Some(&by.token))
        .await;
    assert_eq!(got.code(), 200, "{}", got.body);
    got.body
}

/// Every item of a record's partition (the record and its `BIDX#` index entries).
/// The sort key of `field`'s index entry in a record's partition.
pub fn index_entry_sk(field: &str) -> String {
    let any = coffer_core::ids::RecordId::parse("rec_01arz3ndektsv4rrffq69g5fav").unwrap();
    schema::record_index_entry(&any, field).sk
}

pub async fn record_items(app: &TestApp, record: &str) -> Vec<Item> {
    let id = coffer_core::ids::RecordId::parse(record).unwrap();
    app.stored(Query::partition(schema::record_partition(&id)))
        .await
}

/// Every audit item of `org` (or of a user, or `_`), as stored.
pub async fn audit_items(app: &TestApp, org: &str) -> Vec<Item> {
    app.audit_links(org).await
}

/// A text attribute of an audit item.
pub fn attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.attrs.get(name).and_then(Value::as_str)
}

/// The audit items of `action`, in the order stored (time order).
pub fn with_action<'a>(items: &'a [Item], action: &str) -> Vec<&'a Item> {
    items
        .iter()
        .filter(|item| attr(item, "action") == Some(action))
        .collect()
}

/// The `fields` an audit item names.
pub fn fields_of(item: &Item) -> Vec<String> {
    item.attrs
        .get("fields")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .map(|n| n.as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// An access token for `user`, bound to `org` (if any), with `scopes`, as `POST /v1/tokens`
/// signs it.
pub async fn access_token(app: &TestApp, user: &User, org: Option<&str>, scopes: &str) -> String {
    app.state
        .access_tokens
        .issue(&AccessTokenRequest {
            subject: user.id.clone(),
            scopes: Scopes::parse(scopes).unwrap(),
            ttl: Duration::from_secs(600),
            org: org.map(|org| OrgId::parse(org).unwrap()),
            vault: None,
            client: None,
        })
        .await
        .unwrap()
        .token
}

/// An access token of a machine client of `org` with `scopes`, as the client-credentials grant
/// signs it.
pub async fn client_token(app: &TestApp, org: &str, scopes: &str) -> String {
    let now = app.state.ports.clock.now();
    let client = ClientId::generate(now).unwrap();
    app.state
        .access_tokens
        .issue(&AccessTokenRequest {
            subject: client.to_string(),
            scopes: Scopes::parse(scopes).unwrap(),
            ttl: Duration::from_secs(600),
            org: Some(OrgId::parse(org).unwrap()),
            vault: None,
            client: Some((client, CertificateId::generate(now).unwrap())),
        })
        .await
        .unwrap()
        .token
}

/// `auth`, `orgs` and `datasets`, the last over a [`GatedTable`] the test holds.
pub fn spawn_gated() -> (TestApp, Arc<GatedTable>) {
    let mut gate = None;
    let app = TestApp::embedded_built(
        |_| {},
        |settings, ports| {
            let table = GatedTable::over(ports.table.clone());
            gate = Some(Arc::clone(&table));
            let service = DatasetsService::new(
                table,
                ports.blobs.clone(),
                ports.keys.clone(),
                ports.clock.clone(),
                settings.datasets.clone(),
            );
            vec![
                coffer_function_auth::group(),
                coffer_function_orgs::group(),
                coffer_function_datasets::group_with_service(Arc::new(service)),
            ]
        },
    );
    (app, gate.unwrap())
}

/// What a closed gate does to a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Never answers (the process died mid-request).
    Hang,
    /// Fails as a throttled store does (retryable).
    Throttle,
    /// Waits until [`GatedTable::release`], then goes through (a slow attempt).
    Pause,
}

/// A table that passes every call on, except that transactions (a record's commit) may be let
/// through only so many times; after that they hang or fail. Open by default.
#[derive(Debug)]
pub struct GatedTable {
    inner: Arc<dyn Table>,
    /// Transactions still let through (`usize::MAX`: open).
    permits: AtomicUsize,
    mode: std::sync::Mutex<Closed>,
    /// Whether paused transactions may go on.
    released: AtomicBool,
    /// Transactions let through that have completed.
    completed: AtomicUsize,
    /// Transactions held at the closed gate.
    held: AtomicUsize,
}

type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

impl GatedTable {
    pub fn over(inner: Arc<dyn Table>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            permits: AtomicUsize::new(usize::MAX),
            mode: std::sync::Mutex::new(Closed::Throttle),
            released: AtomicBool::new(false),
            completed: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
        })
    }

    /// Lets `n` more transactions through, then does `then` to the rest.
    pub fn close_after(&self, n: usize, then: Closed) {
        *self.mode.lock().unwrap() = then;
        self.released.store(false, Ordering::SeqCst);
        self.completed.store(0, Ordering::SeqCst);
        self.held.store(0, Ordering::SeqCst);
        self.permits.store(n, Ordering::SeqCst);
    }

    /// Lets every later transaction through (held ones stay held).
    pub fn open(&self) {
        self.permits.store(usize::MAX, Ordering::SeqCst);
    }

    /// Lets the paused transactions go on.
    pub fn release(&self) {
        self.released.store(true, Ordering::SeqCst);
    }

    /// Transactions let through since `close_after` that have completed.
    pub fn completed(&self) -> usize {
        self.completed.load(Ordering::SeqCst)
    }

    /// Transactions hanging or refused at the gate since `close_after`.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    fn take_permit(&self) -> bool {
        self.permits
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| {
                if p == usize::MAX {
                    Some(p)
                } else {
                    p.checked_sub(1)
                }
            })
            .is_ok()
    }
}

// `Table` is an `async_trait`; this is its expansion, written out (the test crate does not
// depend on `async-trait`).
impl Table for GatedTable {
    fn get<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 Key,
    ) -> Fut<'async_trait, Option<Item>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.get(key)
    }

    fn put<'life0, 'async_trait>(
        &'life0 self,
        item: Item,
        condition: Condition,
    ) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.put(item, condition)
    }

    fn delete<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 Key,
        condition: Condition,
    ) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.delete(key, condition)
    }

    fn query<'life0, 'life1, 'async_trait>(
        &'life0 self,
        query: &'life1 Query,
    ) -> Fut<'async_trait, Page>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.query(query)
    }

    fn transact<'life0, 'async_trait>(&'life0 self, ops: Vec<TxOp>) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            if self.take_permit() {
                let done = self.inner.transact(ops).await;
                self.completed.fetch_add(1, Ordering::SeqCst);
                return done;
            }
            self.held.fetch_add(1, Ordering::SeqCst);
            let mode = *self.mode.lock().unwrap();
            match mode {
                Closed::Throttle => Err(StoreError::Throttled),
                Closed::Hang => std::future::pending().await,
                Closed::Pause => {
                    while !self.released.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    self.inner.transact(ops).await
                }
            }
        })
    }

    fn increment<'life0, 'life1, 'async_trait>(
        &'life0 self,
        key: &'life1 Key,
        by: i64,
        expires_at: i64,
    ) -> Fut<'async_trait, i64>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.increment(key, by, expires_at)
    }

    fn sweep_expired<'life0, 'life1, 'async_trait>(
        &'life0 self,
        limit: usize,
        from: Option<&'life1 Cursor>,
    ) -> Fut<'async_trait, Sweep>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.sweep_expired(limit, from)
    }

    fn ping<'life0, 'async_trait>(&'life0 self) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.inner.ping()
    }
}
