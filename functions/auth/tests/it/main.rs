//! The `auth` function's routes, driven in-process with tower's `oneshot`: on the embedded
//! backend for every route and error path, and the main flows again on the AWS backend (moto).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod aws;
mod canary;
mod events;
mod login;
mod logs;
mod openapi;
mod password;
mod profile;
mod register;
mod reset;
mod sessions;
mod verification;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use coffer_core::auth::AuthService;
use coffer_core::auth::outbox::MessageKind;
use coffer_core::http::{AppState, app};
use coffer_core::store::Table;
use coffer_core::{Clock, ManualClock, Ports, Settings};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The function's app with the service it runs, its clock and its table.
pub struct TestApp {
    pub router: Router,
    pub service: Arc<AuthService>,
    pub clock: Arc<ManualClock>,
    pub table: Arc<dyn Table>,
    pub settings: Settings,
    /// The client IP of requests that name none.
    pub ip: IpAddr,
    _dir: Option<tempfile::TempDir>,
}

/// One reply, its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body without its `request_id`, to compare two problem documents.
    pub fn body_without_request_id(&self) -> Value {
        let mut body = self.body.clone();
        if let Some(object) = body.as_object_mut() {
            object.remove("request_id");
        }
        body
    }
}

/// Argon2 kept small so that tests take seconds; everything else default.
fn test_settings(mut settings: Settings) -> Settings {
    settings.auth.argon2_memory_kib = 64;
    settings.auth.argon2_iterations = 1;
    settings.auth.argon2_parallelism = 1;
    settings
}

/// The app on the embedded backend in a temporary folder, with a manual clock.
pub fn spawn_app() -> TestApp {
    spawn_app_with(|_| {})
}

/// The same, with settings changed first.
pub fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    logs::capture();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(Settings::embedded(dir.path()));
    change(&mut settings);
    let clock = ManualClock::starting_now();
    let ports = Ports::embedded(&settings, clock.clone() as Arc<dyn Clock>).unwrap();
    assemble(settings, ports, clock, Some(dir))
}

/// The app on the AWS backends on the emulator the test command started.
pub async fn spawn_aws_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    logs::capture();
    let endpoint = std::env::var("COFFER_TEST_AWS_ENDPOINT").expect(
        "COFFER_TEST_AWS_ENDPOINT is not set: the AWS flows run against moto; \
         use the README's test command (./infra/test.sh), which starts it",
    );
    let vars: HashMap<String, String> = [
        ("COFFER_BACKEND", "aws"),
        ("COFFER_AWS_ENDPOINT", endpoint.as_str()),
        ("COFFER_AWS_REGION", "us-east-1"),
        ("COFFER_TABLE", "coffer-test"),
        ("COFFER_BUCKET", "coffer-test"),
        ("COFFER_KMS_KEY_ID", "alias/coffer-test"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut settings = test_settings(Settings::from_vars(vars).unwrap());
    change(&mut settings);
    coffer_core::aws::bootstrap(&settings)
        .await
        .expect("bootstrap the emulator");
    let clock = ManualClock::starting_now();
    let ports = Ports::aws(&settings, clock.clone() as Arc<dyn Clock>).await;
    assemble(settings, ports, clock, None)
}

/// Another app (other settings) on the same table and clock, as another build would be.
pub fn spawn_on_table(other: &TestApp, change: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = other.settings.clone();
    change(&mut settings);
    let ports = Ports::embedded(&settings, other.clock.clone() as Arc<dyn Clock>).unwrap();
    let mut app = assemble(settings, ports, other.clock.clone(), None);
    app.ip = other.ip;
    app
}

fn assemble(
    settings: Settings,
    ports: Ports,
    clock: Arc<ManualClock>,
    dir: Option<tempfile::TempDir>,
) -> TestApp {
    let service =
        Arc::new(AuthService::new(ports.table.clone(), ports.clock.clone(), &settings).unwrap());
    let table = ports.table.clone();
    let router = app(
        vec![coffer_function_auth::group_with_service(service.clone())],
        AppState::new(settings.clone(), ports),
    );
    TestApp {
        router,
        service,
        clock,
        table,
        settings,
        ip: random_ip(),
        _dir: dir,
    }
}

/// A documentation-range IPv6 address in a /64 of its own, so that tests sharing the emulator
/// never share a rate-limit bucket.
pub fn random_ip() -> IpAddr {
    let n = ulid::Ulid::new().random();
    let segments = [
        0x2001,
        0x0db8,
        (n >> 32) as u16,
        (n >> 16) as u16,
        n as u16,
        0,
        0,
        1,
    ];
    IpAddr::from(segments)
}

/// An address no other test uses.
pub fn unique_email() -> String {
    format!(
        "user-{}@example.com",
        ulid::Ulid::new().to_string().to_lowercase()
    )
}

/// A password the policy accepts, different each time.
pub fn strong_password() -> String {
    format!(
        "Walnut-Orbit-{}-Falcon",
        &ulid::Ulid::new().to_string()[16..]
    )
}

impl TestApp {
    pub fn clock_now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Sends `request` from this app's client IP.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        self.send_from(self.ip, request).await
    }

    pub async fn send_from(&self, ip: IpAddr, mut request: Request<Body>) -> Reply {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 40_000)));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
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
        self.last_code(user_id, MessageKind::VerifyEmail).await
    }

    /// The code in the newest reset message to the user.
    pub async fn reset_code(&self, user_id: &str) -> String {
        self.last_code(user_id, MessageKind::ResetPassword).await
    }

    async fn last_code(&self, user_id: &str, kind: MessageKind) -> String {
        let user = coffer_core::auth::UserId::parse(user_id).unwrap();
        let messages = self
            .service
            .outbox()
            .messages_for(&user, 100)
            .await
            .unwrap();
        let message = messages
            .iter()
            .find(|m| m.kind == kind)
            .expect("a message in the outbox");
        message
            .text
            .lines()
            .find_map(|line| {
                line.split_once("code: ")
                    .map(|(_, code)| code.trim().to_owned())
            })
            .expect("a code in the message")
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

pub fn json_request(
    method: Method,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::USER_AGENT, "coffer-tests/1");
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}
