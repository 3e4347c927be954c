//! The local stack's URL-signing secret: 32 bytes from the OS CSPRNG in `<data_dir>/blob-url.key`
//! (mode 0600), made on first use and kept, so URLs handed out survive a restart.

use std::io::{ErrorKind, Write};
use std::path::Path;

use zeroize::Zeroizing;

use super::BlobError;
use crate::crypto::random;

/// The secret's length in bytes (HMAC-SHA256's block-sized key is more than enough).
pub(super) const SECRET_LEN: usize = 32;

/// The secret at `path`, made if there is none. Refuses a file that others can read.
pub(super) fn load_or_create(path: &Path) -> Result<Zeroizing<[u8; SECRET_LEN]>, BlobError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| failed(path, "create the folder of", e))?;
    }
    if !path.exists() {
        create(path)?;
    }
    read(path)
}

/// Writes a new secret to a private temporary file, then links it into place: of several
/// processes starting at once, exactly one secret wins and nobody reads half a file.
fn create(path: &Path) -> Result<(), BlobError> {
    let secret = Zeroizing::new(random::bytes::<SECRET_LEN>().map_err(BlobError::backend)?);
    let suffix = random::token().map_err(BlobError::backend)?;
    let tmp = path.with_extension(format!("tmp-{suffix}"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(|e| failed(path, "write", e))?;
    let written = file
        .write_all(secret.as_slice())
        .and_then(|()| file.sync_all());
    drop(file);
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(failed(path, "write", err)),
    }
}

fn read(path: &Path) -> Result<Zeroizing<[u8; SECRET_LEN]>, BlobError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| failed(path, "read", e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(BlobError::backend(std::io::Error::other(format!(
                "{} is readable by others (mode {:o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            ))));
        }
    }
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| failed(path, "read", e))?);
    let mut secret = Zeroizing::new([0u8; SECRET_LEN]);
    if bytes.len() != SECRET_LEN {
        return Err(BlobError::backend(std::io::Error::other(format!(
            "{} must hold exactly {SECRET_LEN} bytes",
            path.display()
        ))));
    }
    secret.copy_from_slice(&bytes);
    Ok(secret)
}

fn failed(path: &Path, what: &str, err: std::io::Error) -> BlobError {
    BlobError::backend(std::io::Error::new(
        err.kind(),
        format!("cannot {what} {}: {err}", path.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_made_once_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/blob-url.key");
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(*first, *again);
        assert_ne!(*first, [0u8; SECRET_LEN]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob-url.key");
        load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = load_or_create(&path).unwrap_err();
        assert!(
            std::error::Error::source(&err)
                .unwrap()
                .to_string()
                .contains("chmod 600")
        );
    }

    #[test]
    fn a_secret_of_the_wrong_length_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob-url.key");
        load_or_create(&path).unwrap();
        std::fs::write(&path, b"short").unwrap();
        assert!(load_or_create(&path).is_err());
    }
}
