//! Encrypt: each item sealed as an envelope v2 under the version's data key, its context (the
//! caller's associated data) bound to it. One bad item fails alone.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::data_keys::DataKeys;
use super::{MAX_BATCH, NamedKeysService};
use crate::access::Scoped;
use crate::crypto::{AwsLcGcm, DataKey, Envelope, MessageIds};
use crate::named_keys::version::key_ref;
use crate::named_keys::{ItemError, NamedKey, NamedKeyError, ciphertext};

/// One plaintext as the API takes it: base64, with an optional base64 context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptInput {
    pub plaintext: String,
    pub context: Option<String>,
}

/// A ciphertext in text form and the version that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: String,
    pub key_version: u32,
}

impl NamedKeysService {
    /// Encrypts each item under `version` (the newest when `None`), one result per item.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), key_id = %key.id, items = items.len()))]
    pub async fn encrypt(
        &self,
        at: &Scoped,
        key: NamedKey,
        version: Option<u32>,
        items: &[EncryptInput],
    ) -> Result<Vec<Result<Sealed, ItemError>>, NamedKeyError> {
        check_batch(items.len())?;
        let key = key.visible_to(at)?;
        let version = key.encryption_version(version)?;
        let data_key = DataKeys::new(self, &key).for_encrypting(version).await?;
        let key_ref = key_ref(&key.id, version);
        let mut buffers = Buffers::default();
        items
            .iter()
            .map(|item| buffers.seal(&data_key, version, &key_ref, item))
            .collect()
    }
}

/// Refuses an empty batch or one over [`MAX_BATCH`].
pub(super) fn check_batch(len: usize) -> Result<(), NamedKeyError> {
    if len == 0 || len > MAX_BATCH {
        return Err(NamedKeyError::Invalid {
            field: "batch",
            message: "holds 1 to 1000 items",
        });
    }
    Ok(())
}

/// Decodes base64 into `out` (replacing its contents).
fn decode_into(field: &'static str, raw: &str, out: &mut Vec<u8>) -> Result<(), ItemError> {
    out.clear();
    STANDARD
        .decode_vec(raw, out)
        .map_err(|_| ItemError::NotBase64(field))
}

/// Buffers reused across a batch's items, so a batch of a thousand allocates a few times.
#[derive(Default)]
pub(super) struct Buffers {
    /// Wiped when the request is done.
    pub plaintext: Zeroizing<Vec<u8>>,
    pub context: Vec<u8>,
    pub envelope: Vec<u8>,
    /// The batch's message ids, drawn from the OS 64 at a time.
    pub ids: MessageIds,
}

impl Buffers {
    /// Decodes the item's context (base64, optional) into `self.context`.
    pub fn decode_context(&mut self, raw: Option<&str>) -> Result<(), ItemError> {
        match raw {
            Some(raw) => decode_into("context", raw, &mut self.context),
            None => {
                self.context.clear();
                Ok(())
            }
        }
    }

    /// Seals `self.plaintext` under `self.context`. Only our own failure (the random source)
    /// can fail it.
    pub fn seal_current(
        &mut self,
        data_key: &DataKey,
        version: u32,
        key_ref: &str,
    ) -> Result<Sealed, NamedKeyError> {
        Envelope::seal_next_into(
            &mut self.ids,
            &AwsLcGcm,
            data_key,
            key_ref.as_bytes(),
            &self.context,
            &self.plaintext,
            &mut self.envelope,
        )?;
        Ok(Sealed {
            ciphertext: ciphertext::format(version, &self.envelope),
            key_version: version,
        })
    }

    fn seal(
        &mut self,
        data_key: &DataKey,
        version: u32,
        key_ref: &str,
        item: &EncryptInput,
    ) -> Result<Result<Sealed, ItemError>, NamedKeyError> {
        let decoded = decode_into("plaintext", &item.plaintext, &mut self.plaintext)
            .and_then(|()| self.decode_context(item.context.as_deref()));
        if let Err(refusal) = decoded {
            return Ok(Err(refusal));
        }
        self.seal_current(data_key, version, key_ref).map(Ok)
    }
}
