//! A function group's own body limit: most routes take small JSON bodies
//! (`COFFER_MAX_BODY_BYTES`), a few take batches or large texts (crypto, datasets and PII, each
//! with its own setting, up to Lambda's 6 MB on AWS). The
//! group names the setting once ([`super::FunctionGroup::with_body_limit`]), and
//! [`super::BoundedJson`] reads it from the request.

use crate::settings::Settings;

/// Which setting bounds a group's request bodies.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub fn(&Settings) -> usize);

impl BodyLimit {
    /// The limit for a request that carries `limit` (a group's own), or the default.
    pub fn of(limit: Option<&BodyLimit>, settings: &Settings) -> usize {
        limit.map_or(settings.max_body_bytes, |limit| (limit.0)(settings))
    }
}
