use std::sync::Arc;

use crate::backends::Ports;
use crate::settings::Settings;

/// What every handler can reach: the settings and the ports, built once per process.
#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub ports: Ports,
    /// The last readiness answer, reused for a few seconds.
    pub readiness: Arc<super::health::ReadinessCache>,
}

impl AppState {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self {
            settings: Arc::new(settings),
            ports,
            readiness: Arc::default(),
        }
    }
}
