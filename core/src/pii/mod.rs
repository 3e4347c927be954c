//! PII as a service: the engine (`coffer-pii`) with per-scope keys from the key ring, so `hash`
//! and `tokenize` are keyed and `deanonymize` can reverse tokens.
//!
//! Until organizations exist, every caller shares one per-deployment scope
//! ([`DEPLOYMENT_SCOPE`]); the orgs issue replaces it with the caller's organization.

mod keys;
mod service;

pub use coffer_pii as engine;
pub use keys::PiiKeyStore;
pub use service::{PiiInput, PiiOutput, PiiService, PiiServiceError};

/// The key scope every caller uses until organizations land.
pub const DEPLOYMENT_SCOPE: &str = "deployment";
