//! The `orgs` function's routes, driven in-process on the shared test kit: every route and rule
//! on the embedded backend, the races on the AWS backends (moto) too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod events;
mod matrix;
mod members;
mod orgs;
mod races;
mod teams;
mod vaults;

use coffer_testkit::TestApp;

/// `auth` (to sign users up) and `orgs` over the embedded backend.
pub fn spawn() -> TestApp {
    TestApp::embedded(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
    ])
}

/// The same over DynamoDB, S3 and KMS on moto.
pub async fn spawn_on_moto() -> TestApp {
    TestApp::on_moto(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
    ])
    .await
}
