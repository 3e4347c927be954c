//! The Blobs port: payloads by key (S3 on AWS, a folder embedded).

mod error;
pub mod fs;
mod fs_stream;
mod local_urls;
mod presign;
pub mod s3;
mod signed_url;
mod url_secret;

use std::collections::BTreeMap;

use async_trait::async_trait;
use time::OffsetDateTime;

pub use error::BlobError;
pub use fs_stream::BlobUpload;
pub use local_urls::LocalBlobUrls;
pub(crate) use presign::check_presign;
pub use presign::{
    MAX_PRESIGN_EXPIRY, MAX_PRESIGNED_BYTES, PresignRequest, PresignedMethod, PresignedUrl,
};
pub(crate) use signed_url::LOCAL_BLOBS_PATH;
pub use signed_url::{BlobUrlSigner, UrlGrant, UrlRefused};

/// User metadata stored beside a blob (small, ASCII keys).
pub type Metadata = BTreeMap<String, String>;

/// A blob's bytes and what was stored with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub metadata: Metadata,
}

/// What is known about a blob without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub key: String,
    pub size: u64,
    pub content_type: String,
    pub metadata: Metadata,
    pub last_modified: OffsetDateTime,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobPage {
    /// Keys and sizes, in key order. Listing does not return content types or metadata.
    pub items: Vec<BlobEntry>,
    pub next_cursor: Option<String>,
}

/// A listed blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobEntry {
    pub key: String,
    pub size: u64,
    pub last_modified: OffsetDateTime,
}

/// The largest listing page.
pub const MAX_LIST: usize = 1000;

/// The blob store.
#[async_trait]
pub trait Blobs: Send + Sync + std::fmt::Debug + 'static {
    /// Stores (or replaces) the blob at `key`.
    async fn put(&self, key: &str, blob: Blob) -> Result<(), BlobError>;
    /// The blob at `key`, or `NotFound`.
    async fn get(&self, key: &str) -> Result<Blob, BlobError>;
    /// What is known about the blob at `key`, or `NotFound`.
    async fn head(&self, key: &str) -> Result<BlobInfo, BlobError>;
    /// Deletes the blob at `key`; deleting a missing blob is not an error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
    /// Blobs whose key starts with `prefix`, in key order, at most `limit` (1..=1000).
    async fn list(
        &self,
        prefix: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<BlobPage, BlobError>;
    /// Answers when the store can serve requests (readiness).
    async fn ping(&self) -> Result<(), BlobError>;
    /// A URL that lets its holder PUT or GET the object at `key` until it expires.
    async fn presign(&self, request: &PresignRequest) -> Result<PresignedUrl, BlobError>;
}

/// Keys are relative paths of safe characters: the same rule for S3 and the filesystem, so a
/// key that works embedded works on AWS.
pub fn check_key(key: &str) -> Result<(), BlobError> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && !key.starts_with('/')
        && !key.ends_with('/')
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.=/".contains(c));
    if ok {
        Ok(())
    } else {
        Err(BlobError::InvalidKey(key.to_owned()))
    }
}

/// Metadata keys are lower-case ASCII words and values are printable ASCII (what S3 keeps
/// intact), at most 2 KiB in all.
pub fn check_metadata(metadata: &Metadata) -> Result<(), BlobError> {
    let size: usize = metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    let keys_ok = metadata.keys().all(|k| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    let values_ok = metadata
        .values()
        .all(|v| v.chars().all(|c| c.is_ascii_graphic() || c == ' '));
    if size <= 2048 && keys_ok && values_ok {
        Ok(())
    } else {
        Err(BlobError::InvalidMetadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_safe_relative_paths() {
        for good in ["a", "ds/dst_1/rec_2", "x-y_z.bin", "a=b/c"] {
            assert!(check_key(good).is_ok(), "{good}");
        }
        for bad in ["", "/a", "a/", "a//b", "../a", "a/../b", "a b", "ä", "a\\b"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
