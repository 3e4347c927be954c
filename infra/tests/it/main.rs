//! The local server over real HTTP, and the deployment template against the code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod routes;
mod server;
mod template;
