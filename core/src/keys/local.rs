//! The KeyRing port with a local master key: a 256-bit key in `<data_dir>/master.key` (mode 0600,
//! created on first start), wrapping data keys with AES-256-GCM and the encryption context as
//! associated data.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::{EncryptionContext, GeneratedKey, KeyError, KeyRing, WrappedKey};
use crate::crypto::{Aead256, AwsLcGcm, DataKey, NONCE_LEN, TAG_LEN, random};

const WRAP_VERSION: u8 = 1;
const WRAPPED_LEN: usize = 1 + NONCE_LEN + DataKey::LEN + TAG_LEN;
const AAD_PREFIX: &[u8] = b"coffer/local-keyring/v1\0";

/// The KeyRing port on a local master key file.
#[derive(Debug)]
pub struct LocalKeyRing {
    master: DataKey,
    path: PathBuf,
}

impl LocalKeyRing {
    /// Loads the master key at `path`, creating it if there is none. Refuses a key file that
    /// others can read.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                KeyError::MasterKey(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        if !path.exists() {
            create_master_key(&path)?;
        }
        let master = read_master_key(&path)?;
        Ok(Self { master, path })
    }

    /// Where the master key lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes a new key to a private temporary file, then links it into place: of several processes
/// starting at once, exactly one key wins and nobody reads a half-written file.
fn create_master_key(path: &Path) -> Result<(), KeyError> {
    let key = DataKey::random().map_err(|e| KeyError::MasterKey(e.to_string()))?;
    let suffix = random::token().map_err(|e| KeyError::MasterKey(e.to_string()))?;
    let tmp = path.with_extension(format!("tmp-{suffix}"));
    let io =
        |e: std::io::Error| KeyError::MasterKey(format!("cannot write {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io)?;
    file.write_all(key.expose())
        .and_then(|()| file.sync_all())
        .map_err(io)?;
    drop(file);
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(io(err)),
    }
}

fn read_master_key(path: &Path) -> Result<DataKey, KeyError> {
    let shown = path.display();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| KeyError::MasterKey(format!("cannot read {shown}: {e}")))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(KeyError::MasterKey(format!(
                "{shown} is readable by others (mode {:o}); run `chmod 600 {shown}`",
                mode & 0o777
            )));
        }
    }
    let bytes = zeroize::Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| KeyError::MasterKey(format!("cannot read {shown}: {e}")))?,
    );
    DataKey::from_slice(&bytes)
        .map_err(|_| KeyError::MasterKey(format!("{shown} must hold exactly 32 bytes")))
}

/// The associated data that binds a wrapped key to its context: a canonical encoding (sorted
/// keys, length-prefixed) so no two contexts share it.
fn context_aad(context: &EncryptionContext) -> Vec<u8> {
    let mut aad = AAD_PREFIX.to_vec();
    super::encode_context(context, &mut aad);
    aad
}

#[async_trait]
impl KeyRing for LocalKeyRing {
    async fn generate_data_key(
        &self,
        context: &EncryptionContext,
    ) -> Result<GeneratedKey, KeyError> {
        let plaintext = DataKey::random().map_err(KeyError::backend)?;
        let nonce = random::bytes::<NONCE_LEN>().map_err(KeyError::backend)?;
        let mut wrapped = vec![0u8; WRAPPED_LEN];
        wrapped[0] = WRAP_VERSION;
        wrapped[1..1 + NONCE_LEN].copy_from_slice(&nonce);
        AwsLcGcm
            .seal_into(
                &self.master,
                &nonce,
                &context_aad(context),
                plaintext.expose(),
                &mut wrapped[1 + NONCE_LEN..],
            )
            .map_err(KeyError::backend)?;
        Ok(GeneratedKey {
            plaintext,
            wrapped: WrappedKey(wrapped),
        })
    }

    async fn unwrap_data_key(
        &self,
        wrapped: &WrappedKey,
        context: &EncryptionContext,
    ) -> Result<DataKey, KeyError> {
        let bytes = &wrapped.0;
        if bytes.len() != WRAPPED_LEN || bytes[0] != WRAP_VERSION {
            return Err(KeyError::UnwrapFailed);
        }
        let nonce: [u8; NONCE_LEN] = bytes[1..1 + NONCE_LEN]
            .try_into()
            .map_err(|_| KeyError::UnwrapFailed)?;
        let mut plaintext = zeroize::Zeroizing::new([0u8; DataKey::LEN]);
        AwsLcGcm
            .open_into(
                &self.master,
                &nonce,
                &context_aad(context),
                &bytes[1 + NONCE_LEN..],
                plaintext.as_mut(),
            )
            .map_err(|_| KeyError::UnwrapFailed)?;
        DataKey::from_slice(plaintext.as_ref()).map_err(|_| KeyError::UnwrapFailed)
    }

    async fn ping(&self) -> Result<(), KeyError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_that_concatenate_alike_give_different_aad() {
        let a: EncryptionContext = [("ab".to_owned(), "c".to_owned())].into();
        let b: EncryptionContext = [("a".to_owned(), "bc".to_owned())].into();
        assert_ne!(context_aad(&a), context_aad(&b));
    }

    #[cfg(unix)]
    #[test]
    fn the_master_key_is_private_and_stable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/master.key");
        let first = LocalKeyRing::open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = LocalKeyRing::open(&path).unwrap();
        assert_eq!(first.master, second.master);
    }

    #[cfg(unix)]
    #[test]
    fn a_world_readable_master_key_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        LocalKeyRing::open(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = LocalKeyRing::open(&path).unwrap_err();
        assert!(err.to_string().contains("chmod 600"));
    }
}
