//! Builds the three ports from settings: embedded (SQLite, a folder, a local master key) or AWS.

use std::sync::Arc;

use crate::blobs::{BlobError, BlobUrlSigner, Blobs, LocalBlobUrls, fs::FsBlobs, s3::S3Blobs};
use crate::clock::Clock;
use crate::keys::{DataKeyCache, KeyError, KeyRing, kms::KmsKeyRing, local::LocalKeyRing};
use crate::settings::{Backend, Settings};
use crate::store::{StoreError, Table, dynamo::DynamoTable, sqlite::SqliteTable};

/// The ports a function works through, built once per process (per cold start on Lambda).
#[derive(Debug, Clone)]
pub struct Ports {
    pub table: Arc<dyn Table>,
    pub blobs: Arc<dyn Blobs>,
    /// The key ring behind a data-key cache.
    pub keys: Arc<dyn KeyRing>,
    pub clock: Arc<dyn Clock>,
    /// The local server's stand-in for S3 behind presigned URLs: set by the embedded backend
    /// only (on AWS, clients talk to S3 itself).
    pub blob_urls: Option<Arc<LocalBlobUrls>>,
}

/// A port that could not be set up at start.
#[derive(Debug, thiserror::Error)]
pub enum PortsError {
    #[error("cannot open the table")]
    Table(#[from] StoreError),
    #[error("cannot open the blob store")]
    Blobs(#[from] BlobError),
    #[error("cannot open the key ring")]
    Keys(#[from] KeyError),
}

impl Ports {
    /// The ports `settings` ask for.
    pub async fn from_settings(
        settings: &Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, PortsError> {
        crate::audit::retention::configure(settings.audit_retention_days);
        match settings.backend {
            Backend::Embedded => Self::embedded(settings, clock),
            Backend::Aws => Ok(Self::aws(settings, clock).await),
        }
    }

    /// SQLite at `<data_dir>/table.sqlite3`, blobs under `<data_dir>/blobs/`, the master key at
    /// `<data_dir>/master.key`, the presigned-URL secret at `<data_dir>/blob-url.key` (URLs point
    /// at `settings.datasets.public_url`).
    pub fn embedded(settings: &Settings, clock: Arc<dyn Clock>) -> Result<Self, PortsError> {
        let dir = &settings.data_dir;
        let table = SqliteTable::open(dir.join("table.sqlite3"), Arc::clone(&clock))?;
        let signer = Arc::new(BlobUrlSigner::open(
            dir.join("blob-url.key"),
            settings.datasets.public_url.clone(),
            Arc::clone(&clock),
        )?);
        let blobs = FsBlobs::open(dir.join("blobs"))?.with_signer(Arc::clone(&signer));
        let blob_urls = LocalBlobUrls::new(signer, blobs.clone());
        let ring = LocalKeyRing::open(dir.join("master.key"))?;
        let mut ports = Self::assemble(
            settings,
            Arc::new(table),
            Arc::new(blobs),
            Arc::new(ring),
            clock,
        );
        ports.blob_urls = Some(Arc::new(blob_urls));
        Ok(ports)
    }

    /// DynamoDB, S3 and KMS (or the emulator at `aws_endpoint`). Makes no network call.
    pub async fn aws(settings: &Settings, clock: Arc<dyn Clock>) -> Self {
        let config = crate::aws::sdk_config(settings).await;
        let table = DynamoTable::new(&config, settings.table.clone(), Arc::clone(&clock));
        let kms_key_id = settings.kms_key_id.clone().unwrap_or_default();
        let blobs = S3Blobs::new(&config, settings.bucket.clone(), kms_key_id.clone());
        let ring = KmsKeyRing::new(&config, kms_key_id);
        Self::assemble(
            settings,
            Arc::new(table),
            Arc::new(blobs),
            Arc::new(ring),
            clock,
        )
    }

    /// Puts given backends together, with the data-key cache in front of the key ring (and no
    /// local presigned-URL server: set `blob_urls` for one).
    pub fn assemble(
        settings: &Settings,
        table: Arc<dyn Table>,
        blobs: Arc<dyn Blobs>,
        ring: Arc<dyn KeyRing>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let keys = DataKeyCache::new(
            ring,
            Arc::clone(&clock),
            settings.data_key_max_age,
            settings.data_key_max_uses,
        );
        Self {
            table,
            blobs,
            keys: Arc::new(keys),
            clock,
            blob_urls: None,
        }
    }
}
