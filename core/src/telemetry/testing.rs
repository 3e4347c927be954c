//! Log capture for tests: the JSON lines a piece of code writes, parsed.

use std::sync::{Arc, Mutex};

use serde_json::Value;

/// A buffer the JSON-lines subscriber writes into; clones share it.
#[derive(Debug, Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// Logs of this thread in the production JSON format at every level go here until the
    /// guard drops. A second, idle dispatcher stays alive meanwhile: with one dispatcher,
    /// tracing caches a callsite's interest from whichever thread's default saw it first
    /// (another test's, logging nowhere); with two it asks the current one each time.
    pub fn capture(&self) -> tracing::dispatcher::DefaultGuard {
        static IDLE: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
        IDLE.get_or_init(|| tracing::Dispatch::new(tracing_subscriber::registry()));
        let writer = self.clone();
        tracing::dispatcher::set_default(&tracing::Dispatch::new(super::logs::json_subscriber(
            move || writer.clone(),
            tracing::Level::TRACE,
        )))
    }

    /// Every line so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Every line so far, parsed (each must be one JSON object).
    pub fn lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}
