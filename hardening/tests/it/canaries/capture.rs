//! Every log line of a canary run, in the production JSON format, at TRACE for Coffer's code.
//!
//! A run's work happens inside a `canary_run` span ([`run`]); the capture keeps the events and
//! spans inside one, on whichever thread (the request path on the test's, and the blocking
//! work the code hands to `spawn_blocking` carrying its span: Argon2, SQLite, the blob folder,
//! the PII engine), and nothing of the other suites of this binary, so they pay nothing for
//! it. It is the process's global subscriber; should another suite have installed one first,
//! the capture falls back to this thread's lines.

use std::future::Future;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

use tracing::Instrument as _;
use tracing::dispatcher::DefaultGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{FilterExt as _, dynamic_filter_fn};
use tracing_subscriber::fmt::format::JsonFields;
use tracing_subscriber::layer::SubscriberExt as _;

/// The span a canary run works in.
const RUN: &str = "canary_run";

static LINES: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// TRACE everywhere but the crates that log raw wire bytes at DEBUG/TRACE (the AWS SDK's HTTP
/// stack, hyper, rustls): at those levels they print every request body, whatever it holds,
/// and no deployment runs them so.
const FILTER: &str = "trace,aws_smithy_runtime=info,aws_smithy_runtime_api=info,\
    aws_smithy_http_client=info,aws_smithy_types=info,aws_config=info,aws_sdk_dynamodb=info,\
    aws_sdk_s3=info,aws_sdk_kms=info,aws_sdk_sesv2=info,aws_sigv4=info,hyper=info,\
    hyper_util=info,h2=info,rustls=info,tower=info,reqwest=info";

struct Writer;

impl Write for Writer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LINES.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn dispatch() -> tracing::Dispatch {
    let in_a_run = dynamic_filter_fn(|metadata, context| {
        metadata.name() == RUN
            || context
                .lookup_current()
                .is_some_and(|span| span.scope().any(|s| s.name() == RUN))
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(|| Writer)
        .fmt_fields(JsonFields::new())
        .event_format(coffer_core::telemetry::JsonLines);
    tracing::Dispatch::new(tracing_subscriber::registry().with(
        tracing_subscriber::Layer::with_filter(layer, EnvFilter::new(FILTER).and(in_a_run)),
    ))
}

/// Starts the capture: the global subscriber once, or this thread's until the guard drops.
pub fn start() -> Option<DefaultGuard> {
    static GLOBAL: OnceLock<bool> = OnceLock::new();
    let installed =
        *GLOBAL.get_or_init(|| tracing::dispatcher::set_global_default(dispatch()).is_ok());
    (!installed).then(|| tracing::dispatcher::set_default(&dispatch()))
}

/// `work` inside a `canary_run` span, so that the capture keeps what it logs.
pub fn run<F: Future>(work: F) -> impl Future<Output = F::Output> {
    work.instrument(tracing::info_span!("canary_run"))
}

/// Every line captured so far (both tests': the canaries of one are unique to it).
pub fn text() -> String {
    String::from_utf8_lossy(&LINES.lock().unwrap()).into_owned()
}

#[tokio::test]
async fn the_capture_keeps_a_runs_lines_from_any_thread_and_no_line_outside_a_run() {
    assert!(start().is_none(), "the capture is the global subscriber");
    let tag = ulid::Ulid::new().to_string();
    let (inside, blocking, outside) = (
        format!("in-{tag}"),
        format!("blocking-{tag}"),
        format!("out-{tag}"),
    );
    let marker = blocking.clone();
    run(async {
        tracing::trace!(marker = %inside, "on the test's thread");
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            span.in_scope(|| tracing::debug!(%marker, "on a blocking thread"))
        })
        .await
        .unwrap();
    })
    .await;
    tracing::error!(marker = %outside, "outside any run");
    let text = text();
    assert!(text.contains(&inside) && text.contains(&blocking), "{text}");
    assert!(!text.contains(&outside));
}
