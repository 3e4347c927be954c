//! Decrypt: each ciphertext opened under its version's data key with its context, after the
//! version is checked against the key's floors. Every request that reaches the key is audited
//! (the key, how many items, how many opened; never a value) before any plaintext is returned:
//! if the event cannot be written, nothing is revealed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::NamedKeysService;
use super::data_keys::DataKeys;
use super::encrypt::{Buffers, check_batch};
use crate::access::Scoped;
use crate::audit::{Outcome, RequestOrigin};
use crate::crypto::{AwsLcGcm, Envelope};
use crate::named_keys::version::key_ref;
use crate::named_keys::{ItemError, NamedKey, NamedKeyError, ciphertext};

/// One ciphertext as the API takes it, with the optional base64 context it was sealed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptInput {
    pub ciphertext: String,
    pub context: Option<String>,
}

impl NamedKeysService {
    /// Decrypts each item, one result (the plaintext in base64) per item.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), key_id = %key.id, items = items.len()))]
    pub async fn decrypt(
        &self,
        at: &Scoped,
        key: NamedKey,
        items: &[DecryptInput],
        origin: &RequestOrigin,
    ) -> Result<Vec<Result<String, ItemError>>, NamedKeyError> {
        check_batch(items.len())?;
        let key = key.visible_to(at)?;
        let mut data_keys = DataKeys::new(self, &key);
        let mut buffers = Buffers::default();
        let mut results = Vec::with_capacity(items.len());
        for item in items {
            let opened = self
                .open(&key, &mut data_keys, &mut buffers, item)
                .await?
                .map(|_| STANDARD.encode(&*buffers.plaintext));
            results.push(opened);
        }
        self.audit_opening(at, &key, "keys.decrypt", &results, origin)
            .await?;
        Ok(results)
    }

    /// Opens `item` into `buffers.plaintext` (its context left in `buffers.context`), returning
    /// the version it was made with.
    pub(super) async fn open(
        &self,
        key: &NamedKey,
        data_keys: &mut DataKeys<'_>,
        buffers: &mut Buffers,
        item: &DecryptInput,
    ) -> Result<Result<u32, ItemError>, NamedKeyError> {
        let Some((version, envelope)) = ciphertext::parse(&item.ciphertext) else {
            return Ok(Err(ItemError::Malformed));
        };
        if let Err(refusal) = buffers.decode_context(item.context.as_deref()) {
            return Ok(Err(refusal));
        }
        // Named keys have only ever written key-committing envelopes: a v1 one is not theirs.
        let Some(envelope) = Envelope::parse(&envelope)
            .ok()
            .filter(Envelope::is_key_committing)
        else {
            return Ok(Err(ItemError::Malformed));
        };
        // The envelope names the key and version it was made with, authenticated: a ciphertext
        // of another key (another org's included) or relabelled with another version fails.
        // Checked before the version's floors, so such a ciphertext is 400 whatever its label
        // says (not 422 because this key retired or trimmed a version of the same number).
        if envelope.key_ref() != key_ref(&key.id, version).as_bytes() {
            return Ok(Err(ItemError::Undecryptable));
        }
        let data_key = match data_keys.for_decrypting(version).await? {
            Ok(data_key) => data_key,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let mut plaintext = std::mem::take(&mut *buffers.plaintext);
        let opened = envelope.open_into(&AwsLcGcm, &data_key, &buffers.context, &mut plaintext);
        *buffers.plaintext = plaintext;
        Ok(opened
            .map(|()| version)
            .map_err(|_| ItemError::Undecryptable))
    }

    /// Writes the audit event of a request that opened ciphertexts: success when any opened.
    pub(super) async fn audit_opening<T>(
        &self,
        at: &Scoped,
        key: &NamedKey,
        action: &'static str,
        results: &[Result<T, ItemError>],
        origin: &RequestOrigin,
    ) -> Result<(), NamedKeyError> {
        let opened = results.iter().filter(|r| r.is_ok()).count();
        let outcome = if opened > 0 {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let event = self.event(at, action, outcome, origin, &key.id)?;
        self.audit.record(&event).await?;
        Ok(())
    }
}
