//! Managed re-encryption. `rotate` makes a new data-key version (new records are sealed with
//! it at once) and a job that re-seals every record and in-function payload under it. A worker
//! (`run_jobs`: the local server's background task, the cleanup schedule on Lambda) advances
//! running jobs in bounded slices: the job's item says where it stopped, so a crash or a timeout
//! loses at most a page, and two workers at once do no harm (each re-seal is conditional on the
//! record's revision and skips records already under the target). Reads and writes work
//! throughout: old versions keep opening. When the job is done, the dataset's `oldest_version`
//! rises to the target: older versions are no longer needed and can be retired.

use std::time::Duration;

use serde_json::{Map, Value};

use super::DatasetsService;
use super::data_keys::DataKeys;
use super::payload::upload_name;
use crate::access::Scoped;
use crate::audit::{AuditEvent, Change, Outcome, RequestOrigin, retrying};
use crate::blobs::{Blob, BlobError};
use crate::datasets::seal::{Sealer, open_field, open_payload};
use crate::datasets::version::data_key_context;
use crate::datasets::{
    Comparand, Dataset, DatasetError, Indexer, JobState, PayloadRef, ReencryptionJob, StoredRecord,
};
use crate::ids::{DatasetId, JobId, OrgId, RecordId};
use crate::keys::WrappedVersion;
use crate::store::{Condition, Query, StoreError, TxOp, schema};

/// Records counted per page of the counting pass.
const COUNT_PAGE: usize = 1000;
/// Records re-sealed per page (the job's progress is saved after each).
const RESEAL_PAGE: usize = 50;
/// Running jobs a worker looks at per round.
const JOBS_PER_ROUND: usize = 25;

/// What a worker's round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobReport {
    /// Jobs that moved.
    pub advanced: usize,
    /// Jobs that finished.
    pub finished: usize,
    /// Records re-sealed.
    pub resealed: u64,
}

impl DatasetsService {
    /// A new data-key version for the dataset and a job that re-seals everything under it.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %id))]
    pub async fn rotate(
        &self,
        at: &Scoped,
        id: &DatasetId,
        origin: &RequestOrigin,
    ) -> Result<ReencryptionJob, DatasetError> {
        retrying(|| async move {
            let mut dataset = self.current(at, id).await?;
            if dataset.active_job.is_some() {
                return Err(DatasetError::JobRunning);
            }
            let now = self.clock.now();
            let version = dataset.latest_version + 1;
            let generated = self
                .keys
                .generate_data_key(&data_key_context(at.org(), id, version))
                .await?;
            let job = ReencryptionJob {
                id: JobId::generate(now)?,
                dataset_id: id.clone(),
                org_id: at.org().clone(),
                target_version: version,
                state: JobState::Counting,
                done: 0,
                total: 0,
                cursor: None,
                started_at: now,
                finished_at: None,
                revision: 1,
            };
            let previous = dataset.revision;
            dataset.latest_version = version;
            dataset.latest_wrapped = generated.wrapped.clone();
            dataset.active_job = Some(job.id.clone());
            dataset.updated_at = now;
            dataset.revision += 1;
            let added = WrappedVersion {
                version,
                wrapped: generated.wrapped,
                created_at: now,
            };
            let event = self.event(at, "datasets.rotate", Outcome::Success, origin, id)?;
            Change::new(event)
                .put(
                    added.to_item(schema::dataset_key_version(id, version)),
                    Condition::MustNotExist,
                )
                .put(dataset.to_item(), Condition::VersionEquals(previous))
                .put(job.to_item(), Condition::MustNotExist)
                .commit(&*self.table)
                .await?;
            Ok(job)
        })
        .await
    }

    /// A job of the dataset, as `at` may see it.
    pub async fn get_job(
        &self,
        at: &Scoped,
        dataset: Dataset,
        job: &JobId,
    ) -> Result<ReencryptionJob, DatasetError> {
        let dataset = dataset.visible_to(at)?;
        let item = self
            .table
            .get(&schema::dataset_job(&dataset.id, job))
            .await?
            .ok_or(DatasetError::NotFound("job"))?;
        Ok(ReencryptionJob::from_item(&item)?)
    }

    /// Advances running jobs for about `budget`, then stops cleanly (the next round resumes).
    #[tracing::instrument(skip_all)]
    pub async fn run_jobs(&self, budget: Duration) -> Result<JobReport, DatasetError> {
        let deadline = tokio::time::Instant::now() + budget;
        let page = self
            .table
            .query(&Query::gsi1(schema::RUNNING_JOBS).limit(JOBS_PER_ROUND))
            .await?;
        let mut report = JobReport::default();
        for item in &page.items {
            if tokio::time::Instant::now() >= deadline {
                break;
            }
            let job = ReencryptionJob::from_item(item)?;
            let (finished, resealed) = self.advance(job, deadline).await?;
            report.advanced += 1;
            report.finished += usize::from(finished);
            report.resealed += resealed;
        }
        if report.advanced > 0 {
            tracing::info!(
                advanced = report.advanced,
                finished = report.finished,
                resealed = report.resealed,
                "re-encryption jobs advanced"
            );
        }
        Ok(report)
    }

    /// Moves one job until it finishes or the deadline comes; says whether it finished and
    /// how many records it re-sealed.
    async fn advance(
        &self,
        mut job: ReencryptionJob,
        deadline: tokio::time::Instant,
    ) -> Result<(bool, u64), DatasetError> {
        let dataset = self.read_dataset(&job.dataset_id).await?;
        if dataset.deleted_at.is_some() {
            self.finish(&dataset, job).await?;
            return Ok((true, 0));
        }
        let mut keys = DataKeys::new(self, &dataset);
        let mut resealed = 0;
        while tokio::time::Instant::now() < deadline {
            let limit = match job.state {
                JobState::Counting => COUNT_PAGE,
                JobState::Running => RESEAL_PAGE,
                JobState::Done => break,
            };
            let page = self
                .table
                .query(
                    &Query::gsi1(schema::dataset_records_partition(&dataset.id))
                        .limit(limit)
                        .after(job.cursor.clone()),
                )
                .await?;
            let visited = page.items.len() as u64;
            if job.state == JobState::Running {
                for item in &page.items {
                    let record = StoredRecord::from_item(item)?;
                    let resealer = Resealer {
                        target: job.target_version,
                        org: &job.org_id,
                        actor: job.id.as_str(),
                    };
                    if self.reseal(&dataset, &mut keys, &resealer, record).await? {
                        resealed += 1;
                    }
                }
                job.done += visited;
                // Records written since the count are re-sealed too.
                job.total = job.total.max(job.done);
            } else {
                job.total += visited;
            }
            job.cursor = page.next_cursor;
            if job.cursor.is_none() {
                match job.state {
                    JobState::Counting => job.state = JobState::Running,
                    _ => {
                        self.finish(&dataset, job).await?;
                        return Ok((true, resealed));
                    }
                }
            }
            job = self.save_progress(job).await?;
        }
        Ok((false, resealed))
    }

    /// Saves where the job is (its own bookkeeping; the re-seals are audited one by one). A
    /// job another worker moved meanwhile is taken as that worker's.
    async fn save_progress(
        &self,
        mut job: ReencryptionJob,
    ) -> Result<ReencryptionJob, DatasetError> {
        let before = job.revision;
        job.revision += 1;
        match self
            .table
            .put(job.to_item(), Condition::VersionEquals(before))
            .await
        {
            Ok(()) => Ok(job),
            Err(StoreError::ConditionFailed) => {
                let item = self
                    .table
                    .get(&schema::dataset_job(&job.dataset_id, &job.id))
                    .await?
                    .ok_or(DatasetError::NotFound("job"))?;
                Ok(ReencryptionJob::from_item(&item)?)
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Marks the job done and the dataset's older versions as no longer needed, in one audited
    /// transaction.
    async fn finish(&self, dataset: &Dataset, job: ReencryptionJob) -> Result<(), DatasetError> {
        let job = &job;
        retrying(|| async move {
            let mut current = self.read_dataset(&dataset.id).await?;
            let previous = current.revision;
            let mut done = job.clone();
            done.state = JobState::Done;
            done.cursor = None;
            done.finished_at = Some(self.clock.now());
            done.revision += 1;
            if current.active_job.as_ref() == Some(&job.id) {
                current.active_job = None;
            }
            current.oldest_version = current.oldest_version.max(job.target_version);
            current.revision += 1;
            let event = self
                .system_event(&job.org_id, job.id.as_str(), "datasets.job.finish")?
                .resource(&job.id);
            Change::new(event)
                .put(done.to_item(), Condition::VersionEquals(job.revision))
                .put(current.to_item(), Condition::VersionEquals(previous))
                .commit(&*self.table)
                .await?;
            Ok::<_, DatasetError>(())
        })
        .await
        .or_else(|err| match err {
            // Another worker finished it.
            DatasetError::ConcurrentChange(_) => Ok(()),
            other => Err(other),
        })
    }

    /// A write sealed under `version` may have raced a rotation whose job passed its records
    /// before the write committed: if the dataset has a newer version now, the write re-seals
    /// what it wrote at once (the rotation committed before the job began, so this read sees it).
    pub(super) async fn catch_up(
        &self,
        dataset: &DatasetId,
        version: u32,
        records: &[RecordId],
        actor: &str,
    ) -> Result<(), DatasetError> {
        if records.is_empty() {
            return Ok(());
        }
        let current = self.read_dataset(dataset).await?;
        if current.latest_version <= version {
            return Ok(());
        }
        let mut keys = DataKeys::new(self, &current);
        let resealer = Resealer {
            target: current.latest_version,
            org: &current.org_id,
            actor,
        };
        for id in records {
            match self.stored_record(&current, id).await {
                Ok(record) => {
                    self.reseal(&current, &mut keys, &resealer, record).await?;
                }
                Err(DatasetError::NotFound(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    /// Re-seals `record` under the target version if it is not already; says whether it did.
    /// Retried when the record changes meanwhile (another worker, a write, a payload).
    async fn reseal(
        &self,
        dataset: &Dataset,
        keys: &mut DataKeys<'_>,
        resealer: &Resealer<'_>,
        mut record: StoredRecord,
    ) -> Result<bool, DatasetError> {
        let target = resealer.target;
        for _ in 0..3 {
            let payload_behind = record
                .payload
                .as_ref()
                .is_some_and(|p| !p.presigned && p.key_version < target);
            if record.key_version >= target && !payload_behind {
                return Ok(false);
            }
            let old_key = keys.get(record.key_version).await?;
            let new_key = keys.get(target).await?;
            let mut sealer = Sealer::new(&new_key, &dataset.id, target);
            let indexer = Indexer::new(dataset, &new_key, target);
            let mut sealed = Map::new();
            let mut entries = Vec::new();
            for (name, ciphertext) in &record.sealed {
                let text = ciphertext
                    .as_str()
                    .ok_or(crate::store::BadAttribute("sealed"))?;
                let value = open_field(
                    &old_key,
                    &dataset.id,
                    &record.id,
                    name,
                    record.key_version,
                    text,
                )?;
                let resealed = sealer.seal_field(&record.id, name, &value)?;
                entries.extend(indexer.entry(&record.id, name, &value, || {
                    Comparand::Sealed(resealed.clone())
                }));
                sealed.insert(name.clone(), Value::String(resealed));
            }
            for (name, value) in &record.plain {
                entries.extend(indexer.entry(&record.id, name, value, || {
                    Comparand::Plain(value.to_string())
                }));
            }
            let moved = match record.payload.as_ref().filter(|_| payload_behind) {
                Some(payload) => Some(
                    self.reseal_payload(dataset, keys, &record, payload, target)
                        .await,
                ),
                None => None,
            };
            let new_payload = match moved {
                Some(Ok(moved)) => Some(moved),
                // Another worker re-sealed it and removed the old blob: start again from what
                // the record says now.
                Some(Err(DatasetError::Blobs(BlobError::NotFound))) => {
                    match self.stored_record(dataset, &record.id).await {
                        Ok(fresh) => {
                            record = fresh;
                            continue;
                        }
                        Err(DatasetError::NotFound(_)) => return Ok(false),
                        Err(other) => return Err(other),
                    }
                }
                Some(Err(other)) => return Err(other),
                None => None,
            };
            let mut next = record.clone();
            next.key_version = target;
            next.sealed = sealed;
            if let Some(payload) = &new_payload {
                next.payload = Some(payload.clone());
            }
            next.revision += 1;
            let event = self
                .system_event(resealer.org, resealer.actor, "records.reseal")?
                .resource(&record.id);
            let committed = Change::new(event)
                .put_or(
                    next.to_item(),
                    Condition::VersionEquals(record.revision),
                    DatasetError::ConcurrentChange("record"),
                )
                .ops(entries.iter().map(|entry| TxOp::Put {
                    item: entry.to_item(),
                    condition: Condition::None,
                }))
                .commit(&*self.table)
                .await
                .map_err(DatasetError::from);
            match committed {
                Ok(()) => {
                    if let (Some(_), Some(old)) = (&new_payload, &record.payload) {
                        self.forget_blob(&old.blob).await;
                    }
                    return Ok(true);
                }
                Err(DatasetError::ConcurrentChange(_)) => {
                    if let Some(orphan) = &new_payload {
                        self.forget_blob(&orphan.blob).await;
                    }
                    // Changed or deleted meanwhile: start again from what is there now.
                    match self.stored_record(dataset, &record.id).await {
                        Ok(fresh) => record = fresh,
                        Err(DatasetError::NotFound(_)) => return Ok(false),
                        Err(other) => return Err(other),
                    }
                }
                Err(other) => {
                    if let Some(orphan) = &new_payload {
                        self.forget_blob(&orphan.blob).await;
                    }
                    return Err(other);
                }
            }
        }
        Err(DatasetError::ConcurrentChange("record"))
    }

    /// The payload re-sealed under `target` as a new blob (the record moves to it in the
    /// re-seal's transaction).
    async fn reseal_payload(
        &self,
        dataset: &Dataset,
        keys: &mut DataKeys<'_>,
        record: &StoredRecord,
        payload: &PayloadRef,
        target: u32,
    ) -> Result<PayloadRef, DatasetError> {
        let blob = self.blobs.get(&payload.blob).await?;
        let old_key = keys.get(payload.key_version).await?;
        let bytes = open_payload(
            &old_key,
            &dataset.id,
            &record.id,
            &payload.upload,
            payload.key_version,
            &blob.bytes,
        )?;
        let new_key = keys.get(target).await?;
        let upload = upload_name(self.clock.now(), "p")?;
        let sealed =
            Sealer::new(&new_key, &dataset.id, target).seal_payload(&record.id, &upload, &bytes)?;
        let moved = PayloadRef {
            blob: schema::payload_blob(&dataset.id, &record.id, &upload),
            upload,
            key_version: target,
            ..payload.clone()
        };
        self.blobs
            .put(
                &moved.blob,
                Blob {
                    bytes: sealed,
                    content_type: blob.content_type,
                    metadata: blob.metadata,
                },
            )
            .await?;
        Ok(moved)
    }

    /// An event written in `org` by `actor` outside a request: the job (its id as actor), or a
    /// write catching up with a rotation (its caller).
    fn system_event(
        &self,
        org: &OrgId,
        actor: &str,
        action: &'static str,
    ) -> Result<AuditEvent, DatasetError> {
        let mut event = self
            .audit
            .event(action, Outcome::Success, &RequestOrigin::default())?
            .actor(actor);
        event.org_id = Some(org.to_string());
        Ok(event)
    }
}

/// What a re-seal moves records to, and in whose name.
struct Resealer<'a> {
    target: u32,
    org: &'a OrgId,
    actor: &'a str,
}

impl DatasetsService {}
