//! The `pii` function's routes, driven in-process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod events;

use std::sync::Arc;

use axum::Router;
use coffer_core::http::{AppState, app};
use coffer_core::{Ports, Settings, SystemClock};

/// The function's app on embedded backends in a temporary folder.
pub struct TestApp {
    pub router: Router,
    _dir: tempfile::TempDir,
}

pub fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::embedded(dir.path());
    let ports = Ports::embedded(&settings, Arc::new(SystemClock)).unwrap();
    TestApp {
        router: app(vec![coffer_function_pii::routes()], AppState::new(settings, ports)),
        _dir: dir,
    }
}
