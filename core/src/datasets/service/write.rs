//! Writing records, one or a batch of up to [`MAX_BATCH`]: each record is prepared (checked,
//! screened, sealed, indexed) and written whole or not at all in its own audited transaction;
//! a batch reports per record. With an idempotency key, a retry returns the first reply and
//! writes nothing new.

use futures_util::{StreamExt, stream};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::DatasetsService;
use super::data_keys::DataKeys;
use super::idempotent::Claimed;
use crate::access::Scoped;
use crate::audit::{Change, Outcome, RequestOrigin};
use crate::datasets::idempotency::reserved_ids;
use crate::datasets::prepare::{Prepared, Preparer};
use crate::datasets::{Dataset, DatasetError, PiiFlag};
use crate::http::FieldError;
use crate::ids::RecordId;
use crate::store::Condition;

/// Records one request may write.
pub const MAX_BATCH: usize = 1000;

/// Transactions of one batch in flight at once.
const CONCURRENT_WRITES: usize = 8;

/// What became of one record of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordOutcome {
    /// Its place in the request.
    pub index: usize,
    /// 201 written, 422 refused (see `errors`), 503 not written this time (retry).
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RecordId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// What the PII engine found in plain fields (field, type, offsets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pii: Vec<PiiFlag>,
}

/// A write's reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteReply {
    pub outcomes: Vec<RecordOutcome>,
    /// The reply of an earlier request with the same idempotency key.
    pub replayed: bool,
}

/// An idempotent write's key and its body's digest.
#[derive(Debug, Clone, Copy)]
pub struct Idempotency<'a> {
    pub key: &'a str,
    pub body_digest: &'a str,
}

impl DatasetsService {
    /// Writes `records` (each a record's `data`) to the dataset.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %dataset.id, records = records.len()))]
    pub async fn write_records(
        &self,
        at: &Scoped,
        dataset: Dataset,
        records: Vec<Value>,
        idempotency: Option<Idempotency<'_>>,
        origin: &RequestOrigin,
    ) -> Result<WriteReply, DatasetError> {
        if records.is_empty() || records.len() > MAX_BATCH {
            return Err(DatasetError::invalid(
                "records",
                format!("holds 1 to {MAX_BATCH} records"),
            ));
        }
        let dataset = dataset.visible_to(at)?;
        let claim = match idempotency {
            Some(asked) => match self
                .claim(at, &dataset, asked.key, asked.body_digest)
                .await?
            {
                Claimed::Replay(reply) => {
                    let outcomes = serde_json::from_value(reply)
                        .map_err(|_| crate::store::BadAttribute("reply"))?;
                    return Ok(WriteReply {
                        outcomes,
                        replayed: true,
                    });
                }
                Claimed::Proceed(claim) => Some(claim),
            },
            None => None,
        };
        let outcomes = match self
            .write_prepared(at, &dataset, records, claim.as_ref(), origin)
            .await
        {
            Ok(outcomes) => outcomes,
            Err(err) => {
                // Nothing is settled: let the retry that `retry-after` invites go on at once.
                if let Some(claim) = claim
                    && let Err(release) = self.release(claim).await
                {
                    tracing::warn!(error = %release, "idempotency claim left to its lease");
                }
                return Err(err);
            }
        };
        if let Some(claim) = claim {
            if outcomes.iter().any(|o| o.status == 503) {
                self.release(claim).await?;
            } else {
                let reply = serde_json::to_value(&outcomes)
                    .map_err(|_| crate::store::BadAttribute("reply"))?;
                self.settle(claim, reply).await?;
            }
        }
        // (A claim another attempt took over meanwhile is theirs to settle: this attempt's
        // records are written all the same, and its reply says so.)
        Ok(WriteReply {
            outcomes,
            replayed: false,
        })
    }

    /// Prepares and writes the records (ids reserved by `claim`, if any); the outcomes in
    /// request order.
    async fn write_prepared(
        &self,
        at: &Scoped,
        dataset: &Dataset,
        records: Vec<Value>,
        claim: Option<&crate::datasets::idempotency::IdempotencyClaim>,
        origin: &RequestOrigin,
    ) -> Result<Vec<RecordOutcome>, DatasetError> {
        let now = self.clock.now();
        let ids = match claim {
            Some(claim) => reserved_ids(claim.first_record, records.len())
                .ok_or(crate::store::BadAttribute("first_record"))?,
            None => records
                .iter()
                .map(|_| RecordId::generate(now))
                .collect::<Result<_, _>>()?,
        };
        let version = dataset.latest_version;
        let data_key = DataKeys::new(self, dataset).get(version).await?;
        let validator = self.validator(dataset)?;
        let actor = at.principal().actor_id().to_owned();
        let mut preparer = Preparer::new(dataset, validator.as_deref(), &data_key, version);
        let mut outcomes = Vec::with_capacity(records.len());
        let mut ready = Vec::new();
        for (index, (id, data)) in ids.into_iter().zip(records).enumerate() {
            match preparer.prepare(id, data, now, &actor)? {
                Ok(prepared) => ready.push((index, prepared)),
                Err(errors) => outcomes.push(RecordOutcome {
                    index,
                    status: 422,
                    id: None,
                    errors,
                    pii: Vec::new(),
                }),
            }
        }
        let retrying_ok = claim.is_some();
        let written: Vec<Result<RecordOutcome, DatasetError>> = stream::iter(ready)
            .map(|(index, prepared)| self.commit_record(at, index, prepared, retrying_ok, origin))
            .buffer_unordered(CONCURRENT_WRITES)
            .collect()
            .await;
        for outcome in written {
            outcomes.push(outcome?);
        }
        outcomes.sort_by_key(|o| o.index);
        let written: Vec<RecordId> = outcomes.iter().filter_map(|o| o.id.clone()).collect();
        self.catch_up(&dataset.id, version, &written, &actor)
            .await?;
        Ok(outcomes)
    }

    /// A record this attempt failed to write may be one an earlier attempt with the same
    /// idempotency key wrote: then it is written (201), not "retry it" (503).
    async fn written_before(
        &self,
        record: &crate::datasets::StoredRecord,
        seen_before: bool,
    ) -> u16 {
        if !seen_before {
            return 503;
        }
        match self
            .table
            .get(&crate::store::schema::record(&record.id))
            .await
        {
            Ok(Some(_)) => 201,
            _ => 503,
        }
    }

    /// One record's audited transaction. A record that exists already is one an earlier
    /// attempt with the same idempotency key wrote (`seen_before`); a dependency that failed
    /// leaves the record unwritten and says so (503), so the batch goes on.
    async fn commit_record(
        &self,
        at: &Scoped,
        index: usize,
        prepared: Prepared,
        seen_before: bool,
        origin: &RequestOrigin,
    ) -> Result<RecordOutcome, DatasetError> {
        let Prepared { record, entries } = prepared;
        let event = self.event(at, "records.create", Outcome::Success, origin, &record.id)?;
        let committed = Change::new(event)
            .put_or(
                record.to_item(),
                Condition::MustNotExist,
                DatasetError::RecordExists,
            )
            .ops(entries.iter().map(|entry| crate::store::TxOp::Put {
                item: entry.to_item(),
                condition: Condition::None,
            }))
            .commit(&*self.table)
            .await
            .map_err(DatasetError::from);
        let status = match committed {
            Ok(()) => 201,
            Err(DatasetError::RecordExists) if seen_before => 201,
            Err(DatasetError::ConcurrentChange(_)) => {
                self.written_before(&record, seen_before).await
            }
            Err(DatasetError::Store(store)) if store.is_retryable() => {
                tracing::warn!(error = %store, "record not written; the client may retry");
                self.written_before(&record, seen_before).await
            }
            Err(other) => return Err(other),
        };
        Ok(RecordOutcome {
            index,
            status,
            id: (status == 201).then(|| record.id.clone()),
            errors: if status == 503 {
                vec![FieldError::new(
                    "",
                    "a dependency is unavailable; retry this record",
                )]
            } else {
                Vec::new()
            },
            pii: if status == 201 {
                record.pii
            } else {
                Vec::new()
            },
        })
    }
}
