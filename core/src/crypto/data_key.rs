use std::fmt;

use zeroize::Zeroizing;

use super::CryptoError;

/// A plaintext AES-256 data key. Wiped from memory when dropped; never printed.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    pub const LEN: usize = 32;

    /// A data key from exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CryptoError::KeyLength(bytes.len()))?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// A new random key from the OS CSPRNG.
    pub fn random() -> Result<Self, CryptoError> {
        let mut key = Zeroizing::new([0u8; 32]);
        super::random::fill(key.as_mut())?;
        Ok(Self(key))
    }

    /// The raw key, for the AEAD only.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

impl PartialEq for DataKey {
    /// Constant time, as for every secret.
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&other.0[..]).into()
    }
}

impl Eq for DataKey {}
