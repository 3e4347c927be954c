//! The `pii` function's routes, driven in-process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod events;
mod routes;
mod tenancy;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use coffer_core::access::{Access, Permission, Principal, Role};
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::Email;
use coffer_core::http::{AppState, app};
use coffer_core::ids::{OrgId, UserId};
use coffer_core::orgs::{Name, OrgsService, Tier};
use coffer_core::{Ports, Settings, SystemClock};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The function's app on embedded backends in a temporary folder.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// The pii routes, plus the auth routes so tests can log in as a real user would.
pub fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::embedded(dir.path());
    // Cheap Argon2 for tests; the defaults are the OWASP ones.
    settings.auth.argon2_memory_kib = 1024;
    settings.auth.argon2_iterations = 1;
    // Tests sign up several users from one (absent) client IP.
    settings.auth.register_per_ip_per_day = 1000;
    settings.auth.login_per_ip_per_hour = 1000;
    let ports = Ports::embedded(&settings, Arc::new(SystemClock)).unwrap();
    let state = AppState::new(settings, ports);
    let groups = vec![coffer_function_pii::group(), coffer_function_auth::group()];
    TestApp {
        router: app(groups, state.clone()),
        state,
        _dir: dir,
    }
}

/// A registered, logged-in user.
pub struct User {
    pub id: UserId,
    pub email: String,
    pub token: String,
}

impl TestApp {
    /// POSTs `body` as JSON, with `token` as the bearer if given.
    pub async fn call(&self, path: &str, body: Value, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Registers and logs in a user with a fresh address built from `name`.
    pub async fn user(&self, name: &str) -> User {
        let email = format!("{name}-{}@example.com", unique());
        let credentials = json!({"email": email, "password": "correct horse battery staple 42"});
        let (status, body) = self
            .call("/v1/auth/register", credentials.clone(), None)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = UserId::parse(body["user"]["id"].as_str().unwrap()).unwrap();
        let (status, body) = self.call("/v1/auth/login", credentials, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        User {
            id,
            email,
            token: body["session_token"].as_str().unwrap().to_owned(),
        }
    }

    fn orgs(&self) -> OrgsService {
        OrgsService::new(
            Arc::clone(&self.state.ports.table),
            Arc::clone(&self.state.ports.clock),
            &self.state.settings.orgs,
        )
    }

    /// An org `owner` created.
    pub async fn org(&self, owner: &User) -> OrgId {
        let name = Name::parse(&format!("Org {}", unique())).unwrap();
        self.orgs()
            .create(&owner.id, name, Tier::Free, &RequestOrigin::default())
            .await
            .unwrap()
            .id
    }

    /// `owner` adds `user` to `org` with `role`.
    pub async fn add(&self, org: &OrgId, owner: &User, user: &User, role: Role) {
        let at = Access::new(Arc::clone(&self.state.ports.table))
            .require(
                &Principal::User(owner.id.clone()),
                org,
                Permission::MembersManage,
            )
            .await
            .unwrap();
        let email = Email::parse(&user.email).unwrap();
        self.orgs()
            .add_member(&at, &email, role, &RequestOrigin::default())
            .await
            .unwrap();
    }
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
