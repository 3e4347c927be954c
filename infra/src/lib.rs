//! Coffer's all-in-one local server: every function's routes in one process.

use std::net::SocketAddr;
use std::sync::Arc;

use coffer_core::http::{AppState, FunctionGroup, app};
use coffer_core::{Ports, Settings, SystemClock};

/// Every function's group, as deployed on Lambda. Adding a function group adds its line here.
pub fn route_groups() -> Vec<FunctionGroup> {
    vec![
        coffer_function_pii::group(),
        coffer_function_auth::group(),
        coffer_function_orgs::group(),
    ]
}

/// Serves every route group on `listener` until `shutdown` resolves.
pub async fn serve(
    settings: Settings,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let ports = Ports::from_settings(&settings, Arc::new(SystemClock)).await?;
    let state = AppState::new(settings, ports);
    let groups = route_groups();
    // Build and warm every group's service before the first request rather than during it.
    for group in &groups {
        group.warm(&state).await;
    }
    let router = app(groups, state);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}
