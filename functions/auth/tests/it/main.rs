//! The `auth` function's routes, driven in-process with tower's `oneshot`: on the embedded
//! backend for every route and error path, and the main flows again on the AWS backend (moto).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod activity;
mod attacks;
mod audit;
mod aws;
mod canary;
mod email_keys;
mod events;
mod login;
mod login_paths;
mod logs;
mod openapi;
mod outbox;
mod password;
mod profile;
mod register;
mod request_paths;
mod reset;
mod sessions;
mod verification;

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use coffer_core::auth::AuthService;
use coffer_core::auth::outbox::MessageKind;
use coffer_core::http::FunctionGroup;
use coffer_core::store::Table;
use coffer_core::{Clock, ManualClock, Ports, Settings};
use serde_json::{Value, json};

pub use coffer_testkit::{
    RecordingTable, Reply, json_request, random_ip, strong_password, unique_email,
};

/// The function's app (on `coffer_testkit`) with the service it runs, its clock and its table.
pub struct TestApp {
    pub router: Router,
    pub service: Arc<AuthService>,
    pub clock: Arc<ManualClock>,
    pub table: Arc<dyn Table>,
    pub settings: Settings,
    /// The client IP of requests that name none.
    pub ip: IpAddr,
    kit: coffer_testkit::TestApp,
}

/// The auth group over a service the test holds.
fn groups(
    service: &mut Option<Arc<AuthService>>,
) -> impl FnOnce(&Settings, &Ports) -> Vec<FunctionGroup> + '_ {
    groups_through(service, |table| table)
}

/// The auth group over a service the test holds, working through the table `through` makes of
/// the app's.
fn groups_through<'a>(
    service: &'a mut Option<Arc<AuthService>>,
    through: impl FnOnce(Arc<dyn Table>) -> Arc<dyn Table> + 'a,
) -> impl FnOnce(&Settings, &Ports) -> Vec<FunctionGroup> + 'a {
    move |settings, ports| {
        let built = Arc::new(
            AuthService::new(
                through(ports.table.clone()),
                ports.clock.clone(),
                ports.keys.clone(),
                settings,
            )
            .unwrap(),
        );
        *service = Some(built.clone());
        vec![coffer_function_auth::group_with_service(built)]
    }
}

/// The app whose service works through a [`RecordingTable`].
pub fn spawn_recording_app() -> (TestApp, Arc<RecordingTable>) {
    logs::capture();
    let (mut service, mut recording) = (None, None);
    let kit = coffer_testkit::TestApp::embedded_built(
        |_| {},
        groups_through(&mut service, |table| {
            let recorder = RecordingTable::over(table);
            recording = Some(recorder.clone());
            recorder
        }),
    );
    (wrap(kit, service), recording.unwrap())
}

/// Another process of the auth function on `other`'s table whose service works through a
/// [`RecordingTable`], after its cold-start warm-up.
pub async fn recording_sibling(other: &TestApp) -> (TestApp, Arc<RecordingTable>) {
    use coffer_core::http::GroupService as _;
    let (mut service, mut recording) = (None, None);
    let kit = other.kit.sibling(
        |_| {},
        groups_through(&mut service, |table| {
            let recorder = RecordingTable::over(table);
            recording = Some(recorder.clone());
            recorder
        }),
    );
    let app = wrap(kit, service);
    app.service.warm().await;
    (app, recording.unwrap())
}

fn wrap(kit: coffer_testkit::TestApp, service: Option<Arc<AuthService>>) -> TestApp {
    TestApp {
        router: kit.router.clone(),
        service: service.unwrap(),
        clock: kit.clock.clone(),
        table: kit.state.ports.table.clone(),
        settings: (*kit.state.settings).clone(),
        ip: kit.ip,
        kit,
    }
}

/// The app on the embedded backend in a temporary folder, with a manual clock.
pub fn spawn_app() -> TestApp {
    spawn_app_with(|_| {})
}

/// The same, with settings changed first.
pub fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    logs::capture();
    let mut service = None;
    let kit = coffer_testkit::TestApp::embedded_built(change, groups(&mut service));
    wrap(kit, service)
}

/// The app on the AWS backends on the emulator the test command started.
pub async fn spawn_aws_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    logs::capture();
    let mut service = None;
    let kit = coffer_testkit::TestApp::on_moto_built(change, groups(&mut service)).await;
    wrap(kit, service)
}

/// Another app (other settings) on the same table and clock, as another build would be.
pub fn spawn_on_table(other: &TestApp, change: impl FnOnce(&mut Settings)) -> TestApp {
    let mut service = None;
    let kit = other.kit.sibling(change, groups(&mut service));
    wrap(kit, service)
}

impl TestApp {
    pub fn clock_now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Sends `request` from this app's client IP.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        self.send_from(self.ip, request).await
    }

    pub async fn send_from(&self, ip: IpAddr, request: Request<Body>) -> Reply {
        self.kit.send_from(ip, request).await
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.send(json_request(Method::POST, path, Some(body), token))
            .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(json_request(Method::GET, path, None, token))
            .await
    }

    pub async fn register(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/v1/auth/register",
            json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/v1/auth/login",
            json!({"email": email, "password": password, "client": "cli"}),
            None,
        )
        .await
    }

    /// Registers a new user and logs in from the CLI: (email, password, session token, user id).
    pub async fn signed_up(&self) -> Account {
        let (email, password) = (unique_email(), strong_password());
        let registered = self.register(&email, &password).await;
        assert_eq!(
            registered.status,
            StatusCode::CREATED,
            "{:?}",
            registered.body
        );
        let login = self.login(&email, &password).await;
        assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
        Account {
            user_id: login.body["user"]["id"].as_str().unwrap().to_owned(),
            session_id: login.body["session_id"].as_str().unwrap().to_owned(),
            token: login.body["session_token"].as_str().unwrap().to_owned(),
            email,
            password,
        }
    }

    /// The code in the newest verification message to the user.
    pub async fn verify_code(&self, user_id: &str) -> String {
        self.kit
            .mailed_code(user_id, MessageKind::VerifyEmail)
            .await
    }

    /// The code in the newest reset message to the user.
    pub async fn reset_code(&self, user_id: &str) -> String {
        self.kit
            .mailed_code(user_id, MessageKind::ResetPassword)
            .await
    }

    /// Asks for a verification code for the session's user.
    pub async fn ask_verification(&self, token: &str) -> Reply {
        self.post("/v1/auth/email/verify/request", json!({}), Some(token))
            .await
    }

    /// Asks for a reset code for an address.
    pub async fn ask_reset(&self, email: &str) -> Reply {
        self.post(
            "/v1/auth/password/reset/request",
            json!({"email": email}),
            None,
        )
        .await
    }
}

/// A signed-up user with a CLI session.
#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub password: String,
    pub token: String,
    pub user_id: String,
    pub session_id: String,
}
