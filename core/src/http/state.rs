use std::sync::Arc;

use crate::backends::Ports;
use crate::settings::Settings;
use crate::tokens::AccessTokens;

/// What every handler can reach: the settings and the ports, built once per process.
#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub ports: Ports,
    /// The last readiness answer, reused for a few seconds.
    pub readiness: Arc<super::health::ReadinessCache>,
    /// Access tokens: the process's signing keys and revocation copy, shared by the caller
    /// extractor of every group and by the token endpoints.
    pub access_tokens: Arc<AccessTokens>,
}

impl AppState {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        let access_tokens = Arc::new(AccessTokens::new(&settings.tokens, &ports));
        Self {
            settings: Arc::new(settings),
            ports,
            readiness: Arc::default(),
            access_tokens,
        }
    }
}
