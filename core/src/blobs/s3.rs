//! The Blobs port on an S3 bucket (or an emulator of it).

use std::collections::HashMap;
use std::time::SystemTime;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, ServerSideEncryption,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use time::OffsetDateTime;

use super::{
    Blob, BlobEntry, BlobError, BlobInfo, BlobPage, Blobs, MAX_LIST, Metadata, PresignRequest,
    PresignedMethod, PresignedUrl, check_key, check_metadata, check_presign,
};

/// What S3 reports when a blob carries no content type.
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// The Blobs port on one S3 bucket.
#[derive(Debug, Clone)]
pub struct S3Blobs {
    client: Client,
    bucket: String,
    /// The deployment's KMS key (id, ARN or alias), under which presigned uploads are encrypted.
    kms_key_id: String,
}

impl S3Blobs {
    /// A bucket client; makes no network call. Emulators serve buckets by path, not by host name.
    pub fn new(client_config: &SdkConfig, bucket: String, kms_key_id: String) -> Self {
        let mut config = aws_sdk_s3::config::Builder::from(client_config);
        if client_config.endpoint_url().is_some() {
            config = config.force_path_style(true);
        }
        Self {
            client: Client::from_conf(config.build()),
            bucket,
            kms_key_id,
        }
    }

    /// A presigned PUT: SSE-KMS under the deployment's key with the request's encryption context,
    /// the context also as the object's metadata and the content type, all signed headers.
    async fn presign_put(
        &self,
        request: &PresignRequest,
        config: PresigningConfig,
    ) -> Result<PresignedRequest, BlobError> {
        let context = &request.encryption_context;
        let encoded_context = serde_json::to_vec(context)
            .map(|json| STANDARD.encode(json))
            .map_err(BlobError::backend)?;
        let metadata: HashMap<String, String> = context
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&request.key)
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(&self.kms_key_id)
            .set_ssekms_encryption_context(Some(encoded_context).filter(|_| !context.is_empty()))
            // A bucket key would make KMS see only the bucket's ARN as the context: off, so
            // KMS (and the key policy's conditions, and CloudTrail) see dataset and record.
            .bucket_key_enabled(false)
            .set_metadata(Some(metadata).filter(|m| !m.is_empty()))
            .set_content_type(request.content_type.clone())
            .presigned(config)
            .await
            .map_err(BlobError::backend)
    }

    /// Creates the bucket, for emulators and first deploys: one that exists and is ours is fine.
    /// Says whether it created the bucket.
    #[tracing::instrument(skip_all, fields(bucket = %self.bucket))]
    pub async fn create_bucket(&self) -> Result<bool, BlobError> {
        // Look first: us-east-1 (and moto) answer 200 to re-creating a bucket one owns.
        if self.ping().await.is_ok() {
            return Ok(false);
        }
        let region = self.client.config().region().map(|r| r.as_ref().to_owned());
        let location = region.filter(|r| r != "us-east-1").map(|r| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(r.as_str()))
                .build()
        });
        let created = self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .set_create_bucket_configuration(location)
            .send()
            .await;
        match created {
            Ok(_) => Ok(true),
            // Made meanwhile by another bootstrap.
            Err(err) if err.code() == Some("BucketAlreadyOwnedByYou") => Ok(false),
            Err(err) => Err(map_sdk_error(err)),
        }
    }
}

#[async_trait]
impl Blobs for S3Blobs {
    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, size = blob.bytes.len()))]
    async fn put(&self, key: &str, blob: Blob) -> Result<(), BlobError> {
        check_key(key)?;
        check_metadata(&blob.metadata)?;
        let metadata: HashMap<String, String> = blob.metadata.into_iter().collect();
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(blob.content_type)
            .set_metadata(Some(metadata).filter(|m| !m.is_empty()))
            .body(ByteStream::from(blob.bytes))
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket))]
    async fn get(&self, key: &str) -> Result<Blob, BlobError> {
        check_key(key)?;
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(map_sdk_error)?;
        let content_type = out
            .content_type()
            .unwrap_or(DEFAULT_CONTENT_TYPE)
            .to_owned();
        let metadata = to_metadata(out.metadata());
        let bytes = out
            .body
            .collect()
            .await
            .map_err(BlobError::backend)?
            .to_vec();
        Ok(Blob {
            bytes,
            content_type,
            metadata,
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket))]
    async fn head(&self, key: &str) -> Result<BlobInfo, BlobError> {
        check_key(key)?;
        let out = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(BlobInfo {
            key: key.to_owned(),
            size: size(out.content_length()),
            content_type: out
                .content_type()
                .unwrap_or(DEFAULT_CONTENT_TYPE)
                .to_owned(),
            metadata: to_metadata(out.metadata()),
            last_modified: to_offset(out.last_modified()),
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket))]
    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        check_key(key)?;
        // S3 answers 204 for a missing key too.
        match self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => match map_sdk_error(err) {
                BlobError::NotFound => Ok(()),
                other => Err(other),
            },
        }
    }

    /// The cursor is the last listed key, base64url-encoded as the folder backend does, and the
    /// next page starts after it (`StartAfter`): a cursor means the same on both backends, and one
    /// that is not ours is refused rather than silently ignored (as moto does with a bad
    /// continuation token).
    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, limit = limit))]
    async fn list(
        &self,
        prefix: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<BlobPage, BlobError> {
        if limit == 0 || limit > MAX_LIST {
            return Err(BlobError::InvalidCursor);
        }
        let start_after = cursor.map(decode_cursor).transpose()?;
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .set_prefix(Some(prefix.to_owned()).filter(|p| !p.is_empty()))
            .max_keys(i32::try_from(limit).unwrap_or(i32::MAX))
            .set_start_after(start_after)
            .send()
            .await
            .map_err(BlobError::backend)?;
        let items: Vec<BlobEntry> = out
            .contents()
            .iter()
            .filter_map(|object| {
                Some(BlobEntry {
                    key: object.key()?.to_owned(),
                    size: size(object.size()),
                    last_modified: to_offset(object.last_modified()),
                })
            })
            .collect();
        let next_cursor = if out.is_truncated() == Some(true) {
            items.last().map(|last| URL_SAFE_NO_PAD.encode(&last.key))
        } else {
            None
        };
        Ok(BlobPage { items, next_cursor })
    }

    /// S3's own presigning (SigV4 in the query). The start is the SDK's clock, the one S3 judges
    /// the signature by. A GET needs no more: S3 decrypts an SSE-KMS object for a signer allowed
    /// to use the key.
    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, method = request.method.as_str()))]
    async fn presign(&self, request: &PresignRequest) -> Result<PresignedUrl, BlobError> {
        check_presign(request)?;
        let start = self
            .client
            .config()
            .time_source()
            .map_or_else(SystemTime::now, |clock| clock.now());
        let config = PresigningConfig::builder()
            .start_time(start)
            .expires_in(request.expires_in)
            .build()
            .map_err(BlobError::backend)?;
        let presigned = match request.method {
            PresignedMethod::Put => self.presign_put(request, config).await?,
            PresignedMethod::Get => self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(&request.key)
                .presigned(config)
                .await
                .map_err(BlobError::backend)?,
        };
        Ok(PresignedUrl {
            url: presigned.uri().to_owned(),
            method: request.method.as_str(),
            headers: presigned
                .headers()
                .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
                .collect(),
            expires_at: OffsetDateTime::from(start) + request.expires_in,
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket))]
    async fn ping(&self) -> Result<(), BlobError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            // A missing bucket is an outage here, not a missing blob.
            .map_err(BlobError::backend)?;
        Ok(())
    }
}

fn decode_cursor(raw: &str) -> Result<String, BlobError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| BlobError::InvalidCursor)?;
    String::from_utf8(bytes).map_err(|_| BlobError::InvalidCursor)
}

fn to_metadata(metadata: Option<&HashMap<String, String>>) -> Metadata {
    metadata
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn size(length: Option<i64>) -> u64 {
    length.and_then(|n| u64::try_from(n).ok()).unwrap_or(0)
}

fn to_offset(at: Option<&DateTime>) -> OffsetDateTime {
    at.and_then(|at| OffsetDateTime::from_unix_timestamp_nanos(at.as_nanos()).ok())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Whether an error code means "no such object" (a HEAD has no body, so only its status says).
fn is_not_found(code: Option<&str>, status: Option<u16>) -> bool {
    match code {
        Some("NoSuchKey" | "NotFound") => true,
        Some(_) => false,
        None => status == Some(404),
    }
}

/// Maps an SDK error, keeping the error itself as the source of `Backend`.
fn map_sdk_error<E>(err: SdkError<E, HttpResponse>) -> BlobError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    if is_not_found(err.code(), status) {
        BlobError::NotFound
    } else {
        BlobError::backend(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::operation::get_object::GetObjectError;
    use aws_sdk_s3::primitives::SdkBody;
    use aws_sdk_s3::types::error::NoSuchKey;

    #[test]
    fn missing_objects_are_not_found_and_missing_buckets_are_not() {
        assert!(is_not_found(Some("NoSuchKey"), Some(404)));
        assert!(is_not_found(Some("NotFound"), Some(404)));
        assert!(is_not_found(None, Some(404)));
        assert!(!is_not_found(Some("NoSuchBucket"), Some(404)));
        assert!(!is_not_found(Some("AccessDenied"), Some(403)));
        assert!(!is_not_found(None, None));
    }

    #[test]
    fn a_typed_sdk_error_maps_and_keeps_its_source() {
        let response = || HttpResponse::new(404_u16.try_into().unwrap(), SdkBody::empty());
        let meta = aws_sdk_s3::error::ErrorMetadata::builder()
            .code("NoSuchKey")
            .build();
        let missing = GetObjectError::NoSuchKey(NoSuchKey::builder().meta(meta).build());
        assert!(matches!(
            map_sdk_error(SdkError::service_error(missing, response())),
            BlobError::NotFound
        ));
        let denied = GetObjectError::generic(
            aws_sdk_s3::error::ErrorMetadata::builder()
                .code("AccessDenied")
                .build(),
        );
        let BlobError::Backend(source) = map_sdk_error(SdkError::service_error(denied, response()))
        else {
            panic!("expected a backend error");
        };
        assert!(
            source
                .downcast_ref::<SdkError<GetObjectError, HttpResponse>>()
                .is_some()
        );
    }

    #[test]
    fn cursors_are_base64url_keys() {
        assert_eq!(
            decode_cursor(&URL_SAFE_NO_PAD.encode("ds/a/b")).unwrap(),
            "ds/a/b"
        );
        assert!(matches!(
            decode_cursor("not base64!"),
            Err(BlobError::InvalidCursor)
        ));
        assert!(matches!(
            decode_cursor(&URL_SAFE_NO_PAD.encode([0xff, 0xfe])),
            Err(BlobError::InvalidCursor)
        ));
    }

    #[test]
    fn s3_times_become_offset_date_times() {
        let at = DateTime::from_secs_and_nanos(1_700_000_000, 5);
        assert_eq!(
            to_offset(Some(&at)).unix_timestamp_nanos(),
            1_700_000_000_000_000_005
        );
        assert_eq!(to_offset(None), OffsetDateTime::UNIX_EPOCH);
    }
}
