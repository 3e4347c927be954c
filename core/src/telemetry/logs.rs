//! Structured logs with `tracing`: JSON lines on Lambda (CloudWatch), readable text locally.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::JsonFields;

use super::json_lines::JsonLines;

/// Crates that log raw requests and replies (bodies with tokens, records, plaintexts) below
/// `info`: held at `info` whatever `RUST_LOG` asks, so debugging Coffer never logs a secret.
const WIRE_CRATES: [&str; 6] = ["aws_smithy", "aws_sdk", "hyper", "h2", "rustls", "reqwest"];

/// Installs the global subscriber once; later calls do nothing. The level comes from `RUST_LOG`
/// (default `info`), except for the [`WIRE_CRATES`].
pub fn init(json: bool) {
    let asked = std::env::var(EnvFilter::DEFAULT_ENV).unwrap_or_default();
    let filter = without_wire_bodies(&asked);
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

/// The filter `asked` describes (`RUST_LOG`'s syntax; `info` when empty or invalid), with its
/// directives for the [`WIRE_CRATES`] dropped and those crates held at `info` or above.
fn without_wire_bodies(asked: &str) -> EnvFilter {
    let kept: Vec<&str> = asked
        .split(',')
        .map(str::trim)
        .filter(|directive| !directive.is_empty())
        .filter(|directive| !WIRE_CRATES.iter().any(|wire| directive.starts_with(wire)))
        .collect();
    let base = if kept.is_empty() {
        "info".to_owned()
    } else {
        kept.join(",")
    };
    let filter = EnvFilter::try_new(&base).unwrap_or_else(|_| EnvFilter::new("info"));
    WIRE_CRATES.iter().fold(filter, |filter, target| {
        match format!("{target}=info").parse() {
            Ok(directive) => filter.add_directive(directive),
            Err(_) => filter,
        }
    })
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// Which of a debug line from a wire crate and one from Coffer pass `asked`.
    fn shown(asked: &str) -> Vec<String> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let writer = move || Sink(sink.clone());
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::fmt::layer().with_writer(writer))
            .with(without_wire_bodies(asked));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "aws_smithy_runtime::client::orchestrator", "wire body");
            tracing::trace!(target: "hyper_util::client", "wire bytes");
            tracing::debug!(target: "coffer_core::tokens", "our debug line");
        });
        let lines = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
        lines.lines().map(str::to_owned).collect()
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn trace_logging_never_reaches_the_crates_that_log_wire_bodies() {
        for asked in [
            "trace",
            "trace,aws_smithy_runtime=trace,hyper_util=trace",
            "debug",
        ] {
            let lines = shown(asked);
            assert!(
                !lines.iter().any(|l| l.contains("wire")),
                "{asked}: {lines:?}"
            );
            assert!(
                lines.iter().any(|l| l.contains("our debug line")),
                "{asked}"
            );
        }
    }

    #[test]
    fn an_empty_or_bad_setting_means_info() {
        assert!(shown("").is_empty());
        assert!(shown("=;=").is_empty());
    }
}
