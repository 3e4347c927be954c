//! The versioned ciphertext format.
//!
//! ```text
//! v1: version (1 byte = 1) | key_ref length (u16, big-endian) | key_ref | nonce (12) | ciphertext | tag (16)
//! ```
//! `key_ref` says which data key sealed it (a wrapped data key, or an id the caller resolves).
//! The AEAD's associated data is the header (version and key_ref) followed by the caller's
//! associated data, which binds the ciphertext to its place (dataset, record, field): moved
//! anywhere else, it fails to open.

use super::{Aead256, AwsLcGcm, CryptoError, DataKey, NONCE_LEN, TAG_LEN, random};

pub const ENVELOPE_VERSION: u8 = 1;
const HEADER_FIXED: usize = 1 + 2;

/// A parsed envelope, borrowing the ciphertext it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    key_ref: &'a [u8],
    header: &'a [u8],
    nonce: [u8; NONCE_LEN],
    sealed: &'a [u8],
}

impl<'a> Envelope<'a> {
    /// Seals `plaintext` with Coffer's AEAD.
    pub fn seal(
        key: &DataKey,
        key_ref: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        Self::seal_with(&AwsLcGcm, key, key_ref, aad, plaintext)
    }

    /// Seals `plaintext` with the given AEAD implementation (one format for all).
    pub fn seal_with(
        aead: &dyn Aead256,
        key: &DataKey,
        key_ref: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let mut out = Vec::new();
        Self::seal_into(aead, key, key_ref, aad, plaintext, &mut out)?;
        Ok(out)
    }

    /// Seals into `out` (replacing its contents), so a caller sealing many payloads reuses one buffer.
    pub fn seal_into(
        aead: &dyn Aead256,
        key: &DataKey,
        key_ref: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let ref_len = u16::try_from(key_ref.len()).map_err(|_| CryptoError::Malformed)?;
        let nonce = random::bytes::<NONCE_LEN>()?;
        let header_len = HEADER_FIXED + key_ref.len();
        let body_start = header_len + NONCE_LEN;
        fit(out, body_start + plaintext.len() + TAG_LEN);
        out[0] = ENVELOPE_VERSION;
        out[1..HEADER_FIXED].copy_from_slice(&ref_len.to_be_bytes());
        out[HEADER_FIXED..header_len].copy_from_slice(key_ref);
        out[header_len..body_start].copy_from_slice(&nonce);

        let (header, rest) = out.split_at_mut(header_len);
        let full_aad = full_aad(header, aad);
        let sealed = aead.seal_into(key, &nonce, &full_aad, plaintext, &mut rest[NONCE_LEN..]);
        if sealed.is_err() {
            out.clear();
        }
        sealed
    }

    /// Reads the header; the body is checked only when opened.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CryptoError> {
        let (&version, rest) = bytes.split_first().ok_or(CryptoError::Malformed)?;
        if version != ENVELOPE_VERSION {
            return Err(CryptoError::UnsupportedVersion(version));
        }
        let len_bytes: [u8; 2] = rest
            .get(..2)
            .and_then(|b| b.try_into().ok())
            .ok_or(CryptoError::Malformed)?;
        let ref_len = usize::from(u16::from_be_bytes(len_bytes));
        let header_len = HEADER_FIXED + ref_len;
        let nonce: [u8; NONCE_LEN] = bytes
            .get(header_len..header_len + NONCE_LEN)
            .and_then(|n| n.try_into().ok())
            .ok_or(CryptoError::Malformed)?;
        let sealed = &bytes[header_len + NONCE_LEN..];
        if sealed.len() < TAG_LEN {
            return Err(CryptoError::Malformed);
        }
        Ok(Self {
            key_ref: &bytes[HEADER_FIXED..header_len],
            header: &bytes[..header_len],
            nonce,
            sealed,
        })
    }

    /// Which data key sealed this envelope.
    pub fn key_ref(&self) -> &'a [u8] {
        self.key_ref
    }

    /// Opens with Coffer's AEAD.
    pub fn open(&self, key: &DataKey, aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.open_with(&AwsLcGcm, key, aad)
    }

    pub fn open_with(
        &self,
        aead: &dyn Aead256,
        key: &DataKey,
        aad: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let mut out = Vec::new();
        self.open_into(aead, key, aad, &mut out)?;
        Ok(out)
    }

    /// Opens into `out` (replacing its contents; emptied on failure).
    pub fn open_into(
        &self,
        aead: &dyn Aead256,
        key: &DataKey,
        aad: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        fit(out, self.sealed.len() - TAG_LEN);
        let opened = aead.open_into(
            key,
            &self.nonce,
            &full_aad(self.header, aad),
            self.sealed,
            out,
        );
        if opened.is_err() {
            out.clear();
        }
        opened
    }
}

/// Gives `out` exactly `len` bytes, every one of which the caller then overwrites. A reused buffer
/// of the right size is not cleared first: at 1 MiB that memset alone costs a tenth of the cipher.
fn fit(out: &mut Vec<u8>, len: usize) {
    if out.len() != len {
        out.clear();
        out.resize(len, 0);
    }
}

fn full_aad(header: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut full = Vec::with_capacity(header.len() + aad.len());
    full.extend_from_slice(header);
    full.extend_from_slice(aad);
    full
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RustCryptoGcm;
    use proptest::prelude::*;

    fn key() -> DataKey {
        DataKey::random().unwrap()
    }

    #[test]
    fn the_format_does_not_depend_on_the_aead_library() {
        let k = key();
        let sealed =
            Envelope::seal_with(&AwsLcGcm, &k, b"ref", b"ds/1/rec/2/email", b"hello").unwrap();
        let opened = Envelope::parse(&sealed)
            .unwrap()
            .open_with(&RustCryptoGcm, &k, b"ds/1/rec/2/email")
            .unwrap();
        assert_eq!(opened, b"hello");

        let sealed = Envelope::seal_with(&RustCryptoGcm, &k, b"ref", b"aad", b"world").unwrap();
        let opened = Envelope::parse(&sealed)
            .unwrap()
            .open_with(&AwsLcGcm, &k, b"aad")
            .unwrap();
        assert_eq!(opened, b"world");
    }

    #[test]
    fn reused_buffers_of_any_size_give_the_same_results() {
        let k = key();
        let (mut sealed, mut opened) = (Vec::new(), Vec::new());
        for plaintext in [
            &b"a much longer first payload"[..],
            b"short",
            b"",
            b"the same length!",
            b"the same length?",
        ] {
            Envelope::seal_into(&AwsLcGcm, &k, b"ref", b"aad", plaintext, &mut sealed).unwrap();
            assert_eq!(
                Envelope::parse(&sealed).unwrap().open(&k, b"aad").unwrap(),
                plaintext
            );
            Envelope::parse(&sealed)
                .unwrap()
                .open_into(&RustCryptoGcm, &k, b"aad", &mut opened)
                .unwrap();
            assert_eq!(opened, plaintext);
        }
        let err = Envelope::parse(&sealed)
            .unwrap()
            .open_into(&AwsLcGcm, &k, b"other", &mut opened);
        assert!(err.is_err());
        assert!(opened.is_empty(), "nothing unauthenticated is left behind");
    }

    #[test]
    fn a_ciphertext_moved_to_another_place_fails() {
        let k = key();
        let sealed = Envelope::seal(&k, b"ref", b"rec_1/email", b"secret").unwrap();
        let env = Envelope::parse(&sealed).unwrap();
        assert!(matches!(
            env.open(&k, b"rec_2/email"),
            Err(CryptoError::Decrypt)
        ));
        assert!(matches!(
            env.open(&key(), b"rec_1/email"),
            Err(CryptoError::Decrypt)
        ));
    }

    #[test]
    fn the_key_ref_is_authenticated() {
        let k = key();
        let mut sealed = Envelope::seal(&k, b"ref-a", b"", b"secret").unwrap();
        sealed[3] = b'X';
        assert!(matches!(
            Envelope::parse(&sealed).unwrap().open(&k, b""),
            Err(CryptoError::Decrypt)
        ));
    }

    #[test]
    fn malformed_and_unknown_versions_are_refused() {
        assert!(matches!(Envelope::parse(&[]), Err(CryptoError::Malformed)));
        assert!(matches!(
            Envelope::parse(&[2, 0, 0]),
            Err(CryptoError::UnsupportedVersion(2))
        ));
        assert!(matches!(
            Envelope::parse(&[1, 0, 5, 1]),
            Err(CryptoError::Malformed)
        ));
    }

    proptest! {
        #[test]
        fn seal_then_open_round_trips(plaintext in proptest::collection::vec(any::<u8>(), 0..4096),
                                      key_ref in proptest::collection::vec(any::<u8>(), 0..300),
                                      aad in proptest::collection::vec(any::<u8>(), 0..64)) {
            let k = key();
            let sealed = Envelope::seal(&k, &key_ref, &aad, &plaintext).unwrap();
            let env = Envelope::parse(&sealed).unwrap();
            prop_assert_eq!(env.key_ref(), &key_ref[..]);
            prop_assert_eq!(env.open(&k, &aad).unwrap(), plaintext);
        }

        #[test]
        fn any_flipped_bit_fails_to_open(plaintext in proptest::collection::vec(any::<u8>(), 1..256), pos in any::<usize>(), bit in 0u8..8) {
            let k = key();
            let mut sealed = Envelope::seal(&k, b"r", b"a", &plaintext).unwrap();
            let i = pos % sealed.len();
            sealed[i] ^= 1 << bit;
            let opened = Envelope::parse(&sealed).and_then(|e| e.open(&k, b"a"));
            prop_assert!(opened.is_err());
        }

        #[test]
        fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = Envelope::parse(&bytes);
        }
    }
}
