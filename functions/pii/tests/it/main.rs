//! The `pii` function's routes, driven in-process on the shared test kit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod detect;
mod events;
mod routes;
mod tenancy;

use std::ops::Deref;

use axum::http::StatusCode;
use coffer_core::access::Role;
use coffer_core::ids::{OrgId, UserId};
use serde_json::Value;

/// The pii routes, plus the auth and orgs routes so tests sign up, make orgs and add members as
/// a real client would, on `coffer_testkit`.
pub struct TestApp(coffer_testkit::TestApp);

impl Deref for TestApp {
    type Target = coffer_testkit::TestApp;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

pub fn spawn_app() -> TestApp {
    TestApp(coffer_testkit::TestApp::embedded(vec![
        coffer_function_pii::group(),
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
    ]))
}

/// A registered, logged-in user.
pub struct User {
    pub id: UserId,
    pub email: String,
    pub token: String,
    kit: coffer_testkit::User,
}

impl TestApp {
    /// POSTs `body` as JSON, with `token` as the bearer if given.
    pub async fn call(&self, path: &str, body: Value, token: Option<&str>) -> (StatusCode, Value) {
        let reply = self.0.post(path, body, token).await;
        (reply.status, reply.body)
    }

    /// Registers and logs in a new user (`_name` says who they are in the test).
    pub async fn user(&self, _name: &str) -> User {
        let kit = self.0.sign_up().await;
        User {
            id: UserId::parse(&kit.id).unwrap(),
            email: kit.email.clone(),
            token: kit.token.clone(),
            kit,
        }
    }

    /// An org `owner` created.
    pub async fn org(&self, owner: &User) -> OrgId {
        OrgId::parse(&self.0.create_org(&owner.kit, "free").await).unwrap()
    }

    /// `owner` adds `user` to `org` with `role`.
    pub async fn add(&self, org: &OrgId, owner: &User, user: &User, role: Role) {
        self.0
            .add_member(org.as_str(), &owner.kit, &user.kit, role.as_str())
            .await;
    }
}
