//! The hardening suites: each folder is one concern.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod canaries;
mod faults;
mod headers;
mod races;
mod tenancy;
