//! `coffer-local` — run every function in one process on `COFFER_LISTEN` (default), or
//! `coffer-local bootstrap` to create the table, bucket and key in an AWS emulator.

use coffer_core::{Settings, telemetry};

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("coffer-local: {err}");
        let mut source = err.source();
        while let Some(cause) = source {
            eprintln!("  caused by: {cause}");
            source = cause.source();
        }
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_json);
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => {
            let listener = tokio::net::TcpListener::bind(settings.listen).await?;
            tracing::info!(address = %listener.local_addr()?, backend = ?settings.backend, "coffer-local listening");
            coffer_local::serve(settings, listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
        }
        Some("bootstrap") => {
            let report = coffer_core::aws::bootstrap(&settings).await?;
            println!("{report}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}; use `serve` (default) or `bootstrap`").into()),
    }
}
