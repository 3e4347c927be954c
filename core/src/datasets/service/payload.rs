//! A record's payload. Up to [`MAX_PAYLOAD_BYTES`] through the function: sealed (envelope v2,
//! bound to dataset, record and upload) into the blob store, the blob written before the record
//! points to it, so a crash leaves at most an orphan blob (cleanup removes it). Larger ones, up
//! to 5 GiB, through presigned URLs bound to one object (SSE-KMS under the deployment's key
//! with a context naming dataset and record on S3; the local server's own signed URLs locally).
//! Each payload gets a fresh blob name, so a new one never overwrites what a record points to.

use time::OffsetDateTime;

use super::DatasetsService;
use super::data_keys::DataKeys;
use crate::access::Scoped;
use crate::audit::{Change, Outcome, RequestOrigin};
use crate::blobs::{Blob, Metadata, PresignRequest, PresignedMethod, PresignedUrl};
use crate::datasets::seal::{Sealer, open_payload};
use crate::datasets::{Dataset, DatasetError, PayloadRef, StoredRecord};
use crate::ids::{RecordId, ulid_at};
use crate::store::{Condition, schema};

/// The largest payload through the function (API Gateway base64-encodes binary bodies and a
/// Lambda request is capped at 6 MB).
pub const MAX_PAYLOAD_BYTES: usize = 4 * 1024 * 1024;

/// The content type of a payload stored without one.
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// A payload in clear, for the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

impl DatasetsService {
    /// Seals `bytes` as the record's payload, replacing any earlier one.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %dataset.id, record_id = %id, size = bytes.len()))]
    pub async fn put_payload(
        &self,
        at: &Scoped,
        dataset: Dataset,
        id: &RecordId,
        bytes: &[u8],
        content_type: Option<&str>,
        origin: &RequestOrigin,
    ) -> Result<PayloadRef, DatasetError> {
        if bytes.len() > MAX_PAYLOAD_BYTES {
            return Err(DatasetError::PayloadTooLarge {
                limit: MAX_PAYLOAD_BYTES,
            });
        }
        let content_type = check_content_type(content_type)?;
        let dataset = dataset.visible_to(at)?;
        let record = self.stored_record(&dataset, id).await?;
        let version = dataset.latest_version;
        let data_key = DataKeys::new(self, &dataset).get(version).await?;
        let upload = upload_name(self.clock.now(), "p")?;
        let sealed =
            Sealer::new(&data_key, &dataset.id, version).seal_payload(id, &upload, bytes)?;
        let payload = PayloadRef {
            blob: schema::payload_blob(&dataset.id, id, &upload),
            upload,
            size: bytes.len() as u64,
            content_type,
            key_version: version,
            presigned: false,
        };
        // The blob first: the record never points to a blob that is not there.
        self.blobs
            .put(
                &payload.blob,
                Blob {
                    bytes: sealed,
                    content_type: DEFAULT_CONTENT_TYPE.to_owned(),
                    metadata: blob_metadata(&dataset, id),
                },
            )
            .await?;
        self.point_to(at, &record, payload, "records.payload.write", origin)
            .await
    }

    /// The record's payload, opened.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %dataset.id, record_id = %id))]
    pub async fn get_payload(
        &self,
        at: &Scoped,
        dataset: Dataset,
        id: &RecordId,
        origin: &RequestOrigin,
    ) -> Result<Payload, DatasetError> {
        let dataset = dataset.visible_to(at)?;
        let record = self.stored_record(&dataset, id).await?;
        let payload = record.payload.ok_or(DatasetError::NotFound("payload"))?;
        if payload.presigned {
            return Err(DatasetError::PresignedPayload);
        }
        let blob = self.blobs.get(&payload.blob).await?;
        let data_key = DataKeys::new(self, &dataset)
            .get(payload.key_version)
            .await?;
        let bytes = open_payload(
            &data_key,
            &dataset.id,
            id,
            &payload.upload,
            payload.key_version,
            &blob.bytes,
        )?;
        let event = self
            .event(at, "records.payload.read", Outcome::Success, origin, id)?
            .fields(["payload"]);
        self.audit.record(&event).await?;
        Ok(Payload {
            bytes,
            content_type: payload.content_type,
        })
    }

    /// A presigned PUT URL for a large payload; the record points to it from now on (its
    /// earlier payload is dropped). The upload must carry the returned headers.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %dataset.id, record_id = %id))]
    pub async fn payload_upload_url(
        &self,
        at: &Scoped,
        dataset: Dataset,
        id: &RecordId,
        content_type: Option<&str>,
        origin: &RequestOrigin,
    ) -> Result<PresignedUrl, DatasetError> {
        let content_type = check_content_type(content_type)?;
        let dataset = dataset.visible_to(at)?;
        let record = self.stored_record(&dataset, id).await?;
        let upload = upload_name(self.clock.now(), "u")?;
        let payload = PayloadRef {
            blob: schema::payload_blob(&dataset.id, id, &upload),
            upload,
            size: 0,
            content_type: content_type.clone(),
            key_version: dataset.latest_version,
            presigned: true,
        };
        let url = self
            .blobs
            .presign(&PresignRequest {
                method: PresignedMethod::Put,
                key: payload.blob.clone(),
                expires_in: self.settings.presign_ttl,
                encryption_context: blob_metadata(&dataset, id),
                content_type: Some(content_type),
            })
            .await?;
        self.point_to(at, &record, payload, "records.payload.upload_url", origin)
            .await?;
        Ok(url)
    }

    /// A presigned GET URL for a payload uploaded through a presigned URL.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), dataset_id = %dataset.id, record_id = %id))]
    pub async fn payload_download_url(
        &self,
        at: &Scoped,
        dataset: Dataset,
        id: &RecordId,
        origin: &RequestOrigin,
    ) -> Result<PresignedUrl, DatasetError> {
        let dataset = dataset.visible_to(at)?;
        let record = self.stored_record(&dataset, id).await?;
        let payload = record
            .payload
            .filter(|p| p.presigned)
            .ok_or(DatasetError::NotFound("payload"))?;
        // Not uploaded yet (or not any more): nothing to hand out.
        self.blobs
            .head(&payload.blob)
            .await
            .map_err(|err| match err {
                crate::blobs::BlobError::NotFound => DatasetError::NotFound("payload"),
                other => other.into(),
            })?;
        let url = self
            .blobs
            .presign(&PresignRequest {
                method: PresignedMethod::Get,
                key: payload.blob,
                expires_in: self.settings.presign_ttl,
                encryption_context: blob_metadata(&dataset, id),
                content_type: None,
            })
            .await?;
        let event = self
            .event(
                at,
                "records.payload.download_url",
                Outcome::Success,
                origin,
                id,
            )?
            .fields(["payload"]);
        self.audit.record(&event).await?;
        Ok(url)
    }

    /// Points the record to `payload` (conditional on the record not having changed), then
    /// drops the blob it pointed to before. If the record changed meanwhile, the new blob is
    /// the orphan instead.
    async fn point_to(
        &self,
        at: &Scoped,
        record: &StoredRecord,
        payload: PayloadRef,
        action: &'static str,
        origin: &RequestOrigin,
    ) -> Result<PayloadRef, DatasetError> {
        let mut next = record.clone();
        next.payload = Some(payload.clone());
        next.updated_at = self.clock.now();
        next.revision += 1;
        let event = self
            .event(at, action, Outcome::Success, origin, &record.id)?
            .fields(["payload"]);
        let committed = Change::new(event)
            .put_or(
                next.to_item(),
                Condition::VersionEquals(record.revision),
                DatasetError::ConcurrentChange("record"),
            )
            .commit(&*self.table)
            .await;
        if let Err(err) = committed {
            self.forget_blob(&payload.blob).await;
            return Err(err.into());
        }
        if let Some(before) = &record.payload {
            self.forget_blob(&before.blob).await;
        }
        if !payload.presigned {
            self.catch_up(
                &record.dataset_id,
                payload.key_version,
                std::slice::from_ref(&record.id),
                at.principal().actor_id(),
            )
            .await?;
        }
        Ok(payload)
    }
}

/// A fresh blob name for one upload (`p…` through the function, `u…` presigned).
pub(super) fn upload_name(now: OffsetDateTime, kind: &str) -> Result<String, DatasetError> {
    Ok(format!(
        "{kind}{}",
        ulid_at(now)?.to_string().to_lowercase()
    ))
}

/// What a payload's blob says about whose it is (S3 metadata and, presigned, the SSE-KMS
/// encryption context).
fn blob_metadata(dataset: &Dataset, record: &RecordId) -> Metadata {
    Metadata::from([
        ("dataset".to_owned(), dataset.id.to_string()),
        ("record".to_owned(), record.to_string()),
    ])
}

/// A client's content type: printable ASCII, at most 255 characters.
fn check_content_type(raw: Option<&str>) -> Result<String, DatasetError> {
    let content_type = raw.unwrap_or(DEFAULT_CONTENT_TYPE);
    let ok = (1..=255).contains(&content_type.len())
        && content_type
            .chars()
            .all(|c| c.is_ascii_graphic() || c == ' ');
    if ok {
        Ok(content_type.to_owned())
    } else {
        Err(DatasetError::invalid(
            "content-type",
            "printable ASCII, at most 255 characters",
        ))
    }
}
