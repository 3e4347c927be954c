//! The organization's PII keys, handed in by the caller (derived from its key service), wiped
//! from memory when dropped and never printed.

use zeroize::Zeroize;

/// Keys for the keyed operators: `hmac` for `hash`, `token` (AES-SIV, 512 bits) for `tokenize`.
pub struct PiiKeys {
    hmac: [u8; 32],
    token: [u8; 64],
}

impl PiiKeys {
    /// Takes the raw keys. Derive them per organization (e.g. HKDF from a data key) so one
    /// organization's hashes and tokens mean nothing under another's.
    pub fn new(hmac: [u8; 32], token: [u8; 64]) -> Self {
        Self { hmac, token }
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
        f.write_str("PiiKeys([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_bytes() {
        let k = PiiKeys::new([7; 32], [9; 64]);
        assert_eq!(format!("{k:?}"), "PiiKeys([redacted])");
    }
}
