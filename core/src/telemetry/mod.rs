//! What Coffer tells its operators. Logs: JSON lines on Lambda, each carrying the fields of the
//! spans it is in (request id, route template, X-Ray trace id), readable text locally. Metrics:
//! recorded once, through the typed functions of the catalog, into the process's [`Registry`]
//! (rendered as Prometheus text by the local server) and into the current request's or run's
//! [`Recording`] (written as one CloudWatch EMF document per invocation on Lambda).

mod catalog;
pub mod emf;
mod json_lines;
mod logs;
pub mod prometheus;
mod registry;
mod scope;
#[cfg(test)]
pub(crate) mod testing;
mod xray;

pub use catalog::{
    ALL, Kind, METHOD, Metric, ROUTE, UNMATCHED_ROUTE, bucket_limit, cleanup_run, key_ring_call,
    rate_limit_refused, request_served,
};
pub use json_lines::JsonLines;
pub use logs::{init, json_subscriber};
pub use registry::{LATENCY_BUCKETS, Registry, SeriesKey, Snapshot};
pub use scope::{Recorded, Recording, scoped};
pub use xray::xray_trace_id;
