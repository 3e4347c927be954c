//! Runs a function's routes on AWS Lambda (API Gateway HTTP API, payload v2).

use std::sync::Arc;

use super::{AppState, FunctionGroup, app};
use crate::backends::Ports;
use crate::clock::SystemClock;
use crate::settings::Settings;
use crate::telemetry;

/// Everything a function's `main` does: settings, logs, ports once per cold start, the group's
/// services built and warmed, then serve. A bad setting stops start with a message naming the
/// variable.
pub async fn serve(group: FunctionGroup) -> Result<(), lambda_http::Error> {
    let state = init().await?;
    group.warm(&state).await;
    lambda_http::run(app(vec![group], state)).await
}

/// Reads settings, starts logging and opens the ports.
pub async fn init() -> Result<AppState, lambda_http::Error> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_json);
    let ports = Ports::from_settings(&settings, Arc::new(SystemClock)).await?;
    Ok(AppState::new(settings, ports))
}
