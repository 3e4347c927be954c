//! The organization's PII keys, handed in by the caller (derived from its key service), wiped
//! from memory when dropped and never printed. Each set has a version; tokens name the version
//! that made them, so [`KeyLookup`] finds the keys that open them after a rotation.

use std::borrow::Borrow;

use zeroize::Zeroize;

/// Keys for the keyed operators: `hmac` for `hash`, `token` (AES-SIV, 512 bits) for `tokenize`,
/// and the version written into every token they make.
pub struct PiiKeys {
    version: u32,
    hmac: [u8; 32],
    token: [u8; 64],
}

impl PiiKeys {
    /// Takes the raw keys of one key version. Derive them per organization (e.g. HKDF from a
    /// data key) so one organization's hashes and tokens mean nothing under another's.
    pub fn new(version: u32, hmac: [u8; 32], token: [u8; 64]) -> Self {
        Self {
            version,
            hmac,
            token,
        }
    }

    /// The version tokens made with these keys carry (`<tok:TYPE:v<version>:...>`).
    pub fn version(&self) -> u32 {
        self.version
    }

    pub(crate) fn hmac(&self) -> &[u8; 32] {
        &self.hmac
    }

    pub(crate) fn token(&self) -> &[u8; 64] {
        &self.token
    }
}

impl Drop for PiiKeys {
    fn drop(&mut self) {
        self.hmac.zeroize();
        self.token.zeroize();
    }
}

impl std::fmt::Debug for PiiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PiiKeys(v{}, [redacted])", self.version)
    }
}

/// Where deanonymization finds the keys of the version a token names: one key set (it opens
/// only its own version), a slice or `Vec` of them (of `PiiKeys`, `&PiiKeys` or
/// `Arc<PiiKeys>`), or a caller's own store.
pub trait KeyLookup {
    /// The keys of `version`, if the caller has them.
    fn keys(&self, version: u32) -> Option<&PiiKeys>;
}

impl KeyLookup for PiiKeys {
    fn keys(&self, version: u32) -> Option<&PiiKeys> {
        (self.version == version).then_some(self)
    }
}

impl<T: Borrow<PiiKeys>> KeyLookup for [T] {
    fn keys(&self, version: u32) -> Option<&PiiKeys> {
        self.iter()
            .map(Borrow::borrow)
            .find(|k| k.version == version)
    }
}

impl<T: Borrow<PiiKeys>> KeyLookup for Vec<T> {
    fn keys(&self, version: u32) -> Option<&PiiKeys> {
        self.as_slice().keys(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_bytes() {
        let k = PiiKeys::new(3, [7; 32], [9; 64]);
        assert_eq!(format!("{k:?}"), "PiiKeys(v3, [redacted])");
    }

    #[test]
    fn a_lookup_finds_only_the_named_version() {
        let (v1, v2) = (
            PiiKeys::new(1, [1; 32], [1; 64]),
            PiiKeys::new(2, [2; 32], [2; 64]),
        );
        assert_eq!(v1.keys(1).map(PiiKeys::version), Some(1));
        assert!(v1.keys(2).is_none());
        let ring = vec![v1, v2];
        assert_eq!(ring.keys(2).map(PiiKeys::version), Some(2));
        assert!(ring.keys(3).is_none());
        let refs: &[&PiiKeys] = &[&ring[0]];
        assert_eq!(refs.keys(1).map(PiiKeys::version), Some(1));
    }
}
