//! The Table port on DynamoDB.
//!
//! One DynamoDB item per [`Item`]: its own attributes top-level (converted with `serde_dynamo`)
//! beside the reserved `pk`, `sk`, `gsi1pk`, `gsi1sk`, `expires_at` (N, Unix seconds) and `ver`
//! (N). TTL deletes expired items late (emulators never), so every read and every condition
//! treats an item whose `expires_at <= now` as absent, with `now` from the [`Clock`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, ReturnValue, ScalarAttributeType,
    TableStatus, TimeToLiveSpecification, TimeToLiveStatus, TransactWriteItem, Update,
};
use serde_json::{Map, Value};
use tracing::Instrument as _;

use super::{
    Bounds, Condition, Cursor, Index, Item, Key, Page, Query, SortRange, StoreError, Sweep,
    TABLE_DEFINITION, Table, TxOp, check_transaction,
};
use crate::clock::Clock;

type Attrs = HashMap<String, AttributeValue>;

const PK: &str = TABLE_DEFINITION.partition_key;
const SK: &str = TABLE_DEFINITION.sort_key;
const GSI1PK: &str = TABLE_DEFINITION.gsi_partition_key;
const GSI1SK: &str = TABLE_DEFINITION.gsi_sort_key;
const EXPIRES_AT: &str = TABLE_DEFINITION.ttl_attribute;
const VER: &str = "ver";
/// The counter attribute of [`Table::increment`]; an ordinary item attribute, so `get` shows it.
const COUNT: &str = "count";

/// A counter's update and restart race with other writers; after this many rounds the caller
/// gets [`StoreError::Conflict`] and may retry.
const INCREMENT_ATTEMPTS: usize = 5;
/// Items one `sweep_expired` call reads (DynamoDB's scan `Limit`: counted before the filter).
const SWEEP_SCAN_PAGE: usize = 1000;

/// Deletes that `sweep_expired` keeps in flight.
const SWEEP_CONCURRENCY: usize = 16;

/// Live means no expiry or an expiry in the future; `:now` is bound by the caller.
const LIVE: &str = "(attribute_not_exists(#exp) OR #exp > :now)";

/// The Table port on a DynamoDB table (or an emulator of it).
#[derive(Debug, Clone)]
pub struct DynamoTable {
    client: Client,
    table: String,
    clock: Arc<dyn Clock>,
}

impl DynamoTable {
    /// A table client; makes no network call.
    pub fn new(client_config: &SdkConfig, table: String, clock: Arc<dyn Clock>) -> Self {
        Self {
            client: Client::new(client_config),
            table,
            clock,
        }
    }

    /// Creates the table from [`TABLE_DEFINITION`] (on-demand, `gsi1` projecting everything) and
    /// enables TTL on the expiry attribute. For emulators and first deploys: an existing table is
    /// fine. Says whether it created the table.
    #[tracing::instrument(skip_all, fields(table = %self.table))]
    pub async fn create_table(&self) -> Result<bool, StoreError> {
        let def = TABLE_DEFINITION;
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(StoreError::backend)
        };
        let string_attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(StoreError::backend)
        };
        let gsi = GlobalSecondaryIndex::builder()
            .index_name(def.gsi_name)
            .key_schema(key(def.gsi_partition_key, KeyType::Hash)?)
            .key_schema(key(def.gsi_sort_key, KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(StoreError::backend)?;
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(string_attr(def.partition_key)?)
            .attribute_definitions(string_attr(def.sort_key)?)
            .attribute_definitions(string_attr(def.gsi_partition_key)?)
            .attribute_definitions(string_attr(def.gsi_sort_key)?)
            .key_schema(key(def.partition_key, KeyType::Hash)?)
            .key_schema(key(def.sort_key, KeyType::Range)?)
            .global_secondary_indexes(gsi)
            .send()
            .await;
        let created = match created {
            Ok(_) => true,
            Err(err) if err.code() == Some("ResourceInUseException") => false,
            Err(err) => return Err(map_sdk_error(err)),
        };
        self.wait_until_active().await?;
        self.enable_ttl().await?;
        Ok(created)
    }

    /// A new table takes a few seconds to become usable on AWS (at once on emulators).
    async fn wait_until_active(&self) -> Result<(), StoreError> {
        for _ in 0..120 {
            let out = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(map_sdk_error)?;
            if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Err(StoreError::backend(Unexpected(
            "the table did not become active within a minute",
        )))
    }

    /// Enabling TTL twice is an error on DynamoDB, so look first.
    async fn enable_ttl(&self) -> Result<(), StoreError> {
        let current = self
            .client
            .describe_time_to_live()
            .table_name(&self.table)
            .send()
            .await
            .map_err(map_sdk_error)?;
        let status = current
            .time_to_live_description()
            .and_then(|d| d.time_to_live_status());
        if matches!(
            status,
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        ) {
            return Ok(());
        }
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(EXPIRES_AT)
            .enabled(true)
            .build()
            .map_err(StoreError::backend)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(spec)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(())
    }

    /// Adds to a counter that is absent or live with an expiry (the usual cases, one call).
    async fn add_or_create(
        &self,
        key: &Key,
        by: i64,
        expires_at: i64,
        now: i64,
    ) -> Result<i64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .update_expression(
                "SET #count = if_not_exists(#count, :zero) + :by, #exp = if_not_exists(#exp, :exp), \
                 #ver = if_not_exists(#ver, :one)",
            )
            .condition_expression("attribute_not_exists(#pk) OR #exp > :now")
            .expression_attribute_names("#count", COUNT)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#ver", VER)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":zero", number(0))
            .expression_attribute_values(":by", number(by))
            .expression_attribute_values(":exp", number(expires_at))
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":now", number(now))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(map_sdk_error)?;
        read_count(out.attributes)
    }

    /// Adds to a live counter that has no expiry, keeping it without one (as a put may leave it).
    async fn add_to_unexpiring(&self, key: &Key, by: i64) -> Result<i64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .update_expression("SET #count = if_not_exists(#count, :zero) + :by")
            .condition_expression("attribute_exists(#pk) AND attribute_not_exists(#exp)")
            .expression_attribute_names("#count", COUNT)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":zero", number(0))
            .expression_attribute_values(":by", number(by))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(map_sdk_error)?;
        read_count(out.attributes)
    }

    /// Replaces an expired counter with a fresh one, unless someone else already did.
    async fn restart_expired(
        &self,
        key: &Key,
        by: i64,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut item = key_attributes(key);
        item.insert(COUNT.into(), number(by));
        item.insert(EXPIRES_AT.into(), number(expires_at));
        item.insert(VER.into(), number(1));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("#exp <= :now")
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":now", number(now))
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(())
    }

    /// One DynamoDB query page of at most `limit` evaluated items.
    async fn query_page(
        &self,
        query: &Query,
        plan: &QueryPlan,
        limit: usize,
        start: Option<Attrs>,
    ) -> Result<(Vec<Attrs>, Option<Attrs>), StoreError> {
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(&plan.key_condition)
            .filter_expression(LIVE)
            .set_expression_attribute_names(Some(plan.names.clone()))
            .set_expression_attribute_values(Some(plan.values.clone()))
            .scan_index_forward(!query.descending)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start);
        request = match query.index {
            // Read-after-write, as the embedded store gives; a GSI cannot read consistently.
            Index::Primary => request.consistent_read(true),
            Index::Gsi1 => request.index_name(TABLE_DEFINITION.gsi_name),
        };
        let out = request.send().await.map_err(map_sdk_error)?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }
}

#[async_trait]
impl Table for DynamoTable {
    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table))]
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        key.check()?;
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(map_sdk_error)?;
        let now = self.clock.unix();
        match out.item {
            Some(raw) => Ok(Some(from_attributes(raw)?).filter(|item| item.is_live(now))),
            None => Ok(None),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table))]
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        item.check()?;
        let expr = condition_expression(condition, self.clock.unix());
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_attributes(&item)?))
            .set_condition_expression(expr.as_ref().map(|e| e.text.clone()))
            .set_expression_attribute_names(expr.as_ref().map(|e| e.names.clone()))
            .set_expression_attribute_values(expr.map(|e| e.values))
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table))]
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        key.check()?;
        let expr = condition_expression(condition, self.clock.unix());
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .set_condition_expression(expr.as_ref().map(|e| e.text.clone()))
            .set_expression_attribute_names(expr.as_ref().map(|e| e.names.clone()))
            .set_expression_attribute_values(expr.map(|e| e.values))
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(())
    }

    /// DynamoDB applies `Limit` before the expiry filter, so this reads pages until it holds one
    /// live item more than asked (proof that a next page exists) or the partition ends.
    #[tracing::instrument(
        level = "debug",
        skip_all,
        fields(table = %self.table, index = ?query.index, limit = query.limit, calls = tracing::field::Empty)
    )]
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        query.check()?;
        let now = self.clock.unix();
        let (plan, mut start) = match (QueryPlan::new(query, now), start_key(query)?) {
            (Some(plan), Start::Beginning) => (plan, None),
            (Some(plan), Start::After(key)) => (plan, Some(key)),
            (None, _) | (_, Start::Exhausted) => {
                return Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
        };
        let mut items: Vec<Item> = Vec::new();
        let mut calls = 0_u32;
        loop {
            let want = query.limit + 1 - items.len();
            let (raw, last) = self.query_page(query, &plan, want, start).await?;
            calls += 1;
            for attrs in raw {
                let item = from_attributes(attrs)?;
                if item.is_live(now) {
                    items.push(item);
                }
            }
            start = last;
            if items.len() > query.limit || start.is_none() {
                break;
            }
        }
        tracing::Span::current().record("calls", calls);
        let next_cursor = if items.len() > query.limit {
            items.truncate(query.limit);
            items.last().map(Cursor::after)
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table, ops = ops.len()))]
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        check_transaction(&ops)?;
        let now = self.clock.unix();
        let items = ops
            .iter()
            .map(|op| transact_item(&self.table, op, now))
            .collect::<Result<Vec<_>, _>>()?;
        // One token per call: when the SDK retries after a lost reply, DynamoDB sees the same
        // token and does not apply the transaction twice.
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .client_request_token(ulid::Ulid::new().to_string())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => Err(map_transaction_error(err)),
        }
    }

    /// One conditional update in the usual cases; an expired counter is replaced by a put
    /// conditioned on it still being expired, and any lost race starts the round again.
    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table))]
    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        key.check()?;
        for _ in 0..INCREMENT_ATTEMPTS {
            let now = self.clock.unix();
            match self.add_or_create(key, by, expires_at, now).await {
                Err(StoreError::ConditionFailed) => {}
                done => return done,
            }
            // Present, and either expired or live without an expiry.
            match self.restart_expired(key, by, expires_at, now).await {
                Err(StoreError::ConditionFailed) => {}
                Ok(()) => return Ok(by),
                Err(err) => return Err(err),
            }
            match self.add_to_unexpiring(key, by).await {
                Err(StoreError::ConditionFailed) => {}
                done => return done,
            }
        }
        Err(StoreError::Conflict)
    }

    /// Scans one page (the cleanup function only) from `from` and deletes each expired item on
    /// the condition that it is still expired, so an item rewritten meanwhile survives.
    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table, limit = limit))]
    async fn sweep_expired(
        &self,
        limit: usize,
        from: Option<&Cursor>,
    ) -> Result<Sweep, StoreError> {
        if limit == 0 {
            return Ok(Sweep {
                removed: 0,
                resume: from.cloned(),
            });
        }
        let now = self.clock.unix();
        let start = from.map(|cursor| key_attributes(&cursor.key()));
        let out = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("#exp <= :now")
            .projection_expression("#pk, #sk")
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":now", number(now))
            .limit(i32::try_from(SWEEP_SCAN_PAGE).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(map_sdk_error)?;
        let mut keys: Vec<Attrs> = out.items.unwrap_or_default();
        let mut resume = out
            .last_evaluated_key
            .map(from_attributes)
            .transpose()?
            .map(|item| Cursor::after(&item));
        if keys.len() > limit {
            // Stop after the last one taken; the rest of the page is read again next time.
            keys.truncate(limit);
            resume = keys
                .last()
                .cloned()
                .map(from_attributes)
                .transpose()?
                .map(|item| Cursor::after(&item));
        }
        let mut deleted = 0;
        let mut first_error = None;
        let mut tasks = tokio::task::JoinSet::new();
        let mut pending = keys.into_iter();
        loop {
            while tasks.len() < SWEEP_CONCURRENCY {
                let Some(key) = pending.next() else { break };
                let request = self
                    .client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .condition_expression("#exp <= :now")
                    .expression_attribute_names("#exp", EXPIRES_AT)
                    .expression_attribute_values(":now", number(now));
                tasks.spawn(
                    async move { request.send().await.map_err(map_sdk_error) }.in_current_span(),
                );
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            match joined
                .map_err(StoreError::backend)
                .and_then(|result| result)
            {
                Ok(_) => deleted += 1,
                // Rewritten or removed since the scan: not ours to delete.
                Err(StoreError::ConditionFailed) => {}
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        match first_error {
            Some(err) => Err(err),
            None => Ok(Sweep {
                removed: deleted,
                resume,
            }),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(table = %self.table))]
    async fn ping(&self) -> Result<(), StoreError> {
        self.client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(())
    }
}

/// A reply this module cannot use: an item it did not write, or a table that never got ready.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Unexpected(&'static str);

fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn key_attributes(key: &Key) -> Attrs {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

fn to_attributes(item: &Item) -> Result<Attrs, StoreError> {
    let mut attrs: Attrs = serde_dynamo::to_item(&item.attrs).map_err(StoreError::backend)?;
    attrs.extend(key_attributes(&item.key));
    if let Some(gsi1) = &item.gsi1 {
        attrs.insert(GSI1PK.into(), AttributeValue::S(gsi1.pk.clone()));
        attrs.insert(GSI1SK.into(), AttributeValue::S(gsi1.sk.clone()));
    }
    if let Some(at) = item.expires_at {
        attrs.insert(EXPIRES_AT.into(), number(at));
    }
    attrs.insert(VER.into(), number(item.version));
    Ok(attrs)
}

fn from_attributes(mut raw: Attrs) -> Result<Item, StoreError> {
    fn string(raw: &mut Attrs, name: &str) -> Result<Option<String>, StoreError> {
        match raw.remove(name) {
            None => Ok(None),
            Some(AttributeValue::S(s)) => Ok(Some(s)),
            Some(_) => Err(StoreError::backend(Unexpected(
                "a key attribute is not a string",
            ))),
        }
    }
    fn parsed<T: std::str::FromStr>(raw: &mut Attrs, name: &str) -> Result<Option<T>, StoreError> {
        match raw.remove(name) {
            None => Ok(None),
            Some(AttributeValue::N(n)) => n.parse().map(Some).map_err(|_| {
                StoreError::backend(Unexpected("expires_at or ver is not a whole number"))
            }),
            Some(_) => Err(StoreError::backend(Unexpected(
                "expires_at or ver is not a number",
            ))),
        }
    }
    let missing = || StoreError::backend(Unexpected("an item lacks pk or sk"));
    let key = Key::new(
        string(&mut raw, PK)?.ok_or_else(missing)?,
        string(&mut raw, SK)?.ok_or_else(missing)?,
    );
    let gsi1 = string(&mut raw, GSI1PK)?
        .zip(string(&mut raw, GSI1SK)?)
        .map(|(pk, sk)| Key::new(pk, sk));
    let expires_at = parsed::<i64>(&mut raw, EXPIRES_AT)?;
    let version = parsed::<u64>(&mut raw, VER)?.unwrap_or(0);
    let attrs: Map<String, Value> = serde_dynamo::from_item(raw).map_err(StoreError::backend)?;
    Ok(Item {
        key,
        gsi1,
        expires_at,
        version,
        attrs,
    })
}

fn read_count(attributes: Option<Attrs>) -> Result<i64, StoreError> {
    match attributes.as_ref().and_then(|a| a.get(COUNT)) {
        Some(AttributeValue::N(n)) => n.parse().map_err(|_| {
            StoreError::backend(Unexpected("the counter is not a 64-bit whole number"))
        }),
        _ => Err(StoreError::backend(Unexpected(
            "the update returned no counter",
        ))),
    }
}

/// A condition expression with exactly the names and values it uses (DynamoDB rejects unused
/// ones).
#[derive(Debug, Clone, PartialEq)]
struct Expr {
    text: String,
    names: HashMap<String, String>,
    values: Attrs,
}

fn condition_expression(condition: Condition, now: i64) -> Option<Expr> {
    let live_names = || HashMap::from([("#exp".to_owned(), EXPIRES_AT.to_owned())]);
    let now_value = || HashMap::from([(":now".to_owned(), number(now))]);
    match condition {
        Condition::None => None,
        Condition::MustNotExist => {
            let mut names = live_names();
            names.insert("#pk".into(), PK.into());
            Some(Expr {
                text: "attribute_not_exists(#pk) OR #exp <= :now".into(),
                names,
                values: now_value(),
            })
        }
        Condition::MustExist => {
            let mut names = live_names();
            names.insert("#pk".into(), PK.into());
            Some(Expr {
                text: format!("attribute_exists(#pk) AND {LIVE}"),
                names,
                values: now_value(),
            })
        }
        Condition::VersionEquals(version) => {
            let mut names = live_names();
            names.insert("#ver".into(), VER.into());
            let mut values = now_value();
            values.insert(":ver".into(), number(version));
            Some(Expr {
                text: format!("#ver = :ver AND {LIVE}"),
                names,
                values,
            })
        }
    }
}

fn transact_item(table: &str, op: &TxOp, now: i64) -> Result<TransactWriteItem, StoreError> {
    let built = match op {
        TxOp::Put { item, condition } => {
            let expr = condition_expression(*condition, now);
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(to_attributes(item)?))
                .set_condition_expression(expr.as_ref().map(|e| e.text.clone()))
                .set_expression_attribute_names(expr.as_ref().map(|e| e.names.clone()))
                .set_expression_attribute_values(expr.map(|e| e.values))
                .build()
                .map_err(StoreError::backend)?;
            TransactWriteItem::builder().put(put)
        }
        TxOp::Delete { key, condition } => {
            let expr = condition_expression(*condition, now);
            let delete = Delete::builder()
                .table_name(table)
                .set_key(Some(key_attributes(key)))
                .set_condition_expression(expr.as_ref().map(|e| e.text.clone()))
                .set_expression_attribute_names(expr.as_ref().map(|e| e.names.clone()))
                .set_expression_attribute_values(expr.map(|e| e.values))
                .build()
                .map_err(StoreError::backend)?;
            TransactWriteItem::builder().delete(delete)
        }
        TxOp::Check { key, condition } => {
            // A ConditionCheck must carry a condition; `None` becomes one that always holds.
            let expr = condition_expression(*condition, now).unwrap_or_else(|| Expr {
                text: "attribute_exists(#pk) OR attribute_not_exists(#pk)".into(),
                names: HashMap::from([("#pk".to_owned(), PK.to_owned())]),
                values: Attrs::new(),
            });
            let values = Some(expr.values).filter(|v| !v.is_empty());
            let check = ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(key_attributes(key)))
                .condition_expression(expr.text)
                .set_expression_attribute_names(Some(expr.names))
                .set_expression_attribute_values(values)
                .build()
                .map_err(StoreError::backend)?;
            TransactWriteItem::builder().condition_check(check)
        }
        TxOp::Add {
            key,
            attribute,
            by,
            bounds,
        } => {
            let expr = add_expression(attribute, *by, *bounds);
            let update = Update::builder()
                .table_name(table)
                .set_key(Some(key_attributes(key)))
                .update_expression("ADD #attr :by")
                .set_condition_expression(expr.condition)
                .set_expression_attribute_names(Some(expr.names))
                .set_expression_attribute_values(Some(expr.values))
                .build()
                .map_err(StoreError::backend)?;
            TransactWriteItem::builder().update(update)
        }
    };
    Ok(built.build())
}

/// The update of an [`TxOp::Add`]: `ADD #attr :by`, conditioned so that the sum stays inside
/// `bounds`. An absent attribute counts as 0, so whether "absent" passes is decided here, where
/// the sum it would give is known.
#[derive(Debug, Clone, PartialEq)]
struct AddExpr {
    condition: Option<String>,
    names: HashMap<String, String>,
    values: Attrs,
}

fn add_expression(attribute: &str, by: i64, bounds: Bounds) -> AddExpr {
    let names = HashMap::from([("#attr".to_owned(), attribute.to_owned())]);
    let mut values = HashMap::from([(":by".to_owned(), number(by))]);
    let mut clauses = Vec::new();
    // sum >= low  <=>  current >= low - by;  sum <= high  <=>  current <= high - by.
    if let Some(low) = bounds.at_least {
        values.insert(":low".into(), number(low.saturating_sub(by)));
        clauses.push(if by >= low {
            "(attribute_not_exists(#attr) OR #attr >= :low)"
        } else {
            "#attr >= :low"
        });
    }
    if let Some(high) = bounds.at_most {
        values.insert(":high".into(), number(high.saturating_sub(by)));
        clauses.push(if by <= high {
            "(attribute_not_exists(#attr) OR #attr <= :high)"
        } else {
            "#attr <= :high"
        });
    }
    AddExpr {
        condition: (!clauses.is_empty()).then(|| clauses.join(" AND ")),
        names,
        values,
    }
}

/// The key condition and expiry filter of a query, with their names and values.
#[derive(Debug, Clone, PartialEq)]
struct QueryPlan {
    key_condition: String,
    names: HashMap<String, String>,
    values: Attrs,
}

impl QueryPlan {
    /// `None` when the range can hold no sort key at all (DynamoDB would reject the request
    /// rather than answer with nothing, as the embedded store does).
    fn new(query: &Query, now: i64) -> Option<Self> {
        let (pk, sk) = sort_key_names(query.index);
        let mut names = HashMap::from([
            ("#p".to_owned(), pk.to_owned()),
            ("#exp".to_owned(), EXPIRES_AT.to_owned()),
        ]);
        let mut values = HashMap::from([
            (":p".to_owned(), AttributeValue::S(query.partition.clone())),
            (":now".to_owned(), number(now)),
        ]);
        let mut key_condition = "#p = :p".to_owned();
        match &query.range {
            // Every sort key starts with "", and DynamoDB refuses an empty key value.
            SortRange::All => {}
            SortRange::Prefix(prefix) if prefix.is_empty() => {}
            SortRange::Prefix(prefix) => {
                key_condition.push_str(" AND begins_with(#s, :prefix)");
                names.insert("#s".into(), sk.into());
                values.insert(":prefix".into(), AttributeValue::S(prefix.clone()));
            }
            // Sort keys are never empty, and BETWEEN with bounds out of order is an error.
            SortRange::Between(from, to) if to.is_empty() || from > to => return None,
            SortRange::Between(from, to) if from.is_empty() => {
                key_condition.push_str(" AND #s <= :to");
                names.insert("#s".into(), sk.into());
                values.insert(":to".into(), AttributeValue::S(to.clone()));
            }
            SortRange::Between(from, to) => {
                key_condition.push_str(" AND #s BETWEEN :from AND :to");
                names.insert("#s".into(), sk.into());
                values.insert(":from".into(), AttributeValue::S(from.clone()));
                values.insert(":to".into(), AttributeValue::S(to.clone()));
            }
        }
        Some(Self {
            key_condition,
            names,
            values,
        })
    }
}

fn sort_key_names(index: Index) -> (&'static str, &'static str) {
    match index {
        Index::Primary => (PK, SK),
        Index::Gsi1 => (GSI1PK, GSI1SK),
    }
}

/// Where a query starts, given its cursor.
#[derive(Debug, PartialEq)]
enum Start {
    Beginning,
    After(Attrs),
    /// The cursor lies past the end of the range.
    Exhausted,
}

/// The `ExclusiveStartKey` of a query. DynamoDB refuses a start key outside the key condition;
/// the embedded store reads "after the cursor, within the range". So a cursor before the range
/// starts at its beginning, one after it yields nothing, and the partition comes from the query.
fn start_key(query: &Query) -> Result<Start, StoreError> {
    let Some(cursor) = &query.cursor else {
        return Ok(Start::Beginning);
    };
    let key = cursor.key();
    let mut start = HashMap::new();
    let sort = match query.index {
        Index::Primary => {
            start.insert(PK.to_owned(), AttributeValue::S(query.partition.clone()));
            key.sk.clone()
        }
        Index::Gsi1 => {
            let gsi = cursor.gsi1_key().ok_or(StoreError::InvalidCursor)?;
            start.insert(PK.to_owned(), AttributeValue::S(key.pk.clone()));
            start.insert(
                GSI1PK.to_owned(),
                AttributeValue::S(query.partition.clone()),
            );
            start.insert(GSI1SK.to_owned(), AttributeValue::S(gsi.sk.clone()));
            gsi.sk
        }
    };
    start.insert(SK.to_owned(), AttributeValue::S(key.sk));
    if sort.is_empty() {
        return Err(StoreError::InvalidCursor);
    }
    let below = match &query.range {
        SortRange::All => None,
        SortRange::Prefix(prefix) if sort.starts_with(prefix.as_str()) => None,
        SortRange::Prefix(prefix) => Some(sort < *prefix),
        SortRange::Between(from, _) if sort < *from => Some(true),
        SortRange::Between(_, to) if sort > *to => Some(false),
        SortRange::Between(..) => None,
    };
    Ok(match below {
        None => Start::After(start),
        Some(below) if below != query.descending => Start::Beginning,
        Some(_) => Start::Exhausted,
    })
}

/// How an SDK error code maps onto the port's errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    ConditionFailed,
    Throttled,
    Conflict,
    Other,
}

fn classify(code: Option<&str>) -> ErrorKind {
    match code {
        Some("ConditionalCheckFailedException") => ErrorKind::ConditionFailed,
        Some(
            "ProvisionedThroughputExceededException"
            | "RequestLimitExceeded"
            | "ThrottlingException",
        ) => ErrorKind::Throttled,
        Some("TransactionConflictException" | "TransactionInProgressException") => {
            ErrorKind::Conflict
        }
        _ => ErrorKind::Other,
    }
}

/// Maps an SDK error by its code, keeping the error itself as the source of `Backend`.
fn map_sdk_error<E>(err: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match classify(err.code()) {
        ErrorKind::ConditionFailed => StoreError::ConditionFailed,
        ErrorKind::Throttled => StoreError::Throttled,
        ErrorKind::Conflict => StoreError::Conflict,
        ErrorKind::Other => StoreError::backend(err),
    }
}

/// What the cancellation reasons of a transaction say, one code per operation (`None` or the
/// string "None" for operations that were fine). `None` when they say nothing the port knows.
fn cancellation(codes: &[Option<&str>]) -> Option<StoreError> {
    let failed: Vec<usize> = codes
        .iter()
        .enumerate()
        .filter(|(_, code)| **code == Some("ConditionalCheckFailed"))
        .map(|(index, _)| index)
        .collect();
    if !failed.is_empty() {
        return Some(StoreError::TransactionFailed { failed });
    }
    if codes.contains(&Some("TransactionConflict")) {
        return Some(StoreError::Conflict);
    }
    let throttled = codes.iter().any(|code| {
        matches!(
            code,
            Some("ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded")
        )
    });
    throttled.then_some(StoreError::Throttled)
}

fn map_transaction_error(err: SdkError<TransactWriteItemsError, HttpResponse>) -> StoreError {
    if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        err.as_service_error()
    {
        let codes: Vec<Option<&str>> = cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| r.code())
            .collect();
        if let Some(mapped) = cancellation(&codes) {
            return mapped;
        }
        return StoreError::backend(err);
    }
    map_sdk_error(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::operation::put_item::PutItemError;
    use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
    use serde_json::json;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    #[test]
    fn an_item_round_trips_through_attributes() {
        let item = Item::new(Key::new("USER#1", "PROFILE"))
            .with_gsi1("EMAIL#x", "USER#1")
            .with_expiry(1_700_000_000)
            .with_version(7)
            .with_attr("name", "Ada")
            .with_attr("n", 42)
            .with_attr("neg", -3)
            .with_attr("ok", true)
            .with_attr("nothing", Value::Null)
            .with_attr("tags", json!(["a", 1, {"b": null}]))
            .with_attr("nested", json!({"x": {"y": "z"}, "empty": []}));
        let raw = to_attributes(&item).unwrap();
        assert_eq!(raw.get("pk"), Some(&s("USER#1")));
        assert_eq!(raw.get("gsi1pk"), Some(&s("EMAIL#x")));
        assert_eq!(raw.get("expires_at"), Some(&number(1_700_000_000)));
        assert_eq!(raw.get("ver"), Some(&number(7)));
        assert_eq!(raw.get("n"), Some(&number(42)));
        assert_eq!(from_attributes(raw).unwrap(), item);
    }

    #[test]
    fn an_item_without_index_or_expiry_stores_neither() {
        let raw = to_attributes(&Item::new(Key::new("a", "b"))).unwrap();
        let mut names: Vec<&str> = raw.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["pk", "sk", "ver"]);
    }

    #[test]
    fn an_item_without_keys_is_a_backend_error() {
        let raw = HashMap::from([("pk".to_owned(), s("a"))]);
        assert!(matches!(from_attributes(raw), Err(StoreError::Backend(_))));
    }

    #[test]
    fn conditions_treat_expired_items_as_absent() {
        assert_eq!(condition_expression(Condition::None, 5), None);
        let not_exists = condition_expression(Condition::MustNotExist, 5).unwrap();
        assert_eq!(not_exists.text, "attribute_not_exists(#pk) OR #exp <= :now");
        assert_eq!(not_exists.values.get(":now"), Some(&number(5)));
        let exists = condition_expression(Condition::MustExist, 5).unwrap();
        assert_eq!(
            exists.text,
            "attribute_exists(#pk) AND (attribute_not_exists(#exp) OR #exp > :now)"
        );
        let version = condition_expression(Condition::VersionEquals(3), 5).unwrap();
        assert_eq!(
            version.text,
            "#ver = :ver AND (attribute_not_exists(#exp) OR #exp > :now)"
        );
        assert_eq!(version.values.get(":ver"), Some(&number(3)));
    }

    #[test]
    fn every_expression_uses_all_its_names_and_values() {
        let conditions = [
            Condition::MustNotExist,
            Condition::MustExist,
            Condition::VersionEquals(1),
        ];
        for expr in conditions
            .into_iter()
            .filter_map(|c| condition_expression(c, 1))
        {
            for placeholder in expr.names.keys().chain(expr.values.keys()) {
                assert!(
                    expr.text.contains(placeholder.as_str()),
                    "{placeholder} unused in {}",
                    expr.text
                );
            }
        }
        let queries = [
            Query::partition("p"),
            Query::partition("p").prefix("a"),
            Query::gsi1("p").between("a", "b"),
            Query::partition("p").between("", "b"),
        ];
        for query in queries {
            let plan = QueryPlan::new(&query, 1).unwrap();
            let text = format!("{} {LIVE}", plan.key_condition);
            for placeholder in plan.names.keys().chain(plan.values.keys()) {
                assert!(
                    text.contains(placeholder.as_str()),
                    "{placeholder} unused in {text}"
                );
            }
        }
    }

    #[test]
    fn query_plans_follow_the_range() {
        let plan = QueryPlan::new(&Query::gsi1("g").prefix("ORG#"), 1).unwrap();
        assert_eq!(plan.key_condition, "#p = :p AND begins_with(#s, :prefix)");
        assert_eq!(plan.names.get("#p").map(String::as_str), Some("gsi1pk"));
        assert_eq!(plan.names.get("#s").map(String::as_str), Some("gsi1sk"));
        let plan = QueryPlan::new(&Query::partition("p").prefix(""), 1).unwrap();
        assert_eq!(plan.key_condition, "#p = :p");
        let plan = QueryPlan::new(&Query::partition("p").between("a", "c"), 1).unwrap();
        assert_eq!(plan.key_condition, "#p = :p AND #s BETWEEN :from AND :to");
        assert_eq!(
            QueryPlan::new(&Query::partition("p").between("c", "a"), 1),
            None
        );
        assert_eq!(
            QueryPlan::new(&Query::partition("p").between("", ""), 1),
            None
        );
    }

    fn cursor_at(sk: &str) -> Option<Cursor> {
        Some(Cursor::after(&Item::new(Key::new("other", sk))))
    }

    #[test]
    fn a_cursor_starts_after_its_item_in_the_queried_partition() {
        let query = Query::partition("p").after(cursor_at("m"));
        let Start::After(key) = start_key(&query).unwrap() else {
            panic!("expected a start key")
        };
        assert_eq!(
            key,
            HashMap::from([("pk".to_owned(), s("p")), ("sk".to_owned(), s("m"))])
        );
    }

    #[test]
    fn a_gsi_cursor_carries_both_keys_and_must_have_the_index_key() {
        let item = Item::new(Key::new("t", "u")).with_gsi1("g", "v");
        let query = Query::gsi1("g").after(Some(Cursor::after(&item)));
        let Start::After(key) = start_key(&query).unwrap() else {
            panic!("expected a start key")
        };
        assert_eq!(key.len(), 4);
        assert_eq!(key.get("gsi1sk"), Some(&s("v")));
        assert_eq!(key.get("pk"), Some(&s("t")));
        let query = Query::gsi1("g").after(cursor_at("m"));
        assert!(matches!(start_key(&query), Err(StoreError::InvalidCursor)));
    }

    #[test]
    fn a_cursor_outside_the_range_means_from_the_start_or_nothing() {
        let asc = |q: Query, sk| start_key(&q.after(cursor_at(sk))).unwrap();
        assert_eq!(
            asc(Query::partition("p").prefix("b"), "a"),
            Start::Beginning
        );
        assert_eq!(
            asc(Query::partition("p").prefix("b"), "c"),
            Start::Exhausted
        );
        assert!(matches!(
            asc(Query::partition("p").prefix("b"), "b1"),
            Start::After(_)
        ));
        assert_eq!(
            asc(Query::partition("p").between("b", "d"), "a"),
            Start::Beginning
        );
        assert_eq!(
            asc(Query::partition("p").between("b", "d"), "e"),
            Start::Exhausted
        );
        assert_eq!(
            asc(Query::partition("p").between("b", "d").descending(), "a"),
            Start::Exhausted
        );
        assert_eq!(
            asc(Query::partition("p").between("b", "d").descending(), "e"),
            Start::Beginning
        );
    }

    #[test]
    fn error_codes_map_onto_the_port() {
        assert_eq!(
            classify(Some("ConditionalCheckFailedException")),
            ErrorKind::ConditionFailed
        );
        assert_eq!(
            classify(Some("ProvisionedThroughputExceededException")),
            ErrorKind::Throttled
        );
        assert_eq!(classify(Some("RequestLimitExceeded")), ErrorKind::Throttled);
        assert_eq!(classify(Some("ThrottlingException")), ErrorKind::Throttled);
        assert_eq!(
            classify(Some("TransactionConflictException")),
            ErrorKind::Conflict
        );
        assert_eq!(
            classify(Some("ResourceNotFoundException")),
            ErrorKind::Other
        );
        assert_eq!(classify(None), ErrorKind::Other);
    }

    #[test]
    fn a_typed_sdk_error_keeps_its_source() {
        let response = HttpResponse::new(
            400_u16.try_into().unwrap(),
            aws_sdk_s3::primitives::SdkBody::empty(),
        );
        // The SDK's deserializer puts the wire code in the typed error's metadata, as here.
        let meta = aws_sdk_dynamodb::error::ErrorMetadata::builder()
            .code("ConditionalCheckFailedException")
            .build();
        let failed = PutItemError::ConditionalCheckFailedException(
            ConditionalCheckFailedException::builder()
                .meta(meta)
                .build(),
        );
        let err = SdkError::service_error(failed, response);
        assert!(matches!(map_sdk_error(err), StoreError::ConditionFailed));

        let response = HttpResponse::new(
            400_u16.try_into().unwrap(),
            aws_sdk_s3::primitives::SdkBody::empty(),
        );
        let other = PutItemError::generic(
            aws_sdk_dynamodb::error::ErrorMetadata::builder()
                .code("ValidationException")
                .build(),
        );
        let mapped = map_sdk_error(SdkError::service_error(other, response));
        let StoreError::Backend(source) = mapped else {
            panic!("expected a backend error")
        };
        let sdk = source
            .downcast_ref::<SdkError<PutItemError, HttpResponse>>()
            .unwrap();
        assert_eq!(sdk.code(), Some("ValidationException"));
    }

    #[test]
    fn cancellation_reasons_name_the_failed_operations() {
        let failed = cancellation(&[
            Some("None"),
            Some("ConditionalCheckFailed"),
            None,
            Some("ConditionalCheckFailed"),
        ]);
        assert!(
            matches!(failed, Some(StoreError::TransactionFailed { failed }) if failed == [1, 3])
        );
        let conflict = cancellation(&[Some("None"), Some("TransactionConflict")]);
        assert!(matches!(conflict, Some(StoreError::Conflict)));
        let throttled = cancellation(&[Some("ThrottlingError"), Some("None")]);
        assert!(matches!(throttled, Some(StoreError::Throttled)));
        assert!(cancellation(&[Some("ValidationError")]).is_none());
    }

    #[test]
    fn counters_read_only_whole_numbers() {
        let attrs = HashMap::from([(COUNT.to_owned(), number(12))]);
        assert_eq!(read_count(Some(attrs)).unwrap(), 12);
        assert!(read_count(None).is_err());
        let attrs = HashMap::from([(COUNT.to_owned(), number("1e40"))]);
        assert!(read_count(Some(attrs)).is_err());
    }
}
