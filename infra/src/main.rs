//! `coffer-local` — run every function in one process on `COFFER_LISTEN` (default),
//! `coffer-local bootstrap` to create the table, bucket and key in an AWS emulator, or
//! `coffer-local rotate-signing-key` to add a token-signing key now (published at once, signing
//! after `COFFER_SIGNING_KEY_LEAD_SECONDS`).

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
            tracing::info!(folder = %settings.data_dir.join("mail").display(), "outbox mail is written here as .eml files");
            coffer_local::serve(settings, listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
        }
        Some("bootstrap") => {
            let report = coffer_core::aws::bootstrap(&settings).await?;
            let made = |created: bool| if created { "created" } else { "exists" };
            println!("table  {} ({})", report.table, made(report.table_created));
            println!("bucket {} ({})", report.bucket, made(report.bucket_created));
            let alias = report.key_alias.as_deref().unwrap_or("-");
            println!(
                "key    {} alias {alias} ({})",
                report.key_id,
                made(report.key_created)
            );
            Ok(())
        }
        Some("rotate-signing-key") => {
            let kid = coffer_local::rotate_signing_key(&settings).await?;
            println!("signing key {kid} added; it signs after the lead");
            Ok(())
        }
        Some(other) => Err(format!(
            "unknown command {other:?}; use `serve` (default), `bootstrap` or `rotate-signing-key`"
        )
        .into()),
    }
}
