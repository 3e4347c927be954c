/// What can go wrong in the crypto primitives. Deliberately vague on decryption: a wrong key, a
/// wrong context and a tampered ciphertext all look the same to the caller.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("a data key is 32 bytes, got {0}")]
    KeyLength(usize),
    #[error("the ciphertext is malformed")]
    Malformed,
    #[error("unsupported envelope version {0}")]
    UnsupportedVersion(u8),
    #[error("the ciphertext cannot be decrypted with this key and context")]
    Decrypt,
    #[error("encryption failed")]
    Encrypt,
    #[error("the operating system's random source failed")]
    Random,
}
