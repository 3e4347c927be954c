//! The shared test kit: every function's tests build their app, users and orgs here.
//!
//! - [`TestApp::embedded`] / [`TestApp::on_moto`]: the given function groups over the embedded
//!   backend in a temporary folder, or over the AWS backends on the emulator that the README's
//!   test command starts (`COFFER_TEST_AWS_ENDPOINT`), with a clock the test controls.
//! - [`TestApp::sign_up`]: a registered user with a CLI session (needs the `auth` group).
//! - [`TestApp::org_with_every_role`]: an org with an owner, an admin, a member, and an outsider
//!   (needs the `auth` and `orgs` groups).
//! - [`TestApp::replay_event`]: a sample Lambda event from `events/` through `lambda_http`'s own
//!   parser, with `{{session_token}}` and placeholder ids filled in.
//! - [`RecordingTable`]: a table that notes every call, to compare what two requests cost.
//! - [`presigned_request`] / [`TestApp::send_raw`]: use a presigned payload URL a service handed
//!   out, in-process (every app serves the local server's presigned-URL routes).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod app;
mod customers;
mod dynamo_dump;
mod fixtures;
mod query;
mod recording;
mod reply;
pub mod tokens;

pub use app::{TestApp, json_request, moto_settings, presigned_request};
pub use customers::{customer, customer_dataset};
pub use dynamo_dump::dynamo_item_bytes;
pub use fixtures::{OrgWithRoles, User, random_ip, strong_password, unique_email};
pub use query::query_value;
pub use recording::RecordingTable;
pub use reply::{Reply, assert_problem};
