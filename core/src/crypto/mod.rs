//! Coffer's cryptography: the envelope format (AES-256-GCM; v2 key-committing), data keys, and
//! random tokens.

mod aead;
mod data_key;
mod envelope;
mod error;
mod message_ids;
mod message_key;
pub mod random;

pub use aead::{Aead256, AwsLcGcm, NONCE_LEN, RustCryptoGcm, TAG_LEN};
pub use data_key::DataKey;
pub use envelope::{ENVELOPE_VERSION, Envelope};
pub use error::CryptoError;
pub use message_ids::MessageIds;
pub use message_key::{COMMITMENT_LEN, MESSAGE_ID_LEN, MessageKey};
