//! The Blobs port on a local folder: `objects/<key>` holds the bytes, `meta/<key>.json` the
//! content type and metadata. Writes go to `tmp/` first and are renamed into place, so a reader
//! never sees half a blob.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    Blob, BlobEntry, BlobError, BlobInfo, BlobPage, BlobUrlSigner, Blobs, MAX_LIST, Metadata,
    PresignRequest, PresignedUrl, check_key, check_metadata,
};

/// The Blobs port on a folder.
#[derive(Debug, Clone)]
pub struct FsBlobs {
    root: PathBuf,
    /// Signs presigned URLs to the local server, which plays S3's part for them.
    signer: Option<Arc<BlobUrlSigner>>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct Sidecar {
    pub(super) content_type: String,
    pub(super) metadata: Metadata,
}

impl FsBlobs {
    /// Uses (creating if needed) the folder `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        for dir in ["objects", "meta", "tmp"] {
            std::fs::create_dir_all(root.join(dir)).map_err(BlobError::backend)?;
        }
        Ok(Self { root, signer: None })
    }

    /// Presigned URLs of this store are signed by `signer` (without one, `presign` fails).
    pub fn with_signer(mut self, signer: Arc<BlobUrlSigner>) -> Self {
        self.signer = Some(signer);
        self
    }

    pub(super) fn object_path(&self, key: &str) -> PathBuf {
        self.root.join("objects").join(key)
    }

    pub(super) fn meta_path(&self, key: &str) -> PathBuf {
        self.root.join("meta").join(format!("{key}.json"))
    }

    /// A fresh path under `tmp/`, for a file about to be renamed into place.
    pub(super) fn tmp_path(&self) -> Result<PathBuf, BlobError> {
        let nonce = crate::crypto::random::bytes::<12>().map_err(BlobError::backend)?;
        Ok(self.root.join("tmp").join(URL_SAFE_NO_PAD.encode(nonce)))
    }

    pub(super) async fn blocking<T, F>(&self, work: F) -> Result<T, BlobError>
    where
        T: Send + 'static,
        F: FnOnce(FsBlobs) -> Result<T, BlobError> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || work(this))
            .await
            .map_err(BlobError::backend)?
    }

    pub(super) fn write_atomically(&self, target: &Path, bytes: &[u8]) -> Result<(), BlobError> {
        let tmp = self.tmp_path()?;
        std::fs::write(&tmp, bytes).map_err(BlobError::backend)?;
        rename_into_place(&tmp, target)
    }

    pub(super) fn read_info(&self, key: &str) -> Result<BlobInfo, BlobError> {
        let stat = std::fs::metadata(self.object_path(key)).map_err(not_found_or_backend)?;
        let sidecar: Sidecar = match std::fs::read(self.meta_path(key)) {
            Ok(json) => serde_json::from_slice(&json).map_err(BlobError::backend)?,
            Err(err) if err.kind() == ErrorKind::NotFound => Sidecar {
                content_type: "application/octet-stream".into(),
                metadata: Metadata::new(),
            },
            Err(err) => return Err(BlobError::backend(err)),
        };
        Ok(BlobInfo {
            key: key.to_owned(),
            size: stat.len(),
            content_type: sidecar.content_type,
            metadata: sidecar.metadata,
            last_modified: modified(&stat),
        })
    }
}

/// Moves a finished file to `target`, making its folder first.
pub(super) fn rename_into_place(tmp: &Path, target: &Path) -> Result<(), BlobError> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(BlobError::backend)?;
    }
    std::fs::rename(tmp, target).map_err(BlobError::backend)
}

pub(super) fn not_found_or_backend(err: std::io::Error) -> BlobError {
    if err.kind() == ErrorKind::NotFound {
        BlobError::NotFound
    } else {
        BlobError::backend(err)
    }
}

fn modified(stat: &std::fs::Metadata) -> OffsetDateTime {
    stat.modified()
        .map(OffsetDateTime::from)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Every file under `dir`, as keys relative to `objects/`.
fn walk(
    objects: &Path,
    dir: &Path,
    out: &mut Vec<(String, std::fs::Metadata)>,
) -> Result<(), BlobError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(BlobError::backend(err)),
    };
    for entry in entries {
        let entry = entry.map_err(BlobError::backend)?;
        let stat = entry.metadata().map_err(BlobError::backend)?;
        let path = entry.path();
        if stat.is_dir() {
            walk(objects, &path, out)?;
        } else if let Some(key) = path.strip_prefix(objects).ok().and_then(Path::to_str) {
            out.push((key.replace(std::path::MAIN_SEPARATOR, "/"), stat));
        }
    }
    Ok(())
}

#[async_trait]
impl Blobs for FsBlobs {
    #[tracing::instrument(level = "debug", skip_all, fields(size = blob.bytes.len()))]
    async fn put(&self, key: &str, blob: Blob) -> Result<(), BlobError> {
        check_key(key)?;
        check_metadata(&blob.metadata)?;
        let key = key.to_owned();
        self.blocking(move |this| {
            let sidecar = Sidecar {
                content_type: blob.content_type,
                metadata: blob.metadata,
            };
            let json = serde_json::to_vec(&sidecar).map_err(BlobError::backend)?;
            this.write_atomically(&this.meta_path(&key), &json)?;
            this.write_atomically(&this.object_path(&key), &blob.bytes)
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn get(&self, key: &str) -> Result<Blob, BlobError> {
        check_key(key)?;
        let key = key.to_owned();
        self.blocking(move |this| {
            let bytes = std::fs::read(this.object_path(&key)).map_err(not_found_or_backend)?;
            let info = this.read_info(&key)?;
            Ok(Blob {
                bytes,
                content_type: info.content_type,
                metadata: info.metadata,
            })
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn head(&self, key: &str) -> Result<BlobInfo, BlobError> {
        check_key(key)?;
        let key = key.to_owned();
        self.blocking(move |this| this.read_info(&key)).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        check_key(key)?;
        let key = key.to_owned();
        self.blocking(move |this| {
            for path in [this.object_path(&key), this.meta_path(&key)] {
                match std::fs::remove_file(path) {
                    Ok(()) => {}
                    Err(err) if err.kind() == ErrorKind::NotFound => {}
                    Err(err) => return Err(BlobError::backend(err)),
                }
            }
            Ok(())
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        prefix: &str,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<BlobPage, BlobError> {
        if limit == 0 || limit > MAX_LIST {
            return Err(BlobError::InvalidCursor);
        }
        let after = match cursor {
            Some(raw) => {
                let bytes = URL_SAFE_NO_PAD
                    .decode(raw)
                    .map_err(|_| BlobError::InvalidCursor)?;
                Some(String::from_utf8(bytes).map_err(|_| BlobError::InvalidCursor)?)
            }
            None => None,
        };
        let prefix = prefix.to_owned();
        self.blocking(move |this| {
            let objects = this.root.join("objects");
            // Start the walk at the deepest folder the prefix names.
            let start = match prefix.rfind('/') {
                Some(slash) if check_key(&prefix[..slash]).is_ok() => {
                    objects.join(&prefix[..slash])
                }
                _ => objects.clone(),
            };
            let mut found = Vec::new();
            walk(&objects, &start, &mut found)?;
            let mut items: Vec<BlobEntry> = found
                .into_iter()
                .filter(|(key, _)| {
                    key.starts_with(&prefix) && after.as_ref().is_none_or(|a| key > a)
                })
                .map(|(key, stat)| BlobEntry {
                    size: stat.len(),
                    last_modified: modified(&stat),
                    key,
                })
                .collect();
            items.sort_by(|a, b| a.key.cmp(&b.key));
            let next_cursor = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|last| URL_SAFE_NO_PAD.encode(&last.key))
            } else {
                None
            };
            Ok(BlobPage { items, next_cursor })
        })
        .await
    }

    async fn ping(&self) -> Result<(), BlobError> {
        self.blocking(|this| {
            let probe = this.root.join("tmp");
            std::fs::metadata(probe)
                .map(|_| ())
                .map_err(BlobError::backend)
        })
        .await
    }

    /// Signed by the local URL signer; the local server checks and serves the URL.
    async fn presign(&self, request: &PresignRequest) -> Result<PresignedUrl, BlobError> {
        match &self.signer {
            Some(signer) => signer.sign(request),
            None => Err(BlobError::backend(std::io::Error::other(
                "this folder store was opened without a URL signer",
            ))),
        }
    }
}
