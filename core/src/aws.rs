//! The AWS SDK configuration shared by the three AWS backends, and the bootstrap that creates
//! the table, bucket and key on an emulator (or on a fresh account).

use std::sync::Arc;

use aws_config::meta::region::RegionProviderChain;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::blobs::BlobError;
use crate::blobs::s3::S3Blobs;
use crate::clock::SystemClock;
use crate::keys::KeyError;
use crate::keys::kms::KmsKeyRing;
use crate::settings::Settings;
use crate::store::StoreError;
use crate::store::dynamo::DynamoTable;

/// The region when neither the environment nor the settings name one.
const DEFAULT_REGION: &str = "us-east-1";
/// The key alias the bootstrap uses when the settings name no key.
const DEFAULT_KEY_ALIAS: &str = "alias/coffer";

/// The SDK configuration: the default credential chain; the region from the environment
/// (`AWS_REGION`, as Lambda sets it), else the settings, else the profile, else `us-east-1`; and
/// the emulator's endpoint when one is set. Reads no network (IMDS is not asked for a region).
pub async fn sdk_config(settings: &Settings) -> SdkConfig {
    let mut region = RegionProviderChain::first_try(
        aws_config::environment::EnvironmentVariableRegionProvider::new(),
    );
    if let Some(configured) = &settings.aws_region {
        region = region.or_else(Region::new(configured.clone()));
    }
    let region = region
        .or_else(aws_config::profile::ProfileFileRegionProvider::new())
        .or_else(Region::from_static(DEFAULT_REGION));
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(region);
    if let Some(endpoint) = &settings.aws_endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// What [`bootstrap`] found or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapReport {
    pub table: String,
    pub table_created: bool,
    pub bucket: String,
    pub bucket_created: bool,
    /// The KMS key id behind the configured key (or alias).
    pub key_id: String,
    pub key_created: bool,
    /// The alias pointing at the key, when the key is named by one.
    pub key_alias: Option<String>,
}

/// A resource the bootstrap could not make or find.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("cannot create the table")]
    Table(#[source] StoreError),
    #[error("cannot create the bucket")]
    Bucket(#[source] BlobError),
    #[error("cannot create the KMS key")]
    Key(#[source] KeyError),
}

/// Creates the table (with its index and TTL), the bucket, and a symmetric KMS key under the
/// alias of `settings.kms_key_id` (`alias/coffer` when unset), each only if missing, so running it
/// twice is harmless. A key named by id or ARN must already exist.
#[tracing::instrument(skip_all, fields(table = %settings.table, bucket = %settings.bucket))]
pub async fn bootstrap(settings: &Settings) -> Result<BootstrapReport, BootstrapError> {
    let config = sdk_config(settings).await;
    let table = DynamoTable::new(&config, settings.table.clone(), Arc::new(SystemClock));
    let table_created = table.create_table().await.map_err(BootstrapError::Table)?;

    let key_name = settings
        .kms_key_id
        .clone()
        .unwrap_or_else(|| DEFAULT_KEY_ALIAS.to_owned());
    let blobs = S3Blobs::new(&config, settings.bucket.clone(), key_name.clone());
    let bucket_created = blobs
        .create_bucket()
        .await
        .map_err(BootstrapError::Bucket)?;

    let ring = KmsKeyRing::new(&config, key_name.clone());
    let (key_id, key_created) = ring.ensure_key().await.map_err(BootstrapError::Key)?;

    let report = BootstrapReport {
        table: settings.table.clone(),
        table_created,
        bucket: settings.bucket.clone(),
        bucket_created,
        key_id,
        key_created,
        key_alias: key_name.starts_with("alias/").then_some(key_name),
    };
    tracing::info!(?report, "bootstrap done");
    Ok(report)
}
