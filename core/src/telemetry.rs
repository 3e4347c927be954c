//! Structured logs with `tracing`: JSON lines on Lambda (CloudWatch), readable text locally.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls do nothing. The level comes from `RUST_LOG`
/// (default `info`).
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .without_time() // Lambda stamps every line
            .try_init()
    } else {
        builder.compact().try_init()
    };
}
