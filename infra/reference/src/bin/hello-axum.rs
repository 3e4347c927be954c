//! A bare axum hello-world, served the way `coffer-local` serves Coffer (tokio's multi-thread
//! runtime, `axum::serve`, HTTP/1), so a load run can read Coffer's routes against it:
//! `hello-axum [address]` (default `127.0.0.1:8081`), then `GET /v1/health`.

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8081".to_owned());
    let app = Router::new().route(
        "/v1/health",
        get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
    );
    let listener = tokio::net::TcpListener::bind(&address).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
