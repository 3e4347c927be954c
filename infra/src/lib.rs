//! Coffer's all-in-one local server: every function's routes in one process.

use std::net::SocketAddr;
use std::sync::Arc;

use coffer_core::http::{AppState, RouteGroup, app};
use coffer_core::{Ports, Settings, SystemClock};

/// Every function's route group, as deployed on Lambda.
pub fn route_groups() -> Vec<RouteGroup> {
    vec![
        coffer_function_pii::routes(),
        coffer_function_auth::routes(),
    ]
}

/// Serves every route group on `listener` until `shutdown` resolves.
pub async fn serve(
    settings: Settings,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let ports = Ports::from_settings(&settings, Arc::new(SystemClock)).await?;
    // Build the PII detector before the first request rather than during it.
    coffer_core::pii::engine::Detector::shared();
    let router = app(route_groups(), AppState::new(settings, ports));
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}
