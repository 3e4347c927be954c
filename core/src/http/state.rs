use std::sync::Arc;

use crate::backends::Ports;
use crate::settings::Settings;

/// What every handler can reach: the settings and the ports, built once per process.
#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub ports: Ports,
}

impl AppState {
    pub fn new(settings: Settings, ports: Ports) -> Self {
        Self {
            settings: Arc::new(settings),
            ports,
        }
    }
}
