//! Coffer core's integration tests: the port conformance suites (each case run against the
//! embedded backend and against the AWS backend on moto) and the HTTP glue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conformance;
mod fixtures;
mod http;
