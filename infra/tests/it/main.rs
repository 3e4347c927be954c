//! The local server over real HTTP, and the deployment template against the code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docs_page;
mod local_server;
mod metrics;
mod openapi;
mod routes;
mod server;
mod template;
