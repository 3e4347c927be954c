//! The `crypto` function's routes, driven in-process on the shared test kit: every route and
//! rule on the embedded backend, and the key-ring flows on the AWS backends (moto) too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod smoke;

use coffer_testkit::TestApp;

/// `auth` (to sign users up), `orgs` (to make orgs) and `crypto` over the embedded backend.
pub fn spawn() -> TestApp {
    TestApp::embedded(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_crypto::group(),
    ])
}

/// The same over DynamoDB, S3 and KMS on moto.
pub async fn spawn_on_moto() -> TestApp {
    TestApp::on_moto(vec![
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
        coffer_function_crypto::group(),
    ])
    .await
}
