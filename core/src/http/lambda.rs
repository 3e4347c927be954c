//! Runs a function's routes on AWS Lambda (API Gateway HTTP API, payload v2).

use std::sync::Arc;

use axum::response::Response;
use serde_json::json;
use tower::ServiceBuilder;

use super::security_headers::served_over_https;
use super::{AppState, EmfDocuments, FunctionGroup, app};
use crate::backends::Ports;
use crate::clock::SystemClock;
use crate::settings::Settings;
use crate::telemetry::{self, emf};

/// Everything a function's `main` does: settings, logs, ports once per cold start, the group's
/// services built and warmed, then serve, each request's metrics printed as EMF. A bad setting
/// stops start with a message naming the variable.
pub async fn serve(group: FunctionGroup) -> Result<(), lambda_http::Error> {
    let state = init().await?;
    group.warm(&state).await;
    let router = app(vec![group], state);
    lambda_http::run(
        ServiceBuilder::new()
            .map_response(print_metrics)
            .map_response(served_over_https)
            .service(router),
    )
    .await
}

/// Reads settings, starts logging and opens the ports.
pub async fn init() -> Result<AppState, lambda_http::Error> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_json);
    let ports = Ports::from_settings(&settings, Arc::new(SystemClock)).await?;
    Ok(AppState::new(settings, ports))
}

/// Prints the EMF documents the request left in its reply on stdout, where CloudWatch Logs
/// reads them: one per invocation.
fn print_metrics(mut response: Response) -> Response {
    if let Some(EmfDocuments(documents)) = response.extensions_mut().remove() {
        telemetry::emf::print(&documents);
    }
    response
}

/// What an invocation's EMF documents say of it: the function's name (the `function`
/// dimension; `unknown` where the runtime gives none) and the X-Ray trace id, from the context
/// or from `_X_AMZN_TRACE_ID`, and Lambda's id for the invocation.
pub fn emf_invocation(context: &lambda_http::Context) -> emf::Invocation {
    let header = context
        .xray_trace_id
        .clone()
        .or_else(|| std::env::var("_X_AMZN_TRACE_ID").ok());
    let function = match context.env_config.function_name.as_str() {
        "" => "unknown",
        name => name,
    };
    emf::Invocation {
        function: function.to_owned(),
        xray_trace_id: header.as_deref().and_then(telemetry::xray_trace_id),
        properties: vec![("lambda_request_id", json!(context.request_id))],
    }
}
