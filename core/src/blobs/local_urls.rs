//! The local server's stand-in for S3 behind presigned URLs: checks a presented URL with the
//! signer that made it and streams the object into or out of the folder store, holding the same
//! rules S3 does (the signed content type, the context kept with the object, the size limit).

use std::sync::Arc;

use super::{
    BlobError, BlobInfo, BlobUpload, BlobUrlSigner, MAX_PRESIGNED_BYTES, PresignedMethod, UrlGrant,
    UrlRefused, fs::FsBlobs,
};

/// Serves the local stack's presigned URLs (the embedded backend's; AWS has S3 for this).
#[derive(Debug, Clone)]
pub struct LocalBlobUrls {
    signer: Arc<BlobUrlSigner>,
    blobs: FsBlobs,
    max_bytes: u64,
}

impl LocalBlobUrls {
    /// URLs signed by `signer` to objects of `blobs`, uploads bounded by
    /// [`MAX_PRESIGNED_BYTES`].
    pub fn new(signer: Arc<BlobUrlSigner>, blobs: FsBlobs) -> Self {
        Self {
            signer,
            blobs,
            max_bytes: MAX_PRESIGNED_BYTES,
        }
    }

    /// Another upload limit (tests use a small one rather than sending gigabytes).
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The largest upload accepted.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// What the URL presented with `query` allows for `method` on `key`, if anything.
    pub fn verify(
        &self,
        method: PresignedMethod,
        key: &str,
        query: Option<&str>,
    ) -> Result<UrlGrant, UrlRefused> {
        self.signer.verify(method, key, query)
    }

    /// Starts the upload a verified PUT URL allows: stored with the content type it settles on
    /// and the URL's encryption context as the blob's metadata (as S3 keeps both).
    pub async fn begin_upload(
        &self,
        key: &str,
        grant: UrlGrant,
        content_type: String,
    ) -> Result<BlobUpload, BlobError> {
        self.blobs
            .begin_upload(key, content_type, grant.encryption_context)
            .await
    }

    /// Opens the object a verified GET URL names.
    pub async fn open(&self, key: &str) -> Result<(BlobInfo, tokio::fs::File), BlobError> {
        self.blobs.open_blob(key).await
    }
}
