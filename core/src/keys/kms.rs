//! The KeyRing port on AWS KMS (or an emulator of it): data keys come from `GenerateDataKey`
//! under one symmetric master key and go back through `Decrypt`, both bound to the encryption
//! context. Plaintext keys are wiped as soon as they are copied into a [`DataKey`].

use std::collections::HashMap;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_kms::Client;
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, KeySpec, KeyUsageType};
use zeroize::Zeroizing;

use super::{EncryptionContext, GeneratedKey, KeyError, KeyRing, WrappedKey};
use crate::crypto::DataKey;

/// The KeyRing port on one KMS key.
#[derive(Debug, Clone)]
pub struct KmsKeyRing {
    client: Client,
    /// A key id, key ARN, alias name (`alias/...`) or alias ARN.
    key_id: String,
}

impl KmsKeyRing {
    /// A key ring client; makes no network call.
    pub fn new(client_config: &SdkConfig, key_id: String) -> Self {
        Self {
            client: Client::new(client_config),
            key_id,
        }
    }

    /// Makes sure the master key exists, for emulators and first deploys: when the key ring names
    /// an alias that points nowhere, creates a symmetric key and the alias. Returns the key's id
    /// and whether it was created.
    #[tracing::instrument(skip_all, fields(key = %self.key_id))]
    pub async fn ensure_key(&self) -> Result<(String, bool), KeyError> {
        if let Some(existing) = self.describe().await? {
            return Ok((existing, false));
        }
        if !self.key_id.starts_with("alias/") {
            return Err(KeyError::MasterKey(format!(
                "KMS key {} does not exist, and only a key named by an alias/ can be created",
                self.key_id
            )));
        }
        let created = self
            .client
            .create_key()
            .key_spec(KeySpec::SymmetricDefault)
            .key_usage(KeyUsageType::EncryptDecrypt)
            .description("Coffer master key")
            .send()
            .await
            .map_err(map_sdk_error)?;
        let key_id = created
            .key_metadata()
            .map(|m| m.key_id().to_owned())
            .ok_or_else(|| KeyError::MasterKey("CreateKey returned no key id".into()))?;
        let aliased = self
            .client
            .create_alias()
            .alias_name(&self.key_id)
            .target_key_id(&key_id)
            .send()
            .await;
        match aliased {
            Ok(_) => Ok((key_id, true)),
            // Another bootstrap won the race: use its key and retire ours.
            Err(err) if err.code() == Some("AlreadyExistsException") => {
                let _ = self
                    .client
                    .schedule_key_deletion()
                    .key_id(&key_id)
                    .pending_window_in_days(7)
                    .send()
                    .await;
                let existing = self.describe().await?;
                existing
                    .map(|id| (id, false))
                    .ok_or_else(|| KeyError::MasterKey(format!("alias {} vanished", self.key_id)))
            }
            Err(err) => Err(map_sdk_error(err)),
        }
    }

    /// The key's id, or `None` when KMS knows no such key or alias.
    async fn describe(&self) -> Result<Option<String>, KeyError> {
        match self.client.describe_key().key_id(&self.key_id).send().await {
            Ok(out) => Ok(out.key_metadata().map(|m| m.key_id().to_owned())),
            Err(err) if err.code() == Some("NotFoundException") => Ok(None),
            Err(err) => Err(map_sdk_error(err)),
        }
    }
}

fn context_map(context: &EncryptionContext) -> Option<HashMap<String, String>> {
    Some(
        context
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
    .filter(|m: &HashMap<_, _>| !m.is_empty())
}

/// Copies KMS's plaintext into a [`DataKey`], wiping the SDK's copy.
fn data_key(plaintext: Option<Blob>) -> Result<DataKey, KeyError> {
    let bytes = Zeroizing::new(plaintext.map(Blob::into_inner).unwrap_or_default());
    DataKey::from_slice(&bytes).map_err(KeyError::backend)
}

#[async_trait]
impl KeyRing for KmsKeyRing {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn generate_data_key(
        &self,
        context: &EncryptionContext,
    ) -> Result<GeneratedKey, KeyError> {
        let out = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256)
            .set_encryption_context(context_map(context))
            .send()
            .await
            .map_err(map_sdk_error)?;
        let wrapped = out
            .ciphertext_blob
            .map(Blob::into_inner)
            .filter(|w| !w.is_empty())
            .ok_or_else(|| KeyError::MasterKey("GenerateDataKey returned no ciphertext".into()))?;
        Ok(GeneratedKey {
            plaintext: data_key(out.plaintext)?,
            wrapped: WrappedKey(wrapped),
        })
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn unwrap_data_key(
        &self,
        wrapped: &WrappedKey,
        context: &EncryptionContext,
    ) -> Result<DataKey, KeyError> {
        if wrapped.0.is_empty() {
            return Err(KeyError::UnwrapFailed);
        }
        let out = self
            .client
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(wrapped.0.clone()))
            .set_encryption_context(context_map(context))
            .send()
            .await
            .map_err(map_sdk_error)?;
        data_key(out.plaintext)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn ping(&self) -> Result<(), KeyError> {
        self.client
            .describe_key()
            .key_id(&self.key_id)
            .send()
            .await
            .map_err(map_sdk_error)?;
        Ok(())
    }
}

/// How an SDK error code maps onto the port's errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    UnwrapFailed,
    Throttled,
    Other,
}

fn classify(code: Option<&str>) -> ErrorKind {
    match code {
        Some(
            "InvalidCiphertextException" | "IncorrectKeyException" | "InvalidKeyUsageException",
        ) => ErrorKind::UnwrapFailed,
        Some("ThrottlingException") => ErrorKind::Throttled,
        _ => ErrorKind::Other,
    }
}

/// Maps an SDK error by its code, keeping the error itself as the source of `Backend`.
fn map_sdk_error<E>(err: SdkError<E, HttpResponse>) -> KeyError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match classify(err.code()) {
        ErrorKind::UnwrapFailed => KeyError::UnwrapFailed,
        ErrorKind::Throttled => KeyError::Throttled,
        ErrorKind::Other => KeyError::backend(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_kms::operation::decrypt::DecryptError;
    use aws_sdk_kms::types::error::InvalidCiphertextException;
    use aws_sdk_s3::primitives::SdkBody;

    #[test]
    fn error_codes_map_onto_the_port() {
        for code in [
            "InvalidCiphertextException",
            "IncorrectKeyException",
            "InvalidKeyUsageException",
        ] {
            assert_eq!(classify(Some(code)), ErrorKind::UnwrapFailed, "{code}");
        }
        assert_eq!(classify(Some("ThrottlingException")), ErrorKind::Throttled);
        assert_eq!(classify(Some("NotFoundException")), ErrorKind::Other);
        assert_eq!(classify(None), ErrorKind::Other);
    }

    #[test]
    fn a_typed_sdk_error_maps_and_keeps_its_source() {
        let response = || HttpResponse::new(400_u16.try_into().unwrap(), SdkBody::empty());
        // The SDK's deserializer puts the wire code in the typed error's metadata, as here.
        let meta = aws_sdk_kms::error::ErrorMetadata::builder()
            .code("InvalidCiphertextException")
            .build();
        let bad = DecryptError::InvalidCiphertextException(
            InvalidCiphertextException::builder().meta(meta).build(),
        );
        assert!(matches!(
            map_sdk_error(SdkError::service_error(bad, response())),
            KeyError::UnwrapFailed
        ));
        let other = DecryptError::generic(
            aws_sdk_kms::error::ErrorMetadata::builder()
                .code("DisabledException")
                .build(),
        );
        let KeyError::Backend(source) = map_sdk_error(SdkError::service_error(other, response()))
        else {
            panic!("expected a backend error");
        };
        assert!(
            source
                .downcast_ref::<SdkError<DecryptError, HttpResponse>>()
                .is_some()
        );
    }

    #[test]
    fn an_empty_context_is_sent_as_none() {
        assert_eq!(context_map(&EncryptionContext::new()), None);
        let context = EncryptionContext::from([("tenant".to_owned(), "org_1".to_owned())]);
        assert_eq!(context_map(&context).map(|m| m.len()), Some(1));
    }

    #[test]
    fn a_plaintext_of_the_wrong_length_is_refused() {
        assert!(data_key(Some(Blob::new(vec![0; 32]))).is_ok());
        assert!(matches!(
            data_key(Some(Blob::new(vec![0; 16]))),
            Err(KeyError::Backend(_))
        ));
        assert!(matches!(data_key(None), Err(KeyError::Backend(_))));
    }
}
