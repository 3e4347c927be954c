//! Streaming into and out of the folder store, for the local server's presigned URLs: a payload
//! of up to 5 GiB never sits in memory. An upload goes to `tmp/` chunk by chunk and is renamed
//! into place only when complete, so a reader never sees half of it and an abandoned upload
//! leaves nothing behind.

use std::path::PathBuf;

use tokio::io::{AsyncWriteExt as _, BufWriter};

use super::fs::{FsBlobs, Sidecar, not_found_or_backend, rename_into_place};
use super::{BlobError, BlobInfo, Metadata, check_key, check_metadata};

/// How much of an upload is gathered before each write to disk.
const WRITE_BUFFER: usize = 1 << 20;

/// A blob being written; [`BlobUpload::finish`] puts it in place, dropping it discards it.
#[derive(Debug)]
pub struct BlobUpload {
    blobs: FsBlobs,
    key: String,
    sidecar: Vec<u8>,
    tmp: PathBuf,
    file: BufWriter<tokio::fs::File>,
    written: u64,
    finished: bool,
}

impl FsBlobs {
    /// Starts writing the blob at `key`; nothing is visible until [`BlobUpload::finish`].
    pub async fn begin_upload(
        &self,
        key: &str,
        content_type: String,
        metadata: Metadata,
    ) -> Result<BlobUpload, BlobError> {
        check_key(key)?;
        check_metadata(&metadata)?;
        let sidecar = serde_json::to_vec(&Sidecar {
            content_type,
            metadata,
        })
        .map_err(BlobError::backend)?;
        let tmp = self.tmp_path()?;
        let file = tokio::fs::File::create(&tmp)
            .await
            .map_err(BlobError::backend)?;
        Ok(BlobUpload {
            blobs: self.clone(),
            key: key.to_owned(),
            sidecar,
            tmp,
            file: BufWriter::with_capacity(WRITE_BUFFER, file),
            written: 0,
            finished: false,
        })
    }

    /// The blob at `key` opened for reading, with what is known about it (its size is that of
    /// the opened file, even if the blob is replaced meanwhile).
    pub async fn open_blob(&self, key: &str) -> Result<(BlobInfo, tokio::fs::File), BlobError> {
        check_key(key)?;
        let key = key.to_owned();
        let (info, file) = self
            .blocking(move |this| {
                let file =
                    std::fs::File::open(this.object_path(&key)).map_err(not_found_or_backend)?;
                let size = file.metadata().map_err(BlobError::backend)?.len();
                let mut info = this.read_info(&key)?;
                info.size = size;
                Ok((info, file))
            })
            .await?;
        Ok((info, tokio::fs::File::from_std(file)))
    }
}

impl BlobUpload {
    /// Appends `chunk`.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError> {
        self.file
            .write_all(chunk)
            .await
            .map_err(BlobError::backend)?;
        self.written += chunk.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Puts the blob in place (replacing any before it) and says how large it is.
    pub async fn finish(mut self) -> Result<u64, BlobError> {
        // Also waits for the file's last write to land, so the rename moves every byte.
        self.file.flush().await.map_err(BlobError::backend)?;
        let (key, sidecar, tmp) = (self.key.clone(), self.sidecar.clone(), self.tmp.clone());
        self.blobs
            .blocking(move |this| {
                this.write_atomically(&this.meta_path(&key), &sidecar)?;
                rename_into_place(&tmp, &this.object_path(&key))
            })
            .await?;
        self.finished = true;
        Ok(self.written)
    }
}

impl Drop for BlobUpload {
    fn drop(&mut self) {
        if !self.finished {
            // Best effort: a leftover in tmp/ is never read.
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blobs::Blobs as _;

    #[tokio::test]
    async fn an_upload_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FsBlobs::open(dir.path()).unwrap();
        let metadata: Metadata = [("record".to_owned(), "rec_1".to_owned())].into();
        let mut upload = blobs
            .begin_upload("a/b", "text/plain".into(), metadata.clone())
            .await
            .unwrap();
        upload.write(b"hello ").await.unwrap();
        upload.write(b"world").await.unwrap();
        assert!(matches!(blobs.head("a/b").await, Err(BlobError::NotFound)));
        assert_eq!(upload.finish().await.unwrap(), 11);
        let blob = blobs.get("a/b").await.unwrap();
        assert_eq!(blob.bytes, b"hello world");
        assert_eq!(blob.content_type, "text/plain");
        assert_eq!(blob.metadata, metadata);
        let (info, _file) = blobs.open_blob("a/b").await.unwrap();
        assert_eq!(info.size, 11);
    }

    #[tokio::test]
    async fn an_abandoned_upload_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FsBlobs::open(dir.path()).unwrap();
        let mut upload = blobs
            .begin_upload("a/b", "text/plain".into(), Metadata::new())
            .await
            .unwrap();
        upload.write(b"partial").await.unwrap();
        drop(upload);
        assert!(matches!(blobs.head("a/b").await, Err(BlobError::NotFound)));
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
        assert!(matches!(
            blobs.open_blob("a/b").await,
            Err(BlobError::NotFound)
        ));
    }
}
