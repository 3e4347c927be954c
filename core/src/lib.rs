//! Coffer's core: the domain, its ports (table, blobs, key ring) with their backends, the crypto
//! primitives, and — in `http` only — the web glue shared by every Lambda function.

pub mod access;
pub mod audit;
pub mod auth;
pub mod aws;
pub mod backends;
pub mod blobs;
pub mod cleanup;
pub mod clients;
pub mod clock;
pub mod crypto;
pub mod datasets;
pub mod faults;
pub mod http;
pub mod ids;
pub mod keys;
pub mod named_keys;
pub mod orgs;
pub mod pii;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod tokens;

pub use backends::Ports;
pub use clock::{Clock, ManualClock, SystemClock};
pub use settings::{Backend, DatasetSettings, OperationSettings, Settings, SettingsError};
