//! Structured logs with `tracing`: JSON lines on Lambda (CloudWatch), readable text locally.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::JsonFields;

use super::json_lines::JsonLines;

/// Installs the global subscriber once; later calls do nothing. The level comes from `RUST_LOG`
/// (default `info`).
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        // No timestamp: Lambda stamps every line.
        builder
            .fmt_fields(JsonFields::new())
            .event_format(JsonLines)
            .try_init()
    } else {
        builder.compact().try_init()
    };
}

/// The JSON-lines subscriber `init(true)` installs, writing to `writer` at `level` and above:
/// for tests that read what a request logs.
pub fn json_subscriber<W>(
    writer: W,
    level: tracing::Level,
) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(writer)
        .fmt_fields(JsonFields::new())
        .event_format(JsonLines)
        .finish()
}
