//! Coffer core's integration tests: the port conformance suites (each case run against the
//! embedded backend and against the AWS backend on moto), the HTTP glue, the local server's
//! presigned-URL routes, and what S3's presigned uploads ask of their users.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conformance;
mod fixtures;
mod http;
mod local_blob_urls;
mod s3_presign;
mod security_headers;
