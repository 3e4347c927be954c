//! PII as a service: the engine (`coffer-pii`) with each organization's own keys from the key
//! ring, so `hash` and `tokenize` are keyed per org and `deanonymize` reverses only that org's
//! tokens. [`PiiService`] is the `pii` group's service, built once per process.

mod detect;
mod keys;
mod service;

pub use coffer_pii as engine;
pub use detect::{DetectInput, DetectedEntity};
pub use keys::{CURRENT_KEY_VERSION, OrgKeys, PiiKeyStore};
pub use service::{PiiInput, PiiOutput, PiiService, PiiServiceError};
