//! Sealing a record's sensitive fields and payloads: envelope v2 under the dataset's data key
//! of one version, the associated data binding each ciphertext to its place (dataset, record,
//! field or payload upload, key version). A ciphertext moved to another record, field or
//! dataset, or relabelled with another version, does not open.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::crypto::{AwsLcGcm, CryptoError, DataKey, Envelope, MessageIds};
use crate::ids::{DatasetId, RecordId};

/// What a sealed field's envelope names as its key: the dataset and version.
pub fn key_ref(dataset: &DatasetId, version: u32) -> String {
    format!("{dataset}/v{version}")
}

fn place(
    label: &[u8],
    dataset: &DatasetId,
    record: &RecordId,
    part: &str,
    version: u32,
) -> Vec<u8> {
    let mut aad = Vec::with_capacity(label.len() + 80 + part.len());
    aad.extend_from_slice(label);
    for piece in [dataset.as_str(), record.as_str(), part] {
        aad.extend_from_slice(piece.as_bytes());
        aad.push(0);
    }
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

/// The associated data of a field's ciphertext.
pub fn field_aad(dataset: &DatasetId, record: &RecordId, field: &str, version: u32) -> Vec<u8> {
    place(b"coffer record field v1\0", dataset, record, field, version)
}

/// The associated data of a payload's ciphertext (`upload` names the blob it was stored as).
pub fn payload_aad(dataset: &DatasetId, record: &RecordId, upload: &str, version: u32) -> Vec<u8> {
    place(
        b"coffer record payload v1\0",
        dataset,
        record,
        upload,
        version,
    )
}

/// Seals many values under one version's data key, reusing buffers and drawing message ids
/// from the OS 64 at a time.
pub struct Sealer<'a> {
    key: &'a DataKey,
    dataset: &'a DatasetId,
    version: u32,
    key_ref: String,
    ids: MessageIds,
    plaintext: Zeroizing<Vec<u8>>,
    envelope: Vec<u8>,
}

impl<'a> Sealer<'a> {
    pub fn new(key: &'a DataKey, dataset: &'a DatasetId, version: u32) -> Self {
        Self {
            key,
            dataset,
            version,
            key_ref: key_ref(dataset, version),
            ids: MessageIds::new(),
            plaintext: Zeroizing::new(Vec::new()),
            envelope: Vec::new(),
        }
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    /// The field's value sealed, as base64 (its JSON text is what is sealed).
    pub fn seal_field(
        &mut self,
        record: &RecordId,
        field: &str,
        value: &Value,
    ) -> Result<String, CryptoError> {
        self.plaintext.clear();
        serde_json::to_writer(&mut *self.plaintext, value).map_err(|_| CryptoError::Malformed)?;
        let aad = field_aad(self.dataset, record, field, self.version);
        Envelope::seal_next_into(
            &mut self.ids,
            &AwsLcGcm,
            self.key,
            self.key_ref.as_bytes(),
            &aad,
            &self.plaintext,
            &mut self.envelope,
        )?;
        Ok(STANDARD.encode(&self.envelope))
    }

    /// A payload's bytes sealed.
    pub fn seal_payload(
        &mut self,
        record: &RecordId,
        upload: &str,
        bytes: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let aad = payload_aad(self.dataset, record, upload, self.version);
        let mut out = Vec::with_capacity(bytes.len() + 160);
        Envelope::seal_next_into(
            &mut self.ids,
            &AwsLcGcm,
            self.key,
            self.key_ref.as_bytes(),
            &aad,
            bytes,
            &mut out,
        )?;
        Ok(out)
    }
}

/// Opens a sealed field (base64 of an envelope) of `version`; any mismatch of key, place or
/// version, or any tampering, is `CryptoError`.
pub fn open_field(
    key: &DataKey,
    dataset: &DatasetId,
    record: &RecordId,
    field: &str,
    version: u32,
    sealed: &str,
) -> Result<Value, CryptoError> {
    let bytes = STANDARD
        .decode(sealed)
        .map_err(|_| CryptoError::Malformed)?;
    let envelope = Envelope::parse(&bytes)?;
    if !envelope.is_key_committing() || envelope.key_ref() != key_ref(dataset, version).as_bytes() {
        return Err(CryptoError::Malformed);
    }
    let mut plaintext = Zeroizing::new(Vec::new());
    envelope.open_into(
        &AwsLcGcm,
        key,
        &field_aad(dataset, record, field, version),
        &mut plaintext,
    )?;
    serde_json::from_slice(&plaintext).map_err(|_| CryptoError::Malformed)
}

/// Opens a sealed payload of `version` stored as `upload`.
pub fn open_payload(
    key: &DataKey,
    dataset: &DatasetId,
    record: &RecordId,
    upload: &str,
    version: u32,
    sealed: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let envelope = Envelope::parse(sealed)?;
    if !envelope.is_key_committing() || envelope.key_ref() != key_ref(dataset, version).as_bytes() {
        return Err(CryptoError::Malformed);
    }
    envelope.open(key, &payload_aad(dataset, record, upload, version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use time::OffsetDateTime;

    struct Place {
        dataset: DatasetId,
        other_dataset: DatasetId,
        record: RecordId,
        other_record: RecordId,
    }

    fn place() -> Place {
        let now = OffsetDateTime::now_utc();
        Place {
            dataset: DatasetId::generate(now).unwrap(),
            other_dataset: DatasetId::generate(now).unwrap(),
            record: RecordId::generate(now).unwrap(),
            other_record: RecordId::generate(now).unwrap(),
        }
    }

    #[test]
    fn a_sealed_field_opens_only_in_its_own_dataset_record_field_and_version() {
        let p = place();
        let key = DataKey::from_slice(&[7; 32]).unwrap();
        let mut sealer = Sealer::new(&key, &p.dataset, 3);
        let sealed = sealer
            .seal_field(&p.record, "ssn", &json!("078-05-1120"))
            .unwrap();
        assert_eq!(
            open_field(&key, &p.dataset, &p.record, "ssn", 3, &sealed).unwrap(),
            json!("078-05-1120")
        );
        assert!(open_field(&key, &p.dataset, &p.other_record, "ssn", 3, &sealed).is_err());
        assert!(open_field(&key, &p.dataset, &p.record, "email", 3, &sealed).is_err());
        assert!(open_field(&key, &p.other_dataset, &p.record, "ssn", 3, &sealed).is_err());
        assert!(open_field(&key, &p.dataset, &p.record, "ssn", 2, &sealed).is_err());
        let other_key = DataKey::from_slice(&[8; 32]).unwrap();
        assert!(open_field(&other_key, &p.dataset, &p.record, "ssn", 3, &sealed).is_err());
    }

    #[test]
    fn a_sealed_payload_opens_only_as_the_upload_it_was_stored_as() {
        let p = place();
        let key = DataKey::from_slice(&[7; 32]).unwrap();
        let sealed = Sealer::new(&key, &p.dataset, 1)
            .seal_payload(&p.record, "up1", b"scan.pdf bytes")
            .unwrap();
        assert_eq!(
            open_payload(&key, &p.dataset, &p.record, "up1", 1, &sealed).unwrap(),
            b"scan.pdf bytes"
        );
        assert!(open_payload(&key, &p.dataset, &p.record, "up2", 1, &sealed).is_err());
        assert!(open_payload(&key, &p.dataset, &p.other_record, "up1", 1, &sealed).is_err());
    }

    proptest! {
        #[test]
        fn any_json_string_round_trips_and_any_flipped_bit_is_refused(text in ".{0,64}", flip in 0usize..4096) {
            let p = place();
            let key = DataKey::from_slice(&[9; 32]).unwrap();
            let value = Value::String(text);
            let sealed = Sealer::new(&key, &p.dataset, 1).seal_field(&p.record, "f", &value).unwrap();
            prop_assert_eq!(open_field(&key, &p.dataset, &p.record, "f", 1, &sealed).unwrap(), value);
            let mut bytes = STANDARD.decode(&sealed).unwrap();
            let bit = flip % (bytes.len() * 8);
            bytes[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(open_field(&key, &p.dataset, &p.record, "f", 1, &STANDARD.encode(&bytes)).is_err());
        }
    }
}
