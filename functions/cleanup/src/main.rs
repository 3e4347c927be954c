use std::sync::Arc;

use coffer_core::{Ports, Settings, SystemClock, telemetry};
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_json);
    let ports = Ports::from_settings(&settings, Arc::new(SystemClock)).await?;
    let (ports, settings) = (&ports, &settings);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        let (result, metrics) =
            coffer_function_cleanup::handle_measured(ports, settings, event).await;
        telemetry::emf::print(&metrics);
        result
    }))
    .await
}
