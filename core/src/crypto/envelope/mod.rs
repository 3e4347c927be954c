//! The versioned ciphertext format. Every envelope starts with the same header prefix:
//!
//! ```text
//! version (1 byte) | key_ref length (u16, big-endian) | key_ref | ...the version's own fields
//! ```
//! `key_ref` says which data key sealed it (a wrapped data key, or an id the caller resolves).
//! The AEAD's associated data is the whole header followed by the caller's associated data, which
//! binds the ciphertext to its place (dataset, record, field): moved anywhere else, it fails to
//! open. New envelopes are [`v2`] (key-committing); [`v1`] ones still open.

mod v1;
mod v2;

use super::{
    Aead256, AwsLcGcm, CryptoError, DataKey, MESSAGE_ID_LEN, MessageIds, NONCE_LEN, TAG_LEN, random,
};

/// The version new envelopes are written in.
pub const ENVELOPE_VERSION: u8 = v2::VERSION;
/// Version byte and key_ref length.
const PREFIX_LEN: usize = 1 + 2;

/// A parsed envelope of any supported version, borrowing the ciphertext it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope<'a> {
    V1(v1::EnvelopeV1<'a>),
    V2(v2::EnvelopeV2<'a>),
}

impl<'a> Envelope<'a> {
    /// Seals `plaintext` with Coffer's AEAD, in the current version.
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

    /// Seals into `out` (replacing its contents), so a caller sealing many payloads reuses one
    /// buffer. Emptied on failure.
    pub fn seal_into(
        aead: &dyn Aead256,
        key: &DataKey,
        key_ref: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let sealed = random::bytes::<MESSAGE_ID_LEN>().and_then(|message_id| {
            v2::EnvelopeV2::seal_into(aead, key, key_ref, aad, plaintext, message_id, out)
        });
        if sealed.is_err() {
            out.clear();
        }
        sealed
    }

    /// [`Self::seal_into`] with the message id taken from `ids`: for a run of envelopes (a
    /// batch), which then draws randomness from the OS once per 64 envelopes.
    pub fn seal_next_into(
        ids: &mut MessageIds,
        aead: &dyn Aead256,
        key: &DataKey,
        key_ref: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let sealed = ids.next_id().and_then(|message_id| {
            v2::EnvelopeV2::seal_into(aead, key, key_ref, aad, plaintext, message_id, out)
        });
        if sealed.is_err() {
            out.clear();
        }
        sealed
    }

    /// Reads the header; the body is checked only when opened.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, CryptoError> {
        let prefix = Prefix::parse(bytes)?;
        match prefix.version {
            v1::VERSION => Ok(Self::V1(v1::EnvelopeV1::parse(bytes, prefix)?)),
            v2::VERSION => Ok(Self::V2(v2::EnvelopeV2::parse(bytes, prefix)?)),
            other => Err(CryptoError::UnsupportedVersion(other)),
        }
    }

    /// The format version this envelope was written in.
    pub fn version(&self) -> u8 {
        match self {
            Self::V1(_) => v1::VERSION,
            Self::V2(_) => v2::VERSION,
        }
    }

    /// Whether this envelope opens under exactly one data key (v2 and later).
    pub fn is_key_committing(&self) -> bool {
        matches!(self, Self::V2(_))
    }

    /// Which data key sealed this envelope.
    pub fn key_ref(&self) -> &'a [u8] {
        match self {
            Self::V1(e) => e.key_ref(),
            Self::V2(e) => e.key_ref(),
        }
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

    /// Opens into `out` (replacing its contents; emptied on failure, so nothing unauthenticated
    /// is ever left behind).
    pub fn open_into(
        &self,
        aead: &dyn Aead256,
        key: &DataKey,
        aad: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let opened = match self {
            Self::V1(e) => e.open_into(aead, key, aad, out),
            Self::V2(e) => e.open_into(aead, key, aad, out),
        };
        if opened.is_err() {
            out.clear();
        }
        opened
    }
}

/// The header prefix every version shares.
#[derive(Debug, Clone, Copy)]
struct Prefix<'a> {
    version: u8,
    key_ref: &'a [u8],
    /// Where the version's own fields start.
    end: usize,
}

impl<'a> Prefix<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, CryptoError> {
        let (&version, rest) = bytes.split_first().ok_or(CryptoError::Malformed)?;
        let len_bytes: [u8; 2] = rest
            .get(..2)
            .and_then(|b| b.try_into().ok())
            .ok_or(CryptoError::Malformed)?;
        let end = PREFIX_LEN + usize::from(u16::from_be_bytes(len_bytes));
        let key_ref = bytes.get(PREFIX_LEN..end).ok_or(CryptoError::Malformed)?;
        Ok(Self {
            version,
            key_ref,
            end,
        })
    }

    /// Writes the prefix of `version` for `key_ref` at the start of `out`, which has room.
    fn write(version: u8, key_ref: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        let ref_len = u16::try_from(key_ref.len()).map_err(|_| CryptoError::Malformed)?;
        let end = PREFIX_LEN + key_ref.len();
        out[0] = version;
        out[1..PREFIX_LEN].copy_from_slice(&ref_len.to_be_bytes());
        out[PREFIX_LEN..end].copy_from_slice(key_ref);
        Ok(end)
    }
}

/// An envelope split into its header (associated data, first) and its sealed body (ciphertext,
/// then tag): the part every version parses and opens alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SealedBody<'a> {
    header: &'a [u8],
    body: &'a [u8],
}

impl<'a> SealedBody<'a> {
    /// The two parts; a body shorter than a tag is malformed.
    fn new(header: &'a [u8], body: &'a [u8]) -> Result<Self, CryptoError> {
        if body.len() < TAG_LEN {
            return Err(CryptoError::Malformed);
        }
        Ok(Self { header, body })
    }

    /// Opens the body into `out` under `key` and `nonce`, with the header and then `aad` as
    /// associated data.
    fn open_into(
        &self,
        aead: &dyn Aead256,
        key: &DataKey,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        fit(out, self.body.len() - TAG_LEN);
        aead.open_into(key, nonce, &full_aad(self.header, aad), self.body, out)
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

/// The AEAD's associated data: the header, then the caller's.
fn full_aad(header: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut full = Vec::with_capacity(header.len() + aad.len());
    full.extend_from_slice(header);
    full.extend_from_slice(aad);
    full
}

#[cfg(test)]
mod salamander;
#[cfg(test)]
mod tests;
