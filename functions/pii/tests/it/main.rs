//! The `pii` function's routes, driven in-process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod events;
mod routes;

use std::sync::Arc;

use axum::Router;
use coffer_core::http::{AppState, app};
use coffer_core::{Ports, Settings, SystemClock};

/// The function's app on embedded backends in a temporary folder.
pub struct TestApp {
    pub router: Router,
    _dir: tempfile::TempDir,
}

/// The pii routes, plus the auth routes so tests can log in as a real user would.
pub fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::embedded(dir.path());
    // Cheap Argon2 for tests; the defaults are the OWASP ones.
    settings.auth.argon2_memory_kib = 1024;
    settings.auth.argon2_iterations = 1;
    let ports = Ports::embedded(&settings, Arc::new(SystemClock)).unwrap();
    let groups = vec![
        coffer_function_pii::routes(),
        coffer_function_auth::routes(),
    ];
    TestApp {
        router: app(groups, AppState::new(settings, ports)),
        _dir: dir,
    }
}
